//! Dynamic linking of cells: rask and polars are shared libraries that every cell links to.
//!
//! Then a value made in one cell has the same type, with the same statics, in the next
//! (statically linked cells each carry their own copy of polars, whose hashing seeds then
//! differ between cells), and each cell links in a fraction of the time.
//!
//! evcxr links statically by default; the session gives it its own configuration directory
//! (`EVCXR_CONFIG_DIR`, which also keeps a user's own evcxr settings out) whose `evcxr.toml`
//! turns dynamic linking on from the first build, so evcxr never switches modes (a switch
//! makes it `cargo clean` the build directory).
//!
//! evcxr's dynamic linking has its rustc wrapper (this binary, entered through
//! [`hook`]) pass `--extern core=<libstd .so>` to every crate, so that `#![no_std]` crates
//! link against the one shared std. Since Rust 1.86 that `.so` carries only a metadata stub,
//! and rustc stops with "only metadata stub found for `dylib` dependency `core`" unless it
//! is also given the `.rmeta` beside it. So the wrapper runs again with this binary as its
//! rustc, which adds the `.rmeta` and hands over to the real rustc.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// Where the second pass finds the real rustc.
const REAL_RUSTC: &str = "RASK_REAL_RUSTC";

/// Writes evcxr's configuration for rask's sessions under `root` and points evcxr at it.
///
/// # Safety
/// Sets environment variables: call it before other threads run.
pub(crate) unsafe fn configure_evcxr(root: &Path) -> std::io::Result<()> {
    let dir = root.join("evcxr-config");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("evcxr.toml"), "[evcxr]\nallow_static_linking = false\n")?;
    // SAFETY: the caller's promise.
    unsafe { std::env::set_var("EVCXR_CONFIG_DIR", &dir) };
    Ok(())
}

/// Takes over when evcxr started this binary as its rustc wrapper; returns otherwise.
///
/// Cargo runs `<this binary> <rustc> ARGS` (evcxr's wrapper). The first pass runs the same
/// again as `<this binary> <this binary> ARGS` with the real rustc in `RASK_REAL_RUSTC`;
/// evcxr's hook handles that one, and runs `<this binary> ARGS'` as rustc, which adds the
/// std `.rmeta` to ARGS' and runs the real rustc.
pub(crate) fn hook() {
    if std::env::var_os("EVCXR_RUSTC_WRAPPER").is_none() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let (program, args): (PathBuf, Vec<OsString>) = match std::env::var_os(REAL_RUSTC) {
        None => match args.split_first() {
            Some((rustc, rest)) => {
                crate::progress::log_crate(rest);
                // SAFETY: single-threaded: nothing else has run in this process yet.
                unsafe { std::env::set_var(REAL_RUSTC, rustc) };
                (exe.clone(), std::iter::once(exe.into_os_string()).chain(rest.iter().cloned()).collect())
            }
            None => return,
        },
        Some(_) if args.first().map(Path::new) == Some(exe.as_path()) => return,
        Some(rustc) => {
            let args = with_core_rmeta(args);
            crate::fast_cell::record_rustc(Path::new(&rustc), &args);
            (rustc.into(), args)
        }
    };
    let error = std::process::Command::new(&program).args(args).exec();
    eprintln!("rask: running {}: {error}", program.display());
    std::process::exit(1);
}

/// `args` with `--extern core=<dir>/libstd-*.rmeta` after each `--extern core=<dir>/libstd-*.so`.
fn with_core_rmeta(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len() + 2);
    let mut after_extern = false;
    for arg in args {
        let rmeta = after_extern
            .then(|| arg.to_str()?.strip_prefix("core=")?.strip_suffix(".so").map(|stem| format!("core={stem}.rmeta")))
            .flatten();
        after_extern = arg == "--extern";
        out.push(arg);
        if let Some(rmeta) = rmeta {
            out.push("--extern".into());
            out.push(rmeta.into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rmeta_follows_the_shared_std() {
        let args = ["--crate-name", "x", "--extern", "core=/sys/libstd-ab.so", "--extern", "serde=/t/libserde.so"];
        let out = with_core_rmeta(args.iter().map(OsString::from).collect());
        let expected = [
            "--crate-name",
            "x",
            "--extern",
            "core=/sys/libstd-ab.so",
            "--extern",
            "core=/sys/libstd-ab.rmeta",
            "--extern",
            "serde=/t/libserde.so",
        ];
        assert_eq!(out, expected.iter().map(OsString::from).collect::<Vec<_>>());
    }
}
