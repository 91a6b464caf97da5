//! Progress while a session compiles rask and its dependencies into its build directory
//! (minutes the first time on a machine, nothing or rask alone afterwards).
//!
//! The rustc wrapper (this binary, see `dylib.rs`) appends the name of each crate it
//! compiles to a build log; a thread turns new lines into [`BuildProgress`] reports. evcxr
//! itself prints cargo's `Compiling <crate>` lines straight to this process's standard
//! error (only for crate names without a hyphen, so not polars' own), so while rask is added
//! the session points file descriptor 2 at a pipe that drops those and passes every other
//! line on to the terminal. The expected size and duration of a full build come from the
//! last full build recorded in the cache (`last-build.txt`), or from the figures measured on
//! a 2-core machine.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The file under the cache root that records the last full build: crates and seconds.
pub(crate) const LAST_BUILD: &str = "last-build.txt";

/// Crates a full build of rask compiles, measured on a 2-core machine.
const DEFAULT_CRATES: usize = 366;
/// How long that took.
const DEFAULT_SECONDS: u64 = 724;
/// A build of more crates than this is a full one, recorded for the next estimate.
const FULL_BUILD: usize = 100;

/// How far the build of rask and its dependencies has got.
///
/// Its `Display` is a one-line summary:
///
/// ```
/// # use std::time::Duration;
/// let p = rask_session::BuildProgress {
///     compiled: 120,
///     expected: 480,
///     current: "polars-core".into(),
///     elapsed: Duration::from_secs(150),
///     expected_time: Duration::from_secs(600),
///     finished: false,
/// };
/// assert_eq!(p.to_string(), "compiling rask and polars (once per machine): 120/480 crates, 2:30 elapsed, about 8 min left (polars-core)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildProgress {
    /// Crates compiled or being compiled.
    pub compiled: usize,
    /// Crates a full build compiles.
    pub expected: usize,
    /// The crate started last.
    pub current: String,
    /// Time since the build started.
    pub elapsed: Duration,
    /// How long a full build took last time.
    pub expected_time: Duration,
    /// Set on the last report, once the build is over.
    pub finished: bool,
}

impl BuildProgress {
    /// The time a full build still needs, by the last one's duration.
    pub fn remaining(&self) -> Duration {
        self.expected_time.saturating_sub(self.elapsed)
    }

    /// The fraction done, by crates, in `0.0..=1.0`.
    pub fn fraction(&self) -> f64 {
        (self.compiled as f64 / self.expected.max(1) as f64).min(1.0)
    }
}

impl std::fmt::Display for BuildProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs();
        if self.finished {
            let s = if self.compiled == 1 { "" } else { "s" };
            return write!(f, "compiled {} crate{s} in {}:{:02}", self.compiled, secs / 60, secs % 60);
        }
        write!(
            f,
            "compiling rask and polars (once per machine): {}/{} crates, {}:{:02} elapsed, ",
            self.compiled,
            self.expected.max(self.compiled),
            secs / 60,
            secs % 60
        )?;
        match self.remaining().as_secs().div_ceil(60) {
            0 => write!(f, "almost done")?,
            1 => write!(f, "about a minute left")?,
            m => write!(f, "about {m} min left")?,
        }
        write!(f, " ({})", self.current)
    }
}

/// What hears about the build: each report, and the real standard error to draw on (the
/// process's own standard error is a pipe while the build runs).
pub trait ProgressFn: FnMut(&BuildProgress, &mut dyn Write) + Send + 'static {}

impl<F: FnMut(&BuildProgress, &mut dyn Write) + Send + 'static> ProgressFn for F {}

/// The last full build's size and duration, as recorded under the cache root.
fn last_full_build(root: &Path) -> (usize, Duration) {
    std::fs::read_to_string(root.join(LAST_BUILD))
        .ok()
        .and_then(|text| {
            let mut words = text.split_whitespace();
            Some((words.next()?.parse().ok()?, Duration::from_secs(words.next()?.parse().ok()?)))
        })
        .unwrap_or((DEFAULT_CRATES, Duration::from_secs(DEFAULT_SECONDS)))
}

