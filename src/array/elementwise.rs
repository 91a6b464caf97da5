//! Element-wise operations: arithmetic and comparisons between arrays with NumPy's
//! broadcasting rules, with scalars, and math functions. One task per output block; a block
//! an operation owns alone (the last reader of its input) is updated in place.

use std::ops;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Zip};

use super::chunks::{Grid, check_count, show};
use super::rechunk::common;
use super::{Array, Element, Float, Number, fail, input};
use crate::value::Value;

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
    /// `f` on each element with a block's whole inputs: the general element-wise layer.
    fn zip_with<B, C, F>(&self, op: &'static str, other: &Array<B>, f: F) -> Array<C>
    where
        B: Element,
        C: Element,
        F: Fn(ArrayD<T>, ArrayD<B>, &[usize]) -> ArrayD<C> + Send + Sync + 'static,
    {
        let Aligned { grid, a, b } = match align(self, other) {
            Ok(x) => x,
            Err(e) => return Array::invalid(op, e),
        };
        let (ga, gb) = match (a.grid(), b.grid()) {
            (Ok(x), Ok(y)) => (x.clone(), y.clone()),
            (Err(e), _) | (_, Err(e)) => return Array::invalid(op, e),
        };
        let f = Arc::new(f);
        let g = grid.clone();
        Array::layer(
            op,
            grid,
            |idx| vec![a.blocks()[source(&ga, idx)].clone(), b.blocks()[source(&gb, idx)].clone()],
            |idx| {
                let f = f.clone();
                let shape = g.block_shape(idx);
                Box::new(move |inputs: Vec<Value>| {
                    let mut it = inputs.into_iter();
                    let (x, y) = (it.next(), it.next());
                    let (Some(x), Some(y)) = (x, y) else { return Err(fail("an element-wise task needs two inputs")) };
                    Ok(f(input::<T>(x)?, input::<B>(y)?, &shape))
                })
            },
        )
    }

    /// `f` on each pair of elements, the result of the same type: written into whichever
    /// input block already has the output's shape.
    pub(crate) fn zip_same(
        &self,
        op: &'static str,
        other: &Array<T>,
        f: impl Fn(T, T) -> T + Copy + Send + Sync + 'static,
    ) -> Array<T> {
        self.zip_with(op, other, move |mut x, mut y, shape| {
            if x.shape() == shape {
                Zip::from(&mut x).and_broadcast(&y).for_each(|a, &b| *a = f(*a, b));
                x
            } else if y.shape() == shape {
                Zip::from(&mut y).and_broadcast(&x).for_each(|b, &a| *b = f(a, *b));
                y
            } else {
                pair_map(&x, &y, shape, f)
            }
        })
    }

    /// `f` on each pair of elements, into a new block.
    fn zip_map<C: Element>(
        &self,
        op: &'static str,
        other: &Array<T>,
        f: impl Fn(T, T) -> C + Copy + Send + Sync + 'static,
    ) -> Array<C> {
        self.zip_with(op, other, move |x, y, shape| pair_map(&x, &y, shape, f))
    }

    /// `f` on every element, in place.
    pub(crate) fn map_same(&self, op: &'static str, f: impl Fn(T) -> T + Send + Sync + 'static) -> Array<T> {
        let f = Arc::new(f);
        self.map_layer(op, move |mut b: ArrayD<T>| {
            b.mapv_inplace(|x| f(x));
            Ok(b)
        })
    }

    /// One task per block applying `f`, with the same grid.
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

    /// `f` applied to every element, into an array of another type.
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

    fn compare(&self, op: &'static str, other: Operand<T>, f: fn(&T, &T) -> bool) -> Array<bool> {
        match other {
            Operand::Array(o) => self.zip_map(op, &o, move |a, b| f(&a, &b)),
            Operand::Scalar(s) => self.map_layer(op, move |b: ArrayD<T>| Ok(b.mapv(|a| f(&a, &s)))),
        }
    }

    /// `self > other`, element by element (`other` an array, broadcast, or a scalar).
    pub fn gt(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare("gt", other.into(), T::gt)
    }

    /// `self >= other`, element by element.
    pub fn ge(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare("ge", other.into(), T::ge)
    }

    /// `self < other`, element by element.
    pub fn lt(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare("lt", other.into(), T::lt)
    }

    /// `self <= other`, element by element.
    pub fn le(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare("le", other.into(), T::le)
    }

    /// `self == other`, element by element.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare("eq", other.into(), T::eq)
    }

    /// `self != other`, element by element.
    pub fn ne(&self, other: impl Into<Operand<T>>) -> Array<bool> {
        self.compare("ne", other.into(), T::ne)
    }

    /// Whether each element is NaN (always false for integers).
    pub fn isnan(&self) -> Array<bool> {
        self.map_layer("isnan", |b: ArrayD<T>| Ok(b.mapv(T::is_nan)))
    }
}

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

