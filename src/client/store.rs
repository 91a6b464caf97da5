//! The results a client holds for its futures, per worker, under the memory limit.
//!
//! Like a Dask worker's data store: past `target` of a worker's limit, its least recently
//! used results whose type can be written to disk ([`crate::codec`]) are spilled; past
//! `pause`, the worker starts no new task until results are released or spilled. Nothing
//! is lost: a spilled result is read back from its file whenever it is needed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use super::future::Shared;
use crate::codec::{self, Codec};
use crate::error::{Error, Result};
use crate::key::Key;
use crate::value::Value;

/// A held result: in memory, or in a file.
#[derive(Clone)]
pub(crate) enum Held {
    Memory { id: u64, value: Value },
    Disk { id: u64, file: Arc<SpillFile>, codec: Codec },
}

impl Held {
    fn id(&self) -> u64 {
        match self {
            Held::Memory { id, .. } | Held::Disk { id, .. } => *id,
        }
    }
}

/// A file holding one spilled result, deleted when dropped.
pub(crate) struct SpillFile(PathBuf);

impl Drop for SpillFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The memory thresholds, as fractions of a worker's limit (Dask's defaults).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thresholds {
    pub(crate) target: f64,
    pub(crate) pause: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { target: 0.6, pause: 0.8 }
    }
}

struct Entry {
    shared: Weak<Shared>,
    worker: usize,
    bytes: u64,
    on_disk: bool,
    codec: Option<Codec>,
    last_used: u64,
}

/// Bytes per worker, for the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerMemory {
    /// Results held in memory.
    pub memory: u64,
    /// Results spilled to disk.
    pub spilled: u64,
    /// Whether the worker is paused (memory past the pause threshold).
    pub paused: bool,
}

#[derive(Default)]
struct State {
    entries: HashMap<u64, Entry>,
    workers: Vec<WorkerMemory>,
    clock: u64,
}

pub(crate) struct Store {
    /// Bytes per worker, if limited.
    limit: Option<u64>,
    thresholds: Thresholds,
    dir: PathBuf,
    state: Mutex<State>,
    released: Condvar,
    /// The last failure to write a result to disk.
    spill_error: Mutex<Option<String>>,
}