/// Runs `during` with the build watched: each crate the rustc wrapper logs to `log` (see
/// [`log_crate`]) becomes a report to `progress`, with a writer to the real standard error
/// to draw on. Meanwhile standard error is a pipe that drops evcxr's `Compiling` lines and
/// passes everything else on. A full build that succeeded is recorded under `root` for the next estimate.
pub(crate) fn watch_build<T, E>(
    root: &Path,
    log: &Path,
    during: impl FnOnce() -> Result<T, E>,
    mut progress: impl ProgressFn,
) -> Result<T, E> {
    let Ok((terminal, reader)) = redirect_stderr() else { return during() };
    let (Ok(filter_out), Ok(progress_out)) = (terminal.try_clone(), terminal.try_clone()) else {
        restore_stderr(terminal);
        return during();
    };
    let _ = std::fs::write(log, "");
    std::thread::spawn(move || drop_compiling_lines(reader, File::from(filter_out)));
    let (expected, expected_time) = last_full_build(root);
    let start = Instant::now();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let log = log.to_path_buf();
    let watcher = std::thread::spawn(move || {
        let mut out = File::from(progress_out);
        let mut report = BuildProgress {
            compiled: 0,
            expected,
            current: String::new(),
            elapsed: Duration::ZERO,
            expected_time,
            finished: false,
        };
        let mut seen = 0;
        loop {
            let stopping = stop_rx.recv_timeout(Duration::from_millis(250)).is_ok();
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let new: Vec<&str> = text[seen.min(text.len())..].lines().collect();
            seen = text.len();
            report.elapsed = start.elapsed();
            if let Some(last) = new.last() {
                report.compiled += new.len();
                report.current = last.to_string();
                progress(&report, &mut out);
            }
            if stopping {
                report.finished = true;
                if report.compiled > 0 {
                    progress(&report, &mut out);
                }
                return report;
            }
        }
    });
    let result = during();
    let _ = stop_tx.send(());
    if let Ok(report) = watcher.join()
        && result.is_ok()
        && report.compiled > FULL_BUILD
    {
        let _ = std::fs::write(root.join(LAST_BUILD), format!("{} {}\n", report.compiled, report.elapsed.as_secs()));
    }
    restore_stderr(terminal);
    result
}

/// Copies lines from `reader` to `out`, except evcxr's `Compiling <crate>` ones.
fn drop_compiling_lines(reader: OwnedFd, mut out: File) {
    for line in BufReader::new(File::from(reader)).split(b'\n').map_while(Result::ok) {
        if !String::from_utf8_lossy(&line).trim_start().starts_with("Compiling ") {
            let _ = out.write_all(&line).and_then(|()| out.write_all(b"\n"));
        }
    }
}

/// The variable that names the build log to the rustc wrapper.
pub(crate) const BUILD_LOG: &str = "RASK_BUILD_LOG";

/// In the rustc wrapper: appends the crate being compiled (`--crate-name` in `args`) to
/// the build log named by `RASK_BUILD_LOG`, if any.
pub(crate) fn log_crate(args: &[std::ffi::OsString]) {
    let Some(log) = std::env::var_os(BUILD_LOG) else { return };
    let Some(name) = args.iter().position(|a| a == "--crate-name").and_then(|i| args.get(i + 1)) else { return };
    // Cargo's probes of rustc (`___`) and evcxr's crate of cells (`ctx`) are not rask's build.
    if name == "___" || name == "ctx" {
        return;
    }
    if let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(log) {
        // One short write: appends from concurrent rustc runs do not interleave.
        let _ = file.write_all(format!("{}\n", name.to_string_lossy()).as_bytes());
    }
}

/// Points descriptor 2 at a new pipe; returns the terminal's descriptor and the pipe's
/// reading end.
fn redirect_stderr() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given; dup and dup2 take
    // plain descriptor numbers. Each descriptor created here is owned exactly once.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let (reader, writer) = (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]));
        let saved = libc::fcntl(2, libc::F_DUPFD_CLOEXEC, 3);
        if saved < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let terminal = OwnedFd::from_raw_fd(saved);
        std::io::stderr().flush()?;
        if libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&writer), 2) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((terminal, reader))
    }
}

/// Points descriptor 2 back at the terminal, which ends the pipe.
fn restore_stderr(terminal: OwnedFd) {
    let _ = std::io::stderr().flush();
    // SAFETY: dup2 onto descriptor 2 of a descriptor this process owns.
    unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&terminal), 2) };
}
