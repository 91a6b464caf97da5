//! rask graphs on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
//! loopback, with the worker runtime packed into a wheel (`wheel.py`, from the module cargo
//! built for these tests, as maturin packs it) and installed with pip, as a user would. Each
//! computation is compared with the local scheduler's answer.
//!
//! The Python side (distributed) comes from `tests/requirements.txt`, in
//! `target/ci-venv` (`.ci/run` makes it; made here if missing). Tests share one cluster and
//! run one at a time, so that the killed-worker test does not take workers from the others.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use rask::prelude::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The venv's Python, with distributed, and the worker runtime's wheel
/// (built from this tree) installed.
fn python() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let venv = workspace().join("target/ci-venv");
            let python = venv.join("bin/python");
            let has = |p: &Path| {
                Command::new(p).args(["-c", "import distributed"]).output().is_ok_and(|o| o.status.success())
            };
            if !has(&python) {
                let made = python.exists()
                    || Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success());
                let pip = made
                    && Command::new(&python)
                        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r"])
                        .arg(workspace().join("tests/requirements.txt"))
                        .status()
                        .is_ok_and(|s| s.success());
                assert!(pip && has(&python), "could not make {} with tests/requirements.txt", venv.display());
            }
            // The module cargo built for these tests (deps/librask_worker.so, beside this
            // test's binary), packed as maturin packs it.
            let exe = std::env::current_exe().expect("the test's path");
            let native = exe.parent().expect("target/<profile>/deps").join("librask_worker.so");
            assert!(native.exists(), "{} was not built", native.display());
            let packed = Command::new(&python)
                .arg(workspace().join("worker/tests/wheel.py"))
                .arg(&native)
                .arg(workspace().join("worker/python"))
                .arg(rask::remote::VERSION)
                .arg(workspace().join("target/wheels"))
                .output()
                .expect("python runs");
            assert!(packed.status.success(), "wheel.py failed: {}", String::from_utf8_lossy(&packed.stderr));
            let wheel = PathBuf::from(String::from_utf8_lossy(&packed.stdout).trim());
            let installed = Command::new(&python)
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "--force-reinstall", "--no-deps"])
                .arg(&wheel)
                .status()
                .is_ok_and(|s| s.success());
            assert!(installed, "pip install {} failed", wheel.display());
            python
        })
        .clone()
}

/// A scheduler and two workers (no nanny: a killed worker stays dead), stopped when this
/// process exits.
struct Cluster {
    address: String,
    file: PathBuf,
    scheduler: Child,
    workers: Vec<Child>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in &mut self.workers {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Closing the watchdog's input stops the scheduler.
        drop(self.scheduler.stdin.take());
        let _ = self.scheduler.wait();
    }
}

