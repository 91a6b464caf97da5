//! Linear algebra on chunked arrays (`da::linalg`): vector and matrix norms, and the
//! tall-and-skinny QR and SVD (TSQR: a QR per row block, then one QR of the stacked `R`s,
//! as Dask's `tsqr`).

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Ix2, SliceInfoElem, s};
use serde::{Deserialize, Serialize};

use super::chunks::{Grid, show};
use super::dense;
use super::reduce::{Axes, SumOf};
use super::task::BlockTask;
use super::{Array, Float, fail, input_ref};
use crate::error::{Error, Result, TaskError};
use crate::key::Key;
use crate::node::Node;
use crate::remote::{Builtin, Decoder, decoder};
use crate::value::{Value, take, value};

/// Which norm, as NumPy's `ord=`.
///
/// For vectors (one axis): `P(p)` is `(Σ|x|^p)^(1/p)`, `P(0.0)` counts the non-zero
/// elements, `Inf`/`NegInf` are the largest/smallest `|x|`. For matrices (two axes): `Fro`,
/// `P(1.0)`/`P(-1.0)` the largest/smallest column sum of `|x|`, `Inf`/`NegInf` the
/// largest/smallest row sum. `Default` is the 2-norm of vectors and Frobenius of matrices.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum NormOrd {
    /// The 2-norm of vectors, the Frobenius norm of matrices (NumPy's `ord=None`).
    #[default]
    Default,
    /// The Frobenius norm (matrices only).
    Fro,
    /// `inf`.
    Inf,
    /// `-inf`.
    NegInf,
    /// A number.
    P(f64),
}

/// The norm of `x` along `axes` (one axis: vectors; two axes: matrices; [`All`](super::All):
/// the whole array as a vector, or as a matrix with an explicit `ord` on a 2-D array).
///
/// ```
/// use rask::prelude::*;
/// use rask::array::linalg::{NormOrd, norm};
/// let x = da::from_array(ndarray::array![[1.0, -2.0], [-3.0, 4.0]], 1)?;
/// assert_eq!(norm(&x, NormOrd::P(1.0), 1).to_vec()?, [3.0, 7.0]);       // per row
/// assert_eq!(norm(&x, NormOrd::Inf, da::All).item()?, 7.0);                      // max row sum
/// assert_eq!(norm(&x, NormOrd::P(1.0), da::All).item()?, 6.0);                   // max column sum
/// assert!((norm(&x, NormOrd::Fro, da::All).item()? - 30f64.sqrt()).abs() < 1e-12);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn norm<T: Float>(x: &Array<T>, ord: NormOrd, axes: impl Into<Axes>) -> Array<T> {
    let axes = axes.into();
    let ndim = match x.grid() {
        Ok(g) => g.ndim(),
        Err(e) => return Array::invalid("norm", e),
    };
    let red = match axes.resolve(ndim) {
        Ok(r) => r,
        Err(e) => return Array::invalid("norm", e),
    };
    let keep = axes.keeps();
    let whole = axes.is_all();
    if whole && ord == NormOrd::Default {
        return x.norm(axes);
    }
    match red.len() {
        1 => vector_norm(x, ord, red[0], keep),
        2 => matrix_norm(x, ord, red[0], red[1], keep),
        _ => Array::invalid("norm", format!("ord {ord:?} needs one or two axes (the array has {ndim} dimensions)")),
    }
}

fn vector_norm<T: Float>(x: &Array<T>, ord: NormOrd, a: usize, keep: bool) -> Array<T> {
    let along = if keep { super::axis(a as isize).keepdims() } else { super::axis(a as isize) };
    match ord {
        NormOrd::Default => x.norm(along),
        NormOrd::P(2.0) => x.norm(along),
        NormOrd::Inf => x.abs().max(along),
        NormOrd::NegInf => x.abs().min(along),
        NormOrd::P(1.0) => x.abs().sum(along),
        NormOrd::P(p) => x.fold("norm", SumOf { p }, &along),
        NormOrd::Fro => Array::invalid("norm", "the Frobenius norm is for matrices (two axes)"),
    }
}

fn matrix_norm<T: Float>(x: &Array<T>, ord: NormOrd, r: usize, c: usize, keep: bool) -> Array<T> {
    let both = super::axes([r as isize, c as isize]).keepdims();
    let out = match ord {
        NormOrd::Default | NormOrd::Fro => x.norm(both),
        // Column sums (over rows), then the largest or smallest.
        NormOrd::P(1.0) => x.abs().sum(super::axis(r as isize).keepdims()).max(super::axis(c as isize).keepdims()),
        NormOrd::P(-1.0) => x.abs().sum(super::axis(r as isize).keepdims()).min(super::axis(c as isize).keepdims()),
        NormOrd::Inf => x.abs().sum(super::axis(c as isize).keepdims()).max(super::axis(r as isize).keepdims()),
        NormOrd::NegInf => x.abs().sum(super::axis(c as isize).keepdims()).min(super::axis(r as isize).keepdims()),
        NormOrd::P(p) => {
            return Array::invalid(
                "norm",
                format!(
                    "matrix norm ord {p} is not supported (use Fro, 1, -1, Inf or NegInf; linalg::svd gives singular values)"
                ),
            );
        }
    };
    if keep { out } else { squeeze(&out, &[r, c]) }
}

