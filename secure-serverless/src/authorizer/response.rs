//! What an authorizer answers each front door, and a check that API Gateway
//! would accept an answer.
//!
//! The rules are AWS's: the IAM-policy output
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html>:
//! `principalId`, `policyDocument` with `Version` and statements whose
//! `Effect` is spelled out, `context` values that are strings, numbers or
//! booleans, `usageIdentifierKey`), the HTTP API simple response
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html>:
//! `isAuthorized`, `context`), and the size quotas (WebSocket: 8 KB for an
//! authorizer's result, API Gateway quotas; otherwise Lambda's 6 MB response).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::arn::MethodArn;
use crate::policy::{ContextValue, Decision, Policy};

/// An authorizer's answer, in the format its front door expects.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizerResponse {
    /// An IAM policy (REST, HTTP API with IAM responses, WebSocket).
    Policy(Policy),
    /// An HTTP API simple response.
    Simple {
        /// `isAuthorized`.
        is_authorized: bool,
        /// `context`.
        context: BTreeMap<String, ContextValue>,
    },
}

impl AuthorizerResponse {
    /// The JSON API Gateway receives.
    pub fn to_json(&self) -> Value {
        match self {
            // Strings, numbers and booleans only: serialising cannot fail.
            AuthorizerResponse::Policy(p) => {
                serde_json::to_value(p.rest_response()).unwrap_or_default()
            }
            AuthorizerResponse::Simple {
                is_authorized,
                context,
            } => {
                let mut v = json!({ "isAuthorized": is_authorized });
                if !context.is_empty() {
                    v["context"] = serde_json::to_value(context).unwrap_or_default();
                }
                v
            }
        }
    }

    /// What API Gateway does with this answer for a call of `arn` (a
    /// simple response says the same for whatever route it is used for).
    pub fn evaluate(&self, arn: &MethodArn) -> Decision {
        match self {
            AuthorizerResponse::Policy(p) => p.evaluate(arn),
            AuthorizerResponse::Simple {
                is_authorized: true,
                ..
            } => Decision::Allow,
            AuthorizerResponse::Simple { .. } => Decision::ImplicitDeny,
        }
    }

    /// The format of this answer.
    pub fn format(&self, websocket: bool) -> ResponseFormat {
        match (self, websocket) {
            (AuthorizerResponse::Simple { .. }, _) => ResponseFormat::HttpSimple,
            (AuthorizerResponse::Policy(_), true) => ResponseFormat::WebSocketPolicy,
            (AuthorizerResponse::Policy(_), false) => ResponseFormat::Policy,
        }
    }
}

/// The answer formats API Gateway accepts from a Lambda authorizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseFormat {
    /// IAM policy: REST `TOKEN` and `REQUEST`, HTTP API 1.0, HTTP API 2.0
    /// without simple responses.
    Policy,
    /// IAM policy for a WebSocket API (8 KB at most).
    WebSocketPolicy,
    /// HTTP API 2.0 simple response (`enableSimpleResponses`).
    HttpSimple,
}

/// Why API Gateway would refuse an authorizer's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The answer is not a JSON object.
    #[error("the answer is not a JSON object")]
    NotAnObject,
    /// A member the format does not have.
    #[error("unknown member {0:?}")]
    UnknownMember(String),
    /// `principalId` is missing, empty or not a string.
    #[error("principalId must be a non-empty string")]
    Principal,
    /// `policyDocument` is missing or not a policy.
    #[error("policyDocument: {0}")]
    PolicyDocument(String),
    /// A statement's `Effect` is not exactly `Allow` or `Deny`.
    #[error("statement {0}: Effect must be \"Allow\" or \"Deny\"")]
    Effect(usize),
    /// A statement's `Action` is not `execute-api:Invoke`.
    #[error("statement {0}: Action must be execute-api:Invoke")]
    Action(usize),
    /// A statement's `Resource` is missing or not execute-api ARNs.
    #[error("statement {0}: Resource must be execute-api ARNs")]
    Resource(usize),
    /// A context value of a type the format does not carry.
    #[error("context value {0:?} must be a string, number or boolean")]
    ContextValue(String),
    /// `isAuthorized` is missing or not a boolean.
    #[error("isAuthorized must be a boolean")]
    IsAuthorized,
    /// `usageIdentifierKey` is not a string.
    #[error("usageIdentifierKey must be a string")]
    UsageIdentifierKey,
    /// Over the size API Gateway accepts.
    #[error("the answer is {bytes} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The answer's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
}

