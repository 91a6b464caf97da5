//! Futures: results a [`Client`](super::Client) computes in the background.
//!
//! A [`Future<T>`] is a typed handle on a [`Shared`] state, which the job that computes it,
//! the tasks that wait for it and the memory store also reach. The state moves
//! `Pending → Running → Finished | Error`, or to `Cancelled` from either of the first two;
//! a finished state never changes again. When the last handle is dropped the held result is
//! released (and work not yet started is cancelled), unless the future was
//! [`fire_and_forget`](super::Client::fire_and_forget)ed.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::store::{Held, Store};
use crate::error::{Error, Result};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::scheduler::CancelToken;
use crate::value::{Data, Value, take};

/// Where a future is in its life (Dask's `future.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FutureStatus {
    /// Waiting for its inputs or for a free thread.
    Pending,
    /// Running on a worker thread.
    Running,
    /// Done; [`Future::result`] gives the value.
    Finished,
    /// Failed; [`Future::result`] gives the task's error.
    Error,
    /// Cancelled before it finished.
    Cancelled,
}

impl FutureStatus {
    /// Whether the future has reached an end (finished, failed or cancelled).
    pub fn is_done(self) -> bool {
        matches!(self, FutureStatus::Finished | FutureStatus::Error | FutureStatus::Cancelled)
    }
}

impl fmt::Display for FutureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FutureStatus::Pending => "pending",
            FutureStatus::Running => "running",
            FutureStatus::Finished => "finished",
            FutureStatus::Error => "error",
            FutureStatus::Cancelled => "cancelled",
        })
    }
}

type Callback = Box<dyn FnOnce(&Arc<Shared>) + Send>;

struct State {
    status: FutureStatus,
    result: Option<Held>,
    error: Option<Arc<Error>>,
    callbacks: Vec<Callback>,
    wakers: Vec<Waker>,
    /// Every user handle is gone.
    released: bool,
    /// Keep running after the handles are gone.
    forgotten: bool,
    /// `(done, total)` tasks, for futures of collections.
    progress: Option<(usize, usize)>,
}

