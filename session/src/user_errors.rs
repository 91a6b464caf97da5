//! Telling a cell that stopped at `?` from one that finished.
//!
//! To evcxr such a cell succeeded: its child prints the error on stderr and a marker line
//! on stdout, which evcxr reads and drops. In the child, stdout passes through a thread
//! that adds a content block of type [`ERROR_MIME`] right after that marker (still before
//! the end of the cell's output), so the session finds the failure in the cell's outputs.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;

/// The MIME type of the block that marks a cell as failed.
pub(crate) const ERROR_MIME: &str = "application/vnd.rask.cell-error";

/// What evcxr's generated code prints on stdout when `?` stops a cell.
const MARKER: &[u8] = b"EVCXR_ERROR_OCCURRED";

/// Run in the child before evcxr's loop: routes stdout through the marking thread. On any
/// failure stdout is left as it is (failed cells then pass for finished ones).
pub(crate) fn mark_in_child() {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) writes two descriptors into `fds`; dup(2) and dup2(2) only take
    // descriptor numbers, and each one is owned by exactly one `File` below.
    let (mut from_cells, mut to_evcxr) = unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return;
        }
        let stdout = libc::dup(1);
        if stdout < 0 || libc::dup2(fds[1], 1) < 0 {
            return;
        }
        libc::close(fds[1]);
        (File::from_raw_fd(fds[0]), File::from_raw_fd(stdout))
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        let mut line = Vec::with_capacity(MARKER.len() + 1);
        while let Ok(n) = from_cells.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut start = 0;
            for (i, &b) in buf[..n].iter().enumerate() {
                if b != b'\n' {
                    if line.len() <= MARKER.len() {
                        line.push(b);
                    }
                    continue;
                }
                if line == MARKER {
                    let block = format!("EVCXR_BEGIN_CONTENT {ERROR_MIME}\n\nEVCXR_END_CONTENT\n");
                    let _ = to_evcxr.write_all(&buf[start..=i]).and_then(|()| to_evcxr.write_all(block.as_bytes()));
                    start = i + 1;
                }
                line.clear();
            }
            if to_evcxr.write_all(&buf[start..n]).is_err() {
                break;
            }
        }
    });
}
