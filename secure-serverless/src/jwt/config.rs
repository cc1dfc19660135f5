//! [`JwtConfig`]: what a token must satisfy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::claims::VerifiedClaims;
#[cfg(doc)]
use super::error::JwtError;
use super::error::{ClaimRejected, JwtConfigError};
use super::token::media_type;

/// The largest leeway [`JwtConfig::leeway`] accepts: five minutes.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// Default token-size cap: 8 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Expected Cognito token type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// Access tokens (`token_use: access`, client in `client_id`, no `aud`).
    Access,
    /// ID tokens (`token_use: id`, client in `aud`).
    Id,
}

impl TokenUse {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
}

/// An application check run on claims that passed every registered check.
type ClaimsCheck = Arc<dyn Fn(&VerifiedClaims) -> Result<(), ClaimRejected> + Send + Sync>;

/// How long a fetched key set is used, and how often it may be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyLifetime {
    /// Refetch once the keys are this old (lowered by the issuer's
    /// `Cache-Control: max-age`, never below `min_refresh_interval`).
    pub(super) max_age: Duration,
    /// While refetching fails, keys up to `max_age + stale_for` old are
    /// still used; older, verification fails closed.
    pub(super) stale_for: Duration,
    /// At most one fetch per this interval for unknown `kid`s, and the
    /// floor of an issuer's `max-age`.
    pub(super) min_refresh_interval: Duration,
}

/// What a token must satisfy, for one issuer.
#[derive(Clone)]
pub struct JwtConfig {
    pub(super) issuer: String,
    pub(super) audiences: Vec<String>,
    pub(super) require_aud: bool,
    pub(super) leeway: Duration,
    pub(super) max_token_bytes: usize,
    pub(super) lifetime: KeyLifetime,
    pub(super) cognito: Option<(TokenUse, Vec<String>)>,
    pub(super) typ: Option<String>,
    pub(super) check: Option<ClaimsCheck>,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("require_aud", &self.require_aud)
            .field("leeway", &self.leeway)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("lifetime", &self.lifetime)
            .field("cognito", &self.cognito)
            .field("typ", &self.typ)
            .field("claims_check", &self.check.is_some())
            .finish()
    }
}

/// Default [`JwtConfig::key_max_age`]: one hour.
pub const DEFAULT_KEY_MAX_AGE: Duration = Duration::from_secs(3600);
/// Default [`JwtConfig::serve_stale_keys_for`]: one hour.
pub const DEFAULT_STALE_FOR: Duration = Duration::from_secs(3600);
/// Default [`JwtConfig::min_refresh_interval`]: ten seconds.
pub const DEFAULT_MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// The shortest [`JwtConfig::min_refresh_interval`]: 50 ms.
pub const MIN_REFRESH_INTERVAL_FLOOR: Duration = Duration::from_millis(50);
/// The longest [`JwtConfig::key_max_age`] or
/// [`JwtConfig::serve_stale_keys_for`] accepted: seven days.
pub const MAX_KEY_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

impl JwtConfig {
    /// Requires `iss` to be exactly `issuer`, `aud` in `audiences` and
    /// `exp`; 30 s leeway, an 8 KiB size cap. Keys fetched from a source
    /// are used for an hour, then refetched; if the issuer cannot be reached
    /// they are used for one more hour, then refused; an unknown `kid`
    /// fetches at most once every ten seconds.
    ///
    /// # Errors
    /// [`JwtConfigError::NoIssuer`] (empty issuer) /
    /// [`JwtConfigError::NoAudience`].
    pub fn new<A>(issuer: impl Into<String>, audiences: A) -> Result<Self, JwtConfigError>
    where
        A: IntoIterator,
        A::Item: Into<String>,
    {
        let issuer = issuer.into();
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        if issuer.is_empty() {
            return Err(JwtConfigError::NoIssuer);
        }
        if audiences.is_empty() {
            return Err(JwtConfigError::NoAudience);
        }
        Ok(JwtConfig {
            issuer,
            audiences,
            require_aud: true,
            leeway: Duration::from_secs(30),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            lifetime: KeyLifetime {
                max_age: DEFAULT_KEY_MAX_AGE,
                stale_for: DEFAULT_STALE_FOR,
                min_refresh_interval: DEFAULT_MIN_REFRESH_INTERVAL,
            },
            cognito: None,
            typ: None,
            check: None,
        })
    }

