//! JWT verification on [`jsonwebtoken`], strict by default.
//!
//! The seed's "JWT" was a shared static string. [`JwtVerifier`] checks real
//! tokens, and closes the gaps `jsonwebtoken` leaves to its caller:
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
//!   that refuses duplicates, and the registered claims are checked on that
//!   parse (after the signature, so a forged token learns nothing);
//! * **signatures** are verified with `ring`, prepared once per key when it is
//!   added (HMAC key schedule, RSA components), without `jsonwebtoken`'s
//!   process-wide crypto provider: neither of its backends (`rust_crypto`,
//!   `aws_lc_rs`) is linked. RSA keys must be 2048 to 8192 bits.
//!   `jsonwebtoken` supplies the key types ([`DecodingKey`]), JWK parsing and
//!   the [`Algorithm`] names.
//!
//! Keys come from a JWKS document ([`KeySet::from_jwks_json`]) read from a
//! file, an environment variable or (feature `jwks-https`) an HTTPS URL; an
//! unknown `kid` triggers a refresh at most once per
//! [`JwtConfig::min_refresh_interval`].
//!
//! ```
//! use jsonwebtoken::{Algorithm, EncodingKey, Header};
//! use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
//!
//! let keys = KeySet::new().with_hmac("k1", b"a-long-random-hmac-secret-of-32+bytes")?;
//! let verifier = JwtVerifier::new(JwtConfig::new(["https://issuer.example"], ["my-api"])?, keys);
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
//! let verified = verifier.verify_now(&token)?;
//! assert_eq!(verified.subject(), "alice");
//! assert!(verified.scopes().contains("logs:read"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};

mod signature;
use signature::Prepared;

/// The largest leeway [`JwtConfig::leeway`] accepts: five minutes.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// Default token-size cap: 8 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

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
    /// The key set could not be loaded or refreshed.
    #[error("key set unavailable: {0}")]
    KeySetUnavailable(String),
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
}

/// Expected Cognito token type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// Access tokens (`token_use: access`, client in `client_id`, no `aud`).
    Access,
    /// ID tokens (`token_use: id`, client in `aud`).
    Id,
}

impl TokenUse {
    fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
}

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    issuers: Vec<String>,
    audiences: Vec<String>,
    require_aud: bool,
    leeway: Duration,
    max_token_bytes: usize,
    min_refresh_interval: Duration,
    cognito: Option<(TokenUse, Vec<String>)>,
    typ: Option<String>,
}

impl JwtConfig {
    /// Requires `iss` in `issuers`, `aud` in `audiences` and `exp`; 30 s
    /// leeway, an 8 KiB size cap, JWKS refreshes at most every 5 minutes.
    ///
    /// # Errors
    /// [`JwtConfigError::NoIssuer`] / [`JwtConfigError::NoAudience`].
    pub fn new<I, A>(issuers: I, audiences: A) -> Result<Self, JwtConfigError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
        A: IntoIterator,
        A::Item: Into<String>,
    {
        let issuers: Vec<String> = issuers.into_iter().map(Into::into).collect();
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        if issuers.is_empty() {
            return Err(JwtConfigError::NoIssuer);
        }
        if audiences.is_empty() {
            return Err(JwtConfigError::NoAudience);
        }
        Ok(JwtConfig {
            issuers,
            audiences,
            require_aud: true,
            leeway: Duration::from_secs(30),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            min_refresh_interval: Duration::from_secs(300),
            cognito: None,
            typ: None,
        })
    }

    /// Cognito access tokens: they carry no `aud`, so `aud` is not required
    /// and `client_id` must be one of `client_ids` instead; `token_use` must
    /// be `access`.
    ///
    /// # Errors
    /// [`JwtConfigError::NoIssuer`] / [`JwtConfigError::NoAudience`] (no client id).
    pub fn cognito_access<I, C>(issuers: I, client_ids: C) -> Result<Self, JwtConfigError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
        C: IntoIterator,
        C::Item: Into<String>,
    {
        let clients: Vec<String> = client_ids.into_iter().map(Into::into).collect();
        let mut c = Self::new(issuers, clients.clone())?;
        c.require_aud = false;
        c.audiences.clear();
        c.cognito = Some((TokenUse::Access, clients));
        Ok(c)
    }

