//! How an array is cut into blocks: the chunk specification a user writes ([`Chunks`]) and
//! the grid it becomes ([`Grid`]: the shape and the block sizes along every axis).

use crate::error::{Error, Result};

/// How to cut an array into blocks, as Dask's `chunks=`:
///
/// - one size for every axis: `1000`;
/// - a size per axis, `-1` meaning the whole axis: `[1000, -1]` (the last block of an axis
///   may be smaller);
/// - the block sizes along every axis, which must add up to the shape:
///   `vec![vec![3, 3, 4], vec![5]]`;
/// - `"auto"`: blocks of about 128 MiB, as square as the shape allows.
///
/// ```
/// use rask::prelude::*;
/// let x = da::ones::<f64>(&[10, 5], [4, -1])?;
/// assert_eq!(x.chunks(), vec![vec![4, 4, 2], vec![5]]);
/// let y = da::ones::<f64>(&[10, 5], vec![vec![3, 3, 4], vec![5]])?;
/// assert_eq!(y.chunks()[0], [3, 3, 4]);
/// assert!(da::ones::<f64>(&[10, 5], vec![vec![3, 3], vec![5]]).is_err());
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Chunks {
    /// Blocks of about 128 MiB.
    Auto,
    /// A block size per axis (`-1`: the whole axis), or one size for all axes.
    Size(Vec<i64>),
    /// The block sizes along each axis.
    Explicit(Vec<Vec<usize>>),
    /// Text that is not `"auto"`, refused when the array is made.
    #[doc(hidden)]
    Unknown(String),
}

/// What `"auto"` aims at per block, as Dask's `array.chunk-size`.
pub(crate) const AUTO_BYTES: usize = 128 << 20;

impl From<&str> for Chunks {
    /// `"auto"`; any other text is kept and refused when the array is made.
    fn from(s: &str) -> Chunks {
        if s == "auto" { Chunks::Auto } else { Chunks::Unknown(s.to_string()) }
    }
}

macro_rules! from_ints {
    ($($t:ty),*) => {$(
        impl From<$t> for Chunks {
            fn from(n: $t) -> Chunks {
                Chunks::Size(vec![n as i64])
            }
        }
        impl<const N: usize> From<[$t; N]> for Chunks {
            fn from(n: [$t; N]) -> Chunks {
                Chunks::Size(n.iter().map(|&x| x as i64).collect())
            }
        }
        impl From<&[$t]> for Chunks {
            fn from(n: &[$t]) -> Chunks {
                Chunks::Size(n.iter().map(|&x| x as i64).collect())
            }
        }
        impl From<Vec<$t>> for Chunks {
            fn from(n: Vec<$t>) -> Chunks {
                Chunks::Size(n.iter().map(|&x| x as i64).collect())
            }
        }
    )*};
}
from_ints!(i32, i64, usize);

impl From<Vec<Vec<usize>>> for Chunks {
    fn from(c: Vec<Vec<usize>>) -> Chunks {
        Chunks::Explicit(c)
    }
}

impl<const N: usize> From<[Vec<usize>; N]> for Chunks {
    fn from(c: [Vec<usize>; N]) -> Chunks {
        Chunks::Explicit(c.into())
    }
}

/// The shape of an array and the sizes of its blocks along every axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grid {
    pub(crate) shape: Vec<usize>,
    pub(crate) chunks: Vec<Vec<usize>>,
}

