//! `performance_report`: the dashboard of one piece of work, written as a standalone HTML
//! file (Dask's `performance_report`).

use std::path::Path;
use std::sync::Arc;

use crate::client::monitor::Monitor;
use crate::error::{Error, Result};
use crate::events::{Event, Listener};

/// Feeds every run's events to the report's monitor.
struct Recorder(Arc<Monitor>);

impl Listener for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        self.0.on_event(event);
    }
}

/// Runs `f`, recording every task that runs meanwhile (computations, futures of any
/// client), then writes the report to `path`: the task stream per thread and the time
/// spent per layer, as one HTML file that needs no server.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let path = std::env::temp_dir().join("rask-doc-report.html");
/// let parts: Vec<Delayed<u64>> = (0..4).map(|i| delayed!(u64::pow(i, 2))).collect();
/// let total = rask::performance_report(&path, || rask::compute(&parts))??;
/// assert_eq!(total, vec![0, 1, 4, 9]);
/// assert!(std::fs::read_to_string(&path)?.contains("\"name\":\"pow\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn performance_report<R>(path: impl AsRef<Path>, f: impl FnOnce() -> R) -> Result<R> {
    let monitor = Monitor::new(0);
    let subscription = crate::events::subscribe(Recorder(monitor.clone()));
    let out = f();
    drop(subscription);
    let snap = monitor.snapshot();
    let data = super::status::json(&snap, 0, &[], None, None, false);
    let page = super::PAGE.replace("/*RASK_CONFIG*/", &format!("live: false, data: {data}"));
    let path = path.as_ref();
    std::fs::write(path, page).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    Ok(out)
}
