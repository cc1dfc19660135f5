//! API Gateway authorizer policies: build them correctly, evaluate them as
//! API Gateway does.
//!
//! `aws_lambda_events`' policy types default a statement's effect to `Allow`
//! and deserialise a statement without `Effect` as `Allow`. Here a statement
//! only exists through [`PolicyBuilder::allow`], [`PolicyBuilder::deny`] or
//! [`PolicyBuilder::statement`], each of which names its [`Effect`]; there is
//! no `Default`, and [`PolicyBuilder::build`] refuses an empty policy.
//!
//! One [`Policy`] renders as the REST API response ([`Policy::rest_response`]),
//! the HTTP API IAM response ([`Policy::http_iam_response`]) and the HTTP API
//! simple response ([`Policy::http_simple_response`]), and
//! [`Policy::evaluate`] decides, like API Gateway, whether it allows a method
//! ARN: an explicit `Deny` wins, otherwise a matching `Allow` allows, otherwise
//! the request is denied.
//!
//! ```
//! use secure_serverless::arn::MethodArn;
//! use secure_serverless::policy::{Decision, PolicyBuilder};
//!
//! let arn: MethodArn = "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/stats".parse()?;
//! let policy = PolicyBuilder::new("user-42")
//!     .allow(arn.with_route("GET", "/stats"))
//!     .deny(arn.with_route("POST", "/log"))
//!     .context("scope", "logs:read")
//!     .build()?;
//! assert_eq!(policy.evaluate(&arn), Decision::Allow);
//! assert_eq!(policy.evaluate(&arn.with_route("POST", "/log")), Decision::ExplicitDeny);
//! assert_eq!(policy.evaluate(&arn.with_route("DELETE", "/log")), Decision::ImplicitDeny);
//!
//! let json = serde_json::to_value(policy.rest_response())?;
//! assert_eq!(json["policyDocument"]["Statement"][0]["Effect"], "Allow");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arn::MethodArn;

/// The action API Gateway checks authorizer policies for.
pub const INVOKE_ACTION: &str = "execute-api:Invoke";

/// A statement's effect. Deliberately without a `Default`: a statement's
/// effect is always chosen by the caller.
///
/// ```compile_fail
/// let effect = secure_serverless::policy::Effect::default();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// Allow the matching requests.
    Allow,
    /// Deny the matching requests; wins over any `Allow`.
    Deny,
}

/// A policy that cannot be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy has no statement.
    #[error("a policy needs at least one statement")]
    Empty,
    /// `principalId` is empty or missing.
    #[error("principalId must be a non-empty string")]
    MissingPrincipal,
    /// A statement names no resource.
    #[error("statement {0} names no resource")]
    NoResource(usize),
    /// A resource is neither `*` nor an `execute-api` ARN pattern.
    #[error("resource {0:?} is not \"*\" or an arn:...:execute-api:... pattern")]
    BadResource(String),
    /// A statement has no `Effect`, or an effect other than `Allow`/`Deny`.
    #[error("statement {0} has no valid Effect (\"Allow\" or \"Deny\")")]
    BadEffect(usize),
    /// A statement has no `Action`.
    #[error("statement {0} has no Action")]
    NoAction(usize),
    /// A context key is empty.
    #[error("context keys must be non-empty")]
    EmptyContextKey,
    /// A context value is not a string, number or boolean.
    #[error("context value for {0:?} must be a string, number or boolean")]
    BadContextValue(String),
    /// A statement uses an element this evaluator does not support.
    #[error("statement {index} uses {element}, which is not supported")]
    Unsupported {
        /// The statement's index.
        index: usize,
        /// The element (`NotAction`, `NotResource`, `Principal`, ...).
        element: &'static str,
    },
    /// The document is not shaped like an authorizer response.
    #[error("malformed authorizer response: {0}")]
    Malformed(String),
}

