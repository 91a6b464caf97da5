//! Element-wise operations: arithmetic and comparisons between arrays with NumPy's
//! broadcasting rules, with scalars, and math functions. One task per output block; a block
//! an operation owns alone (the last reader of its input) is updated in place. Every
//! operation but `mapv` is a task as data (`NumberTask`, `CompareTask`, `LogicTask`,
//! `FloatTask`, `Astype`), which a Dask cluster's workers run too.

use std::marker::PhantomData;
use std::ops;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Zip};
use serde::{Deserialize, Serialize};

use super::chunks::{Grid, check_count, show};
use super::rechunk::common;
use super::task::BlockTask;
use super::{Array, Element, Float, Number, fail, input};
use crate::error::TaskError;
use crate::remote::{Builtin, Decoder, decoder};
use crate::value::{Value, value};

/// The other side of an element-wise operation: an array or a scalar.
///
/// ```
/// use rask::prelude::*;
/// let x = da::arange(0, 4, 1, 2)?;
/// assert_eq!(x.gt(1).to_vec()?, [false, false, true, true]);
/// assert_eq!(x.eq(&x).to_vec()?, [true; 4]);
/// # Ok::<(), rask::Error>(())
/// ```
pub enum Operand<T> {
    /// An array, broadcast against the other side.
    Array(Array<T>),
    /// One value for every element.
    Scalar(T),
}

impl<T: Element> From<&Array<T>> for Operand<T> {
    fn from(a: &Array<T>) -> Self {
        Operand::Array(a.clone())
    }
}

impl<T: Element> From<Array<T>> for Operand<T> {
    fn from(a: Array<T>) -> Self {
        Operand::Array(a)
    }
}

impl<T: Element> From<T> for Operand<T> {
    fn from(x: T) -> Self {
        Operand::Scalar(x)
    }
}