impl Grid {
    /// The grid `spec` makes of an array of `shape` with elements of `itemsize` bytes.
    pub(crate) fn new(shape: &[usize], spec: &Chunks, itemsize: usize) -> Result<Grid> {
        let chunks = match spec {
            Chunks::Auto => auto(shape, itemsize),
            Chunks::Size(sizes) => {
                let sizes = match sizes.len() {
                    1 if shape.len() != 1 => vec![sizes[0]; shape.len()],
                    n if n == shape.len() => sizes.clone(),
                    n => {
                        return Err(Error::Invalid(format!(
                            "chunks: {n} sizes given for an array of {} dimensions (shape {})",
                            shape.len(),
                            show(shape)
                        )));
                    }
                };
                let mut each = Vec::with_capacity(shape.len());
                for (axis, (&n, &size)) in shape.iter().zip(&sizes).enumerate() {
                    each.push(match size {
                        -1 => n.max(1),
                        s if s >= 1 => s as usize,
                        s => {
                            return Err(Error::Invalid(format!(
                                "chunks: size {s} along axis {axis} (a block size is at least 1, or -1 for the whole axis)"
                            )));
                        }
                    });
                }
                regular(shape, &each).map_err(|e| Error::Invalid(format!("chunks: {e}")))?
            }
            Chunks::Unknown(text) => {
                return Err(Error::Invalid(format!(
                    "chunks: {text:?} is not a chunk size (\"auto\", a size, or a size per axis)"
                )));
            }
            Chunks::Explicit(c) => {
                if c.len() != shape.len() {
                    return Err(Error::Invalid(format!(
                        "chunks: sizes for {} axes given for an array of {} dimensions (shape {})",
                        c.len(),
                        shape.len(),
                        show(shape)
                    )));
                }
                for (axis, (sizes, &n)) in c.iter().zip(shape).enumerate() {
                    let total = sizes.iter().try_fold(0usize, |t, &s| t.checked_add(s));
                    if total != Some(n) {
                        let total = total.map_or_else(|| "more than fits in memory".into(), |t| t.to_string());
                        return Err(Error::Invalid(format!(
                            "chunks: the block sizes {} along axis {axis} add up to {total}, but the shape {} has {n} there",
                            show(sizes),
                            show(shape)
                        )));
                    }
                    if n > 0 && sizes.contains(&0) {
                        return Err(Error::Invalid(format!(
                            "chunks: the block sizes {} along axis {axis} include an empty block",
                            show(sizes)
                        )));
                    }
                }
                check_count(c).map_err(|e| Error::Invalid(format!("chunks: {e}")))?;
                // An axis of length 0 is one empty block, whatever was written for it.
                c.iter().zip(shape).map(|(sizes, &n)| if n == 0 { vec![0] } else { sizes.clone() }).collect()
            }
        };
        Ok(Grid { shape: shape.to_vec(), chunks })
    }

    pub(crate) fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// How many blocks along each axis.
    pub(crate) fn nblocks(&self) -> Vec<usize> {
        self.chunks.iter().map(Vec::len).collect()
    }

    /// The number of blocks in all.
    pub(crate) fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).product()
    }

    /// The block index (one per axis) of the `flat`-th block in C order.
    pub(crate) fn index(&self, mut flat: usize) -> Vec<usize> {
        let mut idx = vec![0; self.ndim()];
        for axis in (0..self.ndim()).rev() {
            let n = self.chunks[axis].len();
            idx[axis] = flat % n;
            flat /= n;
        }
        idx
    }

    /// The position in C order of the block at `idx`.
    pub(crate) fn flat(&self, idx: &[usize]) -> usize {
        idx.iter().zip(&self.chunks).fold(0, |acc, (&i, c)| acc * c.len() + i)
    }

    /// The shape of the block at `idx`.
    pub(crate) fn block_shape(&self, idx: &[usize]) -> Vec<usize> {
        idx.iter().zip(&self.chunks).map(|(&i, c)| c[i]).collect()
    }

    /// Where each block starts along `axis` (one more entry: the axis length).
    pub(crate) fn offsets(&self, axis: usize) -> Vec<usize> {
        starts(&self.chunks[axis])
    }

    /// The largest block along each axis.
    pub(crate) fn chunksize(&self) -> Vec<usize> {
        self.chunks.iter().map(|c| c.iter().copied().max().unwrap_or(0)).collect()
    }

    /// Whether every block but the last along each axis has the same size (what a Zarr
    /// store needs).
    pub(crate) fn is_regular(&self) -> bool {
        self.chunks
            .iter()
            .all(|c| c.len() < 2 || (c[..c.len() - 1].iter().all(|&s| s == c[0]) && c[c.len() - 1] <= c[0]))
    }
}

/// Cumulative starts of `sizes`, ending with their sum.
pub(crate) fn starts(sizes: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(sizes.len() + 1);
    let mut at = 0;
    out.push(0);
    for s in sizes {
        at += s;
        out.push(at);
    }
    out
}

/// The most blocks an array may have: past this the graph alone would not fit in memory.
const MAX_BLOCKS: usize = 1 << 26;

