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
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::json;

use crate::http::{BodyError, HttpResponse, json, read_body};
use crate::integration::{Integration, Invoked, invoke_within, to_http};
use crate::payload;

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
        let domain = format!("{}.lambda-url.local.on.aws", self.url_id);
        let request_id = uuid::Uuid::new_v4().to_string();
        let origin = payload::Origin {
            route_key: "$default",
            account_id: "anonymous",
            api_id: &self.url_id,
            domain_name: &domain,
            request_id: &request_id,
            peer,
        };
        let event = payload::event(&parts, &body, &origin);
        let failed = || message(StatusCode::BAD_GATEWAY, "Internal Server Error");
        match invoke_within(&self.integration, event.to_string(), TIMEOUT).await {
            Invoked::Answer(answer) => to_http(&answer).unwrap_or_else(failed),
            Invoked::Failed | Invoked::TimedOut => failed(),
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