/// NumPy's broadcast of two shapes, or `None` when they do not broadcast.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let nd = a.len().max(b.len());
    (0..nd)
        .map(|d| {
            let x = (d + a.len()).checked_sub(nd).map_or(1, |i| a[i]);
            let y = (d + b.len()).checked_sub(nd).map_or(1, |i| b[i]);
            match (x, y) {
                _ if x == y => Some(x),
                (1, _) => Some(y),
                (_, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
}

/// Two arrays made ready for an element-wise operation: the output grid, and both arrays
/// with common blocks along the axes they share.
struct Aligned<A, B> {
    grid: Grid,
    a: Array<A>,
    b: Array<B>,
}

fn align<A: Element, B: Element>(a: &Array<A>, b: &Array<B>) -> std::result::Result<Aligned<A, B>, String> {
    let (ga, gb) = (a.grid().map_err(|e| e.to_string())?, b.grid().map_err(|e| e.to_string())?);
    let shape = broadcast_shapes(&ga.shape, &gb.shape).ok_or_else(|| {
        format!("operands could not be broadcast together with shapes {} {}", show(&ga.shape), show(&gb.shape))
    })?;
    let nd = shape.len();
    let (mut ca, mut cb) = (ga.chunks.clone(), gb.chunks.clone());
    let mut chunks = Vec::with_capacity(nd);
    for (d, &n) in shape.iter().enumerate() {
        let ia = (d + ga.ndim()).checked_sub(nd);
        let ib = (d + gb.ndim()).checked_sub(nd);
        // An axis of length 1 (or a missing one) is stretched; it is one block of 1.
        let own_a = ia.filter(|&i| ga.shape[i] == n && (n != 1 || ib.is_none_or(|j| gb.shape[j] != 1)));
        let own_b = ib.filter(|&i| gb.shape[i] == n);
        let c = match (own_a, own_b) {
            (Some(i), Some(j)) => {
                let c = common(&ca[i], &cb[j]);
                ca[i] = c.clone();
                cb[j] = c.clone();
                c
            }
            (Some(i), None) => ca[i].clone(),
            (None, Some(j)) => cb[j].clone(),
            (None, None) => vec![n],
        };
        chunks.push(c);
    }
    check_count(&chunks)?;
    Ok(Aligned { grid: Grid { shape, chunks }, a: a.rechunk_to(ca), b: b.rechunk_to(cb) })
}

/// The block of `g` (an input of an element-wise operation) that output block `idx` reads:
/// block 0 along stretched axes.
fn source(g: &Grid, idx: &[usize]) -> usize {
    let skip = idx.len() - g.ndim();
    let own: Vec<usize> =
        g.chunks.iter().enumerate().map(|(i, c)| if c.len() == 1 { 0 } else { idx[skip + i] }).collect();
    g.flat(&own)
}

impl<T: Element> Array<T> {
    /// One task per output block of `self` and `other` broadcast together: `task(shape)`,
    /// given the output block's shape, with the two blocks it reads as inputs.
    fn zip_layer<B: Element, K: BlockTask>(
        &self,
        op: &'static str,
        other: &Array<B>,
        task: impl Fn(Vec<usize>) -> K,
    ) -> Array<K::Out> {
        let Aligned { grid, a, b } = match align(self, other) {
            Ok(x) => x,
            Err(e) => return Array::invalid(op, e),
        };
        let (ga, gb) = match (a.grid(), b.grid()) {
            (Ok(x), Ok(y)) => (x.clone(), y.clone()),
            (Err(e), _) | (_, Err(e)) => return Array::invalid(op, e),
        };
        let g = grid.clone();
        Array::<K::Out>::builtin_layer(
            op,
            grid,
            |idx| vec![a.blocks()[source(&ga, idx)].clone(), b.blocks()[source(&gb, idx)].clone()],
            |idx| task(g.block_shape(idx)),
        )
    }

    /// One task per block, `task` on it, with the same grid.
    fn map_task<K: BlockTask + Clone>(&self, op: &'static str, task: K) -> Array<K::Out> {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid(op, e),
        };
        let (blocks, g) = (self.blocks(), grid.clone());
        Array::<K::Out>::builtin_layer(op, grid, |idx| vec![blocks[g.flat(idx)].clone()], |_| task.clone())
    }

    /// One task per block applying `f` (a closure: it runs only in this process), with the
    /// same grid.
    pub(crate) fn map_layer<U: Element>(
        &self,
        op: &'static str,
        f: impl Fn(ArrayD<T>) -> std::result::Result<ArrayD<U>, crate::error::TaskError> + Send + Sync + 'static,
    ) -> Array<U> {
        let grid = match self.grid() {
            Ok(g) => g.clone(),
            Err(e) => return Array::invalid(op, e),
        };
        let f = Arc::new(f);
        let blocks = self.blocks();
        let g = grid.clone();
        Array::layer(
            op,
            grid,
            |idx| vec![blocks[g.flat(idx)].clone()],
            |_| {
                let f = f.clone();
                Box::new(move |mut inputs: Vec<Value>| f(input::<T>(inputs.remove(0))?))
            },
        )
    }

    /// `f` applied to every element, into an array of another type. `f` is a closure, so
    /// the result runs in this process only (not on a cluster).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0i32, 5, 1, 2)?;
    /// assert_eq!(x.mapv(|v| v % 2 == 0).to_vec()?, [true, false, true, false, true]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn mapv<U: Element>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Array<U> {
        self.map_layer("mapv", move |b: ArrayD<T>| Ok(b.mapv(&f)))
    }

    fn compare(&self, op: Compare, other: Operand<T>) -> Array<bool> {
        match other {
            Operand::Array(o) => self.zip_layer(op.name(), &o, |shape| CompareTask::<T>::Pair { op, shape }),
            Operand::Scalar(value) => self.map_task(op.name(), CompareTask::Scalar { op, value }),
        }
    }

    /// `self > other`, element by element (`other` an array, broadcast, or a scalar).
    pub fn gt(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare(Compare::Gt, other.into())
    }

    /// `self >= other`, element by element.
    pub fn ge(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare(Compare::Ge, other.into())
    }

    /// `self < other`, element by element.
    pub fn lt(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare(Compare::Lt, other.into())
    }

    /// `self <= other`, element by element.
    pub fn le(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare(Compare::Le, other.into())
    }

    /// `self == other`, element by element.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare(Compare::Eq, other.into())
    }

    /// `self != other`, element by element.
    pub fn ne(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare(Compare::Ne, other.into())
    }

    /// Whether each element is NaN (always false for integers).
    pub fn isnan(&self) -> Array<bool> {
        self.map_task("isnan", CompareTask::<T>::IsNan)
    }
}

