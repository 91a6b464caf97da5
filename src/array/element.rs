//! The element types an [`Array`](super::Array) can hold, and what rask knows of each: its
//! NumPy dtype name, its byte form in `.npy` and Zarr files, and which arithmetic it has.

use std::fmt;

use num_traits::{NumCast, ToPrimitive};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::value::Data;

/// A type an array can hold: the numbers and `bool`, with their NumPy names and byte forms.
///
/// ```
/// use rask::array::Element;
/// assert_eq!(<f32 as Element>::DTYPE, "float32");
/// assert_eq!(<i64 as Element>::NPY, "<i8");
/// ```
pub trait Element:
    Data + Copy + PartialEq + PartialOrd + Default + fmt::Debug + fmt::Display + Serialize + DeserializeOwned
{
    /// NumPy's name of the type: `float32`, `int64`, `bool`.
    const DTYPE: &'static str;
    /// The type in a `.npy` header or a Zarr v2 `.zarray`, little-endian: `<f4`, `|b1`.
    const NPY: &'static str;
    /// Whether a value is NaN (only floats can be).
    #[doc(hidden)]
    fn is_nan(self) -> bool {
        false
    }
    /// Appends the little-endian bytes of the value.
    #[doc(hidden)]
    fn put(self, out: &mut Vec<u8>);
    /// Reads a value from its first `size_of::<Self>()` bytes, little- or big-endian.
    #[doc(hidden)]
    fn get(bytes: &[u8], big_endian: bool) -> Self;
    /// Appends the values in `bytes` (a whole number of them), little- or big-endian.
    #[doc(hidden)]
    fn extend_from_bytes(out: &mut Vec<Self>, bytes: &[u8], big_endian: bool) {
        out.extend(bytes.chunks_exact(std::mem::size_of::<Self>()).map(|b| Self::get(b, big_endian)));
    }
    /// The value a Zarr `fill_value` (a JSON number, bool or "NaN") stands for.
    #[doc(hidden)]
    fn from_json(v: &serde_json::Value) -> Option<Self>;
    /// The value as JSON, for a Zarr `fill_value`.
    #[doc(hidden)]
    fn to_json(self) -> serde_json::Value;
    /// `x` in this type, if it is a number type that holds it (`arange`'s values).
    #[doc(hidden)]
    fn from_i128(x: i128) -> Option<Self>;
    /// `x` in this type, if it is a number type (rounded as `as` does for floats).
    #[doc(hidden)]
    fn from_f64(x: f64) -> Option<Self>;
}

/// A number type: arithmetic, sums and means.
///
/// `Mean` is the type of a mean or standard deviation: the float itself for `f32` and `f64`,
/// `f64` for integers (as in NumPy). A sum is of the element type itself; an integer sum
/// whose total does not fit it is an error (NumPy would give an `int64` for narrower
/// types, and wrap an `int64` around), so convert first:
///
/// ```
/// use rask::prelude::*;
/// let x = da::ones::<u8>(&[300], 100)?;
/// assert!(x.sum(da::All).compute().unwrap_err().to_string().contains("the sum 300 does not fit uint8"));
/// assert_eq!(x.astype::<u64>().sum(da::All).item()?, 300);
/// assert_eq!(x.mean(da::All).item()?, 1.0);
/// # Ok::<(), rask::Error>(())
/// ```
pub trait Number:
    Element + num_traits::Num + NumCast + ToPrimitive + std::iter::Sum + std::ops::AddAssign + std::ops::MulAssign
{
    /// Whether the type is an integer type.
    #[doc(hidden)]
    const INTEGER: bool;
    /// What a mean, variance or norm of these numbers is.
    type Mean: Float;
    /// What sums are accumulated in: `i128` for integers, the float itself for floats.
    #[doc(hidden)]
    type Wide: Copy + Send + Sync + fmt::Display + num_traits::Zero + Serialize + DeserializeOwned + 'static;
    /// The value as a [`Wide`](Number::Wide).
    #[doc(hidden)]
    fn widen(self) -> Self::Wide;
    /// A sum back in this type, or `None` when it does not fit.
    #[doc(hidden)]
    fn narrow(sum: Self::Wide) -> Option<Self>;
    /// The largest and smallest values (the start of a min/max).
    #[doc(hidden)]
    fn bounds() -> (Self, Self);
    /// The absolute value (the value itself for unsigned types).
    #[doc(hidden)]
    fn abs_value(self) -> Self;
}

/// A floating-point type (`f32`, `f64`): square roots, logarithms, norms, decompositions.
pub trait Float: Number + num_traits::Float {}
impl Float for f32 {}
impl Float for f64 {}

