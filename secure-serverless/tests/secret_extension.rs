//! `ExtensionSource` against a loopback server that answers like the AWS
//! Parameters and Secrets Lambda Extension (which only runs inside Lambda).
#![cfg(feature = "secret_source")]

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
    fake_extension_created(current, previous, Some(now() - 60.0)).await
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// As [`fake_extension`], the current version created at `created` (epoch
/// seconds; `None`: the answer has no `CreatedDate`).
async fn fake_extension_created(
    current: &'static str,
    previous: Option<&'static str>,
    created: Option<f64>,
) -> (String, Arc<AtomicUsize>) {
    let created = created.map_or(String::new(), |t| format!(",\"CreatedDate\":{t:.3}"));
    fake_extension_with(current, previous, created).await
}

/// As [`fake_extension`], with `CreatedDate` as RFC 3339 text, the way the
/// Parameters and Secrets extension writes it.
async fn fake_extension_text_date(
    current: &'static str,
    previous: Option<&'static str>,
    created: &'static str,
) -> (String, Arc<AtomicUsize>) {
    fake_extension_with(current, previous, format!(",\"CreatedDate\":\"{created}\"")).await
}

/// The server, with `created` (a JSON member with its leading comma) in the
/// AWSCURRENT answer.
async fn fake_extension_with(
    current: &'static str,
    previous: Option<&'static str>,
    created: String,
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
            let created = created.clone();
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
                            "{{\"Name\":\"origin\",\"SecretString\":\"{current}\",\"VersionStages\":[\"AWSCURRENT\"]{created}}}"
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

/// The previous value is accepted only for a bounded grace after the
/// rotation (counted from the current version's CreatedDate), whatever the
/// cache TTL; without a CreatedDate it is not accepted at all.
#[tokio::test]
async fn the_previous_secret_is_accepted_only_within_its_grace() {
    let source = |addr: String| {
        ExtensionSource::with_endpoint(ID, addr).with_session_token("test-token".into())
    };
    // What an hour-long cache accepts from the extension at `addr`.
    let accepted = |addr: String| async move {
        CachedSecrets::new(source(addr), Duration::from_secs(3600))
            .get()
            .await
            .unwrap()
    };
    // Rotated a minute ago: within the default 30 minutes.
    let (recent, _) = fake_extension_created("cur", Some("prev"), Some(now() - 60.0)).await;
    let s = accepted(recent).await;
    assert_eq!(s.verify(b"prev"), Some(SecretVersion::Previous));

    // Rotated two hours ago: the previous value is retired.
    let (old, _) = fake_extension_created("cur", Some("prev"), Some(now() - 7200.0)).await;
    let s = accepted(old).await;
    assert_eq!(s.verify(b"cur"), Some(SecretVersion::Current));
    assert_eq!(s.verify(b"prev"), None);

    // The grace ends while the value sits in the cache: it stops at once.
    let (fresh, hits) = fake_extension_created("cur", Some("prev"), Some(now())).await;
    let cache = CachedSecrets::new(source(fresh), Duration::from_secs(3600))
        .previous_grace(Duration::from_millis(700));
    assert_eq!(
        cache.get().await.unwrap().verify(b"prev"),
        Some(SecretVersion::Previous)
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    let before = hits.load(Ordering::SeqCst);
    let s = cache.get().await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), before, "served from the cache");
    assert_eq!(s.verify(b"prev"), None);
    assert_eq!(s.verify(b"cur"), Some(SecretVersion::Current));

    // The extension writes CreatedDate as RFC 3339 text: read it the same.
    let text =
        humantime::format_rfc3339_millis(std::time::SystemTime::now() - Duration::from_secs(60))
            .to_string();
    let (as_text, _) =
        fake_extension_text_date("cur", Some("prev"), Box::leak(text.into_boxed_str())).await;
    let s = accepted(as_text).await;
    assert_eq!(s.verify(b"prev"), Some(SecretVersion::Previous));
    let (old_text, _) =
        fake_extension_text_date("cur", Some("prev"), "2022-11-16T08:22:40.499Z").await;
    let s = accepted(old_text).await;
    assert_eq!(s.verify(b"prev"), None);

    // No CreatedDate: the age of the rotation is unknown, so no previous.
    let (unknown, _) = fake_extension_created("cur", Some("prev"), None).await;
    let v = source(unknown).fetch().await.unwrap();
    assert!(v.previous.is_none());
}
