//! The kernel driven by Jupyter's own Python clients: the kernelspec as `jupyter` reads it,
//! the `jupyter_kernel_test` suite, an interrupt, in-place updates of a background future,
//! and every notebook in `notebooks/` run top to bottom by nbclient.
//!
//! The Python clients come from `tests/requirements.txt` (`.ci/run` installs them in
//! `target/ci-venv` and puts it first on `PATH`). Kernels share the REPL tests' cache of
//! compiled rask (`rask-test-cache` in the temporary directory) and run one at a time, as
//! sessions running together would each take a build directory of their own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Taken by each test for its whole run.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const MODULES: &str = "import jupyter_client, nbclient, nbformat, jupyter_kernel_test";

/// A Python that has the test clients: the one on `PATH`, else the venv `.ci/run` makes
/// (`target/ci-venv`), made here if missing, so that `cargo test` alone runs everything.
fn python() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let has_clients =
                |python: &Path| Command::new(python).args(["-c", MODULES]).output().is_ok_and(|o| o.status.success());
            let venv = workspace().join("target/ci-venv");
            let venv_python = venv.join("bin/python");
            if let Some(found) = [PathBuf::from("python3"), venv_python.clone()].into_iter().find(|p| has_clients(p)) {
                return found;
            }
            let requirements = workspace().join("tests/requirements.txt");
            let made = venv_python.exists()
                || Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success());
            let installed = made
                && Command::new(&venv_python)
                    .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r"])
                    .arg(&requirements)
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(
                installed && has_clients(&venv_python),
                "no Python with the kernel's test clients, and making {} failed: install python3-venv, \
                 or run `bash .ci/run`",
                venv.display()
            );
            venv_python
        })
        .clone()
}

/// A Jupyter data directory with the kernelspec installed by `rask-kernel install`.
fn jupyter_path() -> PathBuf {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jupyter-prefix");
            let out = Command::new(env!("CARGO_BIN_EXE_rask-kernel"))
                .args(["install", "--prefix"])
                .arg(&prefix)
                .output()
                .expect("rask-kernel runs");
            assert!(out.status.success(), "install failed: {}", String::from_utf8_lossy(&out.stderr));
            prefix.join("share/jupyter")
        })
        .clone()
}

/// Runs a script of `kernel/tests/jupyter/` with the kernelspec and the tests' cache;
/// returns its standard output and error, failing the test (with both) if it failed.
fn run_python(script: &str, args: &[&Path]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jupyter").join(script))
        .args(args)
        .env("JUPYTER_PATH", jupyter_path())
        .env("JUPYTER_RUNTIME_DIR", dir.join("jupyter-runtime"))
        .env("JUPYTER_PLATFORM_DIRS", "1")
        .env("RASK_CACHE_DIR", std::env::temp_dir().join("rask-test-cache"))
        .env("RASK_GRAPH_DIR", dir.join("graphs"))
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("python runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} failed:\n{text}");
    text
}

#[test]
fn jupyter_finds_the_installed_kernelspec() {
    let _turn = one_at_a_time();
    let out = Command::new(python())
        .args([
            "-c",
            "import json; from jupyter_client.kernelspec import KernelSpecManager as M; \
             s = M().get_kernel_spec('rask'); print(json.dumps([s.display_name, s.language, s.interrupt_mode, s.argv[1:]]))",
        ])
        .env("JUPYTER_PATH", jupyter_path())
        .env("JUPYTER_PLATFORM_DIRS", "1")
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), r#"["Rust (rask)", "rust", "message", ["--connection-file", "{connection_file}"]]"#);
}

#[test]
fn passes_the_jupyter_kernel_test_suite() {
    let _turn = one_at_a_time();
    let out = run_python("suite.py", &[]);
    // Every configured check runs; only the pager (no rask command pages) is skipped. (The
    // count is that of jupyter_kernel_test 0.7.0, pinned in tests/requirements.txt.)
    assert!(out.contains("Ran 12 tests"), "{out}");
    assert!(out.contains("OK (skipped=1)"), "{out}");
    assert!(out.contains("test_pager") && out.contains("skipped 'No code page something'"), "{out}");
}

#[test]
fn an_interrupt_cancels_the_running_cell_and_keeps_the_variables() {
    let _turn = one_at_a_time();
    let out = run_python("interrupt.py", &[]);
    assert!(out.contains("`kept` survived"), "{out}");
}

#[test]
fn a_background_future_is_updated_in_place() {
    let _turn = one_at_a_time();
    let out = run_python("updates.py", &[]);
    assert!(out.contains("background future updated in place"), "{out}");
}

#[test]
fn every_notebook_runs_top_to_bottom_and_is_stored_without_outputs() {
    let mut notebooks: Vec<PathBuf> = std::fs::read_dir(workspace().join("notebooks"))
        .expect("notebooks/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    notebooks.sort();
    assert!(notebooks.len() >= 5, "{notebooks:?}");
    for path in &notebooks {
        let text = std::fs::read_to_string(path).expect("read");
        let notebook: serde_json::Value = serde_json::from_str(&text).expect("a notebook is JSON");
        assert_eq!(notebook["metadata"]["kernelspec"]["name"], "rask", "{}", path.display());
        // Outputs are stripped in git: a stored output would be a result nobody checked.
        for cell in notebook["cells"].as_array().expect("cells").iter().filter(|c| c["cell_type"] == "code") {
            assert_eq!(cell["outputs"], serde_json::json!([]), "{} is stored with outputs", path.display());
            assert!(cell["execution_count"].is_null(), "{} is stored with execution counts", path.display());
        }
    }
    let _turn = one_at_a_time();
    let paths: Vec<&Path> = notebooks.iter().map(PathBuf::as_path).collect();
    let out = run_python("run_notebooks.py", &paths);
    assert_eq!(out.lines().filter(|l| l.starts_with("ok ")).count(), notebooks.len(), "{out}");
}
