//! [`Rotator`]: the steps, in the order that keeps every version accepted
//! wherever it may still be sent (see the crate docs), and the Lambda handler.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::event::secretsmanager::SecretsManagerSecretRotationEvent;
use lambda_runtime::LambdaEvent;

use crate::config::Config;
use crate::error::RotationError;
use crate::services::{CloudFront, SecretsManager, Sleep, TokioSleep, Waf};
use crate::steps::{Action, Report, Step};
use crate::values::{SecretValue, Version};
use crate::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, CALL_BUDGET, DEPLOY_POLL_INTERVAL};

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

/// The versions a step works with.
struct Versions {
    current: Version,
    pending: Version,
    previous: Option<Version>,
}
