//! Who is calling, as the front door or a layer in front of the handler
//! established it: one string to scope per-caller state (idempotency keys)
//! by.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt as _};
use serde_json::Value;

/// The principal the authorizer gives a token without `sub` (the same text
/// as `authorizer::NO_SUBJECT_PRINCIPAL`: a test holds them together).
const NO_SUBJECT_PRINCIPAL: &str = "jwt-subject-unknown";

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
            let lambda = a.fields.get("lambda")?.as_object()?;
            let get = |k: &str| lambda.get(k).and_then(Value::as_str).unwrap_or_default();
            scope(get("iss"), get("sub"))
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
#[test]
fn pairs_cannot_pass_for_each_other() {
    assert_ne!(scope("ab", "c"), scope("a", "bc"));
    assert_eq!(scope("iss", ""), None);
    assert_eq!(scope("iss", NO_SUBJECT_PRINCIPAL), None);
}