macro_rules! element {
    ($($t:ty, $dtype:literal, $npy:literal, $json:ident;)*) => {$(
        impl Element for $t {
            const DTYPE: &'static str = $dtype;
            const NPY: &'static str = $npy;
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8], big_endian: bool) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(&bytes[..std::mem::size_of::<$t>()]);
                if big_endian { <$t>::from_be_bytes(b) } else { <$t>::from_le_bytes(b) }
            }
            fn extend_from_bytes(out: &mut Vec<Self>, bytes: &[u8], big_endian: bool) {
                const N: usize = std::mem::size_of::<$t>();
                let each = bytes.chunks_exact(N).map(|c| {
                    let mut b = [0u8; N];
                    b.copy_from_slice(c);
                    b
                });
                // The byte order is decided once, outside the loop, so the loop vectorises.
                if big_endian { out.extend(each.map(<$t>::from_be_bytes)) } else { out.extend(each.map(<$t>::from_le_bytes)) }
            }
            fn from_json(v: &serde_json::Value) -> Option<Self> {
                element!(@from $t, v, $json)
            }
            fn to_json(self) -> serde_json::Value {
                element!(@to self, $json)
            }
            fn from_i128(x: i128) -> Option<Self> {
                num_traits::cast(x)
            }
            fn from_f64(x: f64) -> Option<Self> {
                num_traits::cast(x)
            }
            element!(@nan $json);
        }
    )*};
    (@from $t:ty, $v:ident, float) => {
        match $v {
            serde_json::Value::String(s) if s == "NaN" => Some(<$t>::NAN),
            serde_json::Value::String(s) if s == "Infinity" => Some(<$t>::INFINITY),
            serde_json::Value::String(s) if s == "-Infinity" => Some(<$t>::NEG_INFINITY),
            v => v.as_f64().map(|x| x as $t),
        }
    };
    (@from $t:ty, $v:ident, int) => {
        $v.as_i64().and_then(|x| <$t>::try_from(x).ok()).or_else(|| $v.as_u64().and_then(|x| <$t>::try_from(x).ok()))
    };
    (@to $x:ident, float) => {
        if $x.is_nan() { serde_json::Value::from("NaN") } else { serde_json::Value::from(<f64 as From<_>>::from($x)) }
    };
    (@to $x:ident, int) => { serde_json::Value::from($x) };
    (@nan float) => { fn is_nan(self) -> bool { num_traits::Float::is_nan(self) } };
    (@nan int) => {};
}

element! {
    f32, "float32", "<f4", float;
    f64, "float64", "<f8", float;
    i8, "int8", "|i1", int;
    i16, "int16", "<i2", int;
    i32, "int32", "<i4", int;
    i64, "int64", "<i8", int;
    u8, "uint8", "|u1", int;
    u16, "uint16", "<u2", int;
    u32, "uint32", "<u4", int;
    u64, "uint64", "<u8", int;
}

/// Each element type's NumPy code (without the byte order), name and Rust type.
const TYPES: [(&str, &str, &str); 11] = [
    ("f4", "float32", "f32"),
    ("f8", "float64", "f64"),
    ("i1", "int8", "i8"),
    ("i2", "int16", "i16"),
    ("i4", "int32", "i32"),
    ("i8", "int64", "i64"),
    ("u1", "uint8", "u8"),
    ("u2", "uint16", "u16"),
    ("u4", "uint32", "u32"),
    ("u8", "uint64", "u64"),
    ("b1", "bool", "bool"),
];

/// Why a file whose NumPy type is `numpy` cannot be read as `T`, with the call that can:
/// `holds <f4, not float64: read it as f32, e.g. da::from_npy::<f32>(..)`.
pub(crate) fn type_mismatch<T: Element>(numpy: &str, reader: &str) -> String {
    let s = numpy.trim_start_matches(['<', '>', '|', '=']);
    match TYPES.iter().find(|(code, name, _)| s == *code || s == *name) {
        Some((_, _, rust)) => {
            format!("holds {numpy}, not {}: read it as {rust}, e.g. da::{reader}::<{rust}>(..)", T::DTYPE)
        }
        None => {
            let names: Vec<&str> = TYPES.iter().map(|t| t.1).collect();
            format!("holds {numpy}, which rask cannot read (it reads {})", names.join(", "))
        }
    }
}