/// `f` on each pair of elements of `x` and `y` broadcast to `shape`, into a new block.
fn pair_map<A: Element, B: Element, C: Element>(
    x: &ArrayD<A>,
    y: &ArrayD<B>,
    shape: &[usize],
    f: impl Fn(A, B) -> C,
) -> ArrayD<C> {
    let dim = IxDyn(shape);
    match (x.broadcast(dim.clone()), y.broadcast(dim)) {
        (Some(x), Some(y)) => Zip::from(&x).and(&y).map_collect(|&a, &b| f(a, b)),
        // The grid was built from the broadcast shapes, so both blocks broadcast.
        _ => unreachable!("blocks {} and {} do not broadcast to {}", show(x.shape()), show(y.shape()), show(shape)),
    }
}

/// `f` on each pair of elements, the result of the same type: written into whichever input
/// block already has the output's shape.
fn pair_same<T: Element>(mut x: ArrayD<T>, mut y: ArrayD<T>, shape: &[usize], f: impl Fn(T, T) -> T) -> ArrayD<T> {
    if x.shape() == shape {
        Zip::from(&mut x).and_broadcast(&y).for_each(|a, &b| *a = f(*a, b));
        x
    } else if y.shape() == shape {
        Zip::from(&mut y).and_broadcast(&x).for_each(|b, &a| *b = f(a, *b));
        y
    } else {
        pair_map(&x, &y, shape, f)
    }
}

/// The two input blocks of a pair task.
fn two<A: Element, B: Element>(inputs: Vec<Value>) -> std::result::Result<(ArrayD<A>, ArrayD<B>), TaskError> {
    let mut it = inputs.into_iter();
    match (it.next(), it.next()) {
        (Some(x), Some(y)) => Ok((input::<A>(x)?, input::<B>(y)?)),
        _ => Err(fail("an element-wise task needs two inputs")),
    }
}

/// The one input block of a map task.
fn one<A: Element>(inputs: Vec<Value>) -> std::result::Result<ArrayD<A>, TaskError> {
    input::<A>(inputs.into_iter().next().ok_or_else(|| fail("an element-wise task without its block"))?)
}

/// Arithmetic between two numbers of one type.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// The larger (NaN wins, as NumPy's `maximum`).
    Maximum,
    /// The smaller (NaN wins).
    Minimum,
}

impl Arith {
    fn apply<T: Number>(self, a: T, b: T) -> T {
        match self {
            Arith::Add => a + b,
            Arith::Sub => a - b,
            Arith::Mul => a * b,
            Arith::Div => a / b,
            Arith::Rem => a % b,
            Arith::Maximum => {
                if a.is_nan() || a >= b {
                    a
                } else {
                    b
                }
            }
            Arith::Minimum => {
                if a.is_nan() || a <= b {
                    a
                } else {
                    b
                }
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Arith::Add => "add",
            Arith::Sub => "sub",
            Arith::Mul => "mul",
            Arith::Div => "truediv",
            Arith::Rem => "mod",
            Arith::Maximum => "maximum",
            Arith::Minimum => "minimum",
        }
    }
}

/// A block task on numbers, as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) enum NumberTask<T: Number> {
    /// `op` between two blocks broadcast to `shape`.
    Pair {
        op: Arith,
        shape: Vec<usize>,
    },
    /// `x op value`, or `value op x` when `left`.
    Scalar {
        op: Arith,
        value: T,
        left: bool,
    },
    Neg,
    Abs,
    Clip {
        min: T,
        max: T,
    },
}

impl<T: Number> BlockTask for NumberTask<T> {
    type Out = T;
}

