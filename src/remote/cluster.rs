//! A Dask cluster as the engine of a run: a Python helper process (`rask_worker.helper`,
//! from the worker runtime's package, started through [`BOOTSTRAP`]) holds a
//! `distributed.Client`; this side sends it graphs of recipes and reads back results, errors
//! and task reports.
//!
//! Frames on the helper's stdin and stdout are a `u32` length and a body whose first byte
//! says what it is (layout in [`super::wire`]):
//!
//! - to the helper: `G` a graph (job id, tasks with their key, recipe or data and inputs,
//!   outputs), `X` cancel a job;
//! - from it: `H` hello (JSON: versions, workers, dashboard), `R` a job's outputs, `E` a job's
//!   error (the failing task and its message), `T` a task finished on a worker.
//!
//! The helper's stderr passes through to ours, so Dask's own warnings stay visible.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::wire::{Reader, Writer};
use crate::codec;
use crate::error::{Error, Result, TaskError};
use crate::events::{Event, Listener, Outcome};
use crate::plan::TaskGraph;
use crate::scheduler::{CancelToken, Scheduler};
use crate::value::Value;

use super::VERSION;

/// Starts the helper, or says in an `E` frame that the runtime is not installed in this
/// Python (which `python -m` would only say on stderr).
const BOOTSTRAP: &str = r#"
import struct, sys
try:
    from rask_worker.helper import main
except ImportError as e:
    m = f"rask's worker runtime is not installed in {sys.executable} ({e}): pip install distributed ./worker".encode()
    body = b"E" + struct.pack("<QII", 0, 0xFFFFFFFF, len(m)) + m
    sys.stdout.buffer.write(struct.pack("<I", len(body)) + body)
    sys.stdout.buffer.flush()
    sys.exit(1)
sys.exit(main())
"#;

/// Where to find the cluster: an existing scheduler, or a local one to start.
pub(crate) enum Target {
    /// `tcp://host:8786` (or `tls://…`).
    Address(String),
    /// A Dask `LocalCluster` of this many worker processes.
    Local(usize),
}

/// What the helper reported when it connected.
#[derive(Debug, Clone)]
pub(crate) struct Info {
    pub(crate) scheduler: String,
    pub(crate) dashboard: Option<String>,
    /// Each worker's address and its thread count.
    pub(crate) workers: Vec<(String, usize)>,
}

/// A message from the helper about one job.
enum Reply {
    Done(Vec<Vec<u8>>),
    /// The task at this index (or none: the cluster failed) and the message.
    Failed(Option<u32>, String),
    /// The task at this index finished on `worker` after `seconds`, giving `nbytes`.
    Task {
        index: u32,
        worker: usize,
        seconds: f64,
        nbytes: usize,
    },
}

/// The jobs waiting for replies; `None` once the helper's output has ended (no reply will
/// come, so no job may start waiting).
type Jobs = Arc<Mutex<Option<HashMap<u64, Sender<Reply>>>>>;

/// How long the helper may take to connect (a LocalCluster starts its workers meanwhile).
const HELLO_WITHIN: Duration = Duration::from_secs(180);

/// A running helper process and the jobs waiting for it.
pub(crate) struct Cluster {
    child: Mutex<Child>,
    /// Taken (closed) when the cluster is dropped.
    stdin: Mutex<Option<ChildStdin>>,
    jobs: Jobs,
    next_job: AtomicU64,
    pub(crate) info: Info,
}

fn cluster_error(why: impl Into<String>) -> Error {
    Error::Cluster(why.into())
}

/// The error of a task that is a closure (only this process can run it), sent to a cluster.
pub(crate) fn closure_error(key: &crate::key::Key) -> Error {
    cluster_error(format!(
        "task '{key}' is a closure, which only this process can run; to run it on the cluster, register \
         the function (rask::remote::register(\"name\", f)) in a crate the worker runtime links, and call \
         it through the handle register returns (a closure given to a collection, as to map_partitions \
         or mapv, runs only here)"
    ))
}

