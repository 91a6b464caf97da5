//! rask-ml's integration tests: every estimator over partitions against the same estimator
//! fitted on the whole data in memory (linfa's, or a hand computation), every search against
//! a plain loop over the same folds, and bad input against its message.

mod cluster;
mod decomposition;
mod incremental;
mod linear;
mod preprocessing;
mod search;
mod split;

use ndarray::{Array1, Array2, Ix1, Ix2};
use rask::prelude::*;

/// A computed 2-D array.
fn dense(x: &da::Array<f64>) -> Array2<f64> {
    x.compute().expect("computes").into_dimensionality::<Ix2>().expect("2-D")
}

/// A computed 1-D array.
fn vector<T: da::Element>(y: &da::Array<T>) -> Array1<T> {
    y.compute().expect("computes").into_dimensionality::<Ix1>().expect("1-D")
}

/// Whether every element of `a` is within `tol` of `b`'s.
fn close(a: &Array1<f64>, b: &Array1<f64>, tol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| (a - b).abs() <= tol)
}

/// `n` rows of `d` features in uneven row blocks, and a linear response with noise.
fn regression(n: usize, d: usize, seed: u64) -> (da::Array<f64>, da::Array<f64>) {
    let x = da::random(&[n, d], [n / 3 + 7, d], seed).expect("random");
    let w = Array1::from_iter((0..d).map(|j| j as f64 - 1.5));
    let noise = da::random(&[n], n / 3 + 7, seed + 1).expect("random");
    let y = &(&x.matmul(&da::from_array(w, d).expect("w")) + 0.5) + &(&noise * 0.1);
    (x, y)
}

/// Two overlapping classes: `true` where a linear score plus noise is positive.
fn classification(n: usize, d: usize, seed: u64) -> (da::Array<f64>, da::Array<bool>) {
    let x = da::random(&[n, d], [n / 4 + 3, d], seed).expect("random");
    let w = Array1::from_iter((0..d).map(|j| if j % 2 == 0 { 2.0 } else { -1.0 }));
    let noise = da::random(&[n], n / 4 + 3, seed + 1).expect("random");
    let score = &(&x.matmul(&da::from_array(w, d).expect("w")) + &(&noise * 0.8)) - (d as f64 / 4.0 + 0.4);
    (x, score.map_blocks(|b| b.mapv(|s| s > 0.0)))
}
