//! Chunked n-dimensional arrays (`da` in the prelude), Dask Array's experience on ndarray.
//!
//! An [`Array`] is a grid of blocks (`Grid`: a shape and the block sizes along each axis),
//! each block an [`ndarray::ArrayD`] made by one task. Operations build a new layer of block
//! tasks at once (nothing runs until `compute`): element-wise arithmetic with NumPy's
//! broadcasting (`elementwise.rs`), reductions as a per-block step and a tree of combines
//! (`reduce.rs`), slicing and fancy indexing (`index.rs`), `rechunk` (`rechunk.rs`),
//! `matmul`, `transpose`, `concatenate` and `stack` (`layout.rs`), norms and the
//! tall-and-skinny QR and SVD (`linalg.rs`, on the dense kernels of `dense.rs`). Arrays come
//! from memory, constants, random numbers or delayed values (`create.rs`) and from `.npy`
//! files and Zarr stores (`npy.rs`, `zarr.rs`), read block by block.
//!
//! ```
//! use rask::prelude::*;
//! let x = da::random(&[1000, 8], [250, -1], 42)?.astype::<f32>();
//! let n = x.norm(da::axis(1).keepdims());     // one norm per row, shape (1000, 1)
//! let unit = (&x / &n).compute()?;            // every row now has length 1
//! let row: f32 = unit.index_axis(ndarray::Axis(0), 0).iter().map(|v| v * v).sum();
//! assert!((row - 1.0).abs() < 1e-5);
//! # Ok::<(), rask::Error>(())
//! ```

mod blosc;
mod buffer;
mod chunks;
mod create;
mod dense;
mod display;
mod element;
mod elementwise;
mod index;
mod layout;
pub mod linalg;
mod npy;
mod rechunk;
mod reduce;
mod task;
mod zarr;

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewMutD, Axis, IxDyn, Slice};
use rayon::prelude::*;

pub use chunks::Chunks;
pub(crate) use chunks::Grid;
pub use create::{arange, from_array, from_delayed, full, ones, random, zeros};
pub use element::{Element, Float, Number};
pub use elementwise::Operand;
/// `s![..]`, ndarray's slice macro: what [`Array::slice`] takes.
pub use ndarray::s;
pub use npy::{from_npy, to_npy};
pub use reduce::{All, Axes, axes, axis};
pub(crate) use task::{codecs, decoders};
pub use zarr::{Compression, ZarrOptions, from_zarr, to_zarr, to_zarr_with};

use crate::collection::{Collection, Outputs, Parts, Persist, Results};
use crate::delayed::Delayed;
use crate::error::{Error, Result, TaskError};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::scheduler::RunOptions;
use crate::value::{Value, take, value};
use crate::visualize::{Rendered, Visualize};

