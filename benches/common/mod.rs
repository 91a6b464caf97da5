//! Helpers shared by the benchmark binaries: arguments, Dask's JSON figures, peak memory,
//! the seed query's data.
//! Each binary compiles this module and uses part of it.
#![allow(dead_code)]

/// The value after `name` on the command line.
pub(crate) fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// A number from a flat JSON object, without a JSON library.
pub(crate) fn json_number(json: &str, key: &str) -> Option<f64> {
    let at = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest.find([',', '}', '\n']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// Peak resident memory of this process so far, in MiB (Linux).
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Writes `files` CSV files of `rows` rows each (category: 50 strings, response_len:
/// 0..2000, score: float, user_id: int), unless they are there already.
pub(crate) fn generate_seed_data(dir: &std::path::Path, files: usize, rows: usize) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    use std::io::Write;
    for f in 0..files {
        let path = dir.join(format!("large_dataset_{f}.csv"));
        if path.exists() {
            continue;
        }
        let tmp = path.with_extension("tmp");
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
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
