//! `rechunk`: the same array cut into other blocks. Each new block is copied from the old
//! blocks it overlaps, in one task; `unify` gives two arrays common blocks along the axes
//! an element-wise operation pairs.

use std::marker::PhantomData;
use std::ops::Range;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};

use serde::{Deserialize, Serialize};

use super::chunks::{Chunks, Grid, starts};
use super::task::BlockTask;
use super::{Array, Element, input_ref};
use crate::error::TaskError;
use crate::remote::Builtin;
use crate::value::{Value, value};

impl<T: Element> Array<T> {
    /// The same array cut into other blocks (see [`Chunks`]); each new block is copied
    /// from the blocks it overlaps.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0i64, 10, 1, 3)?;
    /// let y = x.rechunk(5);
    /// assert_eq!(y.chunks(), vec![vec![5, 5]]);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// assert!(x.rechunk(vec![vec![4, 4]]).compute().is_err());   // 8 is not 10
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn rechunk(&self, chunks: impl Into<Chunks>) -> Array<T> {
        let grid = match self.grid() {
            Ok(g) => g,
            Err(e) => return Array::invalid("rechunk", e),
        };
        match Grid::new(&grid.shape, &chunks.into(), std::mem::size_of::<T>()) {
            Ok(to) => self.rechunk_to(to.chunks),
            Err(e) => Array::invalid("rechunk", e),
        }
    }

    /// The same array with these block sizes (which add up to the shape).
    pub(crate) fn rechunk_to(&self, chunks: Vec<Vec<usize>>) -> Array<T> {
        let from = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid("rechunk", e),
        };
        if from.chunks == chunks {
            return self.clone();
        }
        let to = Grid { shape: from.shape.clone(), chunks };
        let old: Vec<Vec<usize>> = (0..from.ndim()).map(|a| from.offsets(a)).collect();
        let new: Vec<Vec<usize>> = (0..to.ndim()).map(|a| to.offsets(a)).collect();
        // For each new block: the old blocks it overlaps, as a range per axis.
        let overlaps = |idx: &[usize]| -> Vec<Range<usize>> {
            idx.iter().enumerate().map(|(a, &i)| overlapping(&old[a], new[a][i]..new[a][i + 1])).collect()
        };
        let blocks = self.blocks();
        Array::builtin_layer(
            "rechunk",
            to.clone(),
            |idx| product(&overlaps(idx)).iter().map(|j| blocks[from.flat(j)].clone()).collect(),
            |idx| Assemble {
                starts: product(&overlaps(idx))
                    .iter()
                    .map(|j| j.iter().enumerate().map(|(a, &k)| old[a][k]).collect())
                    .collect(),
                lo: idx.iter().enumerate().map(|(a, &i)| new[a][i]).collect(),
                shape: to.block_shape(idx),
                _element: PhantomData,
            },
        )
    }
}

/// The task making a block at `lo` of `shape` from the old blocks it overlaps (its inputs,
/// which start at `starts`), as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct Assemble<T: Element> {
    starts: Vec<Vec<usize>>,
    lo: Vec<usize>,
    shape: Vec<usize>,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Element> BlockTask for Assemble<T> {
    type Out = T;
}

impl<T: Element> Builtin for Assemble<T> {
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError> {
        let (starts, lo, shape) = (&self.starts, &self.lo, &self.shape);
        if let [one] = inputs.as_slice() {
            return Ok(value(window(input_ref::<T>(one)?.view(), &starts[0], lo, shape).to_owned()));
        }
        let mut out = ArrayD::<T>::default(IxDyn(shape));
        for (v, start) in inputs.iter().zip(starts) {
            copy_overlap(&input_ref::<T>(v)?.view(), start, &mut out.view_mut(), lo);
        }
        Ok(value(out))
    }
}

/// The blocks (by index) whose span, between consecutive `offsets`, meets `want`.
pub(crate) fn overlapping(offsets: &[usize], want: Range<usize>) -> Range<usize> {
    let n = offsets.len() - 1;
    if want.is_empty() {
        let i = offsets.partition_point(|&o| o <= want.start).saturating_sub(1).min(n - 1);
        return i..i + 1;
    }
    let first = offsets.partition_point(|&o| o <= want.start).saturating_sub(1);
    let last = offsets.partition_point(|&o| o < want.end);
    first..last.max(first + 1).min(n)
}

/// Every combination of one index from each range, in C order.
pub(crate) fn product(ranges: &[Range<usize>]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::with_capacity(ranges.len())];
    for r in ranges {
        out = out.into_iter().flat_map(|p| r.clone().map(move |i| [p.clone(), vec![i]].concat())).collect();
    }
    out
}

/// The part of block `b` (which starts at `start`) that lies in the window at `lo` of
/// `shape`, assuming the window lies inside the block.
fn window<'a, T>(mut b: ArrayViewD<'a, T>, start: &[usize], lo: &[usize], shape: &[usize]) -> ArrayViewD<'a, T> {
    for a in 0..shape.len() {
        let from = lo[a] - start[a];
        b.slice_axis_inplace(Axis(a), Slice::from(from..from + shape[a]));
    }
    b
}

/// Copies where block `src` (starting at `src_at`) and block `dst` (at `dst_at`) overlap.
pub(crate) fn copy_overlap<T: Clone>(
    src: &ArrayViewD<'_, T>,
    src_at: &[usize],
    dst: &mut ArrayViewMutD<'_, T>,
    dst_at: &[usize],
) {
    let dst_shape = dst.shape().to_vec();
    let mut s = src.view();
    let mut d = dst.view_mut();
    for a in 0..src.ndim() {
        let lo = src_at[a].max(dst_at[a]);
        let hi = (src_at[a] + src.shape()[a]).min(dst_at[a] + dst_shape[a]);
        if hi <= lo {
            return;
        }
        s.slice_axis_inplace(Axis(a), Slice::from(lo - src_at[a]..hi - src_at[a]));
        d.slice_axis_inplace(Axis(a), Slice::from(lo - dst_at[a]..hi - dst_at[a]));
    }
    d.assign(&s);
}

/// The block boundaries of both `a` and `b` (which cover the same length): the blocks of
/// an axis two arrays share.
pub(crate) fn common(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut cuts: Vec<usize> = starts(a).into_iter().chain(starts(b)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let sizes: Vec<usize> = cuts.windows(2).map(|w| w[1] - w[0]).collect();
    if sizes.is_empty() { vec![0] } else { sizes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_and_common_blocks() {
        let offs = [0, 3, 6, 10];
        assert_eq!(overlapping(&offs, 0..3), 0..1);
        assert_eq!(overlapping(&offs, 2..7), 0..3);
        assert_eq!(overlapping(&offs, 6..10), 2..3);
        assert_eq!(common(&[3, 3, 4], &[5, 5]), vec![3, 2, 1, 4]);
        assert_eq!(product(&[0..2, 1..3]), vec![vec![0, 1], vec![0, 2], vec![1, 1], vec![1, 2]]);
    }
}
