//! A Function URL listener (auth type `NONE`): the request becomes a
//! payload 2.0 event with no authorizer, the function verifies the bearer
//! token itself (`BearerAuth`, as its `main.rs` does with `JWT_ISSUER` set).
//! One listener per function, as each function has its own URL.
//!
//! | situation | answer | source |
//! |---|---|---|
//! | any path and method | the function's answer (it routes and authorizes) | <https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html> |
//! | body over 6 MB | 413 `{"Message":"Request Entity Too Large"}` | the invocation payload quota, <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html> |
//! | function error, or an answer it cannot read | 502 `{"Message":"Internal Server Error"}` | <https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html> |
//!
//! The `Message` texts are ours: AWS documents the statuses, not the bodies.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{Map, json};

use crate::http::{BodyError, HttpResponse, json, read_body};
use crate::integration::{Integration, to_http};

/// The synchronous invocation payload limit.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// The function's timeout here (Function URLs wait as long as the function may run).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// One function's URL.
#[derive(Debug)]
pub struct FunctionUrl {
    /// The URL id (`<url-id>.lambda-url.<region>.on.aws`).
    pub url_id: String,
    /// The function.
    pub integration: Integration,
}

fn message(status: StatusCode, text: &str) -> HttpResponse {
    json(status, &json!({ "Message": text }))
}

impl FunctionUrl {
    /// Answers one request.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let (parts, body) = req.into_parts();
        let body = match read_body(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
            }
            Err(BodyError::Read) => return message(StatusCode::BAD_REQUEST, "Bad Request"),
        };
        let mut headers = Map::new();
        let mut cookies = Vec::new();
        for name in parts.headers.keys() {
            let values: Vec<String> = parts
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            if name == hyper::header::COOKIE {
                cookies.extend(values.iter().flat_map(|v| v.split("; ").map(str::to_owned)));
            } else {
                headers.insert(name.as_str().to_owned(), json!(values.join(",")));
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let path = parts.uri.path();
        let domain = format!("{}.lambda-url.local.on.aws", self.url_id);
        let mut event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": parts.uri.query().unwrap_or(""),
            "headers": headers,
            "requestContext": {
                "accountId": "anonymous",
                "apiId": self.url_id,
                "domainName": domain,
                "domainPrefix": self.url_id,
                "http": {"method": parts.method.as_str(), "path": path, "protocol": "HTTP/1.1",
                    "sourceIp": peer.ip().to_string(), "userAgent": headers.get("user-agent").cloned().unwrap_or(json!(""))},
                "requestId": uuid::Uuid::new_v4().to_string(),
                "routeKey": "$default",
                "stage": "$default",
                "time": "",
                "timeEpoch": now.as_millis() as u64,
            },
            "isBase64Encoded": false,
        });
        if !cookies.is_empty() {
            event["cookies"] = json!(cookies);
        }
        // Decoded, a repeated name's values joined with commas (payload 2.0).
        let mut query: Map<String, serde_json::Value> = Map::new();
        for pair in parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let (k, v) = (decode(k), decode(v));
            let joined = match query.get(&k).and_then(|p| p.as_str()) {
                Some(prev) => format!("{prev},{v}"),
                None => v,
            };
            query.insert(k, json!(joined));
        }
        if !query.is_empty() {
            event["queryStringParameters"] = serde_json::Value::Object(query);
        }
        if !body.is_empty() {
            (event["body"], event["isBase64Encoded"]) = match std::str::from_utf8(&body) {
                Ok(s) => (json!(s), json!(false)),
                Err(_) => (
                    json!(base64::engine::general_purpose::STANDARD.encode(&body)),
                    json!(true),
                ),
            };
        }
        let failed = || message(StatusCode::BAD_GATEWAY, "Internal Server Error");
        let integration = self.integration.clone();
        let event = event.to_string();
        let run = tokio::spawn(async move { integration.invoke(&event).await });
        match tokio::time::timeout(TIMEOUT, run).await {
            Ok(Ok(Ok(answer))) => to_http(&answer).unwrap_or_else(failed),
            Ok(Ok(Err(e))) => {
                tracing::error!(error = %e, "function error");
                failed()
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "function failed");
                failed()
            }
            Err(_) => failed(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_payload_limit_is_lambdas() {
        assert_eq!(super::MAX_BODY_BYTES, 6_291_456);
    }
}
