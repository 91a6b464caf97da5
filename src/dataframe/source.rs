//! Where a partition's rows come from: a CSV file (or a byte block of a large one), a parquet
//! file's row groups, an in-memory polars frame, or the result of another task.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use super::read::CsvOptions;
use crate::node::Node;
use crate::value::{Value, take};

/// Reading a CSV block takes about this many times its size in memory (measured: 4.6×).
const READ_FACTOR: u64 = 5;

/// The origin of one partition. Sent to a cluster's workers inside a partition's task,
/// without the node of [`Source::Task`] (the worker receives that task's result as input).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum Source {
    /// A whole CSV file, or the lines that start in bytes `block.0..block.1` of it.
    Csv { path: PathBuf, options: Arc<CsvOptions>, schema: SchemaRef, block: Option<(u64, u64)> },
    /// Rows `offset..offset + len` (whole row groups) of a parquet file.
    Parquet { path: PathBuf, offset: usize, len: usize },
    /// A polars frame held in memory.
    Frame(polars::prelude::DataFrame),
    /// The polars frame another task produces (`None` in the task that reads it).
    Task(#[serde(skip)] Option<Arc<Node>>),
}

impl Source {
    /// The task this partition reads, if any.
    pub(crate) fn dep(&self) -> Option<Arc<Node>> {
        match self {
            Source::Task(n) => n.clone(),
            _ => None,
        }
    }

    /// The partition made by task `node`.
    pub(crate) fn task(node: &Arc<Node>) -> Source {
        Source::Task(Some(node.clone()))
    }

    /// This source as the task that reads it holds it: without the node of another task.
    pub(crate) fn for_task(&self) -> Source {
        match self {
            Source::Task(_) => Source::Task(None),
            other => other.clone(),
        }
    }

    /// The rows as a lazy frame; `input` is the result of [`dep`](Self::dep).
    pub(crate) fn lazy(&self, input: Option<Value>) -> Result<LazyFrame, String> {
        match self {
            Source::Csv { path, options, schema, block: None } => LazyCsvReader::new(PlRefPath::new(path_str(path)?))
                .with_has_header(options.has_header)
                .with_separator(options.separator)
                .with_schema(Some(schema.clone()))
                .finish()
                .map_err(|e| format!("{}: {e}", path.display())),
            Source::Csv { path, options, schema, block: Some((start, end)) } => {
                match read_block(path, options, schema, *start, *end) {
                    Ok(df) => Ok(df.lazy()),
                    Err(BlockError::Io(e)) => Err(format!("{}: {e}", path.display())),
                    Err(BlockError::Parse(e)) => Err(self.explain_error(&e)),
                }
            }
            Source::Parquet { path, offset, len } => {
                LazyFrame::scan_parquet(PlRefPath::new(path_str(path)?), ScanArgsParquet::default())
                    .map(|lf| lf.slice(*offset as i64, *len as IdxSize))
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
            Source::Frame(df) => Ok(df.clone().lazy()),
            Source::Task(_) => {
                let v = input.ok_or("the partition's input is missing")?;
                take::<polars::prelude::DataFrame>(v).map(IntoLazy::lazy).map_err(|e| e.to_string())
            }
        }
    }

    /// A one-line message for a failure to make this partition: polars' first line, with the
    /// file and, for a value that does not parse, the line it is on.
    pub(crate) fn explain_error(&self, e: &PolarsError) -> String {
        let msg = first_line(&e.to_string());
        match self {
            Source::Csv { path, options, block, .. } => {
                let start = block.map_or(0, |b| b.0);
                match bad_value(&msg).and_then(|(v, c)| find_line(path, options.separator, start, &v, c)) {
                    Some(line) => format!("{}:{line}: {msg}", path.display()),
                    None => format!("{}: {msg}", path.display()),
                }
            }
            Source::Parquet { path, .. } => format!("{}: {msg}", path.display()),
            _ => msg,
        }
    }

    /// The bytes of the file, block or frame this partition reads (unknown for a task).
    pub(crate) fn estimated_bytes(&self) -> Option<u64> {
        match self {
            Source::Csv { block: Some((s, e)), .. } => Some(e - s),
            Source::Csv { path, .. } | Source::Parquet { path, .. } => std::fs::metadata(path).ok().map(|m| m.len()),
            Source::Frame(df) => Some(df.estimated_size() as u64),
            Source::Task(_) => None,
        }
    }

    /// About how much memory reading this partition takes (the bytes, the parsed frame and
    /// the parser's work), for files; `None` for frames and tasks, which exist already.
    pub(crate) fn read_cost(&self) -> Option<u64> {
        match self {
            Source::Csv { .. } | Source::Parquet { .. } => self.estimated_bytes().map(|b| READ_FACTOR * b),
            Source::Frame(_) | Source::Task(_) => None,
        }
    }

    /// One line for `explain()`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Source::Csv { path, block: None, .. } => format!("csv {}", path.display()),
            Source::Csv { path, block: Some((s, e)), .. } => format!("csv {} bytes {s}..{e}", path.display()),
            Source::Parquet { path, offset, len } => {
                format!("parquet {} rows {offset}..{}", path.display(), offset + len)
            }
            Source::Frame(df) => format!("in-memory frame of {} rows", df.height()),
            Source::Task(Some(n)) => format!("task {}", n.key),
            Source::Task(None) => "a task's result".to_string(),
        }
    }
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str().ok_or_else(|| format!("{}: the path is not valid UTF-8", path.display()))
}