/// A lazy, chunked n-dimensional array: a grid of ndarray blocks, each made by one task.
///
/// ```
/// use rask::prelude::*;
/// let x = da::arange(0.0, 12.0, 1.0, 5)?.reshape_rows(3)?;    // 4 rows of 3
/// assert_eq!(x.shape()?, [4, 3]);
/// assert_eq!(x.sum(da::All).item()?, 66.0);
/// assert_eq!(x.sum(0).to_vec()?, [18.0, 22.0, 26.0]);
/// # Ok::<(), rask::Error>(())
/// ```
#[must_use = "an Array does nothing until it is computed"]
pub struct Array<T> {
    inner: Arc<Inner>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Array<T> {
    fn clone(&self) -> Self {
        Array { inner: self.inner.clone(), _type: PhantomData }
    }
}

struct Inner {
    /// The layer: the operation plus a token, e.g. `add-3f2a`.
    name: Arc<str>,
    /// The shape and blocks, or why the operation that made this array is invalid (raised
    /// at compute, shown by display).
    grid: std::result::Result<Grid, Arc<str>>,
    /// One task per block, in C order over the grid.
    blocks: Vec<Arc<Node>>,
}

/// A block's function: the values of its inputs, in order, to the block.
pub(crate) type BlockFn<T> = dyn Fn(Vec<Value>) -> std::result::Result<ArrayD<T>, TaskError> + Send + Sync;

/// Takes the `i`-th input of a block task as an array block.
pub(crate) fn input<T: Element>(v: Value) -> std::result::Result<ArrayD<T>, TaskError> {
    take::<ArrayD<T>>(v).map_err(|e| TaskError::Failed(e.to_string().into()))
}

/// A block a task only reads, borrowed from its value: no clone while other tasks read
/// it too (which [`input`] would make).
pub(crate) fn input_ref<T: Element>(v: &Value) -> std::result::Result<&ArrayD<T>, TaskError> {
    v.downcast_ref::<ArrayD<T>>()
        .ok_or_else(|| fail(format!("a task received a value that is not an array of {}", T::DTYPE)))
}

/// A task error with this message.
pub(crate) fn fail(msg: impl Into<String>) -> TaskError {
    TaskError::Failed(msg.into().into())
}

impl<T: Element> Array<T> {
    /// An array over existing block nodes.
    pub(crate) fn from_blocks(name: Arc<str>, grid: Grid, blocks: Vec<Arc<Node>>) -> Self {
        debug_assert_eq!(grid.len(), blocks.len());
        Array { inner: Arc::new(Inner { name, grid: Ok(grid), blocks }), _type: PhantomData }
    }

    /// A new layer `op`: one task per block of `grid`, `deps(index)` its inputs and
    /// `make(index)` its function.
    pub(crate) fn layer<D, M>(op: &'static str, grid: Grid, mut deps: D, mut make: M) -> Self
    where
        D: FnMut(&[usize]) -> Vec<Arc<Node>>,
        M: FnMut(&[usize]) -> Box<BlockFn<T>>,
    {
        let name: Arc<str> = Key::unique(op).to_string().into();
        let blocks = (0..grid.len())
            .map(|flat| {
                let idx = grid.index(flat);
                let f = make(&idx);
                let run = move |inputs: Vec<Value>| f(inputs).map(value);
                Node::new(Key::block(name.clone(), &idx), Op::Call(Box::new(run)), deps(&idx))
            })
            .collect();
        Array::from_blocks(name, grid, blocks)
    }

    /// A new layer `op` of built-in tasks (which a cluster's workers can run too): one per
    /// block of `grid`, `deps(index)` its inputs and `task(index)` what it does.
    pub(crate) fn builtin_layer<B, D, M>(op: &'static str, grid: Grid, mut deps: D, mut task: M) -> Self
    where
        B: task::BlockTask<Out = T>,
        D: FnMut(&[usize]) -> Vec<Arc<Node>>,
        M: FnMut(&[usize]) -> B,
    {
        let name: Arc<str> = Key::unique(op).to_string().into();
        let blocks = (0..grid.len())
            .map(|flat| {
                let idx = grid.index(flat);
                crate::remote::builtin_node(Key::block(name.clone(), &idx), task(&idx), deps(&idx))
            })
            .collect();
        Array::from_blocks(name, grid, blocks)
    }

    /// An array that fails with `why` when computed (an invalid operation).
    pub(crate) fn invalid(op: &str, why: impl std::fmt::Display) -> Self {
        Array {
            inner: Arc::new(Inner {
                name: Key::unique("invalid").to_string().into(),
                grid: Err(format!("{op}: {why}").into()),
                blocks: Vec::new(),
            }),
            _type: PhantomData,
        }
    }

    /// The grid, or the error that made this array invalid.
    pub(crate) fn grid(&self) -> Result<&Grid> {
        self.inner.grid.as_ref().map_err(|e| Error::Invalid(e.to_string()))
    }

    pub(crate) fn blocks(&self) -> &[Arc<Node>] {
        &self.inner.blocks
    }

    /// The array's shape, or the error of the operation that made it invalid (mismatched
    /// shapes, an axis out of range).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::zeros::<f32>(&[4, 3], 2)?;
    /// assert_eq!(x.shape()?, [4, 3]);
    /// let bad = &x + &da::zeros::<f32>(&[5], 5)?;
    /// assert!(bad.shape().unwrap_err().to_string().contains("(4, 3) (5,)"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn shape(&self) -> Result<&[usize]> {
        self.grid().map(|g| g.shape.as_slice())
    }

    /// The number of dimensions (0 for an invalid array).
    pub fn ndim(&self) -> usize {
        self.inner.grid.as_ref().map_or(0, Grid::ndim)
    }

    /// The number of elements (0 for an invalid array).
    pub fn size(&self) -> usize {
        self.inner.grid.as_ref().map_or(0, |g| g.shape.iter().product())
    }

    /// The block sizes along every axis, like Dask's `chunks` (empty for an invalid array).
    pub fn chunks(&self) -> Vec<Vec<usize>> {
        self.inner.grid.as_ref().map_or_else(|_| Vec::new(), |g| g.chunks.clone())
    }

    /// How many blocks.
    pub fn nblocks(&self) -> usize {
        self.inner.blocks.len()
    }

    /// NumPy's name of the element type: `float32`.
    pub fn dtype(&self) -> &'static str {
        T::DTYPE
    }

