//! Linear models over partitions against linfa's fitted in memory and a hand computation.

use linfa::traits::Fit;
use ndarray::Array1;
use rask::polars::prelude::df;
use rask::prelude::*;
use rask_ml::{Estimator, LinearRegression, LogisticRegression, PredictArray};

use crate::{classification, close, dense, regression, vector};

#[test]
fn linear_regression_matches_linfa_in_memory() {
    let (x, y) = regression(4000, 5, 31);
    let data = linfa::DatasetBase::new(dense(&x), vector(&y));
    for intercept in [true, false] {
        let ours = LinearRegression::new().fit_intercept(intercept).fit(&x, &y).expect("succeeds");
        let theirs = linfa_linear::LinearRegression::new().with_intercept(intercept).fit(&data).expect("succeeds");
        assert!(close(ours.params(), theirs.params(), 1e-9), "{:?} vs {:?}", ours.params(), theirs.params());
        assert!((ours.intercept() - theirs.intercept()).abs() < 1e-9);
        let predicted = vector(&ours.predict_array(&x).expect("succeeds"));
        let by_hand = dense(&x).dot(ours.params()) + ours.intercept();
        assert!(close(&predicted, &by_hand, 1e-12));
    }
    // the coefficients the data was made with (noise is small)
    let ours = LinearRegression::new().fit(&x, &y).expect("succeeds");
    assert!(close(ours.params(), &ndarray::array![-1.5, -0.5, 0.5, 1.5, 2.5], 0.02), "{:?}", ours.params());
}

#[test]
fn linear_regression_names_bad_input() {
    let x = da::from_array(ndarray::array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], 2).expect("succeeds");
    let y = da::from_array(ndarray::array![1.0, 2.0, 3.0], 2).expect("succeeds");
    let err = LinearRegression::new().fit(&x, &y).expect_err("fails").to_string();
    assert!(err.starts_with("LinearRegression: the 2 features are collinear"), "{err}");
    let short = da::from_array(ndarray::array![1.0, 2.0], 2).expect("succeeds");
    let err = LinearRegression::new().fit(&x, &short).expect_err("fails").to_string();
    assert_eq!(err, "X has 3 rows but y has 2: they must have one row per label");
    let nan = da::from_array(ndarray::array![[1.0], [f64::INFINITY], [3.0]], 1).expect("succeeds");
    let err = LinearRegression::new().fit(&nan, &y).expect_err("fails").to_string();
    assert!(err.contains("partition 1: X has inf at row 0, column 0"), "{err}");
    // DataFrames: partitions must pair up row for row
    let fx = dd::from_polars(df!("a" => [1.0, 2.0, 3.0, 4.0]).expect("succeeds"), 2);
    let fy = dd::from_polars(df!("y" => [1.0, 2.0, 3.0]).expect("succeeds"), 2);
    let err = LinearRegression::new().fit(&fx, &fy).expect_err("fails").to_string();
    assert!(err.contains(": X has 2 rows but y has 1"), "{err}");
    let two = dd::from_polars(df!("y" => [1.0, 2.0, 3.0, 4.0], "z" => [0.0; 4]).expect("succeeds"), 2);
    let err = LinearRegression::new().fit(&fx, &two).expect_err("fails").to_string();
    assert_eq!(err, "y must be a DataFrame of one column, but it has 2: y, z");
}

