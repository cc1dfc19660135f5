//! [`JwtVerifier`]: the checks a token goes through, and the key set it
//! refreshes.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use jsonwebtoken::Algorithm;
use serde_json::Value;

use super::claims::{VerifiedClaims, check_claim_types, check_claims};
use super::config::{JwtConfig, TokenUse};
use super::error::{JwtError, KeySourceError};
use super::keys::KeySet;
use super::source::{AnyJwks, JwksSource, NoRefresh};
use super::token::{decode_segment, media_type};

/// Verifies tokens against a key set that can refresh itself.
pub struct JwtVerifier<S = AnyJwks> {
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

impl JwtVerifier<AnyJwks> {
    /// A verifier with a fixed key set.
    pub fn new(config: JwtConfig, keys: KeySet) -> Self {
        Self::with_source(config, keys, AnyJwks::Fixed(NoRefresh))
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
            .map_err(|e| JwtError::KeySetUnavailable(KeySourceError::Invalid(e)))?;
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
        match self.verify_with_cached_keys(token) {
            Err(JwtError::UnknownKid(kid)) => {
                if self.refresh().await {
                    self.verify_with_cached_keys(token)
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
    pub fn verify_with_cached_keys(&self, token: &str) -> Result<VerifiedClaims, JwtError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        verify_with(&self.config, &self.current_keys(), token, now)
    }
}

pub(super) fn verify_with(
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
        .map_err(|_| JwtError::UnsupportedAlgorithm(crate::untrusted::excerpt(alg_name)))?;
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
                .key(kid)
                .ok_or_else(|| JwtError::UnknownKid(crate::untrusted::excerpt(kid)))?;
            entry
                .verifier(alg)
                .ok_or_else(|| JwtError::AlgorithmNotAllowed {
                    alg: alg_name.to_owned(),
                    kid: crate::untrusted::excerpt(kid),
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
