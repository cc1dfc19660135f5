//! Security building blocks for AWS serverless APIs.
//!
//! `secure-serverless` rebuilds, as a library, the pieces a small API behind
//! CloudFront, AWS WAF, API Gateway and Lambda needs to be secure by
//! construction. Every concern is a cargo feature, off by default, so each
//! Lambda binary links only what it uses:
//!
//! | feature | module | what |
//! |---|---|---|
//! | `sanitize` | [`sanitize`] | HTML sanitiser on `ammonia`: allow-lists, limits, fast path, stable output |
//! | `log_entry` | [`log_entry`] | the typed `{type, payload}` request and its validation |
//! | `policy` | [`arn`], [`policy`] | method/route ARNs, authorizer policies, API Gateway-style evaluation |
//! | `secret` | [`secret`] | constant-time secret-header check over current + previous secrets |
//! | `secret_source` | [`secret_source`] | secrets from the Parameters and Secrets Lambda Extension (no SDK), env or file |
//! | `jwt`, `jwks-https` | [`jwt`] | strict JWT verification, JWKS from a file, env or HTTPS URL |
//! | `authorizer` | [`authorizer`] | the REQUEST authorizer decision: origin secret, bearer JWT, scopes to routes |
//! | `cursor`, `repository` | [`cursor`], [`repository`] | sealed pagination cursors, typed DynamoDB repository |
//! | `logs` | [`logs`] | the sanitising, idempotent log writer and its newest-first reader |
//! | `apigw` | [`apigw`] | API Gateway proxy answers: JSON errors, status codes |
//! | `lambda_log` | [`lambda_log`] | Lambda logging set-up without a regex engine |
//! | `tracing` | | `tracing` events from the modules above |
//! | (always) | [`config`] | settings from the environment, failing closed on missing or blank values |
//! | (always) | [`envelope`] | the size of a Lambda proxy response, escaping included |
//!
//! The crate forbids `unsafe` code and documents every public item.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

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
#[cfg_attr(docsrs, doc(cfg(feature = "authorizer")))]
pub mod authorizer;

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

#[cfg(feature = "lambda_log")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda_log")))]
pub mod lambda_log;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
