//! Making bags from files: lines of text ([`read_text`]) and JSON lines ([`read_json`]),
//! plain or gzip-compressed, found by a glob pattern.
//!
//! A plain file larger than the block size is split into byte blocks, one partition each;
//! a line belongs to the block its first byte is in, so every line is read exactly once.
//! A `.gz` file is one partition. Lines are read into one reused buffer per task; a line
//! ending (`\n` or `\r\n`) is not part of the item.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::task::{Form, Source};
use super::{Bag, Sink, pluck_error, stream_fn};
use crate::dataframe::{expand, next_line_start};
use crate::error::{BoxError, Error, Result};

/// How [`read_text_with`] and [`read_json_with`] split files into partitions.
///
/// ```
/// use rask::prelude::*;
/// assert_eq!(db::TextOptions::default().blocksize, Some(64 << 20));
/// let whole_files = db::TextOptions { blocksize: None };
/// # let _ = whole_files;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextOptions {
    /// Split plain files larger than this many bytes into blocks of about this size (one
    /// partition each, cut at line boundaries); `None` makes one partition per file.
    /// Compressed files are always one partition each. Default: 64 MiB.
    pub blocksize: Option<usize>,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { blocksize: Some(64 << 20) }
    }
}

/// One partition's bytes: a whole file, or the lines that start in `range` of a plain file.
/// On a cluster, a worker reads the same path.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct Block {
    path: PathBuf,
    gz: bool,
    range: Option<(u64, u64)>,
}

fn blocks(pattern: &str, options: &TextOptions) -> Result<Arc<[Block]>> {
    let mut out = Vec::new();
    for path in expand(pattern)? {
        let size = std::fs::metadata(&path).map_err(|source| Error::Io { path: path.clone(), source })?.len();
        let gz = path.extension().is_some_and(|e| e == "gz");
        match options.blocksize.filter(|&b| b > 0).map(|b| b as u64) {
            Some(b) if !gz && size > b => out.extend((0..size.div_ceil(b)).map(|i| Block {
                path: path.clone(),
                gz,
                range: Some((i * b, ((i + 1) * b).min(size))),
            })),
            _ => out.push(Block { path, gz, range: None }),
        }
    }
    Ok(out.into())
}

/// Reads files line by line into a bag, one partition per file or per block of about 64 MiB
/// of a large plain file; `.gz` files are decompressed. Line endings are removed. Only the
/// file sizes are read now.
///
/// ```
/// use rask::prelude::*;
/// let dir = std::env::temp_dir().join(format!("rask-doc-read-text-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.txt"), "one\r\ntwo\n")?;
/// std::fs::write(dir.join("b.txt"), "three")?;
/// let lines = db::read_text(&format!("{}/*.txt", dir.display()))?;
/// assert_eq!(lines.npartitions(), 2);
/// assert_eq!(lines.compute()?, ["one", "two", "three"]);
/// assert!(db::read_text("/no/such/*.txt").unwrap_err().to_string().contains("/no/such/*.txt"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_text(pattern: &str) -> Result<Bag<String>> {
    read_text_with(pattern, TextOptions::default())
}

/// Like [`read_text`], with the block size given (`None`: one partition per file).
///
/// ```
/// use rask::prelude::*;
/// let dir = std::env::temp_dir().join(format!("rask-doc-read-text-with-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.txt"), "alpha\nbeta\ngamma\ndelta\n")?;
/// let lines = db::read_text_with(&format!("{}/a.txt", dir.display()), db::TextOptions { blocksize: Some(8) })?;
/// assert_eq!(lines.npartitions(), 3);
/// assert_eq!(lines.compute()?, ["alpha", "beta", "gamma", "delta"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_text_with(pattern: &str, options: TextOptions) -> Result<Bag<String>> {
    let blocks = blocks(pattern, &options)?;
    let inputs = (0..blocks.len()).map(|_| Vec::new()).collect();
    let form = Form::read::<String>(blocks.iter().cloned().map(Source::Text).collect());
    let stream = stream_fn(move |i, _, sink: &mut Sink<'_, String>| text_items(&blocks[i], sink));
    Ok(Bag::from_stream("read-text", inputs, stream, form))
}

/// Pushes the lines of a block of a text file.
pub(super) fn text_items(block: &Block, sink: &mut Sink<'_, String>) -> Result<(), BoxError> {
    for_each_line(block, |line, n| match std::str::from_utf8(line) {
        Ok(s) => sink(s.to_owned()),
        Err(e) => Err(format!("{}: {e}", location(block, n)).into()),
    })
}

