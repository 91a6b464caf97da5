//! The local Client: futures that start work at once, Dask's `distributed.Client` on one
//! machine.
//!
//! A [`Client`] owns a pool of worker threads (`workers × threads_per_worker`), a memory
//! store for the results its futures hold, and a monitor its dashboard reads. Work reaches
//! the pool as jobs: one function call ([`Client::submit`], [`Client::map`]) or a whole
//! graph ([`Client::compute`]). A job whose inputs are other futures waits for them without
//! holding a thread; ready jobs run highest priority first.
//!
//! ```
//! use rask::prelude::*;
//! let client = Client::builder().workers(2).threads_per_worker(1).dashboard(None).build()?;
//! let squares = client.map(|x: u64| x * x, 1..=4);
//! let total = client.submit_with(|v: Vec<u64>| v.iter().sum::<u64>(), (squares,));
//! assert_eq!(total.result()?, 30);
//! # Ok::<(), rask::Error>(())
//! ```

mod completed;
pub(crate) mod display;
mod future;
pub(crate) mod monitor;
mod store;
mod workers;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use std::time::Instant;

use rayon::{ThreadPool, ThreadPoolBuilder};

pub use crate::codec::register_spill;
pub use completed::{AsCompleted, as_completed, wait};
pub use display::{Progress, progress};
pub use future::{Future, FutureStatus, Wait};
pub use store::WorkerMemory;

pub(crate) use self::future::Handle;
use self::future::Shared;
use self::monitor::{Monitor, RunListener};
use self::store::{Store, Thresholds};
use self::workers::{Job, Workers};
use crate::call::Callable;
use crate::collection::{Collection, Outputs, Persist, Results};
use crate::delayed::IntoArgs;
use crate::error::{BoxError, Error, Result, TaskError};
use crate::events::{Event, Listener};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::plan::TaskGraph;
use crate::remote::cluster::Cluster;
use crate::scheduler::RunOptions;
use crate::value::{Data, Value, type_name, value};

/// How a call runs: its priority and how often a failure is retried.
#[derive(Debug, Clone, Copy, Default)]
struct CallOptions {
    priority: i32,
    retries: u32,
}

/// A local cluster of worker threads that runs work in the background and hands out
/// [`Future`]s, with a live dashboard (Dask's `Client(LocalCluster())`).
///
/// Clones share the cluster; [`priority`](Client::priority) and
/// [`retries`](Client::retries) give a clone whose calls use those settings.
///
/// ```
/// use rask::prelude::*;
/// let client = Client::builder().threads(2).dashboard(None).build()?;
/// let f = client.submit(|| (1..=10).sum::<i32>());
/// assert_eq!(f.result()?, 55);
/// let fs = client.map(|x: i32| x + 1, vec![1, 2, 3]);
/// assert_eq!(client.gather(&fs)?, vec![2, 3, 4]);
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    options: CallOptions,
}

/// The cluster behind a client and its clones.
pub(crate) struct Inner {
    /// The threads that run jobs.
    jobs: Arc<Workers>,
    /// Where the graphs of computations run (as many threads as workers have).
    pool: Arc<ThreadPool>,
    pub(crate) store: Arc<Store>,
    pub(crate) monitor: Arc<Monitor>,
    pub(crate) workers: usize,
    pub(crate) threads_per_worker: usize,
    dashboard: Mutex<Option<crate::dashboard::Server>>,
    scatter_next: AtomicUsize,
    /// The Dask cluster graphs run on, for a client made by `connect` or `dask_local`.
    cluster: Option<Arc<Cluster>>,
}

/// Configures a [`Client`]: `Client::builder().workers(4).memory_limit(2 << 30).build()?`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    workers: Option<usize>,
    threads_per_worker: Option<usize>,
    memory_limit: Option<u64>,
    thresholds: Thresholds,
    spill_dir: Option<PathBuf>,
    dashboard: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            workers: None,
            threads_per_worker: None,
            memory_limit: None,
            thresholds: Thresholds::default(),
            spill_dir: None,
            dashboard: Some(crate::dashboard::DEFAULT_ADDRESS.to_string()),
        }
    }
}

