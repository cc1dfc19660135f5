//! Dev-only helpers. Feature `dynamodb` (default): integration tests that talk
//! to a real DynamoDB-protocol server (AWS DynamoDB Local, started by `make test` through
//! `scripts/with-dynamodb-local`).
//!
//! Configuration follows the AWS conventions, so the same code points at any
//! server: `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_REGION` and static credentials.
//! Every test gets its own table with a unique name, so tests run in parallel
//! against one shared in-memory server.
//!
//! Feature `html`: the sanitiser's test oracle (output re-parsed as a
//! browser would, every node checked against the policy) and the tag-soup
//! generator that the unit tests, property tests and fuzz targets share.
//!
//! Feature `emf`: a checker of CloudWatch Embedded Metric Format lines.
//! Feature `jwt-fixtures`: the repository's RSA test key as a JWKS.
#![forbid(unsafe_code)]

/// The command that runs the test suite with a server, named in every failure.
pub const HOW_TO_RUN: &str = "run `make test` (it installs and starts DynamoDB Local), \
or wrap your command: `scripts/with-dynamodb-local cargo test ...`";

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "dynamodb")]
pub use dynamodb::*;

#[cfg(feature = "emf")]
pub mod emf;
#[cfg(feature = "html")]
pub mod html;
#[cfg(feature = "https-issuer")]
pub mod https_issuer;
#[cfg(feature = "jwt-fixtures")]
pub mod jwt_fixtures;
pub mod lambda;
#[cfg(feature = "dynamodb")]
pub mod private_server;
