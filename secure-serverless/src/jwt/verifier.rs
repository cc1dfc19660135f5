//! [`JwtVerifier`]: the checks a token goes through, the issuer it is routed
//! to, and that issuer's key set.

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::alg::SigAlg;
use super::cache::KeyCache;
use super::claims::{VerifiedClaims, check_claim_types, check_claims};
use super::config::{JwtConfig, TokenUse};
use super::error::{JwtConfigError, JwtError, KeySourceError};
use super::keys::KeySet;
use super::recent::RecentTokens;
use super::source::{AnyJwks, JwksSource, NoRefresh};
use super::token::{decode_segment, media_type};

/// Verifies tokens of one or more issuers, each against its own key set,
/// which refreshes itself from its source.
///
/// A token is routed by its exact `iss` to that issuer's configuration and
/// keys: a key of one issuer never verifies another issuer's token, even
/// when both publish the same `kid`.
///
/// A token verified once is remembered (up to 256 per verifier) with the key
/// set that verified it; the same token again, while that key set is still
/// the issuer's fresh one, skips the signature but not the time-bound and
/// application checks.
pub struct JwtVerifier<S = AnyJwks> {
    issuers: Vec<Issuer<S>>,
    max_token_bytes: usize,
    recent: RecentTokens,
}

struct Issuer<S> {
    config: JwtConfig,
    keys: KeyCache<S>,
}