impl ClientBuilder {
    /// How many workers (default: one per core, with one thread each).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n.max(1));
        self
    }

    /// Threads per worker (default 1).
    pub fn threads_per_worker(mut self, n: usize) -> Self {
        self.threads_per_worker = Some(n.max(1));
        self
    }

    /// Total threads, as `threads` workers of one thread each.
    pub fn threads(self, n: usize) -> Self {
        self.workers(n).threads_per_worker(1)
    }

    /// The memory limit of each worker, in bytes, for the results its futures hold. Past
    /// 60% of it results are spilled to disk; past 80% the worker starts no new task.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// The fractions of the memory limit at which results spill (default 0.6) and at which
    /// a worker pauses (default 0.8).
    pub fn memory_thresholds(mut self, target: f64, pause: f64) -> Self {
        let target = target.clamp(0.0, 1.0);
        // A pause below the target would never clear: spilling stops at the target.
        self.thresholds = Thresholds { target, pause: pause.clamp(target, 1.0) };
        self
    }

    /// Where spilled results go (default: `rask-spill` in the system's temporary directory).
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spill_dir = Some(dir.into());
        self
    }

    /// Where the dashboard listens: `Some("127.0.0.1:8787")` (the default; another port is
    /// taken when that one is busy), `Some("0.0.0.0:8787")` to be reached from other
    /// machines (the link then carries a token), or `None` for no dashboard.
    pub fn dashboard(mut self, address: Option<&str>) -> Self {
        self.dashboard = address.map(str::to_string);
        self
    }

    /// Starts the client.
    pub fn build(self) -> Result<Client> {
        self.build_on(None)
    }

    fn build_on(self, cluster: Option<Arc<Cluster>>) -> Result<Client> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads_per_worker = self.threads_per_worker.unwrap_or(1);
        let workers = self.workers.unwrap_or_else(|| (cores / threads_per_worker).max(1));
        let threads = workers * threads_per_worker;
        let pool = ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("rask-client-graph-{i}"))
            .start_handler(|_| workers::mark_graph_thread())
            .build()
            .map_err(|e| Error::Internal(format!("could not start {threads} client threads: {e}")))?;
        let dir = self.spill_dir.unwrap_or_else(|| crate::config::spill_dir().join("client"));
        let store = Arc::new(Store::new(workers, self.memory_limit, self.thresholds, dir));
        let inner = Arc::new(Inner {
            jobs: Workers::new(threads, threads_per_worker, store.clone()),
            pool: Arc::new(pool),
            store,
            monitor: Monitor::new(threads),
            workers,
            threads_per_worker,
            dashboard: Mutex::new(None),
            scatter_next: AtomicUsize::new(0),
            cluster,
        });
        if let Some(address) = &self.dashboard {
            let server = crate::dashboard::Server::start(address, Arc::downgrade(&inner))?;
            *inner.dashboard.lock().unwrap_or_else(PoisonError::into_inner) = Some(server);
        }
        let mut clients = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
        clients.retain(|c| c.strong_count() > 0);
        clients.push(Arc::downgrade(&inner));
        drop(clients);
        Ok(Client { inner, options: CallOptions::default() })
    }
}

