//! Payload format 2.0, the event HTTP APIs and Function URLs hand a function
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads>):
//! header names lower case, a repeated header's values joined with commas,
//! cookies apart, query values decoded and joined with commas, the body as
//! text or base64.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hyper::http::request::Parts;
use serde_json::{Map, Value, json};

/// Where a payload 2.0 event comes from.
#[derive(Debug)]
pub struct Origin<'a> {
    /// `routeKey` (`$default` for a Function URL).
    pub route_key: &'a str,
    /// `requestContext.accountId` (`anonymous` for a Function URL without IAM auth).
    pub account_id: &'a str,
    /// `requestContext.apiId` (the URL id for a Function URL).
    pub api_id: &'a str,
    /// `requestContext.domainName`.
    pub domain_name: &'a str,
    /// `requestContext.requestId`.
    pub request_id: &'a str,
    /// The client's address.
    pub peer: SocketAddr,
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The event for a request (no `authorizer`; its body when it has one).
pub fn event(parts: &Parts, body: &[u8], origin: &Origin<'_>) -> Value {
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
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query: Map<String, Value> = Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        let joined = match query.get(&k).and_then(Value::as_str) {
            Some(prev) => format!("{prev},{v}"),
            None => v,
        };
        query.insert(k, json!(joined));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let path = parts.uri.path();
    let user_agent = headers.get("user-agent").cloned().unwrap_or(json!(""));
    let mut event = json!({
        "version": "2.0",
        "routeKey": origin.route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": origin.account_id,
            "apiId": origin.api_id,
            "domainName": origin.domain_name,
            "domainPrefix": origin.api_id,
            "http": {"method": parts.method.as_str(), "path": path, "protocol": "HTTP/1.1",
                "sourceIp": origin.peer.ip().to_string(), "userAgent": user_agent},
            "requestId": origin.request_id,
            "routeKey": origin.route_key,
            "stage": "$default",
            "time": "",
            "timeEpoch": now.as_millis() as u64,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !body.is_empty() {
        (event["body"], event["isBase64Encoded"]) = match std::str::from_utf8(body) {
            Ok(s) => (json!(s), json!(false)),
            Err(_) => (
                json!(base64::engine::general_purpose::STANDARD.encode(body)),
                json!(true),
            ),
        };
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_and_parameters_are_joined_and_cookies_set_apart() {
        let req = hyper::Request::builder()
            .uri("/stats?a=1&a=2&b=%3Cx%3E")
            .header("X-One", "a")
            .header("x-one", "b")
            .header("cookie", "c=1; d=2")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let origin = Origin {
            route_key: "GET /stats",
            account_id: "000000000000",
            api_id: "api",
            domain_name: "api.local",
            request_id: "r",
            peer: "127.0.0.1:9".parse().unwrap(),
        };
        let e = event(&parts, b"\xff", &origin);
        assert_eq!(e["headers"]["x-one"], "a,b");
        assert_eq!(e["cookies"], json!(["c=1", "d=2"]));
        assert_eq!(e["queryStringParameters"], json!({"a": "1,2", "b": "<x>"}));
        assert_eq!(e["rawQueryString"], "a=1&a=2&b=%3Cx%3E");
        assert_eq!(
            (e["body"].as_str(), e["isBase64Encoded"].as_bool()),
            (Some("/w=="), Some(true))
        );
    }
}
