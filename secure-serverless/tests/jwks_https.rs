//! `JwksUrl` against a real TLS server on loopback (a certificate made by
//! rcgen for this run): keys load over HTTPS, an unknown `kid` refreshes
//! them (rate-limited), an untrusted certificate or a non-200 answer is an
//! error that keeps the keys already loaded, and only `https` URLs are taken.
#![cfg(feature = "jwks-https")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_serverless::jwt::{AnyJwks, JwksUrl, JwtConfig, JwtConfigError, JwtError, JwtVerifier};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;
use tokio_rustls::rustls;

const ISS: &str = "https://issuer.example";
const AUD: &str = "api";

fn key(name: &str) -> EncodingKey {
    let pem = std::fs::read(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    match name {
        "rsa.pem" => EncodingKey::from_rsa_pem(&pem).unwrap(),
        _ => EncodingKey::from_ed_pem(&pem).unwrap(),
    }
}

fn jwks(keys: &[(&str, &str, Algorithm)]) -> String {
    let keys = keys
        .iter()
        .map(|(kid, file, alg)| {
            let mut j = Jwk::from_encoding_key(&key(file), *alg).unwrap();
            j.common.key_id = Some((*kid).into());
            j
        })
        .collect();
    serde_json::to_string(&JwkSet { keys }).unwrap()
}

fn token(kid: &str, file: &str, alg: Algorithm) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    jsonwebtoken::encode(
        &h,
        &json!({"iss": ISS, "aud": AUD, "sub": "s", "exp": now + 60}),
        &key(file),
    )
    .unwrap()
}

struct Server {
    port: u16,
    body: Arc<Mutex<(u16, String)>>,
    hits: Arc<AtomicUsize>,
    ca: rustls::pki_types::CertificateDer<'static>,
}

/// A one-request-per-connection HTTPS server answering `body` for any path.
async fn server() -> Server {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let ca = cert.cert.der().clone();
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
    let body = Arc::new(Mutex::new((200, String::new())));
    let hits = Arc::new(AtomicUsize::new(0));
    let (b, h) = (body.clone(), hits.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, b, h) = (acceptor.clone(), b.clone(), h.clone());
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
                h.fetch_add(1, Ordering::SeqCst);
                let (status, text) = b.lock().await.clone();
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Server {
        port,
        body,
        hits,
        ca,
    }
}

fn trusting(s: &Server) -> JwksUrl {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(s.ca.clone()).unwrap();
    JwksUrl::with_roots(
        &format!("https://localhost:{}/.well-known/jwks.json", s.port),
        roots,
    )
    .unwrap()
}

fn config() -> JwtConfig {
    JwtConfig::new([ISS], [AUD])
        .unwrap()
        .min_refresh_interval(Duration::from_millis(300))
}

#[tokio::test]
async fn keys_load_over_https_and_an_unknown_kid_refreshes_once() {
    let s = server().await;
    *s.body.lock().await = (200, jwks(&[("rsa", "rsa.pem", Algorithm::RS256)]));
    let v = JwtVerifier::load(config(), AnyJwks::Url(trusting(&s)))
        .await
        .unwrap();
    assert_eq!(s.hits.load(Ordering::SeqCst), 1);
    v.verify(&token("rsa", "rsa.pem", Algorithm::RS256))
        .await
        .unwrap();

    // The issuer adds a key: once the refresh interval has passed since the
    // last fetch, a token with its kid triggers one refresh.
    tokio::time::sleep(Duration::from_millis(350)).await;
    *s.body.lock().await = (
        200,
        jwks(&[
            ("rsa", "rsa.pem", Algorithm::RS256),
            ("ed", "ed.pem", Algorithm::EdDSA),
        ]),
    );
    v.verify(&token("ed", "ed.pem", Algorithm::EdDSA))
        .await
        .unwrap();
    assert_eq!(s.hits.load(Ordering::SeqCst), 2);
    // Another unknown kid within the refresh interval: no new fetch.
    assert!(matches!(
        v.verify(&token("other", "ed.pem", Algorithm::EdDSA)).await,
        Err(JwtError::UnknownKid(_))
    ));
    assert_eq!(s.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn untrusted_certificates_and_errors_are_refused() {
    let s = server().await;
    *s.body.lock().await = (200, jwks(&[("rsa", "rsa.pem", Algorithm::RS256)]));
    // Mozilla's roots do not include this run's certificate.
    let public_roots = JwksUrl::new(&format!("https://localhost:{}/jwks.json", s.port)).unwrap();
    assert!(
        JwtVerifier::load(config(), AnyJwks::Url(public_roots))
            .await
            .is_err()
    );

    *s.body.lock().await = (500, "{}".into());
    assert!(
        JwtVerifier::load(config(), AnyJwks::Url(trusting(&s)))
            .await
            .is_err()
    );
    *s.body.lock().await = (200, "not json".into());
    assert!(
        JwtVerifier::load(config(), AnyJwks::Url(trusting(&s)))
            .await
            .is_err()
    );
}

#[test]
fn only_https_urls() {
    for bad in [
        "http://issuer.example/jwks.json",
        "https://",
        "https://user@issuer.example/jwks.json",
        "https://issuer.example:99999/jwks.json",
        "ftp://issuer.example/",
        "issuer.example/jwks.json",
    ] {
        assert!(
            matches!(JwksUrl::new(bad), Err(JwtConfigError::InvalidJwksUrl(_))),
            "{bad}"
        );
    }
    assert!(JwksUrl::new("https://issuer.example").is_ok());
    // Schemes are case-insensitive (RFC 3986, section 3.1); IPv6 literals
    // and queries are URLs like any other.
    for good in [
        "HTTPS://issuer.example/jwks.json",
        "https://[::1]/jwks.json",
        "https://[::1]:8443/jwks.json",
        "https://issuer.example?pool=a",
        "https://issuer.example/keys?pool=a",
    ] {
        assert!(JwksUrl::new(good).is_ok(), "{good}");
    }
}