/// The state of one future, shared by its handles, its job and the tasks that read it.
pub(crate) struct Shared {
    pub(crate) key: Key,
    pub(crate) cancel: CancelToken,
    /// The Rust type of the value, for display.
    pub(crate) type_name: String,
    store: Arc<Store>,
    state: Mutex<State>,
    changed: Condvar,
    /// The graph node that reads this future, while some graph holds it.
    node: Mutex<Weak<Node>>,
    /// Display updates go to this id once the future has been displayed.
    pub(crate) display_id: OnceLock<String>,
    /// Called whenever the future changes (progress bars that show it).
    observers: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(key: Key, type_name: String, store: Arc<Store>) -> Arc<Shared> {
        Arc::new(Shared {
            key,
            cancel: CancelToken::new(),
            type_name,
            store,
            state: Mutex::new(State {
                status: FutureStatus::Pending,
                result: None,
                error: None,
                callbacks: Vec::new(),
                wakers: Vec::new(),
                released: false,
                forgotten: false,
                progress: None,
            }),
            changed: Condvar::new(),
            node: Mutex::new(Weak::new()),
            display_id: OnceLock::new(),
            observers: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn status(&self) -> FutureStatus {
        lock(&self.state).status
    }

    pub(crate) fn progress(&self) -> Option<(usize, usize)> {
        lock(&self.state).progress
    }

    pub(crate) fn set_progress(&self, done: usize, total: usize) {
        lock(&self.state).progress = Some((done, total));
    }

    /// Marks the future running; false when it was cancelled (the job must not run).
    pub(crate) fn start(&self) -> bool {
        let mut st = lock(&self.state);
        if st.status != FutureStatus::Pending {
            return false;
        }
        st.status = FutureStatus::Running;
        drop(st);
        self.changed.notify_all();
        super::display::changed(self);
        true
    }

    /// Ends the future with `outcome` (ignored when it already ended, e.g. was cancelled),
    /// holding the value on `worker`.
    pub(crate) fn complete(self: &Arc<Self>, outcome: Result<Value>, worker: usize) {
        let mut st = lock(&self.state);
        if st.status.is_done() {
            return;
        }
        match outcome {
            Ok(v) if !st.released => {
                st.result = Some(self.store.hold(self, v, worker));
                st.status = FutureStatus::Finished;
            }
            Ok(_) => st.status = FutureStatus::Finished,
            Err(e) => {
                st.status = if e.is_cancelled() { FutureStatus::Cancelled } else { FutureStatus::Error };
                st.error = Some(share(e));
            }
        }
        self.finish(st);
    }

    /// Runs the callbacks and wakes the waiters of a future that just ended.
    fn finish(self: &Arc<Self>, mut st: MutexGuard<'_, State>) {
        let callbacks = std::mem::take(&mut st.callbacks);
        let wakers = std::mem::take(&mut st.wakers);
        drop(st);
        self.changed.notify_all();
        wakers.into_iter().for_each(Waker::wake);
        callbacks.into_iter().for_each(|cb| cb(self));
        super::display::changed(self);
    }

    /// Cancels the future: work not started never starts, a running graph stops, and the
    /// future ends as cancelled at once.
    pub(crate) fn cancel(self: &Arc<Self>) {
        self.cancel.cancel();
        let mut st = lock(&self.state);
        if st.status.is_done() {
            return;
        }
        st.status = FutureStatus::Cancelled;
        st.error = Some(Arc::new(Error::Cancelled));
        self.finish(st);
    }

    /// Calls `f` once the future has ended (at once if it has).
    pub(crate) fn on_done(self: &Arc<Self>, f: impl FnOnce(&Arc<Shared>) + Send + 'static) {
        let mut st = lock(&self.state);
        if st.status.is_done() {
            drop(st);
            f(self);
        } else {
            st.callbacks.push(Box::new(f));
        }
    }

    /// Blocks until the future has ended; an interrupt ([`crate::cancel_all`]) ends the
    /// wait early with [`Error::Interrupted`], except on the client's own threads (their
    /// waits are background work). A job of the client that waits secedes from its workers
    /// meanwhile (see `workers.rs`), so waiting never holds a worker's place.
    pub(crate) fn wait(&self) -> Result<()> {
        if self.status().is_done() {
            return Ok(());
        }
        let interruptible = !super::workers::Workers::in_background();
        let interrupts = crate::scheduler::interrupts();
        super::workers::Workers::seceding(|| {
            let mut st = lock(&self.state);
            while !st.status.is_done() {
                if interruptible && crate::scheduler::interrupts() != interrupts {
                    return Err(Error::Interrupted { key: self.key.clone() });
                }
                st = self.changed.wait_timeout(st, Duration::from_millis(50)).unwrap_or_else(PoisonError::into_inner).0;
            }
            Ok(())
        })
    }

    /// Waits up to `timeout`; whether the future has ended.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> bool {
        let st = lock(&self.state);
        let (st, _) = self
            .changed
            .wait_timeout_while(st, timeout, |s| !s.status.is_done())
            .unwrap_or_else(PoisonError::into_inner);
        st.status.is_done()
    }

    /// The outcome of an ended future: its value (read back from disk if spilled) or error.
    pub(crate) fn outcome(&self) -> Result<Value> {
        let st = lock(&self.state);
        match (&st.result, &st.error) {
            (_, Some(e)) => Err(Error::Shared(e.clone())),
            (Some(held), None) => {
                let held = held.clone();
                drop(st);
                self.store.read(&held, &self.key)
            }
            (None, None) => Err(Error::Released { key: self.key.clone() }),
        }
    }

    /// Waits, then gives the outcome.
    pub(crate) fn value(&self) -> Result<Value> {
        self.wait()?;
        self.outcome()
    }

    /// The error of a failed or cancelled future.
    pub(crate) fn error(&self) -> Option<Arc<Error>> {
        lock(&self.state).error.clone()
    }

    /// The held value with store id `id`, if it is held in memory.
    pub(crate) fn held_in_memory(&self, id: u64) -> Option<Value> {
        match &lock(&self.state).result {
            Some(Held::Memory { id: h, value }) if *h == id => Some(value.clone()),
            _ => None,
        }
    }

    /// Swaps the held result for what `f` gives (the store spilled it); whether it did.
    pub(crate) fn replace_held(&self, f: impl FnOnce(&Held) -> Option<Held>) -> bool {
        let mut st = lock(&self.state);
        match st.result.as_ref().and_then(f) {
            Some(new) => {
                st.result = Some(new);
                true
            }
            None => false,
        }
    }

    /// Calls `f` whenever the future changes from now on.
    pub(crate) fn observe(&self, f: impl Fn() + Send + Sync + 'static) {
        lock(&self.observers).push(Box::new(f));
    }

    pub(crate) fn notify_observers(&self) {
        lock(&self.observers).iter().for_each(|f| f());
    }

    pub(crate) fn forget(&self) {
        lock(&self.state).forgotten = true;
    }

    /// The last user handle is gone: cancel work not done (unless forgotten) and let the
    /// result go.
    fn release(self: &Arc<Self>) {
        let mut st = lock(&self.state);
        st.released = true;
        if st.forgotten && !st.status.is_done() {
            return;
        }
        let held = st.result.take();
        let running = !st.status.is_done();
        drop(st);
        if let Some(h) = held {
            self.store.release(&h);
        }
        if running {
            self.cancel();
        }
    }

    /// Registers a waker for an `.await`; false when the future has ended already.
    fn register(&self, waker: &Waker) -> bool {
        let mut st = lock(&self.state);
        if st.status.is_done() {
            return false;
        }
        if !st.wakers.iter().any(|w| w.will_wake(waker)) {
            st.wakers.push(waker.clone());
        }
        true
    }
}

/// Wraps an error so that several readers can get it.
fn share(e: Error) -> Arc<Error> {
    match e {
        Error::Shared(inner) => inner,
        e => Arc::new(e),
    }
}

/// A user handle: while one exists, the future's work goes on and its result is kept.
pub(crate) struct Handle(pub(crate) Arc<Shared>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A value being computed in the background: what [`Client::submit`](super::Client::submit),
/// [`Client::compute`](super::Client::compute) and `compute_async` return.
///
/// The work starts at once; the future is a handle on its result. Pass it to further
/// `submit_with` calls or to delayed calls, and the work that reads it waits for it.
/// Dropping every clone of a future cancels its work if it has not finished and frees its
/// result.
///
/// ```
/// use rask::prelude::*;
/// let client = Client::builder().threads(2).dashboard(None).build()?;
/// let x = client.submit(|| 6 * 7);
/// let y = client.submit_with(|v: i64| v + 1, (&x,));   // waits for x
/// assert_eq!(y.result()?, 43);
/// assert_eq!(x.status(), FutureStatus::Finished);
/// # Ok::<(), rask::Error>(())
/// ```
#[must_use = "a Future is cancelled when dropped; keep it, or call `client.fire_and_forget(f)`"]
pub struct Future<T> {
    pub(crate) handle: Arc<Handle>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future { handle: self.handle.clone(), _type: PhantomData }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::display::status_line(self.shared()))
    }
}

impl<T> fmt::Display for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl<T> Future<T> {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Future { handle: Arc::new(Handle(shared)), _type: PhantomData }
    }