    /// Cognito ID tokens: `aud` must be one of `client_ids`, `token_use` `id`.
    ///
    /// # Errors
    /// As [`JwtConfig::new`].
    pub fn cognito_id<I, C>(issuers: I, client_ids: C) -> Result<Self, JwtConfigError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
        C: IntoIterator,
        C::Item: Into<String>,
    {
        let clients: Vec<String> = client_ids.into_iter().map(Into::into).collect();
        let mut c = Self::new(issuers, clients.clone())?;
        c.cognito = Some((TokenUse::Id, clients));
        Ok(c)
    }

    /// Clock-skew leeway for `exp`/`nbf`.
    ///
    /// # Errors
    /// [`JwtConfigError::LeewayTooLarge`] above [`MAX_LEEWAY`].
    pub fn leeway(mut self, leeway: Duration) -> Result<Self, JwtConfigError> {
        if leeway > MAX_LEEWAY {
            return Err(JwtConfigError::LeewayTooLarge(leeway));
        }
        self.leeway = leeway;
        Ok(self)
    }

    /// Requires the header's `typ` to be `typ` (for example `at+jwt`, RFC
    /// 9068 access tokens), compared case-insensitively and with or without
    /// the `application/` prefix; a token without `typ` is refused. Default:
    /// `typ` is not checked.
    #[must_use]
    pub fn require_typ(mut self, typ: &str) -> Self {
        self.typ = Some(media_type(typ));
        self
    }

    /// Token-size cap in bytes.
    #[must_use]
    pub fn max_token_bytes(mut self, limit: usize) -> Self {
        self.max_token_bytes = limit;
        self
    }

    /// Shortest interval between two JWKS refreshes triggered by unknown
    /// `kid`s (default 5 minutes).
    #[must_use]
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// The registered claims a token must carry.
    fn required_claims(&self) -> &'static [&'static str] {
        if self.require_aud {
            &["exp", "iss", "aud"]
        } else {
            &["exp", "iss"]
        }
    }
}

/// A key's verifiers, one per allowed algorithm.
#[derive(Clone)]
struct KeyEntry {
    verifiers: Vec<(Algorithm, Prepared)>,
}

impl KeyEntry {
    fn verifier(&self, alg: Algorithm) -> Option<&Prepared> {
        self.verifiers
            .iter()
            .find_map(|(a, p)| (*a == alg).then_some(p))
    }
}

/// Verification keys by `kid`, each with its own algorithm allow-list.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, KeyEntry>,
    /// Keys published without a `kid`: only a token without `kid` can use
    /// them, and only when exactly one key allows its algorithm.
    unnamed: Vec<KeyEntry>,
    skipped: Vec<SkippedKey>,
}

/// A key of a JWKS document that is not used for verification, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Its `kid` (`None` when it has none).
    pub kid: Option<String>,
    /// Why it is skipped.
    pub reason: &'static str,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<_> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("KeySet").field("kids", &kids).finish()
    }
}

