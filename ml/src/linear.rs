//! Linear models fitted over partitions: [`LinearRegression`] by normal equations (each
//! partition's `XᵀX` and `Xᵀy` summed by a tree of tasks, then one small solve) and
//! [`LogisticRegression`] by Newton's method (each step sums the partitions' gradients and
//! Hessians, then solves for the step).
//!
//! Both return linfa's fitted models. Both also fit in memory ([`Estimator`]), which is
//! what a search does on every fold, by the same code on one block.

use linfa::traits::PredictInplace;
use linfa_linear::FittedLinearRegression;
use linfa_logistic::FittedLogisticRegression;
use std::marker::PhantomData;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip, s};
use rask::BoxError;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::data::{Blocks, Features, Targets};
use crate::error::{Error, Result, parameter};
use crate::estimator::Estimator;
use crate::label::Label;
use crate::linfa_model;
use crate::passes::{Centred, Merge, hold_pairs, premerge, tree};
use crate::solve::solve_spd;

/// The normal equations of the rows seen so far, centred (means and cross-products of
/// deviations, merged by Chan et al.'s formula, so features far from zero keep their
/// precision): what [`LinearRegression`] carries between the batches of an
/// [`crate::Incremental`] fit.
#[derive(Clone, Debug)]
pub struct Gram {
    n: usize,
    mean_x: Array1<f64>,
    mean_y: f64,
    cxx: Array2<f64>,
    cxy: Array1<f64>,
    /// Two widths of partitions that could not be merged.
    mismatch: Option<(usize, usize)>,
}

impl Gram {
    pub(crate) fn of(x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Gram {
        let (n, d) = x.dim();
        let mean_x = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
        let mean_y = y.mean().unwrap_or(0.0);
        let cx = &x - &mean_x;
        let cy = y.mapv(|v| v - mean_y);
        Gram { n, cxx: cx.t().dot(&cx), cxy: cx.t().dot(&cy), mean_x, mean_y, mismatch: None }
    }
}

impl Centred for Gram {
    fn count(&self) -> usize {
        self.n
    }
    fn width(&self) -> usize {
        self.mean_x.len()
    }
    fn mismatch(&mut self) -> &mut Option<(usize, usize)> {
        &mut self.mismatch
    }
}

impl Merge for Gram {
    fn merge(&mut self, other: Gram) {
        let Some(other) = premerge(self, other) else { return };
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let dx = &other.mean_x - &self.mean_x;
        let dy = other.mean_y - self.mean_y;
        let f = na * nb / n;
        let outer = dx.view().insert_axis(Axis(1)).dot(&dx.view().insert_axis(Axis(0)));
        self.cxx = &self.cxx + &other.cxx + outer * f;
        self.cxy = &self.cxy + &other.cxy + &dx * (f * dy);
        self.mean_x = &self.mean_x + &(dx * (nb / n));
        self.mean_y += dy * nb / n;
        self.n += other.n;
    }
}

/// Ordinary least squares, fitted over partitions by normal equations.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::LinearRegression;
/// // y = 1 + 2 a - 3 b, in 3 partitions
/// let x = da::from_array(ndarray::array![[0., 0.], [1., 0.], [0., 1.], [1., 1.], [2., 1.], [3., 5.]], 2)?;
/// let y = da::from_array(ndarray::array![1., 3., -2., 0., 2., -8.], 2)?;
/// let model = LinearRegression::new().fit(&x, &y)?;          // linfa's FittedLinearRegression
/// assert!((model.intercept() - 1.0).abs() < 1e-9);
/// assert!((model.params()[1] + 3.0).abs() < 1e-9);
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearRegression {
    fit_intercept: bool,
}

impl Default for LinearRegression {
    fn default() -> Self {
        LinearRegression { fit_intercept: true }
    }
}

impl LinearRegression {
    /// Least squares with an intercept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to fit an intercept (default true); without one the line goes through 0.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }

    /// Fits on every partition of `x` and `y` in one pass.
    pub fn fit(
        &self,
        x: &(impl Features + ?Sized),
        y: &(impl Targets<f64> + ?Sized),
    ) -> Result<FittedLinearRegression<f64>> {
        let partials = Blocks::new(x, y)?.parts.iter().map(|p| p.map(|(x, y)| Gram::of(x.view(), y.view()))).collect();
        self.solve(tree(partials)?.compute()?)
    }

