//! Compiling a cell without cargo.
//!
//! For each cell evcxr runs `cargo build`, and cargo spends about 0.2 s checking the
//! fingerprints of the ~370 crates rask depends on before it runs rustc on the cell (another
//! 0.2 s). Between two cells only the cell's source changes, so the rustc command cargo ran
//! for the previous cell compiles the next one as well.
//!
//! evcxr runs cargo as `mold -run <cargo> build ...` when its linker is mold, finding `mold`
//! on `PATH`. The session puts a `mold` of its own first on `PATH` (this binary, under the
//! name `mold`, in the build directory; see [`install`]); [`shim`] then decides:
//! - **slow path**: the cargo build runs as usual (through the real mold when installed);
//!   meanwhile the rustc wrapper records the rustc command of the cell crate
//!   ([`record_rustc`]), and once cargo succeeded the build's inputs are noted beside it:
//!   `Cargo.toml`, `Cargo.lock` and cargo's arguments.
//! - **fast path**: when those inputs (and the compiler) are unchanged, the recorded rustc command runs
//!   directly, and the shim tells evcxr where the cell's library is, as evcxr's own wrapper
//!   does. Anything else (a `:dep`, another cargo command, a record missing) takes the slow
//!   path.
//!
//! Edits to rask's own sources while a session runs are not picked up by the fast path (a
//! running session cannot load a new rask anyway).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The name the shim answers to.
const SHIM: &str = "mold";
/// Names the file the wrapper records the cell's rustc command in, during a slow build.
const RECORD_ENV: &str = "RASK_CELL_RUSTC_RECORD";
/// The recorded rustc command, under the cell crate's directory.
const RECORD: &str = "target/rask-cell-rustc";
/// The inputs of the build that recorded it.
const INPUTS: &str = "target/rask-cell-inputs";
/// Where evcxr wants the path of the compiled cell library written.
const SO_PATH_ENV: &str = "EVCXR_EXECUTION_SO_PATH";
/// The variables of evcxr's cargo command that name the compiler and its std.
const TOOLCHAIN: [&str; 3] = ["RUSTC", "RUSTFLAGS", "EVCXR_CORE_EXTERN"];
/// Variables of cargo's jobserver, which do not outlive the cargo that set them.
const JOBSERVER: [&str; 3] = ["CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS"];

/// Puts the shim first on `PATH`: `<dir>/bin/mold`, a link to this binary. Returns whether
/// it is in place (the session then asks evcxr for mold).
///
/// # Safety
/// Sets `PATH`: call it before other threads run.
pub(crate) unsafe fn install(dir: &Path) -> bool {
    let bin = dir.join("bin");
    let link = bin.join(SHIM);
    let Ok(exe) = std::env::current_exe() else { return false };
    let _ = std::fs::create_dir_all(&bin);
    let _ = std::fs::remove_file(&link);
    if std::os::unix::fs::symlink(&exe, &link).is_err() {
        return false;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Ok(path) = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))) else { return false };
    // SAFETY: the caller's promise.
    unsafe { std::env::set_var("PATH", path) };
    true
}