/// A value of the authorizer context map: API Gateway passes only strings,
/// numbers and booleans to the integration.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    /// A string.
    String(String),
    /// A number (finite).
    Number(serde_json::Number),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for ContextValue {
    fn from(v: &str) -> Self {
        ContextValue::String(v.to_owned())
    }
}
impl From<String> for ContextValue {
    fn from(v: String) -> Self {
        ContextValue::String(v)
    }
}
impl From<bool> for ContextValue {
    fn from(v: bool) -> Self {
        ContextValue::Bool(v)
    }
}
impl From<i64> for ContextValue {
    fn from(v: i64) -> Self {
        ContextValue::Number(v.into())
    }
}
impl From<u64> for ContextValue {
    fn from(v: u64) -> Self {
        ContextValue::Number(v.into())
    }
}

impl TryFrom<Value> for ContextValue {
    type Error = ();
    fn try_from(v: Value) -> Result<Self, ()> {
        match v {
            Value::String(s) => Ok(ContextValue::String(s)),
            Value::Number(n) => Ok(ContextValue::Number(n)),
            Value::Bool(b) => Ok(ContextValue::Bool(b)),
            _ => Err(()),
        }
    }
}

impl Serialize for ContextValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ContextValue::String(v) => s.serialize_str(v),
            ContextValue::Number(v) => v.serialize(s),
            ContextValue::Bool(v) => s.serialize_bool(*v),
        }
    }
}

impl fmt::Display for ContextValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextValue::String(v) => f.write_str(v),
            ContextValue::Number(v) => write!(f, "{v}"),
            ContextValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// One policy statement: an effect on `execute-api:Invoke` for resources,
/// optionally under IAM conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    effect: Effect,
    actions: Vec<String>,
    resources: Vec<String>,
    condition: Option<serde_json::Map<String, Value>>,
}

impl Statement {
    /// The effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }
    /// The resource patterns.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }
    /// The IAM condition block, if any.
    pub fn condition(&self) -> Option<&serde_json::Map<String, Value>> {
        self.condition.as_ref()
    }

    fn matches(&self, arn: &str) -> bool {
        self.actions
            .iter()
            .any(|a| action_matches(a, INVOKE_ACTION))
            && self.resources.iter().any(|r| resource_matches(r, arn))
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Action", &self.actions)?;
        m.serialize_entry("Effect", &self.effect)?;
        m.serialize_entry("Resource", &self.resources)?;
        if let Some(c) = &self.condition {
            m.serialize_entry("Condition", c)?;
        }
        m.end()
    }
}

/// An IAM policy document (`Version` 2012-10-17).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// The statements.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("Version", "2012-10-17")?;
        m.serialize_entry("Statement", &self.statements)?;
        m.end()
    }
}

/// The result of evaluating a policy for one method ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// A statement allows the request and none denies it.
    Allow,
    /// A `Deny` statement matches: API Gateway answers 403 "... with an explicit deny".
    ExplicitDeny,
    /// No statement allows the request: API Gateway answers 403.
    ImplicitDeny,
}

impl Decision {
    /// `true` for [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// A complete authorizer decision: principal, policy document, context and
/// optional usage-plan key.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    principal_id: String,
    document: PolicyDocument,
    context: BTreeMap<String, ContextValue>,
    usage_identifier_key: Option<String>,
}

/// The REST API (and HTTP API "IAM policy" format) authorizer response; a
/// borrowed view of a [`Policy`] that serialises to exactly what API Gateway
/// accepts (no `null` members).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IamResponse<'a> {
    principal_id: &'a str,
    policy_document: &'a PolicyDocument,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    context: &'a BTreeMap<String, ContextValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_identifier_key: Option<&'a str>,
}

/// The HTTP API "simple" authorizer response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimpleResponse<'a> {
    is_authorized: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    context: &'a BTreeMap<String, ContextValue>,
}

