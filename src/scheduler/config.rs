//! Which scheduler runs when none is named: a process default and a per-thread scope.

use std::cell::Cell;
use std::sync::Mutex;

use super::Scheduler;

static DEFAULT: Mutex<Scheduler> = Mutex::new(Scheduler::Threads(0));

thread_local! {
    static SCOPED: Cell<Option<Scheduler>> = const { Cell::new(None) };
}

/// Sets the scheduler used by `compute()` from now on, in every thread.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// rask::set_default_scheduler(Scheduler::Threads(2));
/// assert_eq!(delayed!(i64::abs(-1)).compute()?, 1);
/// rask::set_default_scheduler(Scheduler::default());
/// # Ok::<(), rask::Error>(())
/// ```
pub fn set_default_scheduler(scheduler: Scheduler) {
    *DEFAULT.lock().unwrap_or_else(|p| p.into_inner()) = scheduler;
}

/// Runs `f` with `scheduler` as the default on this thread (like `dask.config.set(scheduler=...)`
/// used as a context manager), then restores the previous one.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let x = delayed!(i64::abs(-1));
/// let v = rask::with_scheduler(Scheduler::Sync, || x.compute())?;
/// assert_eq!(v, 1);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn with_scheduler<R>(scheduler: Scheduler, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Scheduler>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SCOPED.with(|s| s.replace(Some(scheduler))));
    f()
}

pub(super) fn current() -> Scheduler {
    SCOPED.with(Cell::get).unwrap_or_else(|| *DEFAULT.lock().unwrap_or_else(|p| p.into_inner()))
}