/// Takes over when this binary was started as the shim (and then never returns); does
/// nothing otherwise.
pub(crate) fn shim() {
    let name = std::env::args_os().next().map(PathBuf::from);
    if name.as_deref().and_then(Path::file_name) != Some(OsStr::new(SHIM)) {
        return;
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let real_mold = real_mold();
    let cargo = match args.split_first() {
        Some((run, cargo)) if run == "-run" && !cargo.is_empty() => cargo,
        _ => match &real_mold {
            Some(mold) => exec(Command::new(mold).args(&args)),
            None => fail("rask's mold shim was run without `-run` and no mold is installed"),
        },
    };
    let mut command = match &real_mold {
        Some(mold) => {
            let mut c = Command::new(mold);
            c.arg("-run").args(cargo);
            c
        }
        None => {
            let mut c = Command::new(&cargo[0]);
            c.args(&cargo[1..]);
            c
        }
    };
    if cargo.get(1).is_none_or(|c| c != "build") {
        exec(&mut command);
    }
    if let Some(code) = fast_build(&cargo[1..]) {
        std::process::exit(code);
    }
    let _ = std::fs::remove_file(RECORD);
    let status = command.env(RECORD_ENV, std::path::absolute(RECORD).unwrap_or(RECORD.into())).status();
    match status {
        Ok(status) => {
            if status.success() && Path::new(RECORD).exists() {
                let _ = inputs(&cargo[1..]).map(|now| std::fs::write(INPUTS, now));
            }
            std::process::exit(status.code().unwrap_or(1));
        }
        Err(e) => fail(&format!("running {}: {e}", cargo[0].display())),
    }
}

/// In the rustc wrapper, as it hands over to the real rustc: records the command when it
/// compiles the cell crate during a build the shim watches.
pub(crate) fn record_rustc(program: &Path, args: &[OsString]) {
    let Some(record) = std::env::var_os(RECORD_ENV) else { return };
    let is_cell = args.windows(2).any(|w| w[0] == "--crate-name" && w[1] == "ctx");
    if !is_cell {
        return;
    }
    let Ok(cwd) = std::env::current_dir() else { return };
    let mut fields = vec![program.as_os_str().to_owned(), cwd.into_os_string(), args.len().to_string().into()];
    fields.extend(args.iter().cloned());
    fields.extend(
        std::env::vars_os()
            .filter(|(k, _)| k != RECORD_ENV && !JOBSERVER.iter().any(|j| k == j))
            .map(|(k, v)| [k, v].join(OsStr::new("="))),
    );
    let _ = std::fs::write(record, encode(&fields));
}

/// Runs the recorded rustc command when the build's inputs are those it was recorded with;
/// its exit code, or `None` to take the slow path.
fn fast_build(cargo_args: &[OsString]) -> Option<i32> {
    if std::fs::read(INPUTS).ok()? != inputs(cargo_args).ok()? {
        return None;
    }
    let fields = decode(&std::fs::read(RECORD).ok()?);
    let (program, cwd, count) = (fields.first()?, fields.get(1)?, fields.get(2)?.to_str()?.parse::<usize>().ok()?);
    let args = fields.get(3..3 + count)?;
    let env = fields[3 + count..].iter().filter_map(|kv| {
        let bytes = kv.as_bytes();
        let eq = bytes.iter().position(|&b| b == b'=')?;
        Some((OsStr::from_bytes(&bytes[..eq]), OsStr::from_bytes(&bytes[eq + 1..])))
    });
    let status = Command::new(program).args(args).current_dir(cwd).env_clear().envs(env).status().ok()?;
    if status.success() {
        let out_dir = args.windows(2).find(|w| w[0] == "--out-dir").map(|w| PathBuf::from(&w[1]))?;
        if let Some(so_path) = std::env::var_os(SO_PATH_ENV) {
            std::fs::write(so_path, out_dir.join("libctx.so").as_os_str().as_bytes()).ok()?;
        }
    }
    Some(if status.success() { 0 } else { 101 })
}

/// What decides whether a recorded command still builds the cell: the manifest, the lock
/// file, cargo's arguments, and the variables evcxr gives cargo that name the toolchain
/// (the shared std's file name changes with the compiler's version).
fn inputs(cargo_args: &[OsString]) -> std::io::Result<Vec<u8>> {
    let mut fields =
        vec![OsString::from_vec(std::fs::read("Cargo.toml")?), OsString::from_vec(std::fs::read("Cargo.lock")?)];
    fields.extend(cargo_args.iter().cloned());
    fields.extend(TOOLCHAIN.iter().map(|name| std::env::var_os(name).unwrap_or_default()));
    Ok(encode(&fields))
}

/// Fields separated by NUL (which no argument, path or variable contains).
fn encode(fields: &[OsString]) -> Vec<u8> {
    fields.iter().map(|f| f.as_bytes()).collect::<Vec<_>>().join(&0)
}

fn decode(bytes: &[u8]) -> Vec<OsString> {
    bytes.split(|&b| b == 0).map(|f| OsString::from_vec(f.to_vec())).collect()
}

/// The first `mold` on `PATH` that is not this binary.
fn real_mold() -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(SHIM))
        .find(|candidate| candidate.is_file() && std::fs::canonicalize(candidate).ok().as_ref() != Some(&me))
}

fn exec(command: &mut Command) -> ! {
    let error = command.exec();
    fail(&format!("running {}: {error}", command.get_program().display()))
}

fn fail(message: &str) -> ! {
    eprintln!("rask: {message}");
    std::process::exit(101)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_survive_encoding() {
        let fields: Vec<OsString> = ["rustc", "", "--crate-name", "ctx", "A=b=c"].iter().map(OsString::from).collect();
        assert_eq!(decode(&encode(&fields)), fields);
    }
}