    /// The bytes the computed array takes.
    pub fn nbytes(&self) -> usize {
        self.size() * std::mem::size_of::<T>()
    }

    /// The blocks as delayed ndarrays, in C order over the grid.
    pub fn to_delayed(&self) -> Result<Vec<Delayed<ArrayD<T>>>> {
        self.grid()?;
        Ok(self.inner.blocks.iter().cloned().map(Delayed::from_node).collect())
    }

    /// Computes the whole array into one ndarray.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[1, 2], [3, 4]], 1)?;
    /// assert_eq!((&x * 10).compute()?, ndarray::array![[10, 20], [30, 40]].into_dyn());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn compute(&self) -> Result<ArrayD<T>> {
        self.compute_with(RunOptions::default())
    }

    /// Like [`compute`](Self::compute), with a scheduler or options.
    pub fn compute_with(&self, options: impl Into<RunOptions>) -> Result<ArrayD<T>> {
        self.grid()?;
        crate::compute_with(self, options)
    }

    /// Computes the array and returns its elements in C order (row after row).
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(da::arange(0, 6, 2, 2)?.to_vec()?, [0, 2, 4]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn to_vec(&self) -> Result<Vec<T>> {
        Ok(self.compute()?.iter().copied().collect())
    }

    /// Computes an array of one element (a full reduction) into that element.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::ones::<i64>(&[100], 30)?;
    /// assert_eq!(x.sum(da::All).item()?, 100);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn item(&self) -> Result<T> {
        let shape = self.shape()?;
        if shape.iter().product::<usize>() != 1 {
            return Err(Error::Invalid(format!(
                "item: the array has shape {}, not a single element",
                chunks::show(shape)
            )));
        }
        self.compute()?
            .iter()
            .next()
            .copied()
            .ok_or_else(|| Error::Internal("a one-element array computed to no element".into()))
    }

    /// Computes the blocks now and returns an array that holds them in memory.
    pub fn persist(&self) -> Result<Array<T>> {
        let grid = self.grid()?.clone();
        let parts = crate::compute(self.to_delayed()?)?;
        let name: Arc<str> = Key::unique("persist").to_string().into();
        let blocks = parts
            .into_iter()
            .enumerate()
            .map(|(i, b)| Node::new(Key::block(name.clone(), &grid.index(i)), Op::Value(value(b)), Vec::new()))
            .collect();
        Ok(Array::from_blocks(name, grid, blocks))
    }

