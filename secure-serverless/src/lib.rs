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
//! | `log-entry` | [`log_entry`] | the typed `{type, payload}` request and its validation |
//! | `policy` | [`arn`], [`policy`] | method/route ARNs, authorizer policies, API Gateway-style evaluation |
//! | `secret` | [`secret`] | constant-time secret-header check over current + previous secrets |
//! | `secrets-manager` | [`secret_source`] | secrets from the Parameters and Secrets Lambda Extension (no SDK), env or file |
//! | `jwt`, `jwks-https` | [`jwt`] | strict JWT verification, JWKS from a file, env or HTTPS URL |
//! | `authorizer` | [`authorizer`] | the REQUEST authorizer decision: origin secret, bearer JWT, scopes to routes |
//! | `cursor`, `dynamodb` | [`cursor`], [`repository`] | sealed pagination cursors, typed DynamoDB repository |
//! | `logs` | [`logs`] | the sanitising, idempotent log writer and its newest-first reader |
//! | `apigw` | [`apigw`] | API Gateway proxy answers: JSON errors, status codes |
//! | `lambda-log` | [`lambda_log`] | Lambda logging set-up without a regex engine |
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

#[cfg(feature = "sanitize")]
#[cfg_attr(docsrs, doc(cfg(feature = "sanitize")))]
pub mod sanitize;

#[cfg(feature = "log-entry")]
#[cfg_attr(docsrs, doc(cfg(feature = "log-entry")))]
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
#[cfg(feature = "secrets-manager")]
#[cfg_attr(docsrs, doc(cfg(feature = "secrets-manager")))]
pub mod secret_source;

#[cfg(feature = "jwt")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
pub mod jwt;

#[cfg(any(feature = "secrets-manager", feature = "jwks-https"))]
mod http1;

#[cfg(feature = "authorizer")]
#[cfg_attr(docsrs, doc(cfg(feature = "authorizer")))]
pub mod authorizer;

#[cfg(feature = "cursor")]
#[cfg_attr(docsrs, doc(cfg(feature = "cursor")))]
pub mod cursor;

#[cfg(feature = "dynamodb")]
#[cfg_attr(docsrs, doc(cfg(feature = "dynamodb")))]
pub mod repository;

#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub mod logs;

#[cfg(feature = "apigw")]
#[cfg_attr(docsrs, doc(cfg(feature = "apigw")))]
pub mod apigw;

#[cfg(feature = "lambda-log")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda-log")))]
pub mod lambda_log;
