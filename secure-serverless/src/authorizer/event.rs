//! Authorizer events from every front door, told apart by their shape.
//!
//! The shapes are AWS's: REST `TOKEN` and `REQUEST` events
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html>),
//! HTTP API payload 1.0 and 2.0
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html>)
//! and WebSocket `$connect`
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html>).

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayV2CustomAuthorizerV2Request,
};
use aws_lambda_events::http::HeaderValue;
use serde_json::Value;

use super::routes::CONNECT;
use crate::arn::{ArnError, MethodArn};

/// Which front door sent an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// REST API `TOKEN` authorizer: one header, no other request data.
    RestToken,
    /// REST API `REQUEST` authorizer.
    RestRequest,
    /// HTTP API, payload format 1.0.
    HttpApiV1,
    /// HTTP API, payload format 2.0.
    HttpApiV2,
    /// WebSocket API, the `$connect` route.
    WebSocketConnect,
}

/// An authorizer event from any front door.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per invocation, never stored
pub enum AuthorizerEvent {
    /// REST API `TOKEN` event.
    RestToken(ApiGatewayCustomAuthorizerRequest),
    /// REST API `REQUEST` event.
    RestRequest(ApiGatewayCustomAuthorizerRequestTypeRequest),
    /// HTTP API payload 1.0 (the REST `REQUEST` shape, `version: "1.0"`).
    HttpApiV1(ApiGatewayCustomAuthorizerRequestTypeRequest),
    /// HTTP API payload 2.0.
    HttpApiV2(ApiGatewayV2CustomAuthorizerV2Request),
    /// WebSocket `$connect` (the REST `REQUEST` shape, its `methodArn` naming
    /// `$connect`).
    WebSocketConnect(ApiGatewayCustomAuthorizerRequestTypeRequest),
}

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, EventError> {
    serde_json::from_value(v).map_err(EventError::Malformed)
}

