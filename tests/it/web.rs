//! Talking to the dashboard: plain HTTP requests, and a real headless browser.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;

/// The response (status, headers, body) to a GET of `url` (`http://host:port/...`), from
/// the status code on.
pub(crate) fn http_get(url: &str) -> String {
    http_get_host(url, "")
}

/// [`http_get`] with another `Host` header (empty: the URL's).
pub(crate) fn http_get_host(url: &str, host_header: &str) -> String {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let host = host.replace("localhost", "127.0.0.1");
    let mut conn = std::net::TcpStream::connect(&host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    let header = if host_header.is_empty() { host.as_str() } else { host_header };
    write!(conn, "GET {path} HTTP/1.1\r\nHost: {header}\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    conn.read_to_string(&mut out).expect("read");
    out.split_once(' ').map_or(out.clone(), |(_, status)| status.to_string())
}

/// Debian's chromium (`.ci/run` installs it).
pub(crate) fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("the dashboard test needs chromium: apt-get install chromium (.ci/run installs it)")
}

/// The page's DOM after its scripts ran for 3 s of virtual time (its polls included).
pub(crate) fn dump_dom(chromium: &PathBuf, url: &str) -> String {
    let profile = tempdir();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rask-it-chromium-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("profile dir");
    dir
}