impl Policy {
    /// The principal.
    pub fn principal_id(&self) -> &str {
        &self.principal_id
    }
    /// The policy document.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }
    /// The context map passed to the integration.
    pub fn context(&self) -> &BTreeMap<String, ContextValue> {
        &self.context
    }
    /// The usage-plan API key, if any.
    pub fn usage_identifier_key(&self) -> Option<&str> {
        self.usage_identifier_key.as_deref()
    }

    /// The REST API authorizer response.
    pub fn rest_response(&self) -> IamResponse<'_> {
        IamResponse {
            principal_id: &self.principal_id,
            policy_document: &self.document,
            context: &self.context,
            usage_identifier_key: self.usage_identifier_key.as_deref(),
        }
    }

    /// The HTTP API (payload 2.0) IAM-policy response; the same shape as the
    /// REST response.
    pub fn http_iam_response(&self) -> IamResponse<'_> {
        self.rest_response()
    }

    /// The HTTP API simple response for one route: `isAuthorized` is this
    /// policy's decision for `route_arn`.
    pub fn http_simple_response(&self, route_arn: &MethodArn) -> SimpleResponse<'_> {
        SimpleResponse {
            is_authorized: self.evaluate(route_arn).is_allowed(),
            context: &self.context,
        }
    }

    /// Decides, as API Gateway does, whether this policy allows `arn`.
    ///
    /// Resources match per ARN part (`*` and `?` wildcards; `*` in the resource
    /// part spans `/`). A statement with a `Condition` cannot be decided
    /// offline and is treated fail-closed: an `Allow` with a condition never
    /// matches, a `Deny` with a condition always does.
    pub fn evaluate(&self, arn: &MethodArn) -> Decision {
        self.evaluate_str(&arn.to_string())
    }

    /// [`evaluate`](Self::evaluate) for an ARN given as a string.
    pub fn evaluate_str(&self, arn: &str) -> Decision {
        let mut allowed = false;
        for st in &self.document.statements {
            let conditional = st.condition.is_some();
            match st.effect {
                Effect::Deny if conditional || st.matches(arn) => return Decision::ExplicitDeny,
                Effect::Allow if !conditional && st.matches(arn) => allowed = true,
                _ => {}
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }

    /// Parses an authorizer's JSON response (REST / HTTP API IAM format), as
    /// API Gateway would before using it. Anything API Gateway would refuse
    /// (a statement without `Effect`, nested context values, no
    /// `principalId`) is an error.
    ///
    /// # Errors
    /// A [`PolicyError`] describing the first problem.
    pub fn from_response_json(v: &Value) -> Result<Policy, PolicyError> {
        let obj = v
            .as_object()
            .ok_or_else(|| PolicyError::Malformed("not an object".into()))?;
        let principal = obj
            .get("principalId")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or(PolicyError::MissingPrincipal)?;
        let doc = obj
            .get("policyDocument")
            .and_then(Value::as_object)
            .ok_or_else(|| PolicyError::Malformed("policyDocument is missing".into()))?;
        let statements = match doc.get("Statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(o @ Value::Object(_)) => vec![o.clone()],
            _ => {
                return Err(PolicyError::Malformed(
                    "policyDocument.Statement is missing".into(),
                ));
            }
        };
        let mut builder = PolicyBuilder::new(principal);
        for (i, st) in statements.iter().enumerate() {
            let st = st
                .as_object()
                .ok_or_else(|| PolicyError::Malformed(format!("statement {i} is not an object")))?;
            for element in ["NotAction", "NotResource", "Principal", "NotPrincipal"] {
                if st.contains_key(element) {
                    return Err(PolicyError::Unsupported { index: i, element });
                }
            }
            let effect = match st.get("Effect").and_then(Value::as_str) {
                Some("Allow") => Effect::Allow,
                Some("Deny") => Effect::Deny,
                _ => return Err(PolicyError::BadEffect(i)),
            };
            let strings = |key: &str| -> Option<Vec<String>> {
                match st.get(key)? {
                    Value::String(s) => Some(vec![s.clone()]),
                    Value::Array(a) => a.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
                    _ => None,
                }
            };
            let actions = strings("Action")
                .filter(|a| !a.is_empty())
                .ok_or(PolicyError::NoAction(i))?;
            let resources = strings("Resource").ok_or(PolicyError::NoResource(i))?;
            let condition = match st.get("Condition") {
                None => None,
                Some(Value::Object(c)) => Some(c.clone()),
                Some(_) => {
                    return Err(PolicyError::Malformed(format!(
                        "statement {i} Condition is not an object"
                    )));
                }
            };
            builder.statements.push(Statement {
                effect,
                actions,
                resources,
                condition,
            });
        }
        match obj.get("context") {
            None | Some(Value::Null) => {}
            Some(Value::Object(ctx)) => {
                for (k, v) in ctx {
                    let v = ContextValue::try_from(v.clone())
                        .map_err(|()| PolicyError::BadContextValue(k.clone()))?;
                    builder.context.insert(k.clone(), v);
                }
            }
            Some(_) => return Err(PolicyError::Malformed("context is not an object".into())),
        }
        if let Some(k) = obj.get("usageIdentifierKey").and_then(Value::as_str) {
            builder.usage_identifier_key = Some(k.to_owned());
        }
        builder.build()
    }
}

/// Builds a [`Policy`]; every statement names its effect.
#[derive(Debug, Clone)]
#[must_use]
pub struct PolicyBuilder {
    principal_id: String,
    statements: Vec<Statement>,
    context: BTreeMap<String, ContextValue>,
    usage_identifier_key: Option<String>,
}

impl PolicyBuilder {
    /// A policy for `principal_id` (API Gateway requires one).
    pub fn new(principal_id: impl Into<String>) -> Self {
        PolicyBuilder {
            principal_id: principal_id.into(),
            statements: Vec::new(),
            context: BTreeMap::new(),
            usage_identifier_key: None,
        }
    }

    /// Allows `execute-api:Invoke` on one resource (a method ARN or pattern).
    pub fn allow(self, resource: impl fmt::Display) -> Self {
        self.statement(Effect::Allow, [resource.to_string()], None)
    }

    /// Denies `execute-api:Invoke` on one resource.
    pub fn deny(self, resource: impl fmt::Display) -> Self {
        self.statement(Effect::Deny, [resource.to_string()], None)
    }

    /// Adds a statement with an explicit effect, resources and an optional
    /// IAM `Condition` block.
    pub fn statement(
        mut self,
        effect: Effect,
        resources: impl IntoIterator<Item = String>,
        condition: Option<serde_json::Map<String, Value>>,
    ) -> Self {
        self.statements.push(Statement {
            effect,
            actions: vec![INVOKE_ACTION.to_owned()],
            resources: resources.into_iter().collect(),
            condition,
        });
        self
    }

    /// Adds a context entry (string, number or boolean by type).
    pub fn context(mut self, key: impl Into<String>, value: impl Into<ContextValue>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// Adds a context entry from JSON, checking that it is flat.
    ///
    /// # Errors
    /// [`PolicyError::BadContextValue`] for `null`, arrays and objects.
    pub fn context_json(
        mut self,
        key: impl Into<String>,
        value: Value,
    ) -> Result<Self, PolicyError> {
        let key = key.into();
        let value = ContextValue::try_from(value)
            .map_err(|()| PolicyError::BadContextValue(key.clone()))?;
        self.context.insert(key, value);
        Ok(self)
    }

    /// Sets the usage-plan API key (`usageIdentifierKey`).
    pub fn usage_identifier_key(mut self, key: impl Into<String>) -> Self {
        self.usage_identifier_key = Some(key.into());
        self
    }

    /// Checks and builds the policy.
    ///
    /// # Errors
    /// An empty policy, an empty principal, a statement without resources, a
    /// resource that is not an `execute-api` pattern, or an empty context key.
    pub fn build(self) -> Result<Policy, PolicyError> {
        if self.principal_id.is_empty() {
            return Err(PolicyError::MissingPrincipal);
        }
        if self.statements.is_empty() {
            return Err(PolicyError::Empty);
        }
        for (i, st) in self.statements.iter().enumerate() {
            if st.resources.is_empty() {
                return Err(PolicyError::NoResource(i));
            }
            for r in &st.resources {
                let parts: Vec<&str> = r.splitn(6, ':').collect();
                let ok = r == "*"
                    || (parts.len() == 6
                        && parts[0] == "arn"
                        && wildmatch::WildMatch::new(parts[2]).matches("execute-api"));
                if !ok {
                    return Err(PolicyError::BadResource(r.clone()));
                }
            }
        }
        if self.context.keys().any(String::is_empty) {
            return Err(PolicyError::EmptyContextKey);
        }
        Ok(Policy {
            principal_id: self.principal_id,
            document: PolicyDocument {
                statements: self.statements,
            },
            context: self.context,
            usage_identifier_key: self.usage_identifier_key.filter(|k| !k.is_empty()),
        })
    }
}

/// IAM action matching: case-insensitive, with `*`/`?` wildcards.
fn action_matches(pattern: &str, action: &str) -> bool {
    wildmatch::WildMatch::new(&pattern.to_ascii_lowercase()).matches(&action.to_ascii_lowercase())
}

/// IAM resource matching for ARNs: each of the six `:`-separated parts is
/// matched on its own (case-sensitive, `*`/`?` wildcards), so a wildcard never
/// spans a `:` between parts; in the last part it spans `/`.
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.splitn(6, ':');
    let mut a = arn.splitn(6, ':');
    for _ in 0..6 {
        match (p.next(), a.next()) {
            (Some(pp), Some(ap)) if wildmatch::WildMatch::new(pp).matches(ap) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arn(s: &str) -> MethodArn {
        s.parse().unwrap()
    }

    const BASE: &str = "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/stats";

    #[test]
    fn empty_and_principal_less_policies_are_errors() {
        assert_eq!(
            PolicyBuilder::new("p").build().unwrap_err(),
            PolicyError::Empty
        );
        assert_eq!(
            PolicyBuilder::new("").allow("*").build().unwrap_err(),
            PolicyError::MissingPrincipal
        );
        assert_eq!(
            PolicyBuilder::new("p")
                .allow("arn:aws:s3:::bucket")
                .build()
                .unwrap_err(),
            PolicyError::BadResource("arn:aws:s3:::bucket".into())
        );
        assert!(matches!(
            PolicyBuilder::new("p").context_json("k", json!({"nested": 1})),
            Err(PolicyError::BadContextValue(_))
        ));
        assert_eq!(
            PolicyBuilder::new("p")
                .allow("*")
                .context("", "x")
                .build()
                .unwrap_err(),
            PolicyError::EmptyContextKey
        );
    }

    #[test]
    fn serialises_what_api_gateway_accepts() {
        let a = arn(BASE);
        let p = PolicyBuilder::new("user")
            .allow(a.with_route("GET", "/stats"))
            .deny(a.with_route("POST", "/log"))
            .context("scopes", "logs:read")
            .context("n", 3i64)
            .context("b", true)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(p.rest_response()).unwrap(),
            json!({
                "principalId": "user",
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [format!("{}", a.with_route("GET", "stats"))]},
                    {"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": ["arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/log"]}
                ]},
                "context": {"b": true, "n": 3, "scopes": "logs:read"}
            })
        );
        let bare = PolicyBuilder::new("u").deny("*").build().unwrap();
        let v = serde_json::to_value(bare.rest_response()).unwrap();
        assert!(v.get("context").is_none() && v.get("usageIdentifierKey").is_none());
        let simple = serde_json::to_value(p.http_simple_response(&a)).unwrap();
        assert_eq!(simple["isAuthorized"], true);
        let keyed = PolicyBuilder::new("u")
            .allow("*")
            .usage_identifier_key("k")
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(keyed.rest_response()).unwrap()["usageIdentifierKey"],
            "k"
        );
    }

    #[test]
    fn evaluation_follows_api_gateway() {
        let a = arn(BASE);
        let p = PolicyBuilder::new("u")
            .allow("arn:aws:execute-api:us-east-1:123456789012:api1/prod/*/*")
            .deny("arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/log")
            .build()
            .unwrap();
        assert_eq!(p.evaluate(&a), Decision::Allow);
        assert_eq!(
            p.evaluate(&a.with_route("POST", "log")),
            Decision::ExplicitDeny
        );
        assert_eq!(p.evaluate(&a.with_route("POST", "log/x")), Decision::Allow);
        assert_eq!(
            p.evaluate(&arn(
                "arn:aws:execute-api:us-east-1:123456789012:api1/dev/GET/stats"
            )),
            Decision::ImplicitDeny
        );
        assert_eq!(
            p.evaluate(&arn(
                "arn:aws:execute-api:us-east-1:999999999999:api1/prod/GET/stats"
            )),
            Decision::ImplicitDeny
        );
        // wildcards never span the ':' between ARN parts
        assert!(!resource_matches("arn:aws:execute-api:*", BASE));
        assert!(resource_matches("arn:aws:execute-api:*:*:*", BASE));
        assert!(resource_matches(
            "arn:aws:execute-api:us-east-?:*:api1/*",
            BASE
        ));
        assert!(resource_matches("*", BASE));
        let conditional_allow = PolicyBuilder::new("u")
            .statement(
                Effect::Allow,
                ["*".to_string()],
                Some(
                    json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
                        .as_object()
                        .unwrap()
                        .clone(),
                ),
            )
            .build()
            .unwrap();
        assert_eq!(conditional_allow.evaluate(&a), Decision::ImplicitDeny);
    }

    #[test]
    fn parses_responses_like_api_gateway() {
        let ok = json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": BASE}]},
            "context": {"a": "b", "n": 1.5}});
        let p = Policy::from_response_json(&ok).unwrap();
        assert_eq!(p.evaluate(&arn(BASE)), Decision::Allow);
        assert_eq!(p.context()["n"].to_string(), "1.5");
        let no_effect = json!({"principalId": "u", "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Resource": "*"}]}});
        assert_eq!(
            Policy::from_response_json(&no_effect).unwrap_err(),
            PolicyError::BadEffect(0)
        );
        let lower = json!({"principalId": "u", "policyDocument": {"Statement": [{"Action": "*", "Effect": "allow", "Resource": "*"}]}});
        assert_eq!(
            Policy::from_response_json(&lower).unwrap_err(),
            PolicyError::BadEffect(0)
        );
        let nested = json!({"principalId": "u", "policyDocument": {"Statement": [{"Action": "*", "Effect": "Allow", "Resource": "*"}]}, "context": {"x": {"y": 1}}});
        assert_eq!(
            Policy::from_response_json(&nested).unwrap_err(),
            PolicyError::BadContextValue("x".into())
        );
        let no_principal = json!({"policyDocument": {"Statement": []}});
        assert_eq!(
            Policy::from_response_json(&no_principal).unwrap_err(),
            PolicyError::MissingPrincipal
        );
        let empty = json!({"principalId": "u", "policyDocument": {"Statement": []}});
        assert_eq!(
            Policy::from_response_json(&empty).unwrap_err(),
            PolicyError::Empty
        );
        let not_action = json!({"principalId": "u", "policyDocument": {"Statement": [{"NotAction": "x", "Effect": "Allow", "Resource": "*"}]}});
        assert!(matches!(
            Policy::from_response_json(&not_action),
            Err(PolicyError::Unsupported { .. })
        ));
        let round = serde_json::to_value(p.rest_response()).unwrap();
        assert_eq!(Policy::from_response_json(&round).unwrap(), p);
    }
}
