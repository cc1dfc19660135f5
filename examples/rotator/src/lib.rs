//! The rotator Lambda: Secrets Manager's four rotation steps for the origin
//! secret, keeping CloudFront's origin header and the regional WAF rule in
//! step so that no request through CloudFront is ever rejected.
//!
//! The rotation logic ([`Rotator`]) talks to AWS through one small trait per
//! service ([`SecretsManager`], [`CloudFront`], [`Waf`]) and waits through
//! [`Sleep`]; [`sdk`] implements the traits on the real SDK clients. No
//! secret value is ever logged or put into an error: [`SecretValue`] redacts
//! itself in `Debug` and errors name stages, never values.
//!
//! # The order of changes
//!
//! Who accepts what, and when (`P`/`C`/`N`: the `AWSPREVIOUS`, `AWSCURRENT`
//! and new `AWSPENDING` values when the rotation starts):
//!
//! | step | change | WAF accepts | authorizer accepts | CloudFront sends |
//! |---|---|---|---|---|
//! | before | | P?, C | P, C | C |
//! | `createSecret` | store N as `AWSPENDING` | P?, C | P, C | C |
//! | `setSecret` | WAF rule := {C, N}, and P while CloudFront may still send it | C, N (P?) | P, C | C |
//! | `testSecret` | check WAF and CloudFront (nothing changes) | P, C, N | P, C | C |
//! | `finishSecret` 1 | `AWSCURRENT` := N (C becomes `AWSPREVIOUS`) | P, C, N | C, N (after the caches expire) | C |
//! | `finishSecret` 2 | wait [`Timing::settle`] | P, C, N | C, N | C |
//! | `finishSecret` 3 | CloudFront header := N | P, C, N | C, N | C or N (deploying) |
//! | `finishSecret` 4 | poll until the distribution is `Deployed` with N | P, C, N | C, N | N |
//! | `finishSecret` 5 | WAF rule := {N} | N | C (until its grace ends), N | N |
//!
//! CloudFront switches only after N is `AWSCURRENT` and every authorizer
//! sandbox has had time to load it (the wait covers the extension's cache, the
//! authorizer's own cache and its stale-on-error grace, and the WAF's
//! propagation), so the authorizer never needs to accept `AWSPENDING`. Once
//! CloudFront reports the new header `Deployed` (polled every
//! [`DEPLOY_POLL_INTERVAL`], for at most [`Timing::deploy_timeout`]), the
//! WAF rule admits N alone: the old value is retired at the WAF within
//! minutes of the rotation, and the authorizer accepts `AWSPREVIOUS` only
//! for its bounded grace after N was created (`PREVIOUS_SECRET_GRACE_SECONDS`,
//! default 30 minutes). A distribution that does not finish deploying in
//! time leaves the rule at {N, C} and fails the step; Secrets Manager's retry
//! of `finishSecret` polls again and retires C then. Before moving the stage,
//! `testSecret` and `finishSecret` check that the distribution is fully
//! deployed and is not still sending `AWSPREVIOUS`, the one value the stage
//! move stops accepting. Every step can run again (Secrets Manager retries
//! whole rotations): each reads the state first and changes only what is not
//! yet as it should be.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::event::secretsmanager::SecretsManagerSecretRotationEvent;
use lambda_runtime::LambdaEvent;
use secrecy::{ExposeSecret, SecretString};

pub mod sdk;

/// The staging label of the version in use.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// The staging label of the version being rotated in.
pub const AWSPENDING: &str = "AWSPENDING";
/// The staging label of the version rotated out last time.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";

/// Length of a generated value (alphanumeric, from `GetRandomPassword`).
pub const GENERATED_LENGTH: i64 = 64;
/// The longest value a WAF byte-match statement can hold.
pub const MAX_VALUE_BYTES: usize = 200;
/// Time budget for the API calls of `finishSecret` besides its wait.
pub const CALL_BUDGET: Duration = Duration::from_secs(60);
/// Added to the computed settle time (clock skew, requests in flight).
pub const SETTLE_MARGIN: Duration = Duration::from_secs(15);
/// How often `finishSecret` asks CloudFront whether the new header is deployed.
pub const DEPLOY_POLL_INTERVAL: Duration = Duration::from_secs(20);
/// How often a read-modify-write is tried against a concurrent writer
/// (`WAFOptimisticLockException`, CloudFront `PreconditionFailed`).
pub const MAX_ATTEMPTS: u32 = 5;

