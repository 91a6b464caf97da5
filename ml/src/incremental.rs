//! Incremental learning: [`Incremental`] feeds partitions one after another to an estimator
//! that learns from one batch at a time ([`PartialFit`]), as a chain of tasks, so only one
//! partition (and the model) is in memory at a time. [`SGDClassifier`] learns a logistic
//! regression by stochastic gradient descent; [`crate::LinearRegression`] accumulates its
//! normal equations and ends with exactly the model of fitting all the data at once.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rask::{BoxError, Delayed, delayed};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::data::{Blocks, Features, Targets};
use crate::error::{Error, Result, parameter};
use crate::label::Label;
use crate::linear::{Gram, LinearRegression};
use crate::linfa_model;
use crate::passes::Merge;

/// An estimator that learns from one batch of rows at a time.
pub trait PartialFit: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// What `y` holds.
    type Label: Label;
    /// What is carried from one batch to the next.
    type State: Clone + Send + Sync + 'static;
    /// The fitted model.
    type Model;

    /// Learns from one more batch (`state` is `None` for the first).
    fn partial_fit(
        &self,
        state: Option<Self::State>,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, Self::Label>,
    ) -> Result<Self::State, BoxError>;

    /// The model learnt so far.
    fn finish(&self, state: Self::State) -> Result<Self::Model>;
}

impl PartialFit for LinearRegression {
    type Label = f64;
    type State = Gram;
    type Model = linfa_linear::FittedLinearRegression<f64>;

    fn partial_fit(
        &self,
        state: Option<Gram>,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Gram, BoxError> {
        if x.nrows() != y.len() {
            return Err(format!("X has {} rows but y has {}", x.nrows(), y.len()).into());
        }
        let batch = Gram::of(x, y);
        Ok(match state {
            Some(mut g) => {
                g.merge(batch);
                g
            }
            None => batch,
        })
    }

    fn finish(&self, state: Gram) -> Result<Self::Model> {
        self.solve(state)
    }
}

/// Feeds the partitions of `x` and `y` to an estimator one after another (for `epochs`
/// passes), as a chain of `partial_fit` tasks.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{Incremental, LinearRegression};
/// let x = da::random(&[1000, 3], [100, -1], 5)?;
/// let y = x.matmul(&da::from_array(ndarray::array![1.0, -2.0, 0.5], 3)?);
/// let inc = Incremental::new(LinearRegression::new());
/// assert_eq!(inc.plan(&x, &y)?.visualize()?.dot().matches("partial_fit").count() >= 10, true);
/// let model = inc.fit(&x, &y)?;                         // the same as fitting all at once
/// let batch = LinearRegression::new().fit(&x, &y)?;
/// assert!((model.params() - batch.params()).iter().all(|d| d.abs() < 1e-9));
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Incremental<E> {
    estimator: E,
    epochs: usize,
}

impl<E: PartialFit> Incremental<E> {
    /// One pass over the partitions, in order.
    pub fn new(estimator: E) -> Self {
        Incremental { estimator, epochs: 1 }
    }

    /// Passes over the partitions this many times (each partition is then kept in memory
    /// until its last pass).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// The chain of tasks, without running it.
    pub fn plan(
        &self,
        x: &(impl Features + ?Sized),
        y: &(impl Targets<E::Label> + ?Sized),
    ) -> Result<Delayed<E::State>> {
        if self.epochs == 0 {
            return Err(parameter("Incremental", "epochs", 0, "it must be at least 1"));
        }
        let parts = Blocks::new(x, y)?.parts;
        let mut batches = (0..self.epochs).flat_map(|_| parts.iter());
        let first = batches.next().ok_or_else(|| Error::Data("X has no partitions".to_string()))?;
        let est = &self.estimator;
        let mut state = delayed!(partial_fit_first::<E>(est, first)?);
        for (i, batch) in batches.enumerate() {
            state = delayed!(partial_fit::<E>(est, state, batch, i + 1)?);
        }
        Ok(state)
    }

    /// Learns from every partition in turn and returns the model.
    pub fn fit(&self, x: &(impl Features + ?Sized), y: &(impl Targets<E::Label> + ?Sized)) -> Result<E::Model> {
        self.estimator.finish(self.plan(x, y)?.compute()?)
    }
}

fn partial_fit_first<E: PartialFit>(
    est: E,
    batch: (Array2<f64>, Array1<E::Label>),
) -> std::result::Result<E::State, String> {
    est.partial_fit(None, batch.0.view(), batch.1.view()).map_err(|e| format!("batch 0: {e}"))
}

fn partial_fit<E: PartialFit>(
    est: E,
    state: E::State,
    batch: (Array2<f64>, Array1<E::Label>),
    i: usize,
) -> std::result::Result<E::State, String> {
    est.partial_fit(Some(state), batch.0.view(), batch.1.view()).map_err(|e| format!("batch {i}: {e}"))
}

/// A binary logistic regression learnt by stochastic gradient descent, a batch at a time
/// (scikit-learn's `SGDClassifier(loss="log_loss")`): each batch's rows are visited once in
/// a shuffled order, with the step size `eta0 / (1 + eta0 · alpha · t)` after `t` rows.
///
/// The classes are the two labels of the first batch unless [`SGDClassifier::classes`]
/// names them; the larger is positive. [`PartialFit::finish`] gives linfa's
/// `FittedLogisticRegression`.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{Incremental, PredictArray, SGDClassifier};
/// let x = da::random(&[4000, 2], [500, -1], 3)?;
/// let y = x.sum(1).map_blocks(|b| b.mapv(|s| s > 1.0));
/// let model = Incremental::new(SGDClassifier::new().alpha(1e-4)).epochs(3).fit(&x, &y)?;
/// let right = model.predict_array(&x)?.to_vec()?.iter().zip(y.to_vec()?).filter(|(a, b)| **a == *b).count();
/// assert!(right > 3800, "{right}");
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub struct SGDClassifier<L = bool> {
    alpha: f64,
    eta0: f64,
    seed: u64,
    classes: Option<(L, L)>,
}

impl<L: Clone> Clone for SGDClassifier<L> {
    fn clone(&self) -> Self {
        SGDClassifier { alpha: self.alpha, eta0: self.eta0, seed: self.seed, classes: self.classes.clone() }
    }
}

impl<L: std::fmt::Debug> std::fmt::Debug for SGDClassifier<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SGDClassifier")
            .field("alpha", &self.alpha)
            .field("eta0", &self.eta0)
            .field("classes", &self.classes)
            .finish()
    }
}

