#![cfg_attr(
    all(
        feature = "sanitize",
        feature = "jwt",
        feature = "jwks-https",
        feature = "authorizer",
        feature = "logs",
        feature = "apigw"
    ),
    doc = include_str!("../README.md")
)]
#![cfg_attr(
    not(all(
        feature = "sanitize",
        feature = "jwt",
        feature = "jwks-https",
        feature = "authorizer",
        feature = "logs",
        feature = "apigw"
    )),
    doc = "Security building blocks for AWS Lambda APIs (the crate README, with an example per job, is this page when the `sanitize`, `jwt`, `jwks-https`, `authorizer`, `logs` and `apigw` features are on)."
)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Counts a [`metrics::Metric`] when the `metrics` feature is on; nothing otherwise.
// Unused in builds whose features count nothing (the sanitiser alone, say).
#[allow(unused_macros)]
macro_rules! count_metric {
    ($m:ident) => {{
        #[cfg(feature = "metrics")]
        $crate::metrics::count($crate::metrics::Metric::$m);
    }};
}

pub mod config;
pub mod envelope;
pub mod untrusted;

#[cfg(feature = "sanitize")]
#[cfg_attr(docsrs, doc(cfg(feature = "sanitize")))]
pub mod sanitize;

#[cfg(feature = "log_entry")]
#[cfg_attr(docsrs, doc(cfg(feature = "log_entry")))]
pub mod log_entry;

#[cfg(feature = "policy")]
#[cfg_attr(docsrs, doc(cfg(feature = "policy")))]
pub mod arn;
#[cfg(feature = "policy")]
#[cfg_attr(docsrs, doc(cfg(feature = "policy")))]
pub mod policy;

#[cfg(feature = "secret")]
#[cfg_attr(docsrs, doc(cfg(feature = "secret")))]
pub mod secret;
#[cfg(feature = "secret_source")]
#[cfg_attr(docsrs, doc(cfg(feature = "secret_source")))]
pub mod secret_source;

#[cfg(feature = "jwt")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
pub mod jwt;

#[cfg(any(feature = "secret_source", feature = "jwks-https"))]
mod http1;

#[cfg(feature = "authorizer")]
mod headers;

#[cfg(feature = "apigw")]
mod http_problem;

#[cfg(feature = "authorizer")]
#[cfg_attr(docsrs, doc(cfg(feature = "authorizer")))]
pub mod authorizer;

#[cfg(feature = "bearer")]
#[cfg_attr(docsrs, doc(cfg(feature = "bearer")))]
pub mod bearer;

#[cfg(feature = "cursor")]
#[cfg_attr(docsrs, doc(cfg(feature = "cursor")))]
pub mod cursor;

#[cfg(feature = "repository")]
#[cfg_attr(docsrs, doc(cfg(feature = "repository")))]
pub mod repository;

#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub mod logs;

#[cfg(feature = "apigw")]
#[cfg_attr(docsrs, doc(cfg(feature = "apigw")))]
pub mod apigw;

#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;

#[cfg(feature = "idempotency")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
pub mod idempotency;

#[cfg(feature = "lambda_log")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda_log")))]
pub mod lambda_log;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

// The types a user names, in one list (each module keeps the rest).
#[cfg(feature = "apigw")]
pub use apigw::ApiError;
#[cfg(feature = "policy")]
pub use arn::MethodArn;
#[cfg(feature = "authorizer")]
pub use authorizer::{
    Authorizer, AuthorizerBuilder, AuthorizerConfigError, AuthorizerError, RouteTable,
};
#[cfg(feature = "bearer")]
pub use bearer::{BearerAuth, Caller};
pub use config::{ConfigError, Vars};
#[cfg(feature = "cursor")]
pub use cursor::{CursorError, CursorKey};
#[cfg(all(feature = "idempotency", feature = "repository"))]
pub use idempotency::DynamoStore;
#[cfg(feature = "idempotency")]
pub use idempotency::{
    IdempotencyConfig, IdempotencyError, IdempotencyKey, IdempotencyLayer, IdempotencyStore,
    Idempotent, KeyFrom,
};
#[cfg(feature = "jwt")]
pub use jwt::{AnyJwks, JwtConfig, JwtConfigError, JwtError, JwtVerifier, KeySet, VerifiedClaims};
#[cfg(feature = "jwks-https")]
pub use jwt::{JwksUrl, OidcIssuer};
#[cfg(feature = "log_entry")]
pub use log_entry::{LogEntryError, LogEntryParser, LogType};
#[cfg(feature = "logs")]
pub use logs::{ListQuery, LogPage, LogStore, LogStoreConfig, LogWriter, WriteError};
#[cfg(feature = "metrics")]
pub use metrics::Metric;
#[cfg(feature = "policy")]
pub use policy::{Decision, Policy, PolicyBuilder, PolicyError};
#[cfg(feature = "repository")]
pub use repository::{RepoError, Repository};
#[cfg(feature = "sanitize")]
pub use sanitize::{AllowListError, SanitizeError, Sanitizer, SanitizerBuilder};
#[cfg(feature = "secret")]
pub use secret::AcceptedSecrets;
#[cfg(feature = "secret_source")]
pub use secret_source::{AnySource, CachedSecrets, SecretSourceError};
