//! [`JwtConfig`]: what a token must satisfy.

use std::time::Duration;

use super::error::JwtConfigError;
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

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub(super) issuers: Vec<String>,
    pub(super) audiences: Vec<String>,
    pub(super) require_aud: bool,
    pub(super) leeway: Duration,
    pub(super) max_token_bytes: usize,
    pub(super) min_refresh_interval: Duration,
    pub(super) cognito: Option<(TokenUse, Vec<String>)>,
    pub(super) typ: Option<String>,
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
    pub(super) fn required_claims(&self) -> &'static [&'static str] {
        if self.require_aud {
            &["exp", "iss", "aud"]
        } else {
            &["exp", "iss"]
        }
    }
}
