//! Incremental learning: a chain of partial fits, exact for least squares, close to the
//! batch logistic regression for SGD.

use rask::prelude::*;
use rask_ml::{Incremental, LinearRegression, LogisticRegression, PredictArray, SGDClassifier};

use crate::{classification, close, regression, vector};

#[test]
fn incremental_least_squares_equals_the_batch_fit() {
    let (x, y) = regression(3000, 4, 71);
    let inc = Incremental::new(LinearRegression::new()).fit(&x, &y).expect("succeeds");
    let batch = LinearRegression::new().fit(&x, &y).expect("succeeds");
    assert!(close(inc.params(), batch.params(), 1e-9));
    assert!((inc.intercept() - batch.intercept()).abs() < 1e-9);
    let dot = Incremental::new(LinearRegression::new())
        .epochs(2)
        .plan(&x, &y)
        .expect("succeeds")
        .visualize()
        .expect("succeeds")
        .dot()
        .to_string();
    let batches = 2 * x.chunks()[0].len();
    assert_eq!(dot.matches("label=\"partial_fit_first\" shape=circle").count(), 1, "{dot}");
    assert_eq!(dot.matches("label=\"partial_fit\" shape=circle").count(), batches - 1, "{dot}");
}

#[test]
fn sgd_classifier_learns_what_logistic_regression_does() {
    let (x, y) = classification(20000, 3, 72);
    let truth = vector(&y);
    let accuracy = |pred: ndarray::Array1<bool>| {
        pred.iter().zip(&truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
    };
    let sgd = Incremental::new(SGDClassifier::new().alpha(1e-4)).epochs(2).fit(&x, &y).expect("succeeds");
    let newton = LogisticRegression::new().alpha(1e-4).fit(&x, &y).expect("succeeds");
    let (a, b) = (
        accuracy(vector(&sgd.predict_array(&x).expect("succeeds"))),
        accuracy(vector(&newton.predict_array(&x).expect("succeeds"))),
    );
    assert!(b - a < 0.02, "SGD {a} vs Newton {b}");
    assert!(b > 0.8, "{b}");
}

#[test]
fn incremental_names_the_batch_at_fault() {
    let x = da::random(&[30, 2], 10, 1).expect("succeeds");
    let y = da::from_array(ndarray::Array1::from_iter((0..30i64).map(|i| if i < 20 { i % 2 } else { 2 })), 10)
        .expect("succeeds");
    let err = Incremental::new(SGDClassifier::<i64>::new()).fit(&x, &y).expect_err("fails").to_string();
    assert!(err.contains("batch 2: row ") && err.ends_with(" has label 2, which is neither class 1 nor 0"), "{err}");
    let ones = da::full(&[30], 1i64, 10).expect("succeeds");
    let err = Incremental::new(SGDClassifier::<i64>::new()).fit(&x, &ones).expect_err("fails").to_string();
    assert!(
        err.contains("batch 0: the first batch holds only the class 1; name both classes with .classes(a, b)"),
        "{err}"
    );
    let err = Incremental::new(SGDClassifier::<i64>::new()).epochs(0).fit(&x, &ones).expect_err("fails").to_string();
    assert_eq!(err, "Incremental: epochs = 0 is out of range: it must be at least 1");
}
