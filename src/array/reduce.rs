//! Reductions along axes (`sum`, `mean`, `std`, `var`, `min`, `max`, `argmin`, `argmax`) as
//! Dask builds them: each block is folded along the reduced axes into a partial (a block of
//! accumulators, one per kept position), partials that share an output block are merged in
//! a tree of fan-in 8, in block order, and a last step turns accumulators into results.
//! A reduction is a [`Fold`]: plain functions over one accumulator, and plain data (its
//! steps are [`FoldTask`]s, which a Dask cluster's workers run too).

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::chunks::{Grid, show};
use super::{Array, Element, Float, Number, fail, input_ref};
use crate::error::TaskError;
use crate::key::{Key, unique_name};
use crate::node::Node;
use crate::remote::{Builtin, Decoder, decoder};
use crate::value::{Value, take, value};

/// Which axes a reduction runs along, and how: the `axis=`, `keepdims=` and `ddof=` of
/// NumPy. Made by [`axis`], [`axes`], [`All`] or a bare axis number (negative counts from
/// the end).
///
/// ```
/// use rask::prelude::*;
/// let x = da::ones::<f64>(&[4, 3], 2)?;
/// assert_eq!(x.sum(0).shape()?, [3]);                              // a bare axis
/// assert_eq!(x.sum(da::axis(-1).keepdims()).shape()?, [4, 1]);    // the last axis, kept
/// assert_eq!(x.sum(da::axes([0, 1])).shape()?, [] as [usize; 0]);
/// assert_eq!(x.sum(da::All).item()?, 12.0);
/// assert_eq!(x.var(da::All.ddof(1)).item()?, 0.0);
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axes {
    axes: Option<Vec<isize>>,
    keepdims: bool,
    ddof: usize,
}

/// Every axis: a reduction to one value.
#[derive(Clone, Copy, Debug)]
pub struct All;

/// Reduce along one axis (negative counts from the end).
pub fn axis(a: isize) -> Axes {
    Axes { axes: Some(vec![a]), ..Axes::default() }
}

/// Reduce along several axes.
pub fn axes(a: impl IntoIterator<Item = isize>) -> Axes {
    Axes { axes: Some(a.into_iter().collect()), ..Axes::default() }
}

impl Axes {
    /// Keep the reduced axes, with length 1 (so the result broadcasts against the input).
    pub fn keepdims(mut self) -> Axes {
        self.keepdims = true;
        self
    }

    /// Delta degrees of freedom for `var` and `std`: divide by `n - ddof`.
    pub fn ddof(mut self, ddof: usize) -> Axes {
        self.ddof = ddof;
        self
    }

    /// Whether the reduced axes are kept.
    pub(crate) fn keeps(&self) -> bool {
        self.keepdims
    }

    /// Whether every axis is reduced (no axis was named).
    pub(crate) fn is_all(&self) -> bool {
        self.axes.is_none()
    }

    /// The axes as positions in an array of `ndim` dimensions, in the order given (a matrix
    /// norm reads the first as rows, the second as columns).
    pub(crate) fn resolve(&self, ndim: usize) -> std::result::Result<Vec<usize>, String> {
        let Some(given) = &self.axes else { return Ok((0..ndim).collect()) };
        let mut out = Vec::with_capacity(given.len());
        for &a in given {
            let r = if a < 0 { a + ndim as isize } else { a };
            if r < 0 || r >= ndim as isize {
                return Err(format!("axis {a} is out of bounds for an array of dimension {ndim}"));
            }
            if out.contains(&(r as usize)) {
                return Err(format!("axis {a} is repeated"));
            }
            out.push(r as usize);
        }
        Ok(out)
    }
}

impl All {
    /// All axes, kept with length 1.
    pub fn keepdims(self) -> Axes {
        Axes::default().keepdims()
    }

    /// All axes, with `ddof` for `var` and `std`.
    pub fn ddof(self, ddof: usize) -> Axes {
        Axes::default().ddof(ddof)
    }
}

impl From<All> for Axes {
    fn from(_: All) -> Axes {
        Axes::default()
    }
}

