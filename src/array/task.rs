//! An array's tasks as data, so that a Dask cluster's workers run them too: blocks made
//! from nothing ([`Make`]: constants, ranges, random numbers) here, blocks read from Zarr
//! stores and `.npy` files (`zarr.rs`, `npy.rs`), rechunked blocks (`rechunk.rs`),
//! element-wise operations (`elementwise.rs`) and the steps of reductions
//! (`reduce::FoldTask`), slices and takes (`index.rs`), transposes, stacks and matrix
//! products (`layout.rs`). All run here through the same [`Builtin::run`]. A block held in
//! memory (`from_array`) travels as data, and the TSQR's steps (`linalg.rs`) are tasks too.
//! `mapv` and writing files are still closures, which stay in this process.

use std::any::TypeId;

use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

use super::chunks::show;
use super::create::Xoshiro;
use super::{Element, fail, input};
use crate::codec::{Codec, serde_entry};
use crate::error::TaskError;
use crate::remote::{Builtin, Decoder, decoder};
use crate::value::{Value, value};

/// A built-in task that makes a block of `Out`s.
pub(crate) trait BlockTask: Builtin {
    type Out: Element;
}

/// A block made from its parameters alone (or checked, from a delayed value).
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) enum Make<T: Element> {
    /// Every element `fill`.
    Full { shape: Vec<usize>, fill: T },
    /// `start + i * step` for `i` in `lo..hi`, exactly, in integers.
    IntRange { lo: usize, hi: usize, start: i128, step: i128 },
    /// `start + i * step` for `i` in `lo..hi`, in `f64`.
    FloatRange { lo: usize, hi: usize, start: f64, step: f64 },
    /// Uniform `f64`s in `[0, 1)` from the stream seeded with `stream` (only as `Make<f64>`).
    Random { shape: Vec<usize>, stream: u64 },
    /// The input block, which must have this shape (`from_delayed`).
    Checked { shape: Vec<usize> },
}

impl<T: Element> BlockTask for Make<T> {
    type Out = T;
}

impl<T: Element> Builtin for Make<T> {
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError> {
        let range = |v: Option<Vec<T>>, n: usize| {
            let v = v.ok_or_else(|| fail("arange: a value does not fit the element type"))?;
            ArrayD::from_shape_vec(IxDyn(&[n]), v).map(value).map_err(|e| fail(e.to_string()))
        };
        match self {
            Make::Full { shape, fill } => Ok(value(ArrayD::from_elem(IxDyn(shape), *fill))),
            Make::IntRange { lo, hi, start, step } => {
                range((*lo..*hi).map(|i| T::from_i128(start + i as i128 * step)).collect(), hi - lo)
            }
            Make::FloatRange { lo, hi, start, step } => {
                range((*lo..*hi).map(|i| T::from_f64(start + i as f64 * step)).collect(), hi - lo)
            }
            Make::Checked { shape } => {
                let b = input::<T>(inputs.into_iter().next().ok_or_else(|| fail("from_delayed without its value"))?)?;
                if b.shape() != shape.as_slice() {
                    return Err(fail(format!(
                        "from_delayed: the value has shape {}, expected {}",
                        show(b.shape()),
                        show(shape)
                    )));
                }
                Ok(value(b))
            }
            Make::Random { shape, stream } => {
                let mut rng = Xoshiro::new(*stream);
                let v = (0..shape.iter().product()).map(|_| rng.next_f64()).collect();
                ArrayD::from_shape_vec(IxDyn(shape), v).map(value).map_err(|e| fail(e.to_string()))
            }
        }
    }
}

/// The decoders of every array task, per element type.
pub(crate) fn decoders() -> Vec<(&'static str, Decoder)> {
    macro_rules! makes {
        ($($t:ty),*) => {
            vec![$(
                decoder::<Make<$t>>(),
                decoder::<super::zarr::ReadChunk<$t>>(),
                decoder::<super::npy::ReadBlock<$t>>(),
                decoder::<super::rechunk::Assemble<$t>>(),
                decoder::<super::index::Select<$t>>(),
                decoder::<super::layout::Reshape<$t>>(),
            )*]
        };
    }
    macro_rules! products {
        ($($t:ty),*) => { [$(decoder::<super::layout::MatMul<$t>>(),)*] };
    }
    let mut all = makes!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, bool);
    all.extend(products!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64));
    all.extend(super::linalg::decoders());
    all.extend(super::reduce::decoders());
    all.extend(super::elementwise::decoders());
    all
}

/// The codecs arrays need beyond blocks of numbers: blocks of `bool` and of reductions'
/// accumulators.
pub(crate) fn codecs() -> Vec<(TypeId, Codec)> {
    let mut all = super::reduce::codecs();
    all.extend(super::linalg::codecs());
    all.push(serde_entry::<ArrayD<bool>>());
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_tagged, encode_tagged};
    use crate::value::take;

    #[test]
    fn made_blocks_and_accumulators_survive_the_wire() {
        let make = Make::<i16>::IntRange { lo: 2, hi: 5, start: 10, step: -3 };
        let bytes = crate::remote::encode_builtin(&make).expect("encodes");
        let back: Make<i16> = crate::remote::decode_builtin(&bytes).expect("decodes");
        let block = take::<ArrayD<i16>>(back.run(Vec::new()).expect("runs")).expect("a block");
        assert_eq!(block.into_raw_vec_and_offset().0, [4, 1, -2]);
        let overflow = Make::<u8>::IntRange { lo: 0, hi: 2, start: 255, step: 1 };
        assert_eq!(
            overflow.run(Vec::new()).expect_err("300").to_string(),
            "failed: arange: a value does not fit the element type"
        );

        let accs = ndarray::array![[(1.0, 2.0, 3.0)], [(4.0, 5.0, 6.0)]].into_dyn();
        let bytes = encode_tagged(&value(accs.clone())).expect("a codec").expect("encodes");
        let back = take::<ArrayD<(f64, f64, f64)>>(decode_tagged(&bytes).expect("decodes")).expect("type");
        assert_eq!(back, accs);
    }
}