impl KeySet {
    /// An empty key set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len() + self.unnamed.len()
    }

    /// `true` when there is no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys of the JWKS document this set was parsed from that are not
    /// used (encryption keys, key types or algorithms not supported).
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The one key that allows `alg`, for a token without `kid`.
    fn only_key_for(&self, alg: Algorithm) -> Option<&Prepared> {
        let mut found = self
            .keys
            .values()
            .chain(&self.unnamed)
            .filter_map(|k| k.verifier(alg));
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// Adds a key usable only with `algorithms`. Algorithms that do not fit
    /// the key's type (HS256 for an RSA key, say) are left out, so a token
    /// naming them is refused with [`JwtError::AlgorithmNotAllowed`]; RSA
    /// keys shorter than 2048 bits never verify.
    #[must_use]
    pub fn with_key(
        mut self,
        kid: impl Into<String>,
        key: DecodingKey,
        algorithms: &[Algorithm],
    ) -> Self {
        let verifiers = algorithms
            .iter()
            .filter_map(|&alg| Prepared::new(&key, alg).map(|p| (alg, p)))
            .collect();
        self.keys.insert(kid.into(), KeyEntry { verifiers });
        self
    }

    /// Adds an HS256 secret (at least 32 bytes).
    ///
    /// # Errors
    /// [`JwtConfigError::WeakHmacSecret`] below 32 bytes.
    pub fn with_hmac(self, kid: impl Into<String>, secret: &[u8]) -> Result<Self, JwtConfigError> {
        let kid = kid.into();
        if secret.len() < 32 {
            return Err(JwtConfigError::WeakHmacSecret(kid));
        }
        Ok(self.with_key(kid, DecodingKey::from_secret(secret), &[Algorithm::HS256]))
    }

    /// Parses a JWKS document. A key's algorithm is the JWK's `alg`, or else
    /// the one its type implies (RSA: RS256, EC P-256: ES256, EC P-384:
    /// ES384, Ed25519: EdDSA), and must fit its type.
    ///
    /// Keys that cannot verify signatures are skipped, not fatal, so one
    /// key of another kind cannot take an issuer's whole set down: keys whose
    /// `use` is not `sig` (an `enc` key never verifies), whose `key_ops` do
    /// not include `verify`, symmetric (`oct`) keys (add HMAC secrets with
    /// [`KeySet::with_hmac`]), and key types, curves or algorithms this crate
    /// does not verify (P-521, `RSA-OAEP`, ...). They are listed by
    /// [`skipped`](KeySet::skipped) and logged once per `kid` (feature
    /// `tracing`).
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidJwks`] when the document is not a JWKS, or no
    /// key in it can verify.
    pub fn from_jwks_json(json: &str) -> Result<Self, JwtConfigError> {
        #[derive(serde::Deserialize)]
        struct Document {
            keys: Vec<Value>,
        }
        let doc: Document =
            serde_json::from_str(json).map_err(|e| JwtConfigError::InvalidJwks(e.to_string()))?;
        let mut keys = KeySet::new();
        for raw in doc.keys {
            let kid = raw.get("kid").and_then(Value::as_str).map(str::to_owned);
            match usable_jwk(raw) {
                Ok((key, alg)) => match kid {
                    Some(kid) => keys = keys.with_key(kid, key, &[alg]),
                    None => keys.unnamed.push(KeyEntry {
                        verifiers: Prepared::new(&key, alg)
                            .map(|p| vec![(alg, p)])
                            .unwrap_or_default(),
                    }),
                },
                Err(reason) => {
                    log_skipped_once(kid.as_deref(), reason);
                    keys.skipped.push(SkippedKey { kid, reason });
                }
            }
        }
        if keys.is_empty() {
            return Err(JwtConfigError::InvalidJwks(format!(
                "no key can verify signatures ({} skipped)",
                keys.skipped.len()
            )));
        }
        Ok(keys)
    }
}

/// A JWK that may verify signatures, with its algorithm; or why not.
fn usable_jwk(raw: Value) -> Result<(DecodingKey, Algorithm), &'static str> {
    match raw.get("use") {
        None => {}
        Some(Value::String(u)) if u == "sig" => {}
        Some(_) => return Err("its use is not sig"),
    }
    match raw.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if ops.iter().any(|o| o == "verify") => {}
        Some(_) => return Err("its key_ops do not include verify"),
    }
    if raw.get("kty").and_then(Value::as_str) == Some("oct") {
        return Err("symmetric keys are not taken from a JWKS");
    }
    let jwk: Jwk = serde_json::from_value(raw).map_err(|_| "unsupported key type or parameters")?;
    let alg = jwk_algorithm(&jwk).ok_or("unsupported key type, curve or algorithm")?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "the key's parameters are invalid")?;
    if Prepared::new(&key, alg).is_none() {
        return Err("the key cannot verify its algorithm (an RSA key under 2048 bits?)");
    }
    Ok((key, alg))
}

/// Logs a skipped key once per `kid` per process (a refresh parses the same
/// document again).
fn log_skipped_once(kid: Option<&str>, reason: &'static str) {
    #[cfg(feature = "tracing")]
    {
        use std::collections::HashSet;
        use std::sync::{Mutex, OnceLock};
        static LOGGED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
        let kid = truncate(kid.unwrap_or(""));
        let mut logged = LOGGED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if logged.len() < 1024 && logged.insert(kid.clone()) {
            tracing::warn!(kid, reason, "JWKS key skipped");
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (kid, reason);
}

fn jwk_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let declared = match jwk.common.key_algorithm {
        None => return Some(implied),
        Some(KeyAlgorithm::RS256) => Algorithm::RS256,
        Some(KeyAlgorithm::RS384) => Algorithm::RS384,
        Some(KeyAlgorithm::RS512) => Algorithm::RS512,
        Some(KeyAlgorithm::PS256) => Algorithm::PS256,
        Some(KeyAlgorithm::PS384) => Algorithm::PS384,
        Some(KeyAlgorithm::PS512) => Algorithm::PS512,
        Some(KeyAlgorithm::ES256) => Algorithm::ES256,
        Some(KeyAlgorithm::ES384) => Algorithm::ES384,
        Some(KeyAlgorithm::EdDSA) => Algorithm::EdDSA,
        Some(_) => return None,
    };
    // The declared algorithm must fit the key type.
    (declared.family() == implied.family()).then_some(declared)
}

/// A verified token's claims.
#[derive(Debug, Clone)]
pub struct VerifiedClaims {
    subject: String,
    scopes: BTreeSet<String>,
    groups: BTreeSet<String>,
    claims: Map<String, Value>,
}

impl VerifiedClaims {
    /// `sub` (empty when absent).
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// Scopes from `scope` (space-separated) or `scp` (array).
    pub fn scopes(&self) -> &BTreeSet<String> {
        &self.scopes
    }
    /// Cognito groups (`cognito:groups`).
    pub fn groups(&self) -> &BTreeSet<String> {
        &self.groups
    }
    /// All claims.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}

/// Where a JWKS document comes from.
pub trait JwksSource: Send + Sync {
    /// Fetches the document's text.
    fn fetch(&self) -> impl Future<Output = Result<String, String>> + Send;
}

/// A JWKS read from a file at each refresh.
#[derive(Debug, Clone)]
pub struct JwksFile(pub std::path::PathBuf);

impl JwksSource for JwksFile {
    async fn fetch(&self) -> Result<String, String> {
        std::fs::read_to_string(&self.0).map_err(|e| format!("{}: {e}", self.0.display()))
    }
}

/// A JWKS held in an environment variable.
#[derive(Debug, Clone)]
pub struct JwksEnv(pub String);

impl JwksSource for JwksEnv {
    async fn fetch(&self) -> Result<String, String> {
        std::env::var(&self.0).map_err(|_| format!("environment variable {} is not set", self.0))
    }
}

/// A JWKS source chosen at start-up.
#[derive(Debug, Clone)]
pub enum AnyJwks {
    /// Read from a file.
    File(JwksFile),
    /// Held in an environment variable.
    Env(JwksEnv),
    /// The keys given at construction, never refreshed.
    Fixed(NoRefresh),
    /// Fetched from the issuer's HTTPS URL.
    #[cfg(feature = "jwks-https")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
    Url(JwksUrl),
}

impl JwksSource for AnyJwks {
    async fn fetch(&self) -> Result<String, String> {
        match self {
            AnyJwks::File(s) => s.fetch().await,
            AnyJwks::Env(s) => s.fetch().await,
            AnyJwks::Fixed(s) => s.fetch().await,
            #[cfg(feature = "jwks-https")]
            AnyJwks::Url(s) => s.fetch().await,
        }
    }
}

/// A JWKS fetched over HTTPS, such as Cognito's
/// `https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`.
///
/// TLS is rustls (ring) with Mozilla's root certificates, or roots you give
/// for a private CA. Each fetch has a timeout (5 s) and a size cap (256 KiB);
/// anything but a `200` is an error, so a failed refresh keeps the keys the
/// verifier already has. Only `https` URLs are accepted.
///
/// ```
/// use secure_serverless::jwt::JwksUrl;
/// let url = JwksUrl::new("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json")?;
/// assert_eq!(url.host(), "cognito-idp.eu-west-1.amazonaws.com");
/// assert!(JwksUrl::new("http://issuer.example/jwks.json").is_err());
/// # Ok::<(), secure_serverless::jwt::JwtConfigError>(())
/// ```
#[cfg(feature = "jwks-https")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
#[derive(Clone)]
pub struct JwksUrl {
    host: String,
    port: u16,
    path: String,
    tls: std::sync::Arc<tokio_rustls::rustls::ClientConfig>,
    timeout: Duration,
}

#[cfg(feature = "jwks-https")]
impl fmt::Debug for JwksUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "JwksUrl(https://{}:{}{})",
            self.host, self.port, self.path
        )
    }
}

