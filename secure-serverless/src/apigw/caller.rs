//! Who is calling, as the front door or a layer in front of the handler
//! established it: what vouched for the request, and one string to scope
//! per-caller state (idempotency keys) by.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt as _};
use serde_json::Value;

/// The principal the authorizer gives a token without `sub` (the same text
/// as `authorizer::NO_SUBJECT_PRINCIPAL`: a test holds them together).
const NO_SUBJECT_PRINCIPAL: &str = "jwt-subject-unknown";

/// What vouched for a request's caller before the handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VouchedBy {
    /// The `bearer` layer in this function verified the caller.
    BearerLayer,
    /// An API Gateway Lambda authorizer allowed the request (its context
    /// is in the request).
    LambdaAuthorizer,
    /// HTTP API's built-in JWT authorizer verified the token (its claims
    /// are in the request).
    JwtAuthorizer,
    /// AWS IAM authorization (SigV4) on the API or Function URL.
    Iam,
}

/// What vouched for `req`'s caller, from what only the front door (or a
/// layer of this function) can put in a request: `None` for a request that
/// reached the function with no authorization at all (a Function URL with
/// auth type `NONE`, an ALB target, an API route without an authorizer).
/// A handler that must never serve anonymous callers refuses those.
///
/// ```
/// assert_eq!(secure_serverless::apigw::vouched_by(&lambda_http::Request::default()), None);
/// ```
pub fn vouched_by(req: &Request) -> Option<VouchedBy> {
    #[cfg(feature = "bearer")]
    if req.extensions().get::<crate::bearer::Caller>().is_some() {
        return Some(VouchedBy::BearerLayer);
    }
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV1(ctx) => {
            if !ctx.authorizer.fields.is_empty() {
                Some(VouchedBy::LambdaAuthorizer)
            } else if ctx.identity.user_arn.is_some() {
                Some(VouchedBy::Iam)
            } else {
                None
            }
        }
        RequestContext::ApiGatewayV2(ctx) => {
            let a = ctx.authorizer.as_ref()?;
            if a.jwt.is_some() {
                Some(VouchedBy::JwtAuthorizer)
            } else if a.iam.is_some() {
                Some(VouchedBy::Iam)
            } else if !a.fields.is_empty() {
                Some(VouchedBy::LambdaAuthorizer)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// What vouched for `req`'s caller, or a 401 (`unauthenticated`) for a
/// request nothing vouched for: the first check of a handler that must
/// never serve anonymous callers, whatever door it is deployed behind.
///
/// # Errors
/// 401 when [`vouched_by`] is `None`.
pub fn require_vouched(req: &Request) -> Result<VouchedBy, super::ApiError> {
    vouched_by(req).ok_or_else(|| {
        super::ApiError::new(
            401,
            "unauthenticated",
            "no authorizer vouched for this request",
        )
    })
}

/// Issuer and subject, length-prefixed so no pair can pass for another.
/// `None` without a subject, or for the placeholder every token without
/// `sub` shares.
fn scope(iss: &str, sub: &str) -> Option<String> {
    (!sub.is_empty() && sub != NO_SUBJECT_PRINCIPAL).then(|| format!("{}:{iss}{sub}", iss.len()))
}

/// The caller of a request, as one string (length-prefixed issuer and
/// subject): the `bearer` layer's caller, else the claims of HTTP API's JWT
/// authorizer, else an API Gateway Lambda authorizer's context (`iss` and
/// `principalId` on REST, `iss` and `sub` in an HTTP API's `lambda`
/// context). `None` without one, or for the placeholder of a token without
/// `sub` (all such tokens would share one caller).
///
/// ```
/// assert_eq!(secure_serverless::apigw::caller(&lambda_http::Request::default()), None);
/// ```
pub fn caller(req: &Request) -> Option<String> {
    #[cfg(feature = "bearer")]
    if let Some(c) = req.extensions().get::<crate::bearer::Caller>() {
        let iss = c
            .claims()
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return scope(iss, c.subject());
    }
    let field = |m: &std::collections::HashMap<String, Value>, k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV1(ctx) => {
            let f = &ctx.authorizer.fields;
            scope(&field(f, "iss"), &field(f, "principalId"))
        }
        RequestContext::ApiGatewayV2(ctx) => {
            let a = ctx.authorizer.as_ref()?;
            if let Some(jwt) = &a.jwt {
                let get = |k: &str| jwt.claims.get(k).cloned().unwrap_or_default();
                return scope(&get("iss"), &get("sub"));
            }
            // `fields` is the Lambda authorizer's `context`, which HTTP APIs
            // hand over as `requestContext.authorizer.lambda`.
            scope(&field(&a.fields, "iss"), &field(&a.fields, "sub"))
        }
        _ => None,
    }
}

#[cfg(all(test, feature = "authorizer"))]
#[test]
fn the_placeholder_is_the_authorizers() {
    assert_eq!(
        NO_SUBJECT_PRINCIPAL,
        crate::authorizer::NO_SUBJECT_PRINCIPAL
    );
}

#[cfg(test)]
fn request(event: Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[cfg(test)]
#[test]
fn each_authorizer_names_its_caller_where_api_gateway_puts_it() {
    use serde_json::json;
    let v2 = |authorizer: Value| {
        json!({"version": "2.0", "routeKey": "GET /stats", "rawPath": "/stats", "rawQueryString": "",
            "headers": {}, "isBase64Encoded": false,
            "requestContext": {"http": {"method": "GET", "path": "/stats", "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1", "userAgent": "t"}, "authorizer": authorizer, "requestId": "r",
                "routeKey": "GET /stats", "stage": "$default", "time": "", "timeEpoch": 0,
                "accountId": "1", "apiId": "a", "domainName": "a", "domainPrefix": "a"}})
    };
    let lambda = v2(json!({"lambda": {"sub": "alice", "iss": "https://i"}}));
    assert_eq!(caller(&request(lambda)), scope("https://i", "alice"));
    let jwt = v2(json!({"jwt": {"claims": {"sub": "bob", "iss": "https://i"}, "scopes": []}}));
    assert_eq!(caller(&request(jwt)), scope("https://i", "bob"));
    let rest = json!({"httpMethod": "GET", "path": "/stats", "headers": {}, "multiValueHeaders": {},
        "requestContext": {"httpMethod": "GET", "authorizer": {"principalId": "carol", "iss": "https://i"}}});
    assert_eq!(caller(&request(rest)), scope("https://i", "carol"));
    let none = v2(json!(null));
    assert_eq!(caller(&request(none.clone())), None);
    assert_eq!(vouched_by(&request(none)), None);
    assert_eq!(
        vouched_by(&request(v2(json!({"lambda": {"sub": "a"}})))),
        Some(VouchedBy::LambdaAuthorizer)
    );
    assert_eq!(
        vouched_by(&request(v2(json!({"jwt": {"claims": {}, "scopes": []}})))),
        Some(VouchedBy::JwtAuthorizer)
    );
    assert_eq!(
        vouched_by(&request(v2(json!({"iam": {"accountId": "1"}})))),
        Some(VouchedBy::Iam)
    );
}

#[cfg(test)]
#[test]
fn pairs_cannot_pass_for_each_other() {
    assert_ne!(scope("ab", "c"), scope("a", "bc"));
    assert_eq!(scope("iss", ""), None);
    assert_eq!(scope("iss", NO_SUBJECT_PRINCIPAL), None);
}
