//! The trait a search fits through ([`Estimator`]), and [`Linfa`], which makes any linfa
//! estimator one.
//!
//! A search fits each candidate on each training fold in memory, inside one task; so an
//! estimator here only needs to fit an `(X, y)` held in memory and predict from the model.
//! rask-ml's own estimators implement it, and [`Linfa`] wraps the parameters of any linfa
//! algorithm that implements linfa's `Fit` and `PredictInplace`.

use std::fmt::Debug;
use std::marker::PhantomData;

use linfa::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rask::BoxError;

use crate::label::Label;

/// An estimator that can be fitted on data in memory: what [`crate::GridSearchCV`],
/// [`crate::RandomizedSearchCV`] and [`crate::cross_val_score`] fit on every fold.
///
/// ```
/// use rask_ml::{Estimator, LinearRegression};
/// let x = ndarray::array![[0.0], [1.0], [2.0]];
/// let y = ndarray::array![1.0, 3.0, 5.0];
/// let est = LinearRegression::new();
/// let model = Estimator::fit(&est, x.view(), y.view())?;      // in memory, as a search does
/// assert!((est.predict(&model, ndarray::array![[3.0]].view())[0] - 7.0).abs() < 1e-9);
/// # Ok::<(), rask::BoxError>(())
/// ```
pub trait Estimator: Clone + Debug + Send + Sync + 'static {
    /// What `y` holds.
    type Label: Label;
    /// The fitted model.
    type Model: Clone + Send + Sync + 'static;

    /// Fits a model on `x` (rows × features) and `y` (one label per row).
    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, Self::Label>) -> Result<Self::Model, BoxError>;

    /// Predicts one label per row of `x`.
    fn predict(&self, model: &Self::Model, x: ArrayView2<'_, f64>) -> Array1<Self::Label>;
}

/// Any linfa estimator's parameters, as an [`Estimator`]: `Linfa::new(params)`.
///
/// ```
/// use rask_ml::{Estimator, Linfa};
/// let x = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
/// let y = ndarray::array![1.0, 3.0, 5.0, 7.0];
/// let ols = Linfa::new(linfa_linear::LinearRegression::new());
/// let model = ols.fit(x.view(), y.view())?;
/// assert!((model.params()[0] - 2.0).abs() < 1e-9);
/// # Ok::<(), rask::BoxError>(())
/// ```
pub struct Linfa<P, L, E> {
    params: P,
    _types: PhantomData<fn() -> (L, E)>,
}

impl<P, L, E> Linfa<P, L, E> {
    /// Wraps linfa parameters (for example `linfa_logistic::LogisticRegression::default()`).
    pub fn new(params: P) -> Self {
        Linfa { params, _types: PhantomData }
    }

    /// The wrapped parameters.
    pub fn params(&self) -> &P {
        &self.params
    }
}

impl<P: Clone, L, E> Clone for Linfa<P, L, E> {
    fn clone(&self) -> Self {
        Linfa::new(self.params.clone())
    }
}

impl<P: Debug, L, E> Debug for Linfa<P, L, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.params.fmt(f)
    }
}

impl<P, L, E> Estimator for Linfa<P, L, E>
where
    P: Fit<Array2<f64>, Array1<L>, E> + Clone + Debug + Send + Sync + 'static,
    P::Object: PredictInplace<Array2<f64>, Array1<L>> + Clone + Send + Sync + 'static,
    L: Label,
    E: std::error::Error + From<linfa::Error> + Send + Sync + 'static,
{
    type Label = L;
    type Model = P::Object;

    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, L>) -> Result<Self::Model, BoxError> {
        let data = DatasetBase::new(x.to_owned(), y.to_owned());
        Ok(self.params.fit(&data)?)
    }

    fn predict(&self, model: &Self::Model, x: ArrayView2<'_, f64>) -> Array1<L> {
        let x = x.to_owned();
        let mut y = model.default_target(&x);
        model.predict_inplace(&x, &mut y);
        y
    }
}
