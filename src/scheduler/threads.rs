//! The threaded scheduler: units run on a rayon pool, depth first, stealing when idle.
//!
//! Each pool thread claims root units in run order; when a unit finishes, the first of its
//! consumers that became ready runs next on the same thread (its inputs are hot in cache
//! and the branch gets finished), the others are spawned where idle threads can steal them.
//! Before claiming a new root a thread first drains what it spawned, so branches close
//! before new ones open.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::{Scope, ThreadPool, ThreadPoolBuilder, Yield};

use super::state::Run;
use crate::error::{Error, Result};

/// The pool of `n` threads (`0`: one per core), built once and kept.
pub(super) fn pool(n: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: Mutex<Option<HashMap<usize, Arc<ThreadPool>>>> = Mutex::new(None);
    let n = super::Scheduler::Threads(n).parallelism();
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    let pools = pools.get_or_insert_with(HashMap::new);
    if let Some(p) = pools.get(&n) {
        return Ok(p.clone());
    }
    let p = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("rask-worker-{i}"))
        .build()
        .map_err(|e| Error::Internal(format!("could not start {n} worker threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(n, p.clone());
    Ok(p)
}

/// Runs every unit of `run` on `pool`.
pub(super) fn run_on(run: &Run<'_>, pool: &ThreadPool) {
    let roots = run.roots();
    let cursor = AtomicUsize::new(0);
    let drivers = pool.current_num_threads().min(roots.len()).max(1);
    pool.scope(|s| {
        for _ in 0..drivers {
            s.spawn(|s| {
                for round in 0.. {
                    // Drain the branches this driver spawned before opening a new root. Not
                    // before its first root: when the run starts on a pool thread, the other
                    // drivers sit in this thread's queue, and draining would run them here
                    // instead of leaving them for idle threads to steal.
                    if round > 0 {
                        while let Some(Yield::Executed) = rayon::yield_local() {}
                    }
                    let i = cursor.fetch_add(1, Ordering::Relaxed);
                    match roots.get(i) {
                        Some(&root) if !run.stopped() => chain(s, run, root),
                        _ => break,
                    }
                }
            });
        }
    });
}

/// Runs the unit at `head`, then, depth first, the consumers it made ready.
fn chain<'s>(s: &Scope<'s>, run: &'s Run<'s>, head: u32) {
    let worker = rayon::current_thread_index().unwrap_or(0);
    let mut next = Some(head);
    while let Some(h) = next.take() {
        if !run.run_unit(h, worker) {
            return;
        }
        run.release_consumers(h, |c| {
            if next.is_none() {
                next = Some(c);
            } else {
                s.spawn(move |s| chain(s, run, c));
            }
        });
    }
}
