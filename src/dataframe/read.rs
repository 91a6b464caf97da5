//! Making DataFrames: from CSV and parquet files (by glob), from a polars frame, from tasks.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::{
    LazyCsvReader, LazyFileListReader, LazyFrame, ParquetReader, PlRefPath, ScanArgsParquet, Schema, SchemaRef,
    SerReader,
};

use super::DataFrame;
use super::source::Source;
use crate::delayed::Delayed;
use crate::error::{Error, Result};

/// Under a memory budget, CSV blocks are at most the budget divided by this and by the number
/// of tasks that run at once.
const BLOCK_SHARE: u64 = 16;

/// How to read CSV files; [`read_csv`] uses the defaults.
///
/// ```no_run
/// use rask::prelude::*;
/// let df = dd::CsvOptions::new().separator(b';').blocksize(Some(16 << 20)).read("logs/*.csv")?;
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[must_use]
pub struct CsvOptions {
    pub(crate) separator: u8,
    pub(crate) has_header: bool,
    pub(crate) schema: Option<SchemaRef>,
    pub(crate) blocksize: Option<u64>,
    pub(crate) infer_schema_length: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            separator: b',',
            has_header: true,
            schema: None,
            blocksize: Some(64 << 20),
            infer_schema_length: 1000,
        }
    }
}

impl CsvOptions {
    /// Comma-separated, with a header, schema inferred from the first 1000 rows of the first
    /// file, files larger than 64 MiB split into blocks of 64 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// The field separator.
    pub fn separator(mut self, separator: u8) -> Self {
        self.separator = separator;
        self
    }

    /// Whether the first line of each file names the columns.
    pub fn has_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// The columns and their types, instead of inferring them.
    pub fn schema(mut self, schema: Schema) -> Self {
        self.schema = Some(Arc::new(schema));
        self
    }

    /// Split files larger than this many bytes into blocks of this size (one partition
    /// each); `None` makes one partition per file.
    pub fn blocksize(mut self, bytes: Option<u64>) -> Self {
        self.blocksize = bytes.filter(|&b| b > 0);
        self
    }

    /// How many rows to read to infer the column types.
    pub fn infer_schema_length(mut self, rows: usize) -> Self {
        self.infer_schema_length = rows.max(1);
        self
    }

    /// Reads the files matching `pattern`. Only the schema is read now.
    pub fn read(self, pattern: &str) -> Result<DataFrame> {
        let files = expand(pattern)?;
        let first = &files[0];
        let schema = match &self.schema {
            Some(s) => s.clone(),
            None => LazyCsvReader::new(PlRefPath::new(path_str(first)?))
                .with_has_header(self.has_header)
                .with_separator(self.separator)
                .with_infer_schema_length(Some(self.infer_schema_length))
                .finish()
                .and_then(|mut lf| lf.collect_schema())
                .map_err(|e| Error::Polars { context: first.display().to_string(), source: e })?,
        };
        let blocksize = self.blocksize.map(|b| match crate::config::memory_limit() {
            // Leave room for the bytes, the parsed frame and polars' work on each block.
            Some(limit) => b.min(limit / (BLOCK_SHARE * crate::scheduler::current_parallelism() as u64)).max(1 << 16),
            None => b,
        });
        let options = Arc::new(self);
        let mut sources = Vec::new();
        for path in files {
            let size = std::fs::metadata(&path).map_err(|source| Error::Io { path: path.clone(), source })?.len();
            let whole =
                Source::Csv { path: path.clone(), options: options.clone(), schema: schema.clone(), block: None };
            match blocksize {
                Some(b) if size > b => sources.extend((0..size.div_ceil(b)).map(|i| Source::Csv {
                    path: path.clone(),
                    options: options.clone(),
                    schema: schema.clone(),
                    block: Some((i * b, ((i + 1) * b).min(size))),
                })),
                _ => sources.push(whole),
            }
        }
        Ok(DataFrame::from_sources("read-csv", sources, Ok(schema)))
    }
}

