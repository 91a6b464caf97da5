//! [`KMeans`] over partitions: k-means|| initialisation (Bahmani et al., as Dask-ML) and
//! Lloyd steps, each one parallel pass over the partitions held in memory.
//!
//! k-means|| draws candidate centres in a few passes (each row with probability
//! proportional to its squared distance to the candidates so far), weighs each candidate by
//! the rows nearest to it, and reduces them to `k` centres by weighted k-means++ and Lloyd
//! steps in memory. Lloyd steps then sum each cluster's rows per partition; the sums are
//! merged by a tree of tasks.

use linfa_clustering::KMeans as LinfaKMeans;
use linfa_nn::distance::L2Dist;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::data::Features;
use crate::error::{Error, Result, parameter};
use crate::linfa_model;
use crate::passes::{Held, Merge, Moments, hold_features};

/// For each row of `x`, its nearest centre and the squared distance to it.
pub(crate) fn nearest(x: &Array2<f64>, centres: &Array2<f64>) -> (Array1<usize>, Array1<f64>) {
    let cross = x.dot(&centres.t());
    let cnorm: Array1<f64> = centres.rows().into_iter().map(|c| c.dot(&c)).collect();
    let mut label = Array1::zeros(x.nrows());
    let mut dist = Array1::zeros(x.nrows());
    for (i, row) in x.rows().into_iter().enumerate() {
        let xnorm = row.dot(&row);
        let (best, d) = cross
            .row(i)
            .iter()
            .zip(&cnorm)
            .map(|(c, n)| xnorm - 2.0 * c + n)
            .enumerate()
            .fold((0, f64::INFINITY), |a, (j, d)| if d < a.1 { (j, d) } else { a });
        label[i] = best;
        dist[i] = d.max(0.0);
    }
    (label, dist)
}

/// Per-cluster sums of rows, counts and the summed squared distances (inertia).
#[derive(Clone, Debug)]
pub(crate) struct Lloyd {
    sums: Array2<f64>,
    counts: Array1<f64>,
    inertia: f64,
}

impl Merge for Lloyd {
    fn merge(&mut self, other: Lloyd) {
        self.sums += &other.sums;
        self.counts += &other.counts;
        self.inertia += other.inertia;
    }
}

fn lloyd_step(x: &Array2<f64>, centres: &Array2<f64>, weights: Option<ArrayView1<'_, f64>>) -> Lloyd {
    let (label, dist) = nearest(x, centres);
    let mut sums = Array2::zeros(centres.raw_dim());
    let mut counts = Array1::zeros(centres.nrows());
    let mut inertia = 0.0;
    for (i, row) in x.rows().into_iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        sums.row_mut(label[i]).scaled_add(w, &row);
        counts[label[i]] += w;
        inertia += w * dist[i];
    }
    Lloyd { sums, counts, inertia }
}

/// New centres from summed clusters; an empty cluster keeps its centre. Returns how far
/// the centres moved (summed squares).
fn update(centres: &mut Array2<f64>, s: &Lloyd) -> f64 {
    let mut shift = 0.0;
    for (j, mut c) in centres.rows_mut().into_iter().enumerate() {
        if s.counts[j] > 0.0 {
            let new = &s.sums.row(j) / s.counts[j];
            shift += (&new - &c).mapv(|v| v * v).sum();
            c.assign(&new);
        }
    }
    shift
}

/// Rows drawn as candidates in one k-means|| round.
#[derive(Clone, Debug)]
pub(crate) struct Draw(Vec<Array1<f64>>);

impl Merge for Draw {
    fn merge(&mut self, other: Draw) {
        self.0.extend(other.0);
    }
}

/// The summed squared distances of rows to their nearest candidate.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cost(f64);

impl Merge for Cost {
    fn merge(&mut self, other: Cost) {
        self.0 += other.0;
    }
}

