//! Cross-validation splitters ([`KFold`], [`ShuffleSplit`]), [`train_test_split`] for Arrays
//! and [`train_test_split_frame`] for DataFrames.
//!
//! A splitter turns a number of rows into `(train, test)` index lists, the same ones every
//! time for the same seed; [`Splitter::folds`] takes them out of rask Arrays lazily.
//! `train_test_split` splits each block of an Array on its own (as Dask-ML does), so the
//! sizes of the pieces are known before anything runs.

use ndarray::{Array1, ArrayD, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rask::array::{Array, Element};
use rask::dataframe::DataFrame;
use rask::polars::prelude::{DataFrame as PlFrame, IdxCa, IdxSize};
use rask::{Delayed, delayed};

use crate::data::whole_rows;
use crate::error::{Error, Result, parameter};

/// Row indices of one training set and its test set.
pub type Split = (Vec<usize>, Vec<usize>);

/// `(x_train, x_test, y_train, y_test)`.
pub type ArraySplit<L> = (Array<f64>, Array<f64>, Array<L>, Array<L>);

/// A way of cutting `n` rows into training and test sets.
pub trait Splitter: Send + Sync + std::fmt::Debug {
    /// How many `(train, test)` pairs [`Splitter::split`] gives.
    fn n_splits(&self) -> usize;

    /// The `(train, test)` index lists for `n` rows; an error when `n` is too small.
    fn split(&self, n: usize) -> Result<Vec<Split>, String>;

    /// Checks the parameters before any data is seen (a search calls it first).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// The folds of `x` and `y` as lazy Arrays: `(x_train, x_test, y_train, y_test)` each.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use rask_ml::{KFold, Splitter};
    /// let x = da::arange(0.0, 20.0, 1.0, 5)?.reshape_rows(2)?;    // 10 rows
    /// let y = da::arange(0i64, 10, 1, 5)?;
    /// let folds = KFold::new(5).folds(&x, &y)?;
    /// let (_, x_test, y_train, y_test) = &folds[1];
    /// assert_eq!(y_test.to_vec()?, [2, 3]);
    /// assert_eq!(y_train.shape()?, [8]);
    /// assert_eq!(x_test.compute()?, ndarray::array![[4.0, 5.0], [6.0, 7.0]].into_dyn());
    /// # Ok::<(), rask_ml::Error>(())
    /// ```
    fn folds<L: Element>(&self, x: &Array<f64>, y: &Array<L>) -> Result<Vec<ArraySplit<L>>>
    where
        Self: Sized,
    {
        let n = x.shape()?.first().copied().unwrap_or(0);
        let m = y.shape()?.first().copied().unwrap_or(0);
        if n != m {
            return Err(Error::Data(format!("X has {n} rows but y has {m}: they must have one row per label")));
        }
        let splits = self.split(n).map_err(Error::Data)?;
        Ok(splits
            .iter()
            .map(|(train, test)| (x.take(0, train), x.take(0, test), y.take(0, train), y.take(0, test)))
            .collect())
    }
}

/// K-fold cross-validation: `n_splits` consecutive folds, each the test set once; with
/// [`KFold::shuffle`], rows are shuffled (by a seed) before they are cut.
///
/// ```
/// use rask_ml::{KFold, Splitter};
/// let folds = KFold::new(3).split(7)?;
/// assert_eq!(folds[0].1, [0, 1, 2]);          // the first folds take the extra rows
/// assert_eq!(folds[2].1, [5, 6]);
/// assert_eq!(folds[2].0, [0, 1, 2, 3, 4]);
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KFold {
    n_splits: usize,
    shuffle: Option<u64>,
}

impl KFold {
    /// `n_splits` folds (at least 2), in row order.
    pub fn new(n_splits: usize) -> Self {
        KFold { n_splits, shuffle: None }
    }

    /// Shuffles the rows with `seed` before cutting them into folds.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }
}

impl Splitter for KFold {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn validate(&self) -> Result<()> {
        if self.n_splits < 2 {
            return Err(parameter("KFold", "n_splits", self.n_splits, "it must be at least 2"));
        }
        Ok(())
    }

    fn split(&self, n: usize) -> Result<Vec<Split>, String> {
        self.validate().map_err(|e| e.to_string())?;
        if n < self.n_splits {
            return Err(format!("KFold: cannot cut {n} rows into {} folds", self.n_splits));
        }
        let mut order: Vec<usize> = (0..n).collect();
        if let Some(seed) = self.shuffle {
            order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
        }
        let (base, extra) = (n / self.n_splits, n % self.n_splits);
        let mut start = 0;
        Ok((0..self.n_splits)
            .map(|k| {
                let len = base + usize::from(k < extra);
                let test = order[start..start + len].to_vec();
                let train = order[..start].iter().chain(&order[start + len..]).copied().collect();
                start += len;
                (train, test)
            })
            .collect())
    }
}

/// Random permutation cross-validation: `n_splits` independent shuffles, each holding out
/// `test_size` of the rows (a fraction in (0, 1)).
///
/// ```
/// use rask_ml::{ShuffleSplit, Splitter};
/// let splits = ShuffleSplit::new(4, 0.25, 7).split(100)?;
/// assert_eq!(splits.len(), 4);
/// assert_eq!((splits[0].0.len(), splits[0].1.len()), (75, 25));
/// assert_ne!(splits[0].1, splits[1].1);
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShuffleSplit {
    n_splits: usize,
    test_size: f64,
    seed: u64,
}

impl ShuffleSplit {
    /// `n_splits` shuffles holding out `test_size` of the rows, drawn from `seed`.
    pub fn new(n_splits: usize, test_size: f64, seed: u64) -> Self {
        ShuffleSplit { n_splits, test_size, seed }
    }
}

fn check_test_size(who: &'static str, test_size: f64) -> Result<()> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(parameter(who, "test_size", test_size, "it must be a fraction between 0 and 1 (exclusive)"));
    }
    Ok(())
}

