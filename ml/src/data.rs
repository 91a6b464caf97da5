//! What estimators read: features and targets as aligned row blocks.
//!
//! Features ([`Features`]) are 2-D `f64` data: a rask [`Array`] (each block becomes a
//! partition; column chunks are joined first), a rask [`DataFrame`] (each partition, every
//! column cast to `f64`), or an in-memory [`Array2`] (one partition). Targets ([`Targets`])
//! are 1-D labels: an [`Array`] (rechunked to the features' row blocks), a one-column
//! [`DataFrame`], or an [`Array1`]. [`Blocks`] pairs them up; each partition is checked
//! inside its task (equal lengths, finite values), so a bad partition fails the computation
//! with a message that names it.

use ndarray::{Array1, Array2, ArrayD, Axis, Ix1, Ix2};
use rask::array::{Array, Element};
use rask::dataframe::DataFrame;
use rask::polars::prelude::{DataFrame as PlFrame, DataType};
use rask::{BoxError, Delayed, delayed};

use crate::error::{Error, Result};
use crate::label::Label;

/// 2-D `f64` features in row blocks (partitions).
///
/// ```
/// use rask::prelude::*;
/// use rask_ml::Features;
/// let x = da::random(&[100, 3], [40, -1], 7)?;
/// let blocks = x.feature_blocks()?;
/// assert_eq!(blocks.len(), 3);                       // rows 0..40, 40..80, 80..100
/// assert_eq!(blocks[2].compute()?.dim(), (20, 3));
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub trait Features {
    /// The row blocks, in order.
    fn feature_blocks(&self) -> Result<Vec<Delayed<Array2<f64>>>>;

    /// The number of rows of each block, when known without computing.
    fn row_chunks(&self) -> Option<Vec<usize>> {
        None
    }

    /// The features as a rask Array, when they are one.
    fn as_array(&self) -> Option<Array<f64>> {
        None
    }
}

/// 1-D targets (labels) in row blocks that line up with the features' blocks.
pub trait Targets<L> {
    /// The blocks; `rows` are the features' block lengths when known, and an [`Array`] is
    /// rechunked to them.
    fn target_blocks(&self, rows: Option<&[usize]>) -> Result<Vec<Delayed<Array1<L>>>>;
}

impl<T: Features + ?Sized> Features for &T {
    fn feature_blocks(&self) -> Result<Vec<Delayed<Array2<f64>>>> {
        (**self).feature_blocks()
    }
    fn row_chunks(&self) -> Option<Vec<usize>> {
        (**self).row_chunks()
    }
    fn as_array(&self) -> Option<Array<f64>> {
        (**self).as_array()
    }
}

impl<L, T: Targets<L> + ?Sized> Targets<L> for &T {
    fn target_blocks(&self, rows: Option<&[usize]>) -> Result<Vec<Delayed<Array1<L>>>> {
        (**self).target_blocks(rows)
    }
}

impl Features for Array<f64> {
    fn feature_blocks(&self) -> Result<Vec<Delayed<Array2<f64>>>> {
        let (x, _) = whole_rows(self)?;
        Ok(x.to_delayed()?.iter().map(|b| b.try_map(to_matrix)).collect())
    }

    fn row_chunks(&self) -> Option<Vec<usize>> {
        self.shape().ok().filter(|s| s.len() == 2).map(|_| self.chunks()[0].clone())
    }

    fn as_array(&self) -> Option<Array<f64>> {
        Some(self.clone())
    }
}

/// `x`, which must be 2-D, with whole rows in each block (column blocks joined), and the
/// number of rows of each block.
pub(crate) fn whole_rows(x: &Array<f64>) -> Result<(Array<f64>, Vec<usize>)> {
    let shape = x.shape()?;
    if shape.len() != 2 {
        return Err(Error::Data(format!("X must be 2-D (rows × features), but this array has shape {shape:?}")));
    }
    let chunks = x.chunks();
    let whole = if chunks[1].len() > 1 { x.rechunk(vec![chunks[0].clone(), vec![shape[1]]]) } else { x.clone() };
    Ok((whole, chunks[0].clone()))
}

