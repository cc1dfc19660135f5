//! Where a JWKS document comes from: [`JwksSource`] and its implementations.

use std::future::Future;

use super::error::KeySourceError;
#[cfg(feature = "jwks-https")]
use super::https::JwksUrl;

/// Where a JWKS document comes from.
pub trait JwksSource: Send + Sync {
    /// Fetches the document's text.
    fn fetch(&self) -> impl Future<Output = Result<String, KeySourceError>> + Send;
}

/// A JWKS read from a file at each refresh.
#[derive(Debug, Clone)]
pub struct JwksFile(pub std::path::PathBuf);

impl JwksSource for JwksFile {
    async fn fetch(&self) -> Result<String, KeySourceError> {
        std::fs::read_to_string(&self.0).map_err(|e| KeySourceError::File {
            path: self.0.clone(),
            reason: e.to_string(),
        })
    }
}

/// A JWKS held in an environment variable.
#[derive(Debug, Clone)]
pub struct JwksEnv(pub String);

impl JwksSource for JwksEnv {
    async fn fetch(&self) -> Result<String, KeySourceError> {
        std::env::var(&self.0).map_err(|_| KeySourceError::EnvNotSet(self.0.clone()))
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
    async fn fetch(&self) -> Result<String, KeySourceError> {
        match self {
            AnyJwks::File(s) => s.fetch().await,
            AnyJwks::Env(s) => s.fetch().await,
            AnyJwks::Fixed(s) => s.fetch().await,
            #[cfg(feature = "jwks-https")]
            AnyJwks::Url(s) => s.fetch().await,
        }
    }
}

/// No refresh source: the key set is fixed.
#[derive(Debug, Clone, Copy)]
pub struct NoRefresh;

impl JwksSource for NoRefresh {
    async fn fetch(&self) -> Result<String, KeySourceError> {
        Err(KeySourceError::NotConfigured)
    }
}
