//! Passes over partitions: partial statistics per partition merged by a tree of tasks
//! ([`tree`]), and data computed once and held in memory ([`Held`]) for estimators that
//! pass over it many times (logistic regression's Newton steps, k-means' Lloyd steps), as
//! Dask-ML persists its arrays.

use std::sync::Arc;

use ndarray::{Array1, Array2};
use rask::{Data, Delayed, delayed};

use crate::data::{Blocks, Features, Targets, checked_features};
use crate::error::{Error, Result};
use crate::label::Label;

/// How many partial results one merge task takes.
const FAN_IN: usize = 8;

/// A partial statistic that partitions' partials merge into.
pub(crate) trait Merge: Data {
    /// Adds `other` into `self`.
    fn merge(&mut self, other: Self);
}

fn merge_all<S: Merge>(parts: Vec<S>) -> S {
    let mut it = parts.into_iter();
    let mut acc = it.next().unwrap_or_else(|| unreachable!("a merge task has at least one input"));
    for p in it {
        acc.merge(p);
    }
    acc
}

/// Merges `parts` by a tree of tasks, `FAN_IN` at a time.
pub(crate) fn tree<S: Merge>(mut parts: Vec<Delayed<S>>) -> Result<Delayed<S>> {
    if parts.is_empty() {
        return Err(Error::Data("X has no partitions".to_string()));
    }
    while parts.len() > 1 {
        parts = parts.chunks(FAN_IN).map(|c| delayed!(merge_all::<S>(c.to_vec()))).collect();
    }
    Ok(parts.remove(0))
}

/// Data computed once and held in memory, partition by partition, with each partition's
/// number of rows.
pub(crate) struct Held<P> {
    pub(crate) parts: Vec<Delayed<Arc<P>>>,
    pub(crate) rows: Vec<usize>,
}

impl<P: Send + Sync + 'static> Held<P> {
    /// The total number of rows.
    pub(crate) fn nrows(&self) -> usize {
        self.rows.iter().sum()
    }

    /// One task per partition applying `f` to it (and to `arg`, usually the current
    /// parameters), merged by a tree.
    /// `f` is given the partition's number, the partition and `arg`.
    pub(crate) fn pass<A: Data, S: Merge>(&self, arg: A, f: fn(usize, &P, &A) -> S) -> Result<S> {
        let partials: Vec<Delayed<S>> =
            self.parts.iter().enumerate().map(|(i, p)| delayed!(apply::<P, A, S>(i, p, arg.clone(), f))).collect();
        Ok(tree(partials)?.compute()?)
    }

    /// The number of features, which every partition must share.
    pub(crate) fn width(&self, features: fn(&P) -> &Array2<f64>) -> Result<usize> {
        let widths =
            rask::compute(self.parts.iter().map(|p| p.map(move |b| features(&b).ncols())).collect::<Vec<_>>())?;
        match widths.iter().position(|w| *w != widths[0]) {
            Some(i) => Err(Error::Data(format!(
                "partition {i} of X has {} columns but partition 0 has {}",
                widths[i], widths[0]
            ))),
            None => Ok(widths[0]),
        }
    }
}

fn apply<P, A, S>(i: usize, part: Arc<P>, arg: A, f: fn(usize, &P, &A) -> S) -> S {
    f(i, &part, &arg)
}

fn held<P: Data + Send + Sync>(blocks: &[Delayed<P>], rows: fn(&P) -> usize, what: &str) -> Result<Held<P>> {
    let values = rask::compute(blocks)?;
    let rows: Vec<usize> = values.iter().map(rows).collect();
    if rows.iter().sum::<usize>() == 0 {
        return Err(Error::Data(format!("{what} has no rows (all {} partitions are empty)", rows.len())));
    }
    Ok(Held { parts: values.into_iter().map(|v| Delayed::value(Arc::new(v))).collect(), rows })
}

/// Computes the features, checked, and holds them.
pub(crate) fn hold_features(x: &(impl Features + ?Sized)) -> Result<Held<Array2<f64>>> {
    held(&checked_features(x)?, Array2::nrows, "X")
}

/// Computes features and targets, checked and paired, and holds them.
pub(crate) fn hold_pairs<L: Label>(
    x: &(impl Features + ?Sized),
    y: &(impl Targets<L> + ?Sized),
) -> Result<Held<(Array2<f64>, Array1<L>)>> {
    held(&Blocks::new(x, y)?.parts, |p| p.0.nrows(), "X")
}