impl Cluster {
    /// Starts the helper and waits for its hello; checks every worker's rask version.
    pub(crate) fn start(target: Target) -> Result<Cluster> {
        let python = std::env::var("RASK_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(&python);
        cmd.args(["-c", BOOTSTRAP, "--version", VERSION, "--session", &session_token()]);
        // Its own process group: Ctrl-C at a terminal stops the cell's computation, not the
        // helper (nor a LocalCluster's workers, started from it).
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        match &target {
            Target::Address(a) => cmd.args(["--address", a]),
            Target::Local(n) => cmd.args(["--local", &n.to_string()]),
        };
        let mut child =
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().map_err(|e| {
                cluster_error(format!(
                    "could not start {python} ({e}): a cluster needs Python with `distributed` and rask's worker \
                 runtime (pip install distributed ./worker); set RASK_PYTHON to choose the interpreter"
                ))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Error::Internal("the helper's pipes were not set up".into()));
        };
        // The reader hands over the first frame, then reads the replies of jobs.
        let jobs: Jobs = Arc::new(Mutex::new(Some(HashMap::new())));
        let (first_tx, first_rx) = channel();
        let reader_jobs = jobs.clone();
        std::thread::Builder::new()
            .name("rask-cluster-reader".into())
            .spawn(move || {
                let mut stdout = BufReader::new(stdout);
                let _ = first_tx.send(read_frame(&mut stdout).ok().flatten());
                read_replies(stdout, reader_jobs)
            })
            .map_err(|e| Error::Internal(format!("could not start the cluster reader: {e}")))?;
        let hello = match first_rx.recv_timeout(HELLO_WITHIN) {
            Ok(Some(body)) if body.first() == Some(&b'H') => body,
            Ok(Some(body)) if body.first() == Some(&b'E') => {
                let _ = child.wait();
                let mut r = Reader::new(&body[1..]);
                let why = r.u64().and_then(|_| r.u32()).and_then(|_| r.str().map(str::to_string));
                return Err(cluster_error(why.unwrap_or_else(|e| e)));
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(cluster_error(format!(
                    "the helper did not connect within {} s (its messages are above)",
                    HELLO_WITHIN.as_secs()
                )));
            }
            Ok(_) => {
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(cluster_error(format!(
                    "the helper (rask_worker.helper in {python}) stopped before connecting ({status}); its \
                     messages are above"
                )));
            }
        };
        let info = match parse_hello(&hello[1..]) {
            Ok(info) => info,
            Err(e) => {
                drop(stdin); // the helper exits when its input ends
                wait_briefly(&mut child);
                return Err(e);
            }
        };
        Ok(Cluster {
            child: Mutex::new(child),
            stdin: Mutex::new(Some(stdin)),
            jobs,
            next_job: AtomicU64::new(1),
            info,
        })
    }

    /// How many threads the workers have in all.
    pub(crate) fn threads(&self) -> usize {
        self.info.workers.iter().map(|(_, t)| t).sum()
    }

    fn send(&self, body: &[u8]) -> Result<()> {
        let mut stdin = self.stdin.lock().unwrap_or_else(PoisonError::into_inner);
        let stdin = stdin.as_mut().ok_or_else(|| cluster_error("the cluster was closed"))?;
        stdin
            .write_all(&(body.len() as u32).to_le_bytes())
            .and_then(|()| stdin.write_all(body))
            .and_then(|()| stdin.flush())
            .map_err(|e| cluster_error(format!("the helper process is gone ({e})")))
    }

    /// Runs `graph` on the cluster and returns its outputs' values, in order. Every task
    /// must have a recipe; held values and futures' results are sent along as data.
    pub(crate) fn run(
        &self,
        graph: &TaskGraph,
        token: &CancelToken,
        listeners: &[Arc<dyn Listener>],
    ) -> Result<Vec<Value>> {
        let job = self.next_job.fetch_add(1, Ordering::Relaxed);
        let body = encode_graph(job, graph)?;
        let (tx, rx) = channel();
        match self.jobs.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            Some(jobs) => jobs.insert(job, tx),
            None => return Err(cluster_error("the helper process is gone (its messages are above)")),
        };
        static NEXT_RUN: AtomicU64 = AtomicU64::new(1 << 32);
        let run = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
        let emit = |e: &Event<'_>| listeners.iter().for_each(|l| l.on_event(e));
        let tasks = graph.nodes.iter().filter(|n| n.is_task()).count();
        emit(&Event::RunStarted { run, tasks, scheduler: Scheduler::Cluster });
        let started = Instant::now();
        let out = self.send(&body).and_then(|()| self.wait(job, &rx, graph, token, run, &emit));
        if let Some(jobs) = self.jobs.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            jobs.remove(&job);
        }
        let outcome = match &out {
            Ok(_) => Outcome::Completed,
            Err(Error::Cancelled) => Outcome::Cancelled,
            Err(_) => Outcome::Failed,
        };
        emit(&Event::RunFinished { run, elapsed: started.elapsed(), outcome });
        out
    }

    fn wait(
        &self,
        job: u64,
        rx: &Receiver<Reply>,
        graph: &TaskGraph,
        token: &CancelToken,
        run: u64,
        emit: &dyn Fn(&Event<'_>),
    ) -> Result<Vec<Value>> {
        loop {
            if token.is_cancelled() {
                let mut w = Writer::default();
                w.u8(b'X');
                w.u64(job);
                let _ = self.send(&w.into_inner());
                return Err(Error::Cancelled);
            }
            let reply = match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(reply) => reply,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(cluster_error("the helper process stopped during the run (its messages are above)"));
                }
            };
            match reply {
                Reply::Task { index, worker, seconds, nbytes } => {
                    if let Some(node) = graph.nodes.get(index as usize) {
                        let duration = Duration::from_secs_f64(seconds.max(0.0));
                        let start = Instant::now().checked_sub(duration).unwrap_or_else(Instant::now);
                        emit(&Event::TaskStarted { run, key: &node.key, worker });
                        emit(&Event::TaskFinished { run, key: &node.key, worker, start, duration, nbytes });
                    }
                }
                Reply::Failed(Some(index), message) if (index as usize) < graph.len() => {
                    let node = &graph.nodes[index as usize];
                    // The worker wrote the TaskError's text: `failed: …` or `panicked: …`.
                    let source = match message.strip_prefix("panicked: ") {
                        Some(m) => TaskError::Panicked(m.to_string()),
                        None => TaskError::Failed(message.strip_prefix("failed: ").unwrap_or(&message).into()),
                    };
                    emit(&Event::TaskFailed { run, key: &node.key, worker: 0, error: &source });
                    return Err(Error::Task { key: node.key.clone(), source });
                }
                Reply::Failed(_, message) => return Err(cluster_error(message)),
                Reply::Done(outputs) => {
                    return outputs
                        .iter()
                        .zip(&graph.outputs)
                        .map(|(b, &o)| {
                            codec::decode_tagged(b).map_err(|e| {
                                let key = &graph.nodes[o as usize].key;
                                cluster_error(format!("the result of '{key}' could not be read: {e}"))
                            })
                        })
                        .collect();
                }
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Closing stdin tells the helper to close its client (and a local cluster) and exit.
        drop(self.stdin.lock().unwrap_or_else(PoisonError::into_inner).take());
        wait_briefly(&mut self.child.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Waits up to 10 s for the helper to exit, then kills it.
fn wait_briefly(child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The `G` frame of `graph`: tasks in graph order (inputs first), then the outputs.
fn encode_graph(job: u64, graph: &TaskGraph) -> Result<Vec<u8>> {
    use crate::node::Op;
    let mut w = Writer::default();
    w.u8(b'G');
    w.u64(job);
    w.u32(graph.len() as u32);
    for (i, node) in graph.nodes.iter().enumerate() {
        let (name, index) = node.key.wire_parts();
        w.str(&name);
        w.u32(index.len() as u32);
        index.iter().for_each(|&x| w.u64(x));
        let data = |v: &Value| -> Result<Vec<u8>> {
            codec::encode_tagged(v)
                .ok_or_else(|| {
                    cluster_error(format!(
                        "'{}' holds a value without a codec, so it cannot be sent to the workers \
                         (register one with rask::client::register_spill)",
                        node.key
                    ))
                })?
                .map_err(|e| cluster_error(format!("'{}' could not be encoded: {e}", node.key)))
        };
        match (&node.op, &node.recipe) {
            (Op::Call(_), Some(recipe)) => {
                w.u8(0);
                let recipe = recipe.encode().map_err(|why| cluster_error(format!("task '{}': {why}", node.key)))?;
                w.bytes(&recipe).map_err(|why| cluster_error(format!("task '{}': {why}", node.key)))?;
            }
            (Op::Call(_), None) => return Err(closure_error(&node.key)),
            (Op::Value(v), _) => {
                w.u8(1);
                w.bytes(&data(v)?).map_err(|why| cluster_error(format!("'{}': {why}", node.key)))?;
            }
            (Op::Future(h), _) => {
                w.u8(1);
                w.bytes(&data(&h.0.value()?)?).map_err(|why| cluster_error(format!("'{}': {why}", node.key)))?;
            }
        }
        let deps = graph.deps_of(i as u32);
        w.u32(deps.len() as u32);
        deps.iter().for_each(|&d| w.u32(d));
    }
    w.u32(graph.outputs.len() as u32);
    graph.outputs.iter().for_each(|&o| w.u32(o));
    Ok(w.into_inner())
}

fn parse_hello(body: &[u8]) -> Result<Info> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| cluster_error(format!("the helper's hello is not JSON ({e}): client and helper differ?")))?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let workers: Vec<(String, usize, String)> = v
        .get("workers")
        .and_then(|w| w.as_array())
        .map(|ws| {
            ws.iter()
                .map(|w| {
                    let s = |k: &str| w.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_string();
                    (s("address"), w.get("threads").and_then(|t| t.as_u64()).unwrap_or(1) as usize, s("version"))
                })
                .collect()
        })
        .unwrap_or_default();
    let helper = text("version").unwrap_or_default();
    if helper != VERSION {
        return Err(cluster_error(format!(
            "the helper runs rask-worker {helper} and this program rask {VERSION}: install the worker runtime of \
             the same version"
        )));
    }
    if let Some((address, _, version)) = workers.iter().find(|(_, _, v)| v != VERSION) {
        return Err(cluster_error(format!(
            "worker {address} runs rask-worker {version} and this program rask {VERSION}: install the same \
             version on every worker"
        )));
    }
    Ok(Info {
        scheduler: text("scheduler").unwrap_or_default(),
        dashboard: text("dashboard"),
        workers: workers.into_iter().map(|(a, t, _)| (a, t)).collect(),
    })
}

/// Reads one frame, or `None` at the end of the stream.
fn read_frame(r: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut body = vec![0; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Hands each reply to its job until the helper's stdout closes; then every waiting job
/// learns that the helper is gone (its sender is dropped).
fn read_replies(mut stdout: impl Read, jobs: Jobs) {
    while let Ok(Some(body)) = read_frame(&mut stdout) {
        let Some((&kind, rest)) = body.split_first() else { continue };
        let mut r = Reader::new(rest);
        let Ok(job) = r.u64() else { continue };
        let reply = match kind {
            b'R' => r.u32().and_then(|n| (0..n).map(|_| r.bytes().map(<[u8]>::to_vec)).collect()).map(Reply::Done),
            b'E' => r.u32().and_then(|i| {
                let message = r.str()?.to_string();
                Ok(Reply::Failed((i != u32::MAX).then_some(i), message))
            }),
            b'T' => (|| {
                let index = r.u32()?;
                let worker = r.u32()? as usize;
                let micros = r.u64()?;
                let nbytes = r.u64()? as usize;
                Ok(Reply::Task { index, worker, seconds: micros as f64 / 1e6, nbytes })
            })(),
            _ => continue,
        };
        let Ok(reply) = reply else { continue };
        if let Some(tx) = jobs.lock().unwrap_or_else(PoisonError::into_inner).as_ref().and_then(|j| j.get(&job)) {
            let _ = tx.send(reply);
        }
    }
    // Dropping the senders tells every waiting job; `None` keeps new ones from waiting.
    jobs.lock().unwrap_or_else(PoisonError::into_inner).take();
}

/// A token unique to this client among the clients of a cluster: keys end in it, so two
/// programs never share a key (Dask would give the second the first one's value).
fn session_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    format!("{:08x}", h.finish() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(helper: &str, workers: &[(&str, &str)]) -> Vec<u8> {
        let workers: Vec<serde_json::Value> =
            workers.iter().map(|(a, v)| serde_json::json!({"address": a, "threads": 2, "version": v})).collect();
        serde_json::json!({"version": helper, "scheduler": "tcp://s:8786", "dashboard": null, "workers": workers})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn a_hello_is_read_and_versions_are_checked() {
        let info = parse_hello(&hello(VERSION, &[("tcp://a:1", VERSION), ("tcp://b:2", VERSION)])).expect("valid");
        assert_eq!(info.scheduler, "tcp://s:8786");
        assert_eq!(info.workers, [("tcp://a:1".to_string(), 2), ("tcp://b:2".to_string(), 2)]);
        assert_eq!(info.dashboard, None);

        let err =
            parse_hello(&hello(VERSION, &[("tcp://a:1", VERSION), ("tcp://b:2", "0.0.1")])).expect_err("a mismatch");
        assert_eq!(
            err.to_string(),
            format!(
                "cluster: worker tcp://b:2 runs rask-worker 0.0.1 and this program rask {VERSION}: install the \
                 same version on every worker"
            )
        );
        let err = parse_hello(&hello("9.9.9", &[])).expect_err("a mismatch");
        assert!(err.to_string().starts_with("cluster: the helper runs rask-worker 9.9.9"), "{err}");
        assert!(parse_hello(b"not json").is_err());
    }

    #[test]
    fn frames_are_read_whole_or_not_at_all() {
        let mut bytes = 3u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"abc");
        let mut r = &bytes[..];
        assert_eq!(read_frame(&mut r).expect("reads"), Some(b"abc".to_vec()));
        assert_eq!(read_frame(&mut r).expect("the end"), None);
        let mut short = &bytes[..5];
        assert!(read_frame(&mut short).is_err(), "a frame cut short is an error");
    }
}
