//! The event stream: every scheduler reports runs and tasks here; progress bars, the profiler
//! and front ends listen.
//!
//! Listeners are called on the worker threads, in the middle of the run: keep them quick.
//! Nothing is printed unless a listener that prints is subscribed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::error::TaskError;
use crate::key::Key;
use crate::scheduler::Scheduler;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every task finished.
    Completed,
    /// A task failed.
    Failed,
    /// The run was cancelled.
    Cancelled,
}

/// Something that happened in a run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A run is about to start `tasks` tasks.
    RunStarted {
        /// Identifies the run in this process.
        run: u64,
        /// How many tasks it has.
        tasks: usize,
        /// The scheduler that runs it.
        scheduler: Scheduler,
    },
    /// A task started on a worker.
    TaskStarted {
        /// The run.
        run: u64,
        /// The task.
        key: &'a Key,
        /// The worker thread (0-based).
        worker: usize,
    },
    /// A task finished.
    TaskFinished {
        /// The run.
        run: u64,
        /// The task.
        key: &'a Key,
        /// The worker thread (0-based).
        worker: usize,
        /// When it started.
        start: Instant,
        /// How long it took.
        duration: Duration,
        /// An estimate of the size of its result in bytes.
        nbytes: usize,
    },
    /// A task failed; the run stops.
    TaskFailed {
        /// The run.
        run: u64,
        /// The task.
        key: &'a Key,
        /// The worker thread (0-based).
        worker: usize,
        /// What went wrong.
        error: &'a TaskError,
    },
    /// A run ended.
    RunFinished {
        /// The run.
        run: u64,
        /// Its wall time.
        elapsed: Duration,
        /// How it ended.
        outcome: Outcome,
    },
}

/// Receives events. Closures `Fn(&Event)` are listeners.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let finished = Arc::new(AtomicUsize::new(0));
/// let count = finished.clone();
/// let opts = RunOptions::new().listen(move |e: &Event<'_>| {
///     if let Event::TaskFinished { .. } = e { count.fetch_add(1, Ordering::Relaxed); }
/// });
/// let x = delayed!(u64::pow(2, 3));
/// let y = delayed!(u64::pow(x, 2));
/// assert_eq!(y.compute_with(opts)?, 64);
/// assert_eq!(finished.load(Ordering::Relaxed), 2);
/// # Ok::<(), rask::Error>(())
/// ```
pub trait Listener: Send + Sync {
    /// Called for every event of every run the listener hears.
    fn on_event(&self, event: &Event<'_>);
}

impl<F: Fn(&Event<'_>) + Send + Sync> Listener for F {
    fn on_event(&self, event: &Event<'_>) {
        self(event)
    }
}

type Subscribers = Vec<(u64, Arc<dyn Listener>)>;
static SUBSCRIBERS: RwLock<Subscribers> = RwLock::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A listener subscribed to every run in the process; dropping it unsubscribes.
#[must_use = "dropping the Subscription unsubscribes the listener at once"]
pub struct Subscription(u64);

/// Subscribes `listener` to the events of every run (like Dask's `Callback.register()`).
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let profiler = Profiler::new();
/// let sub = rask::events::subscribe(profiler.clone());
/// delayed!(u8::saturating_add(1, 2)).compute()?;
/// drop(sub);
/// assert_eq!(profiler.records().len(), 1);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn subscribe(listener: impl Listener + 'static) -> Subscription {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    SUBSCRIBERS.write().unwrap_or_else(PoisonError::into_inner).push((id, Arc::new(listener)));
    Subscription(id)
}

impl Subscription {
    /// Keeps the listener subscribed for the rest of the process.
    pub fn keep(self) {
        std::mem::forget(self)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        SUBSCRIBERS.write().unwrap_or_else(PoisonError::into_inner).retain(|(id, _)| *id != self.0);
    }
}

/// The subscribed listeners plus `extra`, for one run.
pub(crate) fn listeners_with(extra: &[Arc<dyn Listener>]) -> Vec<Arc<dyn Listener>> {
    let subs = SUBSCRIBERS.read().unwrap_or_else(PoisonError::into_inner);
    subs.iter().map(|(_, l)| l.clone()).chain(extra.iter().cloned()).collect()
}
