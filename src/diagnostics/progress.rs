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
        ProgressBar { min_time, bars: Mutex::new(HashMap::new()) }
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
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                    }
                }
            }
            Event::RunFinished { run, outcome, .. } => {
                if let Some(bar) = bars.remove(&run) {
                    match outcome {
                        Outcome::Completed => bar.finish(),
                        Outcome::Failed | Outcome::Cancelled => bar.abandon(),
                    }
                }
            }
            _ => {}
        }
    }
}