impl<T: Number> Builtin for NumberTask<T> {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        if let NumberTask::Pair { op, shape } = self {
            let (x, y) = two::<T, T>(inputs)?;
            return Ok(value(pair_same(x, y, shape, |a, b| op.apply(a, b))));
        }
        let mut b = one::<T>(inputs)?;
        match *self {
            NumberTask::Pair { .. } => unreachable!("handled above"),
            NumberTask::Scalar { op, value: s, left: false } => b.mapv_inplace(|x| op.apply(x, s)),
            NumberTask::Scalar { op, value: s, left: true } => b.mapv_inplace(|x| op.apply(s, x)),
            // -1 × x: exactly -x (a negative zero too); only made for signed types.
            NumberTask::Neg => b.mapv_inplace(|x| x * (T::zero() - T::one())),
            NumberTask::Abs => b.mapv_inplace(T::abs_value),
            NumberTask::Clip { min, max } => b.mapv_inplace(|x| {
                if x < min {
                    min
                } else if x > max {
                    max
                } else {
                    x
                }
            }),
        }
        Ok(value(b))
    }
}

/// A comparison.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) enum Compare {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Compare {
    fn apply<T: PartialOrd>(self, a: &T, b: &T) -> bool {
        match self {
            Compare::Gt => a > b,
            Compare::Ge => a >= b,
            Compare::Lt => a < b,
            Compare::Le => a <= b,
            Compare::Eq => a == b,
            Compare::Ne => a != b,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compare::Gt => "gt",
            Compare::Ge => "ge",
            Compare::Lt => "lt",
            Compare::Le => "le",
            Compare::Eq => "eq",
            Compare::Ne => "ne",
        }
    }
}

/// A block task giving `bool`s, as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) enum CompareTask<T: Element> {
    Pair { op: Compare, shape: Vec<usize> },
    Scalar { op: Compare, value: T },
    IsNan,
}

impl<T: Element> BlockTask for CompareTask<T> {
    type Out = bool;
}

impl<T: Element> Builtin for CompareTask<T> {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        Ok(value(match self {
            CompareTask::Pair { op, shape } => {
                let (x, y) = two::<T, T>(inputs)?;
                pair_map(&x, &y, shape, |a, b| op.apply(&a, &b))
            }
            CompareTask::Scalar { op, value: s } => one::<T>(inputs)?.mapv(|a| op.apply(&a, s)),
            CompareTask::IsNan => one::<T>(inputs)?.mapv(T::is_nan),
        }))
    }
}

/// A block task on `bool`s, as data.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) enum LogicTask {
    And { shape: Vec<usize> },
    Or { shape: Vec<usize> },
    Not,
}

impl BlockTask for LogicTask {
    type Out = bool;
}

impl Builtin for LogicTask {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        Ok(value(match self {
            LogicTask::And { shape } => {
                let (x, y) = two::<bool, bool>(inputs)?;
                pair_same(x, y, shape, |a, b| a && b)
            }
            LogicTask::Or { shape } => {
                let (x, y) = two::<bool, bool>(inputs)?;
                pair_same(x, y, shape, |a, b| a || b)
            }
            LogicTask::Not => one::<bool>(inputs)?.mapv(|a| !a),
        }))
    }
}

/// A math function of floats.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) enum FloatFn {
    Sqrt,
    Exp,
    Ln,
    Log10,
    Log2,
    Sin,
    Cos,
    Tan,
    Tanh,
    Floor,
    Ceil,
    Round,
    Powi(i32),
    Powf(f64),
}

/// A block task of a float function, as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct FloatTask<T: Float> {
    f: FloatFn,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Float> BlockTask for FloatTask<T> {
    type Out = T;
}

impl<T: Float> Builtin for FloatTask<T> {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        use num_traits::Float as F;
        let mut b = one::<T>(inputs)?;
        let p: T = match self.f {
            FloatFn::Powf(p) => num_traits::cast(p).unwrap_or_else(T::nan),
            _ => T::zero(),
        };
        match self.f {
            FloatFn::Sqrt => b.mapv_inplace(F::sqrt),
            FloatFn::Exp => b.mapv_inplace(F::exp),
            FloatFn::Ln => b.mapv_inplace(F::ln),
            FloatFn::Log10 => b.mapv_inplace(F::log10),
            FloatFn::Log2 => b.mapv_inplace(F::log2),
            FloatFn::Sin => b.mapv_inplace(F::sin),
            FloatFn::Cos => b.mapv_inplace(F::cos),
            FloatFn::Tan => b.mapv_inplace(F::tan),
            FloatFn::Tanh => b.mapv_inplace(F::tanh),
            FloatFn::Floor => b.mapv_inplace(F::floor),
            FloatFn::Ceil => b.mapv_inplace(F::ceil),
            FloatFn::Round => b.mapv_inplace(F::round),
            FloatFn::Powi(n) => b.mapv_inplace(|x| x.powi(n)),
            FloatFn::Powf(_) => b.mapv_inplace(|x| x.powf(p)),
        }
        Ok(value(b))
    }
}

