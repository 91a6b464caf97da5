//! Slicing (`x.slice(s![.., 10..20;2])`) and fancy indexing (`x.take(axis, &indices)`).
//!
//! Both become, per input axis, the list of positions to keep. Output blocks follow the
//! input's blocks where the positions run in order (a slice), or hold as many positions as
//! an input block where they jump around (fancy indexing). Each output block is one task
//! that reads the input blocks its positions fall in.

use std::collections::HashMap;
use std::marker::PhantomData;

use ndarray::{ArrayD, Axis, IxDyn, Slice, SliceInfoElem};
use serde::{Deserialize, Serialize};

use super::chunks::{Grid, show};
use super::rechunk::product;
use super::task::BlockTask;
use super::{Array, Element, input};
use crate::error::TaskError;
use crate::remote::Builtin;
use crate::value::{Value, value};

/// What an input axis keeps.
enum Pick {
    /// These positions, as an output axis.
    Many(Vec<usize>),
    /// One position; the axis goes away.
    One(usize),
}

/// Positions of one output block along one input axis that come from one input block.
#[derive(Clone, Serialize, Deserialize)]
struct Run {
    block: usize,
    local: Vec<usize>,
    /// Where they go in the output block.
    at: usize,
}

impl<T: Element> Array<T> {
    /// A slice, written with ndarray's `s!` macro (re-exported as `da::s`): ranges with
    /// steps, single indices (which remove the axis) and `NewAxis`. Negative bounds count
    /// from the end; bounds past the end are clipped, as in NumPy; a negative step walks
    /// the range backwards from its end, as in ndarray.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use rask::array::s;
    /// let x = da::arange(0, 20, 1, 6)?.reshape_rows(4)?;          // 5 x 4
    /// let y = x.slice(s![1..;2, -1]);                             // rows 1 and 3, last column
    /// assert_eq!(y.to_vec()?, [7, 15]);
    /// assert_eq!(x.slice(s![..;-1, 0]).to_vec()?, [16, 12, 8, 4, 0]);
    /// assert!(x.slice(s![7, ..]).compute().is_err());             // no row 7
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn slice(&self, info: impl AsRef<[SliceInfoElem]>) -> Array<T> {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid("slice", e),
        };
        let elems = info.as_ref();
        let used = elems.iter().filter(|e| !matches!(e, SliceInfoElem::NewAxis)).count();
        if used > grid.ndim() {
            return Array::invalid(
                "slice",
                format!("{used} indices for an array of {} dimensions (shape {})", grid.ndim(), show(&grid.shape)),
            );
        }
        let mut picks = Vec::with_capacity(grid.ndim());
        let mut new_axes = Vec::new();
        let mut out_pos = 0;
        for e in elems {
            let axis = picks.len();
            match *e {
                SliceInfoElem::NewAxis => {
                    new_axes.push(out_pos);
                    out_pos += 1;
                    continue;
                }
                SliceInfoElem::Index(i) => {
                    let n = grid.shape[axis] as isize;
                    let r = if i < 0 { i + n } else { i };
                    if r < 0 || r >= n {
                        return Array::invalid(
                            "slice",
                            format!("index {i} is out of bounds for axis {axis} with size {n}"),
                        );
                    }
                    picks.push(Pick::One(r as usize));
                }
                SliceInfoElem::Slice { start, end, step } => {
                    if step == 0 {
                        return Array::invalid("slice", format!("step 0 along axis {axis}"));
                    }
                    picks.push(Pick::Many(range(grid.shape[axis], start, end, step)));
                    out_pos += 1;
                }
            }
        }
        while picks.len() < grid.ndim() {
            picks.push(Pick::Many((0..grid.shape[picks.len()]).collect()));
        }
        self.select("getitem", &grid, picks, new_axes)
    }

    /// The elements at `indices` along `axis`, in that order (repeats allowed), as NumPy's
    /// `take` and fancy indexing.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0, 10, 1, 3)?;
    /// assert_eq!(x.take(0, &[9, 0, 4, 4]).to_vec()?, [9, 0, 4, 4]);
    /// assert!(x.take(0, &[10]).compute().is_err());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn take(&self, axis: usize, indices: &[usize]) -> Array<T> {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid("take", e),
        };
        if axis >= grid.ndim() {
            return Array::invalid(
                "take",
                format!("axis {axis} is out of bounds for an array of dimension {}", grid.ndim()),
            );
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= grid.shape[axis]) {
            return Array::invalid(
                "take",
                format!("index {bad} is out of bounds for axis {axis} with size {}", grid.shape[axis]),
            );
        }
        let picks = (0..grid.ndim())
            .map(|a| if a == axis { Pick::Many(indices.to_vec()) } else { Pick::Many((0..grid.shape[a]).collect()) })
            .collect();
        self.select("take", &grid, picks, Vec::new())
    }

    fn select(&self, op: &'static str, grid: &Grid, picks: Vec<Pick>, new_axes: Vec<usize>) -> Array<T> {
        // Per input axis: the runs of each output block along it.
        let per_axis: Vec<Vec<Vec<Run>>> = picks
            .iter()
            .enumerate()
            .map(|(a, p)| match p {
                Pick::One(i) => vec![runs(&grid.offsets(a), &[*i])],
                Pick::Many(v) => cut(&grid.offsets(a), v, grid.chunksize()[a].max(1)),
            })
            .collect();
        let kept: Vec<usize> = (0..picks.len()).filter(|&a| matches!(picks[a], Pick::Many(_))).collect();
        let mut shape: Vec<usize> = kept.iter().map(|&a| per_axis[a].iter().map(|r| len_of(r)).sum()).collect();
        let mut chunks: Vec<Vec<usize>> =
            kept.iter().map(|&a| per_axis[a].iter().map(|r| len_of(r)).collect::<Vec<_>>()).collect();
        for &p in &new_axes {
            shape.insert(p, 1);
            chunks.insert(p, vec![1]);
        }
        for c in &mut chunks {
            if c.is_empty() {
                c.push(0);
            }
        }
        let out = Grid { shape, chunks };
        // Output block index -> (input axis -> output chunk along it).
        let to_input = |idx: &[usize]| -> Vec<usize> {
            let mut own: Vec<usize> =
                idx.iter().enumerate().filter(|(p, _)| !new_axes.contains(p)).map(|(_, &i)| i).collect();
            let mut k = 0;
            (0..picks.len())
                .map(|a| match picks[a] {
                    Pick::One(_) => 0,
                    Pick::Many(_) => {
                        k += 1;
                        std::mem::take(&mut own[k - 1])
                    }
                })
                .collect()
        };
        let combos = |idx: &[usize]| -> Vec<Vec<Run>> {
            let along = to_input(idx);
            let lists: Vec<&Vec<Run>> =
                along.iter().enumerate().map(|(a, &c)| per_axis[a].get(c).unwrap_or(&per_axis[a][0])).collect();
            let ranges: Vec<std::ops::Range<usize>> = lists.iter().map(|l| 0..l.len()).collect();
            product(&ranges)
                .into_iter()
                .map(|pick| pick.iter().enumerate().map(|(a, &r)| lists[a][r].clone()).collect())
                .collect()
        };
        let blocks = self.blocks();
        let ones: Vec<usize> = (0..picks.len()).filter(|&a| matches!(picks[a], Pick::One(_))).collect();
        let g = out.clone();
        Array::builtin_layer(
            op,
            out,
            |idx| {
                let mut seen = Vec::new();
                for c in combos(idx) {
                    let flat = grid.flat(&c.iter().map(|r| r.block).collect::<Vec<_>>());
                    if !seen.contains(&flat) {
                        seen.push(flat);
                    }
                }
                seen.iter().map(|&f| blocks[f].clone()).collect()
            },
            |idx| {
                let combos = combos(idx);
                let mut order: HashMap<usize, usize> = HashMap::new();
                let sources: Vec<usize> = combos
                    .iter()
                    .map(|c| {
                        let flat = grid.flat(&c.iter().map(|r| r.block).collect::<Vec<_>>());
                        let n = order.len();
                        *order.entry(flat).or_insert(n)
                    })
                    .collect();
                let along = to_input(idx);
                let full: Vec<usize> = (0..picks.len())
                    .map(|a| {
                        if ones.contains(&a) {
                            1
                        } else {
                            per_axis[a].get(along[a]).map_or(0, |l| l.iter().map(|r| r.local.len()).sum())
                        }
                    })
                    .collect();
                Select {
                    combos,
                    sources,
                    full,
                    ones: ones.clone(),
                    new_axes: new_axes.clone(),
                    shape: g.block_shape(idx),
                    _element: PhantomData,
                }
            },
        )
    }
}

