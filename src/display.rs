//! How values show themselves in the REPL and the Jupyter kernel: each displayable value
//! sends its forms by MIME type (`text/plain`, `text/html`, `image/svg+xml`) through
//! evcxr's display protocol, and the front end picks the richest it can show.
//!
//! evcxr shows a cell's final expression by calling `.evcxr_display()` on it, and only
//! when that does not compile, compiles the cell again to print it with `{:?}`. Rask's own
//! types ([`DataFrame`](crate::dataframe::DataFrame),
//! [`Rendered`](crate::visualize::Rendered)) have the method; [`EvcxrDisplay`], in the
//! prelude, gives every `Debug` value the `{:?}` form, which spares that second compile.

use std::fmt::Debug;
use std::io::Write;

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
