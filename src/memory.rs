//! Reservations against the memory budget ([`crate::config::set_memory_limit`]). A task about
//! to hold much memory (reading a CSV block, gathering a shuffle bucket) reserves an estimate
//! of it first and waits while other tasks hold reservations that would take the total past
//! half the budget, so the number of such tasks running at once adapts to the budget. A task
//! alone always goes ahead. Without a budget nothing is reserved.
//!
//! A thread that holds a reservation never waits for another: while a task waits for polars'
//! thread pool, rayon may run a second task on the same thread, and that task waiting for
//! the first one's reservation would wait forever.

use std::cell::Cell;
use std::sync::{Condvar, Mutex, PoisonError};

use crate::config;

static RESERVED: Mutex<u64> = Mutex::new(0);
static RELEASED: Condvar = Condvar::new();

thread_local! {
    /// How many reservations this thread holds.
    static HOLDING: Cell<u32> = const { Cell::new(0) };
}

/// Memory reserved until dropped.
pub(crate) struct Reservation {
    bytes: u64,
}

/// Reserves `bytes`, waiting while others hold too much; `None` without a budget.
pub(crate) fn reserve(bytes: u64) -> Option<Reservation> {
    let cap = config::memory_limit()? / 2;
    let nested = HOLDING.with(Cell::get) > 0;
    let mut reserved = RESERVED.lock().unwrap_or_else(PoisonError::into_inner);
    while !nested && *reserved > 0 && *reserved + bytes > cap {
        reserved = RELEASED.wait(reserved).unwrap_or_else(PoisonError::into_inner);
    }
    *reserved += bytes;
    HOLDING.with(|h| h.set(h.get() + 1));
    Some(Reservation { bytes })
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut reserved = RESERVED.lock().unwrap_or_else(PoisonError::into_inner);
        *reserved -= self.bytes;
        HOLDING.with(|h| h.set(h.get() - 1));
        RELEASED.notify_all();
        drop(reserved);
        release_freed_memory();
    }
}

/// Gives memory the allocator keeps after frees back to the system. glibc keeps freed
/// memory in per-thread arenas, so without this the process's footprint only grows.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn reservations_past_half_the_budget_wait_for_each_other() {
        config::set_memory_limit(Some(100));
        let (running, most) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let start = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (running, most, start) = (running.clone(), most.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let _r = reserve(30);
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("joins"));
        assert_eq!(most.load(Ordering::SeqCst), 1, "30 + 30 bytes exceed half of 100");
        let first = reserve(500);
        assert!(first.is_some(), "a task alone goes ahead");
        assert!(reserve(500).is_some(), "a thread that holds a reservation does not wait");
        drop(first);
        config::set_memory_limit(None);
        assert!(reserve(500).is_none());
    }
}
