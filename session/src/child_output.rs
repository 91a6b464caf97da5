//! The output of the process that runs cells, made exact for the session.
//!
//! evcxr reads that process's stdout and stderr through two pipes and two threads, so a line
//! a cell wrote to stderr could reach the session after evcxr had said the cell was done:
//! an error message printed after the next prompt, or in a notebook under the next cell.
//! In the child, [`route_in_child`] therefore sends stderr along with stdout: each stderr
//! line becomes a stdout line tagged with [`STDERR_TAG`], written before any stdout that
//! follows it, and never inside a content block. evcxr reads all of stdout before it
//! returns from a cell; the session splits the tagged lines back out.
//!
//! The same thread tells a cell that stopped at `?` or panicked from one that finished. To
//! evcxr such a cell succeeded: it prints the error on stderr and a marker line on stdout,
//! which evcxr reads and drops. Right after that marker the thread adds a content block of type
//! [`ERROR_MIME`], so the session finds the failure in the cell's outputs.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};

/// The MIME type of the block that marks a cell as failed.
pub(crate) const ERROR_MIME: &str = "application/vnd.rask.cell-error";

/// What starts a stdout line that carries a line of the cell's stderr.
pub(crate) const STDERR_TAG: &str = "\u{1f}rask-stderr ";

/// What evcxr's generated code prints on stdout when `?` stops a cell, and when it panics.
const MARKERS: [&[u8]; 2] = [b"EVCXR_ERROR_OCCURRED", b"EVCXR_PANIC_NOTIFICATION"];

/// How much of a stdout line tells whether it is one of the lines looked for.
const HEAD: usize = 25;

/// Run in the child before evcxr's loop: points stdout and stderr at pipes read by one
/// thread, which writes both to evcxr's stdout. On any failure the streams are left as
/// they are (failed cells then pass for finished ones, and stderr keeps its own pipe).
pub(crate) fn route_in_child() {
    let (Some((out, to_evcxr)), Some((err, _))) = (divert(1), divert(2)) else { return };
    // SAFETY: fcntl on a descriptor this process owns.
    unsafe { libc::fcntl(err.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    std::thread::spawn(move || Router::new(to_evcxr).run(out, err));
}

/// Points descriptor `fd` at a new pipe; returns the pipe's reading end and a descriptor
/// for where `fd` pointed before.
fn divert(fd: i32) -> Option<(File, File)> {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) writes two descriptors into `fds`; dup(2) and dup2(2) only take
    // descriptor numbers, and each one is owned by exactly one `File` below.
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return None;
        }
        let before = libc::dup(fd);
        if before < 0 || libc::dup2(fds[1], fd) < 0 {
            return None;
        }
        libc::close(fds[1]);
        Some((File::from_raw_fd(fds[0]), File::from_raw_fd(before)))
    }
}

/// Merges the two streams into evcxr's stdout.
struct Router {
    to_evcxr: File,
    /// The start of the stdout line being read (enough to recognise evcxr's lines).
    head: Vec<u8>,
    /// Whether stdout is inside a content block (stderr lines wait until it ends).
    in_block: bool,
    /// Whether part of a stdout line has been written (stderr lines wait until it ends).
    mid_line: bool,
    /// The stderr read so far that does not end a line yet.
    err_line: Vec<u8>,
}

impl Router {
    fn new(to_evcxr: File) -> Router {
        Router { to_evcxr, head: Vec::new(), in_block: false, mid_line: false, err_line: Vec::new() }
    }

