//! One evcxr evaluation session with rask preloaded, shared by the `rask` REPL and the
//! Jupyter kernel.
//!
//! evcxr compiles every cell into a small crate and runs it in a child process that keeps
//! the variables between cells. A [`Session`] owns one such context: it keeps evcxr's build
//! directory in a persistent cache ([`cache`]), so rask and polars compile once per machine,
//! adds rask as a dependency with `use rask::prelude::*;` in scope, forwards the child's
//! output as it comes, and turns evcxr's errors into one clear [`SessionError`].
//!
//! A binary that embeds a session must call [`runtime_hook`] first thing in `main`: evcxr
//! starts the same binary again as the child that runs cells.

mod cache;
mod child_output;
mod diagnostics;
mod display;
mod dylib;
mod fast_cell;
pub mod input;
mod interrupt;
mod preexpand;
mod progress;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use cache::CacheDir;
pub use display::{DISPLAY_ID_MIME, DisplayUpdate, Output};
use interrupt::CellState;
pub use interrupt::Interrupter;
pub use progress::{BuildProgress, ProgressFn};

/// Runs the evcxr child process when this binary was started as one (and then never
/// returns); does nothing otherwise. Call it before anything else in `main`.
pub fn runtime_hook() {
    fast_cell::shim();
    dylib::hook();
    if std::env::var_os("EVCXR_IS_RUNTIME").is_some() {
        interrupt::ignore_sigint_in_child();
        child_output::route_in_child();
    }
    evcxr::runtime_hook();
}

/// Which stream a line of the child's output came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Why a cell or the session failed: one message for the user.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The cell does not compile; the message points at the cell's lines and columns.
    #[error("{0}")]
    Compile(String),
    /// The cell compiled but failed while running (a panic or an error it returned).
    #[error("{0}")]
    Runtime(String),
    /// The child process died, or was ended because the cell did not stop when interrupted;
    /// the session goes on in a new one, without the variables defined so far.
    #[error("{}the session restarted{}", if *.interrupted { "the cell did not stop when interrupted, so " } else { "" }, lost_message(.lost))]
    Restarted {
        /// The variables that were lost.
        lost: Vec<String>,
        /// Whether an [`Interrupter`] ended the process.
        interrupted: bool,
    },
    /// Starting or configuring the session failed.
    #[error("{0}")]
    Setup(String),
}

fn lost_message(lost: &[String]) -> String {
    if lost.is_empty() { String::new() } else { format!("; these variables were lost: {}", lost.join(", ")) }
}

/// What a cell produced besides the output it printed: its value in each MIME type
/// (`text/plain`, `text/html`, `image/svg+xml`), and how long it took.
#[derive(Debug, Default)]
pub struct CellOutput {
    /// The cell's value by MIME type.
    pub content: HashMap<String, String>,
    /// Compile and run time.
    pub duration: Duration,
    /// evcxr's phases (analysis, compile, run, ...) with their times, when `:timing` is on.
    pub phases: Vec<(String, Duration)>,
}

impl CellOutput {
    /// The plain-text form of the value, if the cell ended with an expression.
    pub fn text(&self) -> Option<&str> {
        self.content.get("text/plain").map(String::as_str)
    }
}

