//! `rask-kernel install`: writes the kernelspec (`kernel.json` and the logos) where Jupyter
//! looks for kernels, so JupyterLab, Notebook, `jupyter console` and nbclient can start
//! this binary like any kernel.

use std::path::{Path, PathBuf};

/// Where to install, from the command line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Install {
    /// The kernel's name (its directory, and what `--kernel NAME` picks).
    pub(crate) name: String,
    /// The Jupyter data directory the spec goes under (`<dir>/kernels/<name>`).
    pub(crate) data_dir: PathBuf,
}

/// Why installing failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InstallError {
    /// The arguments are wrong.
    #[error("{0}\n{USAGE}")]
    Usage(String),
    /// A file could not be written.
    #[error("writing {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

pub(crate) const USAGE: &str = "usage: rask-kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]
  --user        for this user (the default): $JUPYTER_DATA_DIR, else ~/.local/share/jupyter
  --sys-prefix  into the active virtual environment ($VIRTUAL_ENV/share/jupyter)
  --prefix DIR  into DIR/share/jupyter (what `jupyter kernelspec list` reads with JUPYTER_PATH
                or from that prefix's Jupyter)
  --name NAME   the kernel's name (default: rask)";

impl Install {
    /// Reads `install`'s arguments (after the word `install`).
    pub(crate) fn parse(args: &[String]) -> Result<Install, InstallError> {
        let mut name = "rask".to_string();
        let mut data_dir = None;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value =
                |flag: &str| args.next().cloned().ok_or_else(|| InstallError::Usage(format!("{flag} needs a value")));
            match arg.as_str() {
                "--user" => data_dir = Some(user_data_dir()?),
                "--sys-prefix" => {
                    let prefix = std::env::var_os("VIRTUAL_ENV").ok_or_else(|| {
                        InstallError::Usage(
                            "--sys-prefix: no virtual environment is active (VIRTUAL_ENV is unset)".into(),
                        )
                    })?;
                    data_dir = Some(PathBuf::from(prefix).join("share/jupyter"));
                }
                "--prefix" => data_dir = Some(PathBuf::from(value("--prefix")?).join("share/jupyter")),
                "--name" => name = value("--name")?,
                other => return Err(InstallError::Usage(format!("unknown argument `{other}`"))),
            }
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
            return Err(InstallError::Usage(format!("`{name}` is not a kernel name (letters, digits, `-`, `.`, `_`)")));
        }
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => user_data_dir()?,
        };
        Ok(Install { name, data_dir })
    }

    /// Writes the spec for the kernel at `exe`; returns its directory.
    pub(crate) fn write(&self, exe: &Path) -> Result<PathBuf, InstallError> {
        let dir = self.data_dir.join("kernels").join(&self.name);
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| InstallError::Write { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(fail(&dir))?;
        let spec = spec(exe);
        let files: [(&str, &[u8]); 4] = [
            ("kernel.json", spec.as_bytes()),
            ("logo-32x32.png", include_bytes!("../assets/logo-32x32.png")),
            ("logo-64x64.png", include_bytes!("../assets/logo-64x64.png")),
            ("logo-svg.svg", include_bytes!("../assets/logo-svg.svg")),
        ];
        for (name, bytes) in files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(fail(&path))?;
        }
        Ok(dir)
    }
}

/// The kernelspec's `kernel.json` for the kernel binary at `exe`.
fn spec(exe: &Path) -> String {
    let spec = serde_json::json!({
        "argv": [exe.display().to_string(), "--connection-file", "{connection_file}"],
        "display_name": "Rust (rask)",
        "language": "rust",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    });
    format!("{spec:#}\n")
}

/// The user's Jupyter data directory: `JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter`,
/// else `~/.local/share/jupyter` (Jupyter's own rule on Linux).
fn user_data_dir() -> Result<PathBuf, InstallError> {
    if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("jupyter"));
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".local/share/jupyter"))
        .ok_or_else(|| InstallError::Usage("HOME is unset: say where with --prefix DIR".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_prefix_and_a_name_place_the_spec() {
        let install = Install::parse(&args(&["--prefix", "/opt/j", "--name", "rask-dev"])).expect("parses");
        assert_eq!(install, Install { name: "rask-dev".into(), data_dir: PathBuf::from("/opt/j/share/jupyter") });
        let dir = std::env::temp_dir().join(format!("rask-kernelspec-{}", std::process::id()));
        let written =
            Install { name: "rask".into(), data_dir: dir.clone() }.write(Path::new("/bin/rk")).expect("writes");
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(written.join("kernel.json")).expect("read")).expect("json");
        assert_eq!(spec["argv"], serde_json::json!(["/bin/rk", "--connection-file", "{connection_file}"]));
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["display_name"], "Rust (rask)");
        assert!(written.join("logo-64x64.png").exists());
        std::fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn bad_arguments_say_which() {
        let e = Install::parse(&args(&["--prefx", "/x"])).expect_err("unknown");
        assert!(e.to_string().starts_with("unknown argument `--prefx`"), "{e}");
        let e = Install::parse(&args(&["--name"])).expect_err("no value");
        assert!(e.to_string().starts_with("--name needs a value"), "{e}");
        let e = Install::parse(&args(&["--name", "a/b"])).expect_err("bad name");
        assert!(e.to_string().starts_with("`a/b` is not a kernel name"), "{e}");
    }
}