    fn run(mut self, mut out: File, mut err: File) {
        let mut polled = [
            libc::pollfd { fd: out.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: err.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        ];
        let mut buf = [0u8; 8192];
        loop {
            // SAFETY: poll(2) on two descriptors this thread owns, in a live array.
            if unsafe { libc::poll(polled.as_mut_ptr(), 2, -1) } < 0 {
                continue;
            }
            if self.drain_stderr(&mut err, &mut buf).is_err() {
                return;
            }
            if polled[0].revents != 0 {
                match out.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if self.stdout(&buf[..n], &mut err).is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Reads all stderr available now and forwards its lines, tagged, unless stdout is in
    /// the middle of a line or a content block.
    fn drain_stderr(&mut self, err: &mut File, buf: &mut [u8]) -> std::io::Result<()> {
        loop {
            match err.read(buf) {
                Ok(0) => return Ok(()),
                Ok(n) => self.err_line.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.in_block || self.mid_line {
            return Ok(());
        }
        let Some(end) = self.err_line.iter().rposition(|&b| b == b'\n') else { return Ok(()) };
        let lines: Vec<u8> = self.err_line.drain(..=end).collect();
        let mut tagged = Vec::with_capacity(lines.len() + 16);
        for line in lines.split_inclusive(|&b| b == b'\n') {
            tagged.extend_from_slice(STDERR_TAG.as_bytes());
            tagged.extend_from_slice(line);
        }
        self.to_evcxr.write_all(&tagged)
    }

    /// Forwards a chunk of stdout line by line, each after the stderr that arrived before
    /// it, and the failure block after evcxr's marker.
    fn stdout(&mut self, chunk: &[u8], err: &mut File) -> std::io::Result<()> {
        let mut scratch = [0u8; 8192];
        let mut start = 0;
        for (i, &b) in chunk.iter().enumerate() {
            if b != b'\n' {
                if self.head.len() < HEAD {
                    self.head.push(b);
                }
                continue;
            }
            self.drain_stderr(err, &mut scratch)?;
            self.to_evcxr.write_all(&chunk[start..=i])?;
            start = i + 1;
            self.mid_line = false;
            if MARKERS.contains(&self.head.as_slice()) {
                let block = format!("EVCXR_BEGIN_CONTENT {ERROR_MIME}\n\nEVCXR_END_CONTENT\n");
                self.to_evcxr.write_all(block.as_bytes())?;
            } else if self.head.starts_with(b"EVCXR_BEGIN_CONTENT") {
                self.in_block = true;
            } else if self.head == b"EVCXR_END_CONTENT" {
                self.in_block = false;
            }
            self.head.clear();
        }
        if start < chunk.len() {
            self.drain_stderr(err, &mut scratch)?;
            self.to_evcxr.write_all(&chunk[start..])?;
            self.mid_line = true;
            return Ok(());
        }
        // What waited for this line's end.
        self.drain_stderr(err, &mut scratch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe: its reading end (not blocking) and its writing end.
    fn pipe() -> (File, File) {
        let mut fds = [0; 2];
        // SAFETY: pipe(2) writes two new descriptors, each owned by one `File`.
        unsafe {
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            libc::fcntl(fds[0], libc::F_SETFL, libc::O_NONBLOCK);
            (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1]))
        }
    }

    /// What the router wrote to evcxr.
    fn written(router: Router, mut from: File) -> String {
        drop(router);
        let mut text = String::new();
        from.read_to_string(&mut text).expect("read");
        text.replace(STDERR_TAG, "<err>")
    }

    #[test]
    fn stderr_comes_before_the_stdout_after_it_and_never_inside_a_block() {
        let ((from_router, to_evcxr), (mut err, mut cell_err)) = (pipe(), pipe());
        let mut router = Router::new(to_evcxr);
        cell_err.write_all(b"warning: one\n").expect("write");
        router.stdout(b"EVCXR_BEGIN_CONTENT text/plain\n", &mut err).expect("route");
        cell_err.write_all(b"two\n").expect("write");
        router.stdout(b"42\nEVCXR_END_CONTENT\n", &mut err).expect("route");
        cell_err.write_all(b"Error: three\n").expect("write");
        router.stdout(b"EVCXR_ERROR_OCCURRED\nEVCXR_EXECUTION_COMPLETE\n", &mut err).expect("route");
        assert_eq!(
            written(router, from_router),
            "<err>warning: one\nEVCXR_BEGIN_CONTENT text/plain\n42\nEVCXR_END_CONTENT\n<err>two\n\
             <err>Error: three\nEVCXR_ERROR_OCCURRED\n\
             EVCXR_BEGIN_CONTENT application/vnd.rask.cell-error\n\nEVCXR_END_CONTENT\n\
             EVCXR_EXECUTION_COMPLETE\n"
        );
    }

    #[test]
    fn a_stdout_line_written_in_two_parts_is_not_split_by_stderr() {
        let ((from_router, to_evcxr), (mut err, mut cell_err)) = (pipe(), pipe());
        let mut router = Router::new(to_evcxr);
        router.stdout(b"comp", &mut err).expect("route");
        cell_err.write_all(b"late\npartial").expect("write");
        router.stdout(b"uting\n", &mut err).expect("route");
        assert_eq!(written(router, from_router), "computing\n<err>late\n");
    }
}