/// Largest JWKS document [`JwksUrl`] accepts.
#[cfg(feature = "jwks-https")]
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

#[cfg(feature = "jwks-https")]
impl JwksUrl {
    /// A source for `url`, trusting Mozilla's root certificates.
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidJwksUrl`] unless `url` is `https://host[:port]/path`.
    pub fn new(url: &str) -> Result<Self, JwtConfigError> {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self::with_roots(url, roots)
    }

    /// A source for `url` trusting only `roots` (a private CA, or tests).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_roots(
        url: &str,
        roots: tokio_rustls::rustls::RootCertStore,
    ) -> Result<Self, JwtConfigError> {
        let bad = || JwtConfigError::InvalidJwksUrl(url.chars().take(200).collect());
        let rest = url.strip_prefix("https://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') || path.contains(['#', ' ']) {
            return Err(bad());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.contains(']') || h.ends_with(']') => {
                (h, p.parse::<u16>().map_err(|_| bad())?)
            }
            _ => (authority, 443),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty()
            || tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned()).is_err()
        {
            return Err(bad());
        }
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let tls = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| bad())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(JwksUrl {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
            tls: std::sync::Arc::new(tls),
            timeout: Duration::from_secs(5),
        })
    }

    /// The host the keys come from.
    pub fn host(&self) -> &str {
        &self.host
    }

    async fn get(&self) -> Result<String, String> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("connect to {}: {e}", self.host))?;
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.host.clone())
            .map_err(|e| format!("server name: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::clone(&self.tls))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {}: {e}", self.host))?;
        let host_header = if self.port == 443 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        };
        let req = hyper::Request::get(self.path.as_str())
            .header(hyper::header::HOST, host_header)
            .header(hyper::header::ACCEPT, "application/json")
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .map_err(|e| format!("request: {e}"))?;
        let (status, body) = crate::http1::get(tls, req, MAX_JWKS_BYTES)
            .await
            .map_err(|e| format!("JWKS from {}: {e}", self.host))?;
        if status != hyper::StatusCode::OK {
            return Err(format!("JWKS URL answered {status}"));
        }
        String::from_utf8(body.to_vec()).map_err(|_| "JWKS is not UTF-8".to_owned())
    }
}

