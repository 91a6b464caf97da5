//! rask-ml next to Dask-ML (and scikit-learn) on the same rows, read from the JSON
//! `benches/dask_learn.py` wrote in the same run:
//!
//! 1. GridSearchCV of LogisticRegression, 12 parameter sets (C in 6 values × fit_intercept)
//!    × 5 folds, on 200,000 × 20 rows in memory;
//! 2. KMeans (k = 8) on 2,000,000 × 16 rows in 8 partitions;
//! 3. LogisticRegression (C = 1, i.e. alpha = 1) on the same rows.
//!
//! Targets (issue #9): at least 3× faster than Dask-ML with equal quality (the same best
//! score; inertia within 1%; accuracy within 0.5 points).
//!
//! Arguments: `--rows N` (default 2,000,000), `--grid-rows N` (default 200,000), `--dask
//! FILE`, `--generate-only` (write the .npy files and print their directory).

#[path = "../../benches/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{arg, json_number};
use ndarray::{Array1, Array2, Ix1, Ix2};
use rask::prelude::*;
use rask_ml::{GridSearchCV, KFold, KMeans, LogisticRegression, ParamGrid, PredictArray};

const CS: [f64; 6] = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0];

/// xorshift64*: the same rows on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The grid data: 20 features, labels from a linear score with noise (so C matters).
fn grid_data(rows: usize) -> (Array2<f64>, Array1<bool>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let x = Array2::from_shape_simple_fn((rows, 20), || rng.next() * 2.0 - 1.0);
    let w = Array1::from_iter((0..20).map(|j| (j % 5) as f64 * 0.6 - 1.2));
    let y = (x.dot(&w) + Array1::from_shape_simple_fn(rows, || (rng.next() - 0.5) * 3.0)).mapv(|s| s > 0.1);
    (x, y)
}

/// The big data: 16 features around 8 centres, labels from a linear score with noise.
fn big_data(rows: usize) -> (Array2<f64>, Array1<bool>) {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let centres = Array2::from_shape_fn((8, 16), |(c, j)| ((c * 5 + j * 3) % 7) as f64 * 2.0);
    let mut x = Array2::zeros((rows, 16));
    for mut row in x.rows_mut() {
        let c = (rng.next() * 8.0) as usize;
        for (j, v) in row.iter_mut().enumerate() {
            *v = centres[(c, j)] + (rng.next() + rng.next() + rng.next() - 1.5) * 2.0;
        }
    }
    let w = Array1::from_iter((0..16).map(|j| if j % 3 == 0 { 0.5 } else { -0.2 }));
    let score = x.dot(&w);
    let cut = score.mean().unwrap_or(0.0);
    let y = (score + Array1::from_shape_simple_fn(rows, || (rng.next() - 0.5) * 2.0)).mapv(|s| s > cut);
    (x, y)
}

fn generate(rows: usize, grid_rows: usize) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().ok_or("rask-ml is not in a workspace")?;
    let dir = workspace.join(format!("target/bench-data/ml-{rows}-{grid_rows}"));
    if !dir.join("big_y.npy").exists() {
        std::fs::create_dir_all(&dir)?;
        let (x, y) = grid_data(grid_rows);
        da::to_npy(dir.join("grid_x.npy"), &da::from_array(x, [grid_rows, 20])?)?;
        da::to_npy(dir.join("grid_y.npy"), &da::from_array(y, grid_rows)?)?;
        let (x, y) = big_data(rows);
        da::to_npy(dir.join("big_x.npy"), &da::from_array(x, [rows / 8, 16])?)?;
        da::to_npy(dir.join("big_y.npy"), &da::from_array(y, rows / 8)?)?;
    }
    Ok(dir)
}

fn load<T: da::Element>(
    dir: &Path,
    name: &str,
    chunks: impl Into<rask::array::Chunks>,
) -> Result<da::Array<T>, rask::Error> {
    da::from_npy::<T>(dir.join(name), chunks)?.persist()
}

