//! NumPy's `.npy` files: `from_npy` reads the header now and each block later, in its own
//! task (a range of rows is one contiguous read in a C-order file); `to_npy` computes an
//! array and writes it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn, ShapeBuilder, Slice};
use serde::{Deserialize, Serialize};

use super::chunks::{Chunks, Grid, show};
use super::element::{read_values, same_type, type_mismatch};
use super::task::BlockTask;
use super::{Array, Element, fail};
use crate::error::{Error, Result, TaskError};
use crate::remote::Builtin;
use crate::value::{Value, value};

/// What an `.npy` header says.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Header {
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
    /// Where the data starts.
    offset: u64,
}

fn bad(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{}: {why}", path.display()))
}

fn read_header(path: &Path) -> Result<Header> {
    let io = |e| Error::Io { path: path.to_path_buf(), source: e };
    let mut f = File::open(path).map_err(io)?;
    let mut start = [0u8; 10];
    f.read_exact(&mut start).map_err(|_| bad(path, "not a .npy file (too short)"))?;
    if &start[..6] != b"\x93NUMPY" {
        return Err(bad(path, "not a .npy file (no \\x93NUMPY magic)"));
    }
    let (len, at) = match start[6] {
        1 => (u16::from_le_bytes([start[8], start[9]]) as usize, 10),
        2 | 3 => {
            let mut more = [0u8; 2];
            f.read_exact(&mut more).map_err(io)?;
            (u32::from_le_bytes([start[8], start[9], more[0], more[1]]) as usize, 12)
        }
        v => return Err(bad(path, format!(".npy version {v} is not supported"))),
    };
    let mut text = vec![0u8; len];
    f.read_exact(&mut text).map_err(|_| bad(path, "the header is cut short"))?;
    let text = String::from_utf8_lossy(&text);
    parse_header(&text, (at + len) as u64).map_err(|why| bad(path, why))
}

/// The Python dict of a header: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
fn parse_header(text: &str, offset: u64) -> std::result::Result<Header, String> {
    let value = |key: &str| -> std::result::Result<&str, String> {
        let at = text.find(&format!("'{key}'")).ok_or_else(|| format!("the header has no '{key}'"))?;
        let rest = text[at + key.len() + 2..].trim_start().strip_prefix(':').ok_or("a malformed header")?;
        Ok(rest.trim_start())
    };
    let descr = value("descr")?;
    let descr =
        descr.strip_prefix('\'').and_then(|d| d.split('\'').next()).ok_or("a structured dtype is not supported")?;
    let fortran = value("fortran_order")?.starts_with("True");
    let shape = value("shape")?;
    let inner = shape.strip_prefix('(').and_then(|s| s.split(')').next()).ok_or("a malformed shape")?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>().map_err(|_| format!("a malformed shape ({inner})")))
        .collect::<std::result::Result<_, _>>()?;
    Ok(Header { descr: descr.to_string(), fortran, shape, offset })
}

/// An array over a `.npy` file, cut into blocks (see [`Chunks`]); the header is read now
/// and checked against `T`, each block is read by its own task.
///
/// ```
/// use rask::prelude::*;
/// let path = std::env::temp_dir().join(format!("rask-doc-{}.npy", std::process::id()));
/// let x = da::from_array(ndarray::array![[1.5f32, 2.0], [3.0, 4.0], [5.0, 6.0]], 2)?;
/// da::to_npy(&path, &x)?;
/// let y = da::from_npy::<f32>(&path, [2, -1])?;
/// assert_eq!(y.compute()?, x.compute()?);
/// let e = da::from_npy::<f64>(&path, 2).unwrap_err();
/// assert!(e.to_string().contains("holds <f4, not float64: read it as f32, e.g. da::from_npy::<f32>(..)"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), rask::Error>(())
/// ```
pub fn from_npy<T: Element>(path: impl AsRef<Path>, chunks: impl Into<Chunks>) -> Result<Array<T>> {
    let path = path.as_ref().to_path_buf();
    let h = read_header(&path)?;
    if !same_type::<T>(&h.descr) {
        return Err(bad(&path, type_mismatch::<T>(&h.descr, "from_npy")));
    }
    let need = h.shape.iter().try_fold(std::mem::size_of::<T>() as u64, |n, &d| n.checked_mul(d as u64));
    let have = std::fs::metadata(&path)
        .map_err(|e| Error::Io { path: path.clone(), source: e })?
        .len()
        .saturating_sub(h.offset);
    if need.is_none_or(|n| n > have) {
        return Err(bad(
            &path,
            format!(
                "the header's shape {} of {} needs more bytes than the {have} the file holds",
                show(&h.shape),
                h.descr
            ),
        ));
    }
    let big = h.descr.starts_with('>');
    let grid = Grid::new(&h.shape, &chunks.into(), std::mem::size_of::<T>())?;
    let offsets: Vec<Vec<usize>> = (0..grid.ndim()).map(|a| grid.offsets(a)).collect();
    let g = grid.clone();
    let header = Arc::new(h);
    Ok(Array::builtin_layer(
        "from-npy",
        grid,
        |_| Vec::new(),
        |idx| ReadBlock {
            path: path.clone(),
            header: header.clone(),
            big,
            lo: idx.iter().enumerate().map(|(a, &i)| offsets[a][i]).collect(),
            shape: g.block_shape(idx),
            _element: PhantomData,
        },
    ))
}

