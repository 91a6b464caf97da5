//! How values become bytes and back, per Rust type: for spilling a client's held results to
//! disk, and for moving values to and from a cluster's workers.
//!
//! A type has a [`Codec`] when it is built in (numbers, `bool`, `()`, strings, vectors of
//! those, ndarray `ArrayD`s of numbers, JSON values and vectors of them, polars frames and
//! series as Arrow IPC, a shuffle's pieces) or was registered with [`register_spill`]. A client keeps a result
//! without a codec in memory (it counts towards the pause threshold); a cluster refuses a
//! task whose literal or result has none, naming the type.
//!
//! On the wire a value is tagged with its type's name ([`encode_tagged`]), so the other side
//! finds the same codec ([`decode_tagged`]); both sides run the same rask version.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::{PoisonError, RwLock};

use polars::polars_utils::pl_serialize;

use crate::value::{Data, Value, value};

type Encode = fn(&(dyn Any + Send + Sync), &mut dyn Write) -> io::Result<()>;
type Decode = fn(&mut dyn Read) -> io::Result<Value>;

/// Writes values of one type to bytes and reads them back.
#[derive(Clone, Copy)]
pub(crate) struct Codec {
    /// The type's full name (`std::any::type_name`): the tag on the wire.
    pub(crate) name: &'static str,
    pub(crate) encode: Encode,
    pub(crate) decode: Decode,
    /// Gathers values of this type into a `Vec` (a list argument, on a worker).
    pub(crate) collect: fn(Vec<Value>) -> crate::error::Result<Value>,
}

/// Every codec, by type and by name.
#[derive(Default)]
struct Table {
    by_type: HashMap<TypeId, Codec>,
    by_name: HashMap<&'static str, Codec>,
}

impl Table {
    fn insert(&mut self, id: TypeId, codec: Codec) {
        self.by_type.insert(id, codec);
        self.by_name.insert(codec.name, codec);
    }
}

static CODECS: RwLock<Option<Table>> = RwLock::new(None);

/// Runs `f` over the table, built on first use.
fn with_table<R>(f: impl FnOnce(&Table) -> R) -> R {
    if let Some(table) = CODECS.read().unwrap_or_else(PoisonError::into_inner).as_ref() {
        return f(table);
    }
    let mut codecs = CODECS.write().unwrap_or_else(PoisonError::into_inner);
    f(codecs.get_or_insert_with(builtin))
}

/// The codec of `v`'s type, if there is one.
pub(crate) fn codec_for(v: &Value) -> Option<Codec> {
    let id = (**v).type_id();
    with_table(|t| t.by_type.get(&id).copied())
}

/// The codec of the type named `name` (`std::any::type_name`).
pub(crate) fn codec_named(name: &str) -> Option<Codec> {
    with_table(|t| t.by_name.get(name).copied())
}

/// `v` as bytes tagged with its type's name, or `None` when its type has no codec.
pub(crate) fn encode_tagged(v: &Value) -> Option<io::Result<Vec<u8>>> {
    let codec = codec_for(v)?;
    let mut out = Vec::new();
    out.extend_from_slice(&(codec.name.len() as u32).to_le_bytes());
    out.extend_from_slice(codec.name.as_bytes());
    Some((codec.encode)(&**v, &mut out).map(|()| out))
}

/// The value `bytes` hold, written by [`encode_tagged`] (here or in another process running
/// the same rask).
pub(crate) fn decode_tagged(bytes: &[u8]) -> io::Result<Value> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
    let (len, rest) = bytes.split_first_chunk::<4>().ok_or_else(|| bad("a value without its type tag"))?;
    let len = u32::from_le_bytes(*len) as usize;
    let (name, mut payload) = rest.split_at_checked(len).ok_or_else(|| bad("a truncated type tag"))?;
    let name = std::str::from_utf8(name).map_err(|_| bad("a type tag that is not UTF-8"))?;
    let codec = codec_named(name).ok_or_else(|| {
        bad(&format!("no codec for {name} here: register the same codecs on both sides (rask::client::register_spill)"))
    })?;
    (codec.decode)(&mut payload)
}

