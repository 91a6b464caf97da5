//! Operations that move blocks around: `transpose`, `matmul`/`dot` by blocks,
//! `concatenate` and `stack`.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, Ix2, IxDyn, LinalgScalar};
use serde::{Deserialize, Serialize};

use super::chunks::{Grid, show};
use super::task::BlockTask;
use super::{Array, Element, Number, fail, input};
use crate::error::TaskError;
use crate::key::Key;
use crate::remote::Builtin;
use crate::value::{Value, value};

/// How a block's axes change.
#[derive(Clone, Serialize, Deserialize)]
enum Layout {
    /// The axes in this order.
    Permute(Vec<usize>),
    /// A new axis of length 1 at this position.
    ExpandDims(usize),
}

/// The task changing a block's axes (no element moves), as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct Reshape<T: Element> {
    op: Layout,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Element> BlockTask for Reshape<T> {
    type Out = T;
}

impl<T: Element> Builtin for Reshape<T> {
    fn run(&self, mut inputs: Vec<Value>) -> Result<Value, TaskError> {
        let b = input::<T>(inputs.pop().ok_or_else(|| fail("a reshaping task without its block"))?)?;
        Ok(value(match &self.op {
            Layout::Permute(perm) => b.permuted_axes(IxDyn(perm)),
            Layout::ExpandDims(axis) => b.insert_axis(Axis(*axis)),
        }))
    }
}

/// The task making one block of a matrix product, a block of `shape`, from `nk` blocks of
/// the left side's row and then `nk` of the right side's column, as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct MatMul<T: Number + LinalgScalar> {
    nk: usize,
    shape: Vec<usize>,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Number + LinalgScalar> BlockTask for MatMul<T> {
    type Out = T;
}

impl<T: Number + LinalgScalar> Builtin for MatMul<T> {
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError> {
        let (nk, shape) = (self.nk, &self.shape);
        let blocks: Vec<ArrayD<T>> = inputs.into_iter().map(input::<T>).collect::<Result<_, _>>()?;
        let mut acc = ndarray::Array2::<T>::zeros((shape[0], shape[1]));
        for k in 0..nk {
            let l = blocks[k].view().into_dimensionality::<Ix2>().map_err(|e| fail(e.to_string()))?;
            let r = blocks[nk + k].view().into_dimensionality::<Ix2>().map_err(|e| fail(e.to_string()))?;
            ndarray::linalg::general_mat_mul(T::one(), &l, &r, T::one(), &mut acc);
        }
        Ok(value(acc.into_dyn()))
    }
}