macro_rules! axis_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Axes {
            fn from(a: $t) -> Axes {
                axis(a as isize)
            }
        }
        impl<const N: usize> From<[$t; N]> for Axes {
            fn from(a: [$t; N]) -> Axes {
                axes(a.iter().map(|&x| x as isize))
            }
        }
    )*};
}
axis_from!(i32, isize, usize);

/// One reduction: an accumulator, how an element enters it, how two merge (the first one
/// comes first in the array), and the result it gives.
pub(crate) trait Fold<T: Element>: Copy + Send + Sync + Serialize + DeserializeOwned + 'static {
    type Acc: Copy + Send + Sync + Serialize + DeserializeOwned + 'static;
    type Out: Element;
    /// Whether an empty reduction is an error (min, max: no identity).
    const NEEDS_ELEMENTS: bool = false;
    fn init(&self) -> Self::Acc;
    /// `j`: the element's position among the reduced elements of its block, in C order.
    fn step(&self, acc: Self::Acc, x: T, j: u64) -> Self::Acc;
    /// Folds a run of consecutive elements, at positions from 0 on, into a fresh
    /// accumulator: by default element by element; sums override it with [`lanes`].
    fn step_run(&self, xs: &[T]) -> Self::Acc {
        xs.iter().enumerate().fold(self.init(), |acc, (j, &x)| self.step(acc, x, j as u64))
    }
    fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;
    /// The result of an accumulator, or why there is none (an integer sum that overflowed).
    fn finish(&self, a: Self::Acc) -> std::result::Result<Self::Out, String>;
    /// Turns block positions (`j`) in the accumulator into positions in the whole array.
    fn relocate(&self, a: Self::Acc, _global: &dyn Fn(u64) -> u64) -> Self::Acc {
        a
    }
}

const FAN_IN: usize = 8;

impl<T: Element> Array<T> {
    /// Builds the layers of a reduction: partials per block, merges, results.
    pub(crate) fn fold<F: Fold<T>>(&self, op: &'static str, f: F, along: &Axes) -> Array<F::Out> {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid(op, e),
        };
        let mut red = match along.resolve(grid.ndim()) {
            Ok(r) => r,
            Err(e) => return Array::invalid(op, e),
        };
        red.sort_unstable();
        if F::NEEDS_ELEMENTS && red.iter().any(|&a| grid.shape[a] == 0) {
            return Array::invalid(
                op,
                format!(
                    "zero-size array (shape {}) to reduction operation {op} which has no identity",
                    show(&grid.shape)
                ),
            );
        }
        // Partials: one per block, shaped like the block with length 1 along reduced axes.
        let part_name = unique_name(&format!("{op}-partial"));
        let offsets: Vec<Vec<usize>> = (0..grid.ndim()).map(|a| grid.offsets(a)).collect();
        let partials: Vec<Arc<Node>> = (0..grid.len())
            .map(|flat| {
                let idx = grid.index(flat);
                let step = Step::Partial {
                    red: red.clone(),
                    block: grid.block_shape(&idx),
                    at: idx_offsets(&offsets, &idx),
                    shape: grid.shape.clone(),
                };
                FoldTask::<T, F>::new(f, step)
                    .node(Key::block(part_name.clone(), &idx), vec![self.blocks()[flat].clone()])
            })
            .collect();
        // Group partials by output block (the index with reduced axes at 0), in block order.
        let mut out_chunks = grid.chunks.clone();
        red.iter().for_each(|&a| out_chunks[a] = vec![1]);
        let out_grid = Grid {
            shape: grid.shape.iter().enumerate().map(|(a, &n)| if red.contains(&a) { 1 } else { n }).collect(),
            chunks: out_chunks,
        };
        let mut groups: Vec<Vec<Arc<Node>>> = vec![Vec::new(); out_grid.len()];
        for (flat, p) in partials.into_iter().enumerate() {
            let mut idx = grid.index(flat);
            red.iter().for_each(|&a| idx[a] = 0);
            groups[out_grid.flat(&idx)].push(p);
        }
        let merge_name = unique_name(&format!("{op}-merge"));
        let roots: Vec<Arc<Node>> =
            groups.into_iter().enumerate().map(|(o, g)| merge_tree::<T, F>(f, g, &merge_name, o)).collect();
        // Results, dropping the reduced axes unless they are kept.
        let kept: Vec<usize> = (0..grid.ndim()).filter(|a| !red.contains(a)).collect();
        let final_grid = if along.keepdims {
            out_grid.clone()
        } else {
            Grid {
                shape: kept.iter().map(|&a| grid.shape[a]).collect(),
                chunks: kept.iter().map(|&a| grid.chunks[a].clone()).collect(),
            }
        };
        let fg = final_grid.clone();
        let og = out_grid.clone();
        Array::builtin_layer(
            op,
            final_grid,
            |idx| {
                // The final grid's index, with the reduced axes put back at 0.
                let mut full = vec![0; og.ndim()];
                kept.iter().zip(idx).for_each(|(&a, &i)| full[a] = i);
                let full = if along.keepdims { idx.to_vec() } else { full };
                vec![roots[og.flat(&full)].clone()]
            },
            |idx| FoldTask::<T, F>::new(f, Step::Finish { op: op.to_string(), shape: fg.block_shape(idx) }),
        )
    }
}

