//! Why a token, a configuration or a key source was refused.

use std::time::Duration;

#[cfg(doc)]
use super::config::{JwtConfig, MAX_LEEWAY};
#[cfg(doc)]
use super::verifier::JwtVerifier;

/// Why a token was refused. Never contains the token or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is longer than the cap.
    #[error("token is {actual} bytes, over the limit of {limit}")]
    TooLarge {
        /// The cap.
        limit: usize,
        /// The token's length.
        actual: usize,
    },
    /// Not three base64url segments of JSON objects.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// A member appears twice in the header or the claims.
    #[error("duplicate member {0:?} in the token")]
    DuplicateMember(String),
    /// `alg` is `none` (in any casing): unsigned tokens are never accepted.
    #[error("unsigned tokens (alg \"none\") are not accepted")]
    Unsigned,
    /// `alg` names an algorithm this crate does not know.
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The key named by `kid` does not allow the token's algorithm.
    #[error("algorithm {alg:?} is not allowed for key {kid:?}")]
    AlgorithmNotAllowed {
        /// The token's algorithm.
        alg: String,
        /// The key id.
        kid: String,
    },
    /// The header has no `kid`, and not exactly one key allows its algorithm.
    #[error("token header has no kid, and not exactly one key allows its algorithm")]
    MissingKid,
    /// The header's `typ` is not the one required ([`JwtConfig::require_typ`]).
    #[error("token type is not the one required")]
    WrongType,
    /// No key has this `kid` (after a refresh, if one was allowed).
    #[error("unknown key id {0:?}")]
    UnknownKid(String),
    /// The header lists `crit` extensions, none of which are understood.
    #[error("token header lists critical extensions, which are not supported")]
    CriticalHeader,
    /// The signature does not verify.
    #[error("invalid signature")]
    InvalidSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token is not valid yet")]
    NotYetValid,
    /// A required claim is missing.
    #[error("required claim {0:?} is missing")]
    MissingClaim(String),
    /// A claim has the wrong type or format (e.g. `exp` as a string).
    #[error("claim {0:?} has an invalid format")]
    InvalidClaim(String),
    /// `iss` is not an accepted issuer.
    #[error("issuer is not accepted")]
    WrongIssuer,
    /// `aud` holds no accepted audience.
    #[error("audience is not accepted")]
    WrongAudience,
    /// Cognito `token_use` is not the expected one.
    #[error("token_use is not {0:?}")]
    WrongTokenUse(&'static str),
    /// Cognito `client_id` is not accepted.
    #[error("client is not accepted")]
    WrongClient,
    /// The key set could not be loaded or refreshed, and no key set young
    /// enough to serve is left.
    #[error("key set unavailable: {0}")]
    KeySetUnavailable(KeySourceError),
    /// An application check ([`JwtConfig::claims_check`]) refused the claims.
    #[error("{0}")]
    Rejected(ClaimRejected),
}

impl JwtError {
    /// A fixed, short reason code for logs and metrics: one of
    /// [`JwtError::REASONS`]. It never contains any part of the token.
    pub fn reason(&self) -> &'static str {
        match self {
            JwtError::TooLarge { .. } => "too_large",
            JwtError::Malformed(_)
            | JwtError::DuplicateMember(_)
            | JwtError::CriticalHeader
            | JwtError::WrongType => "malformed",
            JwtError::Unsigned
            | JwtError::UnsupportedAlgorithm(_)
            | JwtError::AlgorithmNotAllowed { .. } => "algorithm",
            JwtError::MissingKid | JwtError::UnknownKid(_) => "unknown_key",
            JwtError::InvalidSignature => "signature",
            JwtError::Expired => "expired",
            JwtError::NotYetValid => "not_yet_valid",
            JwtError::MissingClaim(_) | JwtError::InvalidClaim(_) => "claim",
            JwtError::WrongIssuer => "issuer",
            JwtError::WrongAudience => "audience",
            JwtError::WrongTokenUse(_) => "token_use",
            JwtError::WrongClient => "client",
            JwtError::KeySetUnavailable(_) => "keys_unavailable",
            JwtError::Rejected(_) => "rejected",
        }
    }

    /// Every code [`JwtError::reason`] returns.
    pub const REASONS: [&'static str; 14] = [
        "too_large",
        "malformed",
        "algorithm",
        "unknown_key",
        "signature",
        "expired",
        "not_yet_valid",
        "claim",
        "issuer",
        "audience",
        "token_use",
        "client",
        "keys_unavailable",
        "rejected",
    ];
}

