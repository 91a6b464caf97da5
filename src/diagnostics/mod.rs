//! Listeners that show what a run does: a terminal progress bar and a profiler.

mod profiler;
mod progress;

pub use profiler::{Profiler, TaskRecord};
pub use progress::ProgressBar;