fn to_matrix(b: ArrayD<f64>) -> std::result::Result<Array2<f64>, BoxError> {
    b.into_dimensionality::<Ix2>().map_err(|e| format!("a block of X is not 2-D: {e}").into())
}

impl Features for Array2<f64> {
    fn feature_blocks(&self) -> Result<Vec<Delayed<Array2<f64>>>> {
        Ok(vec![Delayed::value(self.clone())])
    }
    fn row_chunks(&self) -> Option<Vec<usize>> {
        Some(vec![self.nrows()])
    }
}

impl Features for Delayed<Array2<f64>> {
    fn feature_blocks(&self) -> Result<Vec<Delayed<Array2<f64>>>> {
        Ok(vec![self.clone()])
    }
}

impl Features for DataFrame {
    fn feature_blocks(&self) -> Result<Vec<Delayed<Array2<f64>>>> {
        Ok(self.to_delayed().iter().map(|p| p.try_map(frame_matrix)).collect())
    }
}

/// A partition's columns, cast to `f64`, as a matrix.
fn frame_matrix(df: PlFrame) -> std::result::Result<Array2<f64>, BoxError> {
    let mut out = Array2::<f64>::zeros((df.height(), df.width()));
    for (j, column) in df.columns().iter().enumerate() {
        let name = column.name();
        let cast = column
            .cast(&DataType::Float64)
            .map_err(|e| format!("column '{name}' cannot be read as f64 features: {e}"))?;
        let values = cast.f64().map_err(|e| format!("column '{name}': {e}"))?;
        for (i, v) in values.iter().enumerate() {
            out[(i, j)] = v.ok_or_else(|| format!("column '{name}' has a null at row {i} of this partition"))?;
        }
    }
    Ok(out)
}

impl<L: Label + Element> Targets<L> for Array<L> {
    fn target_blocks(&self, rows: Option<&[usize]>) -> Result<Vec<Delayed<Array1<L>>>> {
        let shape = self.shape()?;
        if shape.len() != 1 {
            return Err(Error::Data(format!("y must be 1-D (one label per row), but this array has shape {shape:?}")));
        }
        let lined = match rows {
            Some(rows) if rows.iter().sum::<usize>() != shape[0] => {
                return Err(Error::Data(format!(
                    "X has {} rows but y has {}: they must have one row per label",
                    rows.iter().sum::<usize>(),
                    shape[0]
                )));
            }
            Some(rows) if rows != self.chunks()[0] => self.rechunk(vec![rows.to_vec()]),
            _ => self.clone(),
        };
        Ok(lined.to_delayed()?.iter().map(|b| b.try_map(to_vector)).collect())
    }
}

fn to_vector<L: Element>(b: ArrayD<L>) -> std::result::Result<Array1<L>, BoxError> {
    b.into_dimensionality::<Ix1>().map_err(|e| format!("a block of y is not 1-D: {e}").into())
}

impl<L: Label> Targets<L> for Array1<L> {
    /// One block, or blocks cut like the features' partitions when those are known.
    fn target_blocks(&self, rows: Option<&[usize]>) -> Result<Vec<Delayed<Array1<L>>>> {
        let Some(rows) = rows else { return Ok(vec![Delayed::value(self.clone())]) };
        let n: usize = rows.iter().sum();
        if n != self.len() {
            return Err(Error::Data(format!(
                "X has {n} rows but y has {}: they must have one row per label",
                self.len()
            )));
        }
        let mut start = 0;
        Ok(rows
            .iter()
            .map(|&r| {
                let block = self.slice(ndarray::s![start..start + r]).to_owned();
                start += r;
                Delayed::value(block)
            })
            .collect())
    }
}