/// `dask ARGS` from the venv, its output dropped.
fn dask(python: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(python.parent().expect("bin").join("dask"));
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// The scheduler under a watchdog shell that stops it when its input closes: when the
/// cluster is dropped, or when this process exits (the shared cluster lives in a static,
/// which is never dropped). Its workers follow it (`--death-timeout`).
fn watched(cmd: Command) -> Child {
    let mut sh = Command::new("sh");
    sh.args(["-c", r#""$@" & child=$!; read _; kill $child; wait $child"#, "sh"]);
    sh.arg(cmd.get_program()).args(cmd.get_args());
    sh.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("sh starts")
}

impl Cluster {
    fn start() -> Cluster {
        let python = python();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cluster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let file = dir.join("scheduler.json");
        let file_arg = file.to_str().expect("utf-8").to_string();
        let scheduler = watched(dask(
            &python,
            &[
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                &file_arg,
            ],
        ));
        let mut cluster = Cluster { address: String::new(), file: file.clone(), scheduler, workers: Vec::new() };
        let deadline = Instant::now() + Duration::from_secs(60);
        while cluster.address.is_empty() {
            assert!(Instant::now() < deadline, "the scheduler did not write {file_arg}");
            std::thread::sleep(Duration::from_millis(100));
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            cluster.address = json["address"].as_str().unwrap_or_default().to_string();
        }
        cluster.add_worker();
        cluster.add_worker();
        cluster
    }

    fn add_worker(&mut self) {
        let file = self.file.to_str().expect("utf-8");
        let args = [
            "worker",
            "--scheduler-file",
            file,
            "--nthreads",
            "1",
            "--no-nanny",
            "--host",
            "127.0.0.1",
            "--death-timeout",
            "30s",
        ];
        self.workers.push(dask(&python(), &args).spawn().expect("dask starts"));
    }
}

/// The shared cluster and a client on it, both workers connected; the guard keeps tests
/// one at a time.
fn client() -> (MutexGuard<'static, Option<Cluster>>, Client) {
    static CLUSTER: Mutex<Option<Cluster>> = Mutex::new(None);
    let mut guard = CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let cluster = guard.get_or_insert_with(Cluster::start);
    // SAFETY: tests set no other variables; every test reads this one value.
    unsafe { std::env::set_var("RASK_PYTHON", python()) };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let client = Client::connect(&cluster.address).expect("connects");
        if client.workers().0 == 2 {
            return (guard, client);
        }
        assert!(Instant::now() < deadline, "the two workers did not join: {client}");
        drop(client);
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_delayed_pipeline_of_registered_functions_matches_the_local_scheduler() {
    let (_cluster, client) = client();
    let f = rask_functions::register();
    let parts: Vec<Delayed<i64>> = (0..40).map(|i| f.add.call((f.inc.call((i,)), Delayed::value(i * 10)))).collect();
    let total = f.sum.call((parts.clone(),));
    let local = total.compute_with(Scheduler::Threads(2)).expect("runs locally");
    assert_eq!(local, (0..40).map(|i| i + 1 + i * 10).sum::<i64>());
    assert_eq!(client.compute(&total).result().expect("runs on the cluster"), local);
    assert_eq!(total.compute_with(&client).expect("compute_with(&client)"), local);
    assert_eq!(total.compute_with(Scheduler::Cluster).expect("the newest client's cluster"), local);
    // A future's result (held here) is sent along as data.
    let held = client.compute(&f.inc.call((41,)));
    let later = f.add.call((&held, 100));
    assert_eq!(client.compute(&later).result().expect("runs"), 142);
    // A persisted call is computed once; work built on it reads the held result.
    let held = client.persist(&f.add.call((parts[1].clone(), parts[2].clone())));
    assert_eq!(client.compute(&f.inc.call((&held,))).result().expect("runs"), 12 + 23 + 1);
    // Several outputs in one run, with a repeat.
    let (a, b, c) = rask::compute_with((&parts[0], &parts[3], &parts[0]), &client).expect("runs");
    assert_eq!((a, b, c), (1, 34, 1));
}

#[test]
fn every_task_is_reported_as_it_finishes() {
    let (_cluster, client) = client();
    let f = rask_functions::register();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let parts: Vec<Delayed<i64>> = (0..6).map(|i| f.inc.call((i,))).collect();
    let total = f.sum.call((parts,));
    let options = RunOptions::from(&client).listen(move |e: &rask::events::Event<'_>| {
        if let rask::events::Event::TaskFinished { key, .. } = e {
            s.lock().expect("lock").push(key.prefix().to_string());
        }
    });
    assert_eq!(total.compute_with(options).expect("runs"), 21);
    let mut prefixes = seen.lock().expect("lock").clone();
    prefixes.sort();
    assert_eq!(prefixes, [vec!["inc"; 6], vec!["sum"]].concat());
}

#[test]
fn a_failing_task_reaches_result_with_its_key_and_message() {
    let (_cluster, client) = client();
    let f = rask_functions::register();
    let bad = f.div.call((f.inc.call((1,)), 0));
    let err = client.compute(&bad).result().expect_err("fails");
    assert_eq!(err.key(), Some(bad.key()));
    let text = err.to_string();
    assert!(text.starts_with(&format!("task '{}' panicked: attempt to divide by zero", bad.key())), "{text}");
    // The cluster goes on.
    assert_eq!(client.compute(&f.div.call((9, 3))).result().expect("runs"), 3);
}

#[test]
fn a_closure_stays_local_and_says_how_to_register() {
    let (_cluster, client) = client();
    let err = client.submit(|| 1 + 1).result().expect_err("refused");
    assert!(err.to_string().contains("is a closure, which only this process can run"), "{err}");
    let f = rask_functions::register();
    let mixed = rask::delayed!(i64::abs(f.inc.call((-5,))));
    let err = mixed.compute_with(&client).expect_err("refused");
    let text = err.to_string();
    assert!(text.starts_with(&format!("cluster: task '{}' is a closure", mixed.key())), "{text}");
    assert!(text.contains("rask::remote::register(\"name\", f)"), "{text}");
    // Locally the same graph runs.
    assert_eq!(mixed.compute().expect("runs"), 4);
}

#[test]
fn a_run_survives_a_worker_killed_in_the_middle() {
    let (mut cluster, client) = client();
    let f = rask_functions::register();
    let parts: Vec<Delayed<i64>> = (0..24).map(|i| f.slow_inc.call((i, 150))).collect();
    let total = f.sum.call((parts,));
    let future = client.compute(&total);
    std::thread::sleep(Duration::from_millis(800));
    let cluster = cluster.as_mut().expect("started");
    let mut victim = cluster.workers.remove(0);
    victim.kill().expect("killed");
    victim.wait().expect("reaped");
    assert_eq!(future.result().expect("finishes on the other worker"), (1..=24).sum::<i64>());
    cluster.add_worker(); // for the tests after this one
}

#[test]
fn cancelling_a_cluster_future_stops_its_work() {
    let (_cluster, client) = client();
    let f = rask_functions::register();
    let parts: Vec<Delayed<i64>> = (0..40).map(|i| f.slow_inc.call((i, 200))).collect();
    let future = client.compute(&f.sum.call((parts,)));
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    future.cancel();
    assert!(future.result().expect_err("cancelled").is_cancelled());
    assert!(t.elapsed() < Duration::from_secs(2), "cancel took {:?}", t.elapsed());
    // The workers are free again at once: Dask cancelled the job's tasks.
    let t = Instant::now();
    assert_eq!(client.compute(&f.slow_inc.call((1, 10))).result().expect("runs"), 2);
    assert!(t.elapsed() < Duration::from_secs(3), "the next job waited {:?}", t.elapsed());
}

#[test]
fn what_is_missing_is_said_plainly() {
    let (_cluster, _) = client(); // holds RASK_PYTHON while it changes
    let python = python();
    let with_python = |p: &Path, address: &str| {
        // SAFETY: the guard keeps other tests from reading it meanwhile.
        unsafe { std::env::set_var("RASK_PYTHON", p) };
        let out = Client::connect(address).map(|c| c.to_string());
        unsafe { std::env::set_var("RASK_PYTHON", &python) };
        out.expect_err("refused").to_string()
    };
    let err = with_python(Path::new("/no/such/python"), "tcp://127.0.0.1:1");
    assert!(err.starts_with("cluster: could not start /no/such/python ("), "{err}");
    assert!(err.contains("pip install distributed ./worker"), "{err}");
    // A Python without the runtime: a venv of its own, with nothing installed.
    let bare = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bare-venv");
    if !bare.join("bin/python").exists() {
        assert!(Command::new("python3").args(["-m", "venv"]).arg(&bare).status().is_ok_and(|s| s.success()));
    }
    let err = with_python(&bare.join("bin/python"), "tcp://127.0.0.1:1");
    assert!(err.starts_with("cluster: rask's worker runtime is not installed in "), "{err}");
    assert!(err.ends_with("No module named 'rask_worker'): pip install distributed ./worker"), "{err}");
    // No scheduler at that address: Dask's connect timeout, from its configuration.
    // SAFETY: as above.
    unsafe { std::env::set_var("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s") };
    let err = with_python(&python, "tcp://127.0.0.1:1");
    unsafe { std::env::remove_var("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT") };
    assert!(err.starts_with("cluster: could not connect to tcp://127.0.0.1:1: "), "{err}");
}

#[test]
fn dask_local_starts_a_cluster_of_its_own() {
    let (_cluster, _) = client();
    let client = Client::dask_local(2).expect("a LocalCluster starts");
    assert_eq!(client.workers(), (2, 1));
    assert!(client.to_string().starts_with("Client: Dask cluster tcp://127.0.0.1:"), "{client}");
    assert!(client.dashboard_link().is_some_and(|l| l.starts_with("http://127.0.0.1:")), "{client}");
    let f = rask_functions::register();
    let x = f.add.call((f.inc.call((1,)), f.inc.call((2,))));
    assert_eq!(client.compute(&x).result().expect("runs"), 5);
    let err = Client::dask_local(0).expect_err("refused");
    assert_eq!(err.to_string(), "cluster: dask_local: n_workers must be at least 1");
}

/// Frames of `rows` rows each as CSV files in a fresh directory the workers can read (one
/// machine here; a shared filesystem on a real cluster), and the glob that reads them.
fn csv_files(name: &str, files: usize, rows: usize) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    for f in 0..files {
        let mut text = String::from("id,category,response_len,score\n");
        for r in 0..rows {
            let i = f * rows + r;
            text.push_str(&format!("{i},c{},{},{}\n", i % 7, (i * 37) % 1000, (i % 101) as f64 / 4.0));
        }
        std::fs::write(dir.join(format!("part-{f}.csv")), text).expect("write");
    }
    format!("{}/*.csv", dir.display())
}

/// Rows sorted by all columns, to compare answers that come in no particular order.
fn sorted(df: rask::polars::prelude::DataFrame) -> rask::polars::prelude::DataFrame {
    let by: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    df.sort(by, Default::default()).expect("sorts")
}

#[test]
fn the_seed_dataframe_query_runs_on_the_workers_and_matches_local() {
    use rask::polars::prelude::*;
    let (_cluster, client) = client();
    let glob = csv_files("seed", 4, 5000);
    let query = dd::read_csv(&glob)
        .expect("reads the schema")
        .filter(col("response_len").gt_eq(lit(500)))
        .groupby(["category"])
        .agg([col("score").mean(), col("id").count().alias("n")]);
    let local = sorted(query.compute().expect("runs locally"));
    assert_eq!(local.height(), 7);
    // Every task ran on a worker: reported by Dask, the partitions' keys among them.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let options = RunOptions::from(&client).listen(move |e: &rask::events::Event<'_>| {
        if let rask::events::Event::TaskFinished { key, .. } = e {
            s.lock().expect("lock").push(key.prefix().to_string());
        }
    });
    let remote = sorted(query.compute_with(options).expect("runs on the cluster"));
    assert_eq!(remote, local);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.iter().filter(|p| p.starts_with("agg-partial")).count(), 4, "{seen:?}");
    assert!(seen.iter().any(|p| p == "groupby-agg"), "{seen:?}");
    // polars itself on all rows agrees.
    let all = LazyCsvReader::new(PlRefPath::new(&glob)).finish().expect("scan");
    let by_polars = all
        .filter(col("response_len").gt_eq(lit(500)))
        .group_by([col("category")])
        .agg([col("score").mean(), col("id").count().alias("n")])
        .collect()
        .expect("polars");
    assert_eq!(sorted(by_polars), remote);
}