/// One step of a reduction [`Fold`] `F` over elements `T`, as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct FoldTask<T: Element, F: Fold<T>> {
    f: F,
    step: Step,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

/// The steps of a reduction.
#[derive(Clone, Serialize, Deserialize)]
enum Step {
    /// A block folded along `red`; `block` is its shape, `at` its offset in the array of
    /// `shape` (for positions, as argmax reports them).
    Partial { red: Vec<usize>, block: Vec<usize>, at: Vec<usize>, shape: Vec<usize> },
    /// Partials merged in order.
    Merge,
    /// Accumulators to results, a block of `shape`; `op` names the reduction in errors.
    Finish { op: String, shape: Vec<usize> },
}

impl<T: Element, F: Fold<T>> FoldTask<T, F> {
    fn new(f: F, step: Step) -> Self {
        FoldTask { f, step, _element: PhantomData }
    }

    fn node(self, key: Key, deps: Vec<Arc<Node>>) -> Arc<Node> {
        crate::remote::builtin_node(key, self, deps)
    }
}

impl<T: Element, F: Fold<T>> super::task::BlockTask for FoldTask<T, F> {
    type Out = F::Out;
}

impl<T: Element, F: Fold<T>> Builtin for FoldTask<T, F> {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        let f = &self.f;
        let accs =
            |inputs: Vec<Value>| inputs.into_iter().map(|v| take::<ArrayD<F::Acc>>(v).map_err(|e| fail(e.to_string())));
        match &self.step {
            Step::Partial { red, block, at, shape } => {
                let b = input_ref::<T>(inputs.first().ok_or_else(|| fail("a partial without its block"))?)?;
                let global = |j: u64| global_index(j, red, block, at, shape);
                Ok(value(partial(f, b.view(), red, &global)))
            }
            Step::Merge => {
                let mut it = accs(inputs);
                let mut acc = it.next().ok_or_else(|| fail("a merge without inputs"))??;
                for b in it {
                    Zip::from(&mut acc).and(&b?).for_each(|a, &x| *a = f.merge(*a, x));
                }
                Ok(value(acc))
            }
            Step::Finish { op, shape } => {
                let acc = accs(inputs).next().ok_or_else(|| fail("a reduction's result without its input"))??;
                let out: Vec<F::Out> = acc
                    .iter()
                    .map(|&a| f.finish(a))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| fail(format!("{op}: {e}")))?;
                ArrayD::from_shape_vec(IxDyn(shape), out).map(value).map_err(|e| fail(e.to_string()))
            }
        }
    }
}

/// The decoders of every reduction's steps, per element type.
pub(super) fn decoders() -> Vec<(&'static str, Decoder)> {
    macro_rules! numbers {
        ($($t:ty),*) => {
            vec![$(
                decoder::<FoldTask<$t, Sum>>(),
                decoder::<FoldTask<$t, Moments>>(),
                decoder::<FoldTask<$t, Extreme>>(),
                decoder::<FoldTask<$t, ArgExtreme>>(),
            )*]
        };
    }
    let mut all = numbers!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);
    all.extend([
        decoder::<FoldTask<f32, SumOf>>(),
        decoder::<FoldTask<f64, SumOf>>(),
        decoder::<FoldTask<f32, SumSquares>>(),
        decoder::<FoldTask<f64, SumSquares>>(),
    ]);
    all
}

