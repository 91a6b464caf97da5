//! [`PCA`] over partitions: the features' mean in one pass, then the tall-and-skinny SVD of
//! the centred rows (rask's `da::linalg::svd`: a QR per block, one small SVD of the stacked
//! `R`s), so no partition needs more than its own rows in memory.

use linfa_reduction::Pca;
use ndarray::{Array1, Array2, ArrayD, Ix1, Ix2, s};
use rask::array::Array;

use crate::data::Features;
use crate::error::{Error, Result, parameter};
use crate::linfa_model;
use crate::passes::{hold_features, moments};

/// Principal component analysis: the `n_components` directions of largest variance.
///
/// Returns linfa's `Pca` (components as rows, their singular values, the mean). Signs are
/// fixed so each component's largest coordinate is positive, as scikit-learn does.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{PCA, TransformArray};
/// // points on the line y = 2x, plus a little noise across it
/// let x = da::from_array(ndarray::Array2::from_shape_fn((200, 2), |(i, j)| {
///     let t = i as f64 / 10.0;
///     let e = if i % 2 == 0 { 0.01 } else { -0.01 };
///     if j == 0 { t - 2.0 * e } else { 2.0 * t + e }
/// }), [50, 2])?;
/// let pca = PCA::new(1).fit(&x)?;
/// let c = pca.components().row(0).to_owned();
/// assert!((c[0] - 1.0 / 5f64.sqrt()).abs() < 1e-4 && (c[1] - 2.0 / 5f64.sqrt()).abs() < 1e-4);
/// assert_eq!(pca.transform_array(&x)?.shape()?, [200, 1]);
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PCA {
    n_components: usize,
}

impl PCA {
    /// Keeps `n_components` components (at least 1, at most the number of features).
    pub fn new(n_components: usize) -> Self {
        PCA { n_components }
    }

    /// Fits on every partition of `x`: one pass for the mean, one for the SVD. A rask
    /// Array is read twice (lazily); other inputs are computed once and held.
    pub fn fit(&self, x: &(impl Features + ?Sized)) -> Result<Pca<f64>> {
        let k = self.n_components;
        if k == 0 {
            return Err(parameter("PCA", "n_components", 0, "it must be at least 1"));
        }
        let x = match x.as_array() {
            Some(a) => a,
            None => {
                let held = hold_features(x)?;
                let width = held.width(|b| b)?;
                let blocks: Vec<Array<f64>> = held
                    .parts
                    .iter()
                    .zip(&held.rows)
                    .map(|(p, &r)| rask::array::from_delayed(&p.map(|b| b.as_ref().clone().into_dyn()), &[r, width]))
                    .collect();
                Array::concatenate(&blocks, 0)
            }
        };
        let m = moments(&x)?;
        let (n, d) = (m.n, m.mean.len());
        if k > d.min(n) {
            return Err(Error::Parameter {
                estimator: "PCA",
                name: "n_components",
                value: k.to_string(),
                why: "it must be at most the number of features and of rows",
            });
        }
        if n < d {
            return Err(Error::Data(format!(
                "PCA: X has {n} rows and {d} features; this PCA needs at least as many rows as features (a tall-and-skinny SVD)"
            )));
        }
        // the SVD's QR needs blocks of at least `d` rows: short ones join their neighbour
        let rows = at_least(&x.chunks()[0], d);
        let mean = m.mean.clone();
        let centred = x.rechunk(vec![rows, vec![d]]).map_blocks(move |b: ArrayD<f64>| &b - &mean);
        let pca = |e: rask::Error| Error::Data(format!("PCA: {e}"));
        let (_, sigma, vt) = rask::array::linalg::svd(&centred).map_err(pca)?;
        let (sigma, vt) = rask::compute((&sigma, &vt)).map_err(pca)?;
        let sigma = sigma.into_dimensionality::<Ix1>().map_err(|e| Error::Data(format!("PCA: {e}")))?;
        let vt = vt.into_dimensionality::<Ix2>().map_err(|e| Error::Data(format!("PCA: {e}")))?;
        let mut components: Array2<f64> = vt.slice(s![..k, ..]).to_owned();
        for mut c in components.rows_mut() {
            let big = c.iter().fold(0.0f64, |b, v| if v.abs() > b.abs() { *v } else { b });
            if big < 0.0 {
                c.mapv_inplace(|v| -v);
            }
        }
        linfa_model::pca(components, sigma.slice(s![..k]).to_owned(), m.mean)
    }
}

/// Row blocks of at least `min` rows (but for a shorter whole): each short block is joined to
/// the next, and a short last one to the one before.
fn at_least(rows: &[usize], min: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut pending = 0;
    for &r in rows {
        pending += r;
        if pending >= min {
            out.push(pending);
            pending = 0;
        }
    }
    match out.last_mut() {
        Some(last) => *last += pending,
        None => out.push(pending),
    }
    out
}

/// The explained variance of each component of a fitted PCA, as scikit-learn computes it
/// (`σ² / (n - 1)` for `n` rows); linfa's own `explained_variance` divides by another count.
///
/// ```
/// let pca = rask_ml::PCA::new(1).fit(&ndarray::array![[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]])?;
/// assert!((rask_ml::explained_variance(&pca, 3)[0] - 4.0).abs() < 1e-12);
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub fn explained_variance(pca: &Pca<f64>, n_rows: usize) -> Array1<f64> {
    pca.singular_values().mapv(|s| s * s / (n_rows.max(2) - 1) as f64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_blocks_join_their_neighbours() {
        assert_eq!(super::at_least(&[100, 100, 1], 5), [100, 101]);
        assert_eq!(super::at_least(&[2, 2, 2, 2, 2], 5), [10]);
        assert_eq!(super::at_least(&[3, 3, 3, 3], 5), [6, 6]);
        assert_eq!(super::at_least(&[0, 7], 5), [7]);
        assert_eq!(super::at_least(&[1], 5), [1]);
    }
}
