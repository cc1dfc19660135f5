//! The registered-claim checks and [`VerifiedClaims`], what a verified token
//! hands back.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::config::JwtConfig;
use super::error::JwtError;

/// A verified token's claims.
#[derive(Debug, Clone)]
pub struct VerifiedClaims {
    pub(super) subject: String,
    pub(super) scopes: BTreeSet<String>,
    pub(super) groups: BTreeSet<String>,
    pub(super) claims: Map<String, Value>,
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

    /// The claims deserialised into the application's own type.
    ///
    /// ```
    /// # use secure_serverless::jwt::VerifiedClaims;
    /// #[derive(serde::Deserialize)]
    /// struct Mine { sub: String, tenant: String }
    /// # fn f(verified: VerifiedClaims) -> Result<(), serde_json::Error> {
    /// let mine: Mine = verified.deserialize()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the claims do not fit `T`.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.claims.clone()))
    }
}

/// The registered claims of a token whose signature is valid, at `now`
/// (seconds since the epoch): required claims present, `exp` not passed and
/// `nbf` reached (each within the leeway), `iss` accepted, `aud` accepted.
/// Types were checked by [`check_claim_types`].
pub(super) fn check_claims(
    config: &JwtConfig,
    claims: &Map<String, Value>,
    now: u64,
) -> Result<(), JwtError> {
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
        Some(Value::String(iss)) => *iss == config.issuer,
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

pub(super) fn check_claim_types(claims: &Map<String, Value>) -> Result<(), JwtError> {
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
