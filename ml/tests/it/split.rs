//! Splitters: every row is tested once (KFold), sizes hold, and the lazy folds of Arrays
//! are the rows the indices name.

use rask::prelude::*;
use rask_ml::{KFold, ShuffleSplit, Splitter, train_test_split};

use crate::{dense, vector};

#[test]
fn kfold_tests_every_row_once() {
    for cv in [KFold::new(4), KFold::new(4).shuffle(7)] {
        let splits = cv.split(103).expect("succeeds");
        let mut tested: Vec<usize> = splits.iter().flat_map(|(_, test)| test.clone()).collect();
        tested.sort();
        assert_eq!(tested, (0..103).collect::<Vec<_>>());
        for (train, test) in &splits {
            assert_eq!(train.len() + test.len(), 103);
            assert!(train.iter().all(|r| !test.contains(r)));
        }
    }
    assert_ne!(
        KFold::new(4).shuffle(7).split(50).expect("succeeds"),
        KFold::new(4).shuffle(8).split(50).expect("succeeds")
    );
    assert_eq!(KFold::new(4).split(3).expect_err("fails"), "KFold: cannot cut 3 rows into 4 folds");
    assert_eq!(
        KFold::new(1).split(3).expect_err("fails"),
        "KFold: n_splits = 1 is out of range: it must be at least 2"
    );
}

#[test]
fn folds_of_arrays_are_the_indexed_rows() {
    let x = da::random(&[60, 3], [17, 3], 5).expect("succeeds");
    let y = da::arange(0i64, 60, 1, 17).expect("succeeds");
    let cv = ShuffleSplit::new(3, 0.3, 11);
    let splits = cv.split(60).expect("succeeds");
    let whole = dense(&x);
    for ((train, test), (x_train, x_test, y_train, y_test)) in splits.iter().zip(cv.folds(&x, &y).expect("succeeds")) {
        assert_eq!(test.len(), 18);
        assert_eq!(dense(&x_test), whole.select(ndarray::Axis(0), test));
        assert_eq!(dense(&x_train), whole.select(ndarray::Axis(0), train));
        assert_eq!(vector(&y_test).to_vec(), test.iter().map(|&i| i as i64).collect::<Vec<_>>());
        assert_eq!(vector(&y_train).len(), 42);
    }
    let err = ShuffleSplit::new(3, 1.5, 0).split(10).expect_err("fails");
    assert_eq!(err, "ShuffleSplit: test_size = 1.5 is out of range: it must be a fraction between 0 and 1 (exclusive)");
}

#[test]
fn train_test_split_keeps_rows_with_their_labels() {
    let x = da::arange(0.0, 300.0, 1.0, 64).expect("succeeds").reshape_rows(3).expect("succeeds"); // row i is 3i, 3i+1, 3i+2
    let y = da::arange(0i64, 100, 1, 30).expect("succeeds");
    let (x_train, x_test, y_train, y_test) = train_test_split(&x, &y, 0.25, 3).expect("succeeds");
    assert_eq!(x_train.shape().expect("succeeds")[0] + x_test.shape().expect("succeeds")[0], 100);
    for (xs, ys) in [(dense(&x_train), vector(&y_train)), (dense(&x_test), vector(&y_test))] {
        assert_eq!(xs.nrows(), ys.len());
        for (row, label) in xs.rows().into_iter().zip(&ys) {
            assert_eq!(row[0], 3.0 * *label as f64);
        }
    }
    let mut all: Vec<i64> = vector(&y_train).into_iter().chain(vector(&y_test)).collect();
    all.sort();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    let short = da::arange(0i64, 99, 1, 30).expect("succeeds");
    let err = train_test_split(&x, &short, 0.25, 3).expect_err("fails").to_string();
    assert_eq!(err, "train_test_split: X has 100 rows but y has shape [99]");
}