#[test]
fn joins_shuffles_and_sorts_run_on_the_workers_and_match_local() {
    use rask::polars::prelude::*;
    let (_cluster, client) = client();
    let left = dd::from_polars(
        df!("k" => (0..3000i64).map(|i| i % 500).collect::<Vec<_>>(), "x" => (0..3000i64).collect::<Vec<_>>())
            .expect("frame"),
        3,
    );
    let right = dd::from_polars(
        df!("key" => (250..750i64).collect::<Vec<_>>(), "y" => (250..750i64).map(|i| i * 2).collect::<Vec<_>>())
            .expect("frame"),
        2,
    );
    // An outer join is never broadcast: both sides are hash-shuffled.
    let joined = left.join(&right, ["k"], ["key"], JoinType::Full);
    let local = sorted(joined.compute().expect("runs locally"));
    assert_eq!(local.height(), 3000 + 250);
    let remote = sorted(joined.compute_with(&client).expect("runs on the cluster"));
    assert_eq!(remote, local);
    // A median does not decompose: rows are shuffled by key, then aggregated.
    let medians = left.groupby(["k"]).agg([col("x").median()]);
    assert_eq!(sorted(medians.compute_with(&client).expect("cluster")), sorted(medians.compute().expect("local")));
    // A sort across partitions: sampled boundaries, a range shuffle, each part sorted.
    let by_x = left.sort(["x"], SortMultipleOptions::default().with_order_descending(true));
    let remote = by_x.compute_with(&client).expect("cluster");
    assert_eq!(remote, by_x.compute().expect("local"));
    assert_eq!(remote.column("x").expect("x").i64().expect("i64").get(0), Some(2999));
    // Whole-frame reductions and value counts.
    let sums = left.sum();
    assert_eq!(sums.compute_with(&client).expect("cluster"), sums.compute().expect("local"));
    let counts = left.value_counts("k");
    assert_eq!(counts.compute_with(&client).expect("cluster"), counts.compute().expect("local"));
    let described = left.describe();
    assert_eq!(described.compute_with(&client).expect("cluster"), described.compute().expect("local"));
    // Repartitioned both ways.
    for parts in [2, 7] {
        let moved = left.repartition(parts);
        assert_eq!(moved.compute_with(&client).expect("cluster"), moved.compute().expect("local"));
    }
}

