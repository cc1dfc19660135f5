//! A token issuer's web server for the tests: real TLS on loopback with a
//! certificate made by rcgen for this run, answering each path with what the
//! test set for it (status, body, `Cache-Control`, delay) and counting the
//! requests per path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// What a path answers.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body (served as `application/json`).
    pub body: String,
    /// A `Cache-Control` header, if any.
    pub cache_control: Option<String>,
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Answer {
    /// `200` with `body`.
    pub fn ok(body: impl Into<String>) -> Self {
        Answer {
            status: 200,
            body: body.into(),
            cache_control: None,
            delay: Duration::ZERO,
        }
    }

    /// `status` with an empty JSON object.
    pub fn status(status: u16) -> Self {
        Answer {
            status,
            ..Answer::ok("{}")
        }
    }
}

#[derive(Default)]
struct Routes {
    answers: HashMap<String, Answer>,
    hits: HashMap<String, usize>,
}

/// The server; it stops with the runtime it was started on.
pub struct HttpsIssuer {
    /// Its loopback port.
    pub port: u16,
    routes: Arc<Mutex<Routes>>,
    ca: rustls::pki_types::CertificateDer<'static>,
    ca_pem: String,
}

impl HttpsIssuer {
    /// Starts the server; it stops with the test's runtime.
    pub async fn start() -> Self {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let ca = cert.cert.der().clone();
        let ca_pem = cert.cert.pem();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ca.clone()], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes = Arc::new(Mutex::new(Routes::default()));
        let shared = routes.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, routes) = (acceptor.clone(), shared.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 4096];
                    let mut got = Vec::new();
                    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                    }
                    let request = String::from_utf8_lossy(&got);
                    let path = request.split(' ').nth(1).unwrap_or("").to_owned();
                    let answer = {
                        let mut r = routes.lock().unwrap();
                        *r.hits.entry(path.clone()).or_default() += 1;
                        r.answers.get(&path).cloned().unwrap_or(Answer::status(404))
                    };
                    tokio::time::sleep(answer.delay).await;
                    let cache = answer
                        .cache_control
                        .map(|c| format!("Cache-Control: {c}\r\n"))
                        .unwrap_or_default();
                    let resp = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\n{cache}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                        answer.status,
                        answer.body.len(),
                        answer.body
                    );
                    let _ = tls.write_all(resp.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        HttpsIssuer {
            port,
            routes,
            ca,
            ca_pem,
        }
    }

    /// `https://localhost:{port}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// Sets what `path` answers from now on.
    pub fn answer(&self, path: &str, answer: Answer) {
        self.routes
            .lock()
            .unwrap()
            .answers
            .insert(path.to_owned(), answer);
    }

    /// Requests `path` has had.
    pub fn hits(&self, path: &str) -> usize {
        self.routes
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// This server's certificate, PEM (it is its own CA).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Roots that trust this server's certificate only.
    pub fn roots(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        roots
    }
}
