//! How values show themselves in the REPL and the Jupyter kernel: each displayable value
//! has forms by MIME type (`text/plain`, `text/html`, `image/svg+xml`; see [`Show`]), and
//! the front end picks the richest it can show.
//!
//! evcxr shows a cell's final expression by calling `.evcxr_display()` on it, and only
//! when that does not compile, compiles the cell again to print it with `{:?}`. Rask's own
//! types ([`DataFrame`](crate::dataframe::DataFrame),
//! [`Rendered`](crate::visualize::Rendered), [`Future`](crate::Future), ...) have the
//! method; [`EvcxrDisplay`], in the prelude, gives every `Debug` value the `{:?}` form,
//! which spares that second compile.
//!
//! [`display`] shows a value in the middle of a cell, as IPython's `display()` does, and
//! [`clear_output`] clears the cell's output. In a session they travel as tagged lines on
//! the standard output (so they keep their place among the cell's prints); elsewhere
//! `display` prints the text form.
//!
//! Live values (a [`Future`](crate::Future), a progress bar) also send a display id with
//! their forms and later send updates for it: during a cell on the standard output as well,
//! between cells through the session's display channel (`update`), a Unix socket whose path
//! the session puts in [`DISPLAY_SOCKET`]. Outside a session updates go nowhere.

use std::fmt::Debug;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// A value's forms: (MIME type, content), richest last or first as you like; the front end
/// picks the one it shows best.
pub type Forms = Vec<(&'static str, String)>;

/// A value that can be shown with [`display`]: its forms by MIME type.
///
/// rask's DataFrame, drawings (`Rendered`), futures, progress bars and clients implement it,
/// and so do numbers, strings, polars frames, and `Vec`s, slices, `Option`s and pairs and
/// triples of `Debug` values (as `{:?}`). For anything else,
/// wrap the value: `display(&rask::display::Plain(&value))`.
///
/// ```
/// use rask::display::{Forms, Show};
/// struct Temperature(f64);
/// impl Show for Temperature {
///     fn forms(&self) -> Forms {
///         vec![("text/plain", format!("{} °C", self.0)), ("text/html", format!("<b>{} °C</b>", self.0))]
///     }
/// }
/// assert_eq!(Temperature(21.5).forms()[0].1, "21.5 °C");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be displayed",
    note = "show its `{{:?}}` form with `display(&rask::display::Plain(&value))`, or implement `rask::display::Show` for it"
)]
pub trait Show {
    /// The value's forms by MIME type.
    fn forms(&self) -> Forms;
}

impl<T: Show + ?Sized> Show for &T {
    fn forms(&self) -> Forms {
        (**self).forms()
    }
}

/// Shows any `Debug` value as its `{:?}` form: `display(&Plain(&value))`.
pub struct Plain<'a, T: Debug + ?Sized>(pub &'a T);

impl<T: Debug + ?Sized> Show for Plain<'_, T> {
    fn forms(&self) -> Forms {
        vec![("text/plain", format!("{:?}", self.0))]
    }
}

macro_rules! show_as_debug {
    ($($t:ty),* $(,)?) => {
        $(impl Show for $t {
            fn forms(&self) -> Forms {
                vec![("text/plain", format!("{self:?}"))]
            }
        })*
    };
}

show_as_debug!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char, ());

impl Show for str {
    fn forms(&self) -> Forms {
        vec![("text/plain", self.to_string())]
    }
}

impl Show for String {
    fn forms(&self) -> Forms {
        self.as_str().forms()
    }
}

impl<T: Debug> Show for [T] {
    fn forms(&self) -> Forms {
        Plain(self).forms()
    }
}

impl<T: Debug> Show for Vec<T> {
    fn forms(&self) -> Forms {
        Plain(self).forms()
    }
}

impl<T: Debug> Show for Option<T> {
    fn forms(&self) -> Forms {
        Plain(self).forms()
    }
}

impl<A: Debug, B: Debug> Show for (A, B) {
    fn forms(&self) -> Forms {
        Plain(self).forms()
    }
}

impl<A: Debug, B: Debug, C: Debug> Show for (A, B, C) {
    fn forms(&self) -> Forms {
        Plain(self).forms()
    }
}

impl Show for polars::prelude::DataFrame {
    fn forms(&self) -> Forms {
        vec![("text/plain", self.to_string())]
    }
}

/// Shows `value` now, as an output of its own, and goes on (IPython's `display()`): in a
/// notebook the value appears in its richest form where the cell has got to; in the REPL and
/// in programs its text form is printed.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let total = delayed!(i64::abs(-3)).map(|v| v * 10);
/// display(&total.compute()?);   // prints 30 here; shows it under the cell in a notebook
/// display("a note");
/// # Ok::<(), rask::Error>(())
/// ```
pub fn display<T: Show + ?Sized>(value: &T) {
    let forms = value.forms();
    match in_session() {
        true => tagged(&forms, Kind::Show),
        false => {
            if let Some((_, text)) = forms.iter().find(|(mime, _)| *mime == "text/plain") {
                println!("{text}");
            }
        }
    }
}

