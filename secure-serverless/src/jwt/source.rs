//! Where a JWKS document comes from: [`JwksSource`] and its implementations.

use std::future::Future;
use std::time::Duration;

#[cfg(feature = "jwks-https")]
use super::discovery::OidcIssuer;
use super::error::KeySourceError;
#[cfg(feature = "jwks-https")]
use super::https::JwksUrl;

/// A fetched JWKS document, and how long its source says it may be cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksDocument {
    /// The document's text.
    pub text: String,
    /// The source's freshness limit (an HTTP `Cache-Control: max-age`),
    /// when it gives one.
    pub max_age: Option<Duration>,
}

impl From<String> for JwksDocument {
    fn from(text: String) -> Self {
        JwksDocument {
            text,
            max_age: None,
        }
    }
}

/// Where a JWKS document comes from.
pub trait JwksSource: Send + Sync {
    /// Fetches the document.
    fn fetch(&self) -> impl Future<Output = Result<JwksDocument, KeySourceError>> + Send;

    /// The one issuer whose keys this source serves, when it knows it (an
    /// OpenID discovery source does): a verifier configured for another
    /// issuer refuses every token. Default: `None`.
    fn issuer(&self) -> Option<&str> {
        None
    }

    /// Whether [`fetch`](Self::fetch) can ever return keys (`false` for a
    /// fixed key set): a source that cannot is never asked. Default: `true`.
    fn refreshes(&self) -> bool {
        true
    }
}

/// A JWKS read from a file at each refresh.
#[derive(Debug, Clone)]
pub struct JwksFile(pub std::path::PathBuf);

impl JwksSource for JwksFile {
    async fn fetch(&self) -> Result<JwksDocument, KeySourceError> {
        std::fs::read_to_string(&self.0)
            .map(JwksDocument::from)
            .map_err(|e| KeySourceError::File {
                path: self.0.clone(),
                reason: e.to_string(),
            })
    }
}

/// A JWKS held in an environment variable.
#[derive(Debug, Clone)]
pub struct JwksEnv(pub String);

impl JwksSource for JwksEnv {
    async fn fetch(&self) -> Result<JwksDocument, KeySourceError> {
        std::env::var(&self.0)
            .map(JwksDocument::from)
            .map_err(|_| KeySourceError::EnvNotSet(self.0.clone()))
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
    /// Found through the issuer's OpenID discovery document.
    #[cfg(feature = "jwks-https")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
    Oidc(OidcIssuer),
}

impl JwksSource for AnyJwks {
    async fn fetch(&self) -> Result<JwksDocument, KeySourceError> {
        match self {
            AnyJwks::File(s) => s.fetch().await,
            AnyJwks::Env(s) => s.fetch().await,
            AnyJwks::Fixed(s) => s.fetch().await,
            #[cfg(feature = "jwks-https")]
            AnyJwks::Url(s) => s.fetch().await,
            #[cfg(feature = "jwks-https")]
            AnyJwks::Oidc(s) => s.fetch().await,
        }
    }

    fn issuer(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "jwks-https")]
            AnyJwks::Oidc(s) => Some(s.issuer()),
            _ => None,
        }
    }

    fn refreshes(&self) -> bool {
        !matches!(self, AnyJwks::Fixed(_))
    }
}

/// No refresh source: the key set is fixed.
#[derive(Debug, Clone, Copy)]
pub struct NoRefresh;

impl JwksSource for NoRefresh {
    async fn fetch(&self) -> Result<JwksDocument, KeySourceError> {
        Err(KeySourceError::NotConfigured)
    }

    fn refreshes(&self) -> bool {
        false
    }
}
