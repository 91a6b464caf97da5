//! Zarr arrays on disk, versions 2 and 3: `from_zarr` reads the metadata now and each chunk
//! in its own task (one block per Zarr chunk); `to_zarr` writes one chunk per block.
//!
//! Codecs read: raw bytes (either endianness), `transpose` and C/F order, `blosc` (see
//! `blosc.rs`), `gzip`, `zlib`, `zstd` and `crc32c`. Sharding and filters are refused with
//! a message that says so. Written: raw, gzip or zstd.
//! Missing chunks read as the fill value, as Zarr defines.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{ArrayD, Axis, IxDyn, Slice};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::chunks::{Grid, regular, show};
use super::element::{read_values, type_mismatch};
use super::task::BlockTask;
use super::{Array, Element, fail, input_ref};
use crate::error::{Error, Result, TaskError};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::remote::Builtin;
use crate::value::{Value, value};

/// How chunks are compressed when written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Compression {
    /// Raw bytes: the fastest to read and write.
    None,
    /// gzip at a level (0–9).
    Gzip(u32),
    /// Zstandard at a level (0 is zstd's default, 3).
    Zstd(i32),
}

/// How [`to_zarr_with`] writes a store.
///
/// ```
/// use rask::array::{Compression, ZarrOptions};
/// let o = ZarrOptions { version: 2, compression: Compression::Gzip(5), ..ZarrOptions::default() };
/// assert!(!o.overwrite);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ZarrOptions {
    /// Zarr format 2 or 3 (the default).
    pub version: u8,
    /// The compressor (default: zstd, as zarr-python).
    pub compression: Compression,
    /// Replace a store that is already there (default: refuse).
    pub overwrite: bool,
}

impl Default for ZarrOptions {
    fn default() -> Self {
        ZarrOptions { version: 3, compression: Compression::Zstd(0), overwrite: false }
    }
}

/// A bytes-to-bytes step of a chunk's encoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Codec {
    Blosc,
    Gzip,
    Zlib,
    Zstd,
    Crc32c,
}

/// What the metadata of a store says, in the terms this module reads chunks by.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Meta {
    shape: Vec<usize>,
    chunk: Vec<usize>,
    dtype: String,
    big_endian: bool,
    /// The axes order the chunk's bytes are in (C order: `0..n`).
    order: Vec<usize>,
    codecs: Vec<Codec>,
    /// (Not sent with a chunk's task, which carries the fill value itself.)
    #[serde(skip)]
    fill: Json,
    /// Chunk file name: prefix, separator.
    prefix: Option<String>,
    separator: String,
}

impl Meta {
    fn key(&self, idx: &[usize]) -> String {
        let parts: Vec<String> = idx.iter().map(ToString::to_string).collect();
        match (self.prefix.as_deref(), parts.is_empty()) {
            (Some(p), true) => p.to_string(),
            (Some(p), false) => format!("{p}{}{}", self.separator, parts.join(&self.separator)),
            (None, true) => "0".into(),
            (None, false) => parts.join(&self.separator),
        }
    }
}

fn bad(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{}: {why}", path.display()))
}

fn read_json(path: &Path) -> Result<Json> {
    let text = fs::read_to_string(path).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })?;
    serde_json::from_str(&text).map_err(|e| bad(path, format!("line {} column {}: {e}", e.line(), e.column())))
}

fn usizes(v: &Json, path: &Path, field: &str) -> Result<Vec<usize>> {
    v.as_array()
        .and_then(|a| a.iter().map(|x| x.as_u64().map(|n| n as usize)).collect())
        .ok_or_else(|| bad(path, format!("'{field}' is not a list of sizes")))
}

fn read_meta(store: &Path) -> Result<Meta> {
    let v3 = store.join("zarr.json");
    let v2 = store.join(".zarray");
    if v3.exists() {
        meta_v3(&v3, &read_json(&v3)?)
    } else if v2.exists() {
        meta_v2(&v2, &read_json(&v2)?)
    } else if store.join(".zgroup").exists() {
        Err(bad(store, "is a Zarr group, not an array; open one of the arrays in it"))
    } else if !store.exists() {
        Err(Error::Io { path: store.to_path_buf(), source: std::io::Error::from(std::io::ErrorKind::NotFound) })
    } else {
        Err(bad(store, "is not a Zarr array (no zarr.json or .zarray in it)"))
    }
}

