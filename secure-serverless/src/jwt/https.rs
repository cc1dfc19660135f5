//! [`JwksUrl`]: a JWKS fetched over HTTPS (feature `jwks-https`).

use std::fmt;
use std::time::Duration;

use super::error::{JwtConfigError, KeySourceError};
use super::source::JwksSource;

/// A JWKS fetched over HTTPS, such as Cognito's
/// `https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`.
///
/// TLS is rustls (ring) with Mozilla's root certificates, or roots you give
/// for a private CA. Each fetch has a timeout (5 s) and a size cap (256 KiB);
/// anything but a `200` is an error, so a failed refresh keeps the keys the
/// verifier already has. Only `https` URLs are accepted.
///
/// ```
/// use secure_serverless::jwt::JwksUrl;
/// let url = JwksUrl::new("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json")?;
/// assert_eq!(url.host(), "cognito-idp.eu-west-1.amazonaws.com");
/// assert!(JwksUrl::new("http://issuer.example/jwks.json").is_err());
/// # Ok::<(), secure_serverless::jwt::JwtConfigError>(())
/// ```
#[derive(Clone)]
pub struct JwksUrl {
    host: String,
    port: u16,
    path: String,
    tls: std::sync::Arc<tokio_rustls::rustls::ClientConfig>,
    timeout: Duration,
}

impl fmt::Debug for JwksUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "JwksUrl(https://{}:{}{})",
            self.host, self.port, self.path
        )
    }
}

/// Largest JWKS document [`JwksUrl`] accepts.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

impl JwksUrl {
    /// A source for `url`, trusting Mozilla's root certificates.
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidJwksUrl`] unless `url` is `https://host[:port]/path`.
    pub fn new(url: &str) -> Result<Self, JwtConfigError> {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self::with_roots(url, roots)
    }

    /// A source for `url` trusting only `roots` (a private CA, or tests).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_roots(
        url: &str,
        roots: tokio_rustls::rustls::RootCertStore,
    ) -> Result<Self, JwtConfigError> {
        let bad = || JwtConfigError::InvalidJwksUrl(crate::untrusted::excerpt(url));
        // RFC 3986 parsing by the `http` crate (hyper's own URI type).
        let uri: hyper::Uri = url.parse().map_err(|_| bad())?;
        let authority = uri.authority().ok_or_else(bad)?;
        if uri.scheme() != Some(&hyper::http::uri::Scheme::HTTPS)
            || authority.as_str().contains('@')
            || url.contains(['#', ' '])
        {
            return Err(bad());
        }
        // `host:port` with a port that fits in 16 bits, or `host` alone.
        let port = match authority.as_str().strip_prefix(authority.host()) {
            Some("") => 443,
            Some(rest) => rest
                .strip_prefix(':')
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(bad)?,
            None => return Err(bad()),
        };
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty()
            || tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned()).is_err()
        {
            return Err(bad());
        }
        // The request target: the path (`/` when empty) and the query.
        let path = match (uri.path(), uri.query()) {
            ("", None) => "/".to_owned(),
            ("", Some(q)) => format!("/?{q}"),
            (p, None) => p.to_owned(),
            (p, Some(q)) => format!("{p}?{q}"),
        };
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let tls = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| bad())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(JwksUrl {
            host: host.to_owned(),
            port,
            path,
            tls: std::sync::Arc::new(tls),
            timeout: Duration::from_secs(5),
        })
    }

    /// The host the keys come from.
    pub fn host(&self) -> &str {
        &self.host
    }

    async fn get(&self) -> Result<String, KeySourceError> {
        let failed = |reason: String| KeySourceError::Fetch {
            host: self.host.clone(),
            reason,
        };
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| failed(format!("connect: {e}")))?;
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.host.clone())
            .map_err(|e| failed(format!("server name: {e}")))?;
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::clone(&self.tls))
            .connect(name, tcp)
            .await
            .map_err(|e| failed(format!("TLS: {e}")))?;
        let host_header = if self.port == 443 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        };
        let req = hyper::Request::get(self.path.as_str())
            .header(hyper::header::HOST, host_header)
            .header(hyper::header::ACCEPT, "application/json")
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .map_err(|e| failed(format!("request: {e}")))?;
        let (status, body) = crate::http1::get(tls, req, MAX_JWKS_BYTES)
            .await
            .map_err(|e| failed(e.to_string()))?;
        if status != hyper::StatusCode::OK {
            return Err(KeySourceError::Status {
                host: self.host.clone(),
                status: status.as_u16(),
            });
        }
        String::from_utf8(body.to_vec()).map_err(|_| KeySourceError::NotUtf8)
    }
}

impl JwksSource for JwksUrl {
    async fn fetch(&self) -> Result<String, KeySourceError> {
        tokio::time::timeout(self.timeout, self.get())
            .await
            .map_err(|_| KeySourceError::Timeout {
                host: self.host.clone(),
                after: self.timeout,
            })?
    }
}
