//! The `rask` binary driven as a user drives it: `rask run FILE` on files of REPL input, and
//! the interactive prompt under a pseudo-terminal (typing, Ctrl-C).
//!
//! The first start on a machine compiles rask and polars inside evcxr (minutes). The cache
//! lives in the system's temporary directory (evcxr's crate cannot live inside this
//! workspace: cargo would take it for a member), so later runs reuse it; the tests run one
//! at a time, since sessions running together would each claim a build directory of their
//! own and compile everything again.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use expectrl::{ControlCode, Expect, Regex};

/// Taken by each test for its whole run.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// `rask` with the tests' cache.
fn rask() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rask"));
    cmd.env("RASK_CACHE_DIR", std::env::temp_dir().join("rask-test-cache"));
    // Panics are told in one line unless the user asks for backtraces.
    cmd.env_remove("RUST_BACKTRACE");
    cmd.env("RASK_GRAPH_DIR", PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graphs"));
    cmd
}

/// Runs `rask run` on `text`.
fn rask_run(name: &str, text: &str) -> Output {
    let _turn = one_at_a_time();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repl-run");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write");
    rask().arg("run").arg(&file).output().expect("rask runs")
}

#[test]
fn run_prints_values_of_a_delayed_pipeline_a_dataframe_an_array_and_a_bag() {
    let out = rask_run(
        "pipeline.rs",
        r#"
/// Numbers 0..n.
#[delayed]
fn load(n: i64) -> Vec<i64> { (0..n).collect() }

#[delayed]
fn total(parts: Vec<Vec<i64>>) -> i64 { parts.iter().flatten().sum() }

let t = total(vec![load(3), load(5)]);
display(&"shown mid-cell");
t.compute()? + 1

use rask::polars::prelude::*;
let pl = df!("k" => ["a", "b", "a"], "v" => [1i64, 2, 3])?;
let sums = dd::from_polars(pl, 2).groupby(["k"]).agg([col("v").sum()]);
let computed = sums.compute()?;
computed.sort(["k"], Default::default())?.column("v")?.i64()?.to_vec()
sums

let x = da::arange(0.0, 12.0, 1.0, 5)?.reshape_rows(3)?;
x.sum(0).to_vec()?
x
let words = db::from_sequence(["a b", "b"], 2)?.flat_map(|s: &str| s.split(' ').map(String::from).collect::<Vec<_>>());
words.frequencies_sorted().compute()?[0].clone()
"#,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rask run failed:\n{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    // 0+1+2 + 0+1+2+3+4, plus one
    assert!(lines.contains(&"14"), "the delayed value: {stdout}");
    assert!(lines.contains(&"shown mid-cell"), "display() prints the text form: {stdout}");
    // A frame computed in one cell and sorted by polars in the next (cells share one polars).
    assert!(lines.contains(&"[Some(4), Some(2)]"), "the group sums: {stdout}");
    assert!(lines.contains(&"DataFrame: 1 partitions, columns k: str, v: i64"), "the frame's display: {stdout}");
    // An array's column sums (0+3+6+9, ...) and display; a bag's most frequent word.
    assert!(lines.contains(&"[18.0, 22.0, 26.0]"), "the array's sums: {stdout}");
    assert!(
        lines.iter().any(|l| l.starts_with("Array<float64>: shape (4, 3), blocks")),
        "the array's display: {stdout}"
    );
    assert!(lines.contains(&r#"("b", 2)"#), "the bag's frequencies: {stdout}");
}

#[test]
fn run_stops_at_the_first_error_with_its_line() {
    let out = rask_run("bad.rs", "let x = 1;\n\nlet y: i64 = \"two\";\nx + 1\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("bad.rs:3: error[E0308]: mismatched types"), "{stderr}");
    assert!(stderr.contains("   | let y: i64 = \"two\";"), "the span is shown: {stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "2"), "nothing runs after the error");

    let out = rask_run("panics.rs", "let v: Vec<i64> = vec![1, 2];\neprintln!(\"before\"); v[5]\nv.len()\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let told: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("rask: ")).collect();
    assert_eq!(
        told,
        [
            "before",
            "the cell panicked: index out of bounds: the len is 2 but the index is 5",
            "error: panics.rs:2: the cell stopped at an error (printed above)"
        ]
        .map(|l| l.replace(
            "panics.rs",
            &PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repl-run/panics.rs").display().to_string()
        )),
        "the panic in one line, before the error that ends the run: {stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "2"), "nothing runs after the panic");
}

/// A new prompt: rustyline turns bracketed paste on, then draws `>> `. (A bare `>> ` also
/// matches the redraw of a line that wraps, and a line typed before rustyline has read the
/// previous one to its end is dropped with rustyline's read buffer.)
const PROMPT: Regex<&str> = Regex(r"\x1b\[\?2004h[^\n]*?>> ");

/// `rask` under a pseudo-terminal.
struct Terminal(expectrl::session::OsSession);

impl Terminal {
    /// Waits for `needle`; on a timeout, fails showing `what` was awaited and the output
    /// that came instead.
    fn wait(&mut self, needle: impl expectrl::Needle, what: &str) -> expectrl::Captures {
        match self.0.expect(needle) {
            Ok(found) => found,
            Err(e) => {
                let (mut rest, mut buf) = (Vec::new(), [0u8; 4096]);
                while let Ok(n @ 1..) = self.0.try_read(&mut buf) {
                    rest.extend_from_slice(&buf[..n]);
                }
                panic!("{what}: {e}; the terminal showed instead:\n{}", String::from_utf8_lossy(&rest));
            }
        }
    }

    /// Types `line` and Enter.
    fn line(&mut self, line: &str) {
        self.0.send_line(line).expect("typing");
    }

    /// Types `keys`.
    fn keys(&mut self, keys: impl AsRef<[u8]>) {
        self.0.send(keys).expect("typing");
    }
}

/// The interactive prompt under a pseudo-terminal.
fn prompt() -> Terminal {
    // The first start on a machine compiles rask and polars: `rask prepare` waits for it
    // without the busy polling of `expect`.
    assert!(rask().arg("prepare").status().expect("rask prepare runs").success());
    let mut p = expectrl::Session::spawn(rask()).expect("rask starts under a pty");
    p.set_expect_timeout(Some(Duration::from_secs(300)));
    let mut p = Terminal(p);
    p.wait(PROMPT, "the first prompt");
    p.0.set_expect_timeout(Some(Duration::from_secs(120)));
    p
}

#[test]
fn a_compile_error_then_ctrl_c_keep_earlier_variables() {
    let _turn = one_at_a_time();
    let mut p = prompt();
    p.line("let a = 41;");
    p.wait(PROMPT, "prompt");
    p.line("let b: i64 = \"two\";");
    p.wait("error[E0308]: mismatched types", "the compile error");
    p.wait(PROMPT, "prompt");
    p.line("a + 1");
    p.wait(Regex("\r\n42\r\n"), "a is intact after the error");

    // About 10 s of work on two threads, interrupted after it started.
    p.line("let slow: Vec<Delayed<u64>> = (0..2000u64).map(|i| Delayed::value(i).map(|i| { std::thread::sleep(std::time::Duration::from_millis(10)); i })).collect();");
    p.wait(PROMPT, "prompt");
    p.line("println!(\"computing\"); rask::compute(&slow)?.len()");
    p.wait(Regex("\r\ncomputing\r\n"), "the cell runs");
    p.wait(Regex(r"\] \d+/2000 tasks"), "a progress bar on the terminal");
    p.keys(ControlCode::EndOfText);
    p.wait("cancelled", "the computation is cancelled");
    p.wait(PROMPT, "prompt");
    p.line("a + 2");
    p.wait(Regex("\r\n43\r\n"), "a is intact after Ctrl-C");

    // A cell that ignores the interrupt: its process restarts, and what was lost is said.
    p.line("loop { std::thread::sleep(std::time::Duration::from_millis(10)); }");
    std::thread::sleep(Duration::from_secs(4));
    p.keys(ControlCode::EndOfText);
    p.wait(Regex("the session restarted; these variables were lost: .*a"), "the restart is reported");
    p.wait(PROMPT, "prompt");
    p.line("7 * 6");
    p.wait(Regex("\r\n42\r\n"), "the new session works");
}

#[test]
fn tab_completes_and_visualize_draws_the_graph_as_text_and_names_the_svg() {
    let _turn = one_at_a_time();
    let mut p = prompt();
    p.line("let v: Vec<u8> = Vec::new();");
    p.wait(PROMPT, "prompt");
    p.keys("v.is_em");
    p.keys("\t");
    p.line("");
    p.wait(Regex("\r\ntrue\r\n"), "Tab completed is_empty");

    p.line("let x = delayed!(i64::abs(-3)).map(|v| v * 2);");
    p.wait(PROMPT, "prompt");
    p.line("x.visualize()?");
    let drawn = p.wait(Regex(r"graph written to [^\r\n]+\.svg"), "the file");
    let path =
        String::from_utf8_lossy(drawn.get(0).expect("match")).trim_start_matches("graph written to ").to_string();
    let svg = std::fs::read_to_string(&path).expect("the SVG file exists");
    assert!(svg.contains("<svg"), "{path}");
    let before = String::from_utf8_lossy(drawn.before()).to_string();
    assert!(before.contains("abs"), "the text drawing names the tasks: {before}");
}

#[test]
fn a_future_runs_behind_the_prompt_and_its_end_is_shown_above_it() {
    let _turn = one_at_a_time();
    let mut p = prompt();
    p.line("let client = Client::builder().threads(2).dashboard(None).build()?;");
    p.wait(PROMPT, "prompt");
    p.line("let f = client.submit(|| { std::thread::sleep(std::time::Duration::from_secs(6)); 6 * 7 });");
    p.wait(PROMPT, "the prompt comes back while the future runs");
    p.line("f");
    p.wait(Regex(r"Future<i32> 'lambda-[0-9a-f]+': (pending|running)"), "the future shows its status");
    p.wait(PROMPT, "prompt");
    // The future ends while the prompt waits; its final state is told when Enter is next
    // pressed, before the cell's output.
    std::thread::sleep(Duration::from_secs(8));
    p.line("1 + 1");
    p.wait(Regex(r"Future<i32> 'lambda-[0-9a-f]+': finished\r\n2\r\n"), "the update, then the cell's value");
    p.line("f.result()? + 1");
    p.wait(Regex("\r\n43\r\n"), "the result");
    p.wait(PROMPT, "prompt");
    // An async cell awaits futures.
    p.line("let g = client.submit_with(|x: i32| x * 2, (&f,)); g.await? + 1");
    p.wait(Regex("\r\n85\r\n"), "awaited in an async cell");
}