/// Why an application check refused a token's claims: a fixed reason code
/// (for logs and metrics) and a detail for the log line.
///
/// ```
/// use secure_serverless::jwt::ClaimRejected;
/// let e = ClaimRejected::new("tenant").detail("tenant is not enrolled");
/// assert_eq!(e.reason(), "tenant");
/// assert_eq!(e.to_string(), "claims rejected (tenant): tenant is not enrolled");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("claims rejected ({reason}): {detail}")]
pub struct ClaimRejected {
    reason: &'static str,
    detail: String,
}

impl ClaimRejected {
    /// A refusal with a fixed reason code (keep it short and bounded: it may
    /// become a metric dimension).
    pub fn new(reason: &'static str) -> Self {
        ClaimRejected {
            reason,
            detail: String::new(),
        }
    }

    /// Adds a detail for the log line (never put the token in it).
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// The reason code.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// A configuration or key set that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtConfigError {
    /// No issuer was given.
    #[error("at least one accepted issuer is required")]
    NoIssuer,
    /// No audience was given while `aud` is required.
    #[error("at least one accepted audience is required (or disable the aud requirement)")]
    NoAudience,
    /// The leeway exceeds [`MAX_LEEWAY`].
    #[error("leeway {0:?} exceeds the maximum of 300 s")]
    LeewayTooLarge(Duration),
    /// An HMAC secret shorter than 32 bytes.
    #[error("HMAC secret for key {0:?} is shorter than 32 bytes")]
    WeakHmacSecret(String),
    /// The JWKS document cannot be used.
    #[error("invalid JWKS: {0}")]
    InvalidJwks(String),
    /// A JWKS URL that is not `https://host[:port]/path`.
    #[error("JWKS URL must be https://host[:port]/path: {0}")]
    InvalidJwksUrl(String),
    /// An OpenID issuer that is not an `https` URL without query or fragment.
    #[error("issuer must be an https URL without query or fragment: {0}")]
    InvalidIssuerUrl(String),
    /// Not an Application Load Balancer ARN.
    #[error("not an Application Load Balancer ARN: {0}")]
    InvalidAlbArn(String),
    /// Two verifiers given to [`JwtVerifier::any_of`] accept the same issuer.
    #[error("issuer {0:?} is configured twice")]
    DuplicateIssuer(String),
    /// A key-lifetime setting out of its bounds.
    #[error("{0}")]
    KeyLifetime(&'static str),
}

/// Why a JWKS document could not be had from its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeySourceError {
    /// The verifier has a fixed key set and no source to refresh from.
    #[error("no JWKS source is configured")]
    NotConfigured,
    /// The JWKS file could not be read.
    #[error("cannot read JWKS file {path}: {reason}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error, as text.
        reason: String,
    },
    /// The environment variable holding the JWKS is not set (or not UTF-8).
    #[error("environment variable {0} is not set")]
    EnvNotSet(String),
    /// Connecting, TLS or HTTP failed.
    #[error("JWKS fetch from {host} failed: {reason}")]
    Fetch {
        /// The host asked.
        host: String,
        /// What failed.
        reason: String,
    },
    /// The JWKS URL answered something other than `200`.
    #[error("JWKS URL on {host} answered HTTP {status}")]
    Status {
        /// The host asked.
        host: String,
        /// The status code.
        status: u16,
    },
    /// The fetch took longer than its timeout.
    #[error("JWKS fetch from {host} timed out after {after:?}")]
    Timeout {
        /// The host asked.
        host: String,
        /// The timeout.
        after: Duration,
    },
    /// The document is not UTF-8.
    #[error("the JWKS document is not UTF-8")]
    NotUtf8,
    /// The document is not a usable JWKS.
    #[error("the JWKS document is invalid: {0}")]
    Invalid(JwtConfigError),
    /// The key set has not been fetched yet (a lazily loaded verifier used
    /// through [`JwtVerifier::verify_with_cached_keys`]).
    #[error("the key set has not been loaded yet")]
    NotLoaded,
    /// The key set is older than its maximum age plus the stale period.
    #[error("the key set is older than its maximum age and stale period")]
    TooOld,
    /// The OpenID discovery document names another issuer than the one
    /// configured (OpenID Connect Discovery 1.0, section 4.3).
    #[error("discovery document names issuer {found:?}, not {expected:?}")]
    IssuerMismatch {
        /// The issuer configured.
        expected: String,
        /// The issuer the document names (an excerpt).
        found: String,
    },
    /// The OpenID discovery document cannot be used.
    #[error("invalid discovery document: {0}")]
    Discovery(String),
}