/// Where rask's sources are: `RASK_PATH`, or the checkout this binary was built from.
fn rask_path() -> PathBuf {
    std::env::var_os("RASK_PATH").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

/// Whether `name` is one of the variables cargo sets for a program it runs (`cargo run`,
/// `cargo test`). evcxr's cargo inherits the environment, and build scripts that watch such
/// variables (ring watches `CARGO_PKG_NAME`) would rebuild polars when rask is started one way
/// after being started another.
fn set_by_cargo_run(name: &str) -> bool {
    name == "CARGO"
        || name == "OUT_DIR"
        || [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// What may replace `cell[start..end]` at the cursor (see [`Session::completions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    /// Where the replaced text starts (a byte offset in the cell).
    pub start: usize,
    /// Where it ends.
    pub end: usize,
    /// The candidates, best first.
    pub candidates: Vec<String>,
}

/// Whether `program` is on `PATH`.
fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A start-up step that failed, as one line: compile errors are told once each (an
/// interrupted build reports "compilation was interrupted" for every crate it stopped).
fn setup_error(step: &str, error: evcxr::Error) -> SessionError {
    let message = match error {
        evcxr::Error::CompilationErrors(errors) => {
            let mut messages: Vec<String> = Vec::new();
            for e in &errors {
                let m = e.message();
                if !messages.contains(&m) {
                    messages.push(m);
                }
            }
            messages.truncate(3);
            messages.join("; ")
        }
        other => other.to_string(),
    };
    SessionError::Setup(format!("{step}: {}", message.trim()))
}

/// A completion asked for at start-up, only to load rust-analyzer's view of the crates.
const WARM_UP: &str = "let warm_up = rask::dataframe::DataFrame::npartitions; warm_up.";

/// What every session evaluates first: rask's prelude, panics told in one line, and `?`.
///
/// A panic in a cell reads `the cell panicked: <message>`, with the place it happened when
/// that is outside the cell (in rask, say), instead of a report and a backtrace through
/// evcxr's generated code; `RUST_BACKTRACE` set for the REPL brings the full report back.
/// (The hook is set from a cell because cells link the shared std, whose hook is not the
/// one of the binary's own std.)
///
/// The `?` makes evcxr allow `?` in cells from the start: it otherwise learns so from the
/// first cell that uses one, and when that cell ends in `value?` it gives up the value's
/// rich display (evcxr_display) for `{:?}` instead.
const PRELUDE: &str = r#"#[macro_use] extern crate rask;
use rask::prelude::*;
if std::env::var_os("RASK_USER_BACKTRACE").is_none_or(|v| v == "0") {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload.downcast_ref::<&str>().map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a value that is not text)".into());
        match info.location().filter(|at| at.file() != "src/lib.rs") {
            Some(at) => eprintln!("the cell panicked at {at}: {message}"),
            None => eprintln!("the cell panicked: {message}"),
        }
    }));
}
Ok::<(), String>(())?;"#;

/// What a session evaluates when a cell first mentions `ml::`: the crate as `ml`, and the
/// traits whose methods apply models to Arrays and cut folds.
const ML_PRELUDE: &str = "use rask_ml as ml;\nuse rask_ml::{PredictArray as _, Splitter as _, TransformArray as _};";

/// The evcxr command that adds the crate `name` at `path` to the cells' dependencies.
fn dep_command(name: &str, path: &Path) -> String {
    format!(":dep {name} = {{ path = {:?} }}", path.display().to_string())
}

