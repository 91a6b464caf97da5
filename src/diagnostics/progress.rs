//! A terminal progress bar (indicatif) fed by the event stream.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressDrawTarget, ProgressStyle};

use crate::events::{Event, Listener, Outcome};

/// Draws a progress bar on stderr for each run that lasts longer than a moment.
///
/// ```no_run
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let x = delayed!(u64::pow(2, 20));
/// x.compute_with(RunOptions::new().progress())?;            // for one run
/// let _bar = rask::events::subscribe(ProgressBar::new());   // for every run from now on
/// x.compute()?;
/// # Ok::<(), rask::Error>(())
/// ```
pub struct ProgressBar {
    min_time: Duration,
    bars: Mutex<HashMap<u64, indicatif::ProgressBar>>,
    target: fn() -> ProgressDrawTarget,
    /// Whether a finished bar stays drawn (cleared on the REPL's terminal, where the cell's
    /// value follows).
    keep: bool,
}

impl Default for ProgressBar {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBar {
    /// A bar that appears once a run has lasted 0.1 s (quick runs print nothing).
    pub fn new() -> Self {
        Self::with_min_time(Duration::from_millis(100))
    }

    /// A bar that appears once a run has lasted `min_time`.
    pub fn with_min_time(min_time: Duration) -> Self {
        ProgressBar { min_time, bars: Mutex::new(HashMap::new()), target: ProgressDrawTarget::stderr, keep: true }
    }
}

/// The environment variable that shows a bar for every run on the process's terminal
/// (`/dev/tty`, any value): the REPL sets it for the process that runs its cells, whose
/// standard error is a pipe.
pub(crate) const ON_TERMINAL: &str = "RASK_PROGRESS_ON_TTY";

/// Subscribes a bar drawn on `/dev/tty` for every run, once, if [`ON_TERMINAL`] is set.
pub(crate) fn install_from_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os(ON_TERMINAL).is_some() {
            crate::events::subscribe(ProgressBar { target: controlling_terminal, keep: false, ..ProgressBar::new() })
                .keep();
        }
    });
}

/// The process's controlling terminal, or nowhere when it has none.
fn controlling_terminal() -> ProgressDrawTarget {
    let open = || std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty");
    match (open(), open()) {
        (Ok(read), Ok(write)) => ProgressDrawTarget::term(console::Term::read_write_pair(read, write), 15),
        _ => ProgressDrawTarget::hidden(),
    }
}

impl Listener for ProgressBar {
    fn on_event(&self, event: &Event<'_>) {
        let mut bars = self.bars.lock().unwrap_or_else(PoisonError::into_inner);
        match *event {
            Event::RunStarted { run, tasks, .. } => {
                let bar = indicatif::ProgressBar::with_draw_target(Some(tasks as u64), ProgressDrawTarget::hidden());
                if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {pos}/{len} tasks {elapsed:.dim}") {
                    bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
                }
                bars.insert(run, bar);
            }
            Event::TaskFinished { run, .. } => {
                if let Some(bar) = bars.get(&run) {
                    bar.inc(1);
                    if bar.is_hidden() && bar.elapsed() >= self.min_time {
                        bar.set_draw_target((self.target)());
                    }
                }
            }
            Event::RunFinished { run, outcome, .. } => {
                if let Some(bar) = bars.remove(&run) {
                    match outcome {
                        Outcome::Completed if self.keep => bar.finish(),
                        Outcome::Completed => bar.finish_and_clear(),
                        Outcome::Failed | Outcome::Cancelled => bar.abandon(),
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use indicatif::{InMemoryTerm, ProgressDrawTarget};

    use super::*;
    use crate::prelude::*;

    static TERM: OnceLock<InMemoryTerm> = OnceLock::new();

    fn term() -> &'static InMemoryTerm {
        TERM.get_or_init(|| InMemoryTerm::new(4, 80))
    }

    #[test]
    fn draws_the_tasks_done_once_the_run_is_slow_enough() {
        let bar = ProgressBar {
            target: || ProgressDrawTarget::term_like(Box::new(term().clone())),
            ..ProgressBar::with_min_time(Duration::ZERO)
        };
        let parts: Vec<Delayed<u64>> = (0..12u64).map(|i| Delayed::value(i).map(|i| i * 2)).collect();
        let v = crate::compute_with(&parts, RunOptions::new().scheduler(Scheduler::Sync).listen(bar)).expect("runs");
        assert_eq!(v.iter().sum::<u64>(), 132);
        let screen = term().contents();
        assert!(screen.contains("12/12 tasks"), "{screen:?}");
    }
}