// ------------------------------------------------------------------ values

/// A secret value. `Debug` never shows it; it is zeroised on drop.
#[derive(Clone)]
pub struct SecretValue(SecretString);

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(SecretString::from(value.into()))
    }

    /// The value itself, for the one call that must send it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Checks that the value can travel as an HTTP header value and fit a
    /// WAF byte-match statement: 1 to 200 bytes of visible ASCII.
    ///
    /// # Errors
    /// [`RotationError::InvalidValue`] naming `stage`, never the value.
    pub fn check(&self, stage: &'static str) -> Result<(), RotationError> {
        let bytes = self.expose().as_bytes();
        let reason = if bytes.is_empty() {
            "it is empty"
        } else if bytes.len() > MAX_VALUE_BYTES {
            "it is longer than 200 bytes (the WAF byte-match limit)"
        } else if !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
            "it holds bytes other than visible ASCII"
        } else {
            return Ok(());
        };
        Err(RotationError::InvalidValue { stage, reason })
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretValue {}

/// One version of the secret.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its version id.
    pub id: String,
    /// Its `SecretString`.
    pub value: SecretValue,
    /// Its `CreatedDate`.
    pub created: Option<SystemTime>,
}

/// What `DescribeSecret` says about the secret.
#[derive(Debug, Clone, Default)]
pub struct SecretMetadata {
    /// Whether rotation is turned on.
    pub rotation_enabled: bool,
    /// Version id -> its staging labels.
    pub versions: HashMap<String, Vec<String>>,
}

// ------------------------------------------------------------------ errors

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

// ------------------------------------------------------------------ the services

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

// ------------------------------------------------------------------ configuration

/// How long a value may stay unknown somewhere after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `AUTHORIZER_SECRETS_MANAGER_TTL`: the Parameters and Secrets
    /// extension's cache in the authorizer (its `SECRETS_MANAGER_TTL`).
    pub extension_ttl: Duration,
    /// `AUTHORIZER_SECRET_CACHE_TTL_SECONDS`: the authorizer's own cache (its
    /// `SECRET_CACHE_TTL_SECONDS`), which also serves a stale value for as
    /// long again while refreshes fail.
    pub authorizer_ttl: Duration,
    /// `WAF_PROPAGATION_SECONDS`: how long a web ACL change may take to
    /// reach every WAF node ("from a few seconds to a number of minutes").
    pub waf_propagation: Duration,
    /// `CLOUDFRONT_DEPLOY_TIMEOUT_SECONDS`: how long `finishSecret` waits
    /// for the distribution to deploy the new header before it fails (and
    /// is retried) with the previous value still admitted by the WAF.
    pub deploy_timeout: Duration,
    /// `AUTHORIZER_PREVIOUS_SECRET_GRACE_SECONDS`: how long after the new
    /// value's creation the authorizer still accepts the old one (its
    /// `PREVIOUS_SECRET_GRACE_SECONDS`).
    pub previous_grace: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            extension_ttl: Duration::from_secs(300),
            authorizer_ttl: Duration::from_secs(60),
            waf_propagation: Duration::from_secs(120),
            deploy_timeout: Duration::from_secs(600),
            previous_grace: Duration::from_secs(1800),
        }
    }
}

impl Timing {
    /// How long after `AWSCURRENT` moves every authorizer accepts the new
    /// value (extension TTL + twice the authorizer's TTL, for its
    /// stale-on-error grace) and every WAF node has the rule `setSecret`
    /// wrote; plus [`SETTLE_MARGIN`].
    pub fn settle(&self) -> Duration {
        let authorizer = self.extension_ttl + self.authorizer_ttl * 2;
        authorizer.max(self.waf_propagation) + SETTLE_MARGIN
    }
}

