//! Strict JWT verification: [`JwtVerifier`] checks a bearer token's shape,
//! signature and claims against a [`JwtConfig`] and a [`KeySet`].
//!
//! What comes from where: `jsonwebtoken` supplies the key types
//! ([`DecodingKey`]), JWK parsing and the [`Algorithm`] names; `ring`
//! verifies signatures; everything else here (token parsing, the checks below,
//! key sources and refresh) is this crate's own. The checks close the gaps
//! `jsonwebtoken` leaves to its caller:
//!
//! * **algorithms per key**: each key in the [`KeySet`] carries its own
//!   allow-list, so a token cannot pick `HS256` and have the RSA public key
//!   used as an HMAC secret, and `alg: none` (any casing) is refused outright;
//! * **claims**: `exp`, `iss` and `aud` are *required* (jsonwebtoken checks
//!   `iss`/`aud` only when present unless told otherwise), `nbf` is checked,
//!   the leeway is bounded ([`MAX_LEEWAY`]);
//! * **header**: a `crit` header is refused (no extension is understood);
//!   `jku`, `x5u`, `x5c` and embedded `jwk` are ignored, keys come only from
//!   the configured key set; `kid` is an exact map lookup, never a path;
//! * **shape**: a size cap before any decoding, exactly three segments, and
//!   duplicate members in the header or claims refused (parsers disagree on
//!   which duplicate wins);
//! * **Cognito** (optional): `token_use`, `client_id`, scopes and groups;
//! * **one parse**: header and claims are decoded once, by the strict parser
//!   that refuses duplicates; before the signature only their shape and the
//!   `iss` that picks the issuer's keys are looked at, and `exp`, `aud` and
//!   the other claims are checked after it, so a forged token learns no more
//!   than whether its issuer is configured;
//! * **signatures** are verified with `ring`, prepared once per key when it is
//!   added (HMAC key schedule, RSA components), without `jsonwebtoken`'s
//!   process-wide crypto provider: neither of its backends (`rust_crypto`,
//!   `aws_lc_rs`) is linked. RSA keys must be 2048 to 8192 bits.
//!
//! Keys come from a JWKS document ([`KeySet::from_jwks_json`]) read from a
//! file, an environment variable or (feature `jwks-https`) an HTTPS URL,
//! given directly ([`JwksUrl`]) or found through the issuer's OpenID
//! discovery document ([`OidcIssuer`]). Fetched keys live for
//! [`JwtConfig::key_max_age`] (shortened by the issuer's `Cache-Control`),
//! serve on for [`JwtConfig::serve_stale_keys_for`] while the issuer cannot
//! be reached, then fail closed ([`JwtError::KeySetUnavailable`]); fetches
//! are shared by concurrent requests and back off after failures, and an
//! unknown `kid` fetches at most once per
//! [`JwtConfig::min_refresh_interval`]. Several issuers
//! ([`JwtVerifier::any_of`]) each keep their own keys and rules; a token is
//! routed by its exact `iss`. Every refusal has a fixed reason code
//! ([`JwtError::reason`]) for logs and metrics.
//!
//! ```
//! use jsonwebtoken::{Algorithm, EncodingKey, Header};
//! use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
//!
//! let keys = KeySet::new().with_hmac("k1", b"a-long-random-hmac-secret-of-32+bytes")?;
//! let verifier = JwtVerifier::new(JwtConfig::new("https://issuer.example", ["my-api"])?, keys);
//!
//! let claims = serde_json::json!({
//!     "sub": "alice", "iss": "https://issuer.example", "aud": "my-api",
//!     "exp": jsonwebtoken::get_current_timestamp() + 300, "scope": "logs:read",
//! });
//! let mut header = Header::new(Algorithm::HS256);
//! header.kid = Some("k1".into());
//! let token = jsonwebtoken::encode(&header, &claims,
//!     &EncodingKey::from_secret(b"a-long-random-hmac-secret-of-32+bytes"))?;
//!
//! let verified = verifier.verify_with_cached_keys(&token)?;
//! assert_eq!(verified.subject(), "alice");
//! assert!(verified.scopes().contains("logs:read"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "jwks-https")]
mod alb;
mod alg;
mod cache;
mod claims;
mod config;
mod discovery;
#[cfg(feature = "jwks-https")]
mod env;
mod error;
#[cfg(feature = "jwks-https")]
mod https;
mod keys;
mod recent;
mod signature;
mod source;
mod token;
mod verifier;

#[cfg(test)]
mod tests;

#[cfg(doc)]
use jsonwebtoken::{Algorithm, DecodingKey};

#[cfg(feature = "jwks-https")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
pub use alb::{AlbClaims, AlbVerifier};
pub use claims::VerifiedClaims;
pub use config::{
    DEFAULT_KEY_MAX_AGE, DEFAULT_MAX_TOKEN_BYTES, DEFAULT_MIN_REFRESH_INTERVAL, DEFAULT_STALE_FOR,
    JwtConfig, MAX_KEY_LIFETIME, MAX_LEEWAY, MIN_REFRESH_INTERVAL_FLOOR, TokenUse,
};
pub use discovery::DiscoveryDocument;
#[cfg(feature = "jwks-https")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
pub use discovery::OidcIssuer;
#[cfg(feature = "jwks-https")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
pub use env::JwtSettingsError;
pub use error::{ClaimRejected, JwtConfigError, JwtError, KeySourceError};
#[cfg(feature = "jwks-https")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
pub use https::{JwksUrl, MAX_JWKS_BYTES};
pub use keys::{KeySet, SkippedKey};
pub use source::{AnyJwks, JwksDocument, JwksEnv, JwksFile, JwksSource, NoRefresh};
pub use verifier::JwtVerifier;