    /// Draws the block graph (collapsed by layer when large).
    pub fn visualize(&self) -> Result<Rendered> {
        self.grid()?;
        crate::visualize(self)
    }

    /// Draws the block graph with options.
    pub fn visualize_with(&self, options: &Visualize) -> Result<Rendered> {
        self.grid()?;
        crate::visualize_with(self, options)
    }

    /// Applies `f` to every block; `f` must keep the block's shape (a block that comes out
    /// with another shape fails the task, naming the block).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0i64, 6, 1, 4)?;
    /// let y = x.map_blocks(|b| b.mapv(|v| v * v));
    /// assert_eq!(y.to_vec()?, [0, 1, 4, 9, 16, 25]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn map_blocks<U, F>(&self, f: F) -> Array<U>
    where
        U: Element,
        F: Fn(ArrayD<T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid("map_blocks", e),
        };
        let f = Arc::new(f);
        let blocks = self.blocks();
        Array::layer(
            "map-blocks",
            grid.clone(),
            |idx| vec![blocks[grid.flat(idx)].clone()],
            |idx| {
                let f = f.clone();
                let want = grid.block_shape(idx);
                let at = idx.to_vec();
                Box::new(move |mut inputs: Vec<Value>| {
                    let out = f(input::<T>(inputs.remove(0))?);
                    if out.shape() != want.as_slice() {
                        return Err(fail(format!(
                            "map_blocks: block {} came out with shape {}, expected {} (map_blocks keeps block shapes)",
                            chunks::show(&at),
                            chunks::show(out.shape()),
                            chunks::show(&want)
                        )));
                    }
                    Ok(out)
                })
            },
        )
    }

    /// Reshapes a 1-D array into rows of `ncols` columns (blocks of whole rows).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0i32, 6, 1, 2)?.reshape_rows(3)?;
    /// assert_eq!(x.compute()?, ndarray::array![[0, 1, 2], [3, 4, 5]].into_dyn());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn reshape_rows(&self, ncols: usize) -> Result<Array<T>> {
        let grid = self.grid()?;
        let n = grid.shape.first().copied().unwrap_or(0);
        if grid.ndim() != 1 || ncols == 0 || n % ncols != 0 {
            return Err(Error::Invalid(format!(
                "reshape_rows: cannot cut an array of shape {} into rows of {ncols}",
                chunks::show(&grid.shape)
            )));
        }
        // Blocks of whole rows: rechunk so every block holds a multiple of `ncols` elements.
        let rows = n / ncols;
        let per_block = (grid.chunksize()[0] / ncols).max(1);
        let lined = self.rechunk(vec![chunks::split(rows, per_block).iter().map(|r| r * ncols).collect::<Vec<_>>()]);
        let lined_grid = lined.grid()?.clone();
        let out = Grid { shape: vec![rows, ncols], chunks: vec![chunks::split(rows, per_block), vec![ncols]] };
        let blocks = lined.blocks();
        Ok(Array::layer(
            "reshape",
            out,
            |idx| vec![blocks[lined_grid.flat(&idx[..1])].clone()],
            |_| {
                Box::new(move |mut inputs: Vec<Value>| {
                    let b = input::<T>(inputs.remove(0))?;
                    let r = b.len() / ncols;
                    b.into_shape_with_order(IxDyn(&[r, ncols])).map_err(|e| fail(format!("reshape: {e}")))
                })
            },
        ))
    }
}

impl<T: Element> Collection for Array<T> {
    type Output = ArrayD<T>;

    fn add_outputs(&self, outputs: &mut Outputs) {
        self.inner.blocks.iter().for_each(|n| outputs.push(n.clone()));
    }

    fn finish(&self, results: &mut Results) -> Result<ArrayD<T>> {
        let grid = self.grid()?;
        let blocks = (0..grid.len()).map(|_| results.next().and_then(take::<ArrayD<T>>)).collect::<Result<Vec<_>>>()?;
        assemble(grid, blocks).map_err(|e| Error::Invalid(format!("{}: {e}", self.inner.name)))
    }
}

