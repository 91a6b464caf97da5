//! Scalers fitted over partitions in one pass: [`StandardScaler`] and [`MinMaxScaler`].
//!
//! Each partition's count, mean, sum of squared deviations, minimum and maximum are merged
//! by a tree of tasks (Chan et al.'s parallel variance, so no precision is lost to
//! cancellation); the result is linfa's `LinearScaler`, with linfa's conventions (population
//! standard deviation; a constant feature is left unscaled).

use linfa::traits::{Fit, Transformer};
use linfa_preprocessing::linear_scaling::{LinearScaler, LinearScalerParams, ScalingMethod};
use ndarray::{Array1, Array2, ArrayView2};
use rask::BoxError;

use crate::data::Features;
use crate::error::{Result, parameter};
use crate::linfa_model::{Method, linear_scaler};
use crate::passes::moments;
use crate::search::Preprocess;

/// Centres each feature on its mean and scales it to unit variance.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{StandardScaler, TransformArray};
/// let x = da::from_array(ndarray::array![[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]], [2, 1])?;
/// let scaler = StandardScaler::new().fit(&x)?;
/// assert_eq!(scaler.offsets(), &ndarray::array![3.0, 10.0]);
/// let z = scaler.transform_array(&x)?.compute()?;
/// let sd = (8.0f64 / 3.0).sqrt();
/// assert!((z[[0, 0]] + 2.0 / sd).abs() < 1e-12);
/// assert_eq!(z[[0, 1]], 0.0);                  // a constant feature is only centred
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StandardScaler {
    with_mean: bool,
    with_std: bool,
}

impl Default for StandardScaler {
    fn default() -> Self {
        StandardScaler { with_mean: true, with_std: true }
    }
}

impl StandardScaler {
    /// Centres and scales.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to subtract the mean (default true).
    pub fn with_mean(mut self, yes: bool) -> Self {
        self.with_mean = yes;
        self
    }

    /// Whether to divide by the standard deviation (default true).
    pub fn with_std(mut self, yes: bool) -> Self {
        self.with_std = yes;
        self
    }

    fn linfa(&self) -> LinearScalerParams<f64> {
        LinearScalerParams::new(ScalingMethod::Standard(self.with_mean, self.with_std))
    }

    /// Fits on every partition of `x` in one pass.
    pub fn fit(&self, x: &(impl Features + ?Sized)) -> Result<LinearScaler<f64>> {
        let m = moments(x)?;
        let scales = if self.with_std {
            m.var().mapv(|v| if v.sqrt() < f64::EPSILON { 1.0 } else { 1.0 / v.sqrt() })
        } else {
            Array1::ones(m.mean.len())
        };
        linear_scaler(m.mean, scales, Method::Standard(self.with_mean, self.with_std))
    }
}

/// Scales each feature into a range, `[0, 1]` by default.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{MinMaxScaler, TransformArray};
/// let x = da::from_array(ndarray::array![[1.0], [3.0], [5.0]], 2)?;
/// let scaled = MinMaxScaler::new().range(-1.0, 1.0).fit(&x)?.transform_array(&x)?;
/// assert_eq!(scaled.to_vec()?, [-1.0, 0.0, 1.0]);
/// assert!(MinMaxScaler::new().range(1.0, 0.0).fit(&x).unwrap_err().to_string().contains("range"));
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinMaxScaler {
    min: f64,
    max: f64,
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        MinMaxScaler { min: 0.0, max: 1.0 }
    }
}

impl MinMaxScaler {
    /// Scales into `[0, 1]`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scales into `[min, max]` instead.
    pub fn range(mut self, min: f64, max: f64) -> Self {
        (self.min, self.max) = (min, max);
        self
    }

    fn check(&self) -> Result<()> {
        if !(self.min.is_finite() && self.max.is_finite() && self.min < self.max) {
            return Err(parameter(
                "MinMaxScaler",
                "range",
                format!("[{}, {}]", self.min, self.max),
                "it must be finite with min < max",
            ));
        }
        Ok(())
    }

    /// Fits on every partition of `x` in one pass.
    pub fn fit(&self, x: &(impl Features + ?Sized)) -> Result<LinearScaler<f64>> {
        self.check()?;
        let m = moments(x)?;
        let scales = (&m.max - &m.min).mapv(|r| if r.abs() < f64::EPSILON { 1.0 } else { 1.0 / r });
        linear_scaler(m.min, scales, Method::MinMax(self.min, self.max))
    }
}

/// Fits linfa's scaler on `train` in memory and applies it to both sets.
fn scale_fold(
    params: LinearScalerParams<f64>,
    train: ArrayView2<'_, f64>,
    test: ArrayView2<'_, f64>,
) -> std::result::Result<(Array2<f64>, Array2<f64>), BoxError> {
    let scaler = params.fit(&linfa::DatasetBase::from(train.to_owned()))?;
    Ok((scaler.transform(train.to_owned()), scaler.transform(test.to_owned())))
}

impl Preprocess for StandardScaler {
    fn fit_transform(
        &self,
        train: ArrayView2<'_, f64>,
        test: ArrayView2<'_, f64>,
    ) -> std::result::Result<(Array2<f64>, Array2<f64>), BoxError> {
        scale_fold(self.linfa(), train, test)
    }
}

impl Preprocess for MinMaxScaler {
    fn fit_transform(
        &self,
        train: ArrayView2<'_, f64>,
        test: ArrayView2<'_, f64>,
    ) -> std::result::Result<(Array2<f64>, Array2<f64>), BoxError> {
        self.check()?;
        scale_fold(LinearScaler::min_max_range(self.min, self.max), train, test)
    }
}