fn meta_v2(path: &Path, m: &Json) -> Result<Meta> {
    let shape = usizes(&m["shape"], path, "shape")?;
    let chunk = usizes(&m["chunks"], path, "chunks")?;
    let dtype = m["dtype"]
        .as_str()
        .ok_or_else(|| bad(path, "'dtype' is not a simple type (structured dtypes are not supported)"))?;
    let codecs = match &m["compressor"] {
        Json::Null => vec![],
        c => match c["id"].as_str() {
            Some("blosc") => vec![Codec::Blosc],
            Some("zlib") => vec![Codec::Zlib],
            Some("gzip") => vec![Codec::Gzip],
            Some("zstd") => vec![Codec::Zstd],
            Some(other) => {
                return Err(bad(
                    path,
                    format!("compressor '{other}' is not supported (rask reads blosc, zlib, gzip and zstd)"),
                ));
            }
            None => return Err(bad(path, "'compressor' has no id")),
        },
    };
    if m["filters"].as_array().is_some_and(|f| !f.is_empty()) {
        return Err(bad(path, "filters are not supported"));
    }
    let n = shape.len();
    let order = if m["order"].as_str() == Some("F") { (0..n).rev().collect() } else { (0..n).collect() };
    Ok(Meta {
        big_endian: dtype.starts_with('>'),
        dtype: dtype.to_string(),
        shape,
        chunk,
        order,
        codecs,
        fill: m["fill_value"].clone(),
        prefix: None,
        separator: m["dimension_separator"].as_str().unwrap_or(".").to_string(),
    })
}

fn meta_v3(path: &Path, m: &Json) -> Result<Meta> {
    if m["node_type"].as_str() == Some("group") {
        return Err(bad(path, "is a Zarr group, not an array; open one of the arrays in it"));
    }
    let shape = usizes(&m["shape"], path, "shape")?;
    if m["chunk_grid"]["name"].as_str() != Some("regular") {
        return Err(bad(path, "only a regular chunk grid is supported"));
    }
    let chunk = usizes(&m["chunk_grid"]["configuration"]["chunk_shape"], path, "chunk_shape")?;
    let dtype = m["data_type"].as_str().ok_or_else(|| bad(path, "'data_type' is not a simple type"))?;
    let enc = &m["chunk_key_encoding"];
    let (prefix, default_sep) = if enc["name"].as_str() == Some("v2") { (None, ".") } else { (Some("c".into()), "/") };
    let separator = enc["configuration"]["separator"].as_str().unwrap_or(default_sep).to_string();
    let mut order: Vec<usize> = (0..shape.len()).collect();
    let mut big_endian = false;
    let mut codecs = Vec::new();
    for c in m["codecs"].as_array().ok_or_else(|| bad(path, "'codecs' is missing"))? {
        match c["name"].as_str() {
            Some("transpose") => {
                let o = usizes(&c["configuration"]["order"], path, "transpose order")?;
                let mut sorted = o.clone();
                sorted.sort_unstable();
                if !sorted.iter().copied().eq(0..shape.len()) {
                    return Err(bad(
                        path,
                        format!("transpose order {} is not an order of the {} axes", show(&o), shape.len()),
                    ));
                }
                order = o.iter().map(|&i| order[i]).collect();
            }
            Some("bytes") => big_endian = c["configuration"]["endian"].as_str() == Some("big"),
            Some("blosc") => codecs.push(Codec::Blosc),
            Some("gzip") => codecs.push(Codec::Gzip),
            Some("zstd") => codecs.push(Codec::Zstd),
            Some("crc32c") => codecs.push(Codec::Crc32c),
            Some("sharding_indexed") => return Err(bad(path, "sharded arrays are not supported")),
            Some(other) => {
                return Err(bad(
                    path,
                    format!(
                        "codec '{other}' is not supported (rask reads bytes, transpose, blosc, gzip, zstd and crc32c)"
                    ),
                ));
            }
            None => return Err(bad(path, "a codec without a name")),
        }
    }
    Ok(Meta {
        shape,
        chunk,
        dtype: dtype.to_string(),
        big_endian,
        order,
        codecs,
        fill: m["fill_value"].clone(),
        prefix,
        separator,
    })
}

