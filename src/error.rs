//! The library's one error type, [`Error`], and the error a single task ends with, [`TaskError`].

use std::fmt;

use crate::key::Key;

/// A boxed error from user code (what a fallible task returned).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in rask.
///
/// Every variant names the thing at fault (a key, a file) in its message, which is one line.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let boom = delayed!(u64::from_str_radix("zz", 10)?);
/// let err = boom.compute().unwrap_err();
/// assert!(err.to_string().starts_with("task 'from_str_radix-"));
/// assert!(err.key().is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A task returned an error or panicked; the run was stopped.
    #[error("task '{key}' {source}")]
    Task {
        /// The key of the task that failed.
        key: Key,
        /// What went wrong inside it.
        source: TaskError,
    },
    /// The computation was cancelled (for example by an interrupt) before it finished.
    #[error("computation cancelled")]
    Cancelled,
    /// A raw graph refers to a key it does not contain.
    #[error("graph: key '{missing}' is not in the graph (needed by '{needed_by}')")]
    MissingKey {
        /// The key that is not there.
        missing: String,
        /// The task that refers to it, or `get` when it was requested directly.
        needed_by: String,
    },
    /// A raw graph contains a cycle.
    #[error("graph: cycle through keys {}", .keys.join(" -> "))]
    Cycle {
        /// The keys on the cycle, the first repeated at the end.
        keys: Vec<String>,
    },
    /// A value has a different type than the task (or the caller) expects.
    #[error("graph: key '{key}' {what} expects {expected}, but gets {found}")]
    TypeMismatch {
        /// The key at fault.
        key: String,
        /// Which part of it: `argument 2`, `result`.
        what: String,
        /// The type that was expected.
        expected: String,
        /// The type that was found.
        found: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No file matches a glob pattern (or the pattern is malformed).
    #[error("{pattern}: {why}")]
    NoFiles {
        /// The pattern.
        pattern: String,
        /// Why nothing was found.
        why: String,
    },
    /// polars refused an operation or failed to read data.
    #[error("{context}: {}", crate::dataframe::first_line(&.source.to_string()))]
    Polars {
        /// The file or operation at fault.
        context: String,
        /// polars' error.
        source: polars::error::PolarsError,
    },
    /// A DataFrame operation is invalid (an unknown column, a type mismatch); names the
    /// operation and the column.
    #[error("{0}")]
    Invalid(String),
    /// Drawing a graph failed (bad DOT, the `dot` program failed, ...).
    #[error("visualize: {0}")]
    Visualize(String),
    /// The error a future (or a task it fed) ended with, shared by everyone who reads it.
    #[error(transparent)]
    Shared(std::sync::Arc<Error>),
    /// Waiting for a future was interrupted (Ctrl-C, or Interrupt in Jupyter); the future
    /// itself goes on.
    #[error("interrupted while waiting for '{key}' (it goes on in the background)")]
    Interrupted {
        /// The future's key.
        key: Key,
    },
    /// A future's result was released (every handle on it was dropped) before it was read.
    #[error("future '{key}': its result was released (every handle on it was dropped)")]
    Released {
        /// The future's key.
        key: Key,
    },
    /// A Dask cluster could not be reached or used, or a task cannot run on it (a closure, a
    /// value without a codec); the message names the task or says what to install.
    #[error("cluster: {0}")]
    Cluster(String),
    /// A bug in rask.
    #[error("internal error: {0} (this is a bug in rask, please report it)")]
    Internal(String),
}

/// `Result` with rask's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The key of the task at fault, when the error is about one task.
    pub fn key(&self) -> Option<&Key> {
        match self {
            Error::Task { key, .. } | Error::Released { key } | Error::Interrupted { key } => Some(key),
            Error::Shared(e) => e.key(),
            _ => None,
        }
    }

    /// True when the run was cancelled rather than failed.
    pub fn is_cancelled(&self) -> bool {
        match self {
            Error::Shared(e) => e.is_cancelled(),
            e => matches!(e, Error::Cancelled),
        }
    }

    /// True when a task panicked.
    pub fn is_panic(&self) -> bool {
        match self {
            Error::Shared(e) => e.is_panic(),
            e => matches!(e, Error::Task { source: TaskError::Panicked(_), .. }),
        }
    }
}

/// How one task failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum TaskError {
    /// The task's function returned an error.
    Failed(BoxError),
    /// The task's function panicked; the panic message.
    Panicked(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(e) => write!(f, "failed: {e}"),
            TaskError::Panicked(msg) => write!(f, "panicked: {msg}"),
        }
    }
}

impl std::error::Error for TaskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TaskError::Failed(e) => Some(e.as_ref()),
            TaskError::Panicked(_) => None,
        }
    }
}