    /// The coefficients from merged normal equations.
    pub(crate) fn solve(&self, g: Gram) -> Result<FittedLinearRegression<f64>> {
        if let Some((a, b)) = g.mismatch {
            return Err(Error::Data(format!(
                "LinearRegression: partitions of X have different numbers of columns ({a} and {b})"
            )));
        }
        if g.n == 0 {
            return Err(Error::Data("LinearRegression: X has no rows".to_string()));
        }
        let d = g.mean_x.len();
        let singular = || {
            Error::Data(format!(
                "LinearRegression: the {d} features are collinear (XᵀX is singular{}), so the coefficients are not unique",
                if g.n <= d { ", and there are fewer rows than features" } else { "" }
            ))
        };
        if self.fit_intercept {
            let w = if d == 0 { Array1::zeros(0) } else { solve_spd(&g.cxx, &g.cxy).ok_or_else(singular)? };
            let b = g.mean_y - g.mean_x.dot(&w);
            linfa_model::linear_regression(b, w)
        } else {
            let n = g.n as f64;
            let mx = g.mean_x.view();
            let xtx = &g.cxx + &(mx.insert_axis(Axis(1)).dot(&mx.insert_axis(Axis(0))) * n);
            let xty = &g.cxy + &(&g.mean_x * (n * g.mean_y));
            let w = solve_spd(&xtx, &xty).ok_or_else(singular)?;
            linfa_model::linear_regression(0.0, w)
        }
    }
}

impl Estimator for LinearRegression {
    type Label = f64;
    type Model = FittedLinearRegression<f64>;

    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Self::Model, BoxError> {
        if x.nrows() != y.len() {
            return Err(format!("X has {} rows but y has {}", x.nrows(), y.len()).into());
        }
        Ok(self.solve(Gram::of(x, y))?)
    }

    fn predict(&self, model: &Self::Model, x: ArrayView2<'_, f64>) -> Array1<f64> {
        x.dot(model.params()) + model.intercept()
    }
}

/// Binary logistic regression with an L2 penalty, fitted over partitions by Newton's method.
///
/// It minimises `Σ log-loss + alpha/2 · |w|²` (the intercept is not penalised): scikit-learn's
/// `LogisticRegression(C = 1/alpha)` and linfa's `alpha`. `y` holds two classes; the larger
/// one is the positive class, as in scikit-learn (linfa's own fit takes the more frequent one,
/// so its coefficients may have the other sign). Each Newton step is one pass over the partitions,
/// which are held in memory between steps; it stops when the mean loss's gradient is below
/// `tol`, and halves a step that would raise the loss.
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{LogisticRegression, PredictArray};
/// let x = da::random(&[2000, 2], [500, -1], 1)?;             // uniform in [0, 1)²
/// let y = x.sum(1).map_blocks(|b| b.mapv(|s| s > 1.0));      // above the diagonal
/// let model = LogisticRegression::new().alpha(1e-3).fit(&x, &y)?;
/// let w = model.params();
/// assert!(w[0] > 5.0 && (w[0] - w[1]).abs() < 0.2 * w[0]);  // a steep, symmetric boundary
/// let hits = model.predict_array(&x)?.to_vec()?.iter().zip(y.to_vec()?).filter(|(a, b)| **a == *b).count();
/// assert!(hits > 1950);
/// # Ok::<(), rask_ml::Error>(())
/// ```
///
/// `L` is the label type, inferred from `y` (it is `bool` when nothing says otherwise).
pub struct LogisticRegression<L = bool> {
    alpha: f64,
    fit_intercept: bool,
    max_iterations: usize,
    tol: f64,
    _label: PhantomData<fn() -> L>,
}

impl<L> Clone for LogisticRegression<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for LogisticRegression<L> {}

impl<L> std::fmt::Debug for LogisticRegression<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogisticRegression")
            .field("alpha", &self.alpha)
            .field("fit_intercept", &self.fit_intercept)
            .field("max_iterations", &self.max_iterations)
            .field("tol", &self.tol)
            .finish()
    }
}

impl<L> Default for LogisticRegression<L> {
    fn default() -> Self {
        LogisticRegression { alpha: 1.0, fit_intercept: true, max_iterations: 100, tol: 1e-4, _label: PhantomData }
    }
}

/// A pass's log-loss, gradient and Hessian, over the features and (last) the intercept.
#[derive(Clone, Debug)]
pub(crate) struct Newton {
    rows: usize,
    loss: f64,
    grad: Array1<f64>,
    hess: Array2<f64>,
}

impl Merge for Newton {
    fn merge(&mut self, other: Newton) {
        self.rows += other.rows;
        self.loss += other.loss;
        self.grad += &other.grad;
        self.hess += &other.hess;
    }
}