/// A statistic of centred sums over rows (counts, means, deviations), merged by Chan et
/// al.'s formula once [`premerge`] has dealt with what they share.
pub(crate) trait Centred: Sized {
    /// The number of rows summed.
    fn count(&self) -> usize;
    /// The number of features.
    fn width(&self) -> usize;
    /// Two widths that could not be merged, if any.
    fn mismatch(&mut self) -> &mut Option<(usize, usize)>;
}

/// The first half of merging `other` into `this`: a partial of another width is recorded as a
/// mismatch and dropped, an empty side gives way to the other. Returns `other` when both
/// sides hold rows and still need combining.
pub(crate) fn premerge<S: Centred>(this: &mut S, mut other: S) -> Option<S> {
    if other.width() != this.width() {
        let seen = Some((this.width(), other.width()));
        *this.mismatch() = this.mismatch().or(seen);
        return None;
    }
    let theirs = *other.mismatch();
    *this.mismatch() = this.mismatch().or(theirs);
    if other.count() == 0 {
        return None;
    }
    if this.count() == 0 {
        *other.mismatch() = *this.mismatch();
        *this = other;
        return None;
    }
    Some(other)
}

/// Sums of features per partition: the statistics of a scaler and a PCA's mean.
#[derive(Clone, Debug)]
pub(crate) struct Moments {
    pub(crate) n: usize,
    pub(crate) mean: Array1<f64>,
    /// Sums of squared deviations from the mean (Chan et al.'s parallel update).
    pub(crate) m2: Array1<f64>,
    pub(crate) min: Array1<f64>,
    pub(crate) max: Array1<f64>,
    /// Two widths of partitions that could not be merged.
    mismatch: Option<(usize, usize)>,
}

impl Moments {
    pub(crate) fn of(x: &Array2<f64>) -> Moments {
        let d = x.ncols();
        let n = x.nrows();
        if n == 0 {
            let inf = Array1::from_elem(d, f64::INFINITY);
            return Moments {
                n,
                mean: Array1::zeros(d),
                m2: Array1::zeros(d),
                min: inf.clone(),
                max: -inf,
                mismatch: None,
            };
        }
        let mean = x.sum_axis(ndarray::Axis(0)) / n as f64;
        let m2 = (x - &mean).mapv(|v| v * v).sum_axis(ndarray::Axis(0));
        let fold = |f: fn(f64, f64) -> f64, init: f64| x.fold_axis(ndarray::Axis(0), init, |a, b| f(*a, *b));
        Moments {
            n,
            mean,
            m2,
            min: fold(f64::min, f64::INFINITY),
            max: fold(f64::max, f64::NEG_INFINITY),
            mismatch: None,
        }
    }

    /// The population variance of each feature.
    pub(crate) fn var(&self) -> Array1<f64> {
        &self.m2 / self.n.max(1) as f64
    }
}

impl Centred for Moments {
    fn count(&self) -> usize {
        self.n
    }
    fn width(&self) -> usize {
        self.mean.len()
    }
    fn mismatch(&mut self) -> &mut Option<(usize, usize)> {
        &mut self.mismatch
    }
}

impl Merge for Moments {
    fn merge(&mut self, other: Moments) {
        let Some(other) = premerge(self, other) else { return };
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta = &other.mean - &self.mean;
        self.m2 = &self.m2 + &other.m2 + delta.mapv(|d| d * d) * (na * nb / n);
        self.mean = &self.mean + &(delta * (nb / n));
        self.n += other.n;
        self.min.zip_mut_with(&other.min, |a, b| *a = a.min(*b));
        self.max.zip_mut_with(&other.max, |a, b| *a = a.max(*b));
    }
}

/// The moments of features, in one pass (nothing is held).
pub(crate) fn moments(x: &(impl Features + ?Sized)) -> Result<Moments> {
    let partials = checked_features(x)?.iter().map(|b| b.map(|b| Moments::of(&b))).collect();
    let m = tree(partials)?.compute()?;
    if let Some((a, b)) = m.mismatch {
        return Err(Error::Data(format!("partitions of X have different numbers of columns ({a} and {b})")));
    }
    if m.n == 0 {
        return Err(Error::Data("X has no rows".to_string()));
    }
    Ok(m)
}