    /// A future that failed before it started (no client could be started).
    pub(crate) fn failed(e: Error) -> Self {
        let store = Arc::new(Store::new(1, None, Default::default(), std::env::temp_dir()));
        let shared = Shared::new(Key::unique("failed"), crate::value::type_name::<T>(), store);
        shared.complete(Err(e), 0);
        Self::from_shared(shared)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.handle.0
    }

    /// The key of the work behind the future (`inc-3f2a`).
    pub fn key(&self) -> &Key {
        &self.shared().key
    }

    /// Where the future is: pending, running, finished, error or cancelled.
    pub fn status(&self) -> FutureStatus {
        self.shared().status()
    }

    /// Whether the future has ended (finished, failed or been cancelled); never blocks.
    pub fn done(&self) -> bool {
        self.status().is_done()
    }

    /// Cancels the work: a task not started never starts, a running computation stops at
    /// the next task, and [`result`](Self::result) gives [`Error::Cancelled`].
    pub fn cancel(&self) {
        self.shared().cancel();
    }

    /// Waits for the future to end and gives its error, or `None` when it finished (or the
    /// wait was interrupted).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(1).dashboard(None).build()?;
    /// let f = client.try_submit(|| "x1".parse::<i64>());
    /// assert_eq!(f.exception().map(|e| e.to_string()),
    ///            Some(format!("task '{}' failed: invalid digit found in string", f.key())));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn exception(&self) -> Option<Error> {
        self.shared().wait().ok()?;
        self.shared().error().map(Error::Shared)
    }

    /// Waits up to `timeout` for the future to end; whether it has.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.shared().wait_timeout(timeout)
    }

    /// How many of its tasks are done, of how many, for a future of a collection.
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.shared().progress()
    }
}