enum BlockError {
    Io(std::io::Error),
    Parse(PolarsError),
}

/// Reads the lines that start in bytes `start..end` of a CSV file and parses them.
///
/// A line belongs to the block its first byte is in, so blocks split a file exactly once
/// (fields with quoted newlines are not supported across block boundaries, as in Dask).
fn read_block(
    path: &Path,
    options: &CsvOptions,
    schema: &SchemaRef,
    start: u64,
    end: u64,
) -> Result<polars::prelude::DataFrame, BlockError> {
    let fail = BlockError::Io;
    let mut file = File::open(path).map_err(fail)?;
    // Begin at the first line that starts at or after `start`.
    let begin = if start == 0 { 0 } else { next_line_start(&mut file, start - 1).map_err(fail)? };
    // End after the line that holds byte `end - 1`.
    let stop = next_line_start(&mut file, end - 1).map_err(fail)?;
    let mut bytes = Vec::with_capacity(stop.saturating_sub(begin) as usize);
    file.seek(SeekFrom::Start(begin)).map_err(fail)?;
    file.take(stop.saturating_sub(begin)).read_to_end(&mut bytes).map_err(fail)?;
    let body = if start == 0 && options.has_header {
        match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => bytes.split_off(i + 1),
            None => Vec::new(),
        }
    } else {
        bytes
    };
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        // No line starts in this block (it lies inside one long line).
        return Ok(polars::prelude::DataFrame::empty_with_schema(schema));
    }
    CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(schema.clone()))
        .map_parse_options(|p| p.with_separator(options.separator))
        .into_reader_with_file_handle(std::io::Cursor::new(body))
        .finish()
        .map_err(BlockError::Parse)
}

/// The offset just after the first `\n` at or after `pos` (the file's length if none).
pub(crate) fn next_line_start(file: &mut File, pos: u64) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(pos))?;
    let mut buf = [0u8; 64 * 1024];
    let mut at = pos;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(at);
        }
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            return Ok(at + i as u64 + 1);
        }
        at += n as u64;
    }
}

/// The first line of a (often multi-line) polars message.
pub(crate) fn first_line(msg: &str) -> String {
    msg.lines().next().unwrap_or(msg).trim().to_string()
}

/// From "could not parse `five` as dtype `i64` at column 'x' (column number 1)": the value
/// and the 0-based column index.
fn bad_value(msg: &str) -> Option<(String, usize)> {
    let rest = msg.strip_prefix("could not parse `")?;
    let (value, rest) = rest.split_once('`')?;
    let number = rest.split("(column number ").nth(1)?.split(')').next()?.trim().parse::<usize>().ok()?;
    Some((value.to_string(), number.checked_sub(1)?))
}

/// The 1-based number of the first line starting at or after byte `start` whose field
/// `column` is `value`.
fn find_line(path: &Path, separator: u8, start: u64, value: &str, column: usize) -> Option<usize> {
    let text = std::fs::read(path).ok()?;
    let mut offset = 0u64;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let here = offset;
        offset += line.len() as u64 + 1;
        if here < start {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let field = line.split(|&b| b == separator).nth(column)?;
        let field = field.strip_prefix(b"\"").and_then(|f| f.strip_suffix(b"\"")).unwrap_or(field);
        if field == value.as_bytes() {
            return Some(i + 1);
        }
    }
    None
}