#[test]
fn a_dataframe_closure_stays_local_and_is_named() {
    let (_cluster, client) = client();
    let df = dd::from_polars(rask::polars::prelude::df!("x" => [1i64, 2, 3]).expect("frame"), 1);
    let doubled = df.map_partitions(Ok);
    let err = doubled.compute_with(&client).expect_err("refused");
    assert!(err.to_string().starts_with("cluster: task 'map-partitions-"), "{err}");
    assert!(err.to_string().contains("is a closure"), "{err}");
    assert_eq!(doubled.compute().expect("runs locally").height(), 3);
}

#[test]
fn array_blocks_elementwise_work_and_reductions_run_on_the_workers_and_match_local() {
    let (_cluster, client) = client();
    // Blocks held here travel as data; constants, ranges and random blocks are made there.
    let held = da::from_array(ndarray::Array2::from_shape_fn((60, 7), |(i, j)| (i * 7 + j) as i64 - 100), [25, 3])
        .expect("blocks");
    let sums = held.sum(0);
    assert_eq!(sums.compute_with(&client).expect("cluster"), sums.compute().expect("local"));
    let argmax = held.argmax(da::axis(1));
    assert_eq!(argmax.compute_with(&client).expect("cluster"), argmax.compute().expect("local"));
    let x = da::random(&[500, 40], [128, 16], 7).expect("random");
    for reduced in [x.mean(da::All), x.std(da::axis(0)), x.var(da::axis(1).ddof(1)), x.max(0), x.norm(da::All)] {
        assert_eq!(reduced.compute_with(&client).expect("cluster"), reduced.compute().expect("local"));
    }
    let r = da::arange(5i32, 1000, 3, 64).expect("arange");
    assert_eq!(r.sum(da::All).compute_with(&client).expect("cluster").sum(), (5..1000).step_by(3).sum::<i32>());
    let ones = da::ones::<u8>(&[300], 100).expect("ones");
    let err = ones.sum(da::All).compute_with(&client).expect_err("300 does not fit u8");
    assert!(err.to_string().contains("the sum 300 does not fit uint8"), "{err}");
    // Element-wise work: rows scaled to unit length, comparisons, math functions.
    let unit = &x / &x.norm(da::axis(1).keepdims());
    assert_eq!(unit.compute_with(&client).expect("cluster"), unit.compute().expect("local"));
    let mixed = (-(&x * 2.0) + 1.0).sqrt().maximum(0.25).gt(0.5).and(&x.lt(x.clip(0.1, 0.9)).not());
    assert_eq!(mixed.compute_with(&client).expect("cluster"), mixed.compute().expect("local"));
    let ints = (10i64 - &held) % 7;
    assert_eq!(ints.compute_with(&client).expect("cluster"), ints.compute().expect("local"));
    // Blocks read from files by the workers (the same paths), and rechunked to line up.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("arrays-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let x32 = da::random(&[300, 16], [64, 16], 3).expect("random").astype::<f32>();
    da::to_zarr(dir.join("x.zarr"), &x32).expect("written here");
    da::to_npy(dir.join("x.npy"), &x32).expect("written here");
    let z = da::from_zarr::<f32>(dir.join("x.zarr")).expect("a store");
    let unit = &z / &z.norm(da::axis(1).keepdims());
    assert_eq!(unit.compute_with(&client).expect("cluster"), unit.compute().expect("local"));
    let n = da::from_npy::<f32>(dir.join("x.npy"), [100, 8]).expect("a file");
    let diff = (&z - &n).abs().max(da::All);
    assert_eq!(diff.compute_with(&client).expect("cluster").sum(), 0.0);
    // Slices, takes, transposes and conversions.
    let cut = z.slice(da::s![10..200;3, ..8]).t().astype::<f64>().sum(0);
    assert_eq!(cut.compute_with(&client).expect("cluster"), cut.compute().expect("local"));
    let picked = held.take(0, &[5, 1, 59, 30]).slice(da::s![.., -1]);
    assert_eq!(picked.compute_with(&client).expect("cluster"), picked.compute().expect("local"));
    // Joins and products of blocks.
    let a = x.slice(da::s![..40, ..]);
    let gram = a.t().matmul(&a);
    let joined = da::Array::concatenate(&[da::Array::stack(&[a.sum(1), a.max(1)], 1), a.slice(da::s![.., ..2])], 0);
    for y in [gram, joined] {
        assert_eq!(y.compute_with(&client).expect("cluster"), y.compute().expect("local"));
    }
    // The tall-and-skinny QR and SVD.
    let (q, r) = da::linalg::qr(&x).expect("tall and skinny");
    let (_, singular, _) = da::linalg::svd(&x).expect("tall and skinny");
    for y in [q, r, singular] {
        let (there, here) = (y.compute_with(&client).expect("cluster"), y.compute().expect("local"));
        assert!(there.iter().zip(&here).all(|(a, b)| (a - b).abs() < 1e-12), "{there} vs {here}");
    }
    // A registered function's array, checked and reduced there; one the workers do not
    // know is named.
    let f = rask_functions::register();
    let ramp = da::from_delayed(&f.ramp.call((4usize, 3usize)), &[4, 3]).sum(0);
    assert_eq!(ramp.compute_with(&client).expect("cluster").into_raw_vec_and_offset().0, [18.0, 22.0, 26.0]);
    let wrong = da::from_delayed(&f.ramp.call((4usize, 3usize)), &[3, 4]).sum(0);
    let err = wrong.compute_with(&client).expect_err("the shape is checked there");
    assert!(err.to_string().contains("from_delayed: the value has shape (4, 3), expected (3, 4)"), "{err}");
    let unknown = rask::remote::register("not-in-the-runtime", |n: usize| ndarray::ArrayD::from_elem(vec![n], 1.0));
    let err = da::from_delayed(&unknown.call((2usize,)), &[2]).compute_with(&client).expect_err("unknown there");
    assert!(err.to_string().contains("no function 'not-in-the-runtime' is registered in this worker runtime"), "{err}");
    // A closure (mapv) stays local: refused, named.
    let err = x.mapv(|v| v * 2.0).sum(da::All).compute_with(&client).expect_err("refused");
    assert!(err.to_string().starts_with("cluster: task '('mapv-"), "{err}");
}