/// Gives type `T` a codec: `encode` writes a value, `decode` reads it back. A client can then
/// spill results of type `T` to disk under its memory limit, and values of type `T` can move
/// to and from a cluster's workers (register it on both sides, in code both run).
///
/// ```
/// use std::io::{Read, Write};
/// #[derive(Clone)]
/// struct Counts(Vec<u32>);
/// rask::client::register_spill::<Counts>(
///     |c, w| c.0.iter().try_for_each(|x| w.write_all(&x.to_le_bytes())),
///     |r| {
///         let mut bytes = Vec::new();
///         r.read_to_end(&mut bytes)?;
///         Ok(Counts(bytes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()))
///     },
/// );
/// ```
pub fn register_spill<T: Data>(
    encode: fn(&T, &mut dyn Write) -> io::Result<()>,
    decode: fn(&mut dyn Read) -> io::Result<T>,
) {
    // Plain `fn` pointers cannot capture, so the typed functions are kept in a table of
    // their own and the erased codec looks them up.
    struct Typed<T> {
        encode: fn(&T, &mut dyn Write) -> io::Result<()>,
        decode: fn(&mut dyn Read) -> io::Result<T>,
    }
    impl<T> Clone for Typed<T> {
        fn clone(&self) -> Self {
            *self
        }
    }
    impl<T> Copy for Typed<T> {}
    static TYPED: RwLock<Option<HashMap<TypeId, Box<dyn Any + Send + Sync>>>> = RwLock::new(None);
    fn typed<T: Data>() -> io::Result<Typed<T>> {
        let table = TYPED.read().unwrap_or_else(PoisonError::into_inner);
        table
            .as_ref()
            .and_then(|m| m.get(&TypeId::of::<T>()))
            .and_then(|b| b.downcast_ref::<Typed<T>>())
            .copied()
            .ok_or_else(|| io::Error::other("no spill codec registered"))
    }
    fn erased_encode<T: Data>(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
        let x = v.downcast_ref::<T>().ok_or_else(|| io::Error::other("a value of another type"))?;
        (typed::<T>()?.encode)(x, w)
    }
    fn erased_decode<T: Data>(r: &mut dyn Read) -> io::Result<Value> {
        (typed::<T>()?.decode)(r).map(value)
    }
    TYPED
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashMap::new)
        .insert(TypeId::of::<T>(), Box::new(Typed { encode, decode }));
    let codec = Codec {
        name: std::any::type_name::<T>(),
        encode: erased_encode::<T>,
        decode: erased_decode::<T>,
        collect: crate::value::collect::<T>,
    };
    CODECS.write().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(builtin).insert(TypeId::of::<T>(), codec);
}

/// Numbers written as little-endian bytes.
trait Plain: Data + Sized {
    const SIZE: usize;
    fn put(&self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl Plain for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
plain!(f64, f32, i64, i32, u64, u32, u8, i8, u16, i16, usize, isize);

fn encode_one<T: Plain>(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let x = v.downcast_ref::<T>().ok_or_else(|| io::Error::other("a value of another type"))?;
    let mut buf = Vec::with_capacity(T::SIZE);
    x.put(&mut buf);
    w.write_all(&buf)
}

fn decode_one<T: Plain>(r: &mut dyn Read) -> io::Result<Value> {
    let mut bytes = vec![0; T::SIZE];
    r.read_exact(&mut bytes)?;
    Ok(value(T::get(&bytes)))
}

fn encode_bool(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let x = v.downcast_ref::<bool>().ok_or_else(|| io::Error::other("a value of another type"))?;
    w.write_all(&[u8::from(*x)])
}

fn decode_bool(r: &mut dyn Read) -> io::Result<Value> {
    let mut b = [0u8];
    r.read_exact(&mut b)?;
    Ok(value(b[0] != 0))
}

fn encode_unit(_: &(dyn Any + Send + Sync), _: &mut dyn Write) -> io::Result<()> {
    Ok(())
}

fn decode_unit(_: &mut dyn Read) -> io::Result<Value> {
    Ok(value(()))
}

/// Writes numbers as their little-endian bytes, one after another.
fn write_numbers<'a, T: Plain + 'a>(xs: impl Iterator<Item = &'a T>, w: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 << 10);
    for x in xs {
        x.put(&mut buf);
        if buf.len() >= 64 << 10 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Reads what [`write_numbers`] wrote, to the end.
fn read_numbers<T: Plain>(r: &mut dyn Read) -> io::Result<Vec<T>> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    if bytes.len() % T::SIZE != 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "truncated numbers"));
    }
    Ok(bytes.chunks_exact(T::SIZE).map(T::get).collect())
}

