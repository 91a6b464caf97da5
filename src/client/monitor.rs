//! What a client's dashboard and performance reports show, recorded as work happens: the
//! task stream (which thread ran which task when), progress per layer (key prefix), and the
//! graph of the latest computation.
//!
//! The monitor is a [`Listener`]: graph runs report to it through the event stream, and
//! tasks submitted one by one send it the same events. A performance report subscribes a
//! monitor of its own to every run. Recording is a lock and a push per task.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::events::{Event, Listener};
use crate::key::Key;
use crate::plan::TaskGraph;
use crate::visualize::VisGraph;

/// How many finished tasks the stream keeps.
const STREAM_LEN: usize = 20_000;
/// How many layers the progress list keeps (the least recently active go first).
const LAYERS: usize = 40;
/// The largest graph whose drawing data is kept after its computation ended.
const KEEP_GRAPH: usize = 5_000;

/// One task run, for the task stream.
#[derive(Debug, Clone)]
pub(crate) struct TaskRecord {
    pub(crate) thread: usize,
    pub(crate) key: String,
    pub(crate) prefix: Arc<str>,
    /// Since the monitor started.
    pub(crate) start: Duration,
    pub(crate) duration: Duration,
    pub(crate) ok: bool,
}

/// Progress of one layer (key prefix).
#[derive(Debug, Clone, Default)]
pub(crate) struct Layer {
    pub(crate) total: usize,
    pub(crate) done: usize,
    pub(crate) failed: usize,
    pub(crate) running: usize,
    /// Time spent in its tasks.
    pub(crate) busy: Duration,
    /// When it was last touched, for pruning.
    touched: u64,
}

#[derive(Default)]
struct State {
    stream: VecDeque<TaskRecord>,
    layers: HashMap<Arc<str>, Layer>,
    /// Tasks running now, per thread: key and start.
    running: HashMap<usize, (String, Duration)>,
    clock: u64,
    /// The latest computation's graph while it runs (not kept alive: it holds inputs).
    graph: std::sync::Weak<TaskGraph>,
    /// Its last drawing data, once it ended (small graphs only).
    ended: Option<VisGraph>,
}

/// The record of one client's work.
pub(crate) struct Monitor {
    pub(crate) started: Instant,
    state: Mutex<State>,
    pub(crate) threads: AtomicUsize,
}

impl Monitor {
    pub(crate) fn new(threads: usize) -> Arc<Monitor> {
        Arc::new(Monitor {
            started: Instant::now(),
            state: Mutex::new(State::default()),
            threads: AtomicUsize::new(threads),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn layer<'s>(st: &'s mut State, prefix: &str) -> &'s mut Layer {
        st.clock += 1;
        let clock = st.clock;
        if !st.layers.contains_key(prefix) && st.layers.len() >= LAYERS {
            let done = st.layers.iter().filter(|(_, l)| l.done + l.failed >= l.total).min_by_key(|(_, l)| l.touched);
            if let Some(old) = done.map(|(k, _)| k.clone()) {
                st.layers.remove(&old);
            }
        }
        let layer = st.layers.entry(Arc::from(prefix)).or_default();
        layer.touched = clock;
        layer
    }

    /// `n` more tasks of `prefix` are expected.
    pub(crate) fn expect(&self, prefix: &str, n: usize) {
        Self::layer(&mut self.lock(), prefix).total += n;
    }

    /// How many tasks of each layer (key prefix) a graph has.
    pub(crate) fn expected(&self, graph: &TaskGraph) -> Vec<(String, usize)> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for n in graph.nodes.iter().filter(|n| n.is_task()) {
            *counts.entry(n.key.prefix()).or_default() += 1;
        }
        counts.into_iter().map(|(p, n)| (p.to_string(), n)).collect()
    }

    /// Expects every task of a graph about to run, keeps the graph for drawing, and gives
    /// the counts per layer.
    pub(crate) fn expect_graph(&self, graph: &Arc<TaskGraph>) -> Vec<(String, usize)> {
        let counts = self.expected(graph);
        let mut st = self.lock();
        for (prefix, n) in &counts {
            Self::layer(&mut st, prefix).total += n;
        }
        st.graph = Arc::downgrade(graph);
        st.ended = None;
        counts
    }

    /// The computation of `graph` ended: keep what drawing its final state takes (for
    /// graphs of up to [`KEEP_GRAPH`] tasks).
    pub(crate) fn graph_ended(&self, graph: &Arc<TaskGraph>) {
        let mut st = self.lock();
        if std::ptr::eq(st.graph.as_ptr(), Arc::as_ptr(graph)) && graph.nodes.len() <= KEEP_GRAPH {
            st.ended = Some(graph.vis_graph());
        }
    }

    /// The graph of the latest computation, as drawing data.
    pub(crate) fn graph(&self) -> Option<VisGraph> {
        let (live, ended) = {
            let st = self.lock();
            (st.graph.upgrade(), st.ended.clone())
        };
        // Drawn without the lock: task events keep flowing meanwhile.
        live.map(|g| g.vis_graph()).or(ended)
    }

