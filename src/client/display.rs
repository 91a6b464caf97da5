//! How futures show themselves and update in place once displayed.
//!
//! `future` as a cell's value shows its status as text and HTML, plus a display id
//! ([`crate::display::DISPLAY_ID_MIME`]). From then on every change of the future (start,
//! progress, end) is sent as an update for that id through [`crate::display::update`], also
//! after the cell that displayed it ended: the REPL prints the new status, a notebook
//! replaces the output in place. Progress updates are sent at most ten times a second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::future::{Future, FutureStatus, Shared};

const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// When each displayed future last sent an update.
static LAST_SENT: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

/// The forms of a future's current state: text and HTML.
fn forms(shared: &Shared) -> (String, String) {
    let status = shared.status();
    let mut text = format!("Future<{}> '{}': {status}", shared.type_name, shared.key);
    let mut bar = String::new();
    if let Some((done, total)) = shared.progress() {
        if !status.is_done() || status == FutureStatus::Finished {
            text.push_str(&format!(", {done}/{total} tasks"));
        }
        let pct = if total == 0 { 100.0 } else { 100.0 * done as f64 / total as f64 };
        bar = format!(
            "<div style=\"width:240px;height:8px;background:#eee;margin-top:4px\">\
             <div style=\"width:{pct:.1}%;height:8px;background:{}\"></div></div>",
            color(status)
        );
    }
    if let Some(e) = shared.error().filter(|_| status == FutureStatus::Error) {
        text.push_str(&format!(": {e}"));
    }
    let html = format!(
        "<div class=\"rask-future\"><b>Future</b> <code>{}</code> &middot; <span style=\"color:{}\">{}</span>{}</div>",
        crate::display::escape_html(&text),
        color(status),
        status,
        bar
    );
    (text, html)
}

fn color(status: FutureStatus) -> &'static str {
    match status {
        FutureStatus::Pending => "#888",
        FutureStatus::Running => "#1f77b4",
        FutureStatus::Finished => "#2ca02c",
        FutureStatus::Error => "#d62728",
        FutureStatus::Cancelled => "#ff7f0e",
    }
}

impl<T> Future<T> {
    /// Shows the future in the REPL and the kernel; the shown status updates in place as
    /// the work goes on.
    pub fn evcxr_display(&self) {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let shared = self.shared();
        let id = shared
            .display_id
            .get_or_init(|| format!("rask-future-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let (text, html) = forms(shared);
        crate::display::send(&[("text/plain", &text), ("text/html", &html), (crate::display::DISPLAY_ID_MIME, id)]);
    }
}

/// The future changed: send an update if it has been displayed.
pub(crate) fn changed(shared: &Shared) {
    let Some(id) = shared.display_id.get() else { return };
    let done = shared.status().is_done();
    {
        let mut sent = LAST_SENT.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match sent.iter_mut().find(|(i, _)| i == id) {
            Some((_, last)) if !done && now.duration_since(*last) < MIN_INTERVAL => return,
            Some((_, last)) => *last = now,
            None => sent.push((id.clone(), now)),
        }
        if done {
            sent.retain(|(i, _)| i != id);
        }
    }
    let (text, html) = forms(shared);
    crate::display::update(id, &[("text/plain", &text), ("text/html", &html)], done);
}