fn encode_vec<T: Plain>(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let xs = v.downcast_ref::<Vec<T>>().ok_or_else(|| io::Error::other("a value of another type"))?;
    write_numbers(xs.iter(), w)
}

fn decode_vec<T: Plain>(r: &mut dyn Read) -> io::Result<Value> {
    read_numbers::<T>(r).map(value)
}

/// An n-dimensional array: the number of axes (`u32`), each length (`u64`), then the
/// elements in logical (row-major) order, whatever the array's memory layout.
fn encode_array<T: Plain>(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let a = v.downcast_ref::<ndarray::ArrayD<T>>().ok_or_else(|| io::Error::other("a value of another type"))?;
    w.write_all(&(a.ndim() as u32).to_le_bytes())?;
    a.shape().iter().try_for_each(|&n| w.write_all(&(n as u64).to_le_bytes()))?;
    write_numbers(a.iter(), w)
}

fn decode_array<T: Plain>(r: &mut dyn Read) -> io::Result<Value> {
    let bad = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let mut b4 = [0u8; 4];
    r.read_exact(&mut b4)?;
    let ndim = u32::from_le_bytes(b4) as usize;
    if ndim > 64 {
        return Err(bad(format!("an array of {ndim} axes")));
    }
    let mut shape = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        let mut b8 = [0u8; 8];
        r.read_exact(&mut b8)?;
        shape.push(usize::try_from(u64::from_le_bytes(b8)).map_err(|_| bad("an axis too long".into()))?);
    }
    let data = read_numbers::<T>(r)?;
    ndarray::ArrayD::from_shape_vec(shape.clone(), data)
        .map(value)
        .map_err(|e| bad(format!("elements that do not fill shape {shape:?}: {e}")))
}

fn encode_json(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let out = match (v.downcast_ref::<serde_json::Value>(), v.downcast_ref::<Vec<serde_json::Value>>()) {
        (Some(x), _) => serde_json::to_writer(w, x),
        (None, Some(xs)) => serde_json::to_writer(w, xs),
        (None, None) => return Err(io::Error::other("a value of another type")),
    };
    out.map_err(io::Error::other)
}

fn decode_json(r: &mut dyn Read) -> io::Result<Value> {
    serde_json::from_reader::<_, serde_json::Value>(r).map(value).map_err(io::Error::other)
}

fn decode_json_vec(r: &mut dyn Read) -> io::Result<Value> {
    serde_json::from_reader::<_, Vec<serde_json::Value>>(r).map(value).map_err(io::Error::other)
}

fn encode_strings(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let put = |w: &mut dyn Write, s: &str| -> io::Result<()> {
        w.write_all(&(s.len() as u64).to_le_bytes())?;
        w.write_all(s.as_bytes())
    };
    if let Some(s) = v.downcast_ref::<String>() {
        return put(w, s);
    }
    let xs = v.downcast_ref::<Vec<String>>().ok_or_else(|| io::Error::other("a value of another type"))?;
    xs.iter().try_for_each(|s| put(w, s))
}

