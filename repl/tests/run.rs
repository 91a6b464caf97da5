//! The `rask` binary driven as a user drives it: `rask run FILE` on files of REPL input.
//! The first run on a machine compiles rask and polars inside evcxr (minutes); the cache
//! lives in the system's temporary directory (evcxr's crate cannot live inside this
//! workspace: cargo would take it for a member), so later runs reuse it.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `rask run` on `text`, one run at a time: parallel runs would each claim a build
/// directory of their own and compile rask and polars again.
fn rask_run(name: &str, text: &str) -> Output {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repl-run");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write");
    let cache = std::env::temp_dir().join("rask-test-cache");
    Command::new(env!("CARGO_BIN_EXE_rask"))
        .arg("run")
        .arg(&file)
        .env("RASK_CACHE_DIR", cache)
        .output()
        .expect("rask runs")
}

#[test]
fn run_prints_values_of_a_delayed_pipeline_and_a_dataframe() {
    let out = rask_run(
        "pipeline.rs",
        r#"
let a = delayed!(i64::abs(-3));
let b = a.map(|x| x * 10);
let total = b.compute()?;
total + 1

use rask::polars::prelude::*;
let pl = df!("k" => ["a", "b", "a"], "v" => [1i64, 2, 3])?;
let sums = dd::from_polars(pl, 2).groupby(["k"]).agg([col("v").sum()]);
let out = sums.compute()?.sort(["k"], Default::default())?;
out.column("v")?.i64()?.to_vec()
"#,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rask run failed:\n{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"31"), "the delayed value: {stdout}");
    assert!(lines.contains(&"[Some(4), Some(2)]"), "the group sums: {stdout}");
}

#[test]
fn run_stops_at_the_first_error_with_its_line() {
    let out = rask_run("bad.rs", "let x = 1;\n\nlet y: i64 = \"two\";\nx + 1\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("bad.rs:3: error[E0308]: mismatched types"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "2"), "nothing runs after the error");
}
