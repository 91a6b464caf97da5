//! Ctrl-C as a cancel, in the process where the REPL and the Jupyter kernel run cells.
//!
//! The session runs cells in a child process started with [`CANCEL_ON_SIGINT`] set. There,
//! the first computation installs a `SIGINT` handler that cancels every running computation
//! ([`cancel_all`](super::cancel_all)) instead of ending the process, so an interrupt stops
//! the work and keeps the variables. Anywhere else `SIGINT` keeps its usual meaning.

/// The environment variable that turns `SIGINT` into a cancel (any value).
pub(crate) const CANCEL_ON_SIGINT: &str = "RASK_CANCEL_ON_SIGINT";

/// Installs the handler once, if [`CANCEL_ON_SIGINT`] is set.
pub(crate) fn install_from_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os(CANCEL_ON_SIGINT).is_some() {
            unix::install();
        }
    });
}

#[cfg(unix)]
mod unix {
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The pipe's write end, which the handler writes a byte to (all it may safely do).
    static WAKE: AtomicI32 = AtomicI32::new(-1);

    extern "C" fn on_sigint(_: libc::c_int) {
        let fd = WAKE.load(Ordering::Relaxed);
        if fd >= 0 {
            // SAFETY: write(2) is async-signal-safe; the buffer is a live local.
            unsafe { libc::write(fd, [1u8].as_ptr().cast(), 1) };
        }
    }

    /// A thread waits on the pipe and cancels what runs; the handler only wakes it.
    pub(super) fn install() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return;
        }
        let [read, write] = fds;
        WAKE.store(write, Ordering::Relaxed);
        let spawned = std::thread::Builder::new().name("rask-sigint".into()).spawn(move || {
            let mut byte = 0u8;
            // SAFETY: reads one byte into a live local from the pipe this thread owns.
            while unsafe { libc::read(read, (&raw mut byte).cast(), 1) } == 1 {
                super::super::cancel_all();
            }
        });
        if spawned.is_err() {
            return;
        }
        // SAFETY: a zeroed sigaction with a handler that only calls write(2) is valid; the
        // mask is emptied before use.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(not(unix))]
mod unix {
    pub(super) fn install() {}
}