impl std::fmt::Debug for Client {
    /// `Client: 2 workers × 1 thread, memory limit 1.0 GiB per worker, dashboard http://…`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (workers, threads) = self.workers();
        f.write_str("Client: ")?;
        if let Some(c) = &self.inner.cluster {
            write!(f, "Dask cluster {}, ", c.info.scheduler)?;
        }
        write!(f, "{workers} workers × {threads} thread{}", if threads == 1 { "" } else { "s" })?;
        if let Some(limit) = self.inner.store.limit() {
            write!(f, ", memory limit {:.1} GiB per worker", limit as f64 / f64::from(1u32 << 30))?;
        }
        match self.dashboard_link() {
            Some(link) => write!(f, ", dashboard {link}"),
            None => f.write_str(", no dashboard"),
        }
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl Client {
    /// Shows the client in the REPL and the kernel, with a link to its dashboard.
    pub fn evcxr_display(&self) {
        crate::display::send(&crate::display::Show::forms(self));
    }
}

impl crate::display::Show for Client {
    fn forms(&self) -> crate::display::Forms {
        let text = self.to_string();
        let html = match self.dashboard_link() {
            Some(link) => format!(
                "<div><b>rask Client</b> &middot; {} &middot; <a href=\"{link}\" target=\"_blank\">dashboard</a></div>",
                crate::display::escape_html(text.split(", dashboard").next().unwrap_or(&text))
            ),
            None => format!("<div><b>rask Client</b> &middot; {}</div>", crate::display::escape_html(&text)),
        };
        vec![("text/plain", text), ("text/html", html)]
    }
}

/// The clients started so far (oldest first): `compute_async` uses the newest still alive.
static CURRENT: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

/// The cluster of the newest client still alive that has one (what `Scheduler::Cluster`
/// runs on).
pub(crate) fn current_cluster() -> Option<Arc<Cluster>> {
    let clients = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
    clients.iter().rev().filter_map(Weak::upgrade).find_map(|inner| inner.cluster.clone())
}

impl Client {
    /// A client with one worker per core and the dashboard on `127.0.0.1:8787`.
    ///
    /// ```no_run
    /// let client = rask::Client::local()?;
    /// println!("dashboard: {}", client.dashboard_link().unwrap_or_default());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn local() -> Result<Client> {
        ClientBuilder::default().build()
    }

    /// Configures a client (workers, threads, memory limit, dashboard).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The client `compute_async` uses: the most recently started one that is still alive,
    /// or else a local one without dashboard, started once and kept.
    ///
    /// (That default client is itself "started", so once it exists it is the one found
    /// when no client of yours is alive.)
    pub fn current() -> Result<Client> {
        let newest = CURRENT.lock().unwrap_or_else(PoisonError::into_inner).iter().rev().find_map(Weak::upgrade);
        if let Some(inner) = newest {
            return Ok(Client { inner, options: CallOptions::default() });
        }
        static DEFAULT: std::sync::OnceLock<Client> = std::sync::OnceLock::new();
        if let Some(c) = DEFAULT.get() {
            return Ok(c.clone());
        }
        let c = Client::builder().dashboard(None).build()?;
        Ok(DEFAULT.get_or_init(|| c).clone())
    }

