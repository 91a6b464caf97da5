//! `rask`: a terminal REPL in which people type Rust against the rask library, on evcxr.
//!
//! - `rask` starts the prompt (history, multi-line input, evcxr's `:` commands, `:help`).
//! - `rask run FILE` runs a file of REPL input, printing what the REPL would print and
//!   stopping with a non-zero status at the first error.
//! - `rask prepare` compiles rask and polars into the cache ahead of time.

mod input;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use rask_session::{CacheDir, Session, SessionError, Stream};
use rustyline::error::ReadlineError;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Completer, Helper, Highlighter, Hinter};
use signal_hook::consts::SIGINT;
use signal_hook::iterator::Signals;

const USAGE: &str = "usage: rask            start the REPL
       rask run FILE   run a file of REPL input (stops at the first error)
       rask prepare    compile rask and polars into the cache ahead of time";

const HELP: &str = "rask: Rust with rask preloaded (`use rask::prelude::*;`).
  Type Rust statements, items and expressions; an unfinished expression continues on the
  next line. A final expression without `;` is shown.
  :help          this text
  :vars          the variables defined so far (evcxr's commands work too: :dep, :timing, ...)
  Ctrl-C         stop the running cell (variables are kept; a cell that does not stop
                 within 3 s has its process restarted, and you are told what was lost)
  Ctrl-D         leave";

fn main() -> ExitCode {
    rask_session::runtime_hook();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => interactive(),
        ["run", file] => run_file(file),
        ["prepare"] => start().map(drop),
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments: {}\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How long an interrupted cell has to stop before its process is ended.
const GRACE: Duration = Duration::from_secs(3);

/// Starts a session whose output goes to this terminal, and on which Ctrl-C (while a cell
/// runs) interrupts the cell.
fn start() -> Result<Session, String> {
    eprintln!(
        "rask: starting (the first start on a machine compiles rask and polars; cache in {})",
        CacheDir::root().display()
    );
    let session = Session::start(|stream, line| match stream {
        Stream::Stdout => println!("{line}"),
        Stream::Stderr => eprintln!("{line}"),
    })
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

/// Runs one cell and shows its value; `Err` carries the message already shown.
fn show(session: &mut Session, cell: &str) -> Result<(), SessionError> {
    if cell.trim() == ":help" {
        println!("{HELP}");
        return Ok(());
    }
    let out = session.execute(cell)?;
    if let Some(text) = out.text() {
        println!("{text}");
    }
    std::io::stdout().flush().ok();
    Ok(())
}

fn run_file(path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut session = start()?;
    for (line, cell) in input::cells(&text) {
        show(&mut session, &cell).map_err(|e| format!("{path}:{line}: {e}"))?;
    }
    Ok(())
}

#[derive(Completer, Helper, Highlighter, Hinter)]
struct Cells;

impl Validator for Cells {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if input::is_complete(ctx.input()) { ValidationResult::Valid(None) } else { ValidationResult::Incomplete })
    }
}

fn interactive() -> Result<(), String> {
    let mut session = start()?;
    println!("rask {} — Rust with rask preloaded. :help for help, Ctrl-D to leave.", env!("CARGO_PKG_VERSION"));
    let mut editor = rustyline::Editor::new().map_err(|e| e.to_string())?;
    editor.set_helper(Some(Cells));
    let history = CacheDir::root().join("history.txt");
    let _ = editor.load_history(&history);
    loop {
        match editor.readline(">> ") {
            Ok(cell) => {
                if cell.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(cell.as_str());
                if let Err(e) = show(&mut session, &cell) {
                    eprintln!("{e}");
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    let _ = editor.save_history(&history);
    Ok(())
}