impl<T: Number> Array<T> {
    /// The absolute value of each element.
    pub fn abs(&self) -> Array<T> {
        self.map_same("abs", T::abs_value)
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
        self.map_same("clip", move |x| {
            if x < min {
                min
            } else if x > max {
                max
            } else {
                x
            }
        })
    }

    /// The larger of the two sides, element by element (NaN wins, as NumPy's `maximum`).
    pub fn maximum(&self, other: impl Into<Operand<T>>) -> Array<T> {
        let f = |a: T, b: T| if a.is_nan() || a >= b { a } else { b };
        self.with(other.into(), "maximum", f)
    }

    /// The smaller of the two sides, element by element (NaN wins).
    pub fn minimum(&self, other: impl Into<Operand<T>>) -> Array<T> {
        let f = |a: T, b: T| if a.is_nan() || a <= b { a } else { b };
        self.with(other.into(), "minimum", f)
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
        self.map_layer("astype", |b: ArrayD<T>| {
            let mut bad = None;
            let out = b.mapv(|x| {
                num_traits::cast::<T, U>(x).unwrap_or_else(|| {
                    bad.get_or_insert(x);
                    U::zero()
                })
            });
            match bad {
                None => Ok(out),
                Some(x) => Err(fail(format!("astype: {x} does not fit {}", U::DTYPE))),
            }
        })
    }

    fn with(
        &self,
        other: Operand<T>,
        op: &'static str,
        f: impl Fn(T, T) -> T + Copy + Send + Sync + 'static,
    ) -> Array<T> {
        match other {
            Operand::Array(o) => self.zip_same(op, &o, f),
            Operand::Scalar(s) => self.map_same(op, move |x| f(x, s)),
        }
    }
}

macro_rules! float_fns {
    ($($name:ident $doc:literal),*) => {
        impl<T: Float> Array<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self) -> Array<T> {
                    self.map_same(stringify!($name), |x| num_traits::Float::$name(x))
                }
            )*

            /// Each element to the power `n`.
            pub fn powi(&self, n: i32) -> Array<T> {
                self.map_same("powi", move |x| num_traits::Float::powi(x, n))
            }

            /// Each element to the power `p`.
            pub fn powf(&self, p: T) -> Array<T> {
                self.map_same("powf", move |x| num_traits::Float::powf(x, p))
            }
        }
    };
}

float_fns!(
    sqrt "The square root of each element.",
    exp "e to the power of each element.",
    ln "The natural logarithm of each element.",
    log10 "The base-10 logarithm of each element.",
    log2 "The base-2 logarithm of each element.",
    sin "The sine of each element.",
    cos "The cosine of each element.",
    tan "The tangent of each element.",
    tanh "The hyperbolic tangent of each element.",
    floor "Each element rounded down.",
    ceil "Each element rounded up.",
    round "Each element rounded to the nearest integer (halves away from zero)."
);

impl Array<bool> {
    /// `self && other`, element by element.
    pub fn and(&self, other: &Array<bool>) -> Array<bool> {
        self.zip_same("and", other, |a, b| a && b)
    }

    /// `self || other`, element by element.
    pub fn or(&self, other: &Array<bool>) -> Array<bool> {
        self.zip_same("or", other, |a, b| a || b)
    }

    /// `!self`, element by element.
    pub fn not(&self) -> Array<bool> {
        self.map_same("not", |a| !a)
    }
}

macro_rules! arithmetic {
    ($($Trait:ident $method:ident $op:tt $name:literal),*) => {$(
        impl<T: Number> ops::$Trait<&Array<T>> for &Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: &Array<T>) -> Array<T> {
                self.zip_same($name, rhs, |a, b| a $op b)
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
                self.map_same($name, move |a| a $op rhs)
            }
        }
        impl<T: Number> ops::$Trait<T> for Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                (&self).$method(rhs)
            }
        }
        arithmetic!(@left $Trait $method $op $name: f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);
    )*};
    (@left $Trait:ident $method:ident $op:tt $name:literal: $($t:ty),*) => {$(
        impl ops::$Trait<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn $method(self, rhs: &Array<$t>) -> Array<$t> {
                rhs.map_same($name, move |b| self $op b)
            }
        }
        impl ops::$Trait<Array<$t>> for $t {
            type Output = Array<$t>;
            fn $method(self, rhs: Array<$t>) -> Array<$t> {
                rhs.map_same($name, move |b| self $op b)
            }
        }
    )*};
}

arithmetic!(Add add + "add", Sub sub - "sub", Mul mul * "mul", Div div / "truediv", Rem rem % "mod");

impl<T: Number + ops::Neg<Output = T>> ops::Neg for &Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        self.map_same("neg", |a| -a)
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
