//! What the child shows besides lines of text: values displayed mid-cell, and updates of
//! values shown earlier.
//!
//! During a cell, rask's `display`, `clear_output` and the notebook's progress bar write
//! tagged lines on the child's standard output, so they keep their place among the
//! cell's prints; [`Parser`] turns them back into [`Output`]s.
//!
//! Between cells (a future that ends later), updates come on the display channel. The
//! session listens on a Unix socket whose path it gives the child in
//! `RASK_DISPLAY_SOCKET` (see rask's `display` module for the frame format) and hands each
//! complete update to the front end through [`crate::Session::display_updates`]: the REPL
//! prints the final state of a future above its prompt, the kernel sends
//! `update_display_data`.

use std::collections::HashMap;

use crate::Stream;

/// What the process that runs cells printed or showed, in the order it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<'a> {
    /// A line of text.
    Line(Stream, &'a str),
    /// A value shown mid-cell (rask's `display`), in its forms by MIME type; it carries a
    /// [`DISPLAY_ID_MIME`] form when it will be updated later.
    Display(HashMap<String, String>),
    /// New forms for the value shown earlier under the id in their [`DISPLAY_ID_MIME`] form.
    Update(HashMap<String, String>),
    /// Clear the cell's output (rask's `clear_output`); with `wait`, once the next output
    /// arrives.
    Clear {
        /// Whether to wait for the next output.
        wait: bool,
    },
}

/// What starts a stdout line that carries a display (rask's `display::TAG`).
const TAG: &str = "\u{1f}rask-display\t";

/// Gathers the tagged lines of one display: `TAG mime<TAB>content` per form (content
/// escaped), then `TAG SHOW|UPDATE|CLEAR|CLEAR-WAIT<TAB>0`.
#[derive(Default)]
pub(crate) struct Parser {
    forms: HashMap<String, String>,
}

impl Parser {
    /// Passes `line` on to `out`: as a line of text, or, when it carries a display, as the
    /// output it completes (if any). Text printed before a display on the same line (a
    /// `print!` without a newline) comes out as a line first.
    pub(crate) fn take(&mut self, line: &str, out: &mut dyn FnMut(Output<'_>)) {
        let Some(at) = line.find(TAG) else { return out(Output::Line(Stream::Stdout, line)) };
        if at > 0 {
            out(Output::Line(Stream::Stdout, &line[..at]));
        }
        let rest = &line[at + TAG.len()..];
        let (kind, content) = rest.split_once('\t').unwrap_or((rest, ""));
        match kind {
            "SHOW" => out(Output::Display(std::mem::take(&mut self.forms))),
            "UPDATE" => out(Output::Update(std::mem::take(&mut self.forms))),
            "CLEAR" | "CLEAR-WAIT" => out(Output::Clear { wait: kind == "CLEAR-WAIT" }),
            mime => drop(self.forms.insert(mime.to_string(), unescape(content))),
        }
    }
}

/// Undoes rask's escaping of backslashes, newlines and carriage returns.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}
use std::io::{BufRead, BufReader, Read};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;

/// The variable that tells rask in the child where the socket is (rask's `DISPLAY_SOCKET`).
pub(crate) const SOCKET_VAR: &str = "RASK_DISPLAY_SOCKET";

/// The MIME type under which a displayed value gives its display id (rask's
/// `DISPLAY_ID_MIME`); front ends that cannot update in place may ignore it.
pub const DISPLAY_ID_MIME: &str = "application/vnd.rask.display-id";

/// New forms for a value displayed earlier under `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayUpdate {
    /// The id the value was displayed with (its [`DISPLAY_ID_MIME`] form).
    pub id: String,
    /// The new forms by MIME type (`text/plain`, `text/html`).
    pub content: HashMap<String, String>,
    /// Whether this is the value's final state (a future that ended).
    pub last: bool,
}

/// The socket, bound before the child starts.
pub(crate) struct Channel {
    listener: UnixListener,
    path: PathBuf,
}

impl Channel {
    /// Binds a fresh socket in the temporary directory.
    pub(crate) fn bind() -> std::io::Result<Channel> {
        let path = std::env::temp_dir().join(format!("rask-display-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        Ok(Channel { listener, path })
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Accepts the child's connections (a restarted child connects again) on a thread of
    /// its own and sends every update to `updates`.
    pub(crate) fn serve(self, updates: crossbeam_channel::Sender<DisplayUpdate>) {
        std::thread::spawn(move || {
            for conn in self.listener.incoming().flatten() {
                let updates = updates.clone();
                std::thread::spawn(move || read_updates(conn, &updates));
            }
        });
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads frames until the child closes the connection.
fn read_updates(conn: UnixStream, updates: &crossbeam_channel::Sender<DisplayUpdate>) {
    let mut reader = BufReader::new(conn);
    let mut content = HashMap::new();
    let mut header = String::new();
    loop {
        header.clear();
        if reader.read_line(&mut header).map_or(true, |n| n == 0) {
            return;
        }
        let mut fields = header.trim_end_matches('\n').splitn(3, '\t');
        let (Some(id), Some(mime), Some(len)) = (fields.next(), fields.next(), fields.next()) else { return };
        let Ok(len) = len.parse::<usize>() else { return };
        if mime == "END" || mime == "LAST" {
            let update =
                DisplayUpdate { id: id.to_string(), content: std::mem::take(&mut content), last: mime == "LAST" };
            if updates.send(update).is_err() {
                return;
            }
            continue;
        }
        let mut bytes = vec![0; len];
        if reader.read_exact(&mut bytes).is_err() {
            return;
        }
        content.insert(mime.to_string(), String::from_utf8_lossy(&bytes).into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn tagged_lines_become_displays() {
        let mut parser = Parser::default();
        let mut seen: Vec<String> = Vec::new();
        let lines = [
            "plain",
            "\u{1f}rask-display\ttext/plain\ta\\nb \\\\ c",
            "Result: \u{1f}rask-display\tSHOW\t0",
            "\u{1f}rask-display\tCLEAR-WAIT\t0",
        ];
        for line in lines {
            parser.take(line, &mut |out| seen.push(format!("{out:?}")));
        }
        let shown = Output::Display(HashMap::from([("text/plain".to_string(), "a\nb \\ c".to_string())]));
        let expected = [
            format!("{:?}", Output::Line(Stream::Stdout, "plain")),
            format!("{:?}", Output::Line(Stream::Stdout, "Result: ")),
            format!("{shown:?}"),
            format!("{:?}", Output::Clear { wait: true }),
        ];
        assert_eq!(seen, expected);
    }

    #[test]
    fn frames_become_updates() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let (mut a, b) = UnixStream::pair().expect("a pair");
        let reader = std::thread::spawn(move || read_updates(b, &tx));
        a.write_all(b"f-1\ttext/plain\t8\nrunning\nf-1\tEND\t0\nf-1\ttext/plain\t8\nfinished").expect("write");
        a.write_all(b"f-1\ttext/html\t4\n<b>xf-1\tLAST\t0\n").expect("write");
        drop(a);
        reader.join().expect("reader");
        let first = rx.recv().expect("an update");
        assert_eq!((first.id.as_str(), first.content["text/plain"].as_str(), first.last), ("f-1", "running\n", false));
        let second = rx.recv().expect("an update");
        assert_eq!(second.content["text/plain"], "finished");
        assert_eq!(second.content["text/html"], "<b>x");
        assert!(second.last);
        assert!(rx.recv().is_err());
    }
}