/// Text files in a fresh directory the workers can read, one of them gzip-compressed, and
/// the glob that reads them.
fn text_files(name: &str, files: &[(&str, &str)]) -> String {
    use std::io::Write;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    for (file, text) in files {
        let path = dir.join(file);
        if file.ends_with(".gz") {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).expect("compresses");
            std::fs::write(path, gz.finish().expect("compresses")).expect("write");
        } else {
            std::fs::write(path, text).expect("write");
        }
    }
    format!("{}/*", dir.display())
}

#[test]
fn bags_read_count_and_map_by_registered_functions_on_the_workers_and_match_local() {
    let (_cluster, client) = client();
    let f = rask_functions::register();
    let mut prose = String::new();
    for i in 0..3000 {
        prose.push_str(&format!("The cat {} sat; the DOG sat {}.\n", ["on", "by", "near"][i % 3], i % 11));
    }
    let glob = text_files("bag-words", &[("a.txt", &prose), ("b.txt.gz", "the end\nof THE cat\n")]);
    // Blocks of 4 KiB: the plain file is split between partitions, lines read once.
    let lines = db::read_text_with(&glob, db::TextOptions { blocksize: Some(4096) }).expect("files");
    assert!(lines.npartitions() > 10, "{lines}");
    let words = lines.flat_map_registered(&f.words);
    let freq = words.frequencies_sorted();
    let (local, remote) = (freq.compute().expect("local"), freq.compute_with(&client).expect("cluster"));
    let as_map = |v: &[(String, u64)]| v.iter().cloned().collect::<std::collections::BTreeMap<_, _>>();
    assert_eq!(as_map(&remote), as_map(&local));
    assert_eq!(remote[0], ("the".to_string(), 6002), "{remote:?}");
    assert!(remote.windows(2).all(|w| w[0].1 >= w[1].1), "most frequent first: {remote:?}");
    // Counted by hand: 8 words a line (the number too), 3000 lines, then 5 words.
    assert_eq!(words.count().compute_with(&client).expect("cluster"), 3000 * 8 + 5);
    assert_eq!(lines.compute_with(&client).expect("cluster"), lines.compute().expect("local"));
    let distinct = words.distinct();
    assert_eq!(distinct.compute_with(&client).expect("cluster"), distinct.compute().expect("local"));
    // Numbers: held items through a registered map and filter, then summed.
    let numbers = db::from_sequence(0..1000i64, 7).expect("a bag").map_registered(&f.inc).filter_registered(&f.even);
    assert_eq!(numbers.sum().compute_with(&client).expect("cluster"), (1..=1000).filter(|x| x % 2 == 0).sum::<i64>());
    assert_eq!(numbers.compute_with(&client).expect("cluster"), numbers.compute().expect("local"));
    assert_eq!(numbers.mean().compute_with(&client).expect("cluster"), 501.0);
    assert_eq!(numbers.max().compute_with(&client).expect("cluster"), 1000);
    assert_eq!(words.min().compute_with(&client).expect("cluster"), "0");
    let empty = numbers.filter_registered(&f.even).map_registered(&f.inc).filter_registered(&f.even);
    let err = empty.mean().compute_with(&client).expect_err("no items");
    assert!(err.to_string().ends_with("failed: mean of an empty bag"), "{err}");
    // JSON lines, plucked while they are read.
    let json: String = (0..500).map(|i| format!("{{\"user\": \"u{}\", \"n\": {i}}}\n", i % 13)).collect();
    let glob = text_files("bag-json", &[("events.jsonl", &json)]);
    let users = db::read_json_with(&glob, db::TextOptions { blocksize: Some(2048) }).expect("files").pluck("user");
    let (local, remote) = (users.compute().expect("local"), users.compute_with(&client).expect("cluster"));
    assert_eq!(remote, local);
    assert_eq!(remote.len(), 500);
    // The whole values travel too, and pluck runs there as a stage.
    let held =
        db::from_sequence(users.compute().expect("local").into_iter().map(|u| rask::serde_json::json!({"u": u})), 3)
            .expect("a bag");
    assert_eq!(held.pluck("u").compute_with(&client).expect("cluster"), local);
}

