//! Security building blocks for AWS serverless APIs.
//!
//! `secure-serverless` rebuilds, as a library, the pieces a small API behind
//! CloudFront, AWS WAF, API Gateway and Lambda needs to be secure by
//! construction. Every concern is a cargo feature, off by default, so each
//! Lambda binary links only what it uses:
//!
//! The crate forbids `unsafe` code and documents every public item.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

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