/// Reads files of JSON lines (one JSON value per line; plain or `.gz`) into a bag of
/// `serde_json::Value`s, split like [`read_text`]. Blank lines are skipped; a line that is
/// not JSON fails its task with an error naming `file:line:column`.
///
/// ```
/// use rask::prelude::*;
/// let dir = std::env::temp_dir().join(format!("rask-doc-read-json-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.jsonl"), "{\"user\": 1}\n\n{\"user\": 2}\n")?;
/// let users = db::read_json(&format!("{}/a.jsonl", dir.display()))?.pluck("user");
/// assert_eq!(users.compute()?, [1, 2]);
///
/// std::fs::write(dir.join("bad.jsonl"), "{\"user\": 1}\n{\"user\": }\n")?;
/// let err = db::read_json(&format!("{}/bad.jsonl", dir.display()))?.count().compute().unwrap_err();
/// assert!(err.to_string().ends_with("bad.jsonl:2:10: expected value"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_json(pattern: &str) -> Result<Bag<Value>> {
    read_json_with(pattern, TextOptions::default())
}

/// Like [`read_json`], with the block size given (`None`: one partition per file).
///
/// ```
/// use rask::prelude::*;
/// let dir = std::env::temp_dir().join(format!("rask-doc-read-json-with-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.jsonl"), "1\n2\n3\n")?;
/// let b = db::read_json_with(&format!("{}/a.jsonl", dir.display()), db::TextOptions { blocksize: None })?;
/// assert_eq!(b.npartitions(), 1);
/// assert_eq!(b.count().compute()?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_json_with(pattern: &str, options: TextOptions) -> Result<Bag<Value>> {
    let blocks = blocks(pattern, &options)?;
    let inputs = (0..blocks.len()).map(|_| Vec::new()).collect();
    let form = Form::read::<Value>(blocks.iter().cloned().map(Source::Json).collect());
    let stream = stream_fn(move |i, _, sink: &mut Sink<'_, Value>| json_items(&blocks[i], sink));
    Ok(Bag::from_stream("read-json", inputs, stream, form))
}

/// Pushes the JSON values of a block of a JSON-lines file.
pub(super) fn json_items(block: &Block, sink: &mut Sink<'_, Value>) -> Result<(), BoxError> {
    for_each_json_line(block, |line, n| match serde_json::from_slice(line) {
        Ok(v) => sink(v),
        Err(e) => Err(json_error(block, n, &e).into()),
    })
}

/// `read_json(..).pluck(key)` in one pass: only `key`'s value is built from each line; the
/// rest of the line is checked as JSON and skipped. A line that is not JSON, not an object,
/// or has no `key` is parsed whole again, for the same error as without the shortcut, with
/// its file and line.
pub(super) fn pluck_json(blocks: Arc<[Block]>, key: &str) -> Bag<Value> {
    let inputs = (0..blocks.len()).map(|_| Vec::new()).collect();
    let form = Form::read::<Value>(blocks.iter().map(|b| Source::JsonPluck(b.clone(), key.to_string())).collect());
    let key: Arc<str> = key.into();
    let stream = stream_fn(move |i, _, sink: &mut Sink<'_, Value>| plucked_items(&blocks[i], &key, sink));
    Bag::from_stream("pluck", inputs, stream, form)
}

/// Pushes the value under `key` of each JSON object of a block of a JSON-lines file.
pub(super) fn plucked_items(block: &Block, key: &str, sink: &mut Sink<'_, Value>) -> Result<(), BoxError> {
    for_each_json_line(block, |line, n| {
        let mut de = serde_json::Deserializer::from_slice(line);
        match Pluck(key).deserialize(&mut de).and_then(|v| de.end().map(|()| v)) {
            Ok(Some(v)) => sink(v),
            _ => match serde_json::from_slice::<Value>(line) {
                Ok(item) => Err(format!("{}: {}", location(block, n), pluck_error(key, &item)).into()),
                Err(e) => Err(json_error(block, n, &e).into()),
            },
        }
    })
}

/// Reads a JSON object, building only the value under the key (`None` when it is absent;
/// the last one when the key repeats, as `serde_json::Value` keeps).
struct Pluck<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for Pluck<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Option<Value>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Pluck<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Option<Value>, A::Error> {
        let mut found = None;
        while let Some(hit) = map.next_key_seed(KeyIs(self.0))? {
            if hit {
                found = Some(map.next_value::<Value>()?);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(found)
    }
}

/// Reads any JSON value and drops it, checking it as `serde_json::Value` would (strings,
/// escapes, number ranges, nesting depth) without building it. serde's `IgnoredAny` checks
/// less: a line it accepts could fail `read_json` without the shortcut.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// Reads an object key, telling whether it is the wanted one (without allocating).
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<bool, E> {
        Ok(key == self.0)
    }
}

/// Calls `f` on each line of the block that is not blank, with its 0-based number.
fn for_each_json_line(block: &Block, mut f: impl FnMut(&[u8], u64) -> Result<(), BoxError>) -> Result<(), BoxError> {
    for_each_line(block, |line, n| if line.iter().all(u8::is_ascii_whitespace) { Ok(()) } else { f(line, n) })
}

/// `file:line:column: message`, serde's message without its own position.
fn json_error(block: &Block, n: u64, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let msg = msg.strip_suffix(&position).unwrap_or(&msg);
    format!("{}:{}: {msg}", location(block, n), e.column())
}

/// `file:line` for the `n`th (0-based) line of a block.
fn location(block: &Block, n: u64) -> String {
    match lines_before(block) {
        Ok(before) => format!("{}:{}", block.path.display(), before + n + 1),
        Err(_) => format!("{} (line {} of bytes {:?})", block.path.display(), n + 1, block.range),
    }
}

/// How many lines of the file come before the block's first line (only read for errors).
fn lines_before(block: &Block) -> std::io::Result<u64> {
    let Some((start, _)) = block.range.filter(|r| r.0 > 0) else { return Ok(0) };
    let mut file = File::open(&block.path)?;
    let begin = next_line_start(&mut file, start - 1)?;
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::with_capacity(1 << 20, file.take(begin));
    let mut count = 0;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(count);
        }
        count += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = buf.len();
        reader.consume(n);
    }
}