/// An array over a Zarr store (version 2 or 3) on disk, one block per Zarr chunk; the
/// metadata is read now and checked against `T`, each chunk is read by its own task.
///
/// ```
/// use rask::prelude::*;
/// let store = std::env::temp_dir().join(format!("rask-doc-{}.zarr", std::process::id()));
/// let x = da::random(&[100, 8], [30, 8], 3)?.astype::<f32>();
/// da::to_zarr(&store, &x)?;
/// let y = da::from_zarr::<f32>(&store)?;
/// assert_eq!(y.chunks()[0], [30, 30, 30, 10]);
/// let n = y.norm(da::axis(1).keepdims());
/// let unit = (&y / &n).compute()?;
/// assert!((unit.row_norm(0) - 1.0).abs() < 1e-6);
/// # std::fs::remove_dir_all(&store).ok();
/// # trait RowNorm { fn row_norm(&self, i: usize) -> f32; }
/// # impl RowNorm for ndarray::ArrayD<f32> { fn row_norm(&self, i: usize) -> f32 { self.index_axis(ndarray::Axis(0), i).iter().map(|v| v * v).sum::<f32>().sqrt() } }
/// # Ok::<(), rask::Error>(())
/// ```
pub fn from_zarr<T: Element>(store: impl AsRef<Path>) -> Result<Array<T>> {
    let store = store.as_ref().to_path_buf();
    let meta = read_meta(&store)?;
    if !super::element::same_type::<T>(&meta.dtype) {
        return Err(bad(&store, type_mismatch::<T>(&meta.dtype, "from_zarr")));
    }
    if meta.chunk.len() != meta.shape.len() || meta.chunk.contains(&0) {
        return Err(bad(&store, format!("chunk shape {} does not fit shape {}", show(&meta.chunk), show(&meta.shape))));
    }
    if meta
        .chunk
        .iter()
        .try_fold(std::mem::size_of::<T>(), |n, &c| n.checked_mul(c))
        .is_none_or(|n| n > MAX_CHUNK_BYTES)
    {
        return Err(bad(&store, format!("chunks of shape {} are larger than rask reads (16 GiB)", show(&meta.chunk))));
    }
    let fill = if meta.fill.is_null() {
        T::default()
    } else {
        T::from_json(&meta.fill)
            .ok_or_else(|| bad(&store, format!("fill_value {} is not a {}", meta.fill, T::DTYPE)))?
    };
    let chunks = regular(&meta.shape, &meta.chunk).map_err(|e| bad(&store, e))?;
    let grid = Grid { shape: meta.shape.clone(), chunks };
    let g = grid.clone();
    let meta = Arc::new(meta);
    Ok(Array::builtin_layer(
        "from-zarr",
        grid,
        |_| Vec::new(),
        |idx| ReadChunk { file: store.join(meta.key(idx)), meta: meta.clone(), shape: g.block_shape(idx), fill },
    ))
}

/// The task reading one chunk of a store, as data (a cluster's workers read the same path).
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct ReadChunk<T: Element> {
    file: PathBuf,
    meta: Arc<Meta>,
    shape: Vec<usize>,
    fill: T,
}

impl<T: Element> BlockTask for ReadChunk<T> {
    type Out = T;
}

impl<T: Element> Builtin for ReadChunk<T> {
    fn run(&self, _: Vec<Value>) -> std::result::Result<Value, TaskError> {
        read_chunk::<T>(&self.file, &self.meta, &self.shape, self.fill).map(value).map_err(|e| fail(e.to_string()))
    }
}

/// The largest chunk `from_zarr` accepts, so that a store's metadata cannot ask for more
/// memory than a machine has.
const MAX_CHUNK_BYTES: usize = 16 << 30;

