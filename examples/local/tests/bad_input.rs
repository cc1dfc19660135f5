//! Bad input through every front door (the edge and REST API, both HTTP
//! APIs, the Function URLs): every request below gets a 4xx with a JSON
//! error body (never a 5xx), and the table holds exactly what it held before.

mod common;

use common::*;

enum Auth {
    Read,
    Write,
}

struct Case {
    name: String,
    auth: Auth,
    request: Vec<u8>,
    /// Bad only at the edge's limits (CloudFront's header sizes): a door
    /// without the edge may take it as the valid request it otherwise is.
    edge_only: bool,
}

fn post_case(name: &str, content_type: Option<&str>, extra: &[(&str, &str)], body: &[u8]) -> Case {
    let mut h: Vec<(&str, &str)> = Vec::new();
    if let Some(ct) = content_type {
        h.push(("Content-Type", ct));
    }
    h.extend_from_slice(extra);
    Case {
        name: name.into(),
        auth: Auth::Write,
        request: request("POST", "/log", &h, body),
        edge_only: false,
    }
}

fn json_case(name: &str, body: &[u8]) -> Case {
    post_case(name, Some("application/json"), &[], body)
}

fn raw_case(name: &str, auth: Auth, method: &str, target: &str, headers: &[(&str, &str)]) -> Case {
    Case {
        name: name.into(),
        auth,
        request: request(method, target, headers, b""),
        edge_only: false,
    }
}

fn stats(name: &str, query: &str) -> Case {
    raw_case(name, Auth::Read, "GET", &format!("/stats?{query}"), &[])
}

/// Adds `Authorization` after the request line.
fn with_token(req: &[u8], token: &str) -> Vec<u8> {
    let at = req.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let mut out = req[..at].to_vec();
    out.extend_from_slice(format!("Authorization: Bearer {token}\r\n").as_bytes());
    out.extend_from_slice(&req[at..]);
    out
}