/// Clears the output of the running cell (IPython's `clear_output`); with `wait`, the
/// clearing waits until the next output arrives, which avoids a flicker when redrawing.
/// Nothing happens outside a notebook.
///
/// ```
/// use rask::prelude::*;
/// for step in 0..3 {
///     clear_output(true);
///     display(&format!("step {step}"));
/// }
/// ```
pub fn clear_output(wait: bool) {
    if in_session() {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{TAG}\t{}\t{}", if wait { "CLEAR-WAIT" } else { "CLEAR" }, 0);
        let _ = out.flush();
    }
}

/// Whether this process runs a session's cells (evcxr's child process).
fn in_session() -> bool {
    std::env::var_os("EVCXR_IS_RUNTIME").is_some()
}

/// What starts a standard-output line that carries a display, for the session to take out
/// (the session's `display.rs` reads it).
const TAG: &str = "\u{1f}rask-display";

/// What a group of tagged lines asks the front end to do.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// Show a new output.
    Show,
    /// Replace the output shown under the id among the forms.
    Update,
}

/// Writes `forms` as tagged lines: `TAG<TAB>mime<TAB>content` per form (backslashes,
/// newlines and carriage returns escaped), then `TAG<TAB>SHOW|UPDATE<TAB>0`.
pub(crate) fn tagged(forms: &[(&str, String)], kind: Kind) {
    let mut out = std::io::stdout().lock();
    for (mime, content) in forms {
        let escaped = content.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r");
        let _ = writeln!(out, "{TAG}\t{mime}\t{escaped}");
    }
    let _ = writeln!(out, "{TAG}\t{}\t0", if matches!(kind, Kind::Show) { "SHOW" } else { "UPDATE" });
    let _ = out.flush();
}

/// Shows a value in the REPL and the kernel, as `{:?}` (for any `Debug` value).
///
/// ```
/// use rask::prelude::*;
/// (1 + 1).evcxr_display(); // prints the value between evcxr's content markers
/// ```
pub trait EvcxrDisplay {
    /// Sends the value's forms to the front end.
    fn evcxr_display(&self);
}

impl<T: Debug + ?Sized> EvcxrDisplay for T {
    fn evcxr_display(&self) {
        send(&Plain(self).forms());
    }
}

/// Sends `forms` (MIME type, content) as one displayed value: a cell's result.
pub(crate) fn send(forms: &[(&str, String)]) {
    let mut out = std::io::stdout().lock();
    for (mime, content) in forms {
        let _ = writeln!(out, "EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT");
    }
    let _ = out.flush();
}

/// The MIME type under which a displayed value gives the id its later updates carry.
pub const DISPLAY_ID_MIME: &str = "application/vnd.rask.display-id";

/// The environment variable naming the session's display socket.
pub const DISPLAY_SOCKET: &str = "RASK_DISPLAY_SOCKET";

/// Sends new forms for the value displayed under `id`, to be shown in its place.
///
/// One update is a line `id<TAB>mime<TAB>length` followed by `length` bytes, per form, then
/// `id<TAB>END<TAB>0`, or `id<TAB>LAST<TAB>0` when the value will not change again (`last`).
/// Errors are ignored: a front end that went away just stops updating.
pub(crate) fn update(id: &str, forms: &[(&str, &str)], last: bool) {
    #[cfg(unix)]
    {
        static SOCKET: Mutex<Option<std::os::unix::net::UnixStream>> = Mutex::new(None);
        let Some(path) = std::env::var_os(DISPLAY_SOCKET) else { return };
        let mut socket = SOCKET.lock().unwrap_or_else(PoisonError::into_inner);
        if socket.is_none() {
            // A front end that stops reading must not stall the threads that update.
            *socket = std::os::unix::net::UnixStream::connect(path)
                .and_then(|s| s.set_write_timeout(Some(std::time::Duration::from_secs(1))).map(|()| s))
                .ok();
        }
        let Some(stream) = socket.as_mut() else { return };
        let mut frame = Vec::new();
        for (mime, content) in forms {
            frame.extend_from_slice(format!("{id}\t{mime}\t{}\n", content.len()).as_bytes());
            frame.extend_from_slice(content.as_bytes());
        }
        let end = if last { "LAST" } else { "END" };
        frame.extend_from_slice(format!("{id}\t{end}\t0\n").as_bytes());
        if stream.write_all(&frame).is_err() {
            *socket = None;
        }
    }
}

/// An HTML bar `done` of `total` filled with `colour`, in a box of style `outer` (its size)
/// `height` high.
pub(crate) fn html_bar(done: usize, total: usize, outer: &str, height: u32, colour: &str) -> String {
    let pct = if total == 0 { 100.0 } else { 100.0 * done as f64 / total as f64 };
    format!(
        "<div style=\"{outer};height:{height}px;background:#eee\">\
         <div style=\"width:{pct:.1}%;height:{height}px;background:{colour}\"></div></div>"
    )
}

/// A new display id: `rask-<what>-<pid>-<n>`.
pub(crate) fn new_id(what: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("rask-{what}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Escapes text for HTML.
pub(crate) fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
