//! API Gateway proxy events with [`crate::idempotency`]: the key from a
//! header, scoped to the authorizer's caller; 5xx answers are not stored.

use crate::idempotency::{
    BadIdempotencyKey, IdempotencyKey, IdempotentResponse, KeyFrom, caller_scope,
};

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
    caller_scope(
        field("iss").unwrap_or_default(),
        field("principalId").unwrap_or_default(),
    )
}

/// Every query parameter value (from the multi-value map when present).
fn query_values(req: &ProxyRequest) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for (name, _) in req.query_string_parameters.iter() {
        let all = match req.multi_value_query_string_parameters.all(name) {
            Some(v) if !v.is_empty() => v,
            _ => req.query_string_parameters.all(name).unwrap_or_default(),
        };
        out.extend(all.into_iter().map(|v| (name, v)));
    }
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
            IdempotencyKey::for_http_request(
                key,
                &caller,
                req.http_method.as_str(),
                req.path.as_deref().unwrap_or_default(),
                &body,
                query_values(req),
            )
            .map(Some)
        })
    }
}
