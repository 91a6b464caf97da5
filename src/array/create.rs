//! Making arrays: from an ndarray in memory, constants (`zeros`, `ones`, `full`), ranges,
//! random numbers and delayed values. Constant and random blocks are made by their own
//! tasks, so a large array costs nothing until it is computed.

use std::sync::Arc;

use ndarray::ArrayD;

use super::chunks::{Chunks, Grid};
use super::task::Make;
use super::{Array, Element, Number};
use crate::delayed::Delayed;
use crate::error::{Error, Result};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::value::value;

/// An array over an ndarray in memory, cut into blocks (see [`Chunks`]).
///
/// ```
/// use rask::prelude::*;
/// let x = da::from_array(ndarray::Array2::<f64>::eye(4), [2, 4])?;
/// assert_eq!(x.chunks(), vec![vec![2, 2], vec![4]]);
/// assert_eq!(x.compute()?, ndarray::Array2::<f64>::eye(4).into_dyn());
/// # Ok::<(), rask::Error>(())
/// ```
pub fn from_array<T: Element, D: ndarray::Dimension>(
    a: ndarray::Array<T, D>,
    chunks: impl Into<Chunks>,
) -> Result<Array<T>> {
    let a = a.into_dyn();
    let grid = Grid::new(a.shape(), &chunks.into(), std::mem::size_of::<T>())?;
    let name: Arc<str> = Key::unique("array").to_string().into();
    let offsets: Vec<Vec<usize>> = (0..grid.ndim()).map(|ax| grid.offsets(ax)).collect();
    let blocks = (0..grid.len())
        .map(|flat| {
            let idx = grid.index(flat);
            let mut v = a.view();
            for (axis, &i) in idx.iter().enumerate() {
                v.slice_axis_inplace(ndarray::Axis(axis), ndarray::Slice::from(offsets[axis][i]..offsets[axis][i + 1]));
            }
            Node::new(Key::block(name.clone(), &idx), Op::Value(value(v.to_owned())), Vec::new())
        })
        .collect();
    Ok(Array::from_blocks(name, grid, blocks))
}

/// An array of `shape` filled with `fill`, each block made by its own task.
///
/// ```
/// use rask::prelude::*;
/// let x = da::full(&[3, 2], 7u8, 2)?;
/// assert_eq!(x.compute()?, ndarray::ArrayD::from_elem(vec![3, 2], 7u8));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn full<T: Element>(shape: &[usize], fill: T, chunks: impl Into<Chunks>) -> Result<Array<T>> {
    let grid = Grid::new(shape, &chunks.into(), std::mem::size_of::<T>())?;
    let g = grid.clone();
    Ok(Array::builtin_layer("full", grid, |_| Vec::new(), |idx| Make::Full { shape: g.block_shape(idx), fill }))
}

/// An array of zeros.
///
/// ```
/// use rask::prelude::*;
/// assert_eq!(da::zeros::<f32>(&[5], 2)?.sum(da::All).item()?, 0.0);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn zeros<T: Number>(shape: &[usize], chunks: impl Into<Chunks>) -> Result<Array<T>> {
    full(shape, T::zero(), chunks)
}

/// An array of ones.
///
/// ```
/// use rask::prelude::*;
/// assert_eq!(da::ones::<i32>(&[4, 5], 3)?.sum(da::All).item()?, 20);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn ones<T: Number>(shape: &[usize], chunks: impl Into<Chunks>) -> Result<Array<T>> {
    full(shape, T::one(), chunks)
}

