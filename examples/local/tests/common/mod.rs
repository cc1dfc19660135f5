//! Shared by the local stack's test binaries: a stack per test on free ports,
//! and a raw HTTP/1.1 client (bad-input tests need bytes no HTTP library sends).
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use local_stack::{Config, Stack};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// A config on free loopback ports with a fresh table.
pub fn config(prefix: &str) -> Config {
    Config {
        edge_addr: "127.0.0.1:0".parse().unwrap(),
        api_addr: "127.0.0.1:0".parse().unwrap(),
        http_api_addr: "127.0.0.1:0".parse().unwrap(),
        http_api_jwt_addr: "127.0.0.1:0".parse().unwrap(),
        function_url_writer_addr: "127.0.0.1:0".parse().unwrap(),
        function_url_reader_addr: "127.0.0.1:0".parse().unwrap(),
        websocket_addr: "127.0.0.1:0".parse().unwrap(),
        table: test_support::unique_table_name(prefix),
        secret_cache_ttl: Duration::ZERO,
        ..Config::default()
    }
}

pub async fn stack(config: Config) -> Stack {
    Stack::start(config, test_support::client().await)
        .await
        .unwrap()
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw request bytes (from `source`, a loopback alias, if given) and
/// reads the answer until the server closes (requests should say
/// `Connection: close`).
pub async fn raw(addr: SocketAddr, request: &[u8], source: Option<IpAddr>) -> Answer {
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0)).unwrap();
    }
    let s = socket.connect(addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    // Write while reading: a server may answer (413, 431) and close before
    // the whole request is sent.
    let request = request.to_vec();
    let writing = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
        wr
    });
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), rd.read_to_end(&mut buf))
        .await
        .expect("an answer within 60 s");
    drop(writing.await);
    parse(&buf)
}

fn parse(buf: &[u8]) -> Answer {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header section in {:?}", String::from_utf8_lossy(buf)));
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    if let Some((_, len)) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        body.truncate(len.parse().unwrap());
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// A well-formed request: `headers` as `(name, value)`, `Connection: close` added.
pub fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

pub async fn get(addr: SocketAddr, target: &str, token: Option<&str>) -> Answer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![];
    if let Some(a) = &auth {
        h.push(("Authorization", a.as_str()));
    }
    raw(addr, &request("GET", target, &h, b""), None).await
}

pub async fn post(addr: SocketAddr, token: &str, body: &str, extra: &[(&str, &str)]) -> Answer {
    let auth = format!("Bearer {token}");
    let mut h = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    h.extend_from_slice(extra);
    raw(addr, &request("POST", "/log", &h, body.as_bytes()), None).await
}

/// A front door of the stack: where writes and reads go.
#[derive(Debug, Clone, Copy)]
pub struct Door {
    /// Which door.
    pub name: &'static str,
    /// `POST /log` goes here.
    pub write: SocketAddr,
    /// `GET /stats` (and anything else) goes here.
    pub read: SocketAddr,
}

impl Door {
    /// The listener a request for `target` goes to (a Function URL per function).
    pub fn for_target(&self, target: &str) -> SocketAddr {
        if target.starts_with("/log") {
            self.write
        } else {
            self.read
        }
    }
}

/// The REST door through the edge, both HTTP APIs, and the Function URLs.
pub fn doors(s: &Stack) -> [Door; 4] {
    [
        Door {
            name: "edge + REST API",
            write: s.edge,
            read: s.edge,
        },
        Door {
            name: "HTTP API, Lambda authorizer",
            write: s.http_api,
            read: s.http_api,
        },
        Door {
            name: "HTTP API, JWT authorizer",
            write: s.http_api_jwt,
            read: s.http_api_jwt,
        },
        Door {
            name: "Function URLs",
            write: s.function_url_writer,
            read: s.function_url_reader,
        },
    ]
}

/// A WebSocket opening handshake to `addr` (RFC 6455's sample key), with
/// `authorization` if given. Reads the answer's head and its body (by
/// `Content-Length`), not to the end: a connection that switched protocols
/// stays open.
pub async fn websocket_connect(addr: SocketAddr, authorization: Option<&str>) -> Answer {
    let mut h = vec![
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ];
    if let Some(a) = authorization {
        h.push(("Authorization", a));
    }
    let req = String::from_utf8(request("GET", "/", &h, b""))
        .unwrap()
        .replace("Connection: close\r\n", "Connection: Upgrade\r\n");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                buf.truncate(end + 4 + len);
                return parse(&buf);
            }
        }
        let n = tokio::time::timeout_at(deadline, s.read(&mut chunk))
            .await
            .expect("an answer within 30 s")
            .unwrap();
        if n == 0 {
            return parse(&buf);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
