//! How futures show themselves and update in place once displayed.
//!
//! `future` as a cell's value shows its status as text and HTML, plus a display id
//! ([`crate::display::DISPLAY_ID_MIME`]). From then on every change of the future (start,
//! progress, end) is sent as an update for that id through [`crate::display::update`], also
//! after the cell that displayed it ended: the REPL prints the new status, a notebook
//! replaces the output in place. [`progress`] makes a progress bar over several futures
//! that displays and updates itself the same way. Updates are sent at most ten times a
//! second per displayed value, and always for its final state.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::future::{Future, FutureStatus, Shared};

const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// When each displayed future last sent an update.
static LAST_SENT: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

/// A future's state in one line: `Future<i64> 'inc-3f2a': running, 9/17 tasks`, with the
/// error of a failed one. Its `Debug`, and the text form of its display.
pub(super) fn status_line(shared: &Shared) -> String {
    let status = shared.status();
    let mut text = format!("Future<{}> '{}': {status}", shared.type_name, shared.key);
    if let Some((done, total)) = shared.progress().filter(|_| !status.is_done() || status == FutureStatus::Finished) {
        text.push_str(&format!(", {done}/{total} tasks"));
    }
    if let Some(e) = shared.error().filter(|_| status == FutureStatus::Error) {
        text.push_str(&format!(": {e}"));
    }
    text
}