/// The codecs of the accumulators that are not arrays of elements: `i128` sums, moments,
/// and (value, position, found) for argmin/argmax.
pub(super) fn codecs() -> Vec<(std::any::TypeId, crate::codec::Codec)> {
    use crate::codec::serde_entry as c;
    macro_rules! arg_accs {
        ($($t:ty),*) => { vec![$(c::<ArrayD<($t, u64, bool)>>(),)*] };
    }
    let mut all = arg_accs!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);
    all.extend([c::<ArrayD<i128>>(), c::<ArrayD<MomentAcc>>()]);
    all
}

fn idx_offsets(offsets: &[Vec<usize>], idx: &[usize]) -> Vec<usize> {
    idx.iter().enumerate().map(|(a, &i)| offsets[a][i]).collect()
}

/// The position in the whole array of the `j`-th reduced element of a block: along the one
/// reduced axis, or the flat C-order index when all axes are reduced.
fn global_index(j: u64, red: &[usize], block: &[usize], at: &[usize], shape: &[usize]) -> u64 {
    // Unravel j over the block's reduced axes, then ravel over the array's reduced axes.
    let mut rest = j as usize;
    let mut local = vec![0; red.len()];
    for (k, &a) in red.iter().enumerate().rev() {
        local[k] = rest % block[a].max(1);
        rest /= block[a].max(1);
    }
    red.iter().zip(local).fold(0u64, |acc, (&a, l)| acc * shape[a] as u64 + (at[a] + l) as u64)
}

/// A block folded along `red`: kept axes first, reduced last, one accumulator per kept
/// position, shaped like the block with length 1 along `red`.
fn partial<T: Element, F: Fold<T>>(
    f: &F,
    b: ArrayViewD<'_, T>,
    red: &[usize],
    global: &dyn Fn(u64) -> u64,
) -> ArrayD<F::Acc> {
    let nd = b.ndim();
    let kept: Vec<usize> = (0..nd).filter(|a| !red.contains(a)).collect();
    let order: Vec<usize> = kept.iter().chain(red).copied().collect();
    let keep_shape: Vec<usize> = (0..nd).map(|a| if red.contains(&a) { 1 } else { b.shape()[a] }).collect();
    let rows: usize = kept.iter().map(|&a| b.shape()[a]).product();
    let per_row: usize = red.iter().map(|&a| b.shape()[a]).product();
    let p = b.permuted_axes(IxDyn(&order));
    let p = p.as_standard_layout();
    let mut accs = Vec::with_capacity(rows);
    match p.as_slice() {
        Some(flat) if per_row > 0 => {
            for row in flat.chunks(per_row) {
                accs.push(f.relocate(f.step_run(row), global));
            }
        }
        _ => accs.resize(rows, f.init()),
    }
    ArrayD::from_shape_vec(IxDyn(&keep_shape), accs)
        .unwrap_or_else(|_| unreachable!("one accumulator per kept position"))
}

/// Merges partials in order, `FAN_IN` at a time, up to one root.
fn merge_tree<T: Element, F: Fold<T>>(f: F, mut level: Vec<Arc<Node>>, name: &Arc<str>, out: usize) -> Arc<Node> {
    let mut depth = 0;
    while level.len() > 1 {
        level = level
            .chunks(FAN_IN)
            .enumerate()
            .map(|(i, group)| {
                if group.len() == 1 {
                    return group[0].clone();
                }
                FoldTask::<T, F>::new(f, Step::Merge).node(Key::block(name.clone(), &[out, depth, i]), group.to_vec())
            })
            .collect();
        depth += 1;
    }
    level.pop().unwrap_or_else(|| unreachable!("every output block has at least one partial"))
}