impl<T: Data> Future<T> {
    /// Waits for the value: a clone of the held result, or the error the work ended with
    /// (the task's key and message, or [`Error::Cancelled`]).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(1).dashboard(None).build()?;
    /// let f = client.submit(|| -> i64 { panic!("no data for 2024") });
    /// let err = f.result().unwrap_err();
    /// assert!(err.to_string().contains("panicked: no data for 2024"), "{err}");
    /// assert_eq!(err.key(), Some(f.key()));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn result(&self) -> Result<T> {
        take(self.shared().value()?)
    }

    /// Calls `f` with the future once it has ended (at once if it has), on the thread that
    /// ended it.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use std::sync::mpsc;
    /// let client = Client::builder().threads(1).dashboard(None).build()?;
    /// let (tx, rx) = mpsc::channel();
    /// let f = client.submit(|| 2 + 2);
    /// f.add_done_callback(move |f: &Future<i32>| { let _ = tx.send(f.result()); });
    /// assert_eq!(rx.recv().expect("called")?, 4);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn add_done_callback(&self, f: impl FnOnce(&Future<T>) + Send + 'static) {
        let handle = self.handle.clone();
        self.shared().on_done(move |_| f(&Future { handle, _type: PhantomData }));
    }

    /// The graph node that reads this future (one per future while a graph holds it, so a
    /// future passed twice is one input).
    pub(crate) fn node(&self) -> Arc<Node> {
        let shared = self.shared();
        let mut cached = lock(&shared.node);
        if let Some(n) = cached.upgrade() {
            return n;
        }
        let n = Node::new(shared.key.clone(), Op::Future(self.handle.clone()), Vec::new());
        *cached = Arc::downgrade(&n);
        n
    }
}

/// Waits for a future in async code: `future.await` or `(&future).await`.
///
/// ```
/// use rask::prelude::*;
/// let client = Client::builder().threads(1).dashboard(None).build()?;
/// let f = client.submit(|| 20 + 1);
/// let doubled = async move { f.await.map(|v| v * 2) };
/// # let waker = std::task::Waker::noop();
/// # let mut cx = std::task::Context::from_waker(&waker);
/// # let mut doubled = std::pin::pin!(doubled);
/// # let v = loop { if let std::task::Poll::Ready(v) = doubled.as_mut().poll(&mut cx) { break v } };
/// # assert_eq!(v?, 42);
/// # Ok::<(), rask::Error>(())
/// ```
pub struct Wait<T> {
    future: Future<T>,
}

impl<T: Data> std::future::Future for Wait<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let shared = self.future.shared();
        if shared.register(cx.waker()) { Poll::Pending } else { Poll::Ready(shared.outcome().and_then(take)) }
    }
}

impl<T: Data> std::future::IntoFuture for Future<T> {
    type Output = Result<T>;
    type IntoFuture = Wait<T>;
    fn into_future(self) -> Wait<T> {
        Wait { future: self }
    }
}

impl<T: Data> std::future::IntoFuture for &Future<T> {
    type Output = Result<T>;
    type IntoFuture = Wait<T>;
    fn into_future(self) -> Wait<T> {
        Wait { future: self.clone() }
    }
}