/// The distinct labels of some partitions (at most three are kept: two is all a binary model may see).
#[derive(Clone, Debug)]
pub(crate) struct Classes<L>(Vec<L>);

impl<L: Label> Classes<L> {
    fn of(y: ArrayView1<'_, L>) -> Classes<L> {
        let mut c = Classes(Vec::new());
        for v in y {
            if c.0.len() == 3 {
                break;
            }
            if !c.0.contains(v) {
                c.0.push(v.clone());
            }
        }
        c
    }

    /// `(positive, negative)`: the larger class is positive.
    fn pair(mut self) -> Result<(L, L)> {
        self.0.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        match <[L; 2]>::try_from(self.0) {
            Ok([neg, pos]) => Ok((pos, neg)),
            Err(v) if v.len() < 2 => {
                Err(Error::Data(format!("LogisticRegression: y must hold two classes, but holds only {v:?}")))
            }
            Err(v) => Err(Error::Data(format!(
                "LogisticRegression: y must hold two classes, but holds more: {:?}, {:?}, {:?}, ... (only binary classification is supported)",
                v[0], v[1], v[2]
            ))),
        }
    }
}

impl<L: Label> Merge for Classes<L> {
    fn merge(&mut self, other: Classes<L>) {
        for v in other.0 {
            if self.0.len() < 3 && !self.0.contains(&v) {
                self.0.push(v);
            }
        }
    }
}

/// The log-loss, gradient and Hessian of a block at coefficients `w` (features, then
/// intercept), a few thousand rows at a time: each chunk's rows scaled by `√(p(1-p))`, with
/// a column of those weights for the intercept, give the Hessian by one matrix product.
fn newton_stats<L: Label>(x: ArrayView2<'_, f64>, y: ArrayView1<'_, L>, w: &Array1<f64>, pos: &L) -> Newton {
    const ROWS: usize = 4096;
    let d = x.ncols();
    let coef = w.slice(s![..d]);
    let mut loss = 0.0;
    let mut grad = Array1::<f64>::zeros(d + 1);
    let mut hess = Array2::<f64>::zeros((d + 1, d + 1));
    let mut scaled = Array2::<f64>::zeros((ROWS.min(x.nrows()), d + 1));
    let mut resid = Array1::<f64>::zeros(ROWS.min(x.nrows()));
    for (xc, yc) in x.axis_chunks_iter(Axis(0), ROWS).zip(y.axis_chunks_iter(Axis(0), ROWS)) {
        let m = xc.nrows();
        let z = xc.dot(&coef) + w[d];
        let mut root = Array1::<f64>::zeros(m);
        for (i, label) in yc.iter().enumerate() {
            let (zi, t) = (z[i], if label == pos { 1.0 } else { 0.0 });
            // log(1 + e^z) - t z and the sigmoid, from one exponential that cannot overflow
            let e = (-zi.abs()).exp();
            let p = if zi >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
            loss += zi.max(0.0) + e.ln_1p() - t * zi;
            resid[i] = p - t;
            root[i] = (p * (1.0 - p)).sqrt();
        }
        let r = resid.slice(s![..m]);
        grad.slice_mut(s![..d]).scaled_add(1.0, &xc.t().dot(&r));
        grad[d] += r.sum();
        let mut a = scaled.slice_mut(s![..m, ..]);
        Zip::from(a.slice_mut(s![.., ..d]))
            .and(&xc)
            .and_broadcast(&root.view().insert_axis(Axis(1)))
            .for_each(|a, &x, &r| *a = x * r);
        a.column_mut(d).assign(&root);
        general_mat_mul(1.0, &a.t(), &a, 1.0, &mut hess);
    }
    Newton { rows: x.nrows(), loss, grad, hess }
}

impl<L: Label + Serialize + DeserializeOwned> LogisticRegression<L> {
    /// Logistic regression with `alpha = 1`, an intercept, at most 100 Newton steps.
    pub fn new() -> Self {
        Self::default()
    }