impl Store {
    pub(crate) fn new(workers: usize, limit: Option<u64>, thresholds: Thresholds, dir: PathBuf) -> Store {
        Store {
            limit,
            thresholds,
            dir,
            state: Mutex::new(State { workers: vec![WorkerMemory::default(); workers.max(1)], ..State::default() }),
            released: Condvar::new(),
            spill_error: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn workers(&self) -> Vec<WorkerMemory> {
        self.lock().workers.clone()
    }

    pub(crate) fn limit(&self) -> Option<u64> {
        self.limit
    }

    pub(crate) fn spill_error(&self) -> Option<String> {
        self.spill_error.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Takes `value` into the store for `shared`, on `worker`. Called with the future's
    /// state locked: it only counts; [`Store::balance`] spills afterwards.
    pub(crate) fn hold(&self, shared: &Arc<Shared>, value: Value, worker: usize) -> Held {
        // Unique in the process: clients may share a spill directory.
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let bytes = crate::value::nbytes(&*value) as u64;
        let codec = codec::codec_for(&value);
        let mut st = self.lock();
        let worker = worker % st.workers.len();
        st.clock += 1;
        let last_used = st.clock;
        st.workers[worker].memory += bytes;
        st.entries
            .insert(id, Entry { shared: Arc::downgrade(shared), worker, bytes, on_disk: false, codec, last_used });
        Held::Memory { id, value }
    }

    /// Reads a held value (from its file if it was spilled).
    pub(crate) fn read(&self, held: &Held, key: &Key) -> Result<Value> {
        {
            let mut st = self.lock();
            st.clock += 1;
            let now = st.clock;
            if let Some(e) = st.entries.get_mut(&held.id()) {
                e.last_used = now;
            }
        }
        match held {
            Held::Memory { value, .. } => Ok(value.clone()),
            Held::Disk { file, codec, .. } => {
                let io = |source| Error::Io { path: file.0.clone(), source };
                let f = std::fs::File::open(&file.0).map_err(io)?;
                (codec.decode)(&mut std::io::BufReader::new(f)).map_err(|source| Error::Io {
                    path: file.0.clone(),
                    source: std::io::Error::new(source.kind(), format!("reading back the result of '{key}': {source}")),
                })
            }
        }
    }

    /// Forgets a held value (its future was released).
    pub(crate) fn release(&self, held: &Held) {
        let mut st = self.lock();
        if let Some(e) = st.entries.remove(&held.id()) {
            let w = &mut st.workers[e.worker];
            if e.on_disk {
                w.spilled -= e.bytes;
            } else {
                w.memory -= e.bytes;
            }
        }
        drop(st);
        self.released.notify_all();
    }

    /// Spills the least recently used results of `worker` until its memory is under the
    /// target (or nothing more can be spilled).
    pub(crate) fn balance(&self, worker: usize) {
        let Some(limit) = self.limit else { return };
        let target = (limit as f64 * self.thresholds.target) as u64;
        loop {
            let victim = {
                let st = self.lock();
                let worker = worker % st.workers.len();
                if st.workers[worker].memory <= target {
                    break;
                }
                st.entries
                    .iter()
                    .filter(|(_, e)| e.worker == worker && !e.on_disk && e.codec.is_some())
                    .min_by_key(|(_, e)| e.last_used)
                    .map(|(&id, e)| (id, e.shared.clone(), e.codec))
            };
            let Some((id, shared, Some(codec))) = victim else { break };
            match shared.upgrade() {
                Some(shared) => {
                    if let Err(e) = self.spill(&shared, id, codec) {
                        // The value stays in memory; the dashboard shows why.
                        *self.spill_error.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some(format!("could not spill the result of '{}': {e}", shared.key));
                        break;
                    }
                }
                None => self.forget(id),
            }
        }
        self.update_pause(worker);
    }

    fn forget(&self, id: u64) {
        let mut st = self.lock();
        if let Some(e) = st.entries.remove(&id) {
            st.workers[e.worker].memory -= e.bytes;
        }
    }

    /// Writes one result to disk and swaps the future's held value for the file.
    /// The file is written without the future's lock held (a big frame takes a while, and
    /// the future's status, display and release must not wait for it); the swap happens
    /// only if the future still holds that value in memory.
    fn spill(&self, shared: &Arc<Shared>, id: u64, codec: Codec) -> std::io::Result<()> {
        let Some(value) = shared.held_in_memory(id) else { return Ok(()) };
        std::fs::create_dir_all(&self.dir)?;
        static ATTEMPT: AtomicU64 = AtomicU64::new(0);
        let path =
            self.dir.join(format!("{}-{id}-{}.bin", std::process::id(), ATTEMPT.fetch_add(1, Ordering::Relaxed)));
        // Deleted when dropped: on a failed write, or when the swap does not happen.
        let file = Arc::new(SpillFile(path));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file.0)?);
        (codec.encode)(&*value, &mut w)?;
        std::io::Write::flush(&mut w)?;
        drop((w, value));
        let swapped = shared.replace_held(|held| {
            matches!(held, Held::Memory { id: h, .. } if *h == id).then(|| Held::Disk { id, file: file.clone(), codec })
        });
        if !swapped {
            return Ok(());
        }
        let mut st = self.lock();
        if let Some(e) = st.entries.get_mut(&id)
            && !e.on_disk
        {
            e.on_disk = true;
            let (w, bytes) = (e.worker, e.bytes);
            st.workers[w].memory -= bytes;
            st.workers[w].spilled += bytes;
        }
        Ok(())
    }

    fn update_pause(&self, worker: usize) {
        let Some(limit) = self.limit else { return };
        let mut st = self.lock();
        let worker = worker % st.workers.len();
        let w = &mut st.workers[worker];
        w.paused = w.memory as f64 > limit as f64 * self.thresholds.pause;
    }

    /// Blocks while `worker` is paused: its memory is past the pause threshold after
    /// spilling. Released results wake it.
    pub(crate) fn wait_unpaused(&self, worker: usize) {
        let Some(limit) = self.limit else { return };
        let pause = (limit as f64 * self.thresholds.pause) as u64;
        self.balance(worker);
        let mut st = self.lock();
        let worker = worker % st.workers.len();
        while st.workers[worker].memory > pause {
            st.workers[worker].paused = true;
            st = self.released.wait_timeout(st, Duration::from_millis(100)).unwrap_or_else(PoisonError::into_inner).0;
        }
        st.workers[worker].paused = false;
    }
}