/// `x` without the axes `gone` (each of length 1).
fn squeeze<T: super::Element>(x: &Array<T>, gone: &[usize]) -> Array<T> {
    let info: Vec<SliceInfoElem> = (0..x.ndim())
        .map(|a| if gone.contains(&a) { SliceInfoElem::Index(0) } else { SliceInfoElem::from(..) })
        .collect();
    x.slice(info)
}

/// The pieces of a TSQR shared by `qr` and `svd`: per row block `(q_i, r_i)`, and the QR of
/// the stacked `r_i`s.
struct Tsqr {
    grid: Grid,
    blocks: Vec<Arc<Node>>,
    stacked: Arc<Node>,
    n: usize,
}

type Pair<T> = (ArrayD<T>, ArrayD<T>);
type Three<T> = (ArrayD<T>, ArrayD<T>, ArrayD<T>);

/// One step of a TSQR or SVD, as data.
#[derive(Clone, Serialize, Deserialize)]
enum Step {
    /// A row block's `(q, r)`.
    BlockQr,
    /// The `(q, r)` of the inputs' `r`s stacked.
    StackedQr,
    /// Block `i` of `Q`: the block's `q` times rows `i·n..(i+1)·n` of the stacked `q`
    /// (times the small SVD's `u` when there is a third input).
    Q { i: usize, n: usize },
    /// The small SVD `(u, s, vt)` of the stacked `r`.
    SmallSvd,
    /// Part `k` of the input pair or triple.
    Part(usize),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct LinalgTask<T: Float> {
    step: Step,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Float> LinalgTask<T> {
    fn new(step: Step) -> Self {
        LinalgTask { step, _element: PhantomData }
    }
}

impl<T: Float> BlockTask for LinalgTask<T> {
    type Out = T;
}

fn matrix<T: Float>(a: ArrayD<T>) -> std::result::Result<ndarray::Array2<T>, TaskError> {
    a.into_dimensionality::<Ix2>().map_err(|e| fail(e.to_string()))
}

impl<T: Float> Builtin for LinalgTask<T> {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        let mut it = inputs.into_iter();
        let mut next = || it.next().ok_or_else(|| fail("a TSQR step is missing an input"));
        let pair = |v: Value| take::<Pair<T>>(v).map_err(|e| fail(e.to_string()));
        match self.step {
            Step::BlockQr => {
                let b = next()?;
                let b = input_ref::<T>(&b)?.view().into_dimensionality::<Ix2>().map_err(|e| fail(e.to_string()))?;
                let (q, r) = dense::qr(b);
                Ok(value::<Pair<T>>((q.into_dyn(), r.into_dyn())))
            }
            Step::StackedQr => {
                let rs: Vec<ArrayD<T>> = it.map(|v| pair(v).map(|p| p.1)).collect::<std::result::Result<_, _>>()?;
                let views: Vec<_> = rs.iter().map(|r| r.view()).collect();
                let all = matrix(ndarray::concatenate(ndarray::Axis(0), &views).map_err(|e| fail(e.to_string()))?)?;
                let (q, r) = dense::qr(all.view());
                Ok(value::<Pair<T>>((q.into_dyn(), r.into_dyn())))
            }
            Step::Q { i, n } => {
                let qi = matrix(pair(next()?)?.0)?;
                let q2 = matrix(pair(next()?)?.0)?;
                let mut q = qi.dot(&q2.slice(s![i * n..(i + 1) * n, ..]));
                if let Ok(v) = next() {
                    let (u, _, _) = take::<Three<T>>(v).map_err(|e| fail(e.to_string()))?;
                    q = q.dot(&matrix(u)?);
                }
                Ok(value(q.into_dyn()))
            }
            Step::SmallSvd => {
                let r = matrix(pair(next()?)?.1)?;
                let (u, s, vt) = dense::svd(r.view());
                Ok(value::<Three<T>>((u.into_dyn(), s.into_dyn(), vt.into_dyn())))
            }
            Step::Part(k) => {
                let v = next()?;
                let part = match (v.downcast_ref::<Pair<T>>(), v.downcast_ref::<Three<T>>()) {
                    (Some(p), _) => [&p.0, &p.1].get(k).map(|a| (*a).clone()),
                    (_, Some(t)) => [&t.0, &t.1, &t.2].get(k).map(|a| (*a).clone()),
                    _ => None,
                };
                part.map(value).ok_or_else(|| fail(format!("a TSQR step has no part {k}")))
            }
        }
    }
}

/// The decoders of the TSQR steps, and the codecs of their pairs and triples of blocks.
pub(super) fn decoders() -> [(&'static str, Decoder); 2] {
    [decoder::<LinalgTask<f32>>(), decoder::<LinalgTask<f64>>()]
}

pub(super) fn codecs() -> Vec<(std::any::TypeId, crate::codec::Codec)> {
    use crate::codec::serde_entry as c;
    vec![c::<Pair<f32>>(), c::<Pair<f64>>(), c::<Three<f32>>(), c::<Three<f64>>()]
}

fn node<T: Float>(name: &Arc<str>, idx: &[usize], deps: Vec<Arc<Node>>, step: Step) -> Arc<Node> {
    crate::remote::builtin_node(Key::block(name.clone(), idx), LinalgTask::<T>::new(step), deps)
}

fn tsqr<T: Float>(x: &Array<T>, op: &str) -> Result<Tsqr> {
    let g = x.grid()?;
    if g.ndim() != 2 {
        return Err(Error::Invalid(format!("{op}: needs a 2-D array, not shape {}", show(&g.shape))));
    }
    let n = g.shape[1];
    // One block across all columns.
    let x = x.rechunk_to(vec![g.chunks[0].clone(), vec![n]]);
    let grid = x.grid()?.clone();
    if let Some((i, &rows)) = grid.chunks[0].iter().enumerate().find(|&(_, &rows)| rows < n) {
        return Err(Error::Invalid(format!(
            "{op}: tall-and-skinny only: row block {i} has {rows} rows for {n} columns (rechunk to blocks of at least {n} rows)"
        )));
    }
    let name: Arc<str> = Key::unique(if op == "qr" { "qr-block" } else { "svd-block" }).to_string().into();
    let blocks: Vec<Arc<Node>> =
        x.blocks().iter().enumerate().map(|(i, b)| node::<T>(&name, &[i, 0], vec![b.clone()], Step::BlockQr)).collect();
    let stack_name: Arc<str> = Key::unique("qr-stack").to_string().into();
    let stacked = node::<T>(&stack_name, &[0], blocks.clone(), Step::StackedQr);
    Ok(Tsqr { grid, blocks, stacked, n })
}

impl Tsqr {
    /// `Q`: block i is `q_i · Q2[i]` (times `then`, for the SVD's `U`).
    fn q<T: Float>(&self, name: &'static str, then: Option<Arc<Node>>) -> Array<T> {
        let blocks = &self.blocks;
        Array::builtin_layer(
            name,
            self.grid.clone(),
            |idx| {
                let mut deps = vec![blocks[idx[0]].clone(), self.stacked.clone()];
                deps.extend(then.clone());
                deps
            },
            |idx| LinalgTask::new(Step::Q { i: idx[0], n: self.n }),
        )
    }
}

/// An array of one block: part `k` of one node's pair or triple.
fn single<T: Float>(name: &'static str, shape: Vec<usize>, from: Arc<Node>, k: usize) -> Array<T> {
    let grid = Grid { chunks: shape.iter().map(|&k| vec![k]).collect(), shape };
    Array::builtin_layer(name, grid, |_| vec![from.clone()], |_| LinalgTask::new(Step::Part(k)))
}

/// The QR factorisation of a tall-and-skinny 2-D array: `Q` (chunked by rows like `x`,
/// orthonormal columns) and `R` (n × n, upper triangular, non-negative diagonal), `x = Q R`.
/// Every row block needs at least as many rows as there are columns.
///
/// ```
/// use rask::prelude::*;
/// let x = da::random(&[200, 4], [50, 4], 1)?;
/// let (q, r) = da::linalg::qr(&x)?;
/// let back = q.matmul(&r).compute()?;
/// let want = x.compute()?;
/// assert!(back.iter().zip(want.iter()).all(|(a, b)| (a - b).abs() < 1e-10));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn qr<T: Float>(x: &Array<T>) -> Result<(Array<T>, Array<T>)> {
    let t = tsqr(x, "qr")?;
    let q = t.q("qr-q", None);
    let r = single("qr-r", vec![t.n, t.n], t.stacked.clone(), 1);
    Ok((q, r))
}

/// The thin SVD of a tall-and-skinny 2-D array: `U` (chunked by rows like `x`), the
/// singular values `S` in decreasing order, and `Vt` (n × n), `x = U diag(S) Vt`. Built on
/// [`qr`]: the SVD of the small `R` (one-sided Jacobi) and `U = Q U_R`.
///
/// ```
/// use rask::prelude::*;
/// let x = da::from_array(ndarray::array![[3.0, 0.0], [0.0, -2.0], [0.0, 0.0], [0.0, 0.0]], [2, 2])?;
/// let (_u, s, _vt) = da::linalg::svd(&x)?;
/// assert_eq!(s.to_vec()?, [3.0, 2.0]);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn svd<T: Float>(x: &Array<T>) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let t = tsqr(x, "svd")?;
    let name: Arc<str> = Key::unique("svd-r").to_string().into();
    let small = node::<T>(&name, &[0], vec![t.stacked.clone()], Step::SmallSvd);
    let u = t.q("svd-u", Some(small.clone()));
    let s = single("svd-s", vec![t.n], small.clone(), 1);
    let vt = single("svd-vt", vec![t.n, t.n], small, 2);
    Ok((u, s, vt))
}
