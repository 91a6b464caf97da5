//! The seed's query over generated CSV files: read_csv(glob) → filter response_len ≥ 500 →
//! groupby category → mean score, timed for rask and for polars' own lazy engine in the
//! same run (each in a child process of its own, so each peak memory is its own), next to
//! Dask's time read from `benches/dask_dataframe.py`'s JSON (see `benches/run`).
//!
//! Arguments: `--files N` (8), `--rows N` per file (2,000,000), `--repeat R` (3),
//! `--dask FILE`. The data goes to `target/bench-data/` and is generated once.

mod common;

use common::{arg, json_number, peak_rss_mib};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rask::polars::prelude::*;
use rask::prelude::*;

/// Writes `files` CSV files of `rows` rows each (category: 50 strings, response_len:
/// 0..2000, score: float, user_id: int), unless they are there already.
fn generate(dir: &Path, files: usize, rows: usize) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for f in 0..files {
        let path = dir.join(format!("large_dataset_{f}.csv"));
        if path.exists() {
            continue;
        }
        let tmp = path.with_extension("tmp");
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        writeln!(out, "category,response_len,score,user_id")?;
        for _ in 0..rows {
            let r = next();
            let score = (next() % 1_000_000) as f64 / 10_000.0;
            writeln!(out, "cat-{:02},{},{score:.4},{}", r % 50, (r >> 8) % 2000, (r >> 24) % 100_000)?;
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, &path)?;
    }
    Ok(format!("{}/large_dataset_*.csv", dir.display()))
}

/// Runs the query with one engine, `repeat` times; prints `seconds peak_mib rows`.
fn child(engine: &str, pattern: &str, repeat: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut best = f64::INFINITY;
    let mut rows = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        let out = match engine {
            "rask" => dd::read_csv(pattern)?
                .filter(col("response_len").gt_eq(lit(500)))
                .groupby(["category"])
                .agg([col("score").mean()])
                .compute()?,
            _ => LazyCsvReader::new(PlRefPath::new(pattern))
                .finish()?
                .filter(col("response_len").gt_eq(lit(500)))
                .group_by([col("category")])
                .agg([col("score").mean()])
                .collect()?,
        };
        best = best.min(t.elapsed().as_secs_f64());
        rows = out.height();
    }
    println!("{best} {} {rows}", peak_rss_mib().unwrap_or(f64::NAN));
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let repeat: usize = arg(&args, "--repeat").and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    if let (Some(engine), Some(pattern)) = (arg(&args, "--child"), arg(&args, "--pattern")) {
        return child(&engine, &pattern, repeat);
    }
    let files: usize = arg(&args, "--files").and_then(|s| s.parse().ok()).unwrap_or(8);
    let rows: usize = arg(&args, "--rows").and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/seed-{files}x{rows}"));
    let t = Instant::now();
    let pattern = generate(&dir, files, rows)?;
    if args.iter().any(|a| a == "--generate-only") {
        println!("{pattern}");
        return Ok(());
    }
    let bytes: u64 = std::fs::read_dir(&dir)?.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();
    println!(
        "data: {files} files × {rows} rows, {:.0} MB in {} (ready in {:.1} s)",
        bytes as f64 / 1e6,
        dir.display(),
        t.elapsed().as_secs_f64()
    );

    let me = std::env::current_exe()?;
    let mut results = Vec::new();
    for engine in ["polars", "rask"] {
        let out = Command::new(&me)
            .args(["--child", engine, "--pattern", &pattern, "--repeat", &repeat.to_string()])
            .output()?;
        if !out.status.success() {
            return Err(format!("{engine} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        let text = String::from_utf8(out.stdout)?;
        let v: Vec<f64> = text.split_whitespace().filter_map(|s| s.parse().ok()).collect();
        results.push((engine, v[0], v[1], v[2] as usize));
    }
    let dask = arg(&args, "--dask").and_then(|p| std::fs::read_to_string(p).ok());
    let dask_s = dask.as_deref().and_then(|j| json_number(j, "seconds"));
    let dask_mib = dask.as_deref().and_then(|j| json_number(j, "peak_mib"));
    println!("seed query (filter → groupby → mean), best of {repeat}:");
    let polars_s = results[0].1;
    for (engine, s, mib, rows) in &results {
        println!("  {engine:<7} {s:>7.2} s   peak {mib:>6.0} MiB   {rows} groups   {:.2}× polars", s / polars_s);
    }
    match (dask_s, dask_mib) {
        (Some(s), mib) => println!(
            "  {:<7} {s:>7.2} s   peak {:>6.0} MiB              {:.2}× polars",
            "dask",
            mib.unwrap_or(f64::NAN),
            s / polars_s
        ),
        _ => println!("  (no Dask figures: run benches/run to measure them in the same run)"),
    }
    let rask_s = results[1].1;
    println!("target: rask within 1.1× of polars ({})", if rask_s <= 1.1 * polars_s { "met" } else { "NOT met" });
    Ok(())
}