    /// The task running on `thread` ended.
    fn finished(&self, thread: usize, key: &Key, ok: bool) {
        let now = self.started.elapsed();
        let mut st = self.lock();
        let start = st.running.remove(&thread).map_or(now, |(_, s)| s);
        let duration = now.saturating_sub(start);
        let layer = Self::layer(&mut st, key.prefix());
        layer.running = layer.running.saturating_sub(1);
        layer.busy += duration;
        if ok {
            layer.done += 1;
        } else {
            layer.failed += 1;
        }
        // Tasks nobody announced (a report hears runs it did not start) count as expected.
        layer.total = layer.total.max(layer.done + layer.failed);
        if st.stream.len() == STREAM_LEN {
            st.stream.pop_front();
        }
        let prefix =
            st.layers.get_key_value(key.prefix()).map(|(k, _)| k.clone()).unwrap_or_else(|| key.prefix().into());
        st.stream.push_back(TaskRecord { thread, key: key.to_string(), prefix, start, duration, ok });
    }

    /// Tasks of `prefix` that will never run (their computation was cancelled or failed).
    pub(crate) fn dropped(&self, prefix: &str, n: usize) {
        let mut st = self.lock();
        let layer = Self::layer(&mut st, prefix);
        layer.total = layer.total.saturating_sub(n);
    }

    /// A copy of what the dashboard shows.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let st = self.lock();
        let mut layers: Vec<(String, Layer)> = st.layers.iter().map(|(k, l)| (k.to_string(), l.clone())).collect();
        layers.sort_by_key(|(_, l)| l.touched);
        Snapshot {
            now: self.started.elapsed(),
            threads: self.threads.load(Ordering::Relaxed),
            stream: st.stream.iter().cloned().collect(),
            layers,
            running: st.running.iter().map(|(&t, (k, s))| (t, k.clone(), *s)).collect(),
        }
    }
}

/// What the monitor holds at one moment.
pub(crate) struct Snapshot {
    pub(crate) now: Duration,
    pub(crate) threads: usize,
    pub(crate) stream: Vec<TaskRecord>,
    pub(crate) layers: Vec<(String, Layer)>,
    pub(crate) running: Vec<(usize, String, Duration)>,
}

impl Listener for Monitor {
    fn on_event(&self, event: &Event<'_>) {
        match *event {
            Event::TaskStarted { key, worker, .. } => {
                let at = self.started.elapsed();
                let mut st = self.lock();
                Self::layer(&mut st, key.prefix()).running += 1;
                st.running.insert(worker, (key.to_string(), at));
                self.threads.fetch_max(worker + 1, Ordering::Relaxed);
            }
            Event::TaskFinished { key, worker, .. } | Event::TaskFailed { key, worker, .. } => {
                let ok = matches!(event, Event::TaskFinished { .. });
                self.finished(worker, key, ok);
            }
            _ => {}
        }
    }
}

/// A graph run of a client's future: its tasks go to the monitor, and their count to the
/// future's progress.
pub(crate) struct RunListener {
    monitor: Arc<Monitor>,
    done: AtomicUsize,
    total: usize,
    future: std::sync::Weak<super::future::Shared>,
    /// Tasks that ended in this run, per layer.
    ended: Mutex<HashMap<String, usize>>,
}

/// A [`RunListener`] shared with the job that runs the graph.
pub(crate) struct Shared(Arc<RunListener>);

impl Listener for Shared {
    fn on_event(&self, event: &Event<'_>) {
        self.0.on_event(event)
    }
}

impl RunListener {
    pub(crate) fn new(monitor: Arc<Monitor>, total: usize, future: &Arc<super::future::Shared>) -> RunListener {
        RunListener {
            monitor,
            done: AtomicUsize::new(0),
            total,
            future: Arc::downgrade(future),
            ended: Mutex::new(HashMap::new()),
        }
    }

    /// A listener for the run that reports to `this`.
    pub(crate) fn share(this: &Arc<RunListener>) -> Shared {
        Shared(this.clone())
    }

    /// The run stopped early: the tasks of `expected` that did not end come off the count.
    pub(crate) fn drop_unrun(&self, expected: &[(String, usize)]) {
        let ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        for (prefix, n) in expected {
            self.monitor.dropped(prefix, n.saturating_sub(ended.get(prefix).copied().unwrap_or(0)));
        }
    }
}

impl Listener for RunListener {
    fn on_event(&self, event: &Event<'_>) {
        self.monitor.on_event(event);
        if let Event::TaskFinished { key, .. } | Event::TaskFailed { key, .. } = event {
            *self.ended.lock().unwrap_or_else(PoisonError::into_inner).entry(key.prefix().to_string()).or_default() +=
                1;
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(f) = self.future.upgrade() {
                f.set_progress(done, self.total);
                super::display::changed(&f);
            }
        }
    }
}