/// Lambda's synchronous response limit.
const LAMBDA_RESPONSE_LIMIT: usize = 6 * 1024 * 1024;
/// API Gateway's WebSocket authorizer result quota.
const WEBSOCKET_LIMIT: usize = 8 * 1024;

/// Checks `answer` against the documented output format of `format`: every
/// member present and of its type, effects spelled out, scalar context
/// values, under the size limit. Where AWS documents no rule it is stricter
/// than API Gateway (unknown members, a `Version` other than `2012-10-17`,
/// a single-object `Statement` are refused), so an answer it accepts is one
/// API Gateway accepts. Use it on your own authorizer's answers in tests.
///
/// ```
/// use secure_serverless::authorizer::{ResponseFormat, validate_response};
/// let lowercase = serde_json::json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
///     "Statement": [{"Effect": "allow", "Action": "execute-api:Invoke", "Resource": "*"}]}});
/// assert!(validate_response(ResponseFormat::Policy, &lowercase).is_err());
/// ```
///
/// # Errors
/// The first [`ResponseError`] found.
pub fn validate_response(format: ResponseFormat, answer: &Value) -> Result<(), ResponseError> {
    let obj = answer.as_object().ok_or(ResponseError::NotAnObject)?;
    let limit = match format {
        ResponseFormat::WebSocketPolicy => WEBSOCKET_LIMIT,
        _ => LAMBDA_RESPONSE_LIMIT,
    };
    let bytes = answer.to_string().len();
    if bytes > limit {
        return Err(ResponseError::TooLarge { bytes, limit });
    }
    let allowed: &[&str] = match format {
        ResponseFormat::HttpSimple => &["isAuthorized", "context"],
        _ => &[
            "principalId",
            "policyDocument",
            "context",
            "usageIdentifierKey",
        ],
    };
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ResponseError::UnknownMember(k.clone()));
    }
    if let Some(ctx) = obj.get("context") {
        let ctx = ctx
            .as_object()
            .ok_or_else(|| ResponseError::ContextValue("context".into()))?;
        for (k, v) in ctx {
            let scalar = matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
            // HTTP APIs pass the context on as JSON (`requestContext.authorizer.lambda`).
            let http = format == ResponseFormat::HttpSimple;
            let accepted = scalar || (http && !v.is_null());
            if !accepted {
                return Err(ResponseError::ContextValue(k.clone()));
            }
        }
    }
    if format == ResponseFormat::HttpSimple {
        return match obj.get("isAuthorized") {
            Some(Value::Bool(_)) => Ok(()),
            _ => Err(ResponseError::IsAuthorized),
        };
    }
    obj.get("principalId")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or(ResponseError::Principal)?;
    if obj
        .get("usageIdentifierKey")
        .is_some_and(|k| !k.is_string())
    {
        return Err(ResponseError::UsageIdentifierKey);
    }
    let doc = obj
        .get("policyDocument")
        .and_then(Value::as_object)
        .ok_or_else(|| ResponseError::PolicyDocument("missing".into()))?;
    if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
        return Err(ResponseError::PolicyDocument(
            "Version must be \"2012-10-17\"".into(),
        ));
    }
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(ResponseError::PolicyDocument(
                "Statement must be a non-empty array".into(),
            ));
        }
    };
    for (i, st) in statements.iter().enumerate() {
        let st = st.as_object().ok_or_else(|| {
            ResponseError::PolicyDocument(format!("statement {i} is not an object"))
        })?;
        if !matches!(
            st.get("Effect").and_then(Value::as_str),
            Some("Allow" | "Deny")
        ) {
            return Err(ResponseError::Effect(i));
        }
        let strings = |key: &str| -> Option<Vec<&str>> {
            match st.get(key)? {
                Value::String(s) => Some(vec![s.as_str()]),
                Value::Array(a) if !a.is_empty() => a.iter().map(Value::as_str).collect(),
                _ => None,
            }
        };
        let actions = strings("Action").ok_or(ResponseError::Action(i))?;
        if !actions
            .iter()
            .all(|a| matches!(*a, "execute-api:Invoke" | "execute-api:*"))
        {
            return Err(ResponseError::Action(i));
        }
        let resources = strings("Resource").ok_or(ResponseError::Resource(i))?;
        let arn_like = |r: &str| r == "*" || (r.starts_with("arn:") && r.contains(":execute-api:"));
        if !resources.iter().all(|r| arn_like(r)) {
            return Err(ResponseError::Resource(i));
        }
    }
    Ok(())
}
