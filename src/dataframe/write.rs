//! Writing a DataFrame out: one file per partition, all or nothing. Files are written into a
//! hidden staging directory next to their destination and moved into place only when every
//! partition succeeded, so a failed write leaves no half-written output behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::{DataFrame as PlFrame, *};

use super::DataFrame;
use crate::delayed::call_fallible;
use crate::error::{Error, Result};

#[derive(Clone, Copy)]
enum Format {
    Parquet,
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }

    fn write(self, path: &Path, mut df: PlFrame) -> std::result::Result<(), String> {
        let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
        match self {
            Format::Parquet => ParquetWriter::new(file).finish(&mut df).map(drop),
            Format::Csv => CsvWriter::new(file).include_header(true).finish(&mut df),
        }
        .map_err(|e| fail(&super::source::first_line(&e.to_string())))
    }
}

impl DataFrame {
    /// Computes the partitions and writes each to a parquet file; returns the paths.
    ///
    /// `path` is a directory (files `part.0.parquet`, `part.1.parquet`, ...) or a pattern
    /// with one `*` that becomes the partition number (`"out/sales-*.parquet"`). Files a
    /// previous write left under the same names are replaced; if any partition fails, no
    /// file is written or replaced.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use polars::prelude::*;
    ///
    /// let dir = std::env::temp_dir().join(format!("rask-doc-parquet-{}", std::process::id()));
    /// let df = dd::from_polars(df!("x" => [1, 2, 3, 4])?, 2);
    /// let files = df.to_parquet(&dir)?;
    /// assert_eq!(files.len(), 2);
    /// assert_eq!(dd::read_parquet(&format!("{}/*.parquet", dir.display()))?.compute()?, df.compute()?);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_parquet(&self, path: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        write(self, path.as_ref(), Format::Parquet)
    }

    /// Computes the partitions and writes each to a CSV file with a header; returns the
    /// paths. `path` is a directory or a pattern with one `*`, as for
    /// [`to_parquet`](Self::to_parquet), and a failed write leaves nothing behind.
    pub fn to_csv(&self, path: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        write(self, path.as_ref(), Format::Csv)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

/// File names `{before}{i}{after}` for partition `i`.
struct Names {
    before: String,
    after: String,
}

impl Names {
    fn of(&self, i: usize) -> String {
        format!("{}{i}{}", self.before, self.after)
    }

    /// Whether `file` is the name of some partition.
    fn matches(&self, file: &str) -> bool {
        file.strip_prefix(self.before.as_str())
            .and_then(|rest| rest.strip_suffix(self.after.as_str()))
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// The directory and the file names for a target directory or pattern.
fn layout(target: &Path, format: Format) -> Result<(PathBuf, Arc<Names>)> {
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    match name.split_once('*') {
        Some((_, after)) if after.contains('*') => {
            Err(Error::Invalid(format!("{}: a file pattern takes one `*`", target.display())))
        }
        Some((before, after)) => {
            let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            Ok((dir.to_owned(), Arc::new(Names { before: before.into(), after: after.into() })))
        }
        None => Ok((
            target.to_owned(),
            Arc::new(Names { before: "part.".into(), after: format!(".{}", format.extension()) }),
        )),
    }
}

fn write(df: &DataFrame, target: &Path, format: Format) -> Result<Vec<PathBuf>> {
    df.schema()?;
    let (dir, names) = layout(target, format)?;
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let staging = dir.join(format!(".rask-write-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir(&staging).map_err(io(&staging))?;
    let tasks: Vec<_> = df
        .to_delayed()
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let file = staging.join(names.of(i));
            call_fallible(format.extension(), move |d: PlFrame| format.write(&file, d).map(|()| i), (part,))
        })
        .collect();
    let written = crate::compute(tasks).and_then(|done| {
        // Replace what an earlier write left under these names (more partitions, perhaps).
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            if names.matches(&entry.file_name().to_string_lossy()) && entry.path().is_file() {
                std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
            }
        }
        done.into_iter()
            .map(|i| {
                let to = dir.join(names.of(i));
                std::fs::rename(staging.join(names.of(i)), &to).map_err(io(&to))?;
                Ok(to)
            })
            .collect()
    });
    let _ = std::fs::remove_dir_all(&staging);
    written
}
