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
        (StandardScaler::new().fit(&x).unwrap(), LinearScaler::standard().fit(&data).unwrap()),
        (StandardScaler::new().with_mean(false).fit(&x).unwrap(), LinearScaler::standard_no_mean().fit(&data).unwrap()),
        (MinMaxScaler::new().fit(&x).unwrap(), LinearScaler::min_max().fit(&data).unwrap()),
        (
            MinMaxScaler::new().range(-2.0, 3.0).fit(&x).unwrap(),
            LinearScaler::min_max_range(-2.0, 3.0).fit(&data).unwrap(),
        ),
    ] {
        assert!(crate::close(ours.offsets(), theirs.offsets(), 1e-6), "{ours:?} vs {theirs:?}");
        let rel = (ours.scales() - theirs.scales()) / theirs.scales();
        assert!(rel.iter().all(|r| r.abs() < 1e-9), "{ours:?} vs {theirs:?}");
        assert_eq!(ours.method(), theirs.method());
        let ours_out = dense(&ours.transform_array(&x).unwrap());
        let theirs_out = theirs.transform(whole.clone());
        assert!(ours_out.iter().zip(&theirs_out).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}

#[test]
fn scalers_read_dataframes_and_skip_empty_partitions() {
    let df = df!("a" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "b" => [10i64, 10, 20, 20, 30, 30]).unwrap();
    // After the filter the middle partition is empty.
    let frame = dd::from_polars(df, 3).filter(col("a").lt(3.0).or(col("a").gt(4.0)));
    let scaler = MinMaxScaler::new().fit(&frame).unwrap();
    assert_eq!(scaler.offsets().to_vec(), [1.0, 10.0]);
    assert_eq!(scaler.scales().to_vec(), [1.0 / 5.0, 1.0 / 20.0]);
    let nothing = frame.filter(col("a").gt(100.0));
    assert_eq!(StandardScaler::new().fit(&nothing).unwrap_err().to_string(), "X has no rows");
}

#[test]
fn scalers_name_bad_input() {
    let x = da::from_array(ndarray::array![[1.0, 2.0], [3.0, f64::NAN], [5.0, 6.0]], 2).unwrap();
    let err = StandardScaler::new().fit(&x).unwrap_err().to_string();
    assert!(err.contains("partition 0: X has NaN at row 1, column 1"), "{err}");
    let good = da::from_array(ndarray::array![[1.0, 2.0], [3.0, 4.0]], 1).unwrap();
    let scaler = StandardScaler::new().fit(&good).unwrap();
    let wide = da::ones::<f64>(&[2, 3], 1).unwrap();
    let err = scaler.transform_array(&wide).unwrap().compute().unwrap_err().to_string();
    assert!(err.contains("the scaler was fitted on 2 features, but X has 3"), "{err}");
    let err = MinMaxScaler::new().range(1.0, 1.0).fit(&good).unwrap_err().to_string();
    assert_eq!(err, "MinMaxScaler: range = [1, 1] is out of range: it must be finite with min < max");
    let nulls = dd::from_polars(df!("a" => [Some(1.0), None]).unwrap(), 1);
    let err = StandardScaler::new().fit(&nulls).unwrap_err().to_string();
    assert!(err.contains("column 'a' has a null at row 1 of this partition"), "{err}");
}