/// The task making one output block of a slice or a take, as data: from its inputs, the
/// positions `combos` (per combination of input blocks, read from input `sources[i]`) into
/// a block of `full` (the input's rank), then the axes `ones` dropped and `new_axes`
/// inserted, giving `shape`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct Select<T: Element> {
    combos: Vec<Vec<Run>>,
    sources: Vec<usize>,
    full: Vec<usize>,
    ones: Vec<usize>,
    new_axes: Vec<usize>,
    shape: Vec<usize>,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Element> BlockTask for Select<T> {
    type Out = T;
}

impl<T: Element> Builtin for Select<T> {
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError> {
        let combos = &self.combos;
        let inputs: Vec<ArrayD<T>> = inputs.into_iter().map(input::<T>).collect::<Result<_, _>>()?;
        let mut out = if combos.len() == 1 {
            let (v, gathers) = narrow(&inputs[0], &combos[0]);
            gather(v, &combos[0], &gathers)
        } else {
            let mut out = ArrayD::<T>::default(IxDyn(&self.full));
            for (c, &s) in combos.iter().zip(&self.sources) {
                let (v, gathers) = narrow(&inputs[s], c);
                let mut dst = out.view_mut();
                for (a, r) in c.iter().enumerate() {
                    dst.slice_axis_inplace(Axis(a), Slice::from(r.at..r.at + r.local.len()));
                }
                dst.assign(&gather(v, c, &gathers));
            }
            out
        };
        for &a in self.ones.iter().rev() {
            out = out.index_axis_move(Axis(a), 0);
        }
        for &p in &self.new_axes {
            out.insert_axis_inplace(Axis(p));
        }
        debug_assert_eq!(out.shape(), self.shape.as_slice());
        Ok(value(out))
    }
}

