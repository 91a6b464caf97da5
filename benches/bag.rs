//! Word frequencies over JSON-lines logs with rask's Bag, next to dask.bag's times read
//! from `benches/dask_bag.py`'s JSON (see `benches/run`):
//!
//! read_json(glob) → pluck("message") → flat_map(split on whitespace) → frequencies → top 10
//! by count. Dask runs `read_text(...).map(json.loads).pluck('message').map(str.split)
//! .flatten().frequencies().topk(10, key=lambda x: x[1])` with its default scheduler for
//! bags (processes) and with threads.
//!
//! rask runs in child processes of its own (so the peak memory is its own); the best of
//! `--rounds` counts. Both sides' top 10 must agree.
//!
//! Arguments: `--files N` (8), `--mib N` per file (128), `--rounds R` (3), `--dask FILE`,
//! `--generate-only` (writes the data, prints the glob pattern). The data goes to
//! `target/bench/logs/` and is generated once.

mod common;

use common::{arg, peak_rss_mib};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rask::prelude::*;
use rask::serde_json::{self, Value};

/// How many distinct words the messages use.
const VOCABULARY: usize = 4000;

/// A pseudo-word per rank: syllables picked from the rank's digits, so words are
/// distinct and look like words (`kabo`, `temisu`, ...).
fn vocabulary() -> Vec<String> {
    const SYLLABLES: [&str; 20] = [
        "ka", "bo", "te", "mi", "su", "ra", "no", "li", "pe", "do", "gu", "va", "ze", "ri", "tu", "ha", "yo", "ne",
        "chi", "fo",
    ];
    (0..VOCABULARY)
        .map(|mut r| {
            let mut w = String::new();
            loop {
                w.push_str(SYLLABLES[r % 20]);
                r /= 20;
                if r == 0 {
                    break;
                }
                r -= 1;
            }
            w
        })
        .collect()
}

/// Writes `files` files of about `mib` MiB of JSON lines each, unless they are there:
/// `{"ts": ..., "level": "INFO", "user": 123, "message": "..."}`, messages of 4 to 24 words
/// drawn with probability about 1/rank (Zipf).
fn generate(dir: &Path, files: usize, mib: usize) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let words = vocabulary();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
    for f in 0..files {
        let path = dir.join(format!("logs-{f}.jsonl"));
        if path.exists() {
            continue;
        }
        let tmp = path.with_extension("tmp");
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        let (mut written, target) = (0usize, mib << 20);
        let mut line = String::new();
        let mut i = 0u64;
        while written < target {
            line.clear();
            let n = 4 + next() % 21;
            let mut message = String::new();
            for k in 0..n {
                // Rank r with probability about 1/r: r = V^u for u uniform in [0, 1).
                let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
                let rank = ((VOCABULARY as f64).powf(u) as usize).clamp(1, VOCABULARY) - 1;
                if k > 0 {
                    message.push(' ');
                }
                message.push_str(&words[rank]);
            }
            let r = next();
            line.push_str(&format!(
                "{{\"ts\": {}, \"level\": \"{}\", \"user\": {}, \"message\": \"{message}\"}}\n",
                1_700_000_000 + (f as u64) * 10_000_000 + i,
                levels[(r % 6) as usize],
                (r >> 8) % 100_000
            ));
            out.write_all(line.as_bytes())?;
            written += line.len();
            i += 1;
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, &path)?;
    }
    Ok(format!("{}/logs-*.jsonl", dir.display()))
}