impl<L> Default for SGDClassifier<L> {
    fn default() -> Self {
        SGDClassifier { alpha: 1e-4, eta0: 1.0, seed: 0, classes: None }
    }
}

impl<L: Label + Serialize + DeserializeOwned> SGDClassifier<L> {
    /// `alpha = 1e-4`, `eta0 = 1`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The strength of the L2 penalty (at least 0).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The initial step size (positive).
    pub fn eta0(mut self, eta0: f64) -> Self {
        self.eta0 = eta0;
        self
    }

    /// The seed rows are shuffled with.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The two classes, in case the first batch does not hold both.
    pub fn classes(mut self, a: L, b: L) -> Self {
        self.classes = Some((a, b));
        self
    }

    fn check(&self) -> Result<()> {
        if !(self.alpha >= 0.0 && self.alpha.is_finite()) {
            return Err(parameter("SGDClassifier", "alpha", self.alpha, "it must be a finite number ≥ 0"));
        }
        if !(self.eta0 > 0.0 && self.eta0.is_finite()) {
            return Err(parameter("SGDClassifier", "eta0", self.eta0, "it must be a finite positive number"));
        }
        Ok(())
    }
}

/// What [`SGDClassifier`] carries between batches.
#[derive(Clone, Debug)]
pub struct SgdState<L> {
    /// Coefficients, then the intercept.
    w: Array1<f64>,
    /// Rows seen.
    t: u64,
    /// (positive, negative).
    classes: (L, L),
}

impl<L: Label + Serialize + DeserializeOwned> PartialFit for SGDClassifier<L> {
    type Label = L;
    type State = SgdState<L>;
    type Model = linfa_logistic::FittedLogisticRegression<f64, L>;

    fn partial_fit(
        &self,
        state: Option<SgdState<L>>,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, L>,
    ) -> Result<SgdState<L>, BoxError> {
        self.check()?;
        if x.nrows() != y.len() {
            return Err(format!("X has {} rows but y has {}", x.nrows(), y.len()).into());
        }
        let d = x.ncols();
        let mut s = match state {
            Some(s) => s,
            None => {
                let (a, b) = match &self.classes {
                    Some(c) => c.clone(),
                    None => first_classes(y)?,
                };
                let classes = if a > b { (a, b) } else { (b, a) };
                SgdState { w: Array1::zeros(d + 1), t: 0, classes }
            }
        };
        if s.w.len() != d + 1 {
            return Err(format!("this batch has {d} features, earlier ones had {}", s.w.len() - 1).into());
        }
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(self.seed ^ s.t));
        for i in order {
            let label = &y[i];
            if *label != s.classes.0 && *label != s.classes.1 {
                return Err(format!(
                    "row {i} has label {label:?}, which is neither class {:?} nor {:?}",
                    s.classes.0, s.classes.1
                )
                .into());
            }
            let target = if *label == s.classes.0 { 1.0 } else { 0.0 };
            let row = x.row(i);
            let z = row.dot(&s.w.slice(ndarray::s![..d])) + s.w[d];
            let p = 1.0 / (1.0 + (-z).exp());
            let eta = self.eta0 / (1.0 + self.eta0 * self.alpha * s.t as f64);
            let g = p - target;
            s.w.slice_mut(ndarray::s![..d]).mapv_inplace(|w| w * (1.0 - eta * self.alpha));
            s.w.slice_mut(ndarray::s![..d]).scaled_add(-eta * g, &row);
            s.w[d] -= eta * g;
            s.t += 1;
        }
        Ok(s)
    }

    fn finish(&self, s: SgdState<L>) -> Result<Self::Model> {
        let d = s.w.len() - 1;
        linfa_model::logistic_regression(s.w[d], s.w.slice(ndarray::s![..d]).to_owned(), s.classes.0, s.classes.1)
    }
}

/// The two classes of the first batch, or why there are not two.
fn first_classes<L: Label>(y: ArrayView1<'_, L>) -> Result<(L, L), BoxError> {
    let first = y.iter().next().ok_or("the first batch is empty; name the classes with .classes(a, b)")?;
    let other = y.iter().find(|v| *v != first).ok_or_else(|| {
        format!("the first batch holds only the class {first:?}; name both classes with .classes(a, b)")
    })?;
    Ok((first.clone(), other.clone()))
}