fn read_strings(r: &mut dyn Read) -> io::Result<Vec<String>> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "truncated spill file");
        let (len, tail) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad())?;
        let (s, tail) = tail.split_at_checked(len).ok_or_else(bad)?;
        out.push(String::from_utf8(s.to_vec()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?);
        rest = tail;
    }
    Ok(out)
}

fn decode_string(r: &mut dyn Read) -> io::Result<Value> {
    Ok(value(read_strings(r)?.pop().unwrap_or_default()))
}

fn decode_strings(r: &mut dyn Read) -> io::Result<Value> {
    read_strings(r).map(value)
}

/// A polars frame as Arrow IPC (uncompressed: it moves between processes, not to storage).
pub(crate) fn write_frame(df: &polars::prelude::DataFrame, w: &mut dyn Write) -> io::Result<()> {
    use polars::prelude::{IpcWriter, SerWriter};
    IpcWriter::new(w).finish(&mut df.clone()).map_err(io::Error::other)
}

/// The frame [`write_frame`] wrote.
pub(crate) fn read_frame(r: &mut dyn Read) -> io::Result<polars::prelude::DataFrame> {
    use polars::prelude::{IpcReader, SerReader};
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    IpcReader::new(io::Cursor::new(bytes)).finish().map_err(io::Error::other)
}

fn encode_frame(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let df =
        v.downcast_ref::<polars::prelude::DataFrame>().ok_or_else(|| io::Error::other("a value of another type"))?;
    write_frame(df, w)
}

fn decode_frame(r: &mut dyn Read) -> io::Result<Value> {
    read_frame(r).map(value)
}

/// A series as a frame of one column.
fn encode_series(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let s = v.downcast_ref::<polars::prelude::Series>().ok_or_else(|| io::Error::other("a value of another type"))?;
    write_frame(&polars::prelude::DataFrame::new(s.len(), vec![s.clone().into()]).map_err(io::Error::other)?, w)
}

fn decode_series(r: &mut dyn Read) -> io::Result<Value> {
    let df = read_frame(r)?;
    let column = df.columns().first().ok_or_else(|| io::Error::other("a series without its column"))?;
    Ok(value(column.as_materialized_series().clone()))
}

/// The codec of `T`, for the table.
pub(crate) fn entry<T: Data>(encode: Encode, decode: Decode) -> (TypeId, Codec) {
    let collect = crate::value::collect::<T>;
    (TypeId::of::<T>(), Codec { name: std::any::type_name::<T>(), encode, decode, collect })
}

/// The codec of a type through serde (bincode, through polars' serializer): arrays as their
/// shape and elements in logical order, maps and sets as their entries.
pub(crate) fn serde_entry<V: Data + serde::Serialize + serde::de::DeserializeOwned>() -> (TypeId, Codec) {
    fn encode<V: Data + serde::Serialize>(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
        let v = v.downcast_ref::<V>().ok_or_else(|| io::Error::other("a value of another type"))?;
        pl_serialize::serialize_into_writer::<_, _, false>(w, v).map_err(io::Error::other)
    }
    fn decode<V: Data + serde::de::DeserializeOwned>(r: &mut dyn Read) -> io::Result<Value> {
        pl_serialize::deserialize_from_reader::<V, _, false>(r).map(value).map_err(io::Error::other)
    }
    entry::<V>(encode::<V>, decode::<V>)
}