impl Element for bool {
    const DTYPE: &'static str = "bool";
    const NPY: &'static str = "|b1";
    fn put(self, out: &mut Vec<u8>) {
        out.push(<u8 as From<bool>>::from(self));
    }
    fn get(bytes: &[u8], _: bool) -> Self {
        bytes[0] != 0
    }
    fn from_json(v: &serde_json::Value) -> Option<Self> {
        v.as_bool()
    }
    fn to_json(self) -> serde_json::Value {
        serde_json::Value::from(self)
    }
    fn from_i128(_: i128) -> Option<Self> {
        None
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
}

macro_rules! integer {
    ($abs:ident: $($t:ty),*) => {$(
        impl Number for $t {
            const INTEGER: bool = true;
            type Mean = f64;
            type Wide = i128;
            fn widen(self) -> i128 {
                <i128 as From<$t>>::from(self)
            }
            fn narrow(sum: i128) -> Option<Self> {
                <$t as TryFrom<i128>>::try_from(sum).ok()
            }
            fn bounds() -> (Self, Self) {
                (<$t>::MIN, <$t>::MAX)
            }
            integer!(@abs $abs);
        }
    )*};
    (@abs signed) => { fn abs_value(self) -> Self { self.abs() } };
    (@abs unsigned) => { fn abs_value(self) -> Self { self } };
}

integer!(signed: i8, i16, i32, i64);
integer!(unsigned: u8, u16, u32, u64);

macro_rules! float {
    ($($t:ty),*) => {$(
        impl Number for $t {
            const INTEGER: bool = false;
            type Mean = $t;
            type Wide = $t;
            fn widen(self) -> $t {
                self
            }
            fn narrow(sum: $t) -> Option<Self> {
                Some(sum)
            }
            fn bounds() -> (Self, Self) {
                (<$t>::NEG_INFINITY, <$t>::INFINITY)
            }
            fn abs_value(self) -> Self {
                self.abs()
            }
        }
    )*};
}

float!(f32, f64);

/// Reads `count` values from `r` through a small buffer (no copy of the whole file's bytes).
pub(crate) fn read_values<T: Element>(
    mut r: impl std::io::Read,
    count: usize,
    big_endian: bool,
) -> std::io::Result<Vec<T>> {
    let size = std::mem::size_of::<T>();
    let mut out = super::buffer::with_capacity(count);
    let mut buf = vec![0u8; (1 << 20) / size * size];
    let mut left = count * size;
    while left > 0 {
        let n = left.min(buf.len());
        r.read_exact(&mut buf[..n])?;
        T::extend_from_bytes(&mut out, &buf[..n], big_endian);
        left -= n;
    }
    Ok(out)
}

/// The element type named by a NumPy type string (`<f4`, `float32`), for error messages
/// about files whose type differs from the one asked for.
pub(crate) fn same_type<T: Element>(numpy: &str) -> bool {
    let s = numpy.trim_start_matches(['<', '>', '|', '=']);
    s == &T::NPY[1..] || s == T::DTYPE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let mut out = Vec::new();
        1.5f32.put(&mut out);
        (-2i64).put(&mut out);
        true.put(&mut out);
        assert_eq!(f32::get(&out[0..4], false), 1.5);
        assert_eq!(i64::get(&out[4..12], false), -2);
        assert!(bool::get(&out[12..], false));
        assert_eq!(u16::get(&[1, 2], true), 0x0102);
    }

    #[test]
    fn json_fill_values() {
        assert!(f64::from_json(&serde_json::json!("NaN")).is_some_and(f64::is_nan));
        assert_eq!(i32::from_json(&serde_json::json!(7)), Some(7));
        assert_eq!(u8::from_json(&serde_json::json!(300)), None);
        assert!(same_type::<f32>("<f4") && same_type::<f32>("float32") && !same_type::<f64>("<f4"));
    }

    /// Every element type is in `TYPES`, under its own NumPy code and name.
    fn listed<T: Element>(rust: &str) {
        let hint = format!("read it as {rust}, e.g. da::from_zarr::<{rust}>(..)");
        for numpy in [T::NPY, T::DTYPE] {
            let (msg, other) = if T::DTYPE == "float64" {
                (type_mismatch::<f32>(numpy, "from_zarr"), "float32")
            } else {
                (type_mismatch::<f64>(numpy, "from_zarr"), "float64")
            };
            assert_eq!(msg, format!("holds {numpy}, not {other}: {hint}"));
        }
    }

    #[test]
    fn mismatched_types_name_the_type_to_ask_for() {
        listed::<f32>("f32");
        listed::<f64>("f64");
        listed::<i8>("i8");
        listed::<i16>("i16");
        listed::<i32>("i32");
        listed::<i64>("i64");
        listed::<u8>("u8");
        listed::<u16>("u16");
        listed::<u32>("u32");
        listed::<u64>("u64");
        listed::<bool>("bool");
        assert!(
            type_mismatch::<f32>("<c16", "from_npy")
                .starts_with("holds <c16, which rask cannot read (it reads float32, ")
        );
    }
}