/// An event no front door sends.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// Not an authorizer event of a known kind.
    #[error("not an API Gateway authorizer event ({0})")]
    UnknownKind(&'static str),
    /// The event's fields do not have their types.
    #[error("malformed authorizer event: {0}")]
    Malformed(#[source] serde_json::Error),
    /// No usable `methodArn` / `routeArn`.
    #[error("authorizer event has no valid method or route ARN: {0}")]
    Arn(#[from] ArnError),
    /// No `methodArn` / `routeArn` at all.
    #[error("authorizer event has no method or route ARN")]
    MissingArn,
}

impl AuthorizerEvent {
    /// Reads an event, telling the kinds apart as API Gateway sends them:
    /// `type: "TOKEN"`; `version: "2.0"` or `"1.0"` (HTTP APIs);
    /// `requestContext.eventType: "CONNECT"` with a `methodArn` for the
    /// `$connect` route (WebSocket); otherwise `type: "REQUEST"` (REST).
    ///
    /// ```
    /// use secure_serverless::authorizer::{AuthorizerEvent, EventKind};
    /// let e = AuthorizerEvent::from_json(serde_json::json!({
    ///     "type": "TOKEN", "authorizationToken": "Bearer x",
    ///     "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/stats"}))?;
    /// assert_eq!(e.kind(), EventKind::RestToken);
    /// # Ok::<(), secure_serverless::authorizer::EventError>(())
    /// ```
    ///
    /// # Errors
    /// [`EventError`] for anything else.
    pub fn from_json(v: Value) -> Result<Self, EventError> {
        let field = |name: &str| v.get(name).and_then(Value::as_str);
        let kind = match (field("type"), field("version")) {
            (Some("TOKEN"), _) => EventKind::RestToken,
            (Some("REQUEST"), Some("2.0")) => EventKind::HttpApiV2,
            (Some("REQUEST"), Some("1.0")) => EventKind::HttpApiV1,
            (Some("REQUEST"), None) => {
                // Both marks of a WebSocket connection: a REST path ending in
                // `/$connect` is not one.
                let connect = v
                    .pointer("/requestContext/eventType")
                    .and_then(Value::as_str)
                    == Some("CONNECT")
                    && field("methodArn").is_some_and(|a| {
                        a.parse::<MethodArn>()
                            .is_ok_and(|arn| arn.method() == CONNECT && arn.path().is_none())
                    });
                if connect {
                    EventKind::WebSocketConnect
                } else {
                    EventKind::RestRequest
                }
            }
            (Some("REQUEST"), Some(_)) => return Err(EventError::UnknownKind("payload version")),
            _ => return Err(EventError::UnknownKind("type")),
        };
        Ok(match kind {
            EventKind::RestToken => AuthorizerEvent::RestToken(parse(v)?),
            EventKind::RestRequest => AuthorizerEvent::RestRequest(parse(v)?),
            EventKind::HttpApiV1 => AuthorizerEvent::HttpApiV1(parse(v)?),
            EventKind::HttpApiV2 => AuthorizerEvent::HttpApiV2(parse(v)?),
            EventKind::WebSocketConnect => AuthorizerEvent::WebSocketConnect(parse(v)?),
        })
    }

    /// The front door.
    pub fn kind(&self) -> EventKind {
        match self {
            AuthorizerEvent::RestToken(_) => EventKind::RestToken,
            AuthorizerEvent::RestRequest(_) => EventKind::RestRequest,
            AuthorizerEvent::HttpApiV1(_) => EventKind::HttpApiV1,
            AuthorizerEvent::HttpApiV2(_) => EventKind::HttpApiV2,
            AuthorizerEvent::WebSocketConnect(_) => EventKind::WebSocketConnect,
        }
    }

    /// The ARN of the method or route called (`methodArn`, or `routeArn` for
    /// payload 2.0).
    ///
    /// # Errors
    /// [`EventError::MissingArn`] or [`EventError::Arn`].
    pub fn route_arn(&self) -> Result<MethodArn, EventError> {
        let arn = match self {
            AuthorizerEvent::RestToken(e) => e.method_arn.as_deref(),
            AuthorizerEvent::RestRequest(e)
            | AuthorizerEvent::HttpApiV1(e)
            | AuthorizerEvent::WebSocketConnect(e) => e.method_arn.as_deref(),
            AuthorizerEvent::HttpApiV2(e) => e.route_arn.as_deref(),
        };
        Ok(arn.ok_or(EventError::MissingArn)?.parse()?)
    }

    /// Every value of header `name` (case-insensitive); a `TOKEN` event has
    /// none.
    pub fn header_values(&self, name: &str) -> Vec<&[u8]> {
        match self {
            AuthorizerEvent::RestToken(_) => Vec::new(),
            AuthorizerEvent::RestRequest(e)
            | AuthorizerEvent::HttpApiV1(e)
            | AuthorizerEvent::WebSocketConnect(e) => {
                crate::headers::all_values(&e.multi_value_headers, &e.headers, name)
                    .into_iter()
                    .map(HeaderValue::as_bytes)
                    .collect()
            }
            // Payload 2.0 joins repeated headers with commas.
            AuthorizerEvent::HttpApiV2(e) => e
                .headers
                .get_all(name)
                .iter()
                .map(HeaderValue::as_bytes)
                .collect(),
        }
    }

    /// The credential the caller sent for the bearer check: a `TOKEN` event's
    /// `authorizationToken`, otherwise every value of `Authorization`.
    pub fn authorization(&self) -> Vec<&[u8]> {
        match self {
            AuthorizerEvent::RestToken(e) => e
                .authorization_token
                .as_deref()
                .map(str::as_bytes)
                .into_iter()
                .collect(),
            _ => self.header_values("authorization"),
        }
    }

    /// Payload 2.0's `identitySource` values and `routeKey`: what API
    /// Gateway keys its authorizer cache by, and the route called.
    pub fn http_api_cache_key(&self) -> Option<(&[String], Option<&str>)> {
        match self {
            AuthorizerEvent::HttpApiV2(e) => Some((
                e.identity_source.as_deref().unwrap_or_default(),
                e.route_key.as_deref(),
            )),
            _ => None,
        }
    }
}
