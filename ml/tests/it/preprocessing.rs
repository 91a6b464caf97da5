//! Scalers over partitions against linfa's scalers fitted in memory.

use linfa::traits::{Fit, Transformer};
use linfa_preprocessing::linear_scaling::LinearScaler;
use rask::polars::prelude::df;
use rask::prelude::*;
use rask_ml::{MinMaxScaler, StandardScaler, TransformArray};

use crate::{dense, regression};

#[test]
fn scalers_match_linfa_in_memory() {
    let (x, _) = regression(5000, 4, 21);
    let x = &(&x * 1000.0) + 1e6; // far from 0: a naive sum of squares would lose digits
    let whole = dense(&x);
    let data = linfa::DatasetBase::from(whole.clone());
    for (ours, theirs) in [
        (StandardScaler::new().fit(&x).expect("succeeds"), LinearScaler::standard().fit(&data).expect("succeeds")),
        (
            StandardScaler::new().with_mean(false).fit(&x).expect("succeeds"),
            LinearScaler::standard_no_mean().fit(&data).expect("succeeds"),
        ),
        (MinMaxScaler::new().fit(&x).expect("succeeds"), LinearScaler::min_max().fit(&data).expect("succeeds")),
        (
            MinMaxScaler::new().range(-2.0, 3.0).fit(&x).expect("succeeds"),
            LinearScaler::min_max_range(-2.0, 3.0).fit(&data).expect("succeeds"),
        ),
    ] {
        assert!(crate::close(ours.offsets(), theirs.offsets(), 1e-6), "{ours:?} vs {theirs:?}");
        let rel = (ours.scales() - theirs.scales()) / theirs.scales();
        assert!(rel.iter().all(|r| r.abs() < 1e-9), "{ours:?} vs {theirs:?}");
        assert_eq!(ours.method(), theirs.method());
        let ours_out = dense(&ours.transform_array(&x).expect("succeeds"));
        let theirs_out = theirs.transform(whole.clone());
        assert!(ours_out.iter().zip(&theirs_out).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}

#[test]
fn scalers_read_dataframes_and_skip_empty_partitions() {
    let df = df!("a" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "b" => [10i64, 10, 20, 20, 30, 30]).expect("succeeds");
    // After the filter the middle partition is empty.
    let frame = dd::from_polars(df, 3).filter(col("a").lt(3.0).or(col("a").gt(4.0)));
    let scaler = MinMaxScaler::new().fit(&frame).expect("succeeds");
    assert_eq!(scaler.offsets().to_vec(), [1.0, 10.0]);
    assert_eq!(scaler.scales().to_vec(), [1.0 / 5.0, 1.0 / 20.0]);
    let nothing = frame.filter(col("a").gt(100.0));
    assert_eq!(StandardScaler::new().fit(&nothing).expect_err("fails").to_string(), "X has no rows");
}

#[test]
fn scalers_name_bad_input() {
    let x = da::from_array(ndarray::array![[1.0, 2.0], [3.0, f64::NAN], [5.0, 6.0]], 2).expect("succeeds");
    let err = StandardScaler::new().fit(&x).expect_err("fails").to_string();
    assert!(err.contains("partition 0: X has NaN at row 1, column 1"), "{err}");
    let good = da::from_array(ndarray::array![[1.0, 2.0], [3.0, 4.0]], 1).expect("succeeds");
    let scaler = StandardScaler::new().fit(&good).expect("succeeds");
    let wide = da::ones::<f64>(&[2, 3], 1).expect("succeeds");
    let err = scaler.transform_array(&wide).expect("succeeds").compute().expect_err("fails").to_string();
    assert!(err.contains("the scaler was fitted on 2 features, but X has 3"), "{err}");
    let err = MinMaxScaler::new().range(1.0, 1.0).fit(&good).expect_err("fails").to_string();
    assert_eq!(err, "MinMaxScaler: range = [1, 1] is out of range: it must be finite with min < max");
    let nulls = dd::from_polars(df!("a" => [Some(1.0), None]).expect("succeeds"), 1);
    let err = StandardScaler::new().fit(&nulls).expect_err("fails").to_string();
    assert!(err.contains("column 'a' has a null at row 1 of this partition"), "{err}");
}