/// Whether a cell uses rask-ml: `ml::` (not as the end of a longer name) or `rask_ml`.
fn mentions_ml(cell: &str) -> bool {
    cell.contains("rask_ml")
        || cell.match_indices("ml::").any(|(i, _)| !cell[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// The variable through which the session passes the user's own `RUST_BACKTRACE` to the
/// cells (evcxr sets `RUST_BACKTRACE=1` for them); read by the [`PRELUDE`].
const USER_BACKTRACE: &str = "RASK_USER_BACKTRACE";

/// A session prepared by [`Session::prepare`], ready to start on any thread.
pub struct Starter {
    cache: CacheDir,
    /// Whether `mold` on `PATH` is the shim that compiles cells without cargo.
    shim: bool,
    /// The display channel, when its socket could be bound.
    display: Option<display::Channel>,
    updates: (crossbeam_channel::Sender<DisplayUpdate>, crossbeam_channel::Receiver<DisplayUpdate>),
}

impl Starter {
    /// Updates of values displayed earlier (a future's status), as they come, from now on
    /// and also between cells; see [`DisplayUpdate`].
    pub fn display_updates(&self) -> crossbeam_channel::Receiver<DisplayUpdate> {
        self.updates.1.clone()
    }

    /// Starts evcxr, adds rask (the first time on a machine this compiles rask and polars,
    /// which takes minutes), and brings `rask::prelude::*` into scope. `output` receives the
    /// child's lines as they come; `progress` hears how compiling rask and its dependencies
    /// goes, if anything needs it.
    pub fn start(
        self,
        output: impl FnMut(Output<'_>) + Send + 'static,
        progress: impl ProgressFn,
    ) -> Result<Session, SessionError> {
        let cache = self.cache;
        if let Some(channel) = self.display {
            channel.serve(self.updates.0.clone());
        }
        let (mut ctx, outputs) = evcxr::CommandContext::new().map_err(|e| SessionError::Setup(e.to_string()))?;
        let output: Sink = Arc::new(Mutex::new(Box::new(output)));
        let mut displays = display::Parser::default();
        forward(outputs.stdout, output.clone(), move |line, out| match line.strip_prefix(child_output::STDERR_TAG) {
            Some(line) => out(Output::Line(Stream::Stderr, line)),
            None => displays.take(line, out),
        });
        forward(outputs.stderr, output.clone(), |line, out| out(Output::Line(Stream::Stderr, line)));
        if self.shim || which("mold") {
            // Compiles cells without cargo (see `fast_cell`), and links each about 60 ms
            // sooner than the system linker when mold is installed.
            ctx.execute(":linker mold").map_err(|e| setup_error("choosing mold as the linker", e))?;
        }
        let path = rask_path();
        let dep = dep_command("rask", &path);
        progress::watch_build(
            &CacheDir::root(),
            &cache.build_log(),
            || {
                ctx.execute(&dep).map_err(|e| setup_error(&format!("adding rask from {}", path.display()), e))?;
                ctx.execute(PRELUDE).map_err(|e| setup_error("loading rask's prelude", e))
            },
            progress,
        )?;
        // rust-analyzer, which evcxr asks for the type of each `let`, loads std, polars and
        // rask on its first query (about 9 s); a completion makes that happen now, so the
        // first `let` of the user's takes a second like any other.
        let _ = ctx.completions(WARM_UP, WARM_UP.len());
        cache.mark_started();
        let cells = CellState::new(ctx.process_handle());
        Ok(Session { ctx, cells, output, updates: self.updates.1, ml: false, _cache: cache })
    }
}

/// Where the child's output goes.
type Sink = Arc<Mutex<Box<dyn FnMut(Output<'_>) + Send>>>;

/// Passes the lines of `lines` on to `output` as they come, as `route` turns them into
/// [`Output`]s. Lines leave the channel only while the output lock is held, so whoever takes
/// the lock once the channel is empty knows they have all been passed on.
fn forward(
    lines: crossbeam_channel::Receiver<String>,
    output: Sink,
    mut route: impl FnMut(&str, &mut dyn FnMut(Output<'_>)) + Send + 'static,
) {
    std::thread::spawn(move || {
        loop {
            let mut ready = crossbeam_channel::Select::new();
            ready.recv(&lines);
            ready.ready();
            let mut output = output.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                match lines.try_recv() {
                    Ok(line) => route(&line, &mut *output),
                    Err(crossbeam_channel::TryRecvError::Empty) => break,
                    Err(crossbeam_channel::TryRecvError::Disconnected) => return,
                }
            }
        }
    });
}

/// One evcxr context with rask loaded.
pub struct Session {
    ctx: evcxr::CommandContext,
    cells: Arc<CellState>,
    output: Sink,
    updates: crossbeam_channel::Receiver<DisplayUpdate>,
    /// Whether rask-ml has been added (by the first cell that mentions `ml::`).
    ml: bool,
    _cache: CacheDir,
}

impl Session {
    /// Starts a session: [`Session::prepare`], then [`Starter::start`].
    pub fn start(
        output: impl FnMut(Output<'_>) + Send + 'static,
        progress: impl ProgressFn,
    ) -> Result<Session, SessionError> {
        Self::prepare()?.start(output, progress)
    }

    /// The part of starting a session that must happen before the process starts threads:
    /// claims a build directory in the cache and sets the environment evcxr and its cargo
    /// read. The [`Starter`] it returns starts the session on any thread, so a front end can
    /// show its prompt while the session starts.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), rask_session::SessionError> {
    /// let starter = rask_session::Session::prepare()?;
    /// let starting = std::thread::spawn(move || starter.start(|out| println!("{out:?}"), |_, _| {}));
    /// // ... show a prompt meanwhile ...
    /// let mut session = starting.join().expect("no panic")?;
    /// assert_eq!(session.execute("1 + 1")?.text(), Some("2"));
    /// # Ok(()) }
    /// ```
    pub fn prepare() -> Result<Starter, SessionError> {
        let cache = CacheDir::claim()?;
        // SAFETY: evcxr reads the environment when the context is created; front ends
        // prepare the session before they start threads (see above).
        unsafe {
            std::env::set_var("EVCXR_TMPDIR", cache.path());
            std::env::set_var(interrupt::CANCEL_ON_SIGINT, "1");
            std::env::set_var(progress::BUILD_LOG, cache.build_log());
            if let Some(wanted) = std::env::var_os("RUST_BACKTRACE") {
                std::env::set_var(USER_BACKTRACE, wanted);
            }
            dylib::configure_evcxr(&CacheDir::root())
                .map_err(|e| SessionError::Setup(format!("writing evcxr's configuration: {e}")))?;
            for (name, _) in std::env::vars_os() {
                if name.to_str().is_some_and(set_by_cargo_run) {
                    std::env::remove_var(name);
                }
            }
        }
        // SAFETY: as above.
        let shim = unsafe { fast_cell::install(cache.path()) };
        // Without the socket, displayed values just do not update.
        let display = display::Channel::bind().ok();
        if let Some(channel) = &display {
            // SAFETY: as above.
            unsafe { std::env::set_var(display::SOCKET_VAR, channel.path()) };
        }
        Ok(Starter { cache, shim, display, updates: crossbeam_channel::unbounded() })
    }

    /// Evaluates one cell: Rust statements, items and a final expression, or an evcxr
    /// command such as `:vars`.
    ///
    /// `#[delayed]` functions are expanded first, so `let x = load(path);` on one is known to
    /// hold a `Delayed` (see [`preexpand`]); compile errors are then reported against the
    /// cell as written.
    pub fn execute(&mut self, cell: &str) -> Result<CellOutput, SessionError> {
        if !self.ml && mentions_ml(cell) {
            self.add_ml()?;
        }
        match preexpand::expand_delayed(cell) {
            Some(expanded) => match self.evaluate(&expanded) {
                Err(SessionError::Compile(_)) => self.evaluate(cell),
                other => other,
            },
            None => self.evaluate(cell),
        }
    }

    /// Adds rask-ml to the cells' dependencies, as `ml`, with its traits for Arrays in
    /// scope. Cells that never use it do not link linfa.
    fn add_ml(&mut self) -> Result<(), SessionError> {
        let path = rask_path().join("ml");
        (self.output.lock().unwrap_or_else(|p| p.into_inner()))(Output::Line(
            Stream::Stderr,
            "adding rask-ml as `ml` (the first time on a machine this compiles linfa, about a minute)",
        ));
        let dep = dep_command("rask-ml", &path);
        self.ctx.execute(&dep).map_err(|e| setup_error(&format!("adding rask-ml from {}", path.display()), e))?;
        self.ctx.execute(ML_PRELUDE).map_err(|e| setup_error("loading rask-ml", e))?;
        self.ml = true;
        Ok(())
    }

    fn evaluate(&mut self, cell: &str) -> Result<CellOutput, SessionError> {
        let before: Vec<String> = self.ctx.variables_and_types().map(|(n, _)| n.to_string()).collect();
        let start = Instant::now();
        let running = self.cells.running();
        let result = self.ctx.execute(cell);
        drop(running);
        // evcxr returns once the forwarding thread has taken the cell's last line; taking
        // the lock waits until that line is out too.
        drop(self.output.lock());
        match result {
            Ok(mut out) => {
                if out.content_by_mime_type.remove(child_output::ERROR_MIME).is_some() {
                    return Err(SessionError::Runtime("the cell stopped at an error (printed above)".into()));
                }
                let phases = match out.timing {
                    Some(_) => out.phases.into_iter().map(|p| (p.name, p.duration)).collect(),
                    None => Vec::new(),
                };
                Ok(CellOutput { content: out.content_by_mime_type, duration: start.elapsed(), phases })
            }
            Err(evcxr::Error::CompilationErrors(errors)) => {
                Err(SessionError::Compile(diagnostics::render(&errors, cell)))
            }
            Err(evcxr::Error::SubprocessTerminated(_)) => {
                Err(SessionError::Restarted { lost: before, interrupted: self.cells.was_killed() })
            }
            Err(evcxr::Error::TypeRedefinedVariablesLost(lost)) => {
                Err(SessionError::Restarted { lost, interrupted: false })
            }
            Err(evcxr::Error::Message(m)) => Err(SessionError::Runtime(m.trim().to_string())),
        }
    }

    /// Updates of values displayed earlier (see [`Starter::display_updates`]).
    pub fn display_updates(&self) -> crossbeam_channel::Receiver<DisplayUpdate> {
        self.updates.clone()
    }

    /// A handle that interrupts the running cell from another thread.
    pub fn interrupter(&self) -> Interrupter {
        Interrupter(self.cells.clone())
    }

    /// Completions at byte offset `pos` of `cell`: names, methods and fields as
    /// rust-analyzer sees them with the session's variables in scope, or evcxr's commands
    /// after `:`; none when nothing fits.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), rask_session::SessionError> {
    /// let mut session = rask_session::Session::start(|_| {}, |_, _| {})?;
    /// let found = session.completions("vec![1].it", 10);
    /// assert_eq!(found.start, 8);
    /// assert!(found.candidates.iter().any(|n| n == "iter"));
    /// # Ok(()) }
    /// ```
    pub fn completions(&mut self, cell: &str, pos: usize) -> Completions {
        match self.ctx.completions(cell, pos) {
            Ok(c) => Completions {
                start: c.start_offset,
                end: c.end_offset,
                candidates: c.completions.into_iter().map(|c| c.code).collect(),
            },
            Err(_) => Completions { start: pos, end: pos, candidates: Vec::new() },
        }
    }

    /// The documentation of the name at byte offset `pos` of `cell` (the variable, function,
    /// method, type or module the cursor is on or just after, or the function whose call the
    /// cursor has just opened with `(`), as rust-analyzer shows it on hover: `(text, html)`, or `None` when there is nothing to say.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), rask_session::SessionError> {
    /// let mut session = rask_session::Session::start(|_| {}, |_, _| {})?;
    /// let (text, _html) = session.inspect("Vec::with_capacity(3)", 6).expect("documented");
    /// assert!(text.contains("with_capacity"));
    /// # Ok(()) }
    /// ```
    pub fn inspect(&mut self, cell: &str, pos: usize) -> Option<(String, String)> {
        let is_name = |c: char| c.is_alphanumeric() || c == '_';
        let mut end = pos.min(cell.len());
        while !cell.is_char_boundary(end) {
            end -= 1;
        }
        // Just after `f(` (where a notebook's tooltip is asked for), the name is `f`.
        let before = cell[..end].trim_end();
        if let Some(callee) = before.strip_suffix('(') {
            end = callee.trim_end().len();
        }
        end += cell[end..].find(|c: char| !is_name(c)).unwrap_or(cell.len() - end);
        if !cell[..end].ends_with(is_name) {
            return None;
        }
        let (text, html) = self.ctx.hover_at(cell, end).ok()?;
        // rust-analyzer's answer when it knows the name but has no docs for it.
        let nothing = text.trim().is_empty() || text.trim() == "No documentation found";
        (!nothing).then_some((text, html))
    }

    /// The variables defined so far, with their types.
    pub fn variables(&self) -> Vec<(String, String)> {
        self.ctx.variables_and_types().map(|(n, t)| (n.to_string(), t.to_string())).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ml_is_mentioned_as_a_path_not_inside_a_name() {
        assert!(super::mentions_ml("let m = ml::KMeans::new(3).fit(&x)?;"));
        assert!(super::mentions_ml("use rask_ml::PCA;"));
        assert!(!super::mentions_ml("let html::x = 1; xml::parse()"));
    }
}