fn row(what: &str, ours: f64, theirs: Option<f64>, quality: &str) {
    match theirs {
        Some(t) => println!("{what:<46} {ours:>7.2} s   dask-ml {t:>7.2} s   {:>6.1}× faster   {quality}", t / ours),
        None => println!("{what:<46} {ours:>7.2} s   (no dask-ml figure)   {quality}"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = arg(&args, "--rows").and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    let grid_rows: usize = arg(&args, "--grid-rows").and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let dir = generate(rows, grid_rows)?;
    if args.iter().any(|a| a == "--generate-only") {
        println!("{}", dir.display());
        return Ok(());
    }
    let dask = match arg(&args, "--dask") {
        Some(path) => std::fs::read_to_string(path)?,
        None => String::new(),
    };
    let theirs = |key: &str| json_number(&dask, key);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("rask-ml vs dask-ml, {threads} threads; data in {}", dir.display());

    // 1. GridSearchCV
    let x: Array2<f64> =
        da::from_npy::<f64>(dir.join("grid_x.npy"), [grid_rows, 20])?.compute()?.into_dimensionality::<Ix2>()?;
    let y: Array1<bool> =
        da::from_npy::<bool>(dir.join("grid_y.npy"), grid_rows)?.compute()?.into_dimensionality::<Ix1>()?;
    let grid = ParamGrid::new().param("C", CS).param("fit_intercept", [true, false]);
    let search = GridSearchCV::new(grid, |p| {
        Ok(LogisticRegression::new().alpha(1.0 / p.f64("C")?).fit_intercept(p.bool("fit_intercept")?))
    })
    .cv(KFold::new(5))
    .refit(false);
    let t = Instant::now();
    let found = search.fit(&x, &y)?;
    let grid_s = t.elapsed().as_secs_f64();
    let quality = format!(
        "best C={} score {:.5} (dask-ml: C={} {:.5}; scikit-learn n_jobs=-1: {:.2} s)",
        found.best_params.f64("C")?,
        found.best_score,
        theirs("grid_dask_ml_best_C").unwrap_or(f64::NAN),
        theirs("grid_dask_ml_best_score").unwrap_or(f64::NAN),
        theirs("grid_sklearn_seconds").unwrap_or(f64::NAN),
    );
    row("GridSearchCV 12 × 5 folds, 200k × 20", grid_s, theirs("grid_dask_ml_seconds"), &quality);

    // 2. KMeans
    let x = load::<f64>(&dir, "big_x.npy", [rows / 8, 16])?;
    let y = load::<bool>(&dir, "big_y.npy", rows / 8)?;
    let t = Instant::now();
    let km = KMeans::new(8).seed(0).fit(&x)?;
    let km_s = t.elapsed().as_secs_f64();
    let inertia = km.inertia() * rows as f64;
    let quality = match theirs("kmeans_inertia") {
        Some(d) => format!("inertia {inertia:.6e} vs {d:.6e} ({:+.3}%)", (inertia - d) / d * 100.0),
        None => format!("inertia {inertia:.6e}"),
    };
    row("KMeans k=8, 2M × 16, 8 partitions", km_s, theirs("kmeans_seconds"), &quality);

    // 3. LogisticRegression
    let t = Instant::now();
    let lr = LogisticRegression::new().alpha(1.0).fit(&x, &y)?;
    let lr_s = t.elapsed().as_secs_f64();
    let (predicted, truth) = rask::compute((&lr.predict_array(&x)?, &y))?;
    let right = predicted.iter().zip(&truth).filter(|(p, t)| p == t).count();
    let accuracy = right as f64 / rows as f64;
    let quality = match theirs("logistic_accuracy") {
        Some(d) => {
            format!("accuracy {:.3}% vs {:.3}% ({:+.3} points)", accuracy * 100.0, d * 100.0, (accuracy - d) * 100.0)
        }
        None => format!("accuracy {:.3}%", accuracy * 100.0),
    };
    row("LogisticRegression C=1, 2M × 16, 8 partitions", lr_s, theirs("logistic_seconds"), &quality);
    Ok(())
}
