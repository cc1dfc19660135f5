use lambda_http::service_fn;
use lambda_runtime::Context;
use serde_json::{Value, json};

use super::*;
use crate::apigw::{json_response, respond, single_header};

/// Answers with the one `x-one` header it was given, or the refusal.
async fn echo(req: Request) -> Result<Response<Body>, std::convert::Infallible> {
    Ok(respond(single_header(&req, "x-one").map(|v| {
        json_response(
            200,
            &json!({"x-one": v, "body": String::from_utf8_lossy(req.body().as_ref()), "path": req.uri().path()}),
        )
    })))
}

async fn call(event: Value) -> HttpAnswer {
    let event = HttpEvent::from_json(&event.to_string()).expect("an HTTP event");
    Edge::new(service_fn(echo))
        .call(LambdaEvent::new(event, Context::default()))
        .await
        .expect("the edge always answers")
}

fn rest(multi: Value, body: Option<&str>, base64: bool) -> Value {
    json!({
        "resource": "/log", "path": "/log", "httpMethod": "POST",
        "headers": {}, "multiValueHeaders": multi,
        "queryStringParameters": null, "multiValueQueryStringParameters": null,
        "requestContext": {"stage": "prod", "httpMethod": "POST", "resourcePath": "/log",
            "domainName": "abc.execute-api.us-east-1.amazonaws.com"},
        "body": body, "isBase64Encoded": base64
    })
}

fn http(headers: Value, body: Option<&str>, base64: bool) -> Value {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/me", "rawQueryString": "",
        "headers": headers, "body": body, "isBase64Encoded": base64,
        "requestContext": {"accountId": "anonymous", "apiId": "a", "domainName": "a.lambda-url.us-east-1.on.aws",
            "domainPrefix": "a", "http": {"method": "GET", "path": "/me", "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.9", "userAgent": "curl"}, "requestId": "r", "routeKey": "$default",
            "stage": "$default", "time": "05/Dec/2026:10:15:00 +0000", "timeEpoch": 0}
    })
}

fn alb(multi: Value) -> Value {
    json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/0123456789abcdef"}},
        "httpMethod": "GET", "path": "/me", "multiValueQueryStringParameters": {},
        "multiValueHeaders": multi, "body": "", "isBase64Encoded": false
    })
}

fn body_of(answer: &HttpAnswer) -> (i64, Value) {
    let (status, body) = match answer {
        HttpAnswer::Rest(r) => (r.status_code, r.body.clone()),
        HttpAnswer::Http(r) => (r.status_code, r.body.clone()),
        HttpAnswer::Alb(r) => (r.status_code, r.body.clone()),
    };
    let text = match body {
        Some(Body::Text(t)) => t,
        other => panic!("a text body, got {other:?}"),
    };
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn a_header_sent_twice_on_rest_is_refused_though_lambda_http_keeps_one() {
    let answer = call(rest(json!({"x-one": ["a", "b"]}), None, false)).await;
    let (status, body) = body_of(&answer);
    assert!(matches!(answer, HttpAnswer::Rest(_)));
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("duplicate_header"))
    );
    let once = call(rest(json!({"x-one": ["a"]}), Some("hi"), false)).await;
    let (status, body) = body_of(&once);
    assert_eq!((status, body["x-one"].as_str()), (200, Some("a")));
    assert_eq!(body["body"], "hi");
}

#[tokio::test]
async fn a_header_sent_twice_on_alb_is_refused_and_alb_gets_its_shape() {
    let answer = call(alb(json!({"x-one": ["a", "b"]}))).await;
    let HttpAnswer::Alb(r) = &answer else {
        panic!("an ALB answer, got {answer:?}")
    };
    assert_eq!(r.status_description.as_deref(), Some("400 Bad Request"));
    assert_eq!(body_of(&answer).1["code"], "duplicate_header");
}

#[tokio::test]
async fn every_check_sees_every_value_of_a_repeated_header() {
    let seen = service_fn(|req: Request| async move {
        let all: Vec<String> = req
            .headers()
            .get_all("authorization")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        Ok::<_, std::convert::Infallible>(json_response(200, &all))
    });
    let event = alb(json!({"authorization": ["Bearer A", "Bearer B"]}));
    let event = HttpEvent::from_json(&event.to_string()).unwrap();
    let answer = Edge::new(seen)
        .call(LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(body_of(&answer).1, json!(["Bearer A", "Bearer B"]));
}

#[tokio::test]
async fn an_http_api_answer_joins_a_repeated_header() {
    let twice = service_fn(|_req: Request| async {
        Ok::<_, std::convert::Infallible>(
            Response::builder()
                .header("vary", "origin")
                .header("vary", "accept")
                .body(Body::Empty)
                .unwrap(),
        )
    });
    let event = HttpEvent::from_json(&http(json!({}), None, false).to_string()).unwrap();
    let answer = Edge::new(twice)
        .call(LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(answer.headers()["vary"], "origin, accept");
}

#[tokio::test]
async fn a_body_flagged_base64_that_is_not_is_a_400_not_a_panic() {
    for event in [
        rest(json!({}), Some("not base64!"), true),
        http(json!({}), Some("%%%"), true),
    ] {
        let (status, body) = body_of(&call(event).await);
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_body_encoding"))
        );
    }
    let ok = call(rest(json!({}), Some("aGk="), true)).await;
    assert_eq!(body_of(&ok).1["body"], "hi");
}

#[tokio::test]
async fn a_host_no_url_can_hold_is_a_400_not_a_panic() {
    let answer = call(http(json!({"host": "bad host name"}), None, false)).await;
    let (status, body) = body_of(&answer);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("malformed_request"))
    );
}

#[tokio::test]
async fn http_api_answers_carry_cookies_apart() {
    let set_cookie = service_fn(|_req: Request| async {
        Ok::<_, std::convert::Infallible>(
            Response::builder()
                .header("set-cookie", "a=1")
                .header("set-cookie", "b=2")
                .header("x-kept", "yes")
                .body(Body::Empty)
                .unwrap(),
        )
    });
    let event = HttpEvent::from_json(&http(json!({}), None, false).to_string()).unwrap();
    let answer = Edge::new(set_cookie)
        .call(LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    let HttpAnswer::Http(r) = answer else {
        panic!("an HTTP API answer")
    };
    assert_eq!(r.cookies, ["a=1", "b=2"]);
    assert!(r.headers.get("set-cookie").is_none());
    assert_eq!(r.headers["x-kept"], "yes");
}

#[test]
fn an_event_of_no_http_door_is_not_read() {
    assert!(HttpEvent::from_json(r#"{"Records": []}"#).is_err());
}