    /// The issuer this configuration accepts.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Cognito access tokens: they carry no `aud`, so `aud` is not required
    /// and `client_id` must be one of `client_ids` instead; `token_use` must
    /// be `access`.
    ///
    /// # Errors
    /// [`JwtConfigError::NoIssuer`] / [`JwtConfigError::NoAudience`] (no client id).
    pub fn cognito_access<C>(
        issuer: impl Into<String>,
        client_ids: C,
    ) -> Result<Self, JwtConfigError>
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        let clients: Vec<String> = client_ids.into_iter().map(Into::into).collect();
        let mut c = Self::new(issuer, clients.clone())?;
        c.require_aud = false;
        c.audiences.clear();
        c.cognito = Some((TokenUse::Access, clients));
        Ok(c)
    }

    /// Cognito ID tokens: `aud` must be one of `client_ids`, `token_use` `id`.
    ///
    /// # Errors
    /// As [`JwtConfig::new`].
    pub fn cognito_id<C>(issuer: impl Into<String>, client_ids: C) -> Result<Self, JwtConfigError>
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        let clients: Vec<String> = client_ids.into_iter().map(Into::into).collect();
        let mut c = Self::new(issuer, clients.clone())?;
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

    /// Shortest interval between two key-set fetches triggered by unknown
    /// `kid`s (default 10 seconds), and the shortest `Cache-Control:
    /// max-age` of the issuer's that is obeyed. A token with a `kid` the
    /// issuer does not publish costs at most one fetch per interval, however
    /// many such tokens arrive; a key the issuer has just added is picked up
    /// by the first token that names it. Values under
    /// [`MIN_REFRESH_INTERVAL_FLOOR`] are raised to it, so the limit cannot
    /// be switched off.
    #[must_use]
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.lifetime.min_refresh_interval = interval.max(MIN_REFRESH_INTERVAL_FLOOR);
        self
    }

    /// How long a fetched key set is used before it is fetched again
    /// (default one hour). An issuer's `Cache-Control: max-age` shortens it
    /// (never below [`min_refresh_interval`](Self::min_refresh_interval)).
    ///
    /// # Errors
    /// [`JwtConfigError::KeyLifetime`] when zero or above [`MAX_KEY_LIFETIME`].
    pub fn key_max_age(mut self, max_age: Duration) -> Result<Self, JwtConfigError> {
        if max_age.is_zero() || max_age > MAX_KEY_LIFETIME {
            return Err(JwtConfigError::KeyLifetime(
                "key max age must be above zero and at most seven days",
            ));
        }
        self.lifetime.max_age = max_age;
        Ok(self)
    }

    /// How long past its maximum age a key set is still used while the
    /// issuer cannot be reached (default one hour); after that, every
    /// verification fails with [`JwtError::KeySetUnavailable`] until a
    /// fetch succeeds. Zero fails closed as soon as the keys are too old.
    ///
    /// # Errors
    /// [`JwtConfigError::KeyLifetime`] above [`MAX_KEY_LIFETIME`].
    pub fn serve_stale_keys_for(mut self, stale_for: Duration) -> Result<Self, JwtConfigError> {
        if stale_for > MAX_KEY_LIFETIME {
            return Err(JwtConfigError::KeyLifetime(
                "stale period must be at most seven days",
            ));
        }
        self.lifetime.stale_for = stale_for;
        Ok(self)
    }

    /// An application check (tenant, `amr`, `acr`, ...) run after every
    /// registered claim has passed; its refusal is
    /// [`JwtError::Rejected`].
    ///
    /// ```
    /// use secure_serverless::jwt::{ClaimRejected, JwtConfig};
    /// let config = JwtConfig::new("https://issuer.example", ["api"])?.claims_check(|claims| {
    ///     match claims.claims().get("amr").and_then(|v| v.as_array()) {
    ///         Some(methods) if methods.iter().any(|m| m == "mfa") => Ok(()),
    ///         _ => Err(ClaimRejected::new("mfa_required")),
    ///     }
    /// });
    /// # Ok::<(), secure_serverless::jwt::JwtConfigError>(())
    /// ```
    #[must_use]
    pub fn claims_check<F>(mut self, check: F) -> Self
    where
        F: Fn(&VerifiedClaims) -> Result<(), ClaimRejected> + Send + Sync + 'static,
    {
        self.check = Some(Arc::new(check));
        self
    }

    /// The registered claims a token must carry.
    pub(super) fn required_claims(&self) -> &'static [&'static str] {
        if self.require_aud {
            &["exp", "iss", "aud"]
        } else {
            &["exp", "iss"]
        }
    }
}
