//! Listeners that show what a run does: a terminal progress bar, a notebook's progress bar
//! and a profiler.

pub(crate) mod notebook;
mod profiler;
pub(crate) mod progress;

pub use profiler::{Profiler, TaskRecord};
pub use progress::ProgressBar;
