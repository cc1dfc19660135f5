//! The four rotation steps and what each did.

use std::time::Duration;

use crate::error::RotationError;

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
