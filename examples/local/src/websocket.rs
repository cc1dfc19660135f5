//! A WebSocket API listener, as far as authorization goes: the `$connect`
//! handshake, decided by a Lambda `REQUEST` authorizer.
//!
//! | situation | answer | source |
//! |---|---|---|
//! | not a WebSocket handshake (`GET` with `Upgrade: websocket`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`) | 400 `{"message":"Bad Request"}` (our text) | <https://www.rfc-editor.org/rfc/rfc6455#section-4.2.1> |
//! | the identity source (`Authorization`) missing or empty | 401 `{"message":"Unauthorized"}`, the authorizer not called | <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html> |
//! | authorizer error `Unauthorized` | 401 `{"message":"Unauthorized"}` | same page |
//! | a policy that does not allow `.../$connect` | 403 `{"message":"Forbidden"}` | same page |
//! | any other authorizer error or a malformed policy | 500 `{"message":"Internal server error"}` | same page |
//! | allowed | 101 Switching Protocols (the `$connect` route's integration is a mock); the connection is then closed | <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html> |
//!
//! No answer is cached: a WebSocket API's authorizer has no result TTL
//! ("Supported only for HTTP API Lambda authorizers",
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-authorizer.html>).

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use secure_serverless::policy::{Decision, Policy};
use serde_json::{Map, Value, json};

use crate::http::{HttpResponse, json};

/// The key RFC 6455 appends to `Sec-WebSocket-Key` before hashing.
const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The WebSocket API listener's state.
#[derive(Debug)]
pub struct WebSocketApi {
    /// API id (in the `$connect` ARN).
    pub api_id: String,
    /// Stage name.
    pub stage: String,
    /// The authorizer (the code the authorizer Lambda runs).
    pub authorizer: Arc<authorizer::Authorizer>,
}

fn message(status: StatusCode, text: &str) -> HttpResponse {
    json(status, &json!({ "message": text }))
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

impl WebSocketApi {
    /// The ARN of the `$connect` route.
    pub fn connect_arn(&self) -> String {
        format!(
            "arn:aws:execute-api:local:000000000000:{}/{}/$connect",
            self.api_id, self.stage
        )
    }

    /// Answers one handshake.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let upgrade = header(&req, "upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        let version = header(&req, "sec-websocket-version") == Some("13");
        let Some(key) = header(&req, "sec-websocket-key").filter(|_| upgrade && version) else {
            return message(StatusCode::BAD_REQUEST, "Bad Request");
        };
        if req.method() != Method::GET {
            return message(StatusCode::BAD_REQUEST, "Bad Request");
        }
        if header(&req, "authorization").is_none_or(str::is_empty) {
            return message(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
        let (mut headers, mut multi) = (Map::new(), Map::new());
        for name in req.headers().keys() {
            let values: Vec<String> = req
                .headers()
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            headers.insert(name.as_str().to_owned(), json!(values.last()));
            multi.insert(name.as_str().to_owned(), json!(values));
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        let arn = self.connect_arn();
        let event = json!({
            "type": "REQUEST",
            "methodArn": arn,
            "headers": headers,
            "multiValueHeaders": multi,
            "queryStringParameters": {},
            "multiValueQueryStringParameters": {},
            "stageVariables": {},
            "requestContext": {
                "routeKey": "$connect",
                "eventType": "CONNECT",
                "messageDirection": "IN",
                "stage": self.stage,
                "identity": {"sourceIp": peer.ip().to_string()},
                "requestId": request_id,
                "connectionId": request_id,
                "domainName": format!("{}.execute-api.local", self.api_id),
                "apiId": self.api_id,
            },
        });
        let answer: Value = match self.authorizer.decide_any(event).await {
            Ok(answer) => answer,
            Err(e) if e.to_string() == "Unauthorized" => {
                return message(StatusCode::UNAUTHORIZED, "Unauthorized");
            }
            Err(e) => {
                tracing::error!(error = %e, "authorizer failed");
                return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
            }
        };
        let Ok(policy) = Policy::from_response_json(&answer) else {
            tracing::error!("authorizer returned a malformed policy");
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
        };
        if policy.evaluate_str(&arn) != Decision::Allow {
            return message(StatusCode::FORBIDDEN, "Forbidden");
        }
        let accept = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            format!("{key}{WEBSOCKET_GUID}").as_bytes(),
        );
        let accept = base64::engine::general_purpose::STANDARD.encode(accept.as_ref());
        let mut r = Response::new(Default::default());
        *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = r.headers_mut();
        h.insert("upgrade", HeaderValue::from_static("websocket"));
        h.insert("connection", HeaderValue::from_static("Upgrade"));
        if let Ok(v) = HeaderValue::from_str(&accept) {
            h.insert("sec-websocket-accept", v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_value_of_rfc_6455() {
        // RFC 6455, section 1.3: the sample key and its accept value.
        let digest = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            format!("dGhlIHNhbXBsZSBub25jZQ=={WEBSOCKET_GUID}").as_bytes(),
        );
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(digest.as_ref()),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