fn read_chunk<T: Element>(file: &Path, meta: &Meta, shape: &[usize], fill: T) -> Result<ArrayD<T>> {
    let count: usize = meta.chunk.iter().product();
    let values: Vec<T> = if meta.codecs.is_empty() {
        let f = match fs::File::open(file) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ArrayD::from_elem(IxDyn(shape), fill)),
            Err(e) => return Err(Error::Io { path: file.to_path_buf(), source: e }),
        };
        let len = f.metadata().map_err(|e| Error::Io { path: file.to_path_buf(), source: e })?.len();
        if len < (count * std::mem::size_of::<T>()) as u64 {
            return Err(bad(
                file,
                format!("the chunk holds {len} bytes, expected {}", count * std::mem::size_of::<T>()),
            ));
        }
        read_values(f, count, meta.big_endian)
            .map_err(|e| bad(file, format!("the chunk is shorter than {count} values ({e})")))?
    } else {
        let raw = match fs::read(file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ArrayD::from_elem(IxDyn(shape), fill)),
            Err(e) => return Err(Error::Io { path: file.to_path_buf(), source: e }),
        };
        let size = std::mem::size_of::<T>();
        let bytes = decode(raw, &meta.codecs, count * size).map_err(|e| bad(file, e))?;
        if bytes.len() != count * size {
            return Err(bad(file, format!("the chunk holds {} bytes, expected {}", bytes.len(), count * size)));
        }
        let mut v = Vec::with_capacity(count);
        T::extend_from_bytes(&mut v, &bytes, meta.big_endian);
        v
    };
    // The bytes are in the axes order `order`; put the axes back.
    let stored: Vec<usize> = meta.order.iter().map(|&a| meta.chunk[a]).collect();
    let a = ArrayD::from_shape_vec(IxDyn(&stored), values).map_err(|e| bad(file, e))?;
    let mut inverse = vec![0; meta.order.len()];
    meta.order.iter().enumerate().for_each(|(i, &a)| inverse[a] = i);
    let mut a = a.permuted_axes(IxDyn(&inverse));
    // Edge chunks are stored whole; keep the part inside the array.
    for (axis, &n) in shape.iter().enumerate() {
        a.slice_axis_inplace(Axis(axis), Slice::from(0..n));
    }
    Ok(if a.is_standard_layout() { a } else { a.as_standard_layout().into_owned() })
}

/// The chunk's bytes from what is stored: the codecs undone from last to first. The first
/// codec gives the chunk's `expected` bytes.
fn decode(mut bytes: Vec<u8>, codecs: &[Codec], expected: usize) -> std::result::Result<Vec<u8>, String> {
    for (i, c) in codecs.iter().enumerate().rev() {
        bytes = match c {
            Codec::Crc32c => {
                let n = bytes.len().checked_sub(4).ok_or("a crc32c chunk shorter than its checksum")?;
                bytes.truncate(n);
                bytes
            }
            Codec::Blosc => {
                let expected = Some(expected).filter(|_| i == 0);
                super::blosc::decompress(&bytes, expected).map_err(|e| format!("blosc: {e}"))?
            }
            Codec::Gzip => read_all(flate2::read::MultiGzDecoder::new(&bytes[..])).map_err(|e| format!("gzip: {e}"))?,
            Codec::Zlib => read_all(flate2::read::ZlibDecoder::new(&bytes[..])).map_err(|e| format!("zlib: {e}"))?,
            Codec::Zstd => zstd::decode_all(&bytes[..]).map_err(|e| format!("zstd: {e}"))?,
        };
    }
    Ok(bytes)
}

fn read_all(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.read_to_end(&mut out)?;
    Ok(out)
}

/// Writes `x` to a Zarr v3 store at `store`, zstd-compressed (see [`to_zarr_with`]).
pub fn to_zarr<T: Element>(store: impl AsRef<Path>, x: &Array<T>) -> Result<()> {
    to_zarr_with(store, x, &ZarrOptions::default())
}