/// The forms of a future's current state: text and HTML.
fn forms(shared: &Shared) -> (String, String) {
    let status = shared.status();
    let text = status_line(shared);
    let bar = shared
        .progress()
        .map(|(done, total)| crate::display::html_bar(done, total, "width:240px;margin-top:4px", 8, color(status)))
        .unwrap_or_default();
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

/// Whether an update for `id` is due: always for the last one, else at most every
/// [`MIN_INTERVAL`].
fn due(id: &str, last_one: bool) -> bool {
    let mut sent = LAST_SENT.lock().unwrap_or_else(PoisonError::into_inner);
    let now = Instant::now();
    let due = match sent.iter_mut().find(|(i, _)| i == id) {
        Some((_, last)) if !last_one && now.duration_since(*last) < MIN_INTERVAL => false,
        Some((_, last)) => {
            *last = now;
            true
        }
        None => {
            sent.push((id.to_string(), now));
            true
        }
    };
    if last_one {
        sent.retain(|(i, _)| i != id);
    }
    due
}

impl<T> Future<T> {
    /// Shows the future in the REPL and the kernel; the shown status updates in place as
    /// the work goes on.
    pub fn evcxr_display(&self) {
        crate::display::send(&crate::display::Show::forms(self));
    }
}

impl<T> crate::display::Show for Future<T> {
    fn forms(&self) -> crate::display::Forms {
        let shared = self.shared();
        let id = shared.display_id.get_or_init(|| crate::display::new_id("future"));
        let (text, html) = forms(shared);
        vec![("text/plain", text), ("text/html", html), (crate::display::DISPLAY_ID_MIME, id.clone())]
    }
}

/// The future changed: send an update if it has been displayed, and tell the progress bars
/// that show it.
pub(crate) fn changed(shared: &Shared) {
    shared.notify_observers();
    let Some(id) = shared.display_id.get() else { return };
    let done = shared.status().is_done();
    if due(id, done) {
        let (text, html) = forms(shared);
        crate::display::update(id, &[("text/plain", &text), ("text/html", &html)], done);
    }
}

/// A progress bar over futures: how many of their tasks are done. It displays itself in the
/// REPL and the kernel and updates in place until every future has ended.
///
/// ```
/// use rask::prelude::*;
/// let client = Client::builder().threads(2).dashboard(None).build()?;
/// let fs = client.map(|x: u64| x + 1, 0..10);
/// let bar = rask::progress(&fs);
/// rask::wait(&fs);
/// assert_eq!(bar.counts(), (10, 10, 0));
/// assert!(bar.to_string().ends_with("10/10 tasks"), "{bar}");
/// # Ok::<(), rask::Error>(())
/// ```
pub struct Progress {
    inner: Arc<ProgressInner>,
}

struct ProgressInner {
    futures: Vec<Arc<Shared>>,
    id: OnceLock<String>,
}

/// A progress bar over `futures` (Dask's `distributed.progress`).
pub fn progress<'a, T: 'a>(futures: impl IntoIterator<Item = &'a Future<T>>) -> Progress {
    let inner = Arc::new(ProgressInner {
        futures: futures.into_iter().map(|f| f.shared().clone()).collect(),
        id: OnceLock::new(),
    });
    for f in &inner.futures {
        let weak: Weak<ProgressInner> = Arc::downgrade(&inner);
        f.observe(move || {
            if let Some(p) = weak.upgrade() {
                p.changed();
            }
        });
    }
    Progress { inner }
}

impl ProgressInner {
    /// Tasks done, of how many, and how many futures failed or were cancelled.
    fn counts(&self) -> (usize, usize, usize) {
        let (mut done, mut total, mut failed) = (0, 0, 0);
        for f in &self.futures {
            let status = f.status();
            let (d, t) = match (f.progress(), status) {
                (Some((_, t)), FutureStatus::Finished) => (t, t),
                (Some(p), _) => p,
                (None, FutureStatus::Finished) => (1, 1),
                (None, _) => (0, 1),
            };
            done += d;
            total += t;
            failed += usize::from(matches!(status, FutureStatus::Error | FutureStatus::Cancelled));
        }
        (done, total, failed)
    }

    fn all_ended(&self) -> bool {
        self.futures.iter().all(|f| f.status().is_done())
    }

    fn forms(&self) -> (String, String) {
        let (done, total, failed) = self.counts();
        let text = bar_text(done, total, failed);
        let colour = if failed > 0 { "#d62728" } else { "#2ca02c" };
        let html = format!(
            "<div class=\"rask-progress\">{} {}</div>",
            crate::display::html_bar(done, total, "display:inline-block;width:300px", 12, colour),
            crate::display::escape_html(text.rsplit("] ").next().unwrap_or_default())
        );
        (text, html)
    }

    fn changed(&self) {
        let Some(id) = self.id.get() else { return };
        let last = self.all_ended();
        if due(id, last) {
            let (text, html) = self.forms();
            crate::display::update(id, &[("text/plain", &text), ("text/html", &html)], last);
        }
        if last {
            SHOWN.lock().unwrap_or_else(PoisonError::into_inner).retain(|p| !std::ptr::eq(Arc::as_ptr(p), self));
        }
    }
}

/// Bars that were displayed and have futures still going: kept alive until their final
/// update, so that `rask::progress(&futures)` as a cell's value (dropped once shown) goes on
/// updating, as in Dask.
static SHOWN: Mutex<Vec<Arc<ProgressInner>>> = Mutex::new(Vec::new());

fn bar_text(done: usize, total: usize, failed: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (WIDTH * done).checked_div(total).unwrap_or(WIDTH).min(WIDTH);
    let mut text = format!("[{}{}] {done}/{total} tasks", "█".repeat(filled), " ".repeat(WIDTH - filled));
    if failed > 0 {
        text.push_str(&format!(", {failed} failed"));
    }
    text
}

impl Progress {
    /// Tasks done, of how many, and how many futures failed or were cancelled.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.inner.counts()
    }

    /// Shows the bar in the REPL and the kernel; it updates in place as the futures go on.
    pub fn evcxr_display(&self) {
        crate::display::send(&crate::display::Show::forms(self));
    }
}

impl crate::display::Show for Progress {
    fn forms(&self) -> crate::display::Forms {
        let mut first = false;
        let id = self.inner.id.get_or_init(|| {
            first = true;
            crate::display::new_id("progress")
        });
        if first {
            // Checked under the lock that `changed` takes to let the bar go, so a bar whose
            // last future ends meanwhile is not kept forever.
            let mut shown = SHOWN.lock().unwrap_or_else(PoisonError::into_inner);
            if !self.inner.all_ended() {
                shown.push(self.inner.clone());
            }
        }
        let (text, html) = self.inner.forms();
        vec![("text/plain", text), ("text/html", html), (crate::display::DISPLAY_ID_MIME, id.clone())]
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (done, total, failed) = self.counts();
        f.write_str(&bar_text(done, total, failed))
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