/// Everything the rotator needs to know besides the event.
#[derive(Debug, Clone)]
pub struct Config {
    /// The CloudFront side.
    pub origin: OriginTarget,
    /// The WAF side.
    pub rule: RuleTarget,
    /// The waits.
    pub timing: Timing,
}

/// The longest settle time a Lambda invocation (15 minutes at most) leaves room for.
const MAX_SETTLE: Duration = Duration::from_secs(15 * 60 - 60 - 60);

impl Config {
    /// Reads the variables listed in the README from the environment.
    ///
    /// # Errors
    /// [`RotationError::Config`] naming the variable.
    pub fn from_env() -> Result<Self, RotationError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env) with any lookup (tests).
    ///
    /// # Errors
    /// [`RotationError::Config`] naming the variable.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync,
    ) -> Result<Self, RotationError> {
        // Fail closed: a blank setting is an error, never its default.
        let vars = secure_serverless::config::Vars::from_lookup(lookup);
        let config_error =
            |e: secure_serverless::config::ConfigError| RotationError::Config(e.to_string());
        let required = |name: &str| vars.required(name).map_err(config_error);
        let seconds = |name: &str, default: Duration| {
            vars.number_in::<u64>(name, 0..=3600)
                .map(|v| v.map_or(default, Duration::from_secs))
                .map_err(config_error)
        };
        let header_name = required("ORIGIN_HEADER")?;
        if header_name.len() > 64
            || !header_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(RotationError::Config(
                "ORIGIN_HEADER must be an HTTP header name of at most 64 characters".into(),
            ));
        }
        let scope = match required("WEB_ACL_SCOPE")?.as_str() {
            "REGIONAL" => WafScope::Regional,
            "CLOUDFRONT" => WafScope::CloudFront,
            _ => {
                return Err(RotationError::Config(
                    "WEB_ACL_SCOPE must be REGIONAL or CLOUDFRONT".into(),
                ));
            }
        };
        let defaults = Timing::default();
        let timing = Timing {
            extension_ttl: seconds("AUTHORIZER_SECRETS_MANAGER_TTL", defaults.extension_ttl)?,
            authorizer_ttl: seconds(
                "AUTHORIZER_SECRET_CACHE_TTL_SECONDS",
                defaults.authorizer_ttl,
            )?,
            waf_propagation: seconds("WAF_PROPAGATION_SECONDS", defaults.waf_propagation)?,
            deploy_timeout: seconds("CLOUDFRONT_DEPLOY_TIMEOUT_SECONDS", defaults.deploy_timeout)?,
            previous_grace: vars
                .number_in::<u64>("AUTHORIZER_PREVIOUS_SECRET_GRACE_SECONDS", 60..=86_400)
                .map_err(config_error)?
                .map_or(defaults.previous_grace, Duration::from_secs),
        };
        let needed = timing.settle() + timing.deploy_timeout + CALL_BUDGET;
        if timing.previous_grace < needed {
            return Err(RotationError::Config(format!(
                "AUTHORIZER_PREVIOUS_SECRET_GRACE_SECONDS ({} s) must cover the settle wait, CloudFront's deployment and the API calls ({} s)",
                timing.previous_grace.as_secs(),
                needed.as_secs()
            )));
        }
        if timing.settle() > MAX_SETTLE {
            return Err(RotationError::Config(format!(
                "the settle time these TTLs need ({:?}) does not fit in one Lambda invocation",
                timing.settle()
            )));
        }
        Ok(Config {
            origin: OriginTarget {
                distribution_id: required("DISTRIBUTION_ID")?,
                origin_id: required("ORIGIN_ID")?,
                header_name: header_name.clone(),
            },
            rule: RuleTarget {
                web_acl_name: required("WEB_ACL_NAME")?,
                web_acl_id: required("WEB_ACL_ID")?,
                scope,
                rule_name: required("WAF_RULE_NAME")?,
                header_name: header_name.to_ascii_lowercase(),
            },
            timing,
        })
    }
}

// ------------------------------------------------------------------ steps and reports

/// A rotation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `createSecret`.
    Create,
    /// `setSecret`.
    Set,
    /// `testSecret`.
    Test,
    /// `finishSecret`.
    Finish,
}

