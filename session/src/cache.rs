//! The persistent build directory evcxr compiles cells in. It lives under `RASK_CACHE_DIR`
//! (default `$XDG_CACHE_HOME/rask`, else `~/.cache/rask`) so that rask and polars compile
//! once per machine. Each running session holds a lock on its directory; a second session
//! started meanwhile takes the next free one (`evcxr-1`, ...) instead of corrupting it.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::SessionError;

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
                return Ok(CacheDir { path, _lock: lock });
            }
        }
        Err(SessionError::Setup(format!("{}: {SLOTS} sessions are running already", root.display())))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
