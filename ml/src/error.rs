//! The crate's error type: every message is one line that names what is at fault (the
//! estimator and parameter, the partition and row, the parameter set of a search).

/// What can go wrong when fitting, predicting or searching.
///
/// ```
/// use rask_ml::{Error, KMeans};
/// let err = KMeans::new(0).check().unwrap_err();
/// assert!(matches!(err, Error::Parameter { .. }));
/// assert_eq!(err.to_string(), "KMeans: n_clusters = 0 is out of range: it must be at least 1");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter of an estimator or splitter is out of range.
    #[error("{estimator}: {name} = {value} is out of range: {why}")]
    Parameter {
        /// The estimator or splitter.
        estimator: &'static str,
        /// The parameter's name.
        name: &'static str,
        /// Its value, as written.
        value: String,
        /// What it must be.
        why: &'static str,
    },
    /// The data cannot be used as given (shapes, lengths, labels); the message names the
    /// argument and the partition at fault.
    #[error("{0}")]
    Data(String),
    /// A search's parameter grid or distribution is invalid, or a parameter is read that
    /// the search does not set.
    #[error("{0}")]
    Search(String),
    /// Computing failed: a task raised an error (it names the task, e.g. a partition with
    /// NaN), or the run was cancelled.
    #[error(transparent)]
    Rask(#[from] rask::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A parameter error for `estimator`.
pub(crate) fn parameter(
    estimator: &'static str,
    name: &'static str,
    value: impl std::fmt::Display,
    why: &'static str,
) -> Error {
    Error::Parameter { estimator, name, value: value.to_string(), why }
}
