//! Interrupting the running cell from another thread (Ctrl-C in the REPL, an interrupt
//! request in the kernel), keeping the variables whenever the cell lets us.
//!
//! The child process that runs cells ignores `SIGINT` until rask is used; from then on rask
//! turns it into a cancel of every running computation (`RASK_CANCEL_ON_SIGINT`, set by
//! [`Session::start`](crate::Session::start)), so the cell returns with an error and the
//! variables stay. A cell that does not stop within the grace period (a plain loop, a long
//! polars call) has its process ended; the session starts a new one and says which
//! variables were lost.

use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment variable that makes rask treat `SIGINT` as a cancel in the child.
pub(crate) const CANCEL_ON_SIGINT: &str = "RASK_CANCEL_ON_SIGINT";

/// Run in the child before evcxr's loop: `SIGINT` (which a terminal sends to the REPL and
/// its child alike) must not end the process that holds the variables.
pub(crate) fn ignore_sigint_in_child() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
}

/// What the session and its interrupters share.
pub(crate) struct CellState {
    child: Arc<Mutex<Child>>,
    /// Odd while a cell runs; counts cells twice.
    turns: AtomicU64,
    /// Set when an interrupter ended the child because the cell did not stop.
    killed: AtomicBool,
}

impl CellState {
    pub(crate) fn new(child: Arc<Mutex<Child>>) -> Arc<CellState> {
        Arc::new(CellState { child, turns: AtomicU64::new(0), killed: AtomicBool::new(false) })
    }

    /// Marks a cell as running until the guard is dropped.
    pub(crate) fn running(&self) -> Running<'_> {
        self.killed.store(false, Ordering::SeqCst);
        self.turns.fetch_add(1, Ordering::SeqCst);
        Running(self)
    }

    /// Whether the last cell's process was ended by an interrupt.
    pub(crate) fn was_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }
}

/// A cell running (see [`CellState::running`]).
pub(crate) struct Running<'a>(&'a CellState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.turns.fetch_add(1, Ordering::SeqCst);
    }
}

/// Interrupts the cell running in a [`Session`](crate::Session), from any thread.
///
/// ```no_run
/// # fn main() -> Result<(), rask_session::SessionError> {
/// let mut session = rask_session::Session::start(|out| println!("{out:?}"), |_, _| {})?;
/// let interrupter = session.interrupter();
/// std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_secs(1));
///     interrupter.interrupt(std::time::Duration::from_secs(5));
/// });
/// let err = session.execute("loop {}").unwrap_err(); // ended after 1 + 5 s
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Interrupter(pub(crate) Arc<CellState>);

impl Interrupter {
    /// Asks the running cell to stop (nothing happens when no cell runs): rask's
    /// computations are cancelled and the cell fails with their error, variables intact. If
    /// the cell still runs after `grace`, its process is ended and the cell fails with
    /// [`SessionError::Restarted`](crate::SessionError::Restarted). Returns at once, with
    /// whether a cell was running.
    pub fn interrupt(&self, grace: Duration) -> bool {
        let state = self.0.clone();
        let turn = state.turns.load(Ordering::SeqCst);
        if turn.is_multiple_of(2) {
            return false;
        }
        let signal = |state: &CellState| {
            let pid = state.child.lock().unwrap_or_else(|p| p.into_inner()).id();
            // SAFETY: kill(2) with a pid and a signal number has no memory preconditions.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
        };
        signal(&state);
        std::thread::spawn(move || {
            // The signal is sent again every 100 ms: a cell still compiling has no handler
            // yet (the child ignores SIGINT until rask is used), and the first computation
            // after the compile must be cancelled all the same.
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
                if state.turns.load(Ordering::SeqCst) != turn {
                    return;
                }
                signal(&state);
            }
            if state.turns.load(Ordering::SeqCst) == turn {
                state.killed.store(true, Ordering::SeqCst);
                let _ = state.child.lock().unwrap_or_else(|p| p.into_inner()).kill();
            }
        });
        true
    }

    /// Ends the process that runs cells at once, for a front end that is shutting down (a
    /// busy process would outlive it otherwise).
    pub fn end_process(&self) {
        let _ = self.0.child.lock().unwrap_or_else(|p| p.into_inner()).kill();
    }
}