fn path_str(path: &std::path::Path) -> Result<&str> {
    path.to_str().ok_or_else(|| Error::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not valid UTF-8"),
    })
}

/// The files matching `pattern`, sorted; an error naming the pattern when none does.
pub(crate) fn expand(pattern: &str) -> Result<Vec<PathBuf>> {
    let bad = |e: glob::PatternError| Error::NoFiles { pattern: pattern.into(), why: e.to_string() };
    let mut files: Vec<PathBuf> =
        glob::glob(pattern).map_err(bad)?.filter_map(std::result::Result::ok).filter(|p| p.is_file()).collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::NoFiles { pattern: pattern.into(), why: "no file matches".into() });
    }
    Ok(files)
}

/// Reads CSV files matching a glob pattern, one partition per file (or per 64 MiB block
/// of a larger file). Only the first file's header and first rows are read now.
///
/// ```
/// use rask::prelude::*;
/// let dir = std::env::temp_dir().join("rask-doc-read-csv");
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.csv"), "x,y\n1,a\n2,b\n")?;
/// std::fs::write(dir.join("b.csv"), "x,y\n3,c\n")?;
/// let df = dd::read_csv(&format!("{}/*.csv", dir.display()))?;
/// assert_eq!(df.npartitions(), 2);
/// assert_eq!(df.compute()?.height(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csv(pattern: &str) -> Result<DataFrame> {
    CsvOptions::default().read(pattern)
}

/// Reads parquet files matching a glob pattern, one partition per row group.
pub fn read_parquet(pattern: &str) -> Result<DataFrame> {
    let files = expand(pattern)?;
    let polars_err = |path: &PathBuf, e| Error::Polars { context: path.display().to_string(), source: e };
    let schema = LazyFrame::scan_parquet(PlRefPath::new(path_str(&files[0])?), ScanArgsParquet::default())
        .and_then(|mut lf| lf.collect_schema())
        .map_err(|e| polars_err(&files[0], e))?;
    let mut sources = Vec::new();
    for path in files {
        let file = std::fs::File::open(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let mut reader = ParquetReader::new(file);
        let groups: Vec<usize> =
            reader.get_metadata().map_err(|e| polars_err(&path, e))?.row_groups.iter().map(|g| g.num_rows()).collect();
        let mut offset = 0;
        for len in groups.into_iter().filter(|&n| n > 0) {
            sources.push(Source::Parquet { path: path.clone(), offset, len });
            offset += len;
        }
    }
    Ok(DataFrame::from_sources("read-parquet", sources, Ok(schema)))
}

/// Splits a polars frame into `npartitions` partitions of (nearly) equal rows.
///
/// ```
/// use rask::prelude::*;
/// use polars::prelude::*;
/// let pl = df!("a" => [1i64, 2, 3, 4, 5])?;
/// let d = dd::from_polars(pl.clone(), 2);
/// assert_eq!(d.npartitions(), 2);
/// assert!(d.compute()?.equals(&pl));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_polars(df: polars::prelude::DataFrame, npartitions: usize) -> DataFrame {
    let n = npartitions.max(1);
    let rows = df.height();
    let schema = df.schema().clone();
    let sources = (0..n)
        .map(|i| {
            let (start, end) = (rows * i / n, rows * (i + 1) / n);
            Source::Frame(df.slice(start as i64, end - start))
        })
        .collect();
    DataFrame::from_sources("from-polars", sources, Ok(schema))
}

/// A DataFrame whose partitions are the results of delayed values. The schema is taken
/// from the first partition, which is computed now (as Dask does without `meta`).
pub fn from_delayed(parts: Vec<Delayed<polars::prelude::DataFrame>>) -> Result<DataFrame> {
    let first =
        parts.first().ok_or_else(|| Error::NoFiles { pattern: "from_delayed".into(), why: "no partitions".into() })?;
    let schema = first.compute()?.schema().clone();
    let sources = parts.iter().map(|p| Source::task(p.node())).collect();
    Ok(DataFrame::from_sources("from-delayed", sources, Ok(schema)))
}