#[cfg(feature = "jwks-https")]
impl JwksSource for JwksUrl {
    async fn fetch(&self) -> Result<String, String> {
        tokio::time::timeout(self.timeout, self.get())
            .await
            .map_err(|_| format!("JWKS fetch from {} timed out", self.host))?
    }
}

/// No refresh source: the key set is fixed.
#[derive(Debug, Clone, Copy)]
pub struct NoRefresh;

impl JwksSource for NoRefresh {
    async fn fetch(&self) -> Result<String, String> {
        Err("no JWKS source configured".into())
    }
}

/// Verifies tokens against a key set that can refresh itself.
pub struct JwtVerifier<S = NoRefresh> {
    config: JwtConfig,
    keys: std::sync::RwLock<Arc<KeySet>>,
    source: S,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
}

impl<S> fmt::Debug for JwtVerifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier<NoRefresh> {
    /// A verifier with a fixed key set.
    pub fn new(config: JwtConfig, keys: KeySet) -> Self {
        Self::with_source(config, keys, NoRefresh)
    }
}

impl<S: JwksSource> JwtVerifier<S> {
    /// A verifier that refreshes from `source` on an unknown `kid`.
    pub fn with_source(config: JwtConfig, keys: KeySet, source: S) -> Self {
        JwtVerifier {
            config,
            keys: std::sync::RwLock::new(Arc::new(keys)),
            source,
            last_refresh: tokio::sync::Mutex::new(None),
        }
    }

