//! How held results are written to disk and read back, per Rust type.
//!
//! A client spills a result only when its type has a [`Codec`]: vectors of numbers, strings
//! and polars frames have one built in, and [`register`] adds one for any other type. A
//! result without a codec stays in memory (and counts towards the pause threshold).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::{PoisonError, RwLock};

use crate::value::{Data, Value, value};

type Encode = fn(&(dyn Any + Send + Sync), &mut dyn Write) -> io::Result<()>;
type Decode = fn(&mut dyn Read) -> io::Result<Value>;

/// Writes values of one type to a file and reads them back.
#[derive(Clone, Copy)]
pub(crate) struct Codec {
    pub(crate) encode: Encode,
    pub(crate) decode: Decode,
}

static CODECS: RwLock<Option<HashMap<TypeId, Codec>>> = RwLock::new(None);

/// The codec of `v`'s type, if there is one.
pub(crate) fn codec_for(v: &Value) -> Option<Codec> {
    let id = (**v).type_id();
    if let Some(map) = CODECS.read().unwrap_or_else(PoisonError::into_inner).as_ref() {
        return map.get(&id).copied();
    }
    let mut codecs = CODECS.write().unwrap_or_else(PoisonError::into_inner);
    codecs.get_or_insert_with(builtin).get(&id).copied()
}

/// Lets a client spill results of type `T` to disk under its memory limit: `encode` writes a
/// value, `decode` reads it back.
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
    CODECS
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(builtin)
        .insert(TypeId::of::<T>(), Codec { encode: erased_encode::<T>, decode: erased_decode::<T> });
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
plain!(f64, f32, i64, i32, u64, u32, u8, i8, u16, i16, usize);

fn encode_vec<T: Plain>(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    let xs = v.downcast_ref::<Vec<T>>().ok_or_else(|| io::Error::other("a value of another type"))?;
    let mut buf = Vec::with_capacity(64 << 10);
    for chunk in xs.chunks(8192) {
        buf.clear();
        chunk.iter().for_each(|x| x.put(&mut buf));
        w.write_all(&buf)?;
    }
    Ok(())
}

fn decode_vec<T: Plain>(r: &mut dyn Read) -> io::Result<Value> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    if bytes.len() % T::SIZE != 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "truncated spill file"));
    }
    Ok(value(bytes.chunks_exact(T::SIZE).map(T::get).collect::<Vec<T>>()))
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

fn encode_frame(v: &(dyn Any + Send + Sync), w: &mut dyn Write) -> io::Result<()> {
    use polars::prelude::ParquetWriter;
    let df =
        v.downcast_ref::<polars::prelude::DataFrame>().ok_or_else(|| io::Error::other("a value of another type"))?;
    ParquetWriter::new(w).finish(&mut df.clone()).map(drop).map_err(io::Error::other)
}

fn decode_frame(r: &mut dyn Read) -> io::Result<Value> {
    use polars::prelude::{ParquetReader, SerReader};
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    ParquetReader::new(io::Cursor::new(bytes)).finish().map(value).map_err(io::Error::other)
}

fn builtin() -> HashMap<TypeId, Codec> {
    fn vec_codec<T: Plain>() -> (TypeId, Codec) {
        (TypeId::of::<Vec<T>>(), Codec { encode: encode_vec::<T>, decode: decode_vec::<T> })
    }
    HashMap::from([
        vec_codec::<f64>(),
        vec_codec::<f32>(),
        vec_codec::<i64>(),
        vec_codec::<i32>(),
        vec_codec::<u64>(),
        vec_codec::<u32>(),
        vec_codec::<u8>(),
        vec_codec::<i8>(),
        vec_codec::<u16>(),
        vec_codec::<i16>(),
        vec_codec::<usize>(),
        (TypeId::of::<String>(), Codec { encode: encode_strings, decode: decode_string }),
        (TypeId::of::<Vec<String>>(), Codec { encode: encode_strings, decode: decode_strings }),
        (TypeId::of::<polars::prelude::DataFrame>(), Codec { encode: encode_frame, decode: decode_frame }),
    ])
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
    }

    #[test]
    fn built_in_codecs_round_trip() {
        round_trip(vec![1.5f64, -2.0, f64::MAX]);
        round_trip(vec![7i64, -9]);
        round_trip(vec![0u8, 255]);
        round_trip(String::from("héllo"));
        round_trip(vec![String::from("a"), String::new(), String::from("ccc")]);
        let df = polars::df!("x" => [1i64, 2, 3], "s" => ["a", "b", "c"]).expect("a frame");
        round_trip(df);
        assert!(codec_for(&value((1u8, 2u8))).is_none(), "tuples have no codec");
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
