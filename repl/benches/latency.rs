//! How quickly the REPL answers, driving the real `rask` binary under a pseudo-terminal as
//! a user would: time to the first prompt and to the first answer (warm cache), then a
//! trivial cell and a cell that builds a dataframe pipeline (read_csv, filter, groupby; no
//! compute), each typed `ROUNDS` times. Prints p50 and p95 next to the targets of issue #4.
//!
//! Run with `cargo bench -p rask-repl --bench latency` (`rask prepare` runs first, so the
//! start-up it reports is a warm one).

use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::{Expect, Regex};

const ROUNDS: usize = 12;

/// A new prompt (rustyline turns bracketed paste on first), not the redraw of a line.
const PROMPT: Regex<&str> = Regex(r"\x1b\[\?2004h[^\n]*?>> ");

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut times: Vec<f64>, target: &str) {
    times.sort_by(f64::total_cmp);
    println!(
        "{name:<34} p50 {:>6.2} s   p95 {:>6.2} s   (target {target})",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
}

fn main() {
    let dir = std::env::temp_dir().join("rask-latency-bench");
    std::fs::create_dir_all(&dir).expect("dir");
    let csv = dir.join("data.csv");
    let rows: String = (0..10_000).map(|i| format!("{},{}\n", ["a", "b", "c"][i % 3], i)).collect();
    std::fs::write(&csv, format!("k,x\n{rows}")).expect("write the CSV");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rask"));
    if let Some(cache) = std::env::var_os("RASK_CACHE_DIR") {
        cmd.env("RASK_CACHE_DIR", cache);
    }
    // The first start on a machine compiles rask and polars; measure a warm start.
    let mut prepare = Command::new(env!("CARGO_BIN_EXE_rask"));
    if let Some(cache) = std::env::var_os("RASK_CACHE_DIR") {
        prepare.env("RASK_CACHE_DIR", cache);
    }
    assert!(prepare.arg("prepare").status().expect("rask prepare runs").success());
    let start = Instant::now();
    let mut p = expectrl::Session::spawn(cmd).expect("rask starts");
    p.set_expect_timeout(Some(Duration::from_secs(1800)));
    p.expect(PROMPT).expect("the first prompt");
    let first_prompt = start.elapsed().as_secs_f64();
    p.set_expect_timeout(Some(Duration::from_secs(300)));

    let mut cell = |line: &str, answer: &str| {
        let t = Instant::now();
        p.send_line(line).expect("send");
        p.expect(Regex(answer)).expect("the answer");
        p.expect(PROMPT).expect("the prompt");
        t.elapsed().as_secs_f64()
    };
    // The prompt comes at once; the session starts behind it, so the first cell's answer
    // comes when the session is ready.
    let first_cell = cell("let warm = 1;", "");
    let first_answer = start.elapsed().as_secs_f64();
    let trivial: Vec<f64> = (0..ROUNDS).map(|i| cell(&format!("{i} + 1"), &format!("\r\n{}\r\n", i + 1))).collect();
    let pipeline: Vec<f64> = (0..ROUNDS)
        .map(|i| {
            cell(
                &format!(
                    "let q{i} = dd::read_csv({:?})?.filter(col(\"x\").gt(lit({i}))).groupby([\"k\"]).agg([col(\"x\").mean()]);",
                    csv.display().to_string()
                ),
                "",
            )
        })
        .collect();

    println!("rask REPL latency ({ROUNDS} rounds per cell)");
    println!("{:<34} {first_prompt:>10.2} s   (target 5 s on a warm cache)", "time to first prompt");
    println!("{:<34} {first_cell:>10.2} s", "first cell (a let, typed at once)");
    println!("{:<34} {first_answer:>10.2} s   (the session ready: evcxr, rust-analyzer)", "time to first answer");
    report("trivial cell (`i + 1`)", trivial, "0.4 s p50");
    report("dataframe pipeline cell (no compute)", pipeline, "0.8 s p50");
}
