//! OpenID Connect discovery: the issuer's `/.well-known/openid-configuration`
//! document names the JWKS URL ([OpenID Connect Discovery 1.0], sections 3
//! and 4).
//!
//! [OpenID Connect Discovery 1.0]: https://openid.net/specs/openid-connect-discovery-1_0.html

#[cfg(feature = "jwks-https")]
use std::fmt;

use serde_json::Value;

#[cfg(feature = "jwks-https")]
use super::config::JwtConfig;
#[cfg(feature = "jwks-https")]
use super::error::JwtConfigError;
use super::error::KeySourceError;
#[cfg(feature = "jwks-https")]
use super::https::{HttpsTarget, JwksUrl, mozilla_roots, tls_config};
#[cfg(feature = "jwks-https")]
use super::source::{JwksDocument, JwksSource};

/// What the verifier takes from an OpenID provider's discovery document.
///
/// ```
/// use secure_serverless::jwt::DiscoveryDocument;
/// let doc = r#"{"issuer":"https://id.example","jwks_uri":"https://id.example/keys"}"#;
/// assert_eq!(DiscoveryDocument::parse(doc, "https://id.example")?.jwks_uri(), "https://id.example/keys");
/// assert!(DiscoveryDocument::parse(doc, "https://id.example/").is_err());
/// # Ok::<(), secure_serverless::jwt::KeySourceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryDocument {
    jwks_uri: String,
}

impl DiscoveryDocument {
    /// Parses `json` for `expected_issuer`: its `issuer` must be exactly
    /// `expected_issuer` (section 4.3: "MUST be identical", so a provider
    /// cannot hand out another issuer's keys), and it must name a
    /// `jwks_uri`.
    ///
    /// # Errors
    /// [`KeySourceError::IssuerMismatch`] or [`KeySourceError::Discovery`].
    pub fn parse(json: &str, expected_issuer: &str) -> Result<Self, KeySourceError> {
        let bad = |why: &str| KeySourceError::Discovery(why.to_owned());
        let doc: serde_json::Map<String, Value> =
            serde_json::from_str(json).map_err(|_| bad("not a JSON object"))?;
        match doc.get("issuer") {
            Some(Value::String(issuer)) if issuer == expected_issuer => {}
            Some(Value::String(issuer)) => {
                return Err(KeySourceError::IssuerMismatch {
                    expected: expected_issuer.to_owned(),
                    found: crate::untrusted::excerpt(issuer),
                });
            }
            _ => return Err(bad("no issuer")),
        }
        match doc.get("jwks_uri") {
            Some(Value::String(uri)) if !uri.is_empty() => Ok(DiscoveryDocument {
                jwks_uri: uri.clone(),
            }),
            _ => Err(bad("no jwks_uri")),
        }
    }

    /// The issuer's JWKS URL.
    pub fn jwks_uri(&self) -> &str {
        &self.jwks_uri
    }
}

/// Keys found through an issuer's OpenID discovery document (feature
/// `jwks-https`): the first fetch reads
/// `{issuer}/.well-known/openid-configuration`, checks that it names this
/// issuer exactly, and takes its `jwks_uri` (which must be `https`, as for
/// [`JwksUrl`]); every fetch then reads the JWKS from there. Both requests
/// trust the same roots and have the same timeout and size cap as
/// [`JwksUrl`].
///
/// ```
/// use secure_serverless::jwt::{AnyJwks, JwtConfig, JwtVerifier, OidcIssuer};
/// let config = JwtConfig::new("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", ["client"])?;
/// // Keys on first use; `JwtVerifier::load(...).await` fetches them at start-up instead.
/// let verifier = JwtVerifier::lazy(config.clone(), AnyJwks::Oidc(OidcIssuer::for_config(&config)?));
/// assert!(OidcIssuer::new("http://issuer.example").is_err());
/// # Ok::<(), secure_serverless::jwt::JwtConfigError>(())
/// ```
#[cfg(feature = "jwks-https")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-https")))]
#[derive(Clone)]
pub struct OidcIssuer {
    issuer: String,
    discovery: HttpsTarget,
    /// The discovered JWKS URL, forgotten after a failed JWKS fetch so the
    /// next fetch reads the discovery document again.
    jwks: std::sync::Arc<std::sync::Mutex<Option<JwksUrl>>>,
}

#[cfg(feature = "jwks-https")]
impl fmt::Debug for OidcIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcIssuer")
            .field("issuer", &self.issuer)
            .field(
                "jwks",
                &*self
                    .jwks
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            )
            .finish()
    }
}

#[cfg(feature = "jwks-https")]
impl OidcIssuer {
    /// Discovery for `issuer`, trusting Mozilla's root certificates.
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidIssuerUrl`] unless `issuer` is an `https`
    /// URL without query or fragment (section 2 of the specification).
    pub fn new(issuer: &str) -> Result<Self, JwtConfigError> {
        Self::with_roots(issuer, mozilla_roots())
    }

    /// Discovery for the issuer of `config`.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn for_config(config: &JwtConfig) -> Result<Self, JwtConfigError> {
        Self::new(config.issuer())
    }

    /// Discovery for `issuer` trusting only `roots` (a private CA, or tests).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_roots(issuer: &str, roots: rustls::RootCertStore) -> Result<Self, JwtConfigError> {
        let bad = || JwtConfigError::InvalidIssuerUrl(crate::untrusted::excerpt(issuer));
        if issuer.contains(['?', '#']) {
            return Err(bad());
        }
        // Section 4: a terminating `/` is removed before the well-known path
        // is appended.
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let tls = tls_config(roots).ok_or_else(bad)?;
        let discovery = HttpsTarget::parse(&url, tls).ok_or_else(bad)?;
        Ok(OidcIssuer {
            issuer: issuer.to_owned(),
            discovery,
            jwks: std::sync::Arc::default(),
        })
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    async fn discover(&self) -> Result<JwksUrl, KeySourceError> {
        let doc = self.discovery.get().await?;
        let found = DiscoveryDocument::parse(&doc.text, &self.issuer)?;
        HttpsTarget::parse(found.jwks_uri(), self.discovery.tls())
            .map(JwksUrl)
            .ok_or_else(|| {
                KeySourceError::Discovery(format!(
                    "jwks_uri is not an https URL: {}",
                    crate::untrusted::excerpt(found.jwks_uri())
                ))
            })
    }
}

#[cfg(feature = "jwks-https")]
impl JwksSource for OidcIssuer {
    /// The JWKS, after discovering its URL on the first call; a failed
    /// discovery, or a failed JWKS fetch, is followed by a fresh discovery on
    /// the next fetch (the provider may have moved its keys).
    async fn fetch(&self) -> Result<JwksDocument, KeySourceError> {
        let known = self
            .jwks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let jwks = match known {
            Some(url) => url,
            None => {
                let url = self.discover().await?;
                *self
                    .jwks
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(url.clone());
                url
            }
        };
        let result = jwks.fetch().await;
        if result.is_err() {
            *self
                .jwks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
        result
    }

    fn issuer(&self) -> Option<&str> {
        Some(&self.issuer)
    }
}
