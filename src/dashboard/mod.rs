//! The dashboard: a web page a [`Client`](crate::Client) serves while it lives, and the
//! same page written once as a standalone [`performance_report`].
//!
//! The page (`page.html`) draws everything from one JSON document (`status.rs`): progress
//! per layer, the task stream per thread, memory per worker and the running tasks; the
//! live page fetches it twice a second from `/api/status`, a report carries it inline.
//! `/graph.svg` draws the graph of the latest computation coloured by task state.
//!
//! The server is a few lines over `std::net` (one request per connection, answered on the
//! accepting thread): the library stays free of an HTTP stack. It binds to loopback unless
//! told otherwise; on any other address every request must carry the token that
//! [`Client::dashboard_link`](crate::Client::dashboard_link) shows.

mod report;
mod status;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use std::time::Duration;

pub use report::performance_report;

use crate::client::Inner;
use crate::error::{Error, Result};

/// Where a client's dashboard listens unless told otherwise (Dask's default too).
pub(crate) const DEFAULT_ADDRESS: &str = "127.0.0.1:8787";

const PAGE: &str = include_str!("page.html");

/// A running dashboard server; [`Server::stop`] ends it.
pub(crate) struct Server {
    address: SocketAddr,
    token: Option<String>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Listens on `address` (another free port on the same host when that port is taken)
    /// and serves the client behind `client` until stopped.
    pub(crate) fn start(address: &str, client: Weak<Inner>) -> Result<Server> {
        let bad = |why: String| Error::Invalid(format!("dashboard address '{address}': {why}"));
        let addr = address
            .to_socket_addrs()
            .map_err(|e| bad(e.to_string()))?
            .next()
            .ok_or_else(|| bad("does not resolve to an address".into()))?;
        let listener = match TcpListener::bind(addr) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                TcpListener::bind(SocketAddr::new(addr.ip(), 0)).map_err(|e| bad(e.to_string()))?
            }
            Err(e) => return Err(bad(e.to_string())),
        };
        let address = listener.local_addr().map_err(|e| bad(e.to_string()))?;
        let token = (!address.ip().is_loopback()).then(new_token);
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, token2) = (stop.clone(), token.clone());
        std::thread::Builder::new()
            .name("rask-dashboard".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stop2.load(Ordering::Relaxed) || client.strong_count() == 0 {
                        break;
                    }
                    let (Ok(conn), client, token) = (conn, client.clone(), token2.clone()) else { continue };
                    // One thread per request: a slow peer holds only its own.
                    let _ = std::thread::Builder::new().name("rask-dashboard-request".into()).spawn(move || {
                        let _ = serve(conn, &client, token.as_deref());
                    });
                }
            })
            .map_err(|e| Error::Internal(format!("could not start the dashboard thread: {e}")))?;
        Ok(Server { address, token, stop })
    }

    /// The page's address, with the token when one is needed.
    pub(crate) fn link(&self) -> String {
        let host =
            if self.address.ip().is_unspecified() { "localhost".to_string() } else { self.address.ip().to_string() };
        let host =
            if self.address.is_ipv6() && !self.address.ip().is_unspecified() { format!("[{host}]") } else { host };
        match &self.token {
            Some(t) => format!("http://{host}:{}/status?token={t}", self.address.port()),
            None => format!("http://{host}:{}/status", self.address.port()),
        }
    }

    /// Stops serving (the accepting thread ends at its next connection, which this makes).
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let wake = match self.address {
            a if a.ip().is_unspecified() => SocketAddr::new([127, 0, 0, 1].into(), a.port()),
            a => a,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_millis(200));
    }
}

/// A token nobody can guess: 128 bits from the system's random source.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_err() {
        // No /dev/urandom: std's per-process random hash keys.
        use std::hash::{BuildHasher, RandomState};
        let a = RandomState::new().hash_one(std::time::SystemTime::now());
        let b = RandomState::new().hash_one(std::process::id());
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&b.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The most a request's line and headers may take.
const MAX_REQUEST: u64 = 16 << 10;

/// Answers one request.
fn serve(conn: TcpStream, client: &Weak<Inner>, token: Option<&str>) -> std::io::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(std::io::Read::take(conn.try_clone()?, MAX_REQUEST));
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // The headers: only `Host` matters.
    let (mut line, mut host) = (String::new(), None);
    while reader.read_line(&mut line)? > 2 {
        if std::time::Instant::now() > deadline {
            return Ok(());
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("host")
        {
            host = Some(value.trim().to_string());
        }
        line.clear();
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let given = query.split('&').find_map(|kv| kv.strip_prefix("token="));
    let mut conn = conn;
    if token.is_some() && given != token {
        return respond(
            &mut conn,
            "403 Forbidden",
            "text/plain",
            b"this dashboard needs its token: open the link the client shows\n",
        );
    }
    // Without a token the page is for this machine only: a web page elsewhere that points a
    // name of its own at 127.0.0.1 (DNS rebinding) is refused by its Host header.
    if token.is_none() && !host.as_deref().is_some_and(is_loopback_host) {
        return respond(&mut conn, "403 Forbidden", "text/plain", b"this dashboard answers to localhost only\n");
    }
    let Some(client) = client.upgrade() else {
        return respond(&mut conn, "410 Gone", "text/plain", b"the client has stopped\n");
    };
    let client = &*client;
    match path {
        "/" | "/status" => {
            let page = PAGE.replace("/*RASK_CONFIG*/", &format!("live: true, token: \"{}\"", token.unwrap_or("")));
            respond(&mut conn, "200 OK", "text/html; charset=utf-8", page.as_bytes())
        }
        "/api/status" => {
            let json = status::live(client);
            respond(&mut conn, "200 OK", "application/json", json.as_bytes())
        }
        "/graph.svg" => match status::graph_svg(client) {
            Some(svg) => respond(&mut conn, "200 OK", "image/svg+xml", svg.as_bytes()),
            None => respond(&mut conn, "404 Not Found", "text/plain", b"no computation yet\n"),
        },
        _ => respond(&mut conn, "404 Not Found", "text/plain", b"not found\n"),
    }
}

/// Whether a `Host` header names this machine's loopback: `localhost`, `127.x.x.x`, `[::1]`,
/// with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn respond(conn: &mut TcpStream, status: &str, mime: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    conn.write_all(body)?;
    conn.flush()
}
