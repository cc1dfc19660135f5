//! RFC 9457 problem answers for `lambda_http` handlers (the edge, the
//! `bearer` and idempotency layers answer alike): `application/problem+json`
//! with a stable `code`, the request `field` at fault when there is one,
//! `nosniff` and `no-store`, and any extra headers.

use lambda_http::{Body, Response};
use serde::Serialize;

/// An RFC 9457 problem details object with this crate's two extension
/// members.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// The answer; `headers` are visible ASCII (the callers' own fixed text).
pub(crate) fn response(
    status: u16,
    code: &str,
    detail: &str,
    field: Option<&str>,
    headers: &[(&str, String)],
) -> Response<Body> {
    let title = lambda_http::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let problem = Problem {
        kind: "about:blank",
        title,
        status,
        detail,
        code,
        field,
    };
    // Strings and numbers only: serialising cannot fail.
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/problem+json")
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store");
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    // Every header value is visible ASCII: building cannot fail.
    builder
        .body(Body::Text(body))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}
