//! Scheduling overhead, the shape of Dask's own overhead examples: N independent `inc`
//! tasks reduced by a tree of `add` over groups of 8 (N = 100,000 gives 114,289 tasks).
//!
//! Prints rask's figures next to Dask's, read from the JSON that `benches/dask_overhead.py`
//! wrote in the same run (see `benches/run`), with their ratio. Then a graph of about a
//! million tasks: its time and the process's peak memory.
//!
//! Arguments: `--dask FILE` (Dask's figures), `--n N` (default 100000), `--repeat R` (3).

mod common;

use common::{arg, json_number, peak_rss_mib};
use std::time::{Duration, Instant};

use rask::{Delayed, Scheduler};

fn inc(x: i64) -> i64 {
    x + 1
}

fn add(xs: Vec<i64>) -> i64 {
    xs.iter().sum()
}

/// The graph: `n` incs, then levels of adds over groups of 8 until one value is left.
fn build(n: usize) -> (Delayed<i64>, usize) {
    let mut level: Vec<Delayed<i64>> = (0..n as i64).map(|i| rask::delayed!(inc(i))).collect();
    let mut tasks = level.len();
    while level.len() > 1 {
        level = level.chunks(8).map(|group| rask::delayed!(add(group))).collect();
        tasks += level.len();
    }
    (level.pop().expect("n > 0"), tasks)
}

fn best<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = None;
    let mut out = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let v = f();
        let d = t.elapsed();
        if best.is_none_or(|b| d < b) {
            best = Some(d);
        }
        out = Some(v);
    }
    (best.unwrap_or_default(), out.expect("repeat > 0"))
}

fn us_per_task(d: Duration, tasks: usize) -> f64 {
    d.as_secs_f64() * 1e6 / tasks as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = arg(&args, "--n").and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let repeat: usize = arg(&args, "--repeat").and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let dask = arg(&args, "--dask").and_then(|p| match std::fs::read_to_string(&p) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("overhead: cannot read Dask figures from {p}: {e}");
            None
        }
    });
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    // The million-task graph first, so the peak memory reading is its own.
    let million_n = 875_000;
    let t = Instant::now();
    let (root, million_tasks) = build(million_n);
    let built = t.elapsed();
    let total = root.compute().expect("the million-task graph runs");
    let elapsed = t.elapsed();
    drop(root);
    assert_eq!(total, (1..=million_n as i64).sum::<i64>());
    let peak = peak_rss_mib();

    let (build_time, (root, tasks)) = best(repeat, || build(n));
    let expected: i64 = (1..=n as i64).sum();
    let (threads_time, v) = best(repeat, || root.compute_with(Scheduler::Threads(0)).expect("runs"));
    assert_eq!(v, expected);
    let (sync_time, v) = best(repeat, || root.compute_with(Scheduler::Sync).expect("runs"));
    assert_eq!(v, expected);

    println!(
        "rask overhead benchmark: {n} inc tasks + add tree of 8 = {tasks} tasks, best of {repeat}, {threads} cores"
    );
    let dask_fig = |key: &str| dask.as_deref().and_then(|j| json_number(j, key));
    let rows = [
        ("graph construction (delayed)", us_per_task(build_time, tasks), "build_delayed_us_per_task"),
        ("compute, Threads (all cores)", us_per_task(threads_time, tasks), "threaded_us_per_task"),
        ("compute, Sync (one thread)", us_per_task(sync_time, tasks), "sync_us_per_task"),
    ];
    println!("{:<32} {:>14} {:>14} {:>10}", "per task", "rask", "Dask", "Dask/rask");
    for (name, ours, key) in rows {
        match dask_fig(key) {
            Some(d) => println!("{name:<32} {:>11.3} µs {:>11.1} µs {:>9.0}×", ours, d, d / ours),
            None => println!("{name:<32} {:>11.3} µs {:>14} {:>10}", ours, "-", "-"),
        }
    }
    if let (Some(d), Some(v)) =
        (dask_fig("build_dict_us_per_task"), dask.as_deref().and_then(|j| j.find("dask_version").map(|_| j)))
    {
        let version = v.split("\"dask_version\"").nth(1).and_then(|r| r.split('"').nth(1)).unwrap_or("?");
        println!("(Dask {version}; building a raw dict graph costs Dask {d:.2} µs per task)");
    }
    if dask.is_none() {
        println!("(no Dask figures: run benches/run to measure them in the same run)");
    }
    println!(
        "\nmillion-task graph: {million_tasks} tasks, built in {:.2} s, built + computed in {:.2} s (target < 2 s), peak memory {} (target < 1024 MiB)",
        built.as_secs_f64(),
        elapsed.as_secs_f64(),
        peak.map_or("unknown".into(), |m| format!("{m:.0} MiB")),
    );
    println!(
        "targets: scheduling ≤ 1 µs/task with Threads ({}), construction ≤ 2 µs/task ({})",
        if us_per_task(threads_time, tasks) <= 1.0 { "met" } else { "NOT met" },
        if us_per_task(build_time, tasks) <= 2.0 { "met" } else { "NOT met" },
    );
}
