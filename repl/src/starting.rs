//! Starting the session: the progress line while rask and polars compile, Ctrl-C wired to
//! the running cell, and a start in the background so the prompt is there at once.

use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::time::Duration;

use rask_session::{BuildProgress, CacheDir, Output, Session, Starter, Stream};
use signal_hook::consts::SIGINT;
use signal_hook::iterator::Signals;

/// How long an interrupted cell has to stop before its process is ended.
pub(crate) const GRACE: Duration = Duration::from_secs(3);

/// How often a report is written when standard error is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(30);

/// Starts a session whose output goes to this terminal, and on which Ctrl-C (while a cell
/// runs) interrupts the cell.
pub(crate) fn start() -> Result<Session, String> {
    start_prepared(Session::prepare().map_err(|e| e.to_string())?)
}

/// [`start`], after [`Session::prepare`] (which must run before other threads do).
pub(crate) fn start_prepared(starter: Starter) -> Result<Session, String> {
    if !CacheDir::has_built() {
        eprintln!(
            "rask: the first start on a machine compiles rask and polars (cache in {})",
            CacheDir::root().display()
        );
    }
    let terminal = std::io::stderr().is_terminal();
    let mut last_logged = Duration::ZERO;
    let session = starter
        .start(
            |out| match out {
                Output::Line(Stream::Stdout, line) => println!("{line}"),
                Output::Line(Stream::Stderr, line) => eprintln!("{line}"),
                // A value shown mid-cell: its text (updates of a shown value come when it
                // is final, through `Updates`).
                Output::Display(mut forms) => forms.remove("text/plain").into_iter().for_each(|t| println!("{t}")),
                Output::Update(_) | Output::Clear { .. } => {}
            },
            move |report: &BuildProgress, out: &mut dyn Write| {
                let _ = if terminal {
                    draw(report, out)
                } else if report.finished || report.elapsed >= last_logged + LOG_EVERY || report.compiled == 1 {
                    last_logged = report.elapsed;
                    writeln!(out, "rask: {report}")
                } else {
                    Ok(())
                };
            },
        )
        .map_err(|e| e.to_string())?;
    let interrupter = session.interrupter();
    let mut signals = Signals::new([SIGINT]).map_err(|e| format!("listening for Ctrl-C: {e}"))?;
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if interrupter.interrupt(GRACE) {
                eprintln!("interrupting (the session restarts if the cell has not stopped in {} s)", GRACE.as_secs());
            }
        }
    });
    Ok(session)
}

/// Redraws the progress line: a bar, then the report.
fn draw(report: &BuildProgress, out: &mut dyn Write) -> std::io::Result<()> {
    const WIDTH: usize = 24;
    if report.finished {
        return writeln!(out, "\r\x1b[2Krask: {report}");
    }
    let filled = (report.fraction() * WIDTH as f64) as usize;
    write!(out, "\r\x1b[2K[{}{}] {report}", "=".repeat(filled), " ".repeat(WIDTH - filled))?;
    out.flush()
}

/// A session that starts on another thread, so that the prompt is shown at once; the first
/// cell waits for it.
pub(crate) enum Background {
    /// Still starting.
    Starting(mpsc::Receiver<Result<Session, String>>),
    /// Ready.
    Ready(Box<Session>),
    /// It could not start, for this reason.
    Failed(String),
}

impl Background {
    /// Starts a prepared session on another thread.
    pub(crate) fn spawn(starter: Starter) -> Background {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(start_prepared(starter));
        });
        Background::Starting(rx)
    }

    /// The session, once it has started; `None` while it starts or if it could not.
    pub(crate) fn ready(&mut self) -> Option<&mut Session> {
        if let Background::Starting(rx) = self {
            match rx.try_recv() {
                Ok(started) => self.settle(started),
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => self.settle(Err(STOPPED.into())),
            }
        }
        match self {
            Background::Ready(session) => Some(session),
            Background::Starting(_) | Background::Failed(_) => None,
        }
    }

    /// The session, waiting for it to start; `Err` when it could not.
    pub(crate) fn wait(&mut self) -> Result<&mut Session, String> {
        if let Background::Starting(rx) = self {
            let started = rx.recv().unwrap_or_else(|_| Err(STOPPED.into()));
            self.settle(started);
        }
        match self {
            Background::Ready(session) => Ok(session),
            Background::Failed(why) => Err(why.clone()),
            Background::Starting(_) => unreachable!("settled just above"),
        }
    }

    fn settle(&mut self, started: Result<Session, String>) {
        *self = match started {
            Ok(session) => Background::Ready(Box::new(session)),
            Err(why) => Background::Failed(why),
        };
    }
}

/// Why the session is missing when the thread starting it ended without a word.
const STOPPED: &str = "the session stopped while starting";
