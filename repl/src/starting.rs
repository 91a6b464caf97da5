//! Starting the session: the progress line while rask and polars compile, Ctrl-C wired to
//! the running cell.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use rask_session::{BuildProgress, CacheDir, Session, Stream};
use signal_hook::consts::SIGINT;
use signal_hook::iterator::Signals;

/// How long an interrupted cell has to stop before its process is ended.
pub(crate) const GRACE: Duration = Duration::from_secs(3);

/// How often a report is written when standard error is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(30);

/// Starts a session whose output goes to this terminal, and on which Ctrl-C (while a cell
/// runs) interrupts the cell.
pub(crate) fn start() -> Result<Session, String> {
    if !CacheDir::has_built() {
        eprintln!(
            "rask: the first start on a machine compiles rask and polars (cache in {})",
            CacheDir::root().display()
        );
    }
    let terminal = std::io::stderr().is_terminal();
    let mut last_logged = Duration::ZERO;
    let session = Session::start(
        |stream, line| match stream {
            Stream::Stdout => println!("{line}"),
            Stream::Stderr => eprintln!("{line}"),
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
