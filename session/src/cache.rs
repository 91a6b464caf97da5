//! The persistent build directory evcxr compiles cells in. It lives under `RASK_CACHE_DIR`
//! (default `$XDG_CACHE_HOME/rask`, else `~/.cache/rask`) so that rask and polars compile
//! once per machine. Each running session holds a lock on its directory; a second session
//! started meanwhile takes the next free one (`evcxr-1`, ...) instead of corrupting it,
//! starting from a copy of the first one's build.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::SessionError;

/// The file under the root that says a session has started with this cache.
const STARTED: &str = "started";

/// How many sessions can run at once, each with its own build directory.
const SLOTS: usize = 8;

/// A build directory this process holds the lock of (released when dropped).
pub struct CacheDir {
    path: PathBuf,
    _lock: File,
}

impl CacheDir {
    /// The cache's root directory.
    pub fn root() -> PathBuf {
        if let Some(dir) = std::env::var_os("RASK_CACHE_DIR") {
            return PathBuf::from(dir);
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("rask")
    }

    /// Whether a session has started with this cache before, so that starting one takes
    /// seconds rather than the minutes of compiling rask and polars.
    pub fn has_built() -> bool {
        Self::root().join(STARTED).exists()
    }

    /// Records that a session started (see [`CacheDir::has_built`]).
    pub(crate) fn mark_started(&self) {
        let _ = std::fs::write(Self::root().join(STARTED), "");
    }

    /// Claims the first build directory no other session holds.
    pub fn claim() -> Result<CacheDir, SessionError> {
        let root = Self::root();
        let fail = |path: &Path, e: std::io::Error| SessionError::Setup(format!("{}: {e}", path.display()));
        for slot in 0..SLOTS {
            let path = root.join(format!("evcxr-{slot}"));
            std::fs::create_dir_all(&path).map_err(|e| fail(&path, e))?;
            let lock_path = root.join(format!("evcxr-{slot}.lock"));
            let lock = File::create(&lock_path).map_err(|e| fail(&lock_path, e))?;
            if lock.try_lock().is_ok() {
                if slot > 0 {
                    seed(&root.join("evcxr-0"), &path);
                }
                return Ok(CacheDir { path, _lock: lock });
            }
        }
        Err(SessionError::Setup(format!("{}: {SLOTS} sessions are running already", root.display())))
    }

    /// The file the rustc wrapper names each crate it compiles in, for progress reports.
    pub(crate) fn build_log(&self) -> PathBuf {
        self.path.with_extension("build-log")
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Gives a build directory that has never been built in a copy of `warm`'s build (seconds,
/// where compiling rask and polars again takes minutes). Best effort: on failure the
/// session compiles as usual.
fn seed(warm: &Path, path: &Path) {
    let (from, to) = (warm.join("target"), path.join("target"));
    if to.exists() || !from.exists() {
        return;
    }
    let partial = path.join("target.partial");
    let _ = std::fs::remove_dir_all(&partial);
    let copied = std::process::Command::new("cp")
        .args(["-a", "--reflink=auto"])
        .arg(&from)
        .arg(&partial)
        .status()
        .is_ok_and(|s| s.success());
    if copied {
        let _ = std::fs::rename(&partial, &to);
    } else {
        let _ = std::fs::remove_dir_all(&partial);
    }
}