    /// A client on the Dask cluster whose scheduler listens at `address` (`tcp://host:8786`,
    /// or `tls://…` with Dask's TLS settings from its config or `DASK_DISTRIBUTED__COMM__*`
    /// variables). Its graphs run there: every task must be a [registered
    /// function](crate::remote) or a value, and every worker must run rask's worker runtime
    /// of this rask's version (checked here). Needs Python with `distributed` and the worker
    /// runtime (`RASK_PYTHON` picks the interpreter, default `python3`).
    ///
    /// ```no_run
    /// use rask::prelude::*;
    /// let client = Client::connect("tcp://127.0.0.1:8786")?;
    /// let inc = rask::remote::register("inc", |x: i64| x + 1);
    /// assert_eq!(client.compute(&inc.call((41,))).result()?, 42);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn connect(address: &str) -> Result<Client> {
        Self::on_cluster(crate::remote::cluster::Target::Address(address.to_string()))
    }

    /// A client on a new Dask `LocalCluster` of `n_workers` worker processes (one thread
    /// each) on this machine: the cluster path, tried without a cluster. It stops with the
    /// client.
    ///
    /// ```no_run
    /// use rask::prelude::*;
    /// let client = Client::dask_local(2)?;
    /// println!("{client}");      // Client: Dask cluster tcp://127.0.0.1:…, 2 workers × 1 thread, dashboard …
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn dask_local(n_workers: usize) -> Result<Client> {
        if n_workers == 0 {
            return Err(Error::Cluster("dask_local: n_workers must be at least 1".into()));
        }
        Self::on_cluster(crate::remote::cluster::Target::Local(n_workers))
    }

    fn on_cluster(target: crate::remote::cluster::Target) -> Result<Client> {
        let cluster = Arc::new(Cluster::start(target)?);
        // Local threads only wait for the cluster's answers: a few are enough.
        ClientBuilder::default().workers(cluster.threads().clamp(1, 8)).dashboard(None).build_on(Some(cluster))
    }

    /// The address of the dashboard, with its token when it needs one (Dask's dashboard for
    /// a client on a cluster).
    pub fn dashboard_link(&self) -> Option<String> {
        if let Some(c) = &self.inner.cluster {
            return c.info.dashboard.clone();
        }
        self.inner.dashboard.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|s| s.link())
    }

    /// How many workers, and threads per worker (of the first worker, on a cluster).
    pub fn workers(&self) -> (usize, usize) {
        match &self.inner.cluster {
            Some(c) => (c.info.workers.len(), c.info.workers.first().map_or(1, |w| w.1)),
            None => (self.inner.workers, self.inner.threads_per_worker),
        }
    }

    /// The error of a closure sent to this client's cluster, if it has one.
    fn refuse_closure(&self, key: &Key) -> Option<Error> {
        self.inner.cluster.as_ref().map(|_| crate::remote::cluster::closure_error(key))
    }

    /// Memory held by each worker's results, in memory and spilled.
    pub fn memory(&self) -> Vec<WorkerMemory> {
        self.inner.store.workers()
    }

    /// A client whose calls run at `priority` (higher first among ready work; default 0).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(1).dashboard(None).build()?;
    /// let urgent = client.priority(10).submit(|| "first");
    /// assert_eq!(urgent.result()?, "first");
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn priority(&self, priority: i32) -> Client {
        Client { inner: self.inner.clone(), options: CallOptions { priority, ..self.options } }
    }

    /// A client whose calls are run again up to `retries` times when they fail.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// let client = Client::builder().threads(1).dashboard(None).build()?;
    /// let attempts = std::sync::Arc::new(AtomicU32::new(0));
    /// let a = attempts.clone();
    /// let f = client.retries(2).try_submit(move || match a.fetch_add(1, Ordering::SeqCst) {
    ///     0 | 1 => Err("flaky"),
    ///     n => Ok(n),
    /// });
    /// assert_eq!(f.result()?, 2);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn retries(&self, retries: u32) -> Client {
        Client { inner: self.inner.clone(), options: CallOptions { retries, ..self.options } }
    }

    /// Runs `f` in the background; the future gives its value, or its panic as an error.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// let f = client.submit(|| "hello".len());
    /// assert_eq!(f.result()?, 5);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn submit<R: Data>(&self, f: impl Fn() -> R + Send + 'static) -> Future<R> {
        let key = Key::unique(fn_name::<_>(&f));
        if let Some(e) = self.refuse_closure(&key) {
            return Future::failed(e);
        }
        let shared = self.new_shared::<R>(key);
        let work = move || crate::panics::catch(&f).map(value).map_err(TaskError::Panicked);
        self.enqueue(Vec::new(), self.call_job(shared.clone(), work));
        Future::from_shared(shared)
    }

    /// Runs a fallible `f` in the background: an `Err` fails the future with that error.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(1).dashboard(None).build()?;
    /// let ok = client.try_submit(|| "42".parse::<i64>());
    /// assert_eq!(ok.result()?, 42);
    /// let bad = client.try_submit(|| std::fs::read_to_string("/no/such/file"));
    /// assert!(bad.result().unwrap_err().to_string().contains("No such file"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn try_submit<R: Data, E: Into<BoxError>>(
        &self,
        f: impl Fn() -> std::result::Result<R, E> + Send + 'static,
    ) -> Future<R> {
        let key = Key::unique(fn_name::<_>(&f));
        if let Some(e) = self.refuse_closure(&key) {
            return Future::failed(e);
        }
        let shared = self.new_shared::<R>(key);
        let work = move || match crate::panics::catch(&f) {
            Ok(Ok(v)) => Ok(value(v)),
            Ok(Err(e)) => Err(TaskError::Failed(e.into())),
            Err(m) => Err(TaskError::Panicked(m)),
        };
        self.enqueue(Vec::new(), self.call_job(shared.clone(), work));
        Future::from_shared(shared)
    }

    /// Calls `f` on `args` in the background (Dask's `client.submit(f, *args)`). Each
    /// argument may be a value, a [`Future`] (the call waits for it), a `Delayed`, or a list
    /// of futures where `f` takes a `Vec`.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// fn add(a: i64, b: i64) -> i64 { a + b }
    /// let x = client.submit(|| 1);
    /// let y = client.submit_with(add, (&x, 10));
    /// let z = client.submit_with(add, (&x, &y));
    /// assert_eq!(z.result()?, 12);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn submit_with<F, Args, A>(&self, f: F, args: A) -> Future<F::Output>
    where
        F: Callable<Args>,
        F::Output: Data,
        A: IntoArgs<Args>,
    {
        let call = crate::delayed::call(fn_name::<F>(&f), f, args);
        self.run_node(call.node().clone())
    }

    /// Calls `f` on every item in the background, one future per item (Dask's
    /// `client.map`). Items may be values or futures.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// let fs = client.map(|s: String| s.to_uppercase(), ["a", "b"].map(String::from));
    /// assert_eq!(client.gather(&fs)?, vec!["A", "B"]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn map<A, R, I>(&self, f: impl Fn(A) -> R + Send + Sync + 'static, items: I) -> Vec<Future<R>>
    where
        A: Data,
        R: Data,
        I: IntoIterator,
        I::Item: crate::delayed::IntoArg<A>,
    {
        let name = fn_name::<_>(&f);
        let f = Arc::new(f);
        items
            .into_iter()
            .map(|item| {
                let f = f.clone();
                let call = crate::delayed::call(name, move |a: A| f(a), (item,));
                self.run_node(call.node().clone())
            })
            .collect()
    }

    /// Waits for every future and gives their values, or the first error.
    pub fn gather<T: Data>(&self, futures: &[Future<T>]) -> Result<Vec<T>> {
        futures.iter().map(Future::result).collect()
    }

    /// Holds `data` on a worker, as a finished future that calls can take as an argument
    /// (Dask's `client.scatter`).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// let table = client.scatter(vec![1.0, 2.0, 3.0]);
    /// let mean = client.submit_with(|v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64, (&table,));
    /// assert_eq!(mean.result()?, 2.0);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn scatter<T: Data>(&self, data: T) -> Future<T> {
        let shared = self.new_shared::<T>(Key::unique("scatter"));
        let worker = self.inner.scatter_next.fetch_add(1, Ordering::Relaxed) % self.inner.workers;
        shared.start();
        shared.complete(Ok(value(data)), worker);
        self.inner.store.balance(worker);
        Future::from_shared(shared)
    }

    /// Scatters each item as its own future, spread over the workers.
    pub fn scatter_many<T: Data>(&self, items: impl IntoIterator<Item = T>) -> Vec<Future<T>> {
        items.into_iter().map(|x| self.scatter(x)).collect()
    }

    /// Computes a collection in the background (Dask's `client.compute`): the future gives
    /// what `compute()` would.
    ///
    /// ```
    /// # #[macro_use] extern crate rask;
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// let x = delayed!(i64::pow(2, 10));
    /// let f = client.compute(&x);
    /// assert_eq!(f.result()?, 1024);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn compute<C>(&self, collection: &C) -> Future<C::Output>
    where
        C: Collection + Clone + Send + 'static,
        C::Output: Data,
    {
        let mut outputs = Outputs::default();
        collection.add_outputs(&mut outputs);
        let key = match outputs.0.as_slice() {
            [one] => one.key.clone(),
            [first, ..] => Key::from(format!("finalize-{}", first.key)),
            [] => Key::unique("finalize"),
        };
        let graph = Arc::new(TaskGraph::lower(&outputs.0));
        let shared = self.new_shared::<C::Output>(key);
        let c = collection.clone();
        let job = self.graph_job(graph.clone(), &shared, move |values| c.finish(&mut Results::new(values)).map(value));
        self.enqueue(future_inputs(&graph), job);
        Future::from_shared(shared)
    }

    /// Starts computing a collection in the background and gives back the same collection
    /// with its partitions pointing at the results being computed (Dask's
    /// `client.persist`): later work built on it reuses them, waiting where needed.
    ///
    /// ```
    /// # #[macro_use] extern crate rask;
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// let x = delayed!(u64::pow(3, 4));
    /// let held = client.persist(&x);                 // returns at once
    /// let y = delayed!(u64::saturating_add(held, 1));
    /// assert_eq!(y.compute()?, 82);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn persist<C: Persist>(&self, collection: &C) -> C {
        let mut outputs = Outputs::default();
        collection.add_outputs(&mut outputs);
        let graph = Arc::new(TaskGraph::lower(&outputs.0));
        let parts: Vec<Arc<Shared>> = outputs.0.iter().map(|n| self.new_shared::<()>(n.key.clone())).collect();
        let job = self.new_shared::<()>(Key::unique("persist"));
        let held = parts.clone();
        let (workers, store) = (self.inner.workers, self.inner.store.clone());
        let work = self.graph_job(graph.clone(), &job, move |values| {
            // The parts are spread over the workers, as Dask spreads a persisted collection.
            for (i, (part, v)) in held.iter().zip(values).enumerate() {
                part.start();
                part.complete(Ok(v), i % workers);
            }
            (0..workers).for_each(|w| store.balance(w));
            Ok(value(()))
        });
        // The parts end with the job's error when it fails or is cancelled.
        let failed = parts.clone();
        job.on_done(move |job| {
            if let Some(e) = job.error() {
                failed.iter().for_each(|p| p.complete(Err(Error::Shared(e.clone())), 0));
            }
        });
        // Cancelling every part (dropping the persisted collection does) cancels the job.
        let uncancelled = Arc::new(AtomicUsize::new(parts.len()));
        for part in &parts {
            let (counted, uncancelled, job) = (AtomicBool::new(false), uncancelled.clone(), Arc::downgrade(&job));
            let part_ref = Arc::downgrade(part);
            part.observe(move || {
                let cancelled = part_ref.upgrade().is_some_and(|p| p.status() == FutureStatus::Cancelled);
                if cancelled
                    && !counted.swap(true, Ordering::AcqRel)
                    && uncancelled.fetch_sub(1, Ordering::AcqRel) == 1
                    && let Some(job) = job.upgrade()
                {
                    job.cancel();
                }
            });
        }
        let handles: Vec<Arc<Handle>> = parts.into_iter().map(|s| Arc::new(Handle(s))).collect();
        self.enqueue(future_inputs(&graph), work);
        self.inner.keep_until_done(job);
        let mut nodes = handles.iter().map(|h| Node::new(h.0.key.clone(), Op::Future(h.clone()), Vec::new()));
        collection.with_outputs(&mut crate::collection::Parts(&mut nodes))
    }

    /// Cancels each future (see [`Future::cancel`]).
    pub fn cancel<T>(&self, futures: &[Future<T>]) {
        futures.iter().for_each(Future::cancel);
    }

    /// Lets the work of `future` run to its end even when every handle on it is dropped
    /// (its result is then dropped).
    pub fn fire_and_forget<T>(&self, future: Future<T>) {
        future.shared().forget();
    }

    fn new_shared<T>(&self, key: Key) -> Arc<Shared> {
        Shared::new(key, type_name::<T>(), self.inner.store.clone())
    }

    /// Runs a call node: directly when its inputs are all futures (or none), as a graph
    /// otherwise (an input is a lazy `Delayed`).
    fn run_node<R: Data>(&self, node: Arc<Node>) -> Future<R> {
        if self.inner.cluster.is_some() {
            return self.compute(&crate::Delayed::<R>::from_node(node));
        }
        if node.deps.iter().all(|d| matches!(d.op, Op::Future(_))) {
            let shared = self.new_shared::<R>(node.key.clone());
            let inputs: Vec<Arc<Shared>> = node
                .deps
                .iter()
                .filter_map(|d| if let Op::Future(h) = &d.op { Some(h.0.clone()) } else { None })
                .collect();
            let work = move || {
                let Op::Call(f) = &node.op else {
                    return Err(TaskError::Panicked("a call node without a function".into()));
                };
                let values = node
                    .deps
                    .iter()
                    .map(|d| d.read())
                    .collect::<Result<Vec<_>>>()
                    .map_err(|e| TaskError::Failed(e.into()))?;
                crate::panics::catch(|| f(values)).unwrap_or_else(|m| Err(TaskError::Panicked(m)))
            };
            self.enqueue(inputs, self.call_job(shared.clone(), work));
            Future::from_shared(shared)
        } else {
            self.compute(&crate::Delayed::<R>::from_node(node))
        }
    }

    /// The job of one function call: reported on the event stream as one task.
    fn call_job(
        &self,
        shared: Arc<Shared>,
        mut call: impl FnMut() -> std::result::Result<Value, TaskError> + Send + 'static,
    ) -> Job {
        self.inner.monitor.expect(shared.key.prefix(), 1);
        let monitor: Arc<dyn Listener> = self.inner.monitor.clone();
        let key = shared.key.clone();
        let work = move |thread: usize| {
            let listeners = crate::events::listeners_with(std::slice::from_ref(&monitor));
            let emit = |e: &Event<'_>| listeners.iter().for_each(|l| l.on_event(e));
            emit(&Event::TaskStarted { run: 0, key: &key, worker: thread });
            let start = Instant::now();
            let out = call();
            emit(&match &out {
                Ok(v) => Event::TaskFinished {
                    run: 0,
                    key: &key,
                    worker: thread,
                    start,
                    duration: start.elapsed(),
                    nbytes: crate::value::nbytes(&**v),
                },
                Err(error) => Event::TaskFailed { run: 0, key: &key, worker: thread, error },
            });
            out.map_err(|source| Error::Task { key: key.clone(), source })
        };
        let (monitor, prefix) = (self.inner.monitor.clone(), shared.key.prefix().to_string());
        let skip = Box::new(move || monitor.dropped(&prefix, 1));
        Job { shared, retries: self.options.retries, work: Box::new(work), skip }
    }

    /// A graph job: run the graph on the client's graph pool, then `finish`. Its tasks are
    /// on the dashboard from now on; those that never run come off again.
    fn graph_job(
        &self,
        graph: Arc<TaskGraph>,
        shared: &Arc<Shared>,
        finish: impl Fn(Vec<Value>) -> Result<Value> + Send + 'static,
    ) -> Job {
        let expected = self.inner.monitor.expect_graph(&graph);
        let tasks = expected.iter().map(|(_, n)| n).sum();
        shared.set_progress(0, tasks);
        let listener = Arc::new(RunListener::new(self.inner.monitor.clone(), tasks, shared));
        let options = RunOptions::new()
            .cancel_token(shared.cancel.clone())
            .listen(RunListener::share(&listener))
            .on_pool(self.inner.pool.clone())
            .on_cluster(self.inner.cluster.clone());
        let monitor = self.inner.monitor.clone();
        let unrun = expected.clone();
        let work = move |_| {
            let out = crate::scheduler::run(&graph, &options).and_then(&finish);
            monitor.graph_ended(&graph);
            if out.is_err() {
                listener.drop_unrun(&unrun);
            }
            out
        };
        let monitor = self.inner.monitor.clone();
        let skip = Box::new(move || expected.iter().for_each(|(prefix, n)| monitor.dropped(prefix, *n)));
        Job { shared: shared.clone(), retries: self.options.retries, work: Box::new(work), skip }
    }

    /// Queues `job` once every future in `inputs` has finished; fails it with the first
    /// input's error if one fails.
    fn enqueue(&self, inputs: Vec<Arc<Shared>>, job: Job) {
        let workers = self.inner.jobs.clone();
        let priority = self.options.priority;
        if inputs.is_empty() {
            return workers.push(job, priority);
        }
        let remaining = Arc::new(AtomicUsize::new(inputs.len()));
        let slot = Arc::new(Mutex::new(Some(job)));
        for input in inputs {
            let (remaining, slot, workers) = (remaining.clone(), slot.clone(), workers.clone());
            input.on_done(move |input| {
                let take = || slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                match input.error() {
                    Some(e) => {
                        if let Some(job) = take() {
                            job.fail(Error::Shared(e));
                        }
                    }
                    None if remaining.fetch_sub(1, Ordering::AcqRel) == 1 => {
                        if let Some(job) = take() {
                            workers.push(job, priority);
                        }
                    }
                    None => {}
                }
            });
        }
    }
}