#[test]
fn a_bag_closure_or_error_is_named() {
    let (_cluster, client) = client();
    let f = rask_functions::register();
    let bag = db::from_sequence(["1", "2", "x", "4"].map(String::from), 2).expect("a bag");
    // A registered function's error fails the partition's task, naming the function.
    let parsed = bag.map_registered(&f.parse_int);
    let err = parsed.sum().compute_with(&client).expect_err("'x' is not a number");
    let text = err.to_string();
    assert!(text.contains("'parse_int': invalid digit found in string"), "{text}");
    assert!(err.key().is_some_and(|k| k.prefix().starts_with("sum-part-")), "{text}");
    // A closure stays here, and says what to use instead.
    let closure = bag.map(|s| s.len() as i64);
    let err = closure.sum().compute_with(&client).expect_err("refused");
    assert!(err.to_string().contains("a bag's map with a closure runs only in this process"), "{err}");
    assert!(err.to_string().contains("map_registered"), "{err}");
    assert_eq!(closure.sum().compute().expect("runs here"), 4);
    let kept = db::from_sequence([1i64, 2], 1).expect("a bag").filter(|_| true);
    let err = kept.count().compute_with(&client).expect_err("refused");
    assert!(err.to_string().contains("a bag's filter with a closure"), "{err}");
    // So do JSON values counted by value (their partial counts have no wire form yet).
    let json = db::from_sequence([rask::serde_json::json!(1)], 1).expect("a bag");
    let err = json.frequencies().compute_with(&client).expect_err("refused");
    assert!(err.to_string().contains("a bag's frequencies of JSON values runs only in this process"), "{err}");
    // Items of a type without a form on the wire are named.
    let small = db::from_sequence([1u8, 2], 1).expect("a bag");
    let err = small.count().compute_with(&client).expect_err("refused");
    assert!(err.to_string().contains("a bag of u8 stays in this process"), "{err}");
}
