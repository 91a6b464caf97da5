//! rask: Dask-style parallel computing for Rust.
//!
//! Build lazy values and task graphs, look at them with `visualize()`, and run them in
//! parallel with `compute()`. Start with `use rask::prelude::*;`.
//!
//! ```
//! use rask::prelude::*;
//!
//! #[delayed]
//! fn load(path: &str) -> Vec<f64> {
//!     path.bytes().map(f64::from).collect()
//! }
//!
//! #[delayed]
//! fn clean(data: Vec<f64>) -> Vec<f64> {
//!     data.into_iter().filter(|x| *x > 98.0).collect()
//! }
//!
//! #[delayed]
//! fn analyze(parts: Vec<Vec<f64>>) -> usize {
//!     parts.iter().map(Vec::len).sum()
//! }
//!
//! let files = ["a.csv", "bb.csv", "ccc.csv"];
//! let cleaned: Vec<_> = files.iter().map(|f| clean(load(*f))).collect();
//! let summary = analyze(cleaned);        // nothing has run yet
//! assert_eq!(summary.compute()?, 12);    // runs in parallel
//! # Ok::<(), rask::Error>(())
//! ```
//!
//! The modules: [`Delayed`] and [`delayed!`] build lazy calls; [`graph!`] and [`get`] run raw
//! graphs written key by key; [`Scheduler`] and [`RunOptions`] choose how a run goes;
//! [`events`] and [`diagnostics`] report on it; [`Visualize`] draws graphs; [`Client`] runs
//! work in the background and hands out [`Future`]s, with a live dashboard.

extern crate self as rask;

pub mod array;
pub mod bag;
mod call;
pub mod client;
mod codec;
mod collection;
pub mod config;
mod dashboard;
pub mod dataframe;
mod delayed;
pub mod diagnostics;
pub mod display;
mod error;
pub mod events;
mod key;
mod memory;
mod node;
mod ops;
mod panics;
mod plan;
mod raw;
pub mod remote;
mod scheduler;
mod value;
mod visualize;

pub use client::{AsCompleted, Client, ClientBuilder, Future, FutureStatus, Progress, as_completed, progress, wait};
pub use collection::{Collection, Persist, compute, compute_with, visualize, visualize_with};
pub use dashboard::performance_report;
pub use delayed::{Delayed, IntoArg};
pub use error::{BoxError, Error, Result, TaskError};
pub use key::Key;
pub use raw::{Graph, IntoRawArg, Lit, Task, get, literal};
pub use scheduler::{CancelToken, RunOptions, Scheduler, cancel_all, set_default_scheduler, with_scheduler};
pub use value::Data;
pub use visualize::{Collapse, Color, Format, RankDir, Rendered, Renderer, Visualize};

/// polars, whose expressions and frames rask's DataFrame uses.
pub use polars;

/// ndarray, whose arrays are the blocks of rask's [`array::Array`] and what it computes to.
pub use ndarray;

/// serde_json, whose `Value` is what [`bag::read_json`] gives.
pub use serde_json;

/// What a session needs in scope: `use rask::prelude::*;`.
pub mod prelude {
    pub use crate::array as da;
    pub use crate::bag as db;
    pub use crate::dataframe as dd;
    pub use crate::diagnostics::{Profiler, ProgressBar};
    pub use crate::display::{EvcxrDisplay, clear_output, display};
    pub use crate::events::{Event, Listener};
    pub use crate::{
        CancelToken, Client, Collection, Data, Delayed, Future, FutureStatus, Graph, Persist, RunOptions, Scheduler,
        Task, Visualize, graph, literal,
    };
    /// The crates whose types arrays and bags hand out: `ndarray::array![..]`,
    /// `serde_json::Value`.
    pub use crate::{ndarray, serde_json};
    pub use polars::prelude::{Expr, IntoLazy, col, len, lit};
    /// The `#[delayed]` attribute (the `delayed!` macro lives at the crate root; see the crate docs).
    pub use rask_macros::delayed;
}

/// Items the macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::{ArgReader, Callable};
    pub use crate::delayed::{Arg, IntoArgs, call, call_fallible, last_segment};
    pub use crate::raw::{IntoRawArgs, RawArg};
    pub use crate::value::TypeDesc;
}
