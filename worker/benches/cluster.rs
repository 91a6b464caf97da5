//! rask's graphs on a Dask cluster, a 2-worker Dask LocalCluster (`Client::dask_local(2)`,
//! one thread per worker), each next to the same work on rask's local scheduler and on Dask
//! itself on the same kind of cluster, measured in the same `benches/run`:
//!
//! - overhead: Dask's overhead graph (N `inc` tasks reduced by a tree of `sum` over groups
//!   of 8; 114,289 tasks for N = 100,000) of registered functions; Dask's figure is for plain
//!   Python functions (`benches/dask_overhead.py --distributed --json`, `--dask FILE`);
//! - seed: the seed DataFrame query (read_csv → filter → groupby → mean) over the files
//!   `benches/dataframe.rs` generates; Dask's figure from `benches/dask_dataframe.py
//!   --distributed 2` (`--dask-frame FILE`).
//!
//! Needs `RASK_PYTHON` (or `python3`) with distributed and the worker runtime installed
//! (`benches/run` builds the wheel with maturin and installs it in its venv).
//! Arguments: `--n N` (default 100000), `--files N` (8), `--rows N` per file (2,000,000),
//! `--rounds R` (3, best counts), `--dask FILE`, `--dask-frame FILE`.

#[path = "../../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use common::{arg, generate_seed_data, json_number};
use rask::polars::prelude::{col, lit};
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
    seed_query(&args, &client);
}

/// The seed query on the cluster, on rask's local scheduler, and Dask's figure.
fn seed_query(args: &[String], client: &Client) {
    let number = |name: &str, default: usize| arg(args, name).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (files, rows, rounds) = (number("--files", 8), number("--rows", 2_000_000), number("--rounds", 3).max(1));
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench-data/seed-{files}x{rows}"));
    let pattern = generate_seed_data(&dir, files, rows).expect("the seed data is written");
    let frame = dd::read_csv(&pattern).expect("the files are there");
    let query = frame.filter(col("response_len").gt_eq(lit(500))).groupby(["category"]).agg([col("score").mean()]);
    let (mut local, mut cluster) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        let t = Instant::now();
        let here = query.compute_with(Scheduler::Threads(0)).expect("runs locally");
        local = local.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let there = query.compute_with(client).expect("runs on the cluster");
        cluster = cluster.min(t.elapsed().as_secs_f64());
        assert_eq!(here.height(), there.height());
    }
    println!("seed query: {files} files x {rows} rows, {} partitions, best of {rounds}", frame.npartitions());
    println!("{:<52} {:>8.3} s", "rask, local scheduler (threads)", local);
    println!(
        "{:<52} {:>8.3} s {:>9.2}x local",
        "rask on Dask LocalCluster (2 procs x 1 thread)",
        cluster,
        cluster / local
    );
    let dask = arg(args, "--dask-frame").and_then(|p| std::fs::read_to_string(p).ok());
    match dask.as_deref().and_then(|j| json_number(j, "seed_seconds")) {
        Some(d) => println!("{:<52} {:>8.3} s {:>9.2}x local", "Dask DataFrame, same cluster", d, d / local),
        None => println!("{:<52} {:>10}", "Dask DataFrame, same cluster", "- (pass --dask-frame FILE)"),
    }
    let met = cluster <= 1.5 * local;
    println!("target: the cluster within 1.5x of rask local ({})", if met { "met" } else { "NOT met" });
}
