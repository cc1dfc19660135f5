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
//!
//! # Why this is an example, not a library module
//! The steps are written against the small traits in `services`, so they
//! would move into the library unchanged; but as they stand they rotate one
//! kind of secret (CloudFront's origin header, mirrored in a WAF rule) and
//! need the CloudFront, WAF and Secrets Manager SDKs. They stay here until a
//! second kind of secret needs the same choreography.
#![forbid(unsafe_code)]

mod config;
mod error;
mod rotator;
pub mod sdk;
mod services;
mod steps;
mod values;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use config::*;
pub use error::*;
pub use rotator::*;
pub use services::*;
pub use steps::*;
pub use values::*;

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