/// `Σ f(x)` over `xs` as NumPy's pairwise sum: runs of up to 1024 elements in 8
/// independent lanes (the adds of one lane do not wait for another's, so the loop runs at
/// the speed of memory), longer runs split in halves; the rounding error grows with the
/// logarithm of the length, not the length.
fn lanes<T: Copy, A: Copy + num_traits::Zero>(xs: &[T], f: impl Fn(T) -> A + Copy) -> A {
    const LEAF: usize = 1024;
    if xs.len() > LEAF {
        let (left, right) = xs.split_at(xs.len() / 2 / 8 * 8);
        return lanes(left, f) + lanes(right, f);
    }
    let mut lane = [A::zero(); 8];
    let mut runs = xs.chunks_exact(8);
    for run in runs.by_ref() {
        for (l, &x) in lane.iter_mut().zip(run) {
            *l = *l + f(x);
        }
    }
    let tail = runs.remainder().iter().fold(A::zero(), |s, &x| s + f(x));
    ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])) + tail
}

/// Sums in a wider type (`i128` for integers, the float itself for floats), so that only
/// a total that does not fit the element type is an error, wherever the blocks fall.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Sum;
impl<T: Number> Fold<T> for Sum {
    type Acc = T::Wide;
    type Out = T;
    fn init(&self) -> T::Wide {
        num_traits::Zero::zero()
    }
    fn step(&self, a: T::Wide, x: T, _: u64) -> T::Wide {
        a + x.widen()
    }
    fn step_run(&self, xs: &[T]) -> T::Wide {
        lanes(xs, T::widen)
    }
    fn merge(&self, a: T::Wide, b: T::Wide) -> T::Wide {
        a + b
    }
    fn finish(&self, a: T::Wide) -> std::result::Result<T, String> {
        T::narrow(a).ok_or_else(|| {
            format!("the sum {a} does not fit {}; convert first, e.g. x.astype::<i64>().sum(..)", T::DTYPE)
        })
    }
}

/// The p-norm's sum, in `f64`: of `|x|^p`, with the `p`-th root at the end; for `p = 0`,
/// the count of non-zero elements.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SumOf {
    pub(crate) p: f64,
}
impl SumOf {
    fn each<T: Float>(&self, x: T) -> f64 {
        if self.p == 0.0 {
            if x == T::zero() { 0.0 } else { 1.0 }
        } else {
            x.to_f64().unwrap_or(f64::NAN).abs().powf(self.p)
        }
    }
}
impl<T: Float> Fold<T> for SumOf {
    type Acc = f64;
    type Out = T;
    fn init(&self) -> f64 {
        0.0
    }
    fn step(&self, a: f64, x: T, _: u64) -> f64 {
        a + self.each(x)
    }
    fn step_run(&self, xs: &[T]) -> f64 {
        lanes(xs, |x| self.each(x))
    }
    fn merge(&self, a: f64, b: f64) -> f64 {
        a + b
    }
    fn finish(&self, a: f64) -> std::result::Result<T, String> {
        let root = if self.p == 0.0 { a } else { a.powf(1.0 / self.p) };
        Ok(num_traits::cast(root).unwrap_or_else(<T as num_traits::Float>::nan))
    }
}