fn builtin() -> Table {
    fn numbers<T: Plain>() -> [(TypeId, Codec); 3] {
        [
            entry::<T>(encode_one::<T>, decode_one::<T>),
            entry::<Vec<T>>(encode_vec::<T>, decode_vec::<T>),
            entry::<ndarray::ArrayD<T>>(encode_array::<T>, decode_array::<T>),
        ]
    }
    let mut table = Table::default();
    let entries = [
        numbers::<f64>(),
        numbers::<f32>(),
        numbers::<i64>(),
        numbers::<i32>(),
        numbers::<u64>(),
        numbers::<u32>(),
        numbers::<u8>(),
        numbers::<i8>(),
        numbers::<u16>(),
        numbers::<i16>(),
        numbers::<usize>(),
        numbers::<isize>(),
        [
            entry::<String>(encode_strings, decode_string),
            entry::<Vec<String>>(encode_strings, decode_strings),
            entry::<serde_json::Value>(encode_json, decode_json),
        ],
        [
            entry::<bool>(encode_bool, decode_bool),
            entry::<()>(encode_unit, decode_unit),
            entry::<Vec<serde_json::Value>>(encode_json, decode_json_vec),
        ],
    ];
    entries.into_iter().flatten().for_each(|(id, codec)| table.insert(id, codec));
    let frames = [
        entry::<polars::prelude::DataFrame>(encode_frame, decode_frame),
        entry::<polars::prelude::Series>(encode_series, decode_series),
    ];
    frames
        .into_iter()
        .chain(crate::dataframe::codecs())
        .chain(crate::array::codecs())
        .chain(crate::bag::codecs())
        .for_each(|(id, codec)| table.insert(id, codec));
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Data + PartialEq + std::fmt::Debug>(x: T) {
        let v = value(x.clone());
        let codec = codec_for(&v).expect("a built-in codec");
        let mut bytes = Vec::new();
        (codec.encode)(&*v, &mut bytes).expect("encodes");
        let back = (codec.decode)(&mut &bytes[..]).expect("decodes");
        assert_eq!(back.downcast_ref::<T>(), Some(&x));
        let tagged = encode_tagged(&v).expect("a codec").expect("encodes");
        let back = decode_tagged(&tagged).expect("decodes");
        assert_eq!(back.downcast_ref::<T>(), Some(&x), "tagged as {}", std::any::type_name::<T>());
    }

    #[test]
    fn built_in_codecs_round_trip() {
        round_trip(vec![1.5f64, -2.0, f64::MAX]);
        round_trip(vec![7i64, -9]);
        round_trip(-7i64);
        round_trip(2.5f32);
        round_trip(true);
        round_trip(());
        let grid = ndarray::Array::from_shape_fn((3, 4), |(i, j)| (i * 10 + j) as f32).into_dyn();
        round_trip(grid.clone());
        round_trip(grid.t().to_owned()); // a transposed (column-major) array keeps its logical order
        round_trip(ndarray::ArrayD::<i64>::zeros(vec![0, 5]));
        round_trip(serde_json::json!({"user": "ann", "n": [1, 2.5, null]}));
        round_trip(vec![serde_json::json!(1), serde_json::json!("two")]);
        round_trip(vec![0u8, 255]);
        round_trip(String::from("héllo"));
        round_trip(vec![String::from("a"), String::new(), String::from("ccc")]);
        let df = polars::df!("x" => [1i64, 2, 3], "s" => ["a", "b", "c"]).expect("a frame");
        round_trip(df);
        assert!(codec_for(&value((1u8, 2u8))).is_none(), "tuples have no codec");
        assert!(encode_tagged(&value((1u8, 2u8))).is_none());
        let unknown = [&4u32.to_le_bytes()[..], b"Nope", &[1, 2]].concat();
        let err = decode_tagged(&unknown).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("no codec for Nope here"), "{err}");
        assert!(decode_tagged(&[9, 0, 0, 0, b'x']).is_err(), "a truncated tag is an error, not a panic");
    }

    #[test]
    fn registered_types_round_trip() {
        #[derive(Clone, Debug, PartialEq)]
        struct Pair(u8, u8);
        register_spill::<Pair>(
            |p, w| w.write_all(&[p.0, p.1]),
            |r| {
                let mut b = [0u8; 2];
                r.read_exact(&mut b)?;
                Ok(Pair(b[0], b[1]))
            },
        );
        round_trip(Pair(3, 250));
    }
}
