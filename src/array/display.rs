//! How an array shows itself: shape, dtype, blocks and bytes, as text and HTML (like Dask's
//! array repr); no data is computed.

use std::fmt;

use super::chunks::show;
use super::{Array, Element};
use crate::display::escape_html;

/// `1.5 GiB`, `128 MiB`, `80 B`.
fn bytes(n: usize) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else if x >= 100.0 {
        format!("{x:.0} {}", UNITS[u])
    } else {
        format!("{x:.2} {}", UNITS[u])
    }
}

impl<T: Element> Array<T> {
    fn chunk_bytes(&self) -> usize {
        self.inner.grid.as_ref().map_or(0, |g| g.chunksize().iter().product::<usize>() * std::mem::size_of::<T>())
    }

    /// A table of the array's shape, blocks, bytes and dtype, for notebooks.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let x = da::zeros::<f32>(&[1000, 10], 250)?;
    /// assert!(x.to_html().contains("<td>(1000, 10)</td><td>(250, 10)</td>"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn to_html(&self) -> String {
        let g = match &self.inner.grid {
            Ok(g) => g,
            Err(e) => return format!("<div><strong>rask Array</strong> · invalid: {}</div>", escape_html(e)),
        };
        format!(
            "<div><strong>rask Array</strong> · <code>{}</code><table>\
             <tr><th></th><th>Array</th><th>Block</th></tr>\
             <tr><th>Bytes</th><td>{}</td><td>{}</td></tr>\
             <tr><th>Shape</th><td>{}</td><td>{}</td></tr>\
             <tr><th>Blocks</th><td colspan=\"2\">{} ({})</td></tr>\
             <tr><th>Type</th><td colspan=\"2\">{}</td></tr></table></div>",
            escape_html(&self.inner.name),
            bytes(self.nbytes()),
            bytes(self.chunk_bytes()),
            show(&g.shape),
            show(&g.chunksize()),
            self.nblocks(),
            show(&g.nblocks()),
            T::DTYPE
        )
    }

    /// Shows the array's description in the REPL (text) and the kernel (HTML).
    pub fn evcxr_display(&self) {
        crate::display::send(&crate::display::Show::forms(self));
    }
}

impl<T: Element> fmt::Display for Array<T> {
    /// `Array<float32>: shape (2000000, 128), blocks (262144, 128) x 8, 977 MiB (128 MiB per block)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.grid {
            Ok(g) => write!(
                f,
                "Array<{}>: shape {}, blocks {} x {}, {} ({} per block)",
                T::DTYPE,
                show(&g.shape),
                show(&g.chunksize()),
                self.nblocks(),
                bytes(self.nbytes()),
                bytes(self.chunk_bytes())
            ),
            Err(e) => write!(f, "Array<{}>: invalid: {e}", T::DTYPE),
        }
    }
}

impl<T: Element> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T: Element> crate::display::Show for Array<T> {
    fn forms(&self) -> crate::display::Forms {
        vec![("text/plain", self.to_string()), ("text/html", self.to_html())]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn readable_bytes() {
        assert_eq!(super::bytes(80), "80 B");
        assert_eq!(super::bytes(128 << 20), "128 MiB");
        assert_eq!(super::bytes(1_024_000_000), "977 MiB");
        assert_eq!(super::bytes(3 << 29), "1.50 GiB");
    }
}
