//! [`RotationError`]: why a step failed.

use std::time::Duration;

/// Why a step failed. Never holds a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// The function's configuration is missing or wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The event lacks a field.
    #[error("invalid rotation event: {0}")]
    InvalidEvent(&'static str),
    /// The event names a step this function does not know.
    #[error("unknown rotation step {0:?}")]
    UnknownStep(String),
    /// Rotation is turned off on the secret.
    #[error("rotation is not enabled on secret {secret_id}")]
    RotationDisabled {
        /// The secret.
        secret_id: String,
    },
    /// The token is not a version of the secret.
    #[error("secret version {token} has no stage for rotation")]
    UnknownVersion {
        /// The `ClientRequestToken`.
        token: String,
    },
    /// The pending value is so old that moving it to `AWSCURRENT` now would
    /// end the authorizer's grace for the old value (counted from the new
    /// value's creation) before CloudFront can switch to it.
    #[error(
        "the AWSPENDING value was created {age:?} ago; with the settle wait and CloudFront's deployment the authorizer's grace of {grace:?} for the old value would end first: start a new rotation"
    )]
    PendingTooOld {
        /// Age of the pending value.
        age: Duration,
        /// The authorizer's grace (`AUTHORIZER_PREVIOUS_SECRET_GRACE_SECONDS`).
        grace: Duration,
    },
    /// The token's version is neither `AWSPENDING` nor `AWSCURRENT`.
    #[error(
        "secret version {token} is not set as AWSPENDING for rotation (its stages: {stages:?})"
    )]
    NotPending {
        /// The `ClientRequestToken`.
        token: String,
        /// The stages it has.
        stages: Vec<String>,
    },
    /// A version the step needs does not exist.
    #[error("the secret has no {stage} value")]
    MissingVersion {
        /// The stage.
        stage: &'static str,
    },
    /// A version is not a plain string, or not usable as a header value.
    #[error("the {stage} value is not usable as the origin header: {reason}")]
    InvalidValue {
        /// The stage.
        stage: &'static str,
        /// What is wrong (never the value).
        reason: &'static str,
    },
    /// The new value is the same as the current one.
    #[error("the AWSPENDING value equals the AWSCURRENT value")]
    PendingEqualsCurrent,
    /// The distribution has no such origin or header.
    #[error(
        "distribution {distribution_id} has no origin {origin_id} with a custom header {header}"
    )]
    OriginHeaderNotFound {
        /// The distribution.
        distribution_id: String,
        /// The origin.
        origin_id: String,
        /// The header.
        header: String,
    },
    /// The web ACL has no such rule.
    #[error("web ACL {web_acl} has no rule {rule}")]
    RuleNotFound {
        /// The web ACL's name.
        web_acl: String,
        /// The rule.
        rule: String,
    },
    /// The rule is not what this function maintains.
    #[error(
        "rule {rule} is not an EXACTLY byte match of header {header}, or an OR of such matches: {reason}"
    )]
    UnexpectedRuleShape {
        /// The rule.
        rule: String,
        /// The header.
        header: String,
        /// What differs.
        reason: &'static str,
    },
    /// An earlier step's change is missing (a step ran out of order).
    #[error("out of step: {0}")]
    OutOfStep(&'static str),
    /// The world is not ready for the next change; a later retry may pass.
    #[error("not ready: {0} (Secrets Manager retries the rotation)")]
    NotReady(&'static str),
    /// Optimistic locking kept failing.
    #[error(
        "{service}: the resource kept changing under this function; gave up after {attempts} attempts"
    )]
    Conflict {
        /// The service.
        service: &'static str,
        /// How many tries.
        attempts: u32,
    },
    /// Not enough time is left for the wait and the calls after it.
    #[error(
        "{remaining:?} left in this invocation but {needed:?} needed (settle time + API calls): raise the function's timeout"
    )]
    DeadlineTooShort {
        /// Time left.
        remaining: Duration,
        /// Time needed.
        needed: Duration,
    },
    /// An AWS call failed.
    #[error("{service} {operation} failed: {message}")]
    Aws {
        /// The service.
        service: &'static str,
        /// The operation.
        operation: &'static str,
        /// The error code, when the service sent one.
        code: Option<String>,
        /// The error with its causes.
        message: String,
    },
    /// An AWS answer lacks something it always carries.
    #[error("{service} {operation}: unexpected response: {reason}")]
    UnexpectedResponse {
        /// The service.
        service: &'static str,
        /// The operation.
        operation: &'static str,
        /// What is missing.
        reason: &'static str,
    },
}
