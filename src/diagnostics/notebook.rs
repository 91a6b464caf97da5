//! The progress bar a notebook shows while a cell's `compute()` runs: an output of the cell
//! that appears once a run has lasted a moment and is updated in place (at most ten times
//! a second) until the run ends, when it shows how the run ended and how long it took.
//!
//! The kernel asks for it by setting [`IN_NOTEBOOK`] for the process that runs cells. It
//! follows foreground runs only: a future shows its own progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::display::{Kind, tagged};
use crate::events::{Event, Listener, Outcome};

/// The environment variable that turns the bar on (any value).
pub(crate) const IN_NOTEBOOK: &str = "RASK_PROGRESS_DISPLAY";

/// How long a run goes before its bar appears.
const MIN_TIME: Duration = Duration::from_millis(100);
/// The least time between two updates of a bar.
const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// The bar for foreground runs, when the kernel asked for it.
pub(crate) fn listener() -> Option<Arc<dyn Listener>> {
    static BAR: OnceLock<Option<Arc<dyn Listener>>> = OnceLock::new();
    BAR.get_or_init(|| std::env::var_os(IN_NOTEBOOK).map(|_| Arc::new(NotebookBar::default()) as Arc<dyn Listener>))
        .clone()
}

/// Bars of the runs going on.
#[derive(Default)]
struct NotebookBar {
    runs: Mutex<HashMap<u64, Bar>>,
}

struct Bar {
    id: String,
    tasks: usize,
    done: usize,
    started: Instant,
    /// When the bar was last drawn; `None` before it appears.
    drawn: Option<Instant>,
}

impl Bar {
    fn forms(&self, ended: Option<Outcome>) -> crate::display::Forms {
        let secs = self.started.elapsed().as_secs_f64();
        let (state, colour) = match ended {
            None => ("running", "#1f77b4"),
            Some(Outcome::Completed) => ("completed", "#2ca02c"),
            Some(Outcome::Failed) => ("failed", "#d62728"),
            Some(Outcome::Cancelled) => ("cancelled", "#ff7f0e"),
        };
        let text = format!("{state}: {}/{} tasks in {secs:.1} s", self.done, self.tasks);
        let html = format!(
            "<div class=\"rask-progress\">{}<span style=\"font-family:monospace\">{}</span></div>",
            crate::display::html_bar(
                self.done,
                self.tasks,
                "display:inline-block;width:300px;margin-right:8px",
                12,
                colour
            ),
            crate::display::escape_html(&text)
        );
        vec![("text/plain", text), ("text/html", html), (crate::display::DISPLAY_ID_MIME, self.id.clone())]
    }
}

impl Listener for NotebookBar {
    fn on_event(&self, event: &Event<'_>) {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        match *event {
            Event::RunStarted { run, tasks, .. } => {
                let bar =
                    Bar { id: crate::display::new_id("run"), tasks, done: 0, started: Instant::now(), drawn: None };
                runs.insert(run, bar);
            }
            Event::TaskFinished { run, .. } => {
                let Some(bar) = runs.get_mut(&run) else { return };
                bar.done += 1;
                let now = Instant::now();
                match bar.drawn {
                    None if now.duration_since(bar.started) >= MIN_TIME => tagged(&bar.forms(None), Kind::Show),
                    Some(last) if now.duration_since(last) >= MIN_INTERVAL => tagged(&bar.forms(None), Kind::Update),
                    _ => return,
                }
                bar.drawn = Some(now);
            }
            Event::RunFinished { run, outcome, .. } => {
                if let Some(bar) = runs.remove(&run).filter(|bar| bar.drawn.is_some()) {
                    tagged(&bar.forms(Some(outcome)), Kind::Update);
                }
            }
            _ => {}
        }
    }
}