#[test]
fn logistic_regression_matches_in_memory_fits() {
    let (x, y) = classification(6000, 4, 41);
    let (xd, yd) = (dense(&x), vector(&y));
    for alpha in [0.01, 1.0, 30.0] {
        let est = LogisticRegression::new().alpha(alpha);
        let ours = est.fit(&x, &y).expect("succeeds");
        // the same algorithm on one block in memory
        let memory = Estimator::fit(&est, xd.view(), yd.view()).expect("succeeds");
        assert!(close(ours.params(), memory.params(), 1e-8), "{:?} vs {:?}", ours.params(), memory.params());
        // linfa's own (L-BFGS, which stops at its gradient tolerance)
        let theirs = linfa_logistic::LogisticRegression::default()
            .alpha(alpha)
            .gradient_tolerance(1e-8)
            .max_iterations(1000)
            .fit(&linfa::DatasetBase::new(xd.clone(), yd.clone()))
            .expect("succeeds");
        // linfa's positive class is the more frequent one, ours the larger (as scikit-learn's)
        let sign = if theirs.labels().pos.class == ours.labels().pos.class { 1.0 } else { -1.0 };
        let scale = theirs.params().iter().fold(1.0f64, |m, v| m.max(v.abs()));
        assert!(
            close(ours.params(), &(theirs.params() * sign), 1e-3 * scale),
            "alpha {alpha}: {:?} vs {:?}",
            ours.params(),
            theirs.params()
        );
        assert!((ours.intercept() - sign * theirs.intercept()).abs() < 1e-3 * scale);
        // the same predictions on the rows
        let ours_pred = vector(&ours.predict_array(&x).expect("succeeds"));
        let theirs_pred: Array1<bool> = linfa::traits::Predict::predict(&theirs, &xd);
        let differ = ours_pred.iter().zip(&theirs_pred).filter(|(a, b)| a != b).count();
        assert!(differ <= 3, "{differ} predictions differ");
    }
}