/// The task converting a block of `T`s to `U`s, as data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct Astype<T: Number, U: Number> {
    #[serde(skip)]
    _types: PhantomData<fn(T) -> U>,
}

impl<T: Number, U: Number> BlockTask for Astype<T, U> {
    type Out = U;
}

impl<T: Number, U: Number> Builtin for Astype<T, U> {
    fn run(&self, inputs: Vec<Value>) -> std::result::Result<Value, TaskError> {
        let mut bad = None;
        let out = one::<T>(inputs)?.mapv(|x| {
            num_traits::cast::<T, U>(x).unwrap_or_else(|| {
                bad.get_or_insert(x);
                U::zero()
            })
        });
        match bad {
            None => Ok(value(out)),
            Some(x) => Err(fail(format!("astype: {x} does not fit {}", U::DTYPE))),
        }
    }
}

/// The decoders of every element-wise task, per element type.
pub(super) fn decoders() -> Vec<(&'static str, Decoder)> {
    macro_rules! casts {
        ($from:ty: $($to:ty),*) => { [$(decoder::<Astype<$from, $to>>(),)*] };
    }
    macro_rules! numbers {
        ($($t:ty),*) => {
            vec![$(
                decoder::<NumberTask<$t>>(),
                decoder::<CompareTask<$t>>(),
            )*]
            .into_iter()
            $(.chain(casts!($t: f32, f64, i8, i16, i32, i64, u8, u16, u32, u64)))*
            .collect::<Vec<_>>()
        };
    }
    let mut all = numbers!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);
    all.extend([
        decoder::<CompareTask<bool>>(),
        decoder::<LogicTask>(),
        decoder::<FloatTask<f32>>(),
        decoder::<FloatTask<f64>>(),
    ]);
    all
}

impl<T: Number> Array<T> {
    /// The absolute value of each element.
    pub fn abs(&self) -> Array<T> {
        self.map_task("abs", NumberTask::Abs)
    }

    /// Each element limited to `[min, max]`.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0, 6, 1, 4)?.clip(1, 3);
    /// assert_eq!(x.to_vec()?, [1, 1, 2, 3, 3, 3]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn clip(&self, min: T, max: T) -> Array<T> {
        self.map_task("clip", NumberTask::Clip { min, max })
    }

    /// The larger of the two sides, element by element (NaN wins, as NumPy's `maximum`).
    pub fn maximum(&self, other: impl Into<Operand<T>>) -> Array<T> {
        self.arith(Arith::Maximum, other.into())
    }

    /// The smaller of the two sides, element by element (NaN wins).
    pub fn minimum(&self, other: impl Into<Operand<T>>) -> Array<T> {
        self.arith(Arith::Minimum, other.into())
    }

    /// The elements converted to another number type; a value the type cannot hold (NaN or
    /// out of range for an integer) fails the task, naming the value.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::arange(0.0, 3.0, 1.0, 2)?.astype::<i32>();
    /// assert_eq!(x.to_vec()?, [0, 1, 2]);
    /// assert!(da::full(&[2], f64::NAN, 2)?.astype::<i32>().compute().is_err());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn astype<U: Number>(&self) -> Array<U> {
        self.map_task("astype", Astype::<T, U> { _types: PhantomData })
    }

    /// `self op other`, `other` an array (broadcast) or a scalar.
    fn arith(&self, op: Arith, other: Operand<T>) -> Array<T> {
        match other {
            Operand::Array(o) => self.zip_layer(op.name(), &o, |shape| NumberTask::Pair { op, shape }),
            Operand::Scalar(value) => self.map_task(op.name(), NumberTask::Scalar { op, value, left: false }),
        }
    }
}