/// The futures a graph reads.
fn future_inputs(graph: &TaskGraph) -> Vec<Arc<Shared>> {
    graph.nodes.iter().filter_map(|n| if let Op::Future(h) = &n.op { Some(h.0.clone()) } else { None }).collect()
}

impl Inner {
    /// Keeps an internal future (a persist's job) until it ends.
    fn keep_until_done(&self, shared: Arc<Shared>) {
        let handle = Arc::new(Handle(shared.clone()));
        shared.forget();
        shared.on_done(move |_| drop(handle));
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.jobs.close();
        if let Some(server) = self.dashboard.get_mut().unwrap_or_else(PoisonError::into_inner).take() {
            server.stop();
        }
    }
}

impl Node {
    /// The value of a node a call reads directly: a future's result or a held value.
    fn read(&self) -> Result<Value> {
        match &self.op {
            Op::Future(h) => h.0.value(),
            Op::Value(v) => Ok(v.clone()),
            Op::Call(_) => Err(Error::Internal(format!("'{}' was read before it ran", self.key))),
        }
    }
}

/// The name of a function for keys: `inc` for `my_crate::inc`, `lambda` for a closure.
fn fn_name<F>(_: &F) -> &'static str {
    let full = std::any::type_name::<F>();
    if full.contains("{{closure}}") {
        return "lambda";
    }
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