impl Step {
    /// Parses the event's `Step`.
    ///
    /// # Errors
    /// [`RotationError::UnknownStep`] (with at most 64 characters of it).
    pub fn parse(step: &str) -> Result<Self, RotationError> {
        match step {
            "createSecret" => Ok(Step::Create),
            "setSecret" => Ok(Step::Set),
            "testSecret" => Ok(Step::Test),
            "finishSecret" => Ok(Step::Finish),
            other => Err(RotationError::UnknownStep(
                secure_serverless::untrusted::excerpt(other),
            )),
        }
    }
}

/// Something a step did or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The token's version is already `AWSCURRENT`: nothing left for this step.
    AlreadyCurrent,
    /// `createSecret` found its `AWSPENDING` value already stored.
    PendingExists,
    /// `createSecret` stored a new `AWSPENDING` value.
    PendingCreated,
    /// The WAF rule was rewritten.
    WafUpdated,
    /// The WAF rule already accepted exactly the right values.
    WafUnchanged,
    /// `setSecret` found CloudFront still sending `AWSPREVIOUS` (a rotation
    /// that never finished) and switched it to `AWSCURRENT`.
    CloudFrontRestored,
    /// CloudFront's header was switched to the new value.
    CloudFrontUpdated,
    /// CloudFront's header already had the new value.
    CloudFrontUnchanged,
    /// Waited this long (so far) for CloudFront to deploy the new header.
    DeployPolled(Duration),
    /// CloudFront reports the new header deployed to every edge.
    CloudFrontDeployed,
    /// `testSecret` found everything in step.
    Verified,
    /// `AWSCURRENT` moved to the token's version.
    StageMoved,
    /// Waited this long for caches and the WAF to catch up.
    Settled(Duration),
}

/// What one invocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The step.
    pub step: Step,
    /// What happened, in order.
    pub actions: Vec<Action>,
}

/// The versions a step works with.
struct Versions {
    current: Version,
    pending: Version,
    previous: Option<Version>,
}

// ------------------------------------------------------------------ the rotation

/// Runs rotation steps against the services.
#[derive(Debug)]
pub struct Rotator<S, C, W, Z = TokioSleep> {
    secrets: S,
    cloudfront: C,
    waf: W,
    sleep: Z,
    config: Config,
}