impl<T: Element> Array<T> {
    /// The axes reversed (`x.T` in NumPy); blocks are not copied.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[1, 2, 3], [4, 5, 6]], 1)?;
    /// assert_eq!(x.t().compute()?, ndarray::array![[1, 4], [2, 5], [3, 6]].into_dyn());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn t(&self) -> Array<T> {
        let n = self.ndim();
        self.transpose(&(0..n).rev().collect::<Vec<_>>())
    }

    /// The axes in the order `axes` gives (a permutation of `0..ndim`).
    pub fn transpose(&self, axes: &[usize]) -> Array<T> {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid("transpose", e),
        };
        let mut sorted = axes.to_vec();
        sorted.sort_unstable();
        if sorted != (0..grid.ndim()).collect::<Vec<_>>() {
            return Array::invalid(
                "transpose",
                format!("axes {axes:?} are not a permutation of the {} axes", grid.ndim()),
            );
        }
        let out = Grid {
            shape: axes.iter().map(|&a| grid.shape[a]).collect(),
            chunks: axes.iter().map(|&a| grid.chunks[a].clone()).collect(),
        };
        let perm = axes.to_vec();
        let blocks = self.blocks();
        Array::builtin_layer(
            "transpose",
            out,
            |idx| {
                let mut from = vec![0; idx.len()];
                perm.iter().zip(idx).for_each(|(&a, &i)| from[a] = i);
                vec![blocks[grid.flat(&from)].clone()]
            },
            |_| Reshape { op: Layout::Permute(perm.clone()), _element: PhantomData },
        )
    }

    /// Joins arrays along an existing axis; their other axes must have the same lengths.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let a = da::ones::<i32>(&[2, 3], 2)?;
    /// let b = da::zeros::<i32>(&[1, 3], 3)?;
    /// let c = da::Array::concatenate(&[a, b], 0);
    /// assert_eq!(c.shape()?, [3, 3]);
    /// assert_eq!(c.sum(da::All).item()?, 6);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn concatenate(arrays: &[Array<T>], axis: usize) -> Array<T> {
        let Some(first) = arrays.first() else { return Array::invalid("concatenate", "needs at least one array") };
        let g0 = match first.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid("concatenate", e),
        };
        if axis >= g0.ndim() {
            return Array::invalid(
                "concatenate",
                format!("axis {axis} is out of bounds for an array of dimension {}", g0.ndim()),
            );
        }
        let mut parts = Vec::with_capacity(arrays.len());
        let mut along = Vec::new();
        for (k, a) in arrays.iter().enumerate() {
            let g = match a.grid() {
                Ok(g) => g,
                Err(e) => return Array::invalid("concatenate", e),
            };
            let same = g.ndim() == g0.ndim() && (0..g0.ndim()).all(|d| d == axis || g.shape[d] == g0.shape[d]);
            if !same {
                return Array::invalid(
                    "concatenate",
                    format!(
                        "array {k} has shape {}, which does not match {} except along axis {axis}",
                        show(&g.shape),
                        show(&g0.shape)
                    ),
                );
            }
            // The first array's blocks along the other axes.
            let mut c = g0.chunks.clone();
            c[axis] = g.chunks[axis].clone();
            let a = a.rechunk_to(c);
            along.extend(g.chunks[axis].iter().copied().filter(|&n| n > 0));
            parts.push(a);
        }
        if along.is_empty() {
            along.push(0);
        }
        let mut shape = g0.shape.clone();
        shape[axis] = along.iter().sum();
        let mut chunks = g0.chunks.clone();
        chunks[axis] = along;
        let out = Grid { shape, chunks };
        // Block j along the axis: (which part, which of its blocks), skipping empty blocks.
        let mut owner = Vec::new();
        for (k, p) in parts.iter().enumerate() {
            let Ok(g) = p.grid() else { continue };
            for (j, &n) in g.chunks[axis].iter().enumerate() {
                if n > 0 {
                    owner.push((k, j));
                }
            }
        }
        if owner.is_empty() {
            return first.clone();
        }
        let name: Arc<str> = Key::unique("concatenate").to_string().into();
        let blocks = (0..out.len())
            .map(|flat| {
                let mut idx = out.index(flat);
                let (k, j) = owner[idx[axis]];
                idx[axis] = j;
                parts[k].grid().map(|g| parts[k].blocks()[g.flat(&idx)].clone())
            })
            .collect::<crate::error::Result<Vec<_>>>();
        match blocks {
            Ok(b) => Array::from_blocks(name, out, b),
            Err(e) => Array::invalid("concatenate", e),
        }
    }

    /// Joins arrays of the same shape along a new axis at `axis`.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let a = da::arange(0, 3, 1, 2)?;
    /// let b = da::arange(3, 6, 1, 2)?;
    /// let s = da::Array::stack(&[a, b], 1);
    /// assert_eq!(s.compute()?, ndarray::array![[0, 3], [1, 4], [2, 5]].into_dyn());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn stack(arrays: &[Array<T>], axis: usize) -> Array<T> {
        let Some(first) = arrays.first() else { return Array::invalid("stack", "needs at least one array") };
        let Ok(g0) = first.grid() else { return first.clone() };
        if axis > g0.ndim() {
            return Array::invalid(
                "stack",
                format!("axis {axis} is out of bounds for a result of dimension {}", g0.ndim() + 1),
            );
        }
        let expanded: Vec<Array<T>> = arrays
            .iter()
            .map(|a| match a.grid() {
                Ok(g) if g.shape == g0.shape => {
                    let mut shape = g.shape.clone();
                    shape.insert(axis, 1);
                    let mut chunks = g.chunks.clone();
                    chunks.insert(axis, vec![1]);
                    let src = a.clone();
                    let g = g.clone();
                    Array::builtin_layer(
                        "expand-dims",
                        Grid { shape, chunks },
                        move |idx| {
                            let mut from = idx.to_vec();
                            from.remove(axis);
                            vec![src.blocks()[g.flat(&from)].clone()]
                        },
                        |_| Reshape::<T> { op: Layout::ExpandDims(axis), _element: PhantomData },
                    )
                }
                Ok(g) => Array::invalid(
                    "stack",
                    format!("all arrays need the shape {}; one has {}", show(&g0.shape), show(&g.shape)),
                ),
                Err(e) => Array::invalid("stack", e),
            })
            .collect();
        Array::concatenate(&expanded, axis)
    }
}

