//! KMeans over partitions against linfa's KMeans in memory: the same cluster quality.

use linfa::traits::Fit;
use ndarray::Array2;
use rask::polars::prelude::df;
use rask::prelude::*;
use rask_ml::{KMeans, PredictArray};

use crate::{dense, vector};

/// `n` rows around `k` centres in `d` dimensions, with uniform noise of width 1.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> da::Array<f64> {
    let noise = dense(&da::random(&[n, d], [n, d], seed).expect("succeeds"));
    let x = Array2::from_shape_fn((n, d), |(i, j)| ((i % k) * 3 + j * (i % k)) as f64 + noise[(i, j)]);
    da::from_array(x, [n / 5 + 1, d]).expect("succeeds")
}

#[test]
fn kmeans_matches_linfa_quality() {
    let x = blobs(6000, 3, 5, 51);
    let whole = dense(&x);
    let ours = KMeans::new(5).seed(3).fit(&x).expect("succeeds");
    let theirs =
        linfa_clustering::KMeans::params(5).n_runs(3).fit(&linfa::DatasetBase::from(whole.clone())).expect("succeeds");
    // linfa's inertia is the mean squared distance to the nearest centroid
    let rel = (ours.inertia() - theirs.inertia()).abs() / theirs.inertia();
    assert!(rel < 0.01, "inertia {} vs linfa's {}", ours.inertia(), theirs.inertia());
    assert_eq!(ours.cluster_count().sum(), 6000.0);
    // the inertia it reports is that of its centroids, computed by hand
    let labels = vector(&ours.predict_array(&x).expect("succeeds"));
    let by_hand: f64 = whole
        .rows()
        .into_iter()
        .zip(&labels)
        .map(|(r, &l)| (&r - &ours.centroids().row(l as usize)).mapv(|v| v * v).sum())
        .sum::<f64>()
        / 6000.0;
    assert!((by_hand - ours.inertia()).abs() < 1e-9 * by_hand, "{by_hand} vs {}", ours.inertia());
    // every blob is one cluster
    for i in 0..5 {
        assert!(labels.iter().skip(i).step_by(5).all(|&l| l == labels[i]), "blob {i} is split");
    }
}

#[test]
fn kmeans_is_seeded_and_reads_dataframes() {
    let x = blobs(900, 2, 3, 52);
    let a = KMeans::new(3).seed(9).fit(&x).expect("succeeds");
    let b = KMeans::new(3).seed(9).fit(&x).expect("succeeds");
    assert_eq!(a.centroids(), b.centroids());
    let whole = dense(&x);
    let frame =
        dd::from_polars(df!("a" => whole.column(0).to_vec(), "b" => whole.column(1).to_vec()).expect("succeeds"), 4);
    let c = KMeans::new(3).seed(9).fit(&frame).expect("succeeds");
    assert!((c.inertia() - a.inertia()).abs() < 1e-3 * a.inertia());
}

#[test]
fn kmeans_names_bad_input() {
    let x = da::random(&[4, 2], 2, 1).expect("succeeds");
    assert_eq!(
        KMeans::new(5).fit(&x).expect_err("fails").to_string(),
        "KMeans: n_clusters = 5 is more than the 4 rows of X"
    );
    assert_eq!(
        KMeans::new(0).fit(&x).expect_err("fails").to_string(),
        "KMeans: n_clusters = 0 is out of range: it must be at least 1"
    );
    let same = da::ones::<f64>(&[10, 2], 5).expect("succeeds");
    let err = KMeans::new(2).fit(&same).expect_err("fails").to_string();
    assert!(err.contains("only 1 distinct rows"), "{err}");
    let nan = da::from_array(ndarray::array![[1.0], [2.0], [f64::NAN]], 2).expect("succeeds");
    let err = KMeans::new(1).fit(&nan).expect_err("fails").to_string();
    assert!(err.contains("partition 1: X has NaN at row 0, column 0"), "{err}");
}

#[test]
fn kmeans_with_one_round_still_finds_k_centres() {
    let x = blobs(3000, 2, 4, 53);
    let one = KMeans::new(4).init_rounds(1).seed(5).fit(&x).expect("tops up the candidates");
    assert_eq!(one.centroids().nrows(), 4);
    assert_eq!(one.cluster_count().sum(), 3000.0);
    let err = KMeans::new(4).init_rounds(0).fit(&x).expect_err("fails").to_string();
    assert_eq!(err, "KMeans: init_rounds = 0 is out of range: it must be at least 1");
}