impl<T: Data> crate::delayed::IntoArg<T> for Future<T> {
    fn into_arg(self) -> crate::delayed::Arg {
        crate::delayed::Arg::dep(self.node())
    }
}

impl<T: Data> crate::delayed::IntoArg<T> for &Future<T> {
    fn into_arg(self) -> crate::delayed::Arg {
        crate::delayed::Arg::dep(self.node())
    }
}

impl<T: Data> crate::delayed::IntoArg<Vec<T>> for Vec<Future<T>> {
    fn into_arg(self) -> crate::delayed::Arg {
        crate::delayed::Arg::deps::<T>(self.iter().map(Future::node).collect())
    }
}

impl<T: Data> crate::delayed::IntoArg<Vec<T>> for &Vec<Future<T>> {
    fn into_arg(self) -> crate::delayed::Arg {
        crate::delayed::Arg::deps::<T>(self.iter().map(Future::node).collect())
    }
}

impl<T: Data> crate::delayed::IntoArg<Vec<T>> for &[Future<T>] {
    fn into_arg(self) -> crate::delayed::Arg {
        crate::delayed::Arg::deps::<T>(self.iter().map(Future::node).collect())
    }
}

impl From<&Client> for RunOptions {
    /// Runs on the client's workers: its Dask cluster (in the foreground: an interrupt stops
    /// it, a progress bar shows it), or its local pool.
    ///
    /// ```
    /// # #[macro_use] extern crate rask;
    /// use rask::prelude::*;
    /// let client = Client::builder().threads(2).dashboard(None).build()?;
    /// assert_eq!(delayed!(i64::pow(2, 5)).compute_with(&client)?, 32);
    /// # Ok::<(), rask::Error>(())
    /// ```
    fn from(client: &Client) -> Self {
        match &client.inner.cluster {
            Some(cluster) => RunOptions::new().on_cluster(Some(cluster.clone())),
            None => RunOptions::new().on_pool(client.inner.pool.clone()),
        }
    }
}