    /// Loads the initial key set from `source`.
    ///
    /// # Errors
    /// [`JwtError::KeySetUnavailable`] when the source fails or the JWKS is invalid.
    pub async fn load(config: JwtConfig, source: S) -> Result<Self, JwtError> {
        let text = source.fetch().await.map_err(JwtError::KeySetUnavailable)?;
        let keys = KeySet::from_jwks_json(&text)
            .map_err(|e| JwtError::KeySetUnavailable(e.to_string()))?;
        let v = Self::with_source(config, keys, source);
        *v.last_refresh.lock().await = Some(Instant::now());
        Ok(v)
    }

    fn current_keys(&self) -> Arc<KeySet> {
        Arc::clone(
            &self
                .keys
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Verifies `token` at the current time, refreshing the key set (at most
    /// once per [`JwtConfig::min_refresh_interval`]) on an unknown `kid`.
    ///
    /// # Errors
    /// The [`JwtError`] class of the first failed check.
    pub async fn verify(&self, token: &str) -> Result<VerifiedClaims, JwtError> {
        match self.verify_now(token) {
            Err(JwtError::UnknownKid(kid)) => {
                if self.refresh().await {
                    self.verify_now(token)
                } else {
                    Err(JwtError::UnknownKid(kid))
                }
            }
            other => other,
        }
    }

    /// Refreshes the key set unless a refresh happened within the minimum
    /// interval. Returns whether the key set was replaced.
    async fn refresh(&self) -> bool {
        let mut last = self.last_refresh.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.config.min_refresh_interval) {
            return false;
        }
        *last = Some(Instant::now());
        let Ok(text) = self.source.fetch().await else {
            return false;
        };
        let Ok(keys) = KeySet::from_jwks_json(&text) else {
            return false;
        };
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
        true
    }

    /// Verifies `token` against the current key set, without refreshing.
    ///
    /// # Errors
    /// The [`JwtError`] class of the first failed check.
    pub fn verify_now(&self, token: &str) -> Result<VerifiedClaims, JwtError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        verify_with(&self.config, &self.current_keys(), token, now)
    }
}

fn decode_segment(segment: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed("a segment is not base64url"))?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let map = de::Deserializer::deserialize_map(&mut de, NoDuplicates).map_err(|e| {
        let msg = e.to_string();
        match msg.strip_prefix("duplicate member ") {
            Some(rest) => {
                JwtError::DuplicateMember(rest.split(" at line").next().unwrap_or(rest).to_owned())
            }
            None => JwtError::Malformed("a segment is not a JSON object"),
        }
    })?;
    de.end()
        .map_err(|_| JwtError::Malformed("trailing data in a segment"))?;
    Ok(map)
}

/// A JSON object whose top-level keys must be unique.
struct NoDuplicates;

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate member {key}")));
            }
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// A `typ` value as a media type, compared case-insensitively with the
/// `application/` prefix left out (RFC 7515, section 4.1.9).
fn media_type(typ: &str) -> String {
    let t = typ.to_ascii_lowercase();
    t.strip_prefix("application/")
        .map_or(t.clone(), str::to_owned)
}