/// Sum of squares in the element type itself (the fast path of the 2-norm of floats).
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SumSquares;
impl<T: Float> Fold<T> for SumSquares {
    type Acc = T;
    type Out = T;
    fn init(&self) -> T {
        T::zero()
    }
    fn step(&self, a: T, x: T, _: u64) -> T {
        a + x * x
    }
    fn step_run(&self, xs: &[T]) -> T {
        lanes(xs, |x| x * x)
    }
    fn merge(&self, a: T, b: T) -> T {
        a + b
    }
    fn finish(&self, a: T) -> std::result::Result<T, String> {
        Ok(num_traits::Float::sqrt(a))
    }
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct Moments {
    /// 0: mean; otherwise the variance's ddof (plus one), so one type serves both.
    var_ddof: Option<usize>,
    sqrt: bool,
}
/// (count, mean, sum of squared deviations), merged with Chan's formula.
type MomentAcc = (f64, f64, f64);
impl<T: Number> Fold<T> for Moments {
    type Acc = MomentAcc;
    type Out = T::Mean;
    fn init(&self) -> MomentAcc {
        (0.0, 0.0, 0.0)
    }
    fn step(&self, (n, mean, m2): MomentAcc, x: T, _: u64) -> MomentAcc {
        let x = x.to_f64().unwrap_or(f64::NAN);
        let n1 = n + 1.0;
        let d = x - mean;
        let mean1 = mean + d / n1;
        (n1, mean1, m2 + d * (x - mean1))
    }
    /// Two passes over the run (its mean, then the squares of the deviations from it),
    /// each in [`lanes`]: no division per element, and as accurate as the textbook method.
    fn step_run(&self, xs: &[T]) -> MomentAcc {
        if xs.is_empty() {
            return (0.0, 0.0, 0.0);
        }
        let f = |x: T| x.to_f64().unwrap_or(f64::NAN);
        let n = xs.len() as f64;
        let mean = lanes(xs, f) / n;
        (n, mean, lanes(xs, |x| (f(x) - mean) * (f(x) - mean)))
    }
    fn merge(&self, a: MomentAcc, b: MomentAcc) -> MomentAcc {
        if a.0 == 0.0 {
            return b;
        }
        if b.0 == 0.0 {
            return a;
        }
        let n = a.0 + b.0;
        let d = b.1 - a.1;
        (n, a.1 + d * b.0 / n, a.2 + b.2 + d * d * a.0 * b.0 / n)
    }
    fn finish(&self, (n, mean, m2): MomentAcc) -> std::result::Result<T::Mean, String> {
        let v = match self.var_ddof {
            None if n > 0.0 => mean,
            // As NumPy: divided by max(n - ddof, 0), so inf (or NaN) when ddof >= n.
            Some(ddof) if n > 0.0 => m2 / (n - ddof as f64).max(0.0),
            _ => f64::NAN,
        };
        let v = if self.sqrt { v.sqrt() } else { v };
        Ok(num_traits::cast(v).unwrap_or_else(num_traits::Float::nan))
    }
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct Extreme {
    max: bool,
}
impl<T: Number> Fold<T> for Extreme {
    type Acc = T;
    type Out = T;
    const NEEDS_ELEMENTS: bool = true;
    fn init(&self) -> T {
        let (lo, hi) = T::bounds();
        if self.max { lo } else { hi }
    }
    fn step(&self, a: T, x: T, _: u64) -> T {
        self.merge(a, x)
    }
    fn merge(&self, a: T, b: T) -> T {
        // NaN propagates, as in NumPy.
        if a.is_nan() || (!b.is_nan() && if self.max { a >= b } else { a <= b }) { a } else { b }
    }
    fn finish(&self, a: T) -> std::result::Result<T, String> {
        Ok(a)
    }
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct ArgExtreme {
    max: bool,
}
impl<T: Number> Fold<T> for ArgExtreme {
    /// The best value so far, its position, and whether there is one.
    type Acc = (T, u64, bool);
    type Out = i64;
    const NEEDS_ELEMENTS: bool = true;
    fn init(&self) -> Self::Acc {
        (T::zero(), 0, false)
    }
    fn step(&self, a: Self::Acc, x: T, j: u64) -> Self::Acc {
        self.merge(a, (x, j, true))
    }
    fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc {
        // The first of equal values wins and the first NaN wins over everything, by position
        // in the array: partials do not arrive in that order when blocks cut a later axis.
        let better = |x: T, y: T| if self.max { x > y } else { x < y };
        let b_wins = match (a.2, b.2) {
            (false, _) => true,
            (_, false) => false,
            _ => match (a.0.is_nan(), b.0.is_nan()) {
                (true, true) => b.1 < a.1,
                (true, false) => false,
                (false, true) => true,
                (false, false) => better(b.0, a.0) || (b.0 == a.0 && b.1 < a.1),
            },
        };
        if b_wins { b } else { a }
    }
    fn finish(&self, a: Self::Acc) -> std::result::Result<i64, String> {
        Ok(a.1 as i64)
    }
    fn relocate(&self, a: Self::Acc, global: &dyn Fn(u64) -> u64) -> Self::Acc {
        (a.0, global(a.1), a.2)
    }
}

impl<T: Number> Array<T> {
    /// The sum along `axes` (see [`Axes`]); an integer sum that overflows the element type
    /// is an error (see [`Number`]).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[1, 2, 3], [4, 5, 6]], 1)?;
    /// assert_eq!(x.sum(0).to_vec()?, [5, 7, 9]);
    /// assert_eq!(x.sum(da::axis(1).keepdims()).compute()?, ndarray::array![[6], [15]].into_dyn());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn sum(&self, axes: impl Into<Axes>) -> Array<T> {
        self.fold("sum", Sum, &axes.into())
    }

