//! One HTTP/1.1 GET over a connected stream with hyper (already linked by
//! `lambda_runtime`): shared by the Secrets Manager extension client (plain
//! TCP on loopback) and the JWKS fetcher (TLS).

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};

/// Sends `request` on `stream` and reads an answer of at most `max_body`
/// bytes; returns the status, the headers and the body.
pub(crate) async fn get<S>(
    stream: S,
    request: hyper::Request<Empty<Bytes>>,
    max_body: usize,
) -> Result<(hyper::StatusCode, hyper::HeaderMap, Bytes), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
    let conn = tokio::spawn(conn);
    let path = request.uri().path().to_owned();
    let resp = sender
        .send_request(request)
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let (parts, body) = resp.into_parts();
    let body = Limited::new(body, max_body)
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    conn.abort();
    Ok((parts.status, parts.headers, body))
}
