//! The client's worker threads: a priority queue of ready jobs and the threads that run
//! them, one job at a time each.
//!
//! A job that blocks waiting for a future (a task that submitted work and gathers it)
//! *secedes*, as a Dask task does: its thread stops counting as a worker, and a new thread
//! is started if work is queued and none is idle; when the wait ends the thread *rejoins*,
//! and the first thread to find more workers than wanted after its job exits. So waiting
//! never holds a worker's place, and a job never runs on top of another one's stack.
//!
//! Threads start when work arrives, stay idle between jobs, and end once the client is
//! dropped and the queue is empty.

use std::cell::{Cell, RefCell};
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};

use super::future::Shared;
use super::store::Store;
use crate::error::Result;
use crate::value::Value;

/// Work for one future: called with the thread's number (for the task stream) until it
/// succeeds or its retries run out.
pub(crate) struct Job {
    pub(crate) shared: Arc<Shared>,
    pub(crate) retries: u32,
    pub(crate) work: Box<dyn FnMut(usize) -> Result<Value> + Send>,
    /// Called instead when the job never runs (cancelled first, or an input failed): takes
    /// its tasks off the dashboard's count.
    pub(crate) skip: Box<dyn FnOnce() + Send>,
}

impl Job {
    /// Ends a job that will never run with `error`.
    pub(crate) fn fail(self, error: crate::Error) {
        (self.skip)();
        self.shared.complete(Err(error), 0);
    }
}

/// A job waiting for a thread: highest priority first, then first come.
struct Queued {
    priority: i32,
    seq: u64,
    job: Job,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.priority, self.seq) == (other.priority, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.cmp(&other.priority).then(other.seq.cmp(&self.seq))
    }
}

#[derive(Default)]
struct State {
    queue: BinaryHeap<Queued>,
    seq: u64,
    /// Threads counted as workers: running a job or idle (not seceded).
    active: usize,
    idle: usize,
    /// Threads started so far (their numbers).
    started: usize,
    closed: bool,
}

pub(crate) struct Workers {
    state: Mutex<State>,
    ready: Condvar,
    /// How many threads should run jobs: workers × threads per worker.
    target: usize,
    threads_per_worker: usize,
    store: Arc<Store>,
}

thread_local! {
    /// The worker thread this is, if any: its pool and its worker.
    static CURRENT: RefCell<Option<(Weak<Workers>, usize)>> = const { RefCell::new(None) };
    /// Whether this is a thread of a client's graph pool.
    static GRAPH_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as one of a client's graph pool (its start handler).
pub(crate) fn mark_graph_thread() {
    GRAPH_THREAD.with(|g| g.set(true));
}

impl Workers {
    pub(crate) fn new(target: usize, threads_per_worker: usize, store: Arc<Store>) -> Arc<Workers> {
        Arc::new(Workers { state: Mutex::default(), ready: Condvar::new(), target, threads_per_worker, store })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a ready job and wakes (or starts) a thread for it.
    pub(crate) fn push(self: &Arc<Self>, job: Job, priority: i32) {
        let mut st = self.lock();
        st.seq += 1;
        let seq = st.seq;
        st.queue.push(Queued { priority, seq, job });
        self.wake(st);
    }

    /// Wakes an idle thread, or starts one when none is idle and fewer than wanted run.
    fn wake(self: &Arc<Self>, mut st: MutexGuard<'_, State>) {
        if st.idle > 0 {
            drop(st);
            self.ready.notify_one();
        } else if st.active < self.target && !st.queue.is_empty() {
            st.active += 1;
            let number = st.started;
            st.started += 1;
            drop(st);
            let this = self.clone();
            let worker = (number % self.target) / self.threads_per_worker;
            let spawned = std::thread::Builder::new()
                .name(format!("rask-client-{worker}"))
                .spawn(move || this.run(number, worker));
            if spawned.is_err() {
                // The jobs wait for a thread that frees itself.
                self.lock().active -= 1;
            }
        }
    }

    /// Stops the threads once the queue is empty.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// A worker thread: run jobs until there are too many threads, or the client is gone.
    fn run(self: Arc<Self>, number: usize, worker: usize) {
        CURRENT.with(|c| *c.borrow_mut() = Some((Arc::downgrade(&self), worker)));
        // Task-stream rows: the client's graph threads come first.
        let row = self.target + number;
        loop {
            self.store.wait_unpaused(worker);
            let job = {
                let mut st = self.lock();
                loop {
                    if st.active > self.target {
                        st.active -= 1;
                        return;
                    }
                    if let Some(q) = st.queue.pop() {
                        break q.job;
                    }
                    if st.closed {
                        st.active -= 1;
                        return;
                    }
                    st.idle += 1;
                    st = self.ready.wait(st).unwrap_or_else(PoisonError::into_inner);
                    st.idle -= 1;
                }
            };
            run_job(job, row, worker);
            self.store.balance(worker);
        }
    }

    /// Runs `wait` with this thread seceded from its workers when it is one of them.
    pub(crate) fn seceding<R>(wait: impl FnOnce() -> R) -> R {
        let Some(this) = CURRENT.with(|c| c.borrow().as_ref().and_then(|(w, _)| w.upgrade())) else { return wait() };
        {
            let mut st = this.lock();
            st.active -= 1;
            this.wake(st);
        }
        let out = wait();
        this.lock().active += 1;
        out
    }

    /// Whether this thread works for a client: one of its job threads, or of the pools its
    /// graphs run on. Such threads are not interrupted: what they wait for is background
    /// work.
    pub(crate) fn in_background() -> bool {
        GRAPH_THREAD.with(Cell::get) || CURRENT.with(|c| c.borrow().is_some())
    }
}

/// Runs one job: marks it running (unless it was cancelled), retries it as asked, and
/// ends its future with the outcome, held on `worker`.
fn run_job(mut job: Job, row: usize, worker: usize) {
    if !job.shared.start() {
        return (job.skip)();
    }
    let mut attempts = 0;
    let outcome = loop {
        match (job.work)(row) {
            Err(e) if attempts < job.retries && !e.is_cancelled() && !job.shared.cancel.is_cancelled() => attempts += 1,
            out => break out,
        }
    };
    job.shared.complete(outcome, worker);
}
