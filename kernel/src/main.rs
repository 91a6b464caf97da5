//! `rask-kernel`: a Jupyter kernel for Rust with rask preloaded, on the same session as the
//! `rask` REPL (`rask-session`, on evcxr).
//!
//! - `rask-kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]` writes the
//!   kernelspec; Jupyter then starts the kernel as
//! - `rask-kernel --connection-file FILE`, which serves the protocol on the sockets the
//!   file names (see `server.rs`) and runs cells in a session started in the background
//!   (`cells.rs`), so kernel_info is answered at once.

mod cells;
mod history;
mod install;
mod iopub;
mod server;
mod wire;

use std::process::ExitCode;

/// What turns on the progress bar under a cell (rask's `diagnostics::notebook::IN_NOTEBOOK`).
const PROGRESS_DISPLAY: &str = "RASK_PROGRESS_DISPLAY";

const USAGE: &str = "usage: rask-kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]
       rask-kernel --connection-file FILE   (how Jupyter starts the kernel)";

fn main() -> ExitCode {
    rask_session::runtime_hook();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["install", rest @ ..] => install(&rest.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        ["--connection-file" | "-f", file] => run(file),
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments: {}\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rask-kernel: {e}");
            ExitCode::FAILURE
        }
    }
}

fn install(args: &[String]) -> Result<(), String> {
    let install = install::Install::parse(args).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| format!("finding this program's path: {e}"))?;
    let dir = install.write(&exe).map_err(|e| e.to_string())?;
    println!("installed kernelspec {} in {}", install.name, dir.display());
    Ok(())
}

fn run(file: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let info = serde_json::from_str(&text).map_err(|e| format!("{file}: not a connection file: {e}"))?;
    // The notebook's progress bar follows compute() in cells.
    // SAFETY: no other thread runs yet (the session is prepared before any starts).
    unsafe { std::env::set_var(PROGRESS_DISPLAY, "1") };
    let starter = rask_session::Session::prepare().map_err(|e| e.to_string())?;
    let version = rustc_version();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(server::serve(info, starter, version)).map_err(|e| e.to_string())?;
    // The session's process ends when its pipes close with this one.
    std::process::exit(0)
}

/// The version of the rustc that compiles cells (`1.89.0`), or empty.
fn rustc_version() -> String {
    let out = std::process::Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("--version")
        .output();
    out.ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_default()
}