/// Calls `f` on each line of the block (without its line ending) and its 0-based number
/// in the block, reusing one buffer.
fn for_each_line(block: &Block, mut f: impl FnMut(&[u8], u64) -> Result<(), BoxError>) -> Result<(), BoxError> {
    let io = |e: std::io::Error| -> BoxError { format!("{}: {e}", block.path.display()).into() };
    let mut file = File::open(&block.path).map_err(io)?;
    let (mut reader, end): (Box<dyn BufRead>, u64) = match block.range {
        _ if block.gz => {
            (Box::new(BufReader::with_capacity(1 << 18, flate2::read::MultiGzDecoder::new(file))), u64::MAX)
        }
        None => (Box::new(BufReader::with_capacity(1 << 20, file)), u64::MAX),
        Some((start, end)) => {
            // Begin at the first line that starts at or after `start`.
            let begin = if start == 0 { 0 } else { next_line_start(&mut file, start - 1).map_err(io)? };
            file.seek(SeekFrom::Start(begin)).map_err(io)?;
            // Stop after the line that holds byte `end - 1`: only lines starting before
            // `end` are this block's (`pos` counts from `begin`).
            (Box::new(BufReader::with_capacity(1 << 20, file)), end.saturating_sub(begin))
        }
    };
    let mut buf = Vec::with_capacity(256);
    let (mut pos, mut n) = (0u64, 0u64);
    while pos < end {
        buf.clear();
        let read = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if read == 0 {
            break;
        }
        pos += read as u64;
        let mut line = buf.as_slice();
        if let Some(l) = line.strip_suffix(b"\n") {
            line = l.strip_suffix(b"\r").unwrap_or(l);
        }
        f(line, n)?;
        n += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_lines_once() {
        let dir = std::env::temp_dir().join(format!("rask-bag-read-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("x.txt");
        let text: String = (0..200).map(|i| format!("{}\n", "y".repeat(i % 17))).collect();
        std::fs::write(&path, &text).expect("write");
        let want: Vec<&str> = text.lines().collect();
        for b in [1, 2, 3, 7, 16, 50, 1000] {
            let blocks = blocks(path.to_str().expect("utf-8"), &TextOptions { blocksize: Some(b) }).expect("blocks");
            let mut got = Vec::new();
            let mut numbers = Vec::new();
            for block in blocks.iter() {
                let before = lines_before(block).expect("count");
                for_each_line(block, |l, n| {
                    got.push(String::from_utf8(l.to_vec()).expect("utf-8"));
                    numbers.push(before + n);
                    Ok(())
                })
                .expect("read");
            }
            assert_eq!(got, want, "blocksize {b}");
            assert_eq!(numbers, (0..want.len() as u64).collect::<Vec<_>>(), "line numbers, blocksize {b}");
        }
    }
}