impl<S, C, W, Z> Rotator<S, C, W, Z>
where
    S: SecretsManager,
    C: CloudFront,
    W: Waf,
    Z: Sleep,
{
    /// A rotator over these clients.
    pub fn new(secrets: S, cloudfront: C, waf: W, sleep: Z, config: Config) -> Self {
        Rotator {
            secrets,
            cloudfront,
            waf,
            sleep,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs the event's step. `deadline` is when the invocation ends
    /// (`None`: unknown, no limit is enforced).
    ///
    /// # Errors
    /// Any [`RotationError`]; Secrets Manager then retries the rotation.
    pub async fn rotate(
        &self,
        event: &SecretsManagerSecretRotationEvent,
        deadline: Option<Instant>,
    ) -> Result<Report, RotationError> {
        let step = Step::parse(&event.step)?;
        let secret_id = event.secret_id.as_str();
        let token = event.client_request_token.as_str();
        if secret_id.is_empty() {
            return Err(RotationError::InvalidEvent("SecretId is empty"));
        }
        if token.is_empty() {
            return Err(RotationError::InvalidEvent("ClientRequestToken is empty"));
        }
        let metadata = self.secrets.describe(secret_id).await?;
        if !metadata.rotation_enabled {
            return Err(RotationError::RotationDisabled {
                secret_id: secret_id.to_owned(),
            });
        }
        let stages = metadata
            .versions
            .get(token)
            .ok_or_else(|| RotationError::UnknownVersion {
                token: token.to_owned(),
            })?;
        let mut report = Report {
            step,
            actions: Vec::new(),
        };
        if stages.iter().any(|s| s == AWSCURRENT) {
            report.actions.push(Action::AlreadyCurrent);
            if step == Step::Finish {
                // A retried finishSecret: the stage moved earlier; make sure
                // CloudFront and the WAF followed.
                let current = self.require(secret_id, AWSCURRENT, Some(token)).await?;
                let previous = self.optional(secret_id, AWSPREVIOUS).await?;
                self.converge(&current.value, previous.as_ref(), deadline, &mut report)
                    .await?;
            }
            return Ok(report);
        }
        if !stages.iter().any(|s| s == AWSPENDING) {
            return Err(RotationError::NotPending {
                token: token.to_owned(),
                stages: stages.clone(),
            });
        }
        match step {
            Step::Create => self.create(secret_id, token, &mut report).await?,
            Step::Set => self.set(secret_id, token, deadline, &mut report).await?,
            Step::Test => self.test(secret_id, token, &mut report).await?,
            Step::Finish => self.finish(secret_id, token, deadline, &mut report).await?,
        }
        Ok(report)
    }

    /// `createSecret`: store a new random value as `AWSPENDING`, once.
    async fn create(
        &self,
        secret_id: &str,
        token: &str,
        report: &mut Report,
    ) -> Result<(), RotationError> {
        // The current version must exist (and be usable) before we rotate away from it.
        self.require(secret_id, AWSCURRENT, None).await?;
        if let Some(pending) = self
            .secrets
            .get_version(secret_id, AWSPENDING, Some(token))
            .await?
        {
            pending.value.check(AWSPENDING)?;
            report.actions.push(Action::PendingExists);
            return Ok(());
        }
        let value = self.secrets.random_value().await?;
        value.check(AWSPENDING)?;
        self.secrets.put_pending(secret_id, token, &value).await?;
        report.actions.push(Action::PendingCreated);
        Ok(())
    }

    /// `setSecret`: the WAF rule accepts the new value too.
    async fn set(
        &self,
        secret_id: &str,
        token: &str,
        deadline: Option<Instant>,
        report: &mut Report,
    ) -> Result<(), RotationError> {
        let v = self.load(secret_id, token).await?;
        let origin = self.cloudfront.origin_state(&self.config.origin).await?;
        let mut accepted = vec![&v.current.value, &v.pending.value];
        if let Some(previous) = &v.previous
            && (origin.header_value == previous.value || !origin.deployed)
        {
            // Only while CloudFront may still send it (configured, or edges
            // not yet deployed): a retired value is never admitted again.
            accepted.push(&previous.value);
        }
        self.set_waf(&accepted, report).await?;

        // A rotation whose finishSecret moved the stage but never switched
        // CloudFront leaves it sending AWSPREVIOUS, which this rotation's stage
        // move would stop accepting: switch it to AWSCURRENT first, after the
        // wait that guarantees every authorizer knows AWSCURRENT.
        if let Some(previous) = &v.previous
            && origin.header_value == previous.value
            && origin.header_value != v.current.value
        {
            tracing::warn!(
                "CloudFront still sends the AWSPREVIOUS value: an earlier rotation did not finish; switching it to AWSCURRENT"
            );
            self.wait(deadline, report).await?;
            self.cloudfront
                .set_origin_header(&self.config.origin, &v.current.value)
                .await?;
            report.actions.push(Action::CloudFrontRestored);
        }
        Ok(())
    }

    /// `testSecret`: the WAF accepts both values and CloudFront is ready for
    /// the stage move.
    async fn test(
        &self,
        secret_id: &str,
        token: &str,
        report: &mut Report,
    ) -> Result<(), RotationError> {
        let v = self.load(secret_id, token).await?;
        self.check_ready(&v).await?;
        report.actions.push(Action::Verified);
        Ok(())
    }

    /// `finishSecret`: move `AWSCURRENT`, wait, switch CloudFront, drop the
    /// oldest value from the WAF rule.
    async fn finish(
        &self,
        secret_id: &str,
        token: &str,
        deadline: Option<Instant>,
        report: &mut Report,
    ) -> Result<(), RotationError> {
        let v = self.load(secret_id, token).await?;
        // Fail before changing anything if the wait cannot fit.
        self.check_deadline(deadline)?;
        self.check_pending_age(&v.pending)?;
        self.check_ready(&v).await?;
        self.secrets
            .make_current(secret_id, token, &v.current.id)
            .await?;
        report.actions.push(Action::StageMoved);
        self.converge(&v.pending.value, Some(&v.current), deadline, report)
            .await
    }

    /// After the stage move: CloudFront sends `new`, and once every edge
    /// has it, the WAF accepts `new` and nothing else.
    async fn converge(
        &self,
        new: &SecretValue,
        previous: Option<&Version>,
        deadline: Option<Instant>,
        report: &mut Report,
    ) -> Result<(), RotationError> {
        let mut origin = self.cloudfront.origin_state(&self.config.origin).await?;
        if origin.header_value == *new {
            report.actions.push(Action::CloudFrontUnchanged);
        } else {
            self.wait(deadline, report).await?;
            let changed = self
                .cloudfront
                .set_origin_header(&self.config.origin, new)
                .await?;
            report.actions.push(if changed {
                Action::CloudFrontUpdated
            } else {
                Action::CloudFrontUnchanged
            });
            origin = self.cloudfront.origin_state(&self.config.origin).await?;
        }
        // Poll until every edge sends `new`, within the deploy timeout and
        // what is left of this invocation (counted in waits, so the bound
        // holds whatever the clock does).
        let left = deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(Instant::now())
                .saturating_sub(CALL_BUDGET)
        });
        let budget = self.config.timing.deploy_timeout.min(left);
        let mut waited = Duration::ZERO;
        while !(origin.deployed && origin.header_value == *new) {
            if waited + DEPLOY_POLL_INTERVAL > budget {
                // Keep both values admitted until a retry sees the deployment.
                let mut accepted = vec![new];
                if let Some(previous) = previous {
                    accepted.push(&previous.value);
                }
                self.set_waf(&accepted, report).await?;
                return Err(RotationError::NotReady(
                    "CloudFront has not finished deploying the new header; the WAF still admits the previous value until a retried finishSecret sees it deployed",
                ));
            }
            self.sleep.sleep(DEPLOY_POLL_INTERVAL).await;
            waited += DEPLOY_POLL_INTERVAL;
            report.actions.push(Action::DeployPolled(waited));
            origin = self.cloudfront.origin_state(&self.config.origin).await?;
        }
        report.actions.push(Action::CloudFrontDeployed);
        self.set_waf(&[new], report).await
    }

    /// The checks before a stage move: the WAF accepts `AWSCURRENT` and
    /// `AWSPENDING`, and CloudFront is deployed and does not send
    /// `AWSPREVIOUS` (which the move stops accepting).
    async fn check_ready(&self, v: &Versions) -> Result<(), RotationError> {
        let accepted = self.waf.accepted_values(&self.config.rule).await?;
        if !accepted.contains(&v.pending.value) {
            return Err(RotationError::OutOfStep(
                "the WAF rule does not accept the AWSPENDING value (setSecret has not run)",
            ));
        }
        if !accepted.contains(&v.current.value) {
            return Err(RotationError::OutOfStep(
                "the WAF rule does not accept the AWSCURRENT value",
            ));
        }
        let origin = self.cloudfront.origin_state(&self.config.origin).await?;
        if !origin.deployed {
            return Err(RotationError::NotReady(
                "the distribution is still deploying an earlier change",
            ));
        }
        if let Some(previous) = &v.previous
            && origin.header_value == previous.value
            && origin.header_value != v.current.value
        {
            return Err(RotationError::NotReady(
                "CloudFront still sends the AWSPREVIOUS value",
            ));
        }
        Ok(())
    }

    async fn set_waf(
        &self,
        values: &[&SecretValue],
        report: &mut Report,
    ) -> Result<(), RotationError> {
        let changed = self
            .waf
            .set_accepted_values(&self.config.rule, values)
            .await?;
        report.actions.push(if changed {
            Action::WafUpdated
        } else {
            Action::WafUnchanged
        });
        Ok(())
    }

    /// The authorizer accepts the old value for `previous_grace` after the
    /// new value's creation: the stage move must leave room for the settle
    /// wait, CloudFront's deployment and the calls within that grace, or
    /// CloudFront would still send a value no authorizer accepts. A value of
    /// unknown age is refused the same way.
    fn check_pending_age(&self, pending: &Version) -> Result<(), RotationError> {
        let t = &self.config.timing;
        let age = pending
            .created
            .and_then(|c| self.sleep.now().duration_since(c).ok())
            .unwrap_or(Duration::MAX);
        if age.saturating_add(t.settle() + t.deploy_timeout + CALL_BUDGET) > t.previous_grace {
            return Err(RotationError::PendingTooOld {
                age,
                grace: t.previous_grace,
            });
        }
        Ok(())
    }

    fn check_deadline(&self, deadline: Option<Instant>) -> Result<(), RotationError> {
        let needed = self.config.timing.settle() + CALL_BUDGET;
        match deadline.map(|d| d.saturating_duration_since(Instant::now())) {
            Some(remaining) if remaining < needed => {
                Err(RotationError::DeadlineTooShort { remaining, needed })
            }
            _ => Ok(()),
        }
    }

    async fn wait(
        &self,
        deadline: Option<Instant>,
        report: &mut Report,
    ) -> Result<(), RotationError> {
        self.check_deadline(deadline)?;
        let settle = self.config.timing.settle();
        tracing::info!(
            seconds = settle.as_secs(),
            "waiting for authorizer caches and WAF propagation"
        );
        self.sleep.sleep(settle).await;
        report.actions.push(Action::Settled(settle));
        Ok(())
    }

    async fn load(&self, secret_id: &str, token: &str) -> Result<Versions, RotationError> {
        let current = self.require(secret_id, AWSCURRENT, None).await?;
        let pending = self.require(secret_id, AWSPENDING, Some(token)).await?;
        if pending.value == current.value {
            return Err(RotationError::PendingEqualsCurrent);
        }
        let previous = self.optional(secret_id, AWSPREVIOUS).await?;
        Ok(Versions {
            current,
            pending,
            previous,
        })
    }

    async fn require(
        &self,
        secret_id: &str,
        stage: &'static str,
        version_id: Option<&str>,
    ) -> Result<Version, RotationError> {
        let version = self
            .secrets
            .get_version(secret_id, stage, version_id)
            .await?
            .ok_or(RotationError::MissingVersion { stage })?;
        version.value.check(stage)?;
        Ok(version)
    }

    /// `AWSPREVIOUS`, if there is one that can be a header value (an
    /// unusable one cannot be what CloudFront sends, so it is left out).
    async fn optional(
        &self,
        secret_id: &str,
        stage: &'static str,
    ) -> Result<Option<Version>, RotationError> {
        let version = self.secrets.get_version(secret_id, stage, None).await?;
        Ok(version.filter(|v| match v.value.check(stage) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "ignoring the {stage} version");
                false
            }
        }))
    }
}

