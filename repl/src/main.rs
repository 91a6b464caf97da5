//! `rask`: a terminal REPL in which people type Rust against the rask library, on evcxr.
//!
//! - `rask` starts the prompt (history, multi-line input, evcxr's `:` commands, `:help`).
//! - `rask run FILE` runs a file of REPL input, printing what the REPL would print and
//!   stopping with a non-zero status at the first error.
//! - `rask prepare` compiles rask and polars into the cache ahead of time.

mod starting;

use std::cell::RefCell;
use std::io::Write;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use rask_session::{CacheDir, DisplayUpdate, Session, SessionError, input};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper, Highlighter, Hinter};
use starting::Background;

const USAGE: &str = "usage: rask            start the REPL
       rask run FILE   run a file of REPL input (stops at the first error)
       rask prepare    compile rask and polars into the cache ahead of time";

const HELP: &str = "rask: Rust with rask preloaded (`use rask::prelude::*;`).
  Type Rust statements, items and expressions; an unfinished expression continues on the
  next line. A final expression without `;` is shown.
  :help          this text
  Tab            complete names, methods and fields
  :vars          the variables defined so far (evcxr's commands work too: :dep, :timing, ...)
  Ctrl-C         stop the running cell (variables are kept; a cell that does not stop
                 within 3 s has its process restarted, and you are told what was lost)
  Ctrl-D         leave";

fn main() -> ExitCode {
    rask_session::runtime_hook();
    // rask in the process that runs cells draws a progress bar for each run on this
    // terminal (its own standard error is a pipe).
    // SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("RASK_PROGRESS_ON_TTY", "1") };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => interactive(),
        ["run", file] => run_file(file),
        ["prepare"] => starting::start().map(drop),
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
    if !out.phases.is_empty() {
        let phases: Vec<String> = out.phases.iter().map(|(name, d)| format!("{name} {} ms", d.as_millis())).collect();
        eprintln!("took {} ms: {}", out.duration.as_millis(), phases.join(", "));
    }
    std::io::stdout().flush().ok();
    Ok(())
}

fn run_file(path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut session = starting::start()?;
    for (line, cell) in input::cells(&text) {
        show(&mut session, &cell).map_err(|e| format!("{path}:{line}: {e}"))?;
    }
    Ok(())
}

/// rustyline's view of the session: where a cell ends, and completions (Tab).
#[derive(Helper, Highlighter, Hinter)]
struct Cells(Rc<RefCell<Background>>);

impl Completer for Cells {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        let mut session = self.0.borrow_mut();
        let Some(session) = session.ready() else { return Ok((pos, Vec::new())) };
        let found = session.completions(line, pos);
        Ok((found.start, found.candidates))
    }
}

impl Validator for Cells {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if input::is_complete(ctx.input()) { ValidationResult::Valid(None) } else { ValidationResult::Incomplete })
    }
}

/// The final states of values displayed earlier that update themselves (a future that
/// ended): printed at once while a cell runs, else when Enter is next pressed (before
/// the cell's output) or before the next prompt.
///
/// (Not above the prompt while it waits: rustyline's external printer makes it drop the
/// rest of input that arrives in one read, a paste or a fast typist's line.)
#[derive(Clone, Default)]
struct Updates(Arc<Mutex<(bool, Vec<String>)>>);

impl Updates {
    /// Takes updates from `source` for as long as it lasts.
    fn listen(&self, source: impl IntoIterator<Item = DisplayUpdate> + Send + 'static) {
        let this = self.clone();
        std::thread::spawn(move || {
            for text in source.into_iter().filter(|u| u.last).filter_map(|mut u| u.content.remove("text/plain")) {
                let mut state = this.0.lock().unwrap_or_else(|p| p.into_inner());
                match state.0 {
                    true => println!("{text}"),
                    false => state.1.push(text),
                }
            }
        });
    }

    /// A cell starts: print what came meanwhile, and from now on at once.
    fn cell_starts(&self) {
        let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
        state.0 = true;
        std::mem::take(&mut state.1).iter().for_each(|text| println!("{text}"));
    }

    /// The cell ended: keep updates for the next prompt.
    fn cell_ended(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).0 = false;
    }

    /// Prints what came since the cell ended, before the prompt.
    fn flush(&self) {
        self.cell_starts();
        self.cell_ended();
    }
}

fn interactive() -> Result<(), String> {
    // The editor first: it takes SIGINT for itself when created, and the session's Ctrl-C
    // handler, registered after it, must come first (it passes the signal on).
    let mut editor = rustyline::Editor::new().map_err(|e| e.to_string())?;
    // Once rask has been built here, the prompt comes at once and the first cell waits for
    // the session; the first build shows its progress before the prompt instead.
    let built = CacheDir::has_built();
    let starter = Session::prepare().map_err(|e| e.to_string())?;
    let updates = Updates::default();
    updates.listen(starter.display_updates());
    let session = Rc::new(RefCell::new(match built {
        true => Background::spawn(starter),
        false => Background::Ready(Box::new(starting::start_prepared(starter)?)),
    }));
    println!("rask {} — Rust with rask preloaded. :help for help, Ctrl-D to leave.", env!("CARGO_PKG_VERSION"));
    editor.set_helper(Some(Cells(session.clone())));
    let history = CacheDir::root().join("history.txt");
    let _ = editor.load_history(&history);
    loop {
        updates.flush();
        match editor.readline(">> ") {
            Ok(cell) => {
                if cell.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(cell.as_str());
                let mut session = session.borrow_mut();
                let session = match session.ready() {
                    Some(session) => session,
                    None => {
                        eprintln!("rask: waiting for the session to start ...");
                        session.wait()?
                    }
                };
                updates.cell_starts();
                if let Err(e) = show(session, &cell) {
                    eprintln!("{e}");
                }
                updates.cell_ended();
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    let _ = editor.save_history(&history);
    Ok(())
}