macro_rules! float_fns {
    ($($name:ident $variant:ident $doc:literal),*) => {
        impl<T: Float> Array<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self) -> Array<T> {
                    self.float_fn(stringify!($name), FloatFn::$variant)
                }
            )*

            /// Each element to the power `n`.
            pub fn powi(&self, n: i32) -> Array<T> {
                self.float_fn("powi", FloatFn::Powi(n))
            }

            /// Each element to the power `p`.
            pub fn powf(&self, p: T) -> Array<T> {
                self.float_fn("powf", FloatFn::Powf(p.to_f64().unwrap_or(f64::NAN)))
            }

            fn float_fn(&self, op: &'static str, f: FloatFn) -> Array<T> {
                self.map_task(op, FloatTask { f, _element: PhantomData })
            }
        }
    };
}

float_fns!(
    sqrt Sqrt "The square root of each element.",
    exp Exp "e to the power of each element.",
    ln Ln "The natural logarithm of each element.",
    log10 Log10 "The base-10 logarithm of each element.",
    log2 Log2 "The base-2 logarithm of each element.",
    sin Sin "The sine of each element.",
    cos Cos "The cosine of each element.",
    tan Tan "The tangent of each element.",
    tanh Tanh "The hyperbolic tangent of each element.",
    floor Floor "Each element rounded down.",
    ceil Ceil "Each element rounded up.",
    round Round "Each element rounded to the nearest integer (halves away from zero)."
);

impl Array<bool> {
    /// `self && other`, element by element.
    pub fn and(&self, other: &Array<bool>) -> Array<bool> {
        self.zip_layer("and", other, |shape| LogicTask::And { shape })
    }

    /// `self || other`, element by element.
    pub fn or(&self, other: &Array<bool>) -> Array<bool> {
        self.zip_layer("or", other, |shape| LogicTask::Or { shape })
    }

    /// `!self`, element by element.
    pub fn not(&self) -> Array<bool> {
        self.map_task("not", LogicTask::Not)
    }
}

macro_rules! arithmetic {
    ($($Trait:ident $method:ident $op:ident),*) => {$(
        impl<T: Number> ops::$Trait<&Array<T>> for &Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: &Array<T>) -> Array<T> {
                self.arith(Arith::$op, Operand::Array(rhs.clone()))
            }
        }
        impl<T: Number> ops::$Trait<Array<T>> for Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: Array<T>) -> Array<T> {
                (&self).$method(&rhs)
            }
        }
        impl<T: Number> ops::$Trait<&Array<T>> for Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: &Array<T>) -> Array<T> {
                (&self).$method(rhs)
            }
        }
        impl<T: Number> ops::$Trait<Array<T>> for &Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: Array<T>) -> Array<T> {
                self.$method(&rhs)
            }
        }
        impl<T: Number> ops::$Trait<T> for &Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                self.arith(Arith::$op, Operand::Scalar(rhs))
            }
        }
        impl<T: Number> ops::$Trait<T> for Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                (&self).$method(rhs)
            }
        }
        arithmetic!(@left $Trait $method $op: f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);
    )*};
    (@left $Trait:ident $method:ident $op:ident: $($t:ty),*) => {$(
        impl ops::$Trait<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn $method(self, rhs: &Array<$t>) -> Array<$t> {
                rhs.map_task(Arith::$op.name(), NumberTask::Scalar { op: Arith::$op, value: self, left: true })
            }
        }
        impl ops::$Trait<Array<$t>> for $t {
            type Output = Array<$t>;
            fn $method(self, rhs: Array<$t>) -> Array<$t> {
                self.$method(&rhs)
            }
        }
    )*};
}

arithmetic!(Add add Add, Sub sub Sub, Mul mul Mul, Div div Div, Rem rem Rem);

impl<T: Number + ops::Neg<Output = T>> ops::Neg for &Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        self.map_task("neg", NumberTask::Neg)
    }
}

impl<T: Number + ops::Neg<Output = T>> ops::Neg for Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        -&self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_broadcasting() {
        assert_eq!(broadcast_shapes(&[4, 3], &[3]), Some(vec![4, 3]));
        assert_eq!(broadcast_shapes(&[4, 1], &[1, 5]), Some(vec![4, 5]));
        assert_eq!(broadcast_shapes(&[2, 1, 3], &[4, 1]), Some(vec![2, 4, 3]));
        assert_eq!(broadcast_shapes(&[4, 3], &[5]), None);
        assert_eq!(broadcast_shapes(&[], &[2]), Some(vec![2]));
    }
}