/// The Lambda handler: runs the step and logs what it did (stages and
/// actions, never a value). An error makes Secrets Manager retry.
///
/// # Errors
/// The step's [`RotationError`].
pub async fn handler<S, C, W, Z>(
    rotator: &Rotator<S, C, W, Z>,
    event: LambdaEvent<SecretsManagerSecretRotationEvent>,
) -> Result<(), lambda_runtime::Error>
where
    S: SecretsManager,
    C: CloudFront,
    W: Waf,
    Z: Sleep,
{
    // The runtime gives the deadline as wall-clock time; waits use a monotonic clock.
    let remaining = event
        .context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let deadline = Instant::now().checked_add(remaining);
    let payload = &event.payload;
    match rotator.rotate(payload, deadline).await {
        Ok(report) => {
            tracing::info!(
                step = %payload.step,
                secret_id = %payload.secret_id,
                version_id = %payload.client_request_token,
                actions = ?report.actions,
                "rotation step done"
            );
            Ok(())
        }
        Err(e) => {
            tracing::error!(
                step = %secure_serverless::untrusted::excerpt(&payload.step),
                secret_id = %payload.secret_id,
                version_id = %payload.client_request_token,
                error = %e,
                "rotation step failed"
            );
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        ("DISTRIBUTION_ID", "E2QWRUHAPOMQZL"),
        ("ORIGIN_ID", "api"),
        ("ORIGIN_HEADER", "X-Origin-Verify"),
        ("WEB_ACL_NAME", "secure-serverless-origin-verify"),
        ("WEB_ACL_ID", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
        ("WEB_ACL_SCOPE", "REGIONAL"),
        ("WAF_RULE_NAME", "allow-origin-verify"),
        ("AUTHORIZER_SECRETS_MANAGER_TTL", "60"),
    ];

    #[test]
    fn config_from_env() {
        let c = Config::from_lookup(env(FULL)).unwrap();
        assert_eq!(c.origin.header_name, "X-Origin-Verify");
        assert_eq!(c.rule.header_name, "x-origin-verify");
        assert_eq!(c.rule.scope, WafScope::Regional);
        // 60 + 2 * 60 (authorizer defaults) > 120 (WAF), + 15
        assert_eq!(c.timing.settle(), Duration::from_secs(195));
    }

    #[test]
    fn config_names_what_is_missing_or_wrong() {
        for (drop, needle) in [
            ("DISTRIBUTION_ID", "DISTRIBUTION_ID"),
            ("WAF_RULE_NAME", "WAF_RULE_NAME"),
            ("WEB_ACL_SCOPE", "WEB_ACL_SCOPE"),
        ] {
            let pairs: Vec<_> = FULL.iter().copied().filter(|(k, _)| *k != drop).collect();
            let e = Config::from_lookup(env(&pairs)).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        for (key, bad) in [
            ("WEB_ACL_SCOPE", "regional"),
            ("ORIGIN_HEADER", "X Origin"),
            ("AUTHORIZER_SECRETS_MANAGER_TTL", "-1"),
            ("WAF_PROPAGATION_SECONDS", "99999"),
            ("AUTHORIZER_SECRET_CACHE_TTL_SECONDS", "600"),
            ("AUTHORIZER_SECRETS_MANAGER_TTL", " "),
            ("CLOUDFRONT_DEPLOY_TIMEOUT_SECONDS", ""),
            ("DISTRIBUTION_ID", ""),
        ] {
            let mut pairs: Vec<_> = FULL.iter().copied().filter(|(k, _)| *k != key).collect();
            pairs.push((key, bad));
            assert!(
                matches!(
                    Config::from_lookup(env(&pairs)),
                    Err(RotationError::Config(_))
                ),
                "{key}={bad}"
            );
        }
    }

    #[test]
    fn settle_covers_the_slowest_cache() {
        let t = Timing {
            extension_ttl: Duration::ZERO,
            authorizer_ttl: Duration::ZERO,
            waf_propagation: Duration::from_secs(120),
            deploy_timeout: Duration::from_secs(600),
            previous_grace: Duration::from_secs(1800),
        };
        assert_eq!(t.settle(), Duration::from_secs(135));
        assert_eq!(
            Timing::default().settle(),
            Duration::from_secs(300 + 120 + 15)
        );
    }

    #[test]
    fn values_are_checked_and_never_shown() {
        let v = SecretValue::new("s3cr3t");
        assert_eq!(format!("{v:?}"), "SecretValue([redacted])");
        assert!(v.check(AWSCURRENT).is_ok());
        for bad in ["", "has space", "tab\t", "é", &"a".repeat(201)] {
            let e = SecretValue::new(bad).check(AWSPENDING).unwrap_err();
            assert!(matches!(e, RotationError::InvalidValue { .. }));
            if !bad.is_empty() {
                assert!(!e.to_string().contains(bad));
            }
        }
        assert!(SecretValue::new("a".repeat(200)).check(AWSCURRENT).is_ok());
    }

    #[test]
    fn steps_parse_and_unknown_ones_are_cut_short() {
        assert_eq!(Step::parse("finishSecret").unwrap(), Step::Finish);
        let long = "x".repeat(10_000);
        match Step::parse(&long) {
            Err(RotationError::UnknownStep(s)) => assert_eq!(s.len(), 64),
            other => panic!("{other:?}"),
        }
    }
}
