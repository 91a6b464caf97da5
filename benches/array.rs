//! The seed's embeddings example: normalise the rows of a float32 matrix by their L2 norm,
//! read from a Zarr store: rask next to dask.array (read from the JSON
//! `benches/dask_array.py` wrote in the same run) and next to plain ndarray on one core.
//!
//! ```text
//! let x = da::from_zarr("embeddings.zarr")?;
//! let n = x.norm(da::axis(1).keepdims());
//! (&x / &n).compute()
//! ```
//!
//! Arguments: `--rows N` (default 2,000,000; 128 columns), `--repeat R` (default 3),
//! `--dask FILE`, `--generate-only` (write the store and print its path).

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{arg, json_number, peak_rss_mib};
use rask::array::{Compression, ZarrOptions};
use rask::ndarray::{Array2, Axis};
use rask::prelude::*;

const COLS: usize = 128;

/// The store, written once: uniform numbers in blocks of about 128 MiB, uncompressed.
fn generate(rows: usize) -> Result<PathBuf, rask::Error> {
    let store =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/embeddings-{rows}x{COLS}.zarr"));
    if !store.join("zarr.json").exists() {
        let x = da::random(&[rows, COLS], [(128 << 20) / (COLS * 4), COLS], 42)?.astype::<f32>() - 0.5f32;
        let options = ZarrOptions { compression: Compression::None, overwrite: true, ..ZarrOptions::default() };
        da::to_zarr_with(&store, &x, &options)?;
    }
    Ok(store)
}

/// Plain ndarray on one thread: read every chunk file into one matrix, then divide each
/// row by its norm in place.
fn plain(store: &Path, rows: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let meta: rask::serde_json::Value = rask::serde_json::from_str(&std::fs::read_to_string(store.join("zarr.json"))?)?;
    let chunk = meta["chunk_grid"]["configuration"]["chunk_shape"][0].as_u64().ok_or("no chunk shape")? as usize;
    let mut m = Array2::<f32>::zeros((rows, COLS));
    for (i, mut block) in m.axis_chunks_iter_mut(Axis(0), chunk).enumerate() {
        let bytes = std::fs::read(store.join(format!("c/{i}/0")))?;
        let n = block.len();
        for (dst, src) in block.iter_mut().zip(bytes[..n * 4].chunks_exact(4)) {
            *dst = f32::from_le_bytes([src[0], src[1], src[2], src[3]]);
        }
    }
    for mut row in m.rows_mut() {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        row.mapv_inplace(|v| v / norm);
    }
    Ok(m.iter().map(|&v| f64::from(v)).sum())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = arg(&args, "--rows").and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    let repeat: usize = arg(&args, "--repeat").and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let t = Instant::now();
    let store = generate(rows)?;
    if args.iter().any(|a| a == "--generate-only") {
        println!("{}", store.display());
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "data: {rows} x {COLS} float32 ({:.0} MB) in {} (ready in {:.1} s), {cores} cores",
        (rows * COLS * 4) as f64 / 1e6,
        store.display(),
        t.elapsed().as_secs_f64()
    );

    let mut best = f64::INFINITY;
    let mut rask_sum = 0.0;
    let mut blocks = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        let x = da::from_zarr::<f32>(&store)?;
        let n = x.norm(da::axis(1).keepdims());
        let out = (&x / &n).compute()?;
        best = best.min(t.elapsed().as_secs_f64());
        blocks = x.nblocks();
        rask_sum = out.iter().map(|&v| f64::from(v)).sum();
    }
    let mut plain_best = f64::INFINITY;
    let mut plain_sum = 0.0;
    for _ in 0..repeat {
        let t = Instant::now();
        plain_sum = plain(&store, rows)?;
        plain_best = plain_best.min(t.elapsed().as_secs_f64());
    }
    assert!(
        (rask_sum - plain_sum).abs() <= 1e-6 * plain_sum.abs().max(1.0) * 10.0,
        "rask {rask_sum} != ndarray {plain_sum}"
    );
    let ideal = plain_best / cores as f64;
    println!("\nnormalize rows by their L2 norm ({blocks} blocks), best of {repeat}:");
    println!("  rask                     {best:>8.3} s");
    println!(
        "  ndarray, one core        {plain_best:>8.3} s   -> ideal on {cores} cores {ideal:.3} s; rask is {:.2}x of it (target <= 1.5x)",
        best / ideal
    );
    match arg(&args, "--dask").and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(json) => {
            let dask = json_number(&json, "normalize_seconds").unwrap_or(f64::NAN);
            let sum = json_number(&json, "checksum").unwrap_or(f64::NAN);
            println!("  dask.array               {dask:>8.3} s   -> rask is {:.1}x faster (target >= 2x)", dask / best);
            println!("  checksums: rask {rask_sum:.3}, ndarray {plain_sum:.3}, dask {sum:.3}");
        }
        None => println!("  (no Dask figures: run benches/run, or pass --dask FILE from benches/dask_array.py)"),
    }
    if let Some(mib) = peak_rss_mib() {
        println!("  peak memory of this process: {mib:.0} MiB");
    }
    Ok(())
}
