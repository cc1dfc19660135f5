//! [`JwksUrl`]: a JWKS fetched over HTTPS (feature `jwks-https`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};

use super::error::{JwtConfigError, KeySourceError};
use super::source::{JwksDocument, JwksSource};

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
pub struct JwksUrl(pub(super) HttpsTarget);

/// One `https` URL and the TLS settings to fetch it with.
#[derive(Clone)]
pub(super) struct HttpsTarget {
    host: String,
    port: u16,
    path: String,
    tls: Arc<ClientConfig>,
    timeout: Duration,
}

impl fmt::Debug for JwksUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwksUrl({:?})", self.0)
    }
}

impl fmt::Debug for HttpsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}:{}{}", self.host, self.port, self.path)
    }
}

/// Largest JWKS (or discovery) document [`JwksUrl`] accepts.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Mozilla's root certificates (webpki-roots).
pub(super) fn mozilla_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots
}

/// TLS 1.2/1.3 with ring, trusting `roots`.
pub(super) fn tls_config(roots: RootCertStore) -> Option<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Some(Arc::new(tls))
}

impl JwksUrl {
    /// A source for `url`, trusting Mozilla's root certificates.
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidJwksUrl`] unless `url` is `https://host[:port]/path`.
    pub fn new(url: &str) -> Result<Self, JwtConfigError> {
        Self::with_roots(url, mozilla_roots())
    }

    /// A source for `url` trusting only `roots` (a private CA, or tests).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_roots(url: &str, roots: RootCertStore) -> Result<Self, JwtConfigError> {
        let bad = || JwtConfigError::InvalidJwksUrl(crate::untrusted::excerpt(url));
        let tls = tls_config(roots).ok_or_else(bad)?;
        HttpsTarget::parse(url, tls).map(JwksUrl).ok_or_else(bad)
    }

    /// The host the keys come from.
    pub fn host(&self) -> &str {
        &self.0.host
    }
}

impl HttpsTarget {
    /// `url` if it is `https://host[:port][/path][?query]` (no user info,
    /// no fragment).
    pub(super) fn parse(url: &str, tls: Arc<ClientConfig>) -> Option<Self> {
        // RFC 3986 parsing by the `http` crate (hyper's own URI type).
        let uri: hyper::Uri = url.parse().ok()?;
        let authority = uri.authority()?;
        if uri.scheme() != Some(&hyper::http::uri::Scheme::HTTPS)
            || authority.as_str().contains('@')
            || url.contains(['#', ' '])
        {
            return None;
        }
        // `host:port` with a port that fits in 16 bits, or `host` alone.
        let port = match authority.as_str().strip_prefix(authority.host())? {
            "" => 443,
            rest => rest.strip_prefix(':')?.parse::<u16>().ok()?,
        };
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() || ServerName::try_from(host.to_owned()).is_err() {
            return None;
        }
        // The request target: the path (`/` when empty) and the query.
        let path = match (uri.path(), uri.query()) {
            ("", None) => "/".to_owned(),
            ("", Some(q)) => format!("/?{q}"),
            (p, None) => p.to_owned(),
            (p, Some(q)) => format!("{p}?{q}"),
        };
        Some(HttpsTarget {
            host: host.to_owned(),
            port,
            path,
            tls,
            timeout: Duration::from_secs(5),
        })
    }

    pub(super) fn host(&self) -> &str {
        &self.host
    }

    pub(super) fn tls(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.tls)
    }

    async fn get_once(&self) -> Result<JwksDocument, KeySourceError> {
        let failed = |reason: String| KeySourceError::Fetch {
            host: self.host.clone(),
            reason,
        };
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| failed(format!("connect: {e}")))?;
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| failed(format!("server name: {e}")))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::clone(&self.tls))
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
        let (status, headers, body) = crate::http1::get(tls, req, MAX_JWKS_BYTES)
            .await
            .map_err(|e| failed(e.to_string()))?;
        if status != hyper::StatusCode::OK {
            return Err(KeySourceError::Status {
                host: self.host.clone(),
                status: status.as_u16(),
            });
        }
        let text = String::from_utf8(body.to_vec()).map_err(|_| KeySourceError::NotUtf8)?;
        Ok(JwksDocument {
            text,
            max_age: cache_max_age(&headers),
        })
    }

    /// One GET, bounded by the timeout.
    pub(super) async fn get(&self) -> Result<JwksDocument, KeySourceError> {
        tokio::time::timeout(self.timeout, self.get_once())
            .await
            .map_err(|_| KeySourceError::Timeout {
                host: self.host.clone(),
                after: self.timeout,
            })?
    }
}

/// How long a response may be cached by its `Cache-Control` header (RFC 9111,
/// section 5.2.2): `no-store` and `no-cache` mean zero, otherwise `max-age`
/// (the smallest if repeated); `None` when neither is given or the header is
/// unreadable. One directive is read, so this stays a few lines rather than
/// a dependency on a header-parsing crate.
fn cache_max_age(headers: &hyper::HeaderMap) -> Option<Duration> {
    let mut max_age: Option<u64> = None;
    for value in headers.get_all(hyper::header::CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',').map(str::trim) {
            let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
            let seconds =
                if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                    Some(0)
                } else if name.eq_ignore_ascii_case("max-age") {
                    arg.trim_matches('"').parse::<u64>().ok()
                } else {
                    None
                };
            if let Some(s) = seconds {
                max_age = Some(max_age.map_or(s, |m| m.min(s)));
            }
        }
    }
    max_age.map(Duration::from_secs)
}

impl JwksSource for JwksUrl {
    async fn fetch(&self) -> Result<JwksDocument, KeySourceError> {
        self.0.get().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> hyper::HeaderMap {
        let mut h = hyper::HeaderMap::new();
        for v in values {
            h.append(hyper::header::CACHE_CONTROL, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn cache_control_max_age_is_read() {
        let secs = |v: &[&str]| cache_max_age(&headers(v)).map(|d| d.as_secs());
        assert_eq!(secs(&[]), None);
        assert_eq!(secs(&["public, max-age=3600"]), Some(3600));
        assert_eq!(secs(&["Max-Age=\"60\""]), Some(60));
        assert_eq!(secs(&["max-age=600", "max-age=60"]), Some(60));
        assert_eq!(secs(&["no-store"]), Some(0));
        assert_eq!(secs(&["max-age=600, no-cache"]), Some(0));
        assert_eq!(secs(&["max-age=soon"]), None);
        assert_eq!(secs(&["public"]), None);
    }
}
