//! A tour of rask on data it generates: the load → clean → analyze → store pipeline of
//! Dask's documentation, written with `#[delayed]`, drawn, computed in parallel with a
//! progress bar and profiled; then the same pipeline as a raw graph run with `rask::get`.
//!
//! Run it with `cargo run --example pipeline` (add a number to change the file count).

use std::path::{Path, PathBuf};

use rask::prelude::*;

/// Summary statistics of the cleaned data.
#[derive(Clone, Debug)]
struct Summary {
    count: usize,
    mean: f64,
    max: f64,
}

#[delayed]
fn load(path: &Path) -> std::io::Result<Vec<f64>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

#[delayed]
fn clean(data: Vec<f64>) -> Vec<f64> {
    data.into_iter().filter(|x| x.is_finite() && *x >= 0.0).collect()
}

#[delayed]
fn analyze(parts: Vec<Vec<f64>>) -> Summary {
    let all: Vec<f64> = parts.into_iter().flatten().collect();
    let count = all.len();
    let mean = all.iter().sum::<f64>() / count.max(1) as f64;
    let max = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Summary { count, mean, max }
}

#[delayed]
fn store(summary: Summary, out: &Path) -> std::io::Result<String> {
    let text = format!("{summary:?}\n");
    std::fs::write(out, &text)?;
    Ok(out.display().to_string())
}

/// Writes `n` files of numbers (some negative, some not numbers) and returns their paths.
fn generate(dir: &Path, n: usize) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    (0..n)
        .map(|i| {
            let path = dir.join(format!("data-{i}.txt"));
            let lines: Vec<String> = (0..20_000)
                .map(|j| match (i * 7919 + j * 104_729) % 97 {
                    0 => "n/a".to_string(),
                    r if r < 5 => format!("-{r}"),
                    r => format!("{}.{}", r, j % 10),
                })
                .collect();
            std::fs::write(&path, lines.join("\n"))?;
            Ok(path)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let dir = std::env::temp_dir().join("rask-pipeline");
    let files = generate(&dir, n)?;
    println!("generated {n} files in {}", dir.display());

    // Delayed values: nothing runs while the graph is built.
    let cleaned: Vec<Delayed<Vec<f64>>> = files.iter().map(|f| clean(load(f.clone()))).collect();
    let summary = analyze(cleaned);
    let stored = store(summary.clone(), dir.join("summary.txt"));

    println!("\nthe task graph:\n{}", stored.visualize()?);

    let profiler = Profiler::new();
    let path = stored.compute_with(RunOptions::new().progress().listen(profiler.clone()))?;
    let s = summary.compute()?;
    println!("\n{} values, mean {:.2}, max {:.1}; written to {path}", s.count, s.mean, s.max);
    println!("\nwhere the time went:\n{profiler}");

    // The same pipeline as a raw graph, key by key.
    fn load_raw(path: String) -> Vec<f64> {
        std::fs::read_to_string(path)
            .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
            .unwrap_or_default()
    }
    fn clean_raw(data: Vec<f64>) -> Vec<f64> {
        data.into_iter().filter(|x| *x >= 0.0).collect()
    }
    fn count(parts: Vec<Vec<f64>>) -> usize {
        parts.iter().map(Vec::len).sum()
    }
    let path = |i: usize| files[i].display().to_string();
    let dsk = graph! {
        "load-1" => load_raw(path(0)),
        "load-2" => load_raw(path(1)),
        "clean-1" => clean_raw("load-1"),
        "clean-2" => clean_raw("load-2"),
        "count" => count(["clean-1", "clean-2"]),
    };
    println!("\na raw graph:\n{dsk}");
    println!("rask::get(&dsk, \"count\") = {}", rask::get::<usize>(&dsk, "count")?);
    Ok(())
}
