//! How values show themselves in the REPL and the Jupyter kernel: each displayable value
//! sends its forms by MIME type (`text/plain`, `text/html`, `image/svg+xml`) through
//! evcxr's display protocol, and the front end picks the richest it can show.
//!
//! evcxr shows a cell's final expression by calling `.evcxr_display()` on it, and only
//! when that does not compile, compiles the cell again to print it with `{:?}`. Rask's own
//! types ([`DataFrame`](crate::dataframe::DataFrame),
//! [`Rendered`](crate::visualize::Rendered)) have the method; [`EvcxrDisplay`], in the
//! prelude, gives every `Debug` value the `{:?}` form, which spares that second compile.
//!
//! Live values (a [`Future`](crate::Future)) also send a display id with their forms and
//! later send updates for it (`update`) through the session's display channel: a Unix
//! socket whose path the session puts in [`DISPLAY_SOCKET`]. Outside a session updates go
//! nowhere.

use std::fmt::Debug;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

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
        send(&[("text/plain", &format!("{self:?}"))]);
    }
}

/// Sends `forms` (MIME type, content) as one displayed value.
pub(crate) fn send(forms: &[(&str, &str)]) {
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

/// Escapes text for HTML.
pub(crate) fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
