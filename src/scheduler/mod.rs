//! Schedulers: run a lowered task graph on one thread or on a work-stealing pool.
//!
//! The work of a run lives in [`state::Run`], plain code over plain state: which units are
//! waiting on how many inputs, which results are held and by how many readers. The
//! synchronous scheduler calls it in run order; the threaded one calls the same functions
//! from a rayon pool. Both report every task on the event stream ([`crate::events`]).

mod cancel;
mod config;
mod interrupt;
mod state;
mod threads;

use std::sync::Arc;

pub(crate) use cancel::interrupts;
pub use cancel::{CancelToken, cancel_all};
pub use config::{set_default_scheduler, with_scheduler};

use crate::error::Result;
use crate::events::Listener;
use crate::plan::{Plan, TaskGraph};
use crate::value::Value;

/// Which scheduler runs a computation.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let x = delayed!(u8::max(3, 4));
/// assert_eq!(x.compute_with(Scheduler::Sync)?, 4);        // one thread, for debugging
/// assert_eq!(x.compute_with(Scheduler::Threads(2))?, 4);  // a pool of two threads
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// Everything on the calling thread, in run order. Slow but simple to debug.
    Sync,
    /// A work-stealing pool of this many threads; `0` means one per core.
    Threads(usize),
    /// The Dask cluster of the current [`Client`](crate::Client) (one made by
    /// [`Client::connect`](crate::Client::connect) or
    /// [`Client::dask_local`](crate::Client::dask_local)); every task must be a
    /// [registered function](crate::remote) or a value.
    Cluster,
}

impl Scheduler {
    /// How many tasks this scheduler runs at once.
    pub(crate) fn parallelism(self) -> usize {
        match self {
            Scheduler::Sync => 1,
            Scheduler::Threads(0) => std::thread::available_parallelism().map_or(1, |n| n.get()),
            Scheduler::Threads(n) => n,
            Scheduler::Cluster => match crate::client::current_cluster() {
                Some(cluster) => cluster.threads().max(1),
                None => Scheduler::Threads(0).parallelism(),
            },
        }
    }
}

/// How many tasks the scheduler `compute()` uses here runs at once.
pub(crate) fn current_parallelism() -> usize {
    config::current().parallelism()
}

impl Default for Scheduler {
    /// `Threads(0)`: one thread per core.
    fn default() -> Self {
        Scheduler::Threads(0)
    }
}

/// How to run a computation: the scheduler, a cancellation token, extra event listeners.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let token = CancelToken::new();
/// let opts = RunOptions::new().scheduler(Scheduler::Threads(2)).cancel_token(token.clone());
/// assert_eq!(delayed!(i32::signum(-7)).compute_with(opts)?, -1);
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct RunOptions {
    scheduler: Option<Scheduler>,
    cancel: Option<CancelToken>,
    listeners: Vec<Arc<dyn Listener>>,
    no_fuse: bool,
    /// A client's pool: the run uses its threads and is not stopped by [`cancel_all`]
    /// (an interrupt stops the computation in the foreground, not background futures).
    pool: Option<Arc<rayon::ThreadPool>>,
    /// A client's Dask cluster: the run goes there.
    cluster: Option<Arc<crate::remote::cluster::Cluster>>,
}

impl RunOptions {
    /// The defaults: the scheduler chosen by [`with_scheduler`] or [`set_default_scheduler`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs with this scheduler.
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = Some(scheduler);
        self
    }

    /// Stops the run when `token` is cancelled (from any thread).
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Sends this run's events to `listener` too (besides the globally subscribed ones).
    pub fn listen(mut self, listener: impl Listener + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Shows a progress bar in the terminal while this run goes on.
    pub fn progress(self) -> Self {
        self.listen(crate::diagnostics::ProgressBar::new())
    }

    /// Whether to fuse linear chains into one unit (on by default). Events are reported per
    /// task either way.
    pub fn fuse(mut self, fuse: bool) -> Self {
        self.no_fuse = !fuse;
        self
    }
}

impl RunOptions {
    /// Runs on a client's pool, in the background.
    pub(crate) fn on_pool(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Runs on a client's Dask cluster.
    pub(crate) fn on_cluster(mut self, cluster: Option<Arc<crate::remote::cluster::Cluster>>) -> Self {
        self.cluster = cluster;
        self
    }
}

impl From<Scheduler> for RunOptions {
    fn from(s: Scheduler) -> Self {
        RunOptions::new().scheduler(s)
    }
}

/// Runs `graph` and returns the values of its outputs, in order.
pub(crate) fn run(graph: &TaskGraph, options: &RunOptions) -> Result<Vec<Value>> {
    let token = options.cancel.clone().unwrap_or_default();
    let scheduler = options.scheduler.unwrap_or_else(config::current);
    let cluster = match (&options.cluster, scheduler) {
        (Some(c), _) => Some(c.clone()),
        (None, Scheduler::Cluster) => Some(crate::client::current_cluster().ok_or_else(|| {
            crate::Error::Cluster(
                "Scheduler::Cluster needs a client on a Dask cluster (Client::connect or Client::dask_local)".into(),
            )
        })?),
        (None, _) => None,
    };
    // A run in the foreground can be interrupted and shows progress; a client's background
    // run (on its pool) is stopped only through its future.
    let background = options.pool.is_some();
    let _active = (!background).then(|| cancel::register(&token));
    if !background {
        // Before the listeners are collected, so that the bar sees the first run too.
        interrupt::install_from_env();
        crate::diagnostics::progress::install_from_env();
    }
    let mut listeners = crate::events::listeners_with(&options.listeners);
    if !background {
        listeners.extend(crate::diagnostics::notebook::listener());
    }
    if let Some(cluster) = cluster {
        return cluster.run(graph, &token, &listeners);
    }
    let plan = Plan::new(graph, !options.no_fuse);
    if let Some(pool) = &options.pool {
        let run = state::Run::new(&plan, token, listeners, Scheduler::Threads(pool.current_num_threads()));
        threads::run_on(&run, pool);
        return run.finish();
    }
    let run = state::Run::new(&plan, token, listeners, scheduler);
    match scheduler {
        Scheduler::Sync => run.run_sync(),
        Scheduler::Threads(n) => threads::run_on(&run, &*threads::pool(n)?),
        Scheduler::Cluster => return Err(crate::Error::Internal("a cluster run reached the local pool".into())),
    }
    run.finish()
}

#[cfg(test)]
mod tests;