/// Writes `x` to a Zarr store, one chunk per block, each written by its own task. Blocks
/// must be regular for Zarr (all the same size but the last along each axis); other
/// arrays are rechunked to their largest block first. An existing store is refused unless
/// `overwrite` is set. The store is written beside its destination and moved in once
/// whole, so a failed write keeps the old one, and an array may replace the store it reads.
///
/// ```
/// use rask::prelude::*;
/// use rask::array::{Compression, ZarrOptions};
/// let store = std::env::temp_dir().join(format!("rask-doc-v2-{}.zarr", std::process::id()));
/// let x = da::arange(0i64, 10, 1, 4)?;
/// let v2 = ZarrOptions { version: 2, compression: Compression::Gzip(5), overwrite: true };
/// da::to_zarr_with(&store, &x, &v2)?;
/// assert!(store.join(".zarray").exists() && store.join("2").exists());
/// assert_eq!(da::from_zarr::<i64>(&store)?.compute()?, x.compute()?);
/// assert!(da::to_zarr(&store, &x).unwrap_err().to_string().contains("already exists"));
/// # std::fs::remove_dir_all(&store).ok();
/// # Ok::<(), rask::Error>(())
/// ```
pub fn to_zarr_with<T: Element>(store: impl AsRef<Path>, x: &Array<T>, options: &ZarrOptions) -> Result<()> {
    let store = store.as_ref().to_path_buf();
    let grid = x.grid()?.clone();
    let x = if grid.is_regular() { x.clone() } else { x.rechunk(grid.chunksize()) };
    let grid = x.grid()?.clone();
    let chunk: Vec<usize> = grid.chunksize().into_iter().map(|c| c.max(1)).collect();
    if !matches!(options.version, 2 | 3) {
        return Err(Error::Invalid(format!("to_zarr: Zarr version {} (2 or 3)", options.version)));
    }
    let Some(name) = store.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(bad(&store, "is not a store's name (a path ending in a directory name, e.g. x.zarr)"));
    };
    if store.exists() && !options.overwrite {
        return Err(bad(&store, "already exists (set ZarrOptions::overwrite to replace it)"));
    }
    // The store is written beside its destination and moved there when every chunk is
    // written: a failed write leaves the old store whole, and `x` may read the store it
    // replaces.
    let staging = beside(&store, &name, "write");
    fs::create_dir_all(&staging).map_err(|e| bad(&store, format!("cannot make {}: {e}", staging.display())))?;
    let written =
        write_store(&staging, &x, &grid, &chunk, options).and_then(|()| replace(&store, &name, &staging, options));
    if written.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    written
}