/// How many of `n` rows a test share of `test_size` takes (at least one, and one less than all).
fn test_rows(n: usize, test_size: f64) -> usize {
    ((n as f64 * test_size).ceil() as usize).clamp(1, n.saturating_sub(1).max(1))
}

impl Splitter for ShuffleSplit {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn validate(&self) -> Result<()> {
        if self.n_splits < 1 {
            return Err(parameter("ShuffleSplit", "n_splits", self.n_splits, "it must be at least 1"));
        }
        check_test_size("ShuffleSplit", self.test_size)
    }

    fn split(&self, n: usize) -> Result<Vec<Split>, String> {
        self.validate().map_err(|e| e.to_string())?;
        if n < 2 {
            return Err(format!("ShuffleSplit: cannot split {n} rows into a training and a test set"));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let k = test_rows(n, self.test_size);
        Ok((0..self.n_splits)
            .map(|_| {
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng);
                let test = order[..k].to_vec();
                (order[k..].to_vec(), test)
            })
            .collect())
    }
}

/// Splits `x` and `y` into random training and test sets, block by block: `test_size` of
/// all rows (rounded up) are held out, shared among the blocks in proportion to their sizes
/// and drawn in each block from `seed` and the block's number, so nothing moves between
/// partitions and the sizes are known at once. Returns `(x_train, x_test, y_train, y_test)`.
///
/// ```
/// use rask::prelude::*;
/// let x = da::random(&[1000, 4], [250, -1], 1)?;
/// let y = da::arange(0i64, 1000, 1, 250)?;
/// let (x_train, x_test, y_train, y_test) = rask_ml::train_test_split(&x, &y, 0.2, 42)?;
/// assert_eq!(x_train.shape()?, [800, 4]);
/// assert_eq!(y_test.shape()?, [200]);
/// let mut all: Vec<i64> = y_train.to_vec()?.into_iter().chain(y_test.to_vec()?).collect();
/// all.sort();
/// assert_eq!(all, (0..1000).collect::<Vec<_>>());    // every row lands on one side
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub fn train_test_split<L: Element>(x: &Array<f64>, y: &Array<L>, test_size: f64, seed: u64) -> Result<ArraySplit<L>> {
    check_test_size("train_test_split", test_size)?;
    let (x, rows) = whole_rows(x).map_err(|e| Error::Data(format!("train_test_split: {e}")))?;
    let shape = x.shape()?.to_vec();
    let y_shape = y.shape()?.to_vec();
    if y_shape != [shape[0]] {
        return Err(Error::Data(format!("train_test_split: X has {} rows but y has shape {y_shape:?}", shape[0])));
    }
    let y = y.rechunk(vec![rows.clone()]);
    let (xs, ys) = (x.to_delayed()?, y.to_delayed()?);
    let (mut xtr, mut xte, mut ytr, mut yte) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let held_out = allocate(&rows, test_rows(shape[0], test_size));
    for (b, (&n, &k)) in rows.iter().zip(&held_out).enumerate() {
        let (train, test) = block_split(n, k, seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let piece = |block: &Delayed<ArrayD<f64>>, idx: &[usize]| {
            rask::array::from_delayed(&delayed!(take_rows::<f64>(block, idx.to_vec())), &[idx.len(), shape[1]])
        };
        let label = |block: &Delayed<ArrayD<L>>, idx: &[usize]| {
            rask::array::from_delayed(&delayed!(take_rows::<L>(block, idx.to_vec())), &[idx.len()])
        };
        xtr.push(piece(&xs[b], &train));
        xte.push(piece(&xs[b], &test));
        ytr.push(label(&ys[b], &train));
        yte.push(label(&ys[b], &test));
    }
    Ok((
        Array::concatenate(&xtr, 0),
        Array::concatenate(&xte, 0),
        Array::concatenate(&ytr, 0),
        Array::concatenate(&yte, 0),
    ))
}

/// Splits a DataFrame into random training and test rows, partition by partition: each
/// partition holds out `test_size` of its rows (rounded up), drawn from `seed` and the
/// partition's first row, so nothing moves between partitions. Returns `(train, test)`; select the
/// feature and label columns of each afterwards.
///
/// ```
/// use rask::prelude::*;
/// use rask::polars::prelude::df;
/// let frame = dd::from_polars(df!("a" => (0..100i64).collect::<Vec<_>>())?, 4);
/// let (train, test) = rask_ml::split::train_test_split_frame(&frame, 0.2, 7)?;
/// let (train, test) = (train.compute()?, test.compute()?);
/// assert_eq!((train.height(), test.height()), (80, 20));
/// let mut all: Vec<i64> = train.column("a")?.i64()?.into_no_null_iter().chain(test.column("a")?.i64()?.into_no_null_iter()).collect();
/// all.sort();
/// assert_eq!(all, (0..100).collect::<Vec<_>>());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn train_test_split_frame(df: &DataFrame, test_size: f64, seed: u64) -> Result<(DataFrame, DataFrame)> {
    check_test_size("train_test_split_frame", test_size)?;
    let side = move |frame: PlFrame, test: bool| {
        let n = frame.height();
        let k = if n < 2 { 0 } else { test_rows(n, test_size) };
        let (train, held) = block_split(n, k, seed ^ partition_seed(&frame));
        let rows = if test { held } else { train };
        frame.take(&IdxCa::from_vec("rows".into(), rows.into_iter().map(|i| i as IdxSize).collect()))
    };
    Ok((df.map_partitions(move |f| side(f, false)), df.map_partitions(move |f| side(f, true))))
}