/// The numbers `start, start + step, ...` below `stop` (above it for a negative step), as
/// NumPy's `arange`.
///
/// ```
/// use rask::prelude::*;
/// assert_eq!(da::arange(1.0, 2.0, 0.25, 3)?.to_vec()?, [1.0, 1.25, 1.5, 1.75]);
/// assert_eq!(da::arange(5i64, 0, -2, 3)?.to_vec()?, [5, 3, 1]);
/// assert!(da::arange(0, 5, 0, 3).is_err());
/// # Ok::<(), rask::Error>(())
/// ```
pub fn arange<T: Number>(start: T, stop: T, step: T, chunks: impl Into<Chunks>) -> Result<Array<T>> {
    let (a, b, s) = (to_f64(start), to_f64(stop), to_f64(step));
    if s == 0.0 || !s.is_finite() || !a.is_finite() || !b.is_finite() {
        return Err(Error::Invalid(format!("arange: step {step} from {start} to {stop} makes no range")));
    }
    let make = if T::INTEGER {
        // Exactly, in i128: integers past 2^53 have no f64 of their own.
        let whole = |x: T| x.to_i128().unwrap_or_default();
        let (a, b, s) = (whole(start), whole(stop), whole(step));
        let n = usize::try_from((b - a + s - s.signum()) / s).unwrap_or(0);
        (n, Range::Int(a, s))
    } else {
        (((b - a) / s).ceil().max(0.0) as usize, Range::Float(a, s))
    };
    let (n, range) = make;
    let grid = Grid::new(&[n], &chunks.into(), std::mem::size_of::<T>())?;
    let offsets = grid.offsets(0);
    Ok(Array::builtin_layer(
        "arange",
        grid,
        |_| Vec::new(),
        |idx| {
            let (lo, hi) = (offsets[idx[0]], offsets[idx[0] + 1]);
            match range {
                Range::Int(start, step) => Make::<T>::IntRange { lo, hi, start, step },
                Range::Float(start, step) => Make::<T>::FloatRange { lo, hi, start, step },
            }
        },
    ))
}

/// The first value and the step of a range, in the type it is computed in.
#[derive(Clone, Copy)]
enum Range {
    Int(i128, i128),
    Float(f64, f64),
}

fn to_f64<T: Number>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

/// Uniform random numbers in `[0, 1)`. Each block has its own stream, derived from `seed`
/// and the block's position, so the result does not depend on the scheduler or the order
/// blocks run in (but does on the chunks).
///
/// ```
/// use rask::prelude::*;
/// let x = da::random(&[1000, 3], 100, 7)?;
/// let y = da::random(&[1000, 3], 100, 7)?;
/// assert_eq!(x.compute()?, y.compute()?);
/// let mean = x.mean(da::All).item()?;
/// assert!((mean - 0.5).abs() < 0.05);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn random(shape: &[usize], chunks: impl Into<Chunks>, seed: u64) -> Result<Array<f64>> {
    let grid = Grid::new(shape, &chunks.into(), 8)?;
    let g = grid.clone();
    Ok(Array::builtin_layer(
        "random",
        grid,
        |_| Vec::new(),
        |idx| Make::<f64>::Random {
            shape: g.block_shape(idx),
            stream: seed ^ (g.flat(idx) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        },
    ))
}

/// xoshiro256++, seeded by splitmix64: small, fast and good enough for simulations.
pub(super) struct Xoshiro([u64; 4]);

impl Xoshiro {
    pub(super) fn new(mut seed: u64) -> Xoshiro {
        let mut next = || {
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Xoshiro([next(), next(), next(), next()])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    pub(super) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A one-block array computed by a delayed value; its shape must be given, and the block
/// is checked against it when it is made.
///
/// ```
/// use rask::prelude::*;
/// let d = Delayed::value(ndarray::Array::linspace(0.0, 1.0, 5).into_dyn());
/// let x = da::from_delayed(&d, &[5]);
/// assert_eq!(x.sum(da::All).item()?, 2.5);
/// let wrong = da::from_delayed(&d, &[4]);
/// assert!(wrong.compute().unwrap_err().to_string().contains("shape (5,), expected (4,)"));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn from_delayed<T: Element>(d: &Delayed<ArrayD<T>>, shape: &[usize]) -> Array<T> {
    let grid = Grid { shape: shape.to_vec(), chunks: shape.iter().map(|&n| vec![n]).collect() };
    let node = d.node().clone();
    Array::builtin_layer("from-delayed", grid, |_| vec![node.clone()], |_| Make::<T>::Checked { shape: shape.to_vec() })
}
