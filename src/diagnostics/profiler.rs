//! A profiler: records every task of the runs it hears and sums time per key prefix.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::events::{Event, Listener};
use crate::key::Key;

/// One finished task.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    /// The task.
    pub key: Key,
    /// The worker thread it ran on.
    pub worker: usize,
    /// When it started.
    pub start: Instant,
    /// How long it took.
    pub duration: Duration,
    /// An estimate of its result's size in bytes.
    pub nbytes: usize,
}

/// Records the tasks of the runs it listens to; `Display` prints a table of time per key
/// prefix (function name), the slowest first. Clones share their records.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let profiler = Profiler::new();
/// let parts: Vec<_> = (0..4u64).map(|i| delayed!(u64::pow(i, 2))).collect();
/// rask::compute_with(&parts, RunOptions::new().listen(profiler.clone()))?;
/// let table = profiler.to_string();
/// assert!(table.contains("pow"));
/// assert_eq!(profiler.records().len(), 4);
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Profiler {
    records: Arc<Mutex<Vec<TaskRecord>>>,
}

impl Profiler {
    /// An empty profiler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every task recorded so far, in the order they finished.
    pub fn records(&self) -> Vec<TaskRecord> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// Per key prefix: (prefix, tasks, total time, longest task, result bytes), by total time.
    pub fn summary(&self) -> Vec<(String, usize, Duration, Duration, usize)> {
        let mut by_prefix: HashMap<String, (usize, Duration, Duration, usize)> = HashMap::new();
        for r in self.records.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let e = by_prefix.entry(r.key.prefix().to_string()).or_default();
            e.0 += 1;
            e.1 += r.duration;
            e.2 = e.2.max(r.duration);
            e.3 += r.nbytes;
        }
        let mut rows: Vec<_> = by_prefix.into_iter().map(|(p, (n, t, m, b))| (p, n, t, m, b)).collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

impl Listener for Profiler {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::TaskFinished { key, worker, start, duration, nbytes, .. } = *event {
            let record = TaskRecord { key: key.clone(), worker, start, duration, nbytes };
            self.records.lock().unwrap_or_else(PoisonError::into_inner).push(record);
        }
    }
}

impl fmt::Display for Profiler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = self.summary();
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(6);
        writeln!(
            f,
            "{:<width$}  {:>8}  {:>12}  {:>12}  {:>12}  {:>12}",
            "prefix", "tasks", "total", "mean", "max", "bytes"
        )?;
        for (prefix, n, total, max, bytes) in rows {
            let mean = total / n.max(1) as u32;
            writeln!(
                f,
                "{prefix:<width$}  {n:>8}  {:>12}  {:>12}  {:>12}  {bytes:>12}",
                fmt_dur(total),
                fmt_dur(mean),
                fmt_dur(max)
            )?;
        }
        Ok(())
    }
}

fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}