/// The task reading one block of a file, as data (a cluster's workers read the same path).
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub(super) struct ReadBlock<T: Element> {
    path: PathBuf,
    header: Arc<Header>,
    big: bool,
    lo: Vec<usize>,
    shape: Vec<usize>,
    #[serde(skip)]
    _element: PhantomData<fn() -> T>,
}

impl<T: Element> BlockTask for ReadBlock<T> {
    type Out = T;
}

impl<T: Element> Builtin for ReadBlock<T> {
    fn run(&self, _: Vec<Value>) -> std::result::Result<Value, TaskError> {
        read_block::<T>(&self.path, &self.header, self.big, &self.lo, &self.shape)
            .map(value)
            .map_err(|e| fail(e.to_string()))
    }
}

/// The block at `lo` of `shape`: the rows it spans (all of the file for Fortran order),
/// then the block's part of them.
fn read_block<T: Element>(path: &PathBuf, h: &Header, big: bool, lo: &[usize], shape: &[usize]) -> Result<ArrayD<T>> {
    let io = |e| Error::Io { path: path.clone(), source: e };
    let size = std::mem::size_of::<T>();
    let row: usize = h.shape.iter().skip(1).product();
    let (first, rows) = match (h.fortran, h.shape.len()) {
        (_, 0) => (0, 1),
        (false, _) => (lo[0], shape[0]),
        (true, _) => (0, h.shape[0]),
    };
    let count = if h.shape.is_empty() {
        1
    } else if h.fortran {
        h.shape.iter().product()
    } else {
        rows * row
    };
    let mut f = File::open(path).map_err(io)?;
    f.seek(SeekFrom::Start(h.offset + (first * row * size) as u64)).map_err(io)?;
    let values: Vec<T> =
        read_values(&mut f, count, big).map_err(|_| bad(path, "the data is shorter than the header's shape"))?;
    let mut dims = h.shape.clone();
    if !dims.is_empty() && !h.fortran {
        dims[0] = rows;
    }
    let whole = if h.fortran {
        ArrayD::from_shape_vec(IxDyn(&dims).f(), values)
    } else {
        ArrayD::from_shape_vec(IxDyn(&dims), values)
    }
    .map_err(|e| bad(path, e))?;
    let mut v = whole.view();
    for a in 0..shape.len() {
        let start = if a == 0 && !h.fortran { 0 } else { lo[a] };
        v.slice_axis_inplace(Axis(a), Slice::from(start..start + shape[a]));
    }
    Ok(v.as_standard_layout().into_owned())
}

/// Computes `x` and writes it to a `.npy` file (C order, little-endian) that NumPy reads.
pub fn to_npy<T: Element>(path: impl AsRef<Path>, x: &Array<T>) -> Result<()> {
    let path = path.as_ref();
    let a = x.compute()?;
    let dims = match a.shape() {
        [one] => format!("({one},)"),
        s => show(s),
    };
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {dims}, }}", T::NPY);
    let (version, prefix) = if header.len() + 11 < 65536 { (1u8, 10) } else { (2u8, 12) };
    let pad = (64 - (prefix + header.len() + 1) % 64) % 64;
    header.push_str(&" ".repeat(pad));
    header.push('\n');
    let mut out = Vec::with_capacity(prefix + header.len() + a.len() * std::mem::size_of::<T>());
    out.extend_from_slice(b"\x93NUMPY");
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    a.iter().for_each(|&v| v.put(&mut out));
    let io = |e| Error::Io { path: path.to_path_buf(), source: e };
    File::create(path).and_then(|mut f| f.write_all(&out)).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_as_numpy_writes_them() {
        let h = parse_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }  \n", 128).expect("valid");
        assert_eq!(h, Header { descr: "<f8".into(), fortran: false, shape: vec![3, 4], offset: 128 });
        let h = parse_header("{'descr': '|b1', 'fortran_order': True, 'shape': (5,), }", 64).expect("valid");
        assert_eq!((h.fortran, h.shape), (true, vec![5]));
        assert_eq!(
            parse_header("{'descr': '<i4', 'fortran_order': False, 'shape': (), }", 64).expect("0-d").shape,
            Vec::<usize>::new()
        );
        assert!(parse_header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }", 64).is_err());
    }
}
