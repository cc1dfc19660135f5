//! [`KeySet`]: verification keys by `kid`, each bound to its algorithm.

use std::collections::HashMap;
use std::fmt;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::alg::SigAlg;
use super::error::JwtConfigError;
#[cfg(doc)]
use super::error::JwtError;
use super::signature::Prepared;

/// A key's verifiers, one per allowed algorithm.
#[derive(Clone)]
pub(super) struct KeyEntry {
    verifiers: Vec<(SigAlg, Prepared)>,
}

impl KeyEntry {
    fn one(alg: SigAlg, prepared: Prepared) -> Self {
        KeyEntry {
            verifiers: vec![(alg, prepared)],
        }
    }

    pub(super) fn verifier(&self, alg: SigAlg) -> Option<&Prepared> {
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
    /// The key published under `kid`.
    pub(super) fn key(&self, kid: &str) -> Option<&KeyEntry> {
        self.keys.get(kid)
    }

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
    pub(super) fn only_key_for(&self, alg: SigAlg) -> Option<&Prepared> {
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
            .filter_map(|&alg| Prepared::new(&key, alg).map(|p| (SigAlg::Jws(alg), p)))
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
    /// ES384, EC P-521: ES512 with feature `jwt-es512`, Ed25519: EdDSA), and
    /// must fit its type.
    ///
    /// Keys that cannot verify signatures are skipped, not fatal, so one
    /// key of another kind cannot take an issuer's whole set down: keys whose
    /// `use` is not `sig` (an `enc` key never verifies), whose `key_ops` do
    /// not include `verify`, symmetric (`oct`) keys (add HMAC secrets with
    /// [`KeySet::with_hmac`]), and key types, curves or algorithms this crate
    /// does not verify (`RSA-OAEP`, X448, P-521 without feature `jwt-es512`,
    /// ...). They are listed by
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
                Ok(entry) => match kid {
                    Some(kid) => {
                        keys.keys.insert(kid, entry);
                    }
                    None => keys.unnamed.push(entry),
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

/// A JWK that may verify signatures, prepared for its algorithm; or why not.
fn usable_jwk(raw: Value) -> Result<KeyEntry, &'static str> {
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
    if raw.get("crv").and_then(Value::as_str) == Some("P-521") {
        return p521_jwk(&raw);
    }
    let jwk: Jwk = serde_json::from_value(raw).map_err(|_| "unsupported key type or parameters")?;
    let alg = jwk_algorithm(&jwk).ok_or("unsupported key type, curve or algorithm")?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "the key's parameters are invalid")?;
    let prepared = Prepared::new(&key, alg)
        .ok_or("the key cannot verify its algorithm (an RSA key under 2048 bits?)")?;
    Ok(KeyEntry::one(SigAlg::Jws(alg), prepared))
}

/// An EC P-521 JWK (`alg` absent or `ES512`), which `jsonwebtoken`'s JWK
/// type cannot carry.
#[cfg(feature = "jwt-es512")]
fn p521_jwk(raw: &Value) -> Result<KeyEntry, &'static str> {
    use base64::Engine as _;
    if raw.get("kty").and_then(Value::as_str) != Some("EC") {
        return Err("unsupported key type or parameters");
    }
    match raw.get("alg") {
        None => {}
        Some(Value::String(a)) if a == "ES512" => {}
        Some(_) => return Err("unsupported key type, curve or algorithm"),
    }
    let coordinate = |name: &str| {
        raw.get(name)
            .and_then(Value::as_str)
            .and_then(|c| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
            })
            .ok_or("the key's parameters are invalid")
    };
    let prepared = Prepared::p521(&coordinate("x")?, &coordinate("y")?)
        .ok_or("the key's parameters are invalid")?;
    Ok(KeyEntry::one(SigAlg::Es512, prepared))
}

#[cfg(not(feature = "jwt-es512"))]
fn p521_jwk(_: &Value) -> Result<KeyEntry, &'static str> {
    Err("P-521 (ES512) keys need the jwt-es512 feature")
}

/// Logs a skipped key once per `kid` per process (a refresh parses the same
/// document again).
fn log_skipped_once(kid: Option<&str>, reason: &'static str) {
    #[cfg(feature = "tracing")]
    {
        use std::collections::HashSet;
        use std::sync::{Mutex, OnceLock};
        static LOGGED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
        let kid = crate::untrusted::excerpt(kid.unwrap_or(""));
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
