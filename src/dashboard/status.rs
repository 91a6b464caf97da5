//! The JSON document the dashboard page draws, and the SVG of the latest graph.
//!
//! ```text
//! { "now": s, "threads": n, "live": bool,
//!   "layers":  [{"name", "total", "done", "failed", "running", "busy"}],
//!   "stream":  [{"t": thread, "k": key, "p": prefix, "s": start, "d": duration, "ok"}],
//!   "running": [{"t": thread, "k": key, "s": start}],
//!   "workers": [{"memory", "spilled", "paused"}], "limit": bytes | null,
//!   "spill_error": text | null }
//! ```
//! Times are seconds since the client (or report) started.

use std::fmt::Write;

use crate::client::Inner;
use crate::client::WorkerMemory;
use crate::client::monitor::Snapshot;
use crate::visualize::{Color, Renderer, Visualize};

/// How many of the latest finished tasks the live page gets.
const LIVE_STREAM: usize = 2_000;

/// The status of a live client.
pub(super) fn live(client: &Inner) -> String {
    let snap = client.monitor.snapshot();
    let skip = snap.stream.len().saturating_sub(LIVE_STREAM);
    json(&snap, skip, &client.store.workers(), client.store.limit(), client.store.spill_error().as_deref(), true)
}

/// The document for `snap`, leaving out the first `skip` tasks of its stream.
pub(super) fn json(
    snap: &Snapshot,
    skip: usize,
    workers: &[WorkerMemory],
    limit: Option<u64>,
    spill_error: Option<&str>,
    live: bool,
) -> String {
    let mut out = String::with_capacity(256 + 96 * (snap.stream.len() - skip));
    let _ = write!(
        out,
        "{{\"now\":{:.4},\"threads\":{},\"live\":{live},\"layers\":[",
        snap.now.as_secs_f64(),
        snap.threads
    );
    for (i, (name, l)) in snap.layers.iter().enumerate() {
        let _ = write!(
            out,
            "{}{{\"name\":{},\"total\":{},\"done\":{},\"failed\":{},\"running\":{},\"busy\":{:.4}}}",
            comma(i),
            string(name),
            l.total,
            l.done,
            l.failed,
            l.running,
            l.busy.as_secs_f64()
        );
    }
    out.push_str("],\"stream\":[");
    for (i, r) in snap.stream.iter().skip(skip).enumerate() {
        let _ = write!(
            out,
            "{}{{\"t\":{},\"k\":{},\"p\":{},\"s\":{:.6},\"d\":{:.6},\"ok\":{}}}",
            comma(i),
            r.thread,
            string(&r.key),
            string(&r.prefix),
            r.start.as_secs_f64(),
            r.duration.as_secs_f64(),
            r.ok
        );
    }
    out.push_str("],\"running\":[");
    for (i, (t, k, s)) in snap.running.iter().enumerate() {
        let _ = write!(out, "{}{{\"t\":{t},\"k\":{},\"s\":{:.6}}}", comma(i), string(k), s.as_secs_f64());
    }
    out.push_str("],\"workers\":[");
    for (i, w) in workers.iter().enumerate() {
        let _ =
            write!(out, "{}{{\"memory\":{},\"spilled\":{},\"paused\":{}}}", comma(i), w.memory, w.spilled, w.paused);
    }
    let _ = write!(
        out,
        "],\"limit\":{},\"spill_error\":{}}}",
        limit.map_or("null".into(), |l| l.to_string()),
        spill_error.map_or("null".into(), string)
    );
    out
}

fn comma(i: usize) -> &'static str {
    if i == 0 { "" } else { "," }
}

/// A JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c == '<' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The latest computation's graph, coloured by task state (big graphs one box per layer).
pub(super) fn graph_svg(client: &Inner) -> Option<String> {
    let graph = client.monitor.graph()?;
    let options = Visualize::new().color(Color::State).renderer(Renderer::Builtin);
    crate::visualize::render_svg(&graph, &options).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\n</script>"), "\"a\\\"b\\\\c\\n\\u003c/script>\"");
    }
}