/// Shares `total` held-out rows among blocks of `rows` rows in proportion to their sizes
/// (largest remainders first), never more than a block has.
fn allocate(rows: &[usize], total: usize) -> Vec<usize> {
    let n: usize = rows.iter().sum();
    if n == 0 {
        return vec![0; rows.len()];
    }
    let exact: Vec<f64> = rows.iter().map(|&r| r as f64 * total as f64 / n as f64).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let mut left = total.saturating_sub(out.iter().sum());
    for i in order.into_iter().cycle().take(rows.len() * 2) {
        if left == 0 {
            break;
        }
        if out[i] < rows[i] {
            out[i] += 1;
            left -= 1;
        }
    }
    out
}

/// The training and test rows of one block of `n` rows, `k` of them held out.
fn block_split(n: usize, k: usize, seed: u64) -> Split {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let mut test = order[..k].to_vec();
    let mut train = order[k..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    (train, test)
}

/// A number that tells partitions apart: a hash of a partition's length and first row.
fn partition_seed(frame: &PlFrame) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    frame.height().hash(&mut h);
    if let Ok(row) = frame.get_row(0) {
        format!("{:?}", row.0).hash(&mut h);
    }
    h.finish()
}

fn take_rows<T: Element>(block: ArrayD<T>, rows: Vec<usize>) -> ArrayD<T> {
    block.select(Axis(0), &rows)
}

/// Rows `idx` of a matrix and its labels (a search's fold).
pub(crate) fn select<L: Clone>(
    x: &ndarray::Array2<f64>,
    y: &Array1<L>,
    idx: &[usize],
) -> (ndarray::Array2<f64>, Array1<L>) {
    (x.select(Axis(0), idx), idx.iter().map(|&i| y[i].clone()).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn held_out_rows_are_shared_in_proportion() {
        assert_eq!(super::allocate(&[3, 3, 3, 1], 1), [1, 0, 0, 0]);
        assert_eq!(super::allocate(&[100, 100, 50], 50), [20, 20, 10]);
        let shares = super::allocate(&[7, 13, 1, 29], 17);
        assert_eq!(shares.iter().sum::<usize>(), 17);
        assert!(shares.iter().zip([7, 13, 1, 29]).all(|(k, n)| *k <= n));
    }
}
