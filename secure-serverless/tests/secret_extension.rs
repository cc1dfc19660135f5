//! `ExtensionSource` against a loopback server that answers like the AWS
//! Parameters and Secrets Lambda Extension (which only runs inside Lambda).
#![cfg(feature = "secrets-manager")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use secure_serverless::secret::SecretVersion;
use secure_serverless::secret_source::{
    CachedSecrets, ExtensionSource, SecretSource, SecretSourceError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `/secretsmanager/get`, checking the token header like the extension,
/// with `previous` present or not. Returns the address and a request counter.
async fn fake_extension(
    current: &'static str,
    previous: Option<&'static str>,
) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                counter.fetch_add(1, Ordering::SeqCst);
                let token_ok = req
                    .to_ascii_lowercase()
                    .contains("x-aws-parameters-secrets-token: test-token");
                let id_ok = req.contains(
                    "secretId=arn%3Aaws%3Asecretsmanager%3Aus-east-1%3A1%3Asecret%3Aorigin",
                );
                let (status, body) = if !token_ok {
                    (401, String::from("{\"message\":\"unauthorized\"}"))
                } else if !id_ok {
                    (
                        400,
                        String::from("{\"message\":\"ResourceNotFoundException\"}"),
                    )
                } else if req.contains("versionStage=AWSCURRENT") {
                    (
                        200,
                        format!(
                            "{{\"Name\":\"origin\",\"SecretString\":\"{current}\",\"VersionStages\":[\"AWSCURRENT\"]}}"
                        ),
                    )
                } else if let Some(p) = previous {
                    (
                        200,
                        format!(
                            "{{\"Name\":\"origin\",\"SecretString\":\"{p}\",\"VersionStages\":[\"AWSPREVIOUS\"]}}"
                        ),
                    )
                } else {
                    (
                        400,
                        String::from("{\"message\":\"ResourceNotFoundException\"}"),
                    )
                };
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    (addr, hits)
}

const ID: &str = "arn:aws:secretsmanager:us-east-1:1:secret:origin";

#[tokio::test]
async fn extension_source_reads_current_and_previous_and_caches() {
    let (addr, hits) = fake_extension("cur-value", Some("prev-value")).await;
    let source =
        ExtensionSource::with_endpoint(ID, addr.clone()).with_session_token("test-token".into());
    let v = source.fetch().await.unwrap();
    assert!(v.previous.is_some());

    let cache = CachedSecrets::new(source, Duration::from_secs(60));
    let s = cache.get().await.unwrap();
    assert_eq!(s.verify(b"cur-value"), Some(SecretVersion::Current));
    assert_eq!(s.verify(b"prev-value"), Some(SecretVersion::Previous));
    let before = hits.load(Ordering::SeqCst);
    for _ in 0..10 {
        cache.get().await.unwrap();
    }
    assert_eq!(hits.load(Ordering::SeqCst), before, "cached within the TTL");

    // Outside a rotation there is no AWSPREVIOUS: only the current is accepted.
    let (addr2, _) = fake_extension("only", None).await;
    let s = ExtensionSource::with_endpoint(ID, addr2)
        .with_session_token("test-token".into())
        .fetch()
        .await
        .unwrap();
    assert!(s.previous.is_none());

    // Wrong secret id: a typed error naming the id, never a value.
    let (addr3, _) = fake_extension("secret-value-xyz", None).await;
    let err = ExtensionSource::with_endpoint("other", addr3)
        .with_session_token("test-token".into())
        .fetch()
        .await
        .unwrap_err();
    assert!(matches!(err, SecretSourceError::Extension { .. }));
    assert!(!err.to_string().contains("secret-value-xyz"));

    // Nothing listening: an error, not a hang or a panic.
    let err = ExtensionSource::with_endpoint(ID, "127.0.0.1:1")
        .with_session_token("t".into())
        .fetch()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connect"), "{err}");
}