    /// The strength of the L2 penalty (default 1; scikit-learn's `1/C`); at least 0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Whether to fit an intercept (default true).
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }

    /// The most Newton steps (default 100; it usually stops within 10).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// Stops when no partial derivative of the mean loss exceeds `tol` (default 1e-4, as
    /// scikit-learn's), after one more Newton step from there.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha >= 0.0 && self.alpha.is_finite()) {
            return Err(parameter("LogisticRegression", "alpha", self.alpha, "it must be a finite number ≥ 0"));
        }
        if self.max_iterations == 0 {
            return Err(parameter("LogisticRegression", "max_iterations", 0, "it must be at least 1"));
        }
        if self.tol.is_nan() || self.tol <= 0.0 {
            return Err(parameter("LogisticRegression", "tol", self.tol, "it must be positive"));
        }
        Ok(())
    }

    /// Fits on every partition of `x` and `y`: they are computed once and held in memory,
    /// then each Newton step is one parallel pass over them.
    pub fn fit(
        &self,
        x: &(impl Features + ?Sized),
        y: &(impl Targets<L> + ?Sized),
    ) -> Result<FittedLogisticRegression<f64, L>> {
        self.check()?;
        let held = hold_pairs(x, y)?;
        let (pos, neg) = held.pass((), |_, p, _| Classes::of(p.1.view()))?.pair()?;
        let d = held.width(|p| &p.0)?;
        let w = self.newton(d, |w| {
            held.pass((w.clone(), pos.clone()), |_, p, (w, pos)| newton_stats(p.0.view(), p.1.view(), w, pos))
        })?;
        self.model(w, pos, neg)
    }

    fn model(&self, w: Array1<f64>, pos: L, neg: L) -> Result<FittedLogisticRegression<f64, L>> {
        let d = w.len() - 1;
        linfa_model::logistic_regression(w[d], w.slice(s![..d]).to_owned(), pos, neg)
    }

    /// Newton's method from zero on `d` features; `stats(w)` is one pass at `w`. It stops
    /// when the mean loss's gradient is below `tol` (as scikit-learn's), after one last
    /// step from there (which makes the coefficients exact to about `tol²`).
    fn newton(&self, d: usize, mut stats: impl FnMut(&Array1<f64>) -> Result<Newton>) -> Result<Array1<f64>> {
        let mut w = Array1::<f64>::zeros(d + 1);
        // The last accepted point, its loss and its Newton step.
        let mut last: Option<(Array1<f64>, f64, Array1<f64>)> = None;
        let mut scale = 1.0;
        let mut gradient = f64::NAN;
        for _ in 0..self.max_iterations {
            let mut s = stats(&w)?;
            s.loss += 0.5 * self.alpha * w.slice(s![..d]).dot(&w.slice(s![..d]));
            s.grad.slice_mut(s![..d]).scaled_add(self.alpha, &w.slice(s![..d]));
            if !self.fit_intercept {
                s.grad[d] = 0.0;
            }
            for j in 0..d {
                s.hess[(j, j)] += self.alpha;
            }
            if !self.fit_intercept {
                s.hess.row_mut(d).fill(0.0);
                s.hess.column_mut(d).fill(0.0);
                s.hess[(d, d)] = 1.0;
            }
            if let Some((w0, loss0, step0)) = &last
                && s.loss > *loss0 * (1.0 + 1e-12)
                && scale > 1e-6
            {
                // The step overshot: go back and take half of it.
                scale *= 0.5;
                w = w0 - &(step0 * scale);
                continue;
            }
            let step = solve_spd(&s.hess, &s.grad).ok_or_else(|| {
                Error::Data("LogisticRegression: the Hessian is singular (collinear features, or alpha = 0 on separable data); raise alpha".to_string())
            })?;
            let next = &w - &step;
            gradient = s.grad.iter().fold(0.0f64, |m, v| m.max(v.abs())) / s.rows.max(1) as f64;
            let size = w.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            let moved = step.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if gradient <= self.tol || moved <= 1e-12 * size {
                return Ok(next);
            }
            last = Some((w, s.loss, step));
            scale = 1.0;
            w = next;
        }
        Err(Error::Data(format!(
            "LogisticRegression: no convergence in {} Newton steps (the mean gradient is still {gradient:.1e}, tol is {:.1e}); raise max_iterations or tol",
            self.max_iterations, self.tol
        )))
    }
}

impl<L: Label + Serialize + DeserializeOwned> Estimator for LogisticRegression<L> {
    type Label = L;
    type Model = FittedLogisticRegression<f64, L>;

    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, L>) -> Result<Self::Model, BoxError> {
        self.check()?;
        if x.nrows() != y.len() {
            return Err(format!("X has {} rows but y has {}", x.nrows(), y.len()).into());
        }
        let (pos, neg) = Classes::of(y).pair()?;
        let w = self.newton(x.ncols(), |w| Ok(newton_stats(x, y, w, &pos)))?;
        Ok(self.model(w, pos, neg)?)
    }

    fn predict(&self, model: &Self::Model, x: ArrayView2<'_, f64>) -> Array1<L> {
        let mut labels = model.default_target(&x);
        model.predict_inplace(&x, &mut labels);
        labels
    }
}