impl<T: Element> Persist for Array<T> {
    fn with_outputs(&self, parts: &mut Parts<'_>) -> Self {
        match self.grid() {
            Ok(grid) => {
                let blocks = (0..grid.len()).map(|_| parts.next()).collect();
                Array::from_blocks(Key::unique("persist").to_string().into(), grid.clone(), blocks)
            }
            Err(_) => self.clone(),
        }
    }
}

/// The blocks of `grid` (C order) put together into one array.
pub(crate) fn assemble<T: Element>(grid: &Grid, blocks: Vec<ArrayD<T>>) -> std::result::Result<ArrayD<T>, String> {
    // The blocks must tile the array: the result is not initialised before they are copied.
    if blocks.len() != grid.len() {
        return Err(format!("{} blocks for a grid of {}", blocks.len(), grid.len()));
    }
    if let Some(a) = (0..grid.ndim()).find(|&a| grid.chunks[a].iter().sum::<usize>() != grid.shape[a]) {
        return Err(format!(
            "blocks along axis {a} add up to {}, not {}",
            grid.chunks[a].iter().sum::<usize>(),
            grid.shape[a]
        ));
    }
    if blocks.len() == 1 {
        let b = blocks.into_iter().next().unwrap_or_else(|| unreachable!("one block"));
        return check_shape(b, &grid.shape);
    }
    // Every element is written below, once: the blocks' shapes are checked and they tile it.
    let mut out = ArrayD::from_shape_vec(IxDyn(&grid.shape), buffer::uninit::<T>(grid.shape.iter().product()))
        .map_err(|e| e.to_string())?;
    let offsets: Vec<Vec<usize>> = (0..grid.ndim()).map(|a| grid.offsets(a)).collect();
    let blocks: Vec<(Vec<usize>, ArrayD<T>)> = blocks
        .into_iter()
        .enumerate()
        .map(|(flat, b)| {
            let idx = grid.index(flat);
            check_shape(b, &grid.block_shape(&idx)).map(|b| (idx, b))
        })
        .collect::<std::result::Result<_, _>>()?;
    // Rows of blocks (along axis 0) are copied in parallel, each into its own part of `out`.
    let rows: Vec<ArrayViewMutD<'_, std::mem::MaybeUninit<T>>> = match grid.chunks[0].as_slice() {
        [] => Vec::new(),
        sizes => {
            let mut rest = out.view_mut();
            let mut rows = Vec::with_capacity(sizes.len());
            for &n in sizes {
                let (row, tail) = rest.split_at(Axis(0), n);
                rows.push(row);
                rest = tail;
            }
            rows
        }
    };
    let per_row = blocks.len() / rows.len().max(1);
    let mut groups: Vec<Vec<(Vec<usize>, ArrayD<T>)>> = Vec::new();
    let mut it = blocks.into_iter();
    for _ in 0..rows.len() {
        groups.push(it.by_ref().take(per_row).collect());
    }
    rows.into_par_iter().zip(groups).for_each(|(mut row, group)| {
        for (idx, b) in group {
            let mut dst = row.view_mut();
            for (axis, &i) in idx.iter().enumerate().skip(1) {
                dst.slice_axis_inplace(Axis(axis), Slice::from(offsets[axis][i]..offsets[axis][i + 1]));
            }
            b.assign_to(dst);
        }
    });
    // SAFETY: the blocks tile the array (each has its grid shape, checked above), so every
    // element was written.
    Ok(unsafe { out.assume_init() })
}

fn check_shape<T>(b: ArrayD<T>, want: &[usize]) -> std::result::Result<ArrayD<T>, String> {
    if b.shape() == want {
        Ok(b)
    } else {
        Err(format!("a block has shape {}, expected {}", chunks::show(b.shape()), chunks::show(want)))
    }
}
