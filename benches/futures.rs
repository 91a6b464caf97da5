//! Per-task overhead of the Client's futures, next to Dask's `Client.submit`/`map` on a
//! LocalCluster (read from the JSON `benches/dask_futures.py` wrote in the same run).
//!
//! Measures a `submit` + `result` round trip (one after another) and `map` + `gather` over
//! N trivial items, on a client of one worker per core. Arguments: `--dask FILE`,
//! `--n N` (default 100000), `--trips T` (default 2000), `--repeat R` (default 3).

mod common;

use std::time::{Duration, Instant};

use common::{arg, json_number, peak_rss_mib};
use rask::Client;

fn inc(x: i64) -> i64 {
    x + 1
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: i64 = arg(&args, "--n").and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let trips: u32 = arg(&args, "--trips").and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let repeat: usize = arg(&args, "--repeat").and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let dask = arg(&args, "--dask").and_then(|p| std::fs::read_to_string(p).ok());

    let client = Client::builder().dashboard(None).build().expect("a client");
    let (workers, _) = client.workers();
    client.submit(|| 0).result().expect("warm up");

    let t = Instant::now();
    for i in 0..trips {
        assert_eq!(client.submit(move || i + 1).result().expect("a round trip"), i + 1);
    }
    let trip = t.elapsed() / trips;

    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let t = Instant::now();
        let fs = client.map(inc, 0..n);
        let out = client.gather(&fs).expect("gathered");
        best = best.min(t.elapsed());
        assert_eq!(out.iter().sum::<i64>(), n * (n + 1) / 2);
    }
    let per_item = best.as_secs_f64() / n as f64;

    println!("futures: Client with {workers} workers x 1 thread; Dask: LocalCluster of 2 worker processes x 1 thread");
    println!("{:<34} {:>14} {:>14} {:>10}", "", "rask", "Dask", "Dask/rask");
    let row = |name: &str, rask_us: f64, dask_key: &str| {
        let d = dask.as_deref().and_then(|j| json_number(j, dask_key));
        let (dask_col, ratio) = match d {
            Some(d) => (format!("{d:.1} µs"), format!("{:.0}×", d / rask_us)),
            None => ("-".into(), "-".into()),
        };
        println!("{name:<34} {:>14} {dask_col:>14} {ratio:>10}", format!("{rask_us:.2} µs"));
    };
    row("submit + result round trip", trip.as_secs_f64() * 1e6, "round_trip_us");
    row(&format!("map + gather, per item (N={n})"), per_item * 1e6, "map_us_per_item");
    if let Some(peak) = peak_rss_mib() {
        println!("peak memory of the process: {peak:.0} MiB");
    }
    if dask.is_none() {
        println!("(no Dask figures: run benches/run, or pass --dask FILE from benches/dask_futures.py)");
    }
}