/// An error when blocks of these sizes along each axis make more than [`MAX_BLOCKS`].
pub(crate) fn check_count(chunks: &[Vec<usize>]) -> std::result::Result<(), String> {
    match chunks.iter().try_fold(1usize, |total, c| total.checked_mul(c.len())) {
        Some(count) if count <= MAX_BLOCKS => Ok(()),
        _ => Err(format!(
            "{} blocks along the axes make more than {MAX_BLOCKS} blocks; choose larger blocks",
            show(&chunks.iter().map(Vec::len).collect::<Vec<_>>())
        )),
    }
}

/// Blocks of `sizes[a]` (each at least 1) along each axis `a` of `shape`, the last one
/// smaller; an error when that makes more than [`MAX_BLOCKS`].
pub(crate) fn regular(shape: &[usize], sizes: &[usize]) -> std::result::Result<Vec<Vec<usize>>, String> {
    let count =
        shape.iter().zip(sizes).try_fold(1usize, |total, (&n, &size)| total.checked_mul(n.div_ceil(size).max(1)));
    match count {
        Some(c) if c <= MAX_BLOCKS => Ok(shape.iter().zip(sizes).map(|(&n, &size)| split(n, size)).collect()),
        _ => Err(format!(
            "blocks of {} over shape {} make more than {MAX_BLOCKS} blocks; choose larger blocks",
            show(sizes),
            show(shape)
        )),
    }
}

/// `n` cut into blocks of `size` (the last one smaller); an empty axis has one empty block.
pub(crate) fn split(n: usize, size: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let mut out = vec![size; n / size];
    if !n.is_multiple_of(size) {
        out.push(n % size);
    }
    out
}

/// Blocks of about [`AUTO_BYTES`]: axes shorter than an even share are kept whole, the
/// others share what is left equally.
fn auto(shape: &[usize], itemsize: usize) -> Vec<Vec<usize>> {
    let mut budget = (AUTO_BYTES / itemsize.max(1)) as f64;
    let mut size = vec![0usize; shape.len()];
    let mut open: Vec<usize> = (0..shape.len()).collect();
    loop {
        let share = budget.powf(1.0 / open.len().max(1) as f64);
        let (small, large): (Vec<usize>, Vec<usize>) = open.iter().partition(|&&a| (shape[a] as f64) <= share);
        if small.is_empty() {
            for &a in &large {
                size[a] = (share.floor() as usize).max(1);
            }
            break;
        }
        for &a in &small {
            size[a] = shape[a].max(1);
            budget /= shape[a].max(1) as f64;
        }
        open = large;
        if open.is_empty() {
            break;
        }
    }
    shape.iter().zip(size).map(|(&n, s)| split(n, s)).collect()
}

/// `(a, b, c)`, as NumPy prints shapes.
pub(crate) fn show(v: &[usize]) -> String {
    match v {
        [one] => format!("({one},)"),
        _ => format!("({})", v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_whole_axes() {
        let g = Grid::new(&[10, 7], &Chunks::from([4, -1]), 8).expect("valid");
        assert_eq!(g.chunks, vec![vec![4, 4, 2], vec![7]]);
        assert_eq!(g.len(), 3);
        assert_eq!(g.index(2), vec![2, 0]);
        assert_eq!(g.flat(&[2, 0]), 2);
        assert_eq!(g.offsets(0), vec![0, 4, 8, 10]);
        assert!(g.is_regular());
        let e = Grid::new(&[10], &Chunks::from(0), 8).expect_err("size 0");
        assert!(e.to_string().contains("axis 0"), "{e}");
        let e = Grid::new(&[10, 2], &Chunks::from(vec![vec![5, 4], vec![2]]), 8).expect_err("sum 9");
        assert_eq!(
            e.to_string(),
            "chunks: the block sizes (5, 4) along axis 0 add up to 9, but the shape (10, 2) has 10 there"
        );
    }

    #[test]
    fn auto_aims_at_128_mib() {
        let g = Grid::new(&[2_000_000, 128], &Chunks::Auto, 4).expect("valid");
        assert_eq!(g.chunks[1], vec![128]);
        assert_eq!(g.chunks[0][0] * 128 * 4, AUTO_BYTES);
        let g = Grid::new(&[100_000, 100_000], &Chunks::Auto, 8).expect("valid");
        assert_eq!(g.chunksize(), vec![4096, 4096]);
        let g = Grid::new(&[10], &Chunks::Auto, 8).expect("valid");
        assert_eq!(g.chunks, vec![vec![10]]);
    }
}