fn verify_with(
    config: &JwtConfig,
    keys: &KeySet,
    token: &str,
    now: u64,
) -> Result<VerifiedClaims, JwtError> {
    if token.len() > config.max_token_bytes {
        return Err(JwtError::TooLarge {
            limit: config.max_token_bytes,
            actual: token.len(),
        });
    }
    let mut segments = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(JwtError::Malformed("expected three segments"));
    };
    if header_b64.is_empty() || claims_b64.is_empty() {
        return Err(JwtError::Malformed("empty segment"));
    }
    if signature.is_empty() {
        return Err(JwtError::InvalidSignature);
    }
    let header = decode_segment(header_b64)?;
    let alg_name = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwtError::Malformed("header has no alg"))?;
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(JwtError::Unsigned);
    }
    let alg = Algorithm::from_str(alg_name)
        .map_err(|_| JwtError::UnsupportedAlgorithm(truncate(alg_name)))?;
    if header.contains_key("crit") {
        return Err(JwtError::CriticalHeader);
    }
    if let Some(required) = &config.typ {
        let typ = header.get("typ").and_then(Value::as_str).map(media_type);
        if typ.as_deref() != Some(required.as_str()) {
            return Err(JwtError::WrongType);
        }
    }
    let verifier = match header.get("kid") {
        Some(Value::String(kid)) => {
            let entry = keys
                .keys
                .get(kid)
                .ok_or_else(|| JwtError::UnknownKid(truncate(kid)))?;
            entry
                .verifier(alg)
                .ok_or_else(|| JwtError::AlgorithmNotAllowed {
                    alg: alg_name.to_owned(),
                    kid: truncate(kid),
                })?
        }
        Some(_) => return Err(JwtError::Malformed("kid is not a string")),
        None => keys.only_key_for(alg).ok_or(JwtError::MissingKid)?,
    };
    // Duplicate members and mistyped registered claims are refused: parsers
    // disagree on which duplicate wins, and a string `exp` is not a date.
    let claims = decode_segment(claims_b64)?;
    check_claim_types(&claims)?;
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::InvalidSignature)?;
    let signed = &token.as_bytes()[..header_b64.len() + 1 + claims_b64.len()];
    if !verifier.verify(signed, &signature) {
        return Err(JwtError::InvalidSignature);
    }
    check_claims(config, &claims, now)?;
    if let Some((token_use, clients)) = &config.cognito {
        if claims.get("token_use").and_then(Value::as_str) != Some(token_use.as_str()) {
            return Err(JwtError::WrongTokenUse(token_use.as_str()));
        }
        if *token_use == TokenUse::Access {
            let client = claims.get("client_id").and_then(Value::as_str);
            if !client.is_some_and(|c| clients.iter().any(|a| a == c)) {
                return Err(JwtError::WrongClient);
            }
        }
    }
    let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_ascii_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => return Err(JwtError::InvalidClaim("scope".into())),
        None => BTreeSet::new(),
    };
    let groups = match claims.get("cognito:groups") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => return Err(JwtError::InvalidClaim("cognito:groups".into())),
        None => BTreeSet::new(),
    };
    let subject = match claims.get("sub") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(JwtError::InvalidClaim("sub".into())),
        None => String::new(),
    };
    Ok(VerifiedClaims {
        subject,
        scopes,
        groups,
        claims,
    })
}

/// The registered claims of a token whose signature is valid, at `now`
/// (seconds since the epoch): required claims present, `exp` not passed and
/// `nbf` reached (each within the leeway), `iss` accepted, `aud` accepted.
/// Types were checked by [`check_claim_types`].
fn check_claims(config: &JwtConfig, claims: &Map<String, Value>, now: u64) -> Result<(), JwtError> {
    for name in config.required_claims() {
        if !claims.contains_key(*name) {
            return Err(JwtError::MissingClaim((*name).to_owned()));
        }
    }
    let leeway = config.leeway.as_secs();
    if claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_some_and(|exp| exp.saturating_add(leeway) < now)
    {
        return Err(JwtError::Expired);
    }
    if claims
        .get("nbf")
        .and_then(Value::as_u64)
        .is_some_and(|nbf| nbf > now.saturating_add(leeway))
    {
        return Err(JwtError::NotYetValid);
    }
    let accepted_issuer = match claims.get("iss") {
        Some(Value::String(iss)) => config.issuers.iter().any(|i| i == iss),
        _ => false,
    };
    if !accepted_issuer {
        return Err(JwtError::WrongIssuer);
    }
    if config.require_aud {
        let accepted = |a: &Value| {
            a.as_str()
                .is_some_and(|a| config.audiences.iter().any(|x| x == a))
        };
        let accepted_audience = match claims.get("aud") {
            Some(Value::Array(list)) => list.iter().any(accepted),
            Some(single) => accepted(single),
            None => false,
        };
        if !accepted_audience {
            return Err(JwtError::WrongAudience);
        }
    }
    Ok(())
}