    /// The mean along `axes` (`f64` for integers, as NumPy); NaN over no elements.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[1, 2], [3, 5]], 1)?;
    /// assert_eq!(x.mean(0).to_vec()?, [2.0, 3.5]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn mean(&self, axes: impl Into<Axes>) -> Array<T::Mean> {
        self.fold("mean", Moments { var_ddof: None, sqrt: false }, &axes.into())
    }

    /// The variance along `axes`, divided by `n - ddof` (see [`Axes::ddof`]).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![1.0f64, 2.0, 3.0, 4.0], 3)?;
    /// assert_eq!(x.var(da::All).item()?, 1.25);
    /// assert!((x.var(da::All.ddof(1)).item()? - 5.0 / 3.0).abs() < 1e-12);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn var(&self, axes: impl Into<Axes>) -> Array<T::Mean> {
        let a = axes.into();
        self.fold("var", Moments { var_ddof: Some(a.ddof), sqrt: false }, &a)
    }

    /// The standard deviation along `axes` (the square root of [`var`](Self::var)).
    pub fn std(&self, axes: impl Into<Axes>) -> Array<T::Mean> {
        let a = axes.into();
        self.fold("std", Moments { var_ddof: Some(a.ddof), sqrt: true }, &a)
    }

    /// The smallest element along `axes` (NaN if any is NaN); an error over no elements.
    pub fn min(&self, axes: impl Into<Axes>) -> Array<T> {
        self.fold("min", Extreme { max: false }, &axes.into())
    }

    /// The largest element along `axes` (NaN if any is NaN); an error over no elements.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[1, 9], [7, 3]], 1)?;
    /// assert_eq!(x.max(1).to_vec()?, [9, 7]);
    /// assert_eq!(x.min(da::All).item()?, 1);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn max(&self, axes: impl Into<Axes>) -> Array<T> {
        self.fold("max", Extreme { max: true }, &axes.into())
    }

    /// The position of the largest element along one axis, or in the flattened array with
    /// [`All`] (the first one among equals; the first NaN if there is one).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[1, 9, 9], [7, 3, 8]], [1, 2])?;
    /// assert_eq!(x.argmax(1).to_vec()?, [1, 2]);
    /// assert_eq!(x.argmax(da::All).item()?, 1);
    /// assert_eq!(x.argmin(da::All).item()?, 0);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn argmax(&self, axes: impl Into<Axes>) -> Array<i64> {
        self.arg("argmax", true, axes.into())
    }

    /// The position of the smallest element (see [`argmax`](Self::argmax)).
    pub fn argmin(&self, axes: impl Into<Axes>) -> Array<i64> {
        self.arg("argmin", false, axes.into())
    }

    fn arg(&self, op: &'static str, max: bool, along: Axes) -> Array<i64> {
        if along.axes.as_ref().is_some_and(|a| a.len() > 1) {
            return Array::invalid(op, "takes one axis, or All for the flattened array");
        }
        self.fold(op, ArgExtreme { max }, &along)
    }
}

impl<T: Float> Array<T> {
    /// The square root of the sum of squares along `axes`: the 2-norm of vectors, the
    /// Frobenius norm of matrices (see [`linalg::norm`](super::linalg::norm) for others).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::from_array(ndarray::array![[3.0, 4.0], [6.0, 8.0]], 1)?;
    /// assert_eq!(x.norm(da::axis(1).keepdims()).compute()?, ndarray::array![[5.0], [10.0]].into_dyn());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn norm(&self, axes: impl Into<Axes>) -> Array<T> {
        self.fold("norm", SumSquares, &axes.into())
    }
}