/// A hidden path next to `store` (named `name`), unique to this process and call.
fn beside(store: &Path, name: &str, what: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    store.with_file_name(format!(".{name}.rask-{what}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// Moves the written `staging` directory to `store`. A store already there (which
/// `overwrite` allows) is moved aside first, put back if the move fails, and removed once
/// the new one is in place.
fn replace(store: &Path, name: &str, staging: &Path, options: &ZarrOptions) -> Result<()> {
    let io = |source| Error::Io { path: store.to_path_buf(), source };
    if !store.exists() {
        return fs::rename(staging, store).map_err(io);
    }
    if !options.overwrite {
        return Err(bad(store, "already exists (set ZarrOptions::overwrite to replace it)"));
    }
    let old = beside(store, name, "old");
    fs::rename(store, &old).map_err(io)?;
    if let Err(e) = fs::rename(staging, store) {
        let _ = fs::rename(&old, store);
        return Err(io(e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// The metadata file and one chunk file per block of `x` (by its own task) under `dir`.
fn write_store<T: Element>(
    dir: &Path,
    x: &Array<T>,
    grid: &Grid,
    chunk: &[usize],
    options: &ZarrOptions,
) -> Result<()> {
    let (meta_file, meta_json, meta) = metadata::<T>(&grid.shape, chunk, options);
    let text = serde_json::to_string_pretty(&meta_json).map_err(|e| Error::Internal(e.to_string()))?;
    fs::write(dir.join(meta_file), text).map_err(|e| Error::Io { path: dir.join(meta_file), source: e })?;
    let meta = Arc::new(meta);
    let name: Arc<str> = Key::unique("to-zarr").to_string().into();
    let level = options.compression;
    let writes: Vec<crate::Delayed<()>> = (0..grid.len())
        .map(|flat| {
            let idx = grid.index(flat);
            let file = dir.join(meta.key(&idx));
            let chunk = chunk.to_vec();
            let run = move |inputs: Vec<Value>| {
                let b = input_ref::<T>(inputs.first().ok_or_else(|| fail("a write without its block"))?)?;
                write_chunk(&file, b, &chunk, level).map(value).map_err(|e| fail(e.to_string()))
            };
            crate::Delayed::from_node(Node::new(
                Key::block(name.clone(), &idx),
                Op::Call(Box::new(run)),
                vec![x.blocks()[flat].clone()],
            ))
        })
        .collect();
    crate::compute(&writes)?;
    Ok(())
}

fn metadata<T: Element>(shape: &[usize], chunk: &[usize], o: &ZarrOptions) -> (&'static str, Json, Meta) {
    let fill = T::default().to_json();
    let (codecs, v2_compressor) = match o.compression {
        Compression::None => (vec![], Json::Null),
        Compression::Gzip(l) => (vec![Codec::Gzip], json!({"id": "gzip", "level": l})),
        Compression::Zstd(l) => (vec![Codec::Zstd], json!({"id": "zstd", "level": l, "checksum": false})),
    };
    let meta = Meta {
        shape: shape.to_vec(),
        chunk: chunk.to_vec(),
        dtype: T::NPY.to_string(),
        big_endian: false,
        order: (0..shape.len()).collect(),
        codecs,
        fill: fill.clone(),
        prefix: if o.version == 3 { Some("c".into()) } else { None },
        separator: if o.version == 3 { "/".into() } else { ".".into() },
    };
    if o.version == 2 {
        let j = json!({
            "zarr_format": 2, "shape": shape, "chunks": chunk, "dtype": T::NPY, "compressor": v2_compressor,
            "fill_value": fill, "order": "C", "filters": null, "dimension_separator": "."
        });
        return (".zarray", j, meta);
    }
    let mut codecs = vec![json!({"name": "bytes", "configuration": {"endian": "little"}})];
    match o.compression {
        Compression::None => {}
        Compression::Gzip(l) => codecs.push(json!({"name": "gzip", "configuration": {"level": l}})),
        Compression::Zstd(l) => codecs.push(json!({"name": "zstd", "configuration": {"level": l, "checksum": false}})),
    }
    let j = json!({
        "zarr_format": 3, "node_type": "array", "shape": shape, "data_type": T::DTYPE,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunk}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": fill, "codecs": codecs, "attributes": {}
    });
    ("zarr.json", j, meta)
}

/// One chunk: the block padded to the chunk shape, in C order, compressed.
fn write_chunk<T: Element>(file: &PathBuf, b: &ArrayD<T>, chunk: &[usize], c: Compression) -> Result<()> {
    let io = |e| Error::Io { path: file.clone(), source: e };
    let mut bytes = Vec::with_capacity(chunk.iter().product::<usize>() * std::mem::size_of::<T>());
    if b.shape() == chunk {
        b.iter().for_each(|&v| v.put(&mut bytes));
    } else {
        let mut full = ArrayD::<T>::default(IxDyn(chunk));
        let mut dst = full.view_mut();
        for (a, &n) in b.shape().iter().enumerate() {
            dst.slice_axis_inplace(Axis(a), Slice::from(0..n));
        }
        dst.assign(b);
        full.iter().for_each(|&v| v.put(&mut bytes));
    }
    let bytes = match c {
        Compression::None => bytes,
        Compression::Gzip(l) => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(l.min(9)));
            e.write_all(&bytes).and_then(|_| e.finish()).map_err(io)?
        }
        Compression::Zstd(l) => zstd::encode_all(&bytes[..], l).map_err(io)?,
    };
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    fs::write(file, bytes).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_keys() {
        let v3 = meta_v3(Path::new("a"), &json!({
            "shape": [4, 4], "data_type": "float32",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 2]}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "codecs": [{"name": "transpose", "configuration": {"order": [1, 0]}}, {"name": "bytes", "configuration": {"endian": "big"}}, {"name": "zstd"}],
            "fill_value": "NaN"
        }))
        .expect("valid");
        assert_eq!(v3.key(&[1, 0]), "c/1/0");
        assert_eq!((v3.order.clone(), v3.big_endian, v3.codecs.clone()), (vec![1, 0], true, vec![Codec::Zstd]));
        let v2 = meta_v2(
            Path::new("a"),
            &json!({"shape": [], "chunks": [], "dtype": "<i8", "compressor": null, "order": "C"}),
        )
        .expect("valid");
        assert_eq!(v2.key(&[]), "0");
        let e = meta_v2(
            Path::new("s.zarr/.zarray"),
            &json!({"shape": [2], "chunks": [2], "dtype": "<i8", "compressor": {"id": "lzma"}}),
        )
        .expect_err("lzma");
        assert!(
            e.to_string().starts_with("s.zarr/.zarray: compressor 'lzma' is not supported (rask reads blosc, "),
            "{e}"
        );
    }
}