#[test]
fn logistic_regression_takes_any_two_labels() {
    let (x, y) = classification(2000, 3, 43);
    let as_bool = LogisticRegression::new().fit(&x, &y).expect("succeeds");
    let ints = y.map_blocks(|b| b.mapv(|t| if t { 7i64 } else { -3 }));
    let as_int = LogisticRegression::new().fit(&x, &ints).expect("succeeds");
    assert!(close(as_bool.params(), as_int.params(), 1e-12));
    assert_eq!((as_int.labels().pos.class, as_int.labels().neg.class), (7, -3));
    let predicted = vector(&as_int.predict_array(&x).expect("succeeds"));
    let want = vector(&as_bool.predict_array(&x).expect("succeeds")).mapv(|t| if t { 7 } else { -3 });
    assert_eq!(predicted, want);
    // strings, from a DataFrame column
    let frame = dd::from_polars(
        df!("a" => [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "label" => ["no", "no", "yes", "no", "yes", "yes"])
            .expect("succeeds"),
        2,
    );
    let model = LogisticRegression::<String>::new()
        .fit(&frame.select([col("a")]), &frame.select([col("label")]))
        .expect("succeeds");
    assert_eq!(model.labels().pos.class, "yes");
    assert!(model.params()[0] > 0.0);
}

#[test]
fn logistic_regression_names_bad_input() {
    let x = da::random(&[10, 2], 5, 1).expect("succeeds");
    let one = da::full(&[10], true, 5).expect("succeeds");
    let err = LogisticRegression::new().fit(&x, &one).expect_err("fails").to_string();
    assert_eq!(err, "LogisticRegression: y must hold two classes, but holds only [true]");
    let three = da::arange(0i64, 10, 1, 5).expect("succeeds");
    let err = LogisticRegression::new().fit(&x, &three).expect_err("fails").to_string();
    assert!(err.starts_with("LogisticRegression: y must hold two classes, but holds more: 0, 1, 2"), "{err}");
    let err = LogisticRegression::<bool>::new().alpha(-1.0).check().expect_err("fails").to_string();
    assert_eq!(err, "LogisticRegression: alpha = -1 is out of range: it must be a finite number ≥ 0");
    let err = LogisticRegression::<bool>::new().max_iterations(0).check().expect_err("fails").to_string();
    assert_eq!(err, "LogisticRegression: max_iterations = 0 is out of range: it must be at least 1");
}

#[test]
fn empty_partitions_change_nothing() {
    let a: Vec<f64> = (0..60).map(|i| (i % 13) as f64 / 13.0).collect();
    let b: Vec<f64> = (0..60).map(|i| (i * 7 % 11) as f64 / 11.0).collect();
    let label: Vec<bool> = a.iter().zip(&b).enumerate().map(|(i, (a, b))| a + b > 1.0 || i % 9 == 0).collect();
    let frame = df!("a" => a, "b" => b, "label" => label).expect("succeeds");
    let (head, tail) = (frame.slice(0, 20), frame.slice(40, 20));
    let gap = dd::from_polars(head.vstack(&tail).expect("succeeds"), 2);
    // the same rows with an empty partition between them (as a filter can leave)
    let parts = [head, frame.slice(0, 0), tail].map(Delayed::value);
    let with_hole = dd::from_delayed(parts.to_vec()).expect("succeeds");
    assert_eq!(with_hole.npartitions(), 3);
    let reference = LogisticRegression::<bool>::new()
        .fit(&gap.select([col("a"), col("b")]), &gap.select([col("label")]))
        .expect("succeeds");
    let model = LogisticRegression::<bool>::new()
        .fit(&with_hole.select([col("a"), col("b")]), &with_hole.select([col("label")]))
        .expect("succeeds");
    assert!(close(model.params(), reference.params(), 1e-12));
    let ols = LinearRegression::new()
        .fit(&with_hole.select([col("a"), col("b")]), &with_hole.select([col("a").alias("t")]))
        .expect("succeeds");
    assert!(close(ols.params(), &ndarray::array![1.0, 0.0], 1e-9), "{:?}", ols.params());
    let km = rask_ml::KMeans::new(2).fit(&with_hole.select([col("a"), col("b")])).expect("succeeds");
    assert_eq!(km.cluster_count().sum(), 40.0);
}

#[test]
fn features_far_from_zero_keep_their_precision() {
    // timestamps-like features: 1e9 plus a small spread; y = 2 (a - 1e9) - 0.5 (b - 1e9) + 3
    let x = ndarray::Array2::from_shape_fn((2000, 2), |(i, j)| 1e9 + ((i * (j + 3)) % 101) as f64 * 0.25);
    let y = x.column(0).mapv(|a| 2.0 * (a - 1e9)) - x.column(1).mapv(|b| 0.5 * (b - 1e9)) + 3.0;
    let xa = da::from_array(x, [300, 2]).expect("array");
    let ya = da::from_array(y, 300).expect("array");
    let model = LinearRegression::new().fit(&xa, &ya).expect("fits");
    assert!(close(model.params(), &ndarray::array![2.0, -0.5], 1e-6), "{:?}", model.params());
    // and a feature a million times larger than another is not "singular"
    let wide =
        ndarray::Array2::from_shape_fn(
            (500, 2),
            |(i, j)| if j == 0 { (i % 17) as f64 * 1e6 } else { (i % 5) as f64 * 1e-3 },
        );
    let y = wide.column(0).mapv(|a| a * 1e-6) + wide.column(1).mapv(|b| b * 1e3);
    let model = LinearRegression::new().fit(&wide, &y).expect("not singular");
    assert!(close(model.params(), &ndarray::array![1e-6, 1e3], 1e-6), "{:?}", model.params());
}

#[test]
fn labels_and_iterations_are_checked() {
    let x = da::random(&[20, 2], 10, 1).expect("random");
    let y = da::from_array(ndarray::Array1::from_iter((0..20).map(|i| if i == 13 { f64::NAN } else { i as f64 })), 10)
        .expect("y");
    let err = LinearRegression::new().fit(&x, &y).expect_err("fails").to_string();
    assert!(err.contains("partition 1: y has NaN at row 3 (labels must be finite)"), "{err}");
    // an in-memory y with an X in partitions is cut like X
    let yd = ndarray::Array1::from_iter((0..20).map(|i| i as f64));
    LinearRegression::new().fit(&x, &yd).expect("fits");
    let (cx, cy) = classification(2000, 3, 44);
    let err = LogisticRegression::<bool>::new().max_iterations(1).fit(&cx, &cy).expect_err("fails").to_string();
    assert!(err.starts_with("LogisticRegression: no convergence in 1 Newton steps"), "{err}");
    // a threshold set on linfa's model holds for predict_array
    let model = LogisticRegression::new().fit(&cx, &cy).expect("fits");
    let strict = model.clone().set_threshold(0.999);
    let (loose, tight) =
        (vector(&model.predict_array(&cx).expect("p")), vector(&strict.predict_array(&cx).expect("p")));
    assert!(tight.iter().filter(|t| **t).count() < loose.iter().filter(|t| **t).count());
}