fn cases(valid_cursor: &str) -> Vec<Case> {
    let mut c = vec![
        json_case("empty body", b""),
        json_case("truncated object", b"{"),
        json_case("array", b"[]"),
        json_case("string", br#""text""#),
        json_case("number", b"123"),
        json_case("null", b"null"),
        json_case("boolean", b"true"),
        json_case("empty object", b"{}"),
        json_case("missing payload", br#"{"type":"a"}"#),
        json_case("missing type", br#"{"payload":"x"}"#),
        json_case("type is a number", br#"{"type":1,"payload":"x"}"#),
        json_case("payload is a number", br#"{"type":"a","payload":1}"#),
        json_case("payload is null", br#"{"type":"a","payload":null}"#),
        json_case("payload is an array", br#"{"type":"a","payload":["x"]}"#),
        json_case("payload is an object", br#"{"type":"a","payload":{"x":1}}"#),
        json_case("unknown field", br#"{"type":"a","payload":"x","extra":1}"#),
        json_case(
            "duplicate field",
            br#"{"type":"a","payload":"x","type":"b"}"#,
        ),
        json_case("empty type", br#"{"type":"","payload":"x"}"#),
        json_case("type with a space", br#"{"type":"a b","payload":"x"}"#),
        json_case("type with markup", br#"{"type":"<script>","payload":"x"}"#),
        json_case(
            "type of 65 chars",
            format!(r#"{{"type":"{}","payload":"x"}}"#, "a".repeat(65)).as_bytes(),
        ),
        json_case("non-ASCII type", r#"{"type":"ü","payload":"x"}"#.as_bytes()),
        json_case(
            "payload over 64 KiB",
            format!(r#"{{"type":"a","payload":"{}"}}"#, "x".repeat(65 * 1024)).as_bytes(),
        ),
        json_case(
            "body of 2 MiB",
            format!(r#"{{"type":"a","payload":"{}"}}"#, "x".repeat(2 << 20)).as_bytes(),
        ),
        json_case("body over the edge's 10 MB", &vec![b' '; 11 << 20]),
        json_case("JSON nested 100,000 deep", "[".repeat(100_000).as_bytes()),
        json_case(
            "HTML nested 20,000 deep",
            format!(r#"{{"type":"a","payload":"{}"}}"#, "<div>".repeat(20_000)).as_bytes(),
        ),
        json_case(
            "invalid UTF-8",
            b"{\"type\":\"a\",\"payload\":\"\xff\xfe\"}",
        ),
        json_case(
            "overlong UTF-8",
            b"{\"type\":\"a\",\"payload\":\"\xc0\xaf\"}",
        ),
        json_case(
            "UTF-8 BOM before the object",
            b"\xef\xbb\xbf{\"type\":\"a\",\"payload\":\"x\"}",
        ),
        json_case("trailing garbage", br#"{"type":"a","payload":"x"} x"#),
        json_case(
            "two objects",
            br#"{"type":"a","payload":"x"}{"type":"a","payload":"x"}"#,
        ),
        json_case(
            "lone surrogate escape",
            br#"{"type":"a","payload":"\ud800"}"#,
        ),
        json_case("bad escape", br#"{"type":"a","payload":"\q"}"#),
        json_case("single quotes", br#"{'type':'a','payload':'x'}"#),
        json_case("NaN", br#"{"type":"a","payload":NaN}"#),
        post_case(
            "no content type",
            None,
            &[],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "text/plain",
            Some("text/plain"),
            &[],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "form encoded",
            Some("application/x-www-form-urlencoded"),
            &[],
            b"type=a&payload=x",
        ),
        post_case(
            "multipart",
            Some("multipart/form-data; boundary=x"),
            &[],
            b"--x--",
        ),
        post_case(
            "application/jsonx",
            Some("application/jsonx"),
            &[],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case("text/html", Some("text/html"), &[], b"<b>x</b>"),
        post_case(
            "two content types",
            Some("application/json"),
            &[("Content-Type", "text/plain")],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "empty idempotency key",
            Some("application/json"),
            &[("Idempotency-Key", "")],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "idempotency key of 200 chars",
            Some("application/json"),
            &[("Idempotency-Key", &"k".repeat(200))],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "idempotency key with a space",
            Some("application/json"),
            &[("Idempotency-Key", "a b")],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "two idempotency keys",
            Some("application/json"),
            &[("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
            br#"{"type":"a","payload":"x"}"#,
        ),
        post_case(
            "a 30 KB header",
            Some("application/json"),
            &[("X-Big", &"b".repeat(30 * 1024))],
            br#"{"type":"a","payload":"x"}"#,
        ),
        raw_case(
            "200 headers of 200 bytes",
            Auth::Read,
            "GET",
            "/stats",
            &(0..200)
                .map(|i| (["X-H", &i.to_string()].concat(), "v".repeat(200)))
                .collect::<Vec<_>>()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        ),
        raw_case("PUT /log", Auth::Write, "PUT", "/log", &[]),
        raw_case("DELETE /log", Auth::Write, "DELETE", "/log", &[]),
        raw_case("PATCH /log", Auth::Write, "PATCH", "/log", &[]),
        raw_case("OPTIONS /log", Auth::Write, "OPTIONS", "/log", &[]),
        raw_case("TRACE /stats", Auth::Read, "TRACE", "/stats", &[]),
        raw_case("custom method", Auth::Write, "FOO", "/log", &[]),
        raw_case("GET /log", Auth::Read, "GET", "/log", &[]),
        raw_case("upper-case path", Auth::Read, "GET", "/STATS", &[]),
        raw_case("trailing slash", Auth::Read, "GET", "/stats/", &[]),
        raw_case("dot segments", Auth::Read, "GET", "/../stats", &[]),
        raw_case(
            "encoded dot segments",
            Auth::Read,
            "GET",
            "/%2e%2e/stats",
            &[],
        ),
        raw_case(
            "encoded NUL in the path",
            Auth::Read,
            "GET",
            "/stats%00",
            &[],
        ),
        raw_case("double slash", Auth::Read, "GET", "//stats", &[]),
        raw_case("root", Auth::Read, "GET", "/", &[]),
        stats("limit 0", "limit=0"),
        stats("limit 101", "limit=101"),
        stats("negative limit", "limit=-1"),
        stats("limit not a number", "limit=abc"),
        stats("limit in exponent form", "limit=1e3"),
        stats("limit twice", "limit=1&limit=2"),
        stats("unknown parameter", "unknown=1"),
        stats("type with markup", "type=%3Cscript%3E"),
        stats("type of 65 chars", &format!("type={}", "a".repeat(65))),
        stats("type twice", "type=a&type=b"),
        stats("from not a time", "from=yesterday"),
        stats("month 13", "from=2026-13-01T00:00:00Z"),
        stats(
            "from after to",
            "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        ),
        stats("garbage cursor", "cursor=garbage"),
        stats("cursor with NUL and 0xFF", "cursor=%00%ff"),
        stats(
            "cursor of 10 KB",
            &format!("cursor={}", "A".repeat(10 * 1024)),
        ),
        stats("empty cursor", "cursor="),
        stats("invalid UTF-8 parameter name", "%ff=1"),
        stats(
            "script in the query",
            "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        ),
    ];
    // A real cursor, one character changed, and one issued for another filter.
    let mut tampered = valid_cursor.to_owned().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    c.push(stats(
        "tampered cursor",
        &format!("limit=1&cursor={}", String::from_utf8(tampered).unwrap()),
    ));
    c.push(stats(
        "cursor of another filter",
        &format!("limit=1&type=other&cursor={valid_cursor}"),
    ));
    // Authentication problems are 4xx too.
    let mut forged = raw_case("malformed bearer token", Auth::Read, "GET", "/stats", &[]);
    forged.request = request(
        "GET",
        "/stats",
        &[("Authorization", "Bearer not.a.jwt")],
        b"",
    );
    let mut basic = raw_case("basic credentials", Auth::Read, "GET", "/stats", &[]);
    basic.request = request(
        "GET",
        "/stats",
        &[("Authorization", "Basic dXNlcjpwYXNz")],
        b"",
    );
    let mut huge = raw_case("bearer token of 10 KB", Auth::Read, "GET", "/stats", &[]);
    let big_token = format!("Bearer {}", "a".repeat(10 * 1024));
    huge.request = request("GET", "/stats", &[("Authorization", &big_token)], b"");
    c.extend([forged, basic, huge]);
    for case in &mut c {
        case.edge_only = matches!(
            case.name.as_str(),
            "a 30 KB header" | "200 headers of 200 bytes"
        );
    }
    c
}

/// The request's target (`/log`, `/stats?...`).
fn target_of(request: &[u8]) -> String {
    let line = request.split(|b| *b == b'\r').next().unwrap_or_default();
    String::from_utf8_lossy(line)
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .to_owned()
}

/// Seeds two records, sends every case through door `door` (an index of
/// `common::doors`), and checks the answers and the table.
async fn every_bad_request_through(door: usize, prefix: &str) {
    let mut config = config(prefix);
    config.rate_limit = 0;
    let table = config.table.clone();
    let s = stack(config).await;
    let door = doors(&s)[door];
    let (read, write) = (s.token("r", &["logs:read"]), s.token("w", &["logs:write"]));
    for i in 0..2 {
        let r = post(
            door.write,
            &write,
            &format!(r#"{{"type":"seed","payload":"{i}"}}"#),
            &[],
        )
        .await;
        assert_eq!(r.status, 201, "{}", door.name);
    }
    let page = get(door.read, "/stats?limit=1", Some(&read)).await.json();
    let cursor = page["next_cursor"]
        .as_str()
        .expect("two records, a next page")
        .to_owned();
    let t = test_support::TestTable::adopt(test_support::client().await, table).await;
    let before = t.count().await;

    let cases = cases(&cursor);
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    let mut sent = 0;
    for case in cases.iter().filter(|c| door.read == s.edge || !c.edge_only) {
        sent += 1;
        let token = match case.auth {
            Auth::Read => &read,
            Auth::Write => &write,
        };
        let has_auth = case
            .request
            .windows(14)
            .any(|w| w.eq_ignore_ascii_case(b"authorization:"));
        let req = if has_auth {
            case.request.clone()
        } else {
            with_token(&case.request, token)
        };
        let a = raw(door.for_target(&target_of(&req)), &req, None).await;
        let json_ok = a.header("content-type").is_some_and(|c| {
            // the gateways' own answers are JSON, the handlers' RFC 9457 problem details
            c.starts_with("application/json") || c == "application/problem+json"
        }) && serde_json::from_slice::<serde_json::Value>(&a.body)
            .is_ok_and(|v| v.is_object());
        if !(400..500).contains(&a.status) || !json_ok {
            failures.push(format!(
                "{}: {} {}",
                case.name,
                a.status,
                String::from_utf8_lossy(&a.body[..a.body.len().min(200)])
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} of {} cases failed:\n{}",
        door.name,
        failures.len(),
        sent,
        failures.join("\n")
    );
    assert_eq!(
        t.count().await,
        before,
        "{}: bad input wrote or removed items",
        door.name
    );
    eprintln!(
        "{}: {sent} bad requests, all 4xx with JSON errors, {before} items before and after",
        door.name,
    );
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_through_the_edge_and_rest_api() {
    every_bad_request_through(0, "bad-input-rest").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_through_the_http_api_with_a_lambda_authorizer() {
    every_bad_request_through(1, "bad-input-http").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_through_the_http_api_with_the_jwt_authorizer() {
    every_bad_request_through(2, "bad-input-jwt").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_through_the_function_urls() {
    every_bad_request_through(3, "bad-input-url").await;
}
