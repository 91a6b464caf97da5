//! Process-wide settings (like `dask.config`): the memory budget and where spilled data goes.
//!
//! ```
//! rask::config::set_memory_limit(Some(512 << 20)); // 512 MiB
//! assert_eq!(rask::config::memory_limit(), Some(512 << 20));
//! rask::config::set_memory_limit(None);
//! ```

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// 0 stands for "no limit".
static MEMORY_LIMIT: AtomicU64 = AtomicU64::new(0);
static SPILL_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Sets the memory budget in bytes (`None`: no budget, the default).
///
/// With a budget, DataFrames created afterwards read CSV files in blocks small enough that
/// the partitions running at once fit in it, sorts sample their keys without holding every
/// partition, and shuffles write the pieces they hold to disk ([`spill_dir`]) rather than
/// keep more than half the budget in memory.
pub fn set_memory_limit(bytes: Option<u64>) {
    MEMORY_LIMIT.store(bytes.unwrap_or(0), Ordering::Relaxed);
}

/// The memory budget in bytes, if one is set.
pub fn memory_limit() -> Option<u64> {
    match MEMORY_LIMIT.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    }
}

/// Sets the directory shuffles spill to (`None`: a `rask-spill` directory in the system's
/// temporary directory).
pub fn set_spill_dir(dir: Option<PathBuf>) {
    *SPILL_DIR.lock().unwrap_or_else(|p| p.into_inner()) = dir;
}

/// The directory shuffles spill to.
pub fn spill_dir() -> PathBuf {
    SPILL_DIR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("rask-spill"))
}
