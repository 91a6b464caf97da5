//! rask's graphs on a Dask cluster: Dask's overhead graph (N `inc` tasks reduced by a tree
//! of `sum` over groups of 8; 114,289 tasks for N = 100,000) made of registered functions,
//! on a 2-worker Dask LocalCluster (`Client::dask_local(2)`), next to the same graph on
//! rask's local scheduler and Dask's own figure for plain Python functions on the same kind
//! of cluster (from `benches/dask_overhead.py --distributed --json`, run in the same
//! `benches/run`).
//!
//! Needs `RASK_PYTHON` (or `python3`) with distributed and the worker runtime installed
//! (`benches/run` builds the wheel with maturin and installs it in its venv).
//! Arguments: `--dask FILE`, `--n N` (default 100000).

#[path = "../../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use common::{arg, json_number};
use rask::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: i64 = arg(&args, "--n").and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dask = arg(&args, "--dask").and_then(|p| std::fs::read_to_string(p).ok());
    let f = rask_functions::register();
    let build = || {
        let mut level: Vec<Delayed<i64>> = (0..n).map(|i| f.inc.call((i,))).collect();
        let mut tasks = level.len();
        while level.len() > 1 {
            level = level.chunks(8).map(|group| f.sum.call((group,))).collect();
            tasks += level.len();
        }
        (level.pop().expect("n > 0"), tasks)
    };
    let want = n * (n + 1) / 2;

    let (graph, tasks) = build();
    let t = Instant::now();
    assert_eq!(graph.compute_with(Scheduler::Threads(0)).expect("runs locally"), want);
    let local = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let client = Client::dask_local(2).expect("a LocalCluster of 2 workers starts");
    let startup = t.elapsed().as_secs_f64();
    let (graph, _) = build();
    let t = Instant::now();
    assert_eq!(graph.compute_with(&client).expect("runs on the cluster"), want);
    let cluster = t.elapsed().as_secs_f64();

    let us = |s: f64| s * 1e6 / tasks as f64;
    println!("cluster: {tasks} tasks (N={n} inc + a tree of sum over 8); {client}");
    println!("  (cluster start-up, not counted: {startup:.1} s)");
    println!("{:<52} {:>10} {:>14}", "", "time", "per task");
    println!("{:<52} {:>8.3} s {:>11.2} µs", "rask, local scheduler (threads)", local, us(local));
    println!("{:<52} {:>8.3} s {:>11.2} µs", "rask on Dask LocalCluster (2 procs x 1 thread)", cluster, us(cluster));
    match dask.as_deref().and_then(|j| json_number(j, "distributed_us_per_task")) {
        Some(d) => {
            println!("{:<52} {:>8.3} s {:>11.2} µs", "Dask, Python functions, same cluster", d * tasks as f64 / 1e6, d);
            println!("per-task overhead on the cluster: rask/Dask = {:.2} (target: no worse, <= 1)", us(cluster) / d);
        }
        None => println!("{:<52} {:>10}", "Dask, Python functions, same cluster", "- (pass --dask FILE)"),
    }
}
