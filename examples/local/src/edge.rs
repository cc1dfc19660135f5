//! The edge listener: what CloudFront and its AWS WAF web ACL do for the API.
//!
//! In order: the client address is checked against the block list (403) and
//! the rate-based rule (429); oversized header sections (431) and bodies
//! (413) are refused; the viewer's hop-by-hop headers and any header named
//! like the origin secret are dropped; the origin-secret header, `Via` and
//! `X-Forwarded-For` are added; the request goes to the API listener; the
//! security response headers are added to the answer. The client address is
//! the TCP peer, never a header (bind a loopback alias such as 127.0.0.66 to
//! try another address from one machine).

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HOST, HeaderName, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

use crate::http::{BodyError, HttpResponse, json, read_body};
use crate::waf::{IpBlockList, RateLimiter};

/// CloudFront's limit on the total size of a viewer request's header section.
pub const MAX_HEADER_BYTES: usize = 20 * 1024;
/// The largest body the edge forwards (API Gateway's own payload limit).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// What the edge needs.
pub struct Edge {
    /// The API listener requests are forwarded to.
    pub api: SocketAddr,
    /// Addresses blocked with 403.
    pub blocked: IpBlockList,
    /// The rate-based rule.
    pub rate: RateLimiter,
    /// The origin custom header's name.
    pub origin_header: HeaderName,
    /// The origin custom header's value, replaced when the secret rotates
    /// (the rotator updates the CloudFront distribution the same way).
    pub origin_secret: Arc<RwLock<String>>,
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge")
            .field("api", &self.api)
            .field("blocked", &self.blocked)
            .field("rate", &self.rate)
            .field("origin_header", &self.origin_header)
            .field("origin_secret", &"<redacted>")
            .finish()
    }
}

fn blocked(status: StatusCode, rule: &str, message: &str) -> HttpResponse {
    json(status, &json!({ "message": message, "rule": rule }))
}

impl Edge {
    /// Answers one viewer request.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let mut resp = self.forward(req, peer).await;
        let h = resp.headers_mut();
        for (name, value) in [
            (
                "strict-transport-security",
                "max-age=63072000; includeSubDomains; preload",
            ),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            (
                "content-security-policy",
                "default-src 'none'; frame-ancestors 'none'",
            ),
            ("via", "1.1 local-edge (CloudFront)"),
        ] {
            h.insert(name, HeaderValue::from_static(value));
        }
        resp
    }

    async fn forward(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let ip = peer.ip();
        if self.blocked.contains(ip) {
            tracing::info!(%ip, rule = "tor-exit-nodes", "blocked");
            return blocked(
                StatusCode::FORBIDDEN,
                "AWSManagedRulesAnonymousIpList",
                "Request blocked: the client address is a listed Tor exit node",
            );
        }
        if let Err(retry) = self.rate.check(ip, Instant::now()) {
            tracing::info!(%ip, rule = "rate-limit-per-ip", "blocked");
            let mut r = blocked(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limit-per-ip",
                "Request blocked: too many requests from this address",
            );
            r.headers_mut()
                .insert("retry-after", HeaderValue::from(retry.as_secs().max(1)));
            return r;
        }
        let header_bytes: usize = req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        if header_bytes > MAX_HEADER_BYTES {
            return json(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                &json!({ "message": format!("Request header section over {MAX_HEADER_BYTES} bytes") }),
            );
        }
        let (parts, body) = req.into_parts();
        let body = match read_body(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return json(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &json!({ "message": format!("Request body over {MAX_BODY_BYTES} bytes") }),
                );
            }
            Err(BodyError::Read) => {
                return json(
                    StatusCode::BAD_REQUEST,
                    &json!({ "message": "Request body could not be read" }),
                );
            }
        };
        let mut out = Request::builder()
            .method(parts.method)
            .uri(parts.uri.path_and_query().map_or("/", |p| p.as_str()))
            .body(Full::new(body))
            .expect("method and path come from a parsed request");
        let h = out.headers_mut();
        for (name, value) in &parts.headers {
            if HOP_BY_HOP.contains(&name.as_str()) || name == HOST || *name == self.origin_header {
                continue;
            }
            h.append(name.clone(), value.clone());
        }
        h.insert(
            HOST,
            HeaderValue::from_str(&self.api.to_string()).expect("an address is a valid host"),
        );
        let secret = self
            .origin_secret
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match HeaderValue::from_str(&secret) {
            Ok(v) => {
                h.insert(self.origin_header.clone(), v);
            }
            Err(_) => tracing::error!("the origin secret is not a valid header value; not sent"),
        }
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_str(&ip.to_string()).expect("an address is a valid value"),
        );
        h.insert(
            "via",
            HeaderValue::from_static("1.1 local-edge (CloudFront)"),
        );
        match self.send(out).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "origin unreachable");
                json(
                    StatusCode::BAD_GATEWAY,
                    &json!({ "message": "The origin did not answer" }),
                )
            }
        }
    }

    async fn send(&self, req: Request<Full<Bytes>>) -> Result<HttpResponse, hyper::Error> {
        let stream = match TcpStream::connect(self.api).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot connect to the API listener");
                return Ok(json(
                    StatusCode::BAD_GATEWAY,
                    &json!({ "message": "The origin did not answer" }),
                ));
            }
        };
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let resp = sender.send_request(req).await?;
        let (parts, body) = resp.into_parts();
        let body = match read_body(body, usize::MAX).await {
            Ok(b) => b,
            Err(_) => {
                return Ok(json(
                    StatusCode::BAD_GATEWAY,
                    &json!({ "message": "The origin's answer was cut short" }),
                ));
            }
        };
        let mut r = hyper::Response::from_parts(parts, Full::new(body));
        for name in HOP_BY_HOP {
            r.headers_mut().remove(name);
        }
        Ok(r)
    }
}