impl<L: Label> Targets<L> for Delayed<Array1<L>> {
    fn target_blocks(&self, _rows: Option<&[usize]>) -> Result<Vec<Delayed<Array1<L>>>> {
        Ok(vec![self.clone()])
    }
}

impl<L: Label> Targets<L> for DataFrame {
    fn target_blocks(&self, _rows: Option<&[usize]>) -> Result<Vec<Delayed<Array1<L>>>> {
        let columns = self.columns();
        if columns.len() != 1 {
            return Err(Error::Data(format!(
                "y must be a DataFrame of one column, but it has {}: {}",
                columns.len(),
                columns.join(", ")
            )));
        }
        Ok(self.to_delayed().iter().map(|p| p.try_map(|df: PlFrame| L::from_frame(&df))).collect())
    }
}

/// Features and targets paired partition by partition.
pub(crate) struct Blocks<L> {
    /// One task per partition making `(X, y)` of it, checked.
    pub(crate) parts: Vec<Delayed<(Array2<f64>, Array1<L>)>>,
}

impl<L: Label> Blocks<L> {
    /// Pairs `x` with `y`, checking their partitions line up.
    pub(crate) fn new(x: &(impl Features + ?Sized), y: &(impl Targets<L> + ?Sized)) -> Result<Self> {
        let xs = x.feature_blocks()?;
        let rows = x.row_chunks();
        let ys = y.target_blocks(rows.as_deref())?;
        if xs.len() != ys.len() {
            return Err(Error::Data(format!(
                "X has {} partitions but y has {}: they must be split the same way",
                xs.len(),
                ys.len()
            )));
        }
        let parts = xs.iter().zip(&ys).enumerate().map(|(i, (x, y))| delayed!(pair_block(i, x, y)?)).collect();
        Ok(Blocks { parts })
    }
}

/// Checks one partition's `(X, y)`: equal lengths, finite features.
fn pair_block<L: Label>(
    i: usize,
    x: Array2<f64>,
    y: Array1<L>,
) -> std::result::Result<(Array2<f64>, Array1<L>), String> {
    if x.nrows() != y.len() {
        return Err(format!("partition {i}: X has {} rows but y has {}", x.nrows(), y.len()));
    }
    check_finite(i, &x)?;
    if let Some((r, v)) = y.iter().enumerate().find(|(_, v)| v.is_invalid()) {
        return Err(format!("partition {i}: y has {v:?} at row {r} (labels must be finite)"));
    }
    Ok((x, y))
}

/// Checks a partition's features are finite, naming the first value that is not.
pub(crate) fn check_finite(i: usize, x: &Array2<f64>) -> std::result::Result<(), String> {
    if let Some(((r, c), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(format!("partition {i}: X has {v} at row {r}, column {c} (features must be finite)"));
    }
    Ok(())
}

/// The features' blocks, each checked finite.
pub(crate) fn checked_features(x: &(impl Features + ?Sized)) -> Result<Vec<Delayed<Array2<f64>>>> {
    Ok(x.feature_blocks()?.iter().enumerate().map(|(i, b)| delayed!(checked_block(i, b)?)).collect())
}

fn checked_block(i: usize, x: Array2<f64>) -> std::result::Result<Array2<f64>, String> {
    check_finite(i, &x).map(|()| x)
}

/// Stacks row blocks into one matrix (what a search fits on).
pub(crate) fn stack_rows(blocks: Vec<Array2<f64>>) -> std::result::Result<Array2<f64>, String> {
    if blocks.len() == 1 {
        return Ok(blocks.into_iter().next().unwrap_or_default());
    }
    let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
    ndarray::concatenate(Axis(0), &views).map_err(|e| format!("X's partitions have different numbers of columns: {e}"))
}

/// Stacks label blocks into one vector.
pub(crate) fn stack_labels<L: Label>(blocks: Vec<Array1<L>>) -> Array1<L> {
    blocks.into_iter().flatten().collect()
}