/// The query: the 10 most frequent words of the messages, with their counts.
fn top10(pattern: &str) -> rask::Result<Vec<(String, u64)>> {
    db::read_json(pattern)?
        .pluck("message")
        .flat_map(|m: Value| match m {
            Value::String(s) => s.split_whitespace().map(String::from).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .frequencies()
        .topk(10, |p| p.1)
        .compute()
}

/// In a child process: runs the query `repeat` times; prints `seconds peak_mib` and the
/// top 10 as JSON.
fn child(pattern: &str, repeat: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut best = f64::INFINITY;
    let mut top = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        top = top10(pattern)?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{best} {}", peak_rss_mib().unwrap_or(f64::NAN));
    println!("{}", serde_json::to_string(&top)?);
    Ok(())
}

/// Pairs sorted by count (descending), then word: the same top 10 compare equal.
fn normalised(mut top: Vec<(String, u64)>) -> Vec<(String, u64)> {
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: usize| arg(&args, name).and_then(|s| s.parse().ok()).unwrap_or(default);
    if let Some(pattern) = arg(&args, "--child") {
        return child(&pattern, number("--repeat", 1).max(1));
    }
    let (files, mib, rounds) = (number("--files", 8), number("--mib", 128), number("--rounds", 3).max(1));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/logs");
    let t = Instant::now();
    let pattern = generate(&dir, files, mib)?;
    if args.iter().any(|a| a == "--generate-only") {
        println!("{pattern}");
        return Ok(());
    }
    let bytes: u64 =
        (0..files).filter_map(|f| std::fs::metadata(dir.join(format!("logs-{f}.jsonl"))).ok()).map(|m| m.len()).sum();
    println!(
        "data: {files} files of JSON lines, {:.2} GB in {} (ready in {:.1} s)",
        bytes as f64 / 1e9,
        dir.display(),
        t.elapsed().as_secs_f64()
    );

    let me = std::env::current_exe()?;
    let (mut best, mut peak) = (f64::INFINITY, 0f64);
    let mut top: Vec<(String, u64)> = Vec::new();
    for _ in 0..rounds {
        let out = Command::new(&me).args(["--child", &pattern]).output()?;
        if !out.status.success() {
            return Err(format!("rask failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        let text = String::from_utf8(out.stdout)?;
        let mut lines = text.lines();
        let v: Vec<f64> = lines.next().unwrap_or("").split_whitespace().filter_map(|s| s.parse().ok()).collect();
        best = best.min(*v.first().ok_or("no time from the child")?);
        peak = peak.max(v.get(1).copied().unwrap_or(f64::NAN));
        top = serde_json::from_str(lines.next().ok_or("no top 10 from the child")?)?;
    }
    let gb = bytes as f64 / 1e9;
    println!("word frequencies, top 10: best of {rounds} runs");
    println!("  rask          {best:>7.2} s   peak {peak:>6.0} MiB   {:>6.2} GB/s", gb / best);

    let dask: Option<Value> =
        arg(&args, "--dask").and_then(|p| std::fs::read_to_string(p).ok()).and_then(|j| serde_json::from_str(&j).ok());
    let Some(dask) = dask else {
        println!("  (no Dask figures: run benches/run to measure them in the same run)");
        println!("  top 10: {top:?}");
        return Ok(());
    };
    let mut met = true;
    for (scheduler, label) in [("processes", "(default)"), ("threads", "")] {
        let Some(s) = dask[format!("{scheduler}_seconds")].as_f64() else { continue };
        let ratio = s / best;
        println!("  dask {scheduler:<9} {s:>7.2} s   {label:<9}                   rask is {ratio:.1}× faster");
        if scheduler == "processes" {
            met = ratio >= 5.0;
        }
    }
    let theirs: Vec<(String, u64)> = serde_json::from_value(dask["top10"].clone()).unwrap_or_default();
    let same = normalised(theirs.clone()) == normalised(top.clone());
    println!("  top 10 {}: {top:?}", if same { "agrees with Dask's" } else { "DIFFERS from Dask's" });
    if !same {
        println!("  dask's: {theirs:?}");
    }
    println!("  target: rask ≥ 5× faster than Dask's default ({})", if met { "met" } else { "NOT met" });
    if !same {
        return Err("rask and Dask disagree on the top 10".into());
    }
    Ok(())
}
