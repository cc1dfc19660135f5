//! API Gateway proxy events with [`crate::idempotency`]: the key from a
//! header, scoped to the authorizer's caller; 5xx answers are not stored.

use crate::idempotency::{BadIdempotencyKey, IdempotencyKey, IdempotentResponse, KeyFrom};

use super::{ProxyRequest, ProxyResponse};

impl IdempotentResponse for ProxyResponse {
    /// A 5xx is not the request's final answer: the next call runs again.
    fn is_final(&self) -> bool {
        self.status_code < 500
    }
}

/// The caller an authorizer put in the request context, as one string to
/// scope idempotency keys by: its issuer (`iss`) and `principalId`,
/// length-prefixed so no pair can pass for another; `None` without a
/// principal.
///
/// ```
/// # use secure_serverless::apigw::{ProxyRequest, authorizer_caller};
/// assert_eq!(authorizer_caller(&ProxyRequest::default()), None);
/// ```
pub fn authorizer_caller(req: &ProxyRequest) -> Option<String> {
    let context = &req.request_context.authorizer.fields;
    let field = |name: &str| context.get(name).and_then(serde_json::Value::as_str);
    // A token without `sub` gets a placeholder principal that every such
    // token shares: no caller to scope a key to.
    let principal = field("principalId").filter(|p| !p.is_empty() && *p != NO_SUBJECT_PRINCIPAL)?;
    let iss = field("iss").unwrap_or_default();
    Some(format!("{}:{iss}{principal}", iss.len()))
}

/// The principal `crate::authorizer` gives a token without `sub` (the same
/// text: a test holds them together).
const NO_SUBJECT_PRINCIPAL: &str = "jwt-subject-unknown";

#[cfg(all(test, feature = "authorizer"))]
#[test]
fn the_placeholder_is_the_authorizers() {
    assert_eq!(
        NO_SUBJECT_PRINCIPAL,
        crate::authorizer::NO_SUBJECT_PRINCIPAL
    );
}

/// Every query parameter value, sorted, so the same query in another order
/// is the same request.
fn canonical_query(req: &ProxyRequest) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for (name, _) in req.query_string_parameters.iter() {
        let all = match req.multi_value_query_string_parameters.all(name) {
            Some(v) if !v.is_empty() => v,
            _ => req.query_string_parameters.all(name).unwrap_or_default(),
        };
        out.extend(all.into_iter().map(|v| (name, v)));
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl KeyFrom<ProxyRequest> {
    /// The key is header `name` (case-insensitive), scoped to the caller the
    /// authorizer named (`principalId`, and `iss` when present), bound to the
    /// method, path, query parameters and body. A request without the header has no key; a
    /// key without a caller, or a repeated header, is refused.
    ///
    /// ```
    /// use secure_serverless::apigw::ProxyRequest;
    /// use secure_serverless::idempotency::KeyFrom;
    /// let keys = KeyFrom::<ProxyRequest>::header("idempotency-key");
    /// assert_eq!(keys.key_of(&ProxyRequest::default()).unwrap(), None);
    /// ```
    pub fn header(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        KeyFrom::new(move |req: &ProxyRequest| {
            let key = super::single_header(req, &name).map_err(|_| BadIdempotencyKey::Malformed)?;
            let Some(key) = key else {
                return Ok(None);
            };
            let caller = authorizer_caller(req).ok_or(BadIdempotencyKey::NoCaller)?;
            let body = super::body_bytes(req).map_err(|_| BadIdempotencyKey::Malformed)?;
            let query = canonical_query(req);
            let mut parts: Vec<&[u8]> = vec![
                req.http_method.as_str().as_bytes(),
                req.path.as_deref().unwrap_or_default().as_bytes(),
                &body,
            ];
            parts.extend(query.iter().flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]));
            IdempotencyKey::from_request_parts(key, &caller, &parts).map(Some)
        })
    }
}
