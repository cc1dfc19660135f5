//! A [`JwtVerifier`] configured from settings (`Vars`): the same table for
//! every function that verifies tokens.

use super::config::JwtConfig;
use super::discovery::OidcIssuer;
use super::error::{JwtConfigError, JwtError};
use super::https::JwksUrl;
use super::keys::KeySet;
use super::source::{AnyJwks, JwksFile};
use super::verifier::JwtVerifier;
use crate::config::{ConfigError, Vars};

/// Why a verifier could not be configured from its settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtSettingsError {
    /// A setting is missing, blank or malformed (the error names it).
    #[error(transparent)]
    Setting(#[from] ConfigError),
    /// The settings make no valid verifier.
    #[error(transparent)]
    Config(#[from] JwtConfigError),
    /// The keys could not be loaded at start-up (`JWKS_LOAD=init`).
    #[error("cannot load the token keys: {0}")]
    Keys(#[from] JwtError),
}

impl JwtVerifier {
    /// A verifier from these settings:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `JWT_ISSUER` | accepted issuers, comma-separated (required); a token is checked against the keys of the issuer its `iss` names exactly |
    /// | `JWT_AUDIENCE` | accepted audiences, or with `JWT_TOKEN_USE=cognito-access` the accepted app client ids (required) |
    /// | `JWT_TOKEN_USE` | `aud` (default), `cognito-access` or `cognito-id` |
    /// | `JWT_TYP` | if set, the token header's `typ` must be this |
    /// | `JWKS_URL` / `JWKS_FILE` / `JWKS` | one issuer's keys from an HTTPS URL, a file or the variable itself (default: each issuer's OpenID discovery document) |
    /// | `JWKS_LOAD` | `init` (default: keys fetched now, an unreachable issuer is an error) or `first-request` |
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), secure_serverless::jwt::JwtSettingsError> {
    /// use secure_serverless::{JwtVerifier, Vars};
    /// let verifier = JwtVerifier::from_vars(&Vars::from_env()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`JwtSettingsError`], naming the setting at fault.
    pub async fn from_vars(vars: &Vars<'_>) -> Result<Self, JwtSettingsError> {
        let issuers = vars.list("JWT_ISSUER")?.ok_or_else(|| {
            ConfigError::invalid("JWT_ISSUER", "set to the token issuer(s), comma-separated")
        })?;
        let audience = vars
            .list("JWT_AUDIENCE")?
            .ok_or_else(|| ConfigError::Missing("JWT_AUDIENCE".into()))?;
        let token_use = vars.optional("JWT_TOKEN_USE")?;
        let typ = vars.optional("JWT_TYP")?;
        let configure = |issuer: &str| -> Result<JwtConfig, JwtSettingsError> {
            let config = match token_use.as_deref() {
                None | Some("aud") => JwtConfig::new(issuer, audience.clone())?,
                Some("cognito-access") => JwtConfig::cognito_access(issuer, audience.clone())?,
                Some("cognito-id") => JwtConfig::cognito_id(issuer, audience.clone())?,
                Some(_) => {
                    return Err(ConfigError::invalid(
                        "JWT_TOKEN_USE",
                        "aud, cognito-access or cognito-id",
                    )
                    .into());
                }
            };
            Ok(match &typ {
                Some(typ) => config.require_typ(typ),
                None => config,
            })
        };
        let at_first_request = match vars.optional("JWKS_LOAD")?.as_deref() {
            None | Some("init") => false,
            Some("first-request") => true,
            Some(_) => {
                return Err(ConfigError::invalid("JWKS_LOAD", "init or first-request").into());
            }
        };
        // One key source for one issuer, or each issuer's own keys found
        // through its OpenID discovery document.
        let explicit = match (
            vars.optional("JWKS_FILE")?,
            vars.optional("JWKS")?,
            vars.optional("JWKS_URL")?,
        ) {
            (Some(path), _, _) => Some(AnyJwks::File(JwksFile(path.into()))),
            // The document itself, read from these settings (not from the
            // process environment behind them): a fixed key set.
            (None, Some(text), _) => {
                if issuers.len() != 1 {
                    return Err(ConfigError::invalid(
                        "JWKS",
                        "unset when JWT_ISSUER names several issuers (JWKS_URL, JWKS_FILE and JWKS serve one issuer)",
                    )
                    .into());
                }
                let keys = KeySet::from_jwks_json(&text)?;
                return Ok(JwtVerifier::new(configure(&issuers[0])?, keys));
            }
            (None, None, Some(url)) => Some(AnyJwks::Url(JwksUrl::new(&url)?)),
            (None, None, None) => None,
        };
        if explicit.is_some() && issuers.len() != 1 {
            return Err(ConfigError::invalid(
                "JWKS_URL",
                "unset when JWT_ISSUER names several issuers (each issuer's keys are then found by OpenID discovery); JWKS_URL, JWKS_FILE and JWKS serve one issuer",
            )
            .into());
        }
        let mut verifiers = Vec::with_capacity(issuers.len());
        for issuer in &issuers {
            let config = configure(issuer)?;
            let source = match &explicit {
                Some(source) => source.clone(),
                None => AnyJwks::Oidc(OidcIssuer::for_config(&config)?),
            };
            verifiers.push(if at_first_request {
                JwtVerifier::lazy(config, source)
            } else {
                JwtVerifier::load(config, source).await?
            });
        }
        Ok(JwtVerifier::any_of(verifiers)?)
    }
}