fn check_claim_types(claims: &Map<String, Value>) -> Result<(), JwtError> {
    for name in ["exp", "nbf", "iat"] {
        if let Some(v) = claims.get(name)
            && v.as_u64().is_none()
        {
            return Err(JwtError::InvalidClaim(name.into()));
        }
    }
    for name in ["iss", "sub"] {
        if claims.get(name).is_some_and(|v| !v.is_string()) {
            return Err(JwtError::InvalidClaim(name.into()));
        }
    }
    match claims.get("aud") {
        None | Some(Value::String(_)) => Ok(()),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => Ok(()),
        Some(_) => Err(JwtError::InvalidClaim("aud".into())),
    }
}

/// Attacker-chosen strings end up in errors (and logs): keep them short.
fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn hs256(claims: &Value) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let msg = format!(
            "{}.{}",
            b64.encode(r#"{"alg":"HS256","kid":"k"}"#),
            b64.encode(claims.to_string())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
        let tag = ring::hmac::sign(&key, msg.as_bytes());
        format!("{msg}.{}", b64.encode(tag.as_ref()))
    }

    /// `exp` and `nbf` at the edges of the leeway, with the clock fixed.
    #[test]
    fn time_claims_honour_the_leeway_exactly() {
        let config = JwtConfig::new(["iss"], ["aud"])
            .unwrap()
            .leeway(Duration::from_secs(30))
            .unwrap();
        let keys = KeySet::new().with_hmac("k", SECRET).unwrap();
        let now = 1_800_000_000u64;
        let at = |exp: u64, nbf: Option<u64>| {
            let mut c = serde_json::json!({"iss": "iss", "aud": "aud", "exp": exp, "sub": "s"});
            if let Some(nbf) = nbf {
                c["nbf"] = nbf.into();
            }
            verify_with(&config, &keys, &hs256(&c), now).map(|c| c.subject().to_owned())
        };
        assert_eq!(at(now, None).unwrap(), "s");
        assert_eq!(
            at(now - 30, None).unwrap(),
            "s",
            "expired within the leeway"
        );
        assert_eq!(at(now - 31, None).unwrap_err(), JwtError::Expired);
        assert_eq!(at(now + 60, Some(now + 30)).unwrap(), "s");
        assert_eq!(
            at(now + 60, Some(now + 31)).unwrap_err(),
            JwtError::NotYetValid
        );
        // Far-future values do not overflow.
        assert_eq!(at(u64::MAX, Some(0)).unwrap(), "s");
        assert_eq!(
            verify_with(
                &config,
                &keys,
                &hs256(&serde_json::json!({"iss": "iss", "aud": "aud", "exp": now})),
                u64::MAX
            )
            .unwrap_err(),
            JwtError::Expired
        );
    }

    /// A signature failure is reported before any claim check, so a forged
    /// token learns nothing about the claims it would need.
    #[test]
    fn signature_is_checked_before_claims() {
        let config = JwtConfig::new(["iss"], ["aud"]).unwrap();
        let keys = KeySet::new().with_hmac("k", SECRET).unwrap();
        let expired_wrong_issuer = hs256(&serde_json::json!({"iss": "evil", "exp": 1}));
        let (msg, _) = expired_wrong_issuer.rsplit_once('.').unwrap();
        let forged = format!("{msg}.AAAA");
        assert_eq!(
            verify_with(&config, &keys, &forged, 1_800_000_000).unwrap_err(),
            JwtError::InvalidSignature
        );
        assert_eq!(
            verify_with(&config, &keys, &expired_wrong_issuer, 1_800_000_000).unwrap_err(),
            JwtError::MissingClaim("aud".into())
        );
    }
}