/// Draws each row of `b` with probability `p(squared distance)`, from a generator seeded by
/// `seed` and the partition's number.
fn draw(i: usize, b: &Array2<f64>, c: &Array2<f64>, seed: u64, p: impl Fn(f64) -> f64) -> Draw {
    let (_, d) = nearest(b, c);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    Draw(d.iter().enumerate().filter(|&(_, &d)| rng.r#gen::<f64>() < p(d)).map(|(r, _)| b.row(r).to_owned()).collect())
}

/// How many rows are nearest to each candidate.
#[derive(Clone, Debug)]
pub(crate) struct Weights(Array1<f64>);

impl Merge for Weights {
    fn merge(&mut self, other: Weights) {
        self.0 += &other.0;
    }
}

/// Clustering into `k` groups by k-means, over partitions.
///
/// Returns linfa's fitted `KMeans` (its `inertia()` is linfa's: the mean squared distance of
/// a row to its centroid; times the number of rows it is scikit-learn's inertia).
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::{KMeans, PredictArray};
/// // two tight groups around (0, 0) and (10, 10)
/// let x = da::from_array(ndarray::Array2::from_shape_fn((100, 2), |(i, j)| {
///     (if i % 2 == 0 { 0.0 } else { 10.0 }) + ((i * 7 + j * 3) % 5) as f64 * 0.01
/// }), [25, 2])?;
/// let model = KMeans::new(2).seed(1).fit(&x)?;
/// let mut centres: Vec<f64> = model.centroids().column(0).to_vec();
/// centres.sort_by(f64::total_cmp);
/// assert!((centres[0] - 0.02).abs() < 0.02 && (centres[1] - 10.02).abs() < 0.02);
/// let labels = model.predict_array(&x)?.to_vec()?;
/// assert!(labels.iter().step_by(2).all(|&l| l == labels[0]) && labels[0] != labels[1]);
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KMeans {
    n_clusters: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    init_rounds: usize,
    oversampling: f64,
}

impl KMeans {
    /// `n_clusters` clusters; at most 300 Lloyd steps, tolerance 1e-4, seed 0, four
    /// k-means|| rounds drawing about `2 · n_clusters` candidates each.
    pub fn new(n_clusters: usize) -> Self {
        KMeans { n_clusters, max_iter: 300, tol: 1e-4, seed: 0, init_rounds: 4, oversampling: 2.0 }
    }

    /// The most Lloyd steps.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    /// Stops when the centres move less (summed squares) than `tol` times the features'
    /// mean variance, as scikit-learn.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The seed of the initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of k-means|| rounds (default 4; each is two passes over the data).
    pub fn init_rounds(mut self, n: usize) -> Self {
        self.init_rounds = n;
        self
    }

    /// Checks the parameters (the data is checked when fitting).
    pub fn check(&self) -> Result<()> {
        if self.n_clusters == 0 {
            return Err(parameter("KMeans", "n_clusters", 0, "it must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(parameter("KMeans", "max_iter", 0, "it must be at least 1"));
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(parameter("KMeans", "tol", self.tol, "it must be a finite number ≥ 0"));
        }
        if self.init_rounds == 0 {
            return Err(parameter("KMeans", "init_rounds", 0, "it must be at least 1"));
        }
        Ok(())
    }

    /// Fits on every partition of `x`: they are computed once and held in memory, then each
    /// step is one parallel pass over them.
    pub fn fit(&self, x: &(impl Features + ?Sized)) -> Result<LinfaKMeans<f64, L2Dist>> {
        self.check()?;
        let held = hold_features(x)?;
        held.width(|b| b)?;
        let n = held.nrows();
        if n < self.n_clusters {
            return Err(Error::Data(format!(
                "KMeans: n_clusters = {} is more than the {n} rows of X",
                self.n_clusters
            )));
        }
        let m = held.pass((), |_, b, _| Moments::of(b))?;
        let tol = self.tol * m.var().mean().unwrap_or(0.0);
        let mut centres = self.init(&held)?;
        for _ in 0..self.max_iter {
            let s = held.pass(centres.clone(), |_, b, c| lloyd_step(b, c, None))?;
            if update(&mut centres, &s) <= tol {
                break;
            }
        }
        let last = held.pass(centres.clone(), |_, b, c| lloyd_step(b, c, None))?;
        linfa_model::kmeans(centres, last.counts, last.inertia / n as f64)
    }

    /// k-means|| : candidates drawn in rounds, weighted, reduced to `k` centres.
    fn init(&self, held: &Held<Array2<f64>>) -> Result<Array2<f64>> {
        let k = self.n_clusters;
        let n = held.nrows();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let first = {
            let mut r = rng.gen_range(0..n);
            let part = held
                .rows
                .iter()
                .position(|&m| {
                    if r < m {
                        true
                    } else {
                        r -= m;
                        false
                    }
                })
                .unwrap_or(0);
            held.parts[part].compute()?.row(r).to_owned()
        };
        let mut candidates = vec![first];
        let l = self.oversampling * k as f64;
        for round in 0..self.init_rounds {
            // each round: the cost against the candidates so far, then rows drawn in proportion
            // to their share of it (about `l` of them)
            let c = stack(&candidates);
            let cost = held.pass(c.clone(), |_, b, c| Cost(nearest(b, c).1.sum()))?.0;
            if cost <= 0.0 {
                break;
            }
            let seed = self.seed.wrapping_add(1 + round as u64);
            let drawn =
                held.pass((c, cost, l, seed), |i, b, (c, cost, l, seed)| draw(i, b, c, *seed, |d| l * d / cost))?;
            candidates.extend(drawn.0);
        }
        let (mut c, mut w) = self.weigh(held, &candidates)?;
        if c.nrows() < k {
            // too few distinct candidates (few rounds, or most rows alike): add rows drawn uniformly
            let p = (4.0 * k as f64 / n as f64).min(1.0);
            let seed = self.seed.wrapping_add(0xC0FF_EE00);
            let extra = held.pass((stack(&candidates), seed, p), |i, b, (c, seed, p)| draw(i, b, c, *seed, |_| *p))?;
            candidates.extend(extra.0);
            (c, w) = self.weigh(held, &candidates)?;
        }
        if c.nrows() < k {
            return Err(Error::Data(format!(
                "KMeans: X has only {} distinct rows, fewer than n_clusters = {k}",
                c.nrows()
            )));
        }
        Ok(weighted_kmeans(&c, &w, k, &mut rng))
    }

    /// The distinct candidates, each weighed by the number of rows nearest to it.
    fn weigh(&self, held: &Held<Array2<f64>>, candidates: &[Array1<f64>]) -> Result<(Array2<f64>, Array1<f64>)> {
        let c = stack(candidates);
        let weights = held.pass(c.clone(), |_, b, c| {
            let mut w = Array1::zeros(c.nrows());
            for j in nearest(b, c).0 {
                w[j] += 1.0;
            }
            Weights(w)
        })?;
        Ok(distinct_rows(&c, &weights.0))
    }
}

fn stack(rows: &[Array1<f64>]) -> Array2<f64> {
    let views: Vec<_> = rows.iter().map(|r| r.view().insert_axis(Axis(0))).collect();
    ndarray::concatenate(Axis(0), &views)
        .unwrap_or_else(|_| unreachable!("candidate rows all have the features' width"))
}

/// The candidates with weight, duplicates merged.
fn distinct_rows(c: &Array2<f64>, w: &Array1<f64>) -> (Array2<f64>, Array1<f64>) {
    let mut rows: Vec<Array1<f64>> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    for (row, &wt) in c.rows().into_iter().zip(w) {
        if wt == 0.0 {
            continue;
        }
        match rows.iter().position(|r| r == row) {
            Some(j) => weights[j] += wt,
            None => {
                rows.push(row.to_owned());
                weights.push(wt);
            }
        }
    }
    if rows.is_empty() {
        return (Array2::zeros((0, c.ncols())), Array1::zeros(0));
    }
    (stack(&rows), Array1::from(weights))
}

/// Weighted k-means++ then Lloyd steps on a few weighted points, in memory.
fn weighted_kmeans(c: &Array2<f64>, w: &Array1<f64>, k: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<f64> {
    let pick = |weights: &Array1<f64>, rng: &mut Xoshiro256PlusPlus| {
        let total = weights.sum();
        let mut r = rng.r#gen::<f64>() * total;
        for (j, &wt) in weights.iter().enumerate() {
            if r < wt {
                return j;
            }
            r -= wt;
        }
        weights.iter().rposition(|&wt| wt > 0.0).unwrap_or(0)
    };
    // the candidates are few: several k-means++ starts cost little, and the best of them
    // (by weighted inertia on the candidates) avoids most poor local optima
    let mut best: Option<(f64, Array2<f64>)> = None;
    for _ in 0..INIT_STARTS {
        let mut chosen = vec![pick(w, rng)];
        while chosen.len() < k {
            let centres = c.select(Axis(0), &chosen);
            let (_, d) = nearest(c, &centres);
            chosen.push(pick(&(&d * w), rng));
        }
        let mut centres = c.select(Axis(0), &chosen);
        for _ in 0..100 {
            let step = lloyd_step(c, &centres, Some(w.view()));
            if update(&mut centres, &step) == 0.0 {
                break;
            }
        }
        let cost = lloyd_step(c, &centres, Some(w.view())).inertia;
        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
            best = Some((cost, centres));
        }
    }
    best.map(|(_, c)| c).unwrap_or_else(|| unreachable!("INIT_STARTS is at least 1"))
}

/// How many k-means++ starts the candidates of k-means|| are reduced by.
const INIT_STARTS: usize = 10;
