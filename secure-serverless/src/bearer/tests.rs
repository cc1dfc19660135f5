//! Unit tests of `bearer`: RFC 6750 answers, scopes per route, claims from
//! API Gateway's JWT authorizer, the caller in the extensions.

use std::collections::HashMap;

use aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequestContext,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_http::tower::{Layer as _, ServiceExt as _, service_fn};
use serde_json::json;

use super::*;
use crate::jwt::{JwtConfig, KeySet};

const HMAC: &[u8] = b"test-hmac-key-of-at-least-32-bytes!!";

fn token(scope: &str, exp_from_now: i64) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("k".into());
    let exp = jsonwebtoken::get_current_timestamp() as i64 + exp_from_now;
    let claims = json!({"sub": "alice", "iss": "iss", "aud": "aud", "exp": exp, "scope": scope});
    jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(HMAC)).unwrap()
}

fn routes() -> RouteTable {
    RouteTable::new()
        .route("GET", "/items/{id}", ["items:read"])
        .route("POST", "/items", ["items:write"])
}

fn verifying() -> BearerAuth {
    let verifier = JwtVerifier::new(
        JwtConfig::new("iss", ["aud"]).unwrap(),
        KeySet::new().with_hmac("k", HMAC).unwrap(),
    );
    BearerAuth::verifying(verifier, routes(), "items-api").unwrap()
}

fn request(method: &str, path: &str, authorization: &[&str]) -> Request {
    let mut b = lambda_http::http::Request::builder()
        .method(method)
        .uri(path);
    for a in authorization {
        b = b.header("authorization", *a);
    }
    b.body(Body::Empty).unwrap()
}

async fn call(auth: &BearerAuth, req: Request) -> Response<Body> {
    let handler = service_fn(|req: Request| async move {
        let caller = req
            .extensions()
            .get::<Caller>()
            .cloned()
            .expect("the caller");
        Ok::<_, std::convert::Infallible>(Response::new(Body::Text(caller.subject().to_owned())))
    });
    auth.layer(handler).oneshot(req).await.unwrap()
}

fn header<'a>(r: &'a Response<Body>, name: &str) -> &'a str {
    r.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn a_granted_route_reaches_the_handler_with_its_caller() {
    let t = token("items:read", 300);
    let r = call(
        &verifying(),
        request("GET", "/items/17", &[&format!("Bearer {t}")]),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.body(), &Body::Text("alice".into()));
    // The scheme is case-insensitive.
    let r = call(
        &verifying(),
        request("GET", "/items/17", &[&format!("bearer {t}")]),
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn answers_follow_rfc_6750() {
    let auth = verifying();
    // No credentials: 401 with a bare challenge.
    for req in [
        request("GET", "/items/17", &[]),
        request("GET", "/items/17", &["Basic YWxhZGRpbjpvcGVu"]),
        request("GET", "/items/17", &["Bearer "]),
    ] {
        let r = call(&auth, req).await;
        assert_eq!(r.status(), 401);
        assert_eq!(header(&r, "www-authenticate"), "Bearer realm=\"items-api\"");
        assert_eq!(header(&r, "content-type"), "application/problem+json");
    }
    // A token that is not valid: invalid_token with the reason code only.
    let expired = token("items:read", -300);
    let r = call(
        &auth,
        request("GET", "/items/17", &[&format!("Bearer {expired}")]),
    )
    .await;
    assert_eq!(r.status(), 401);
    let challenge = header(&r, "www-authenticate");
    assert_eq!(
        challenge,
        "Bearer realm=\"items-api\", error=\"invalid_token\", error_description=\"expired\""
    );
    assert!(!format!("{:?}", r.body()).contains(&expired));
    // Two Authorization headers: which one would count? A bad request.
    let t = token("items:read", 300);
    let two = request(
        "GET",
        "/items/17",
        &[&format!("Bearer {t}"), &format!("Bearer {t}")],
    );
    let r = call(&auth, two).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        header(&r, "www-authenticate"),
        "Bearer realm=\"items-api\", error=\"invalid_request\""
    );
    // Paths a router could read otherwise: refused, not guessed at.
    for path in ["/items/../admin", "/items/./17", "/items//17", "/items/%31"] {
        let r = call(&auth, request("GET", path, &[&format!("Bearer {t}")])).await;
        assert_eq!(r.status(), 400, "{path}");
    }
    // A valid token without the route's scope: 403 naming the scopes needed.
    let r = call(&auth, request("POST", "/items", &[&format!("Bearer {t}")])).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        header(&r, "www-authenticate"),
        "Bearer realm=\"items-api\", error=\"insufficient_scope\", scope=\"items:write\""
    );
    // A route the table does not know: 403, no scope to name.
    let r = call(
        &auth,
        request("DELETE", "/items/17", &[&format!("Bearer {t}")]),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        header(&r, "www-authenticate"),
        "Bearer realm=\"items-api\", error=\"insufficient_scope\""
    );
}

#[tokio::test]
async fn claims_from_api_gateways_jwt_authorizer() {
    let auth = BearerAuth::behind_gateway_jwt_authorizer(routes(), "items-api").unwrap();
    let with_claims = |scope: Option<&str>| {
        let mut ctx = ApiGatewayV2httpRequestContext::default();
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = HashMap::from([("sub".to_owned(), "bob".to_owned())]);
        if let Some(s) = scope {
            jwt.claims.insert("scope".into(), s.into());
        }
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        ctx.authorizer = Some(authorizer);
        request("GET", "/items/9", &[]).with_request_context(RequestContext::ApiGatewayV2(ctx))
    };
    let r = call(&auth, with_claims(Some("items:read other"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.body(), &Body::Text("bob".into()));
    assert_eq!(call(&auth, with_claims(None)).await.status(), 403);
    // A route without the JWT authorizer (no claims): refused, never let through.
    assert_eq!(
        call(&auth, request("GET", "/items/9", &[])).await.status(),
        401
    );
}

#[test]
fn a_table_without_routes_is_refused() {
    assert_eq!(
        BearerAuth::behind_gateway_jwt_authorizer(RouteTable::new(), "api").unwrap_err(),
        BearerConfigError::NoRoutes
    );
}

#[test]
fn realms_that_would_break_the_header_are_refused() {
    for realm in ["", "a\"b", "a\\b", "line\nbreak", &"r".repeat(65)] {
        assert!(
            BearerAuth::behind_gateway_jwt_authorizer(routes(), realm).is_err(),
            "{realm:?}"
        );
    }
}
