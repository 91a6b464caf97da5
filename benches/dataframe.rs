//! DataFrame queries over generated CSV files, timed for rask and for polars' own lazy
//! engine in the same run, next to Dask's times read from `benches/dask_dataframe.py`'s JSON
//! (see `benches/run`):
//!
//! - `seed`: read_csv(glob) → filter response_len ≥ 500 → groupby category → mean score;
//! - `join`: the rows joined with a table of 100,000 users on user_id (inner);
//! - `sort`: all rows sorted by score.
//!
//! Each engine runs in child processes of its own (so each peak memory is its own), and the
//! engines take turns over several rounds so that a slow moment of the machine does not
//! favour one of them; the best time counts.
//!
//! Arguments: `--files N` (8), `--rows N` per file (2,000,000), `--rounds R` (3), `--queries
//! seed,join,sort`, `--dask FILE`. The data goes to `target/bench-data/` and is generated once.

mod common;

use common::{arg, generate_seed_data as generate, json_number, peak_rss_mib};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rask::polars::prelude::*;
use rask::prelude::*;

const QUERIES: [&str; 3] = ["seed", "join", "sort"];

/// Writes the users table (next to the data's directory): 100,000 rows of user_id, tier (5 strings), signup year.
fn generate_users(dir: &Path) -> std::io::Result<String> {
    let path = dir.join("users-100000.csv");
    if !path.exists() {
        let tmp = path.with_extension("tmp");
        let mut out = BufWriter::new(std::fs::File::create(&tmp)?);
        writeln!(out, "user_id,tier,signup")?;
        for u in 0..100_000u64 {
            writeln!(out, "{u},tier-{},{}", (u * 7) % 5, 2000 + (u * 13) % 25)?;
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, &path)?;
    }
    Ok(path.display().to_string())
}

/// Runs one query with one engine; returns the number of rows it produced.
fn run(engine: &str, query: &str, pattern: &str, users: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let scan = |p: &str| LazyCsvReader::new(PlRefPath::new(p)).finish();
    let out = match (engine, query) {
        ("rask", "seed") => dd::read_csv(pattern)?
            .filter(col("response_len").gt_eq(lit(500)))
            .groupby(["category"])
            .agg([col("score").mean()])
            .compute()?,
        ("rask", "join") => {
            dd::read_csv(pattern)?.join(&dd::read_csv(users)?, ["user_id"], ["user_id"], JoinType::Inner).compute()?
        }
        ("rask", "sort") => dd::read_csv(pattern)?.sort(["score"], SortMultipleOptions::default()).compute()?,
        ("polars", "seed") => scan(pattern)?
            .filter(col("response_len").gt_eq(lit(500)))
            .group_by([col("category")])
            .agg([col("score").mean()])
            .collect()?,
        ("polars", "join") => scan(pattern)?
            .join(scan(users)?, [col("user_id")], [col("user_id")], JoinArgs::new(JoinType::Inner))
            .collect()?,
        // rask's sort is stable; so is this one.
        ("polars", "sort") => {
            scan(pattern)?.sort(["score"], SortMultipleOptions::default().with_maintain_order(true)).collect()?
        }
        _ => return Err(format!("unknown engine or query: {engine} {query}").into()),
    };
    Ok(out.height())
}

/// In a child process: runs the query `repeat` times; prints `seconds peak_mib rows`.
fn child(
    engine: &str,
    query: &str,
    pattern: &str,
    users: &str,
    repeat: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut best = f64::INFINITY;
    let mut rows = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        rows = run(engine, query, pattern, users)?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{best} {} {rows}", peak_rss_mib().unwrap_or(f64::NAN));
    Ok(())
}

/// The best time, the largest peak and the row count of one engine on one query.
struct Figures {
    seconds: f64,
    peak_mib: f64,
    rows: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: usize| arg(&args, name).and_then(|s| s.parse().ok()).unwrap_or(default);
    if let (Some(engine), Some(query), Some(pattern), Some(users)) =
        (arg(&args, "--child"), arg(&args, "--query"), arg(&args, "--pattern"), arg(&args, "--users"))
    {
        return child(&engine, &query, &pattern, &users, number("--repeat", 2).max(1));
    }
    let (files, rows, rounds) = (number("--files", 8), number("--rows", 2_000_000), number("--rounds", 3).max(1));
    let queries: Vec<String> = match arg(&args, "--queries") {
        Some(q) => q.split(',').map(str::to_string).collect(),
        None => QUERIES.iter().map(|q| q.to_string()).collect(),
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/seed-{files}x{rows}"));
    let t = Instant::now();
    let pattern = generate(&dir, files, rows)?;
    let users = generate_users(dir.parent().unwrap_or(&dir))?;
    if args.iter().any(|a| a == "--generate-only") {
        println!("{pattern} {users}");
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
    let dask = arg(&args, "--dask").and_then(|p| std::fs::read_to_string(p).ok());
    let mut all_met = true;
    for query in &queries {
        let mut figures: Vec<(&str, Figures)> = Vec::new();
        for _ in 0..rounds {
            for engine in ["polars", "rask"] {
                let out = Command::new(&me)
                    .args(["--child", engine, "--query", query, "--pattern", &pattern, "--users", &users])
                    .output()?;
                if !out.status.success() {
                    return Err(format!("{engine} {query} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
                }
                let text = String::from_utf8(out.stdout)?;
                let v: Vec<f64> = text.split_whitespace().filter_map(|s| s.parse().ok()).collect();
                let got = Figures { seconds: v[0], peak_mib: v[1], rows: v[2] as usize };
                match figures.iter_mut().find(|(e, _)| *e == engine) {
                    Some((_, f)) => {
                        f.seconds = f.seconds.min(got.seconds);
                        f.peak_mib = f.peak_mib.max(got.peak_mib);
                    }
                    None => figures.push((engine, got)),
                }
            }
        }
        println!("{query}: best of {rounds} rounds × 2 runs");
        let polars_s = figures[0].1.seconds;
        for (engine, f) in &figures {
            let ratio = f.seconds / polars_s;
            println!(
                "  {engine:<7} {:>7.2} s   peak {:>6.0} MiB   {:>9} rows   {ratio:.2}× polars",
                f.seconds, f.peak_mib, f.rows
            );
        }
        let dask_s = dask.as_deref().and_then(|j| json_number(j, &format!("{query}_seconds")));
        let dask_mib = dask.as_deref().and_then(|j| json_number(j, &format!("{query}_peak_mib")));
        match dask_s {
            Some(s) => println!(
                "  {:<7} {s:>7.2} s   peak {:>6.0} MiB                  {:.2}× polars",
                "dask",
                dask_mib.unwrap_or(f64::NAN),
                s / polars_s
            ),
            None => println!("  (no Dask figures: run benches/run to measure them in the same run)"),
        }
        let limit = if query == "seed" { 1.1 } else { 1.0 };
        let met = figures[1].1.seconds <= limit * polars_s;
        all_met &= met;
        println!("  target: rask within {limit}× of polars ({})", if met { "met" } else { "NOT met" });
    }
    if !all_met {
        println!("some targets were not met");
    }
    Ok(())
}