/// A view of `b` sliced to the runs' positions along every axis where they are evenly
/// spaced, and the axes where they are not (to be gathered).
fn narrow<'a, T>(b: &'a ArrayD<T>, runs: &[Run]) -> (ndarray::ArrayViewD<'a, T>, Vec<usize>) {
    let mut v = b.view();
    let mut gathers = Vec::new();
    for (axis, r) in runs.iter().enumerate() {
        let local = &r.local;
        let n = v.shape()[axis];
        if local.len() == n && local.iter().enumerate().all(|(i, &l)| i == l) {
            continue;
        }
        let step = if local.len() >= 2 { local[1] as isize - local[0] as isize } else { 1 };
        if step != 0 && local.windows(2).all(|w| w[1] as isize - w[0] as isize == step) {
            let (lo, hi) = (local[0].min(local[local.len() - 1]), local[0].max(local[local.len() - 1]));
            v.slice_axis_inplace(Axis(axis), Slice::new(lo as isize, Some(hi as isize + 1), step));
        } else {
            gathers.push(axis);
        }
    }
    (v, gathers)
}

/// The view with the remaining axes gathered, as an owned block.
fn gather<T: Clone>(v: ndarray::ArrayViewD<'_, T>, runs: &[Run], gathers: &[usize]) -> ArrayD<T> {
    let mut it = gathers.iter();
    let Some(&first) = it.next() else { return v.to_owned() };
    it.fold(v.select(Axis(first), &runs[first].local), |b, &a| b.select(Axis(a), &runs[a].local))
}

/// The positions a NumPy-style slice keeps along an axis of `n` (ndarray's meaning for a
/// negative step: the range walked backwards from its end).
fn range(n: usize, start: isize, end: Option<isize>, step: isize) -> Vec<usize> {
    let clip = |i: isize| if i < 0 { (i + n as isize).max(0) as usize } else { (i as usize).min(n) };
    let lo = clip(start);
    let hi = end.map_or(n, clip).max(lo);
    if step > 0 {
        (lo..hi).step_by(step as usize).collect()
    } else {
        (lo..hi).rev().step_by(step.unsigned_abs()).collect()
    }
}

fn len_of(runs: &[Run]) -> usize {
    runs.iter().map(|r| r.local.len()).sum()
}

/// Output blocks along one axis for positions `v`: one per input block when `v` runs in
/// order (either way), else blocks of `size` positions.
fn cut(offsets: &[usize], v: &[usize], size: usize) -> Vec<Vec<Run>> {
    if v.is_empty() {
        return vec![Vec::new()];
    }
    let ordered = v.windows(2).all(|w| w[0] < w[1]) || v.windows(2).all(|w| w[0] > w[1]);
    if ordered {
        // Split where the input block changes.
        let mut out: Vec<Vec<Run>> = Vec::new();
        let mut start = 0;
        for i in 1..=v.len() {
            if i == v.len() || block_of(offsets, v[i]) != block_of(offsets, v[start]) {
                out.push(runs(offsets, &v[start..i]));
                start = i;
            }
        }
        out
    } else {
        v.chunks(size).map(|c| runs(offsets, c)).collect()
    }
}

/// Consecutive positions of `v` in the same input block, as runs.
fn runs(offsets: &[usize], v: &[usize]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (k, &i) in v.iter().enumerate() {
        let b = block_of(offsets, i);
        match out.last_mut() {
            Some(r) if r.block == b => r.local.push(i - offsets[b]),
            _ => out.push(Run { block: b, local: vec![i - offsets[b]], at: k }),
        }
    }
    out
}

fn block_of(offsets: &[usize], i: usize) -> usize {
    offsets.partition_point(|&o| o <= i).saturating_sub(1).min(offsets.len().saturating_sub(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_ranges() {
        assert_eq!(range(10, 0, None, 3), vec![0, 3, 6, 9]);
        assert_eq!(range(10, -3, None, 1), vec![7, 8, 9]);
        assert_eq!(range(10, 2, Some(100), 4), vec![2, 6]);
        assert_eq!(range(5, 0, None, -2), vec![4, 2, 0]);
        assert_eq!(range(5, 3, Some(1), 1), Vec::<usize>::new());
    }

    #[test]
    fn cuts_follow_blocks_for_slices() {
        let offs = [0, 4, 8, 10];
        let c = cut(&offs, &[1, 3, 5, 7, 9], 4);
        assert_eq!(c.iter().map(|r| len_of(r)).collect::<Vec<_>>(), vec![2, 2, 1]);
        let c = cut(&offs, &[9, 0, 5, 1, 2], 4);
        assert_eq!(c.iter().map(|r| len_of(r)).collect::<Vec<_>>(), vec![4, 1]);
        assert_eq!(c[0].len(), 4, "9 | 0 | 5 | 1 from three blocks: four runs");
    }
}
