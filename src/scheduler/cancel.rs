//! Cancellation: a token any thread can trigger, and the list of runs going on now.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// Stops a computation cleanly when cancelled: no new task starts, tasks already running
/// finish, and the run returns [`Error::Cancelled`](crate::Error::Cancelled).
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let token = CancelToken::new();
/// token.cancel();
/// let err = delayed!(u8::min(1, 2)).compute_with(RunOptions::new().cancel_token(token)).unwrap_err();
/// assert!(err.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every run that uses this token.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

static ACTIVE: Mutex<Vec<Weak<AtomicBool>>> = Mutex::new(Vec::new());

/// Cancels every computation running in this process now; returns how many there were.
/// This is what an interrupt (Ctrl-C in the REPL, Interrupt in Jupyter) calls. Code
/// blocked waiting for a client's future stops waiting too (the future goes on).
///
/// ```
/// assert_eq!(rask::cancel_all(), 0); // nothing is running
/// ```
pub fn cancel_all() -> usize {
    let active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner());
    let live: Vec<_> = active.iter().filter_map(Weak::upgrade).collect();
    live.iter().for_each(|t| t.store(true, Ordering::Relaxed));
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    live.len()
}

static INTERRUPTS: AtomicU64 = AtomicU64::new(0);

/// How many times [`cancel_all`] was called: a wait that sees it change was interrupted.
pub(crate) fn interrupts() -> u64 {
    INTERRUPTS.load(Ordering::Relaxed)
}

/// Keeps a run's token in the active list until dropped.
pub(crate) struct Active(Weak<AtomicBool>);

pub(crate) fn register(token: &CancelToken) -> Active {
    let weak = Arc::downgrade(&token.0);
    let mut active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner());
    active.retain(|w| w.strong_count() > 0);
    active.push(weak.clone());
    Active(weak)
}

impl Drop for Active {
    fn drop(&mut self) {
        let mut active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = active.iter().position(|w| w.ptr_eq(&self.0)) {
            active.swap_remove(i);
        }
    }
}
