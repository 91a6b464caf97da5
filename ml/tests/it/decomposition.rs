//! PCA over partitions against linfa's PCA in memory.

use linfa::traits::Fit;
use rask::prelude::*;

#[test]
fn pca_matches_linfa_in_memory() {
    let x = da::random(&[3000, 5], [700, -1], 3).unwrap();
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
        .unwrap(),
    );
    let ours = rask_ml::PCA::new(3).fit(&mixed).unwrap();
    let dense = mixed.compute().unwrap().into_dimensionality::<ndarray::Ix2>().unwrap();
    let theirs = linfa_reduction::Pca::params(3).fit(&linfa::DatasetBase::from(dense)).unwrap();
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
    let x = da::random(&[50, 3], 20, 1).unwrap();
    let err = rask_ml::PCA::new(4).fit(&x).unwrap_err().to_string();
    assert_eq!(err, "PCA: n_components = 4 is out of range: it must be at most the number of features and of rows");
    assert!(rask_ml::PCA::new(0).fit(&x).is_err());
    let whole = crate::dense(&x);
    let frame = dd::from_polars(
        rask::polars::prelude::df!("a" => whole.column(0).to_vec(), "b" => whole.column(1).to_vec(), "c" => whole.column(2).to_vec()).unwrap(),
        3,
    );
    let a = rask_ml::PCA::new(2).fit(&x).unwrap();
    let b = rask_ml::PCA::new(2).fit(&frame).unwrap();
    assert!((a.components() - b.components()).iter().all(|d| d.abs() < 1e-9));
}