impl<T: Number + LinalgScalar> Array<T> {
    /// The matrix product, by blocks: 2-D × 2-D, and 1-D operands as vectors (as NumPy's
    /// `matmul` / `@`). Output block `(i, j)` is one task summing `a[i, k] · b[k, j]` over k;
    /// `other`'s rows are cut like `self`'s columns first.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let a = da::from_array(ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [2, 1])?;
    /// let b = da::from_array(ndarray::array![[1.0, 0.0], [0.0, 2.0]], 1)?;
    /// assert_eq!(a.matmul(&b).compute()?, ndarray::array![[1.0, 4.0], [3.0, 8.0], [5.0, 12.0]].into_dyn());
    /// let v = da::from_array(ndarray::array![1.0, 1.0], 1)?;
    /// assert_eq!(a.dot(&v).to_vec()?, [3.0, 7.0, 11.0]);
    /// assert!(a.matmul(&a).compute().unwrap_err().to_string().contains("(3, 2) (3, 2)"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn matmul(&self, other: &Array<T>) -> Array<T> {
        let (ga, gb) = match (self.grid(), other.grid()) {
            (Ok(a), Ok(b)) => (a.clone(), b.clone()),
            (Err(e), _) | (_, Err(e)) => return Array::invalid("matmul", e),
        };
        let bad = || {
            Array::invalid(
                "matmul",
                format!("shapes {} {} are not aligned (inner dimensions differ)", show(&ga.shape), show(&gb.shape)),
            )
        };
        if !(1..=2).contains(&ga.ndim()) || !(1..=2).contains(&gb.ndim()) {
            return Array::invalid(
                "matmul",
                format!("takes 1-D or 2-D arrays, not shapes {} {}", show(&ga.shape), show(&gb.shape)),
            );
        }
        // Vectors as a row (left) or a column (right), squeezed again at the end.
        let a = if ga.ndim() == 1 { self.slice(ndarray::s![ndarray::NewAxis, ..]) } else { self.clone() };
        let b = if gb.ndim() == 1 { other.slice(ndarray::s![.., ndarray::NewAxis]) } else { other.clone() };
        let (Ok(ga2), Ok(gb2)) = (a.grid(), b.grid()) else { return bad() };
        if ga2.shape[1] != gb2.shape[0] {
            return bad();
        }
        let mut cb = gb2.chunks.clone();
        cb[0] = ga2.chunks[1].clone();
        let b = b.rechunk_to(cb);
        let (ga2, Ok(gb2)) = (ga2.clone(), b.grid().cloned()) else { return bad() };
        let out = Grid {
            shape: vec![ga2.shape[0], gb2.shape[1]],
            chunks: vec![ga2.chunks[0].clone(), gb2.chunks[1].clone()],
        };
        let nk = ga2.chunks[1].len();
        let g = out.clone();
        let product = Array::builtin_layer(
            "matmul",
            out,
            |idx| {
                let left = (0..nk).map(|k| a.blocks()[ga2.flat(&[idx[0], k])].clone());
                let right = (0..nk).map(|k| b.blocks()[gb2.flat(&[k, idx[1]])].clone());
                left.chain(right).collect()
            },
            |idx| MatMul::<T> { nk, shape: g.block_shape(idx), _element: PhantomData },
        );
        match (ga.ndim(), gb.ndim()) {
            (1, 1) => product.slice(ndarray::s![0, 0]),
            (1, _) => product.slice(ndarray::s![0, ..]),
            (_, 1) => product.slice(ndarray::s![.., 0]),
            _ => product,
        }
    }

    /// The dot product: [`matmul`](Self::matmul) for 1-D and 2-D arrays.
    pub fn dot(&self, other: &Array<T>) -> Array<T> {
        self.matmul(other)
    }
}
