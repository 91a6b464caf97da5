//! Listeners that show what a run does: a terminal progress bar and a profiler.

mod profiler;
pub(crate) mod progress;

pub use profiler::{Profiler, TaskRecord};
pub use progress::ProgressBar;
