//! [`Config`] and [`Timing`]: the rotator's settings, read from the environment.

use std::time::Duration;

use crate::error::RotationError;
use crate::services::{OriginTarget, RuleTarget, WafScope};
use crate::{CALL_BUDGET, SETTLE_MARGIN};

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
