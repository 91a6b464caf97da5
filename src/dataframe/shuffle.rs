//! Moving rows between partitions. Each input partition is split into buckets by a bucket
//! number per row (a hash of the key columns, or the range a sort value falls in); a pick
//! task takes bucket `b` of one split, and output partition `b` gathers the picks of bucket
//! `b` from every split, in input order. (On a cluster, a pick runs where its split is, so
//! only the bucket moves to the gathering worker.)
//!
//! With a memory budget ([`crate::config::set_memory_limit`]), a split whose pieces would
//! take the memory held by all shuffles past an eighth of the budget writes them to disk instead
//! (uncompressed parquet under [`crate::config::spill_dir`]); the gathering task reads them
//! back, and the files go away with the last reference to them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use polars::prelude::{DataFrame as PlFrame, *};

use super::{FrameTask, concat_frames};
use crate::codec::{Codec, entry, read_frame, write_frame};
use crate::key::{Key, unique_name};
use crate::node::Node;
use crate::value::{Value, value};
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
pub(crate) enum Piece {
    Memory(Arc<Held>),
    Disk(Arc<Spilled>),
}

pub(crate) struct Held {
    frame: PlFrame,
    bytes: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

pub(crate) struct Spilled {
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

/// How a shuffle numbers the rows of a partition: one bucket number per row.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum Assign {
    /// A hash of these key expressions: the same bucket for equal keys in any partition
    /// or frame.
    Hash(Vec<Expr>),
    /// The range of the sorted boundaries (the split's second input) that column `key`
    /// falls in; nulls go to the first or the last bucket.
    Range { key: PlSmallStr, descending: bool, nulls_last: bool },
}

impl Assign {
    fn ids(&self, frame: &PlFrame, bounds: Option<&Series>, buckets: usize) -> PolarsResult<IdxCa> {
        match self {
            Assign::Hash(keys) => {
                let hash = as_struct(keys.clone()).hash(0, 0, 0, 0) % lit(buckets.max(1) as u64);
                let out = frame.clone().lazy().select([hash.cast(IDX_DTYPE).alias("bucket")]).collect()?;
                Ok(out.column("bucket")?.idx()?.clone())
            }
            Assign::Range { key, descending, nulls_last } => {
                let bounds = bounds.ok_or_else(|| polars_err!(ComputeError: "a range split without its boundaries"))?;
                let values = frame.column(key)?.as_materialized_series();
                let ids = search_sorted(bounds, values, SearchSortedSide::Right, *descending)?;
                if values.null_count() == 0 {
                    return Ok(ids);
                }
                ids.set(&values.is_null(), Some(if *nulls_last { buckets - 1 } else { 0 } as IdxSize))
            }
        }
    }
}

/// Splits `part` into `buckets` pieces by the bucket `assign` gives each row, keeping row
/// order; the pieces stay in memory or go to disk as the memory budget says.
pub(super) fn split(
    part: &mut PlFrame,
    assign: &Assign,
    bounds: Option<&Series>,
    buckets: usize,
) -> PolarsResult<Vec<Piece>> {
    // One chunk first: polars gathers from a frame of many chunks (as its streaming engine
    // makes them) by copying it whole for every bucket.
    part.rechunk_mut_par();
    let ids = assign.ids(part, bounds, buckets)?;
    let mut rows: Vec<Vec<IdxSize>> = vec![Vec::new(); buckets.max(1)];
    for (i, id) in ids.iter().enumerate() {
        let b = id.map_or(0, |b| b as usize).min(rows.len() - 1);
        rows[b].push(i as IdxSize);
    }
    let frames =
        rows.into_iter().map(|r| part.take(&IdxCa::from_vec(PlSmallStr::EMPTY, r))).collect::<PolarsResult<_>>()?;
    Piece::hold(frames)
}

/// Stacks the pieces of one bucket (an empty frame of `schema` when there are none).
pub(super) fn gather(pieces: Vec<Piece>, schema: &Schema) -> PolarsResult<PlFrame> {
    let bytes: usize = pieces.iter().map(Piece::bytes).sum();
    let _reserved = memory::reserve(GATHER_FACTOR * bytes as u64);
    concat_frames(pieces.into_iter().map(Piece::load).collect::<PolarsResult<Vec<_>>>()?, schema)
}

/// Shuffles the partitions `parts` into `buckets` partitions of rows with the same bucket
/// number. `bounds` is the task giving a range assignment its boundaries.
pub(crate) fn shuffle(
    parts: Vec<Arc<Node>>,
    bounds: Option<Arc<Node>>,
    buckets: usize,
    assign: Assign,
    schema: SchemaRef,
) -> Vec<Arc<Node>> {
    let buckets = buckets.max(1);
    let splits: Vec<Arc<Node>> = parts
        .into_iter()
        .map(|p| {
            let split = FrameTask::Split { assign: assign.clone(), buckets };
            split.node("shuffle-split", std::iter::once(p).chain(bounds.clone()).collect())
        })
        .collect();
    let pick = unique_name("shuffle-pick");
    (0..buckets)
        .map(|b| {
            let picks = splits
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    FrameTask::Pick { bucket: b }.node_keyed(Key::block(pick.clone(), &[i, b]), vec![s.clone()])
                })
                .collect();
            FrameTask::Gather { schema: schema.clone() }.node("shuffle-gather", picks)
        })
        .collect()
}

/// A piece on the wire: its frame, as Arrow IPC (a spilled piece is read back first).
fn encode_piece(v: &(dyn std::any::Any + Send + Sync), w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let piece = v.downcast_ref::<Piece>().ok_or_else(|| std::io::Error::other("a value of another type"))?;
    write_frame(&piece.clone().load().map_err(std::io::Error::other)?, w)
}

fn decode_piece(r: &mut dyn std::io::Read) -> std::io::Result<Value> {
    let frame = read_frame(r)?;
    let mut held = Piece::hold(vec![frame]).map_err(std::io::Error::other)?;
    held.pop().map(value).ok_or_else(|| std::io::Error::other("a piece was not held"))
}

/// A split on the wire: the number of pieces, then each with its length.
fn encode_split(v: &(dyn std::any::Any + Send + Sync), w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let pieces = v.downcast_ref::<Vec<Piece>>().ok_or_else(|| std::io::Error::other("a value of another type"))?;
    w.write_all(&(pieces.len() as u64).to_le_bytes())?;
    for piece in pieces {
        let mut bytes = Vec::new();
        encode_piece(piece, &mut bytes)?;
        w.write_all(&(bytes.len() as u64).to_le_bytes())?;
        w.write_all(&bytes)?;
    }
    Ok(())
}

fn decode_split(r: &mut dyn std::io::Read) -> std::io::Result<Value> {
    let mut n = [0u8; 8];
    r.read_exact(&mut n)?;
    let mut frames = Vec::new();
    for _ in 0..u64::from_le_bytes(n) {
        r.read_exact(&mut n)?;
        let mut bytes = vec![0u8; u64::from_le_bytes(n) as usize];
        r.read_exact(&mut bytes)?;
        frames.push(read_frame(&mut bytes.as_slice())?);
    }
    Piece::hold(frames).map(value).map_err(std::io::Error::other)
}

/// The codecs of a split and of one piece: their frames as Arrow IPC.
pub(super) fn codecs() -> [(std::any::TypeId, Codec); 2] {
    [entry::<Vec<Piece>>(encode_split, decode_split), entry::<Piece>(encode_piece, decode_piece)]
}
