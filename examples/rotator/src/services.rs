//! The AWS calls a rotation makes, as traits: the SDK implements them in
//! [`crate::sdk`], the tests with recorded answers.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::error::RotationError;
use crate::values::{SecretMetadata, SecretValue, Version};

/// The Secrets Manager calls a rotation makes.
pub trait SecretsManager: Send + Sync {
    /// `DescribeSecret`.
    fn describe(
        &self,
        secret_id: &str,
    ) -> impl Future<Output = Result<SecretMetadata, RotationError>> + Send;

    /// `GetSecretValue` of `stage` (and `version_id`, if given); `None` when
    /// there is no such version (`ResourceNotFoundException`).
    fn get_version(
        &self,
        secret_id: &str,
        stage: &'static str,
        version_id: Option<&str>,
    ) -> impl Future<Output = Result<Option<Version>, RotationError>> + Send;

    /// A fresh random value (`GetRandomPassword`).
    fn random_value(&self) -> impl Future<Output = Result<SecretValue, RotationError>> + Send;

    /// `PutSecretValue` of `value` as version `token`, staged `AWSPENDING`.
    fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &SecretValue,
    ) -> impl Future<Output = Result<(), RotationError>> + Send;

    /// `UpdateSecretVersionStage`: `AWSCURRENT` moves to `version_id` from
    /// `from_version_id` (which Secrets Manager then labels `AWSPREVIOUS`).
    fn make_current(
        &self,
        secret_id: &str,
        version_id: &str,
        from_version_id: &str,
    ) -> impl Future<Output = Result<(), RotationError>> + Send;
}

/// The distribution's origin header.
#[derive(Debug, Clone)]
pub struct OriginTarget {
    /// `DISTRIBUTION_ID`.
    pub distribution_id: String,
    /// `ORIGIN_ID`.
    pub origin_id: String,
    /// `ORIGIN_HEADER`.
    pub header_name: String,
}

/// What CloudFront sends now.
#[derive(Debug, Clone)]
pub struct OriginState {
    /// The distribution's status is `Deployed`: every edge runs the
    /// configuration below.
    pub deployed: bool,
    /// The header value in the configuration.
    pub header_value: SecretValue,
}

/// The CloudFront calls a rotation makes.
pub trait CloudFront: Send + Sync {
    /// The distribution's status and configured header value.
    fn origin_state(
        &self,
        target: &OriginTarget,
    ) -> impl Future<Output = Result<OriginState, RotationError>> + Send;

    /// Sets the header value, leaving the rest of the configuration as it
    /// is; `Ok(false)` when it already had that value.
    fn set_origin_header(
        &self,
        target: &OriginTarget,
        value: &SecretValue,
    ) -> impl Future<Output = Result<bool, RotationError>> + Send;
}

/// `Scope` of the web ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WafScope {
    /// On a regional resource (here, the API Gateway stage).
    Regional,
    /// On a CloudFront distribution (its API lives in us-east-1).
    CloudFront,
}

/// The web ACL rule that admits the origin header.
#[derive(Debug, Clone)]
pub struct RuleTarget {
    /// `WEB_ACL_NAME`.
    pub web_acl_name: String,
    /// `WEB_ACL_ID`.
    pub web_acl_id: String,
    /// `WEB_ACL_SCOPE`.
    pub scope: WafScope,
    /// `WAF_RULE_NAME`.
    pub rule_name: String,
    /// `ORIGIN_HEADER` (matched in lower case, as WAF inspects it).
    pub header_name: String,
}

/// The AWS WAF calls a rotation makes.
pub trait Waf: Send + Sync {
    /// The values the rule accepts now.
    fn accepted_values(
        &self,
        target: &RuleTarget,
    ) -> impl Future<Output = Result<Vec<SecretValue>, RotationError>> + Send;

    /// Makes the rule accept exactly `values` (the rest of the web ACL as it
    /// is); `Ok(false)` when it already did.
    fn set_accepted_values(
        &self,
        target: &RuleTarget,
        values: &[&SecretValue],
    ) -> impl Future<Output = Result<bool, RotationError>> + Send;
}

/// Waiting and the time, so tests need not wait or depend on the clock.
pub trait Sleep: Send + Sync {
    /// Returns after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// The wall-clock time now.
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// [`Sleep`] on the Tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