impl<S> fmt::Debug for JwtVerifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field(
                "issuers",
                &self.issuers.iter().map(|i| &i.config).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl JwtVerifier<AnyJwks> {
    /// A verifier with a fixed key set.
    pub fn new(config: JwtConfig, keys: KeySet) -> Self {
        Self::one(
            config,
            KeyCache::given(AnyJwks::Fixed(NoRefresh), keys, None),
        )
    }
}

impl<S: JwksSource> JwtVerifier<S> {
    fn one(config: JwtConfig, keys: KeyCache<S>) -> Self {
        // A source that serves one issuer's keys (OpenID discovery) must
        // serve this configuration's issuer; otherwise every verification
        // fails, and `load` fails at start-up.
        let mismatch = match keys.source().issuer() {
            Some(served) if served != config.issuer => Some(KeySourceError::IssuerMismatch {
                expected: config.issuer.clone(),
                found: crate::untrusted::excerpt(served),
            }),
            _ => None,
        };
        let keys = match mismatch {
            Some(e) => keys.refuse(e),
            None => keys,
        };
        JwtVerifier {
            max_token_bytes: config.max_token_bytes,
            issuers: vec![Issuer { config, keys }],
            recent: RecentTokens::default(),
        }
    }

    /// A verifier that starts with `keys` and fetches from `source` when a
    /// token names a `kid` they do not have, or once the keys are older than
    /// [`JwtConfig::key_max_age`] (keys with a source that cannot refresh,
    /// such as [`NoRefresh`], never age).
    pub fn with_source(config: JwtConfig, keys: KeySet, source: S) -> Self {
        let max_age = source.refreshes().then_some(config.lifetime.max_age);
        Self::one(config, KeyCache::given(source, keys, max_age))
    }

    /// Fetches the key set from `source` now (at cold start, so the first
    /// request does not wait for it), then keeps it fresh.
    ///
    /// # Errors
    /// [`JwtError::KeySetUnavailable`] when the source fails or the JWKS is invalid.
    pub async fn load(config: JwtConfig, source: S) -> Result<Self, JwtError> {
        let v = Self::lazy(config, source);
        for issuer in &v.issuers {
            issuer.keys.current(&issuer.config.lifetime).await?;
        }
        Ok(v)
    }

    /// A verifier whose key set is fetched by the first verification that
    /// needs it (concurrent first requests share one fetch): a cold start
    /// that never sees a token never fetches.
    pub fn lazy(config: JwtConfig, source: S) -> Self {
        Self::one(config, KeyCache::empty(source))
    }

    /// One verifier for the tokens of all of `verifiers`' issuers.
    ///
    /// ```
    /// use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
    /// let pool_a = JwtVerifier::new(JwtConfig::new("https://a.example", ["api"])?, KeySet::new());
    /// let pool_b = JwtVerifier::new(JwtConfig::new("https://b.example", ["api"])?, KeySet::new());
    /// let both = JwtVerifier::any_of([pool_a, pool_b])?;
    /// assert_eq!(both.issuers().collect::<Vec<_>>(), ["https://a.example", "https://b.example"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`JwtConfigError::NoIssuer`] for no verifier,
    /// [`JwtConfigError::DuplicateIssuer`] when two accept the same issuer.
    pub fn any_of(verifiers: impl IntoIterator<Item = Self>) -> Result<Self, JwtConfigError> {
        let mut issuers: Vec<Issuer<S>> = Vec::new();
        for v in verifiers {
            for issuer in v.issuers {
                if issuers
                    .iter()
                    .any(|i| i.config.issuer == issuer.config.issuer)
                {
                    return Err(JwtConfigError::DuplicateIssuer(issuer.config.issuer));
                }
                issuers.push(issuer);
            }
        }
        let max_token_bytes = issuers
            .iter()
            .map(|i| i.config.max_token_bytes)
            .max()
            .ok_or(JwtConfigError::NoIssuer)?;
        Ok(JwtVerifier {
            issuers,
            max_token_bytes,
            recent: RecentTokens::default(),
        })
    }

    /// The issuers whose tokens are accepted.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.issuers.iter().map(|i| i.config.issuer.as_str())
    }

    /// Verifies `token` at the current time. The issuer's keys are fetched
    /// first when they are missing or past their max age, and once more when
    /// the token names a `kid` they lack (at most once per
    /// [`JwtConfig::min_refresh_interval`]).
    ///
    /// # Errors
    /// The [`JwtError`] class of the first failed check;
    /// [`JwtError::KeySetUnavailable`] when the issuer's keys cannot be had.
    pub async fn verify(&self, token: &str) -> Result<VerifiedClaims, JwtError> {
        let now = unix_now();
        if let Some(claims) = self.remembered(token, now) {
            return Ok(claims);
        }
        let parsed = Parsed::new(token, self.max_token_bytes)?;
        let (index, issuer) = self.route(token, &parsed)?;
        let mut keys = issuer.keys.current(&issuer.config.lifetime).await?;
        match parsed.check_signature(&issuer.config, &keys) {
            Err(JwtError::UnknownKid(kid)) => {
                match issuer
                    .keys
                    .refetch_for_unknown_kid(&issuer.config.lifetime, &keys)
                    .await
                {
                    Some(newer) => {
                        parsed.check_signature(&issuer.config, &newer)?;
                        keys = newer;
                    }
                    None => return Err(JwtError::UnknownKid(kid)),
                }
            }
            other => other?,
        }
        let claims = parsed.into_claims(&issuer.config, now)?;
        self.recent.insert(token, index, &keys, &claims);
        Ok(claims)
    }

    /// Verifies `token` against the keys already held, without fetching.
    ///
    /// # Errors
    /// The [`JwtError`] class of the first failed check;
    /// [`JwtError::KeySetUnavailable`] when no usable key set is held.
    pub fn verify_with_cached_keys(&self, token: &str) -> Result<VerifiedClaims, JwtError> {
        let now = unix_now();
        if let Some(claims) = self.remembered(token, now) {
            return Ok(claims);
        }
        let parsed = Parsed::new(token, self.max_token_bytes)?;
        let (index, issuer) = self.route(token, &parsed)?;
        let keys = issuer.keys.cached(&issuer.config.lifetime)?;
        parsed.check_signature(&issuer.config, &keys)?;
        let claims = parsed.into_claims(&issuer.config, now)?;
        self.recent.insert(token, index, &keys, &claims);
        Ok(claims)
    }

    /// The claims of `token` if it was accepted with its issuer's current,
    /// fresh key set and still passes the time-bound and application checks
    /// at `now`; otherwise `None`, and the token is verified from scratch.
    fn remembered(&self, token: &str, now: u64) -> Option<VerifiedClaims> {
        let (index, claims) = self.recent.get(token, |i| {
            let issuer = self.issuers.get(i)?;
            issuer.keys.fresh(&issuer.config.lifetime)
        })?;
        let config = &self.issuers.get(index)?.config;
        check_claims(config, claims.claims(), now).ok()?;
        if let Some(check) = &config.check {
            check(&claims).ok()?;
        }
        Some(claims)
    }

    /// The issuer whose `iss` the token names, exactly, and its index; the
    /// token must also fit that issuer's own size cap.
    fn route(&self, token: &str, parsed: &Parsed<'_>) -> Result<(usize, &Issuer<S>), JwtError> {
        let iss = match parsed.claims.get("iss") {
            Some(Value::String(iss)) => iss,
            Some(_) => return Err(JwtError::InvalidClaim("iss".into())),
            None => return Err(JwtError::MissingClaim("iss".into())),
        };
        let (index, issuer) = self
            .issuers
            .iter()
            .enumerate()
            .find(|(_, i)| i.config.issuer == *iss)
            .ok_or(JwtError::WrongIssuer)?;
        if token.len() > issuer.config.max_token_bytes {
            return Err(JwtError::TooLarge {
                limit: issuer.config.max_token_bytes,
                actual: token.len(),
            });
        }
        Ok((index, issuer))
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token whose shape, header and claim types have been checked, not yet
/// its signature.
struct Parsed<'t> {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    alg: SigAlg,
    signed: &'t [u8],
    signature: &'t str,
}

impl<'t> Parsed<'t> {
    fn new(token: &'t str, max_bytes: usize) -> Result<Self, JwtError> {
        if token.len() > max_bytes {
            return Err(JwtError::TooLarge {
                limit: max_bytes,
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
        let alg = SigAlg::parse(alg_name)
            .ok_or_else(|| JwtError::UnsupportedAlgorithm(crate::untrusted::excerpt(alg_name)))?;
        if header.contains_key("crit") {
            return Err(JwtError::CriticalHeader);
        }
        // Duplicate members and mistyped registered claims are refused:
        // parsers disagree on which duplicate wins, and a string `exp` is not
        // a date.
        let claims = decode_segment(claims_b64)?;
        check_claim_types(&claims)?;
        Ok(Parsed {
            header,
            claims,
            alg,
            signed: &token.as_bytes()[..header_b64.len() + 1 + claims_b64.len()],
            signature,
        })
    }

    fn alg_name(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    /// The signature with `keys` (and the header against `config`).
    fn check_signature(&self, config: &JwtConfig, keys: &KeySet) -> Result<(), JwtError> {
        if let Some(required) = &config.typ {
            let typ = self
                .header
                .get("typ")
                .and_then(Value::as_str)
                .map(media_type);
            if typ.as_deref() != Some(required.as_str()) {
                return Err(JwtError::WrongType);
            }
        }
        let verifier = match self.header.get("kid") {
            Some(Value::String(kid)) => {
                let entry = keys
                    .key(kid)
                    .ok_or_else(|| JwtError::UnknownKid(crate::untrusted::excerpt(kid)))?;
                entry
                    .verifier(self.alg)
                    .ok_or_else(|| JwtError::AlgorithmNotAllowed {
                        alg: crate::untrusted::excerpt(self.alg_name()),
                        kid: crate::untrusted::excerpt(kid),
                    })?
            }
            Some(_) => return Err(JwtError::Malformed("kid is not a string")),
            None => keys.only_key_for(self.alg).ok_or(JwtError::MissingKid)?,
        };
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(self.signature)
            .map_err(|_| JwtError::InvalidSignature)?;
        if !verifier.verify(self.signed, &signature) {
            return Err(JwtError::InvalidSignature);
        }
        Ok(())
    }

    /// The claims of a token whose signature is valid, against `config` at
    /// `now`.
    fn into_claims(self, config: &JwtConfig, now: u64) -> Result<VerifiedClaims, JwtError> {
        let claims = self.claims;
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
        let verified = VerifiedClaims {
            subject,
            scopes,
            groups,
            claims,
        };
        if let Some(check) = &config.check {
            check(&verified).map_err(JwtError::Rejected)?;
        }
        Ok(verified)
    }
}

/// Verifies `token` against one issuer's `config` and `keys` at `now`.
#[cfg(test)]
pub(super) fn verify_with(
    config: &JwtConfig,
    keys: &KeySet,
    token: &str,
    now: u64,
) -> Result<VerifiedClaims, JwtError> {
    let parsed = Parsed::new(token, config.max_token_bytes)?;
    parsed.check_signature(config, keys)?;
    parsed.into_claims(config, now)
}
