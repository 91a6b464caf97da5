//! Moving rows between partitions. Each input partition is split into buckets by a bucket
//! number per row (a hash of the key columns, or the range a sort value falls in); output
//! partition `b` gathers bucket `b` of every split, in input order.
//!
//! With a memory budget ([`crate::config::set_memory_limit`]), a split whose pieces would
//! take the memory held by all shuffles past an eighth of the budget writes them to disk instead
//! (uncompressed parquet under [`crate::config::spill_dir`]); the gathering task reads them
//! back, and the files go away with the last reference to them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use polars::prelude::{DataFrame as PlFrame, *};

use super::concat_frames;
use crate::delayed::{Delayed, call_fallible};
use crate::value::Data;
use crate::{config, memory};

/// A gathered bucket, and what the task does with it, take about this many times the
/// bucket's size in memory.
const GATHER_FACTOR: u64 = 3;

/// Bytes of shuffle pieces held in memory right now, across all runs.
static HELD: AtomicUsize = AtomicUsize::new(0);
static SPILLED: AtomicU64 = AtomicU64::new(0);

/// How many bytes (in memory, before writing) shuffles in this process have spilled to disk.
///
/// ```
/// let before = rask::dataframe::spilled_bytes();
/// assert!(rask::dataframe::spilled_bytes() >= before);
/// ```
pub fn spilled_bytes() -> u64 {
    SPILLED.load(Ordering::Relaxed)
}

/// One bucket's rows from one input partition.
#[derive(Clone)]
enum Piece {
    Memory(Arc<Held>),
    Disk(Arc<Spilled>),
}

struct Held {
    frame: PlFrame,
    bytes: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

struct Spilled {
    path: PathBuf,
    /// The frame's size in memory.
    bytes: usize,
}

impl Drop for Spilled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn io_error(path: &std::path::Path, e: std::io::Error) -> PolarsError {
    PolarsError::IO { error: Arc::new(e), msg: Some(format!("spill file {}", path.display()).into()) }
}

impl Piece {
    /// Keeps `frames` in memory, or writes them to disk when the budget says so.
    fn hold(frames: Vec<PlFrame>) -> PolarsResult<Vec<Piece>> {
        let sized: Vec<(PlFrame, usize)> = frames
            .into_iter()
            .map(|f| {
                let b = f.estimated_size();
                (f, b)
            })
            .collect();
        let bytes: usize = sized.iter().map(|(_, b)| b).sum();
        let spill = config::memory_limit()
            .is_some_and(|limit| (HELD.load(Ordering::Relaxed) + bytes) as u64 > limit / 8 && bytes > 0);
        if !spill {
            return Ok(sized
                .into_iter()
                .map(|(frame, bytes)| {
                    HELD.fetch_add(bytes, Ordering::Relaxed);
                    Piece::Memory(Arc::new(Held { frame, bytes }))
                })
                .collect());
        }
        let dir = config::spill_dir();
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        sized
            .into_iter()
            .map(|(mut frame, bytes)| {
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let path = dir.join(format!("{}-{n}.parquet", std::process::id()));
                let file = std::fs::File::create(&path).map_err(|e| io_error(&path, e))?;
                let spilled = Spilled { path, bytes };
                SPILLED.fetch_add(spilled.bytes as u64, Ordering::Relaxed);
                ParquetWriter::new(file).with_compression(ParquetCompression::Uncompressed).finish(&mut frame)?;
                Ok(Piece::Disk(Arc::new(spilled)))
            })
            .collect()
    }

    /// The frame's size in memory.
    fn bytes(&self) -> usize {
        match self {
            Piece::Memory(held) => held.bytes,
            Piece::Disk(spilled) => spilled.bytes,
        }
    }

    fn load(self) -> PolarsResult<PlFrame> {
        match self {
            Piece::Memory(held) => Ok(held.frame.clone()),
            Piece::Disk(spilled) => {
                let file = std::fs::File::open(&spilled.path).map_err(|e| io_error(&spilled.path, e))?;
                ParquetReader::new(file).finish()
            }
        }
    }
}

/// How a shuffle numbers the rows of a partition: one bucket number below `buckets` per row.
pub(crate) type Assign<A> = dyn Fn(&PlFrame, &A) -> PolarsResult<IdxCa> + Send + Sync;

/// Splits `frame` into `buckets` frames by the row's bucket number, keeping row order.
fn split(frame: &PlFrame, ids: &IdxCa, buckets: usize) -> PolarsResult<Vec<PlFrame>> {
    let mut rows: Vec<Vec<IdxSize>> = vec![Vec::new(); buckets];
    for (i, id) in ids.iter().enumerate() {
        let b = id.map_or(0, |b| b as usize).min(buckets - 1);
        rows[b].push(i as IdxSize);
    }
    rows.into_iter().map(|r| frame.take(&IdxCa::from_vec(PlSmallStr::EMPTY, r))).collect()
}

/// Shuffles `parts` into `buckets` partitions of rows with the same bucket number. `aux` is
/// an extra input every split reads (the boundaries of a sort; `()` for a hash).
pub(crate) fn shuffle<A: Data>(
    parts: Vec<Delayed<PlFrame>>,
    aux: &Delayed<A>,
    buckets: usize,
    assign: Arc<Assign<A>>,
    schema: SchemaRef,
) -> Vec<Delayed<PlFrame>> {
    let buckets = buckets.max(1);
    let split_one = move |mut part: PlFrame, aux: A| -> PolarsResult<Vec<Piece>> {
        // One chunk first: polars gathers from a frame of many chunks (as its streaming
        // engine makes them) by copying it whole for every bucket.
        part.rechunk_mut_par();
        let ids = assign(&part, &aux)?;
        Piece::hold(split(&part, &ids, buckets)?)
    };
    let splits: Vec<Delayed<Vec<Piece>>> =
        parts.into_iter().map(|p| call_fallible("shuffle-split", split_one.clone(), (p, aux))).collect();
    (0..buckets)
        .map(|b| {
            let schema = schema.clone();
            let gather = move |all: Vec<Vec<Piece>>| {
                let mine: Vec<Piece> =
                    all.into_iter().filter_map(|mut v| (b < v.len()).then(|| v.swap_remove(b))).collect();
                let bytes: usize = mine.iter().map(Piece::bytes).sum();
                let _reserved = memory::reserve(GATHER_FACTOR * bytes as u64);
                concat_frames(mine.into_iter().map(Piece::load).collect::<PolarsResult<Vec<_>>>()?, &schema)
            };
            call_fallible("shuffle-gather", gather, (&splits,))
        })
        .collect()
}

/// Bucket numbers from a hash of the `keys` expressions, the same for equal keys in any
/// partition or frame.
pub(crate) fn hash_assign(keys: Vec<Expr>, buckets: usize) -> Arc<Assign<()>> {
    Arc::new(move |frame: &PlFrame, _: &()| {
        let hash = as_struct(keys.clone()).hash(0, 0, 0, 0) % lit(buckets.max(1) as u64);
        let out = frame.clone().lazy().select([hash.cast(IDX_DTYPE).alias("bucket")]).collect()?;
        Ok(out.column("bucket")?.idx()?.clone())
    })
}
