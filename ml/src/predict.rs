//! Applying fitted models to rask Arrays block by block: [`PredictArray`] and
//! [`TransformArray`], implemented for the linfa models this crate fits (and for any linfa
//! model through [`predict_rows`]).
//!
//! Each block of rows becomes one task; the result is an Array with the same row blocks,
//! so predicting on data larger than memory streams like any other array operation.

use linfa::traits::PredictInplace;
use ndarray::{Array2, ArrayD, Ix2};
use rask::array::{Array, Element};
use rask::{BoxError, Data};

use crate::data::whole_rows;
use crate::error::Result;

/// Applies `f` to each block of rows of `x`; a block of `r` rows gives `r` values
/// (`width` `None`) or an `r × width` block.
///
/// ```
/// use rask::prelude::*;
/// let x = da::ones::<f64>(&[10, 3], [4, -1])?;
/// let sums = rask_ml::predict_rows(&x, None, |b| Ok(b.sum_axis(ndarray::Axis(1)).into_dyn()))?;
/// assert_eq!(sums.to_vec()?, vec![3.0; 10]);
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub fn predict_rows<U, F>(x: &Array<f64>, width: Option<usize>, f: F) -> Result<Array<U>>
where
    U: Element,
    F: Fn(Array2<f64>) -> std::result::Result<ArrayD<U>, BoxError> + Data,
{
    let (x, rows) = whole_rows(x)?;
    let blocks: Vec<Array<U>> = x
        .to_delayed()?
        .iter()
        .zip(&rows)
        .map(|(b, &r)| {
            let f = f.clone();
            let out = b.try_map(move |b: ArrayD<f64>| f(b.into_dimensionality::<Ix2>()?));
            let shape: Vec<usize> = std::iter::once(r).chain(width).collect();
            rask::array::from_delayed(&out, &shape)
        })
        .collect();
    Ok(Array::concatenate(&blocks, 0))
}

/// Fails a block whose width is not the `d` features `what` was fitted on.
fn check_cols(x: &Array2<f64>, d: usize, what: &str) -> std::result::Result<(), BoxError> {
    if x.ncols() != d {
        return Err(format!("{what} was fitted on {d} features, but X has {}", x.ncols()).into());
    }
    Ok(())
}

/// Predicting on a rask Array, one task per block of rows.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{LinearRegression, PredictArray};
/// let x = da::arange(0.0, 8.0, 1.0, 4)?.reshape_rows(1)?;
/// let y = da::arange(1.0, 17.0, 2.0, 4)?;                  // y = 2x + 1
/// let model = LinearRegression::new().fit(&x, &y)?;
/// assert_eq!(model.predict_array(&x)?.to_vec()?, y.to_vec()?);
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub trait PredictArray {
    /// What a row is predicted as.
    type Label: Element;
    /// One prediction per row of `x`, lazily.
    fn predict_array(&self, x: &Array<f64>) -> Result<Array<Self::Label>>;
}

/// Transforming a rask Array, one task per block of rows.
pub trait TransformArray {
    /// The transformed rows, lazily.
    fn transform_array(&self, x: &Array<f64>) -> Result<Array<f64>>;
}

impl PredictArray for linfa_linear::FittedLinearRegression<f64> {
    type Label = f64;
    fn predict_array(&self, x: &Array<f64>) -> Result<Array<f64>> {
        let (w, b) = (self.params().clone(), self.intercept());
        predict_rows(x, None, move |x| {
            check_cols(&x, w.len(), "LinearRegression")?;
            Ok((x.dot(&w) + b).into_dyn())
        })
    }
}

impl<C: Element + crate::Label> PredictArray for linfa_logistic::FittedLogisticRegression<f64, C> {
    type Label = C;
    fn predict_array(&self, x: &Array<f64>) -> Result<Array<C>> {
        let model = self.clone();
        predict_rows(x, None, move |x| {
            check_cols(&x, model.params().len(), "LogisticRegression")?;
            // linfa's own prediction, so a threshold set on the model holds
            let mut labels = model.default_target(&x);
            model.predict_inplace(&x, &mut labels);
            Ok(labels.into_dyn())
        })
    }
}

impl PredictArray for linfa_clustering::KMeans<f64, linfa_nn::distance::L2Dist> {
    type Label = i64;
    fn predict_array(&self, x: &Array<f64>) -> Result<Array<i64>> {
        let centroids = self.centroids().clone();
        predict_rows(x, None, move |x| {
            check_cols(&x, centroids.ncols(), "KMeans")?;
            Ok(crate::cluster::nearest(&x, &centroids).0.mapv(|c| c as i64).into_dyn())
        })
    }
}

impl TransformArray for linfa_reduction::Pca<f64> {
    fn transform_array(&self, x: &Array<f64>) -> Result<Array<f64>> {
        let (mean, components) = (self.mean().clone(), self.components().clone());
        let k = components.nrows();
        predict_rows(x, Some(k), move |x| {
            check_cols(&x, mean.len(), "PCA")?;
            Ok((x - &mean).dot(&components.t()).into_dyn())
        })
    }
}

impl TransformArray for linfa_preprocessing::linear_scaling::LinearScaler<f64> {
    fn transform_array(&self, x: &Array<f64>) -> Result<Array<f64>> {
        use linfa::traits::Transformer;
        let scaler = self.clone();
        let d = scaler.offsets().len();
        predict_rows(x, Some(d), move |x| {
            check_cols(&x, d, "the scaler")?;
            Ok(scaler.transform(x).into_dyn())
        })
    }
}
