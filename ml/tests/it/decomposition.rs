//! PCA over partitions against linfa's PCA in memory.

use linfa::traits::Fit;
use rask::prelude::*;

#[test]
fn pca_matches_linfa_in_memory() {
    let x = da::random(&[3000, 5], [700, -1], 3).expect("succeeds");
    let mixed = x.matmul(
        &da::from_array(
            ndarray::array![
                [1.0, 0.5, 0.0, 0.0, 0.2],
                [0.0, 1.0, 0.3, 0.0, 0.0],
                [0.0, 0.0, 2.0, 0.1, 0.0],
                [0.4, 0.0, 0.0, 1.0, 0.0],
                [0.0, 0.0, 0.0, 0.0, 0.1]
            ],
            5,
        )
        .expect("succeeds"),
    );
    let ours = rask_ml::PCA::new(3).fit(&mixed).expect("succeeds");
    let dense = mixed.compute().expect("succeeds").into_dimensionality::<ndarray::Ix2>().expect("succeeds");
    let theirs = linfa_reduction::Pca::params(3).fit(&linfa::DatasetBase::from(dense)).expect("succeeds");
    println!(
        "ours {:?} {:?}\ntheirs {:?} {:?}",
        ours.components(),
        ours.singular_values(),
        theirs.components(),
        theirs.singular_values()
    );
    assert!((ours.mean() - theirs.mean()).iter().all(|d| d.abs() < 1e-12));
    assert!((ours.singular_values() - theirs.singular_values()).iter().all(|d| d.abs() < 1e-8));
    for (a, b) in ours.components().rows().into_iter().zip(theirs.components().rows()) {
        let sign = a.dot(&b).signum();
        assert!(a.iter().zip(b).all(|(a, b)| (a - sign * b).abs() < 1e-8), "{a} vs {b}");
    }
}

#[test]
fn pca_names_bad_input_and_reads_dataframes() {
    let x = da::random(&[50, 3], 20, 1).expect("succeeds");
    let err = rask_ml::PCA::new(4).fit(&x).expect_err("fails").to_string();
    assert_eq!(err, "PCA: n_components = 4 is out of range: it must be at most the number of features and of rows");
    assert!(rask_ml::PCA::new(0).fit(&x).is_err());
    let whole = crate::dense(&x);
    let frame = dd::from_polars(
        rask::polars::prelude::df!("a" => whole.column(0).to_vec(), "b" => whole.column(1).to_vec(), "c" => whole.column(2).to_vec()).expect("succeeds"),
        3,
    );
    let a = rask_ml::PCA::new(2).fit(&x).expect("succeeds");
    let b = rask_ml::PCA::new(2).fit(&frame).expect("succeeds");
    assert!((a.components() - b.components()).iter().all(|d| d.abs() < 1e-9));
}

#[test]
fn pca_takes_short_blocks_and_empty_partitions() {
    let x = da::random(&[1001, 5], [100, 5], 9).expect("random");
    let ours = rask_ml::PCA::new(2).fit(&x).expect("a short last block is fine");
    let dense = crate::dense(&x);
    let theirs = linfa_reduction::Pca::params(2).fit(&linfa::DatasetBase::from(dense.clone())).expect("linfa");
    assert!((ours.singular_values() - theirs.singular_values()).iter().all(|d| d.abs() < 1e-8));
    let frame = rask::polars::prelude::df!("a" => dense.column(0).to_vec(), "b" => dense.column(1).to_vec(), "c" => dense.column(2).to_vec(), "d" => dense.column(3).to_vec(), "e" => dense.column(4).to_vec()).expect("frame");
    let parts = [frame.slice(0, 3), frame.slice(0, 0), frame.slice(3, 998)].map(Delayed::value);
    let holey = dd::from_delayed(parts.to_vec()).expect("frame");
    let again = rask_ml::PCA::new(2).fit(&holey).expect("empty and short partitions are fine");
    assert!((again.singular_values() - theirs.singular_values()).iter().all(|d| d.abs() < 1e-8));
    let wide = da::random(&[3, 5], 3, 1).expect("random");
    let err = rask_ml::PCA::new(2).fit(&wide).expect_err("fails").to_string();
    assert!(err.starts_with("PCA: X has 3 rows and 5 features"), "{err}");
}
