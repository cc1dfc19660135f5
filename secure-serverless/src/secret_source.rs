//! Where accepted secrets come from, and how long they are trusted.
//!
//! * [`ExtensionSource`] reads a secret from AWS Secrets Manager through the
//!   AWS Parameters and Secrets Lambda Extension's localhost endpoint (no AWS
//!   SDK, no TLS: the extension listens on `localhost:2773` and authenticates
//!   requests with the function's session token). It fetches `AWSCURRENT` and,
//!   during a rotation, `AWSPREVIOUS`.
//! * [`StaticSource`] holds secrets from the environment or a file, for local
//!   runs and tests. (Deployed functions keep only the secret's *id* in their
//!   environment, never its value.)
//! * [`CachedSecrets`] wraps a source with a TTL, so a warm function asks the
//!   extension at most once per TTL. When a refresh fails it keeps serving the
//!   last good value for a bounded grace period, then fails closed.
//!
//! `AWSPREVIOUS` is accepted only for a bounded time after a rotation
//! ([`CachedSecrets::previous_grace`], default [`DEFAULT_PREVIOUS_GRACE`]),
//! counted from the moment the current value came to be (its `CreatedDate`
//! in Secrets Manager, the file's modification time for a [`FileSource`]):
//! a leaked old value does not stay valid until the next rotation. A source
//! that cannot say when the current value was created (values given in the
//! environment) keeps the previous value for as long as it is given.
//!
//! Errors never contain a secret value.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::secret::{AcceptedSecrets, SecretError};

/// The versions a source currently holds.
#[derive(Debug, Clone)]
pub struct SecretVersions {
    /// `AWSCURRENT`.
    pub current: SecretString,
    /// `AWSPREVIOUS`, while a rotation keeps it valid.
    pub previous: Option<SecretString>,
    /// When the current value was created (the rotation that made it
    /// current happened after), if the source knows.
    pub current_since: Option<SystemTime>,
}

/// How long after a rotation the previous value is still accepted, unless
/// [`CachedSecrets::previous_grace`] says otherwise: 30 minutes, enough for
/// the rotation to switch CloudFront and for CloudFront to deploy the new
/// header (minutes), short enough that a leaked old value is soon worthless.
pub const DEFAULT_PREVIOUS_GRACE: Duration = Duration::from_secs(30 * 60);

/// A secret could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretSourceError {
    /// A required environment variable is unset or not Unicode.
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// A secret file cannot be read.
    #[error("cannot read secret file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The extension (or its transport) failed.
    #[error("secrets extension request for {secret_id} ({stage}) failed: {reason}")]
    Extension {
        /// The secret id asked for (not its value).
        secret_id: String,
        /// The version stage asked for.
        stage: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A loaded secret is unusable.
    #[error(transparent)]
    Invalid(#[from] SecretError),
    /// A setting naming the source is blank or contradictory.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// Something that can load the accepted versions of a secret.
pub trait SecretSource: Send + Sync {
    /// Loads the current (and, if any, previous) version.
    fn fetch(&self) -> impl Future<Output = Result<SecretVersions, SecretSourceError>> + Send;
}

/// Secrets given at start-up: from env vars, a file, or code.
#[derive(Debug, Clone)]
pub struct StaticSource {
    versions: SecretVersions,
}

impl StaticSource {
    /// Fixed versions.
    pub fn new(current: SecretString, previous: Option<SecretString>) -> Self {
        StaticSource {
            versions: SecretVersions {
                current,
                previous,
                current_since: None,
            },
        }
    }

    /// Reads `current_var` (required) and `previous_var` (optional).
    ///
    /// # Errors
    /// [`SecretSourceError::MissingEnv`] when `current_var` is unset.
    pub fn from_env(current_var: &str, previous_var: &str) -> Result<Self, SecretSourceError> {
        let current = std::env::var(current_var)
            .map_err(|_| SecretSourceError::MissingEnv(current_var.to_owned()))?;
        let previous = std::env::var(previous_var).ok().filter(|p| !p.is_empty());
        Ok(Self::new(current.into(), previous.map(Into::into)))
    }

    /// Reads a file whose first line is the current secret and whose optional
    /// second line is the previous one.
    ///
    /// # Errors
    /// [`SecretSourceError::File`] when the file cannot be read.
    pub fn from_file(path: &Path) -> Result<Self, SecretSourceError> {
        let text = std::fs::read_to_string(path).map_err(|source| SecretSourceError::File {
            path: path.display().to_string(),
            source,
        })?;
        let (current, previous) = parse_secret_file(&text);
        Ok(Self::new(current.into(), previous.map(Into::into)))
    }
}

fn parse_secret_file(text: &str) -> (String, Option<String>) {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let current = lines.next().unwrap_or_default().to_owned();
    let previous = lines.next().filter(|l| !l.is_empty()).map(str::to_owned);
    (current, previous)
}

impl SecretSource for StaticSource {
    async fn fetch(&self) -> Result<SecretVersions, SecretSourceError> {
        Ok(self.versions.clone())
    }
}

/// A file re-read on every fetch (put a [`CachedSecrets`] in front): lets a
/// local stack rotate its secret by rewriting the file.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: std::path::PathBuf,
}

impl FileSource {
    /// Reads `path` (format of [`StaticSource::from_file`]) on each fetch.
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        FileSource { path: path.into() }
    }
}

impl SecretSource for FileSource {
    async fn fetch(&self) -> Result<SecretVersions, SecretSourceError> {
        let text = tokio::fs::read_to_string(&self.path)
            .await
            .map_err(|source| SecretSourceError::File {
                path: self.path.display().to_string(),
                source,
            })?;
        let (current, previous) = parse_secret_file(&text);
        // A rotation rewrites the file: its modification time is when the
        // current value came to be.
        let current_since = tokio::fs::metadata(&self.path)
            .await
            .ok()
            .and_then(|m| m.modified().ok());
        Ok(SecretVersions {
            current: current.into(),
            previous: previous.map(Into::into),
            current_since,
        })
    }
}

/// AWS Secrets Manager through the Parameters and Secrets Lambda Extension.
#[derive(Debug, Clone)]
pub struct ExtensionSource {
    secret_id: String,
    endpoint: String,
    token: Option<SecretString>,
    timeout: Duration,
}

/// The extension's default port.
pub const EXTENSION_DEFAULT_PORT: u16 = 2773;

impl ExtensionSource {
    /// Reads `secret_id` (a name or ARN) through the extension on its port
    /// (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`, default 2773), authenticating
    /// with `AWS_SESSION_TOKEN`.
    pub fn new(secret_id: impl Into<String>) -> Self {
        let port = std::env::var("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
            .ok()
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(EXTENSION_DEFAULT_PORT);
        Self::with_endpoint(secret_id, format!("127.0.0.1:{port}"))
    }

    /// Like [`new`](Self::new) with an explicit `host:port` (tests use a local
    /// server that answers like the extension).
    pub fn with_endpoint(secret_id: impl Into<String>, endpoint: impl Into<String>) -> Self {
        ExtensionSource {
            secret_id: secret_id.into(),
            endpoint: endpoint.into(),
            token: None,
            timeout: Duration::from_secs(2),
        }
    }

    /// Uses `token` instead of reading `AWS_SESSION_TOKEN` at each request.
    #[must_use]
    pub fn with_session_token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// The version's value and its `CreatedDate` (epoch seconds in the
    /// `GetSecretValue` answer), `None` when the stage does not exist.
    async fn get(
        &self,
        stage: &'static str,
    ) -> Result<Option<(SecretString, Option<SystemTime>)>, SecretSourceError> {
        let err = |reason: String| SecretSourceError::Extension {
            secret_id: self.secret_id.clone(),
            stage,
            reason,
        };
        let token = match &self.token {
            Some(t) => t.expose_secret().to_owned(),
            None => std::env::var("AWS_SESSION_TOKEN")
                .map_err(|_| err("AWS_SESSION_TOKEN is not set".into()))?,
        };
        let path = format!(
            "/secretsmanager/get?secretId={}&versionStage={stage}",
            percent_encode(&self.secret_id)
        );
        let (status, body) =
            tokio::time::timeout(self.timeout, http_get(&self.endpoint, &path, &token))
                .await
                .map_err(|_| err("timed out".into()))?
                .map_err(err)?;
        if status == 200 {
            let v: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| err(format!("response is not JSON: {e}")))?;
            let s = v
                .get("SecretString")
                .and_then(|s| s.as_str())
                .ok_or_else(|| err("response has no SecretString".into()))?;
            let created = v.get("CreatedDate").and_then(created_date);
            return Ok(Some((SecretString::from(s.to_owned()), created)));
        }
        // The extension answers 4xx when the version stage does not exist,
        // which is normal for AWSPREVIOUS outside a rotation.
        if stage == "AWSPREVIOUS" && (400..500).contains(&status) {
            return Ok(None);
        }
        Err(err(format!("HTTP status {status}")))
    }
}

impl SecretSource for ExtensionSource {
    async fn fetch(&self) -> Result<SecretVersions, SecretSourceError> {
        let (current, previous) = tokio::join!(self.get("AWSCURRENT"), self.get("AWSPREVIOUS"));
        let (current, created) = current?.ok_or_else(|| SecretSourceError::Extension {
            secret_id: self.secret_id.clone(),
            stage: "AWSCURRENT",
            reason: "no current version".into(),
        })?;
        // Secrets Manager always says when a version was created; without it
        // the age of the rotation is unknown, so the previous value is not
        // accepted at all (fail closed).
        let previous = previous?.map(|(p, _)| p);
        if created.is_none() && previous.is_some() {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                secret_id = %self.secret_id,
                "AWSCURRENT has no readable CreatedDate: AWSPREVIOUS is not accepted"
            );
        }
        let previous = previous.filter(|_| created.is_some());
        Ok(SecretVersions {
            current,
            previous,
            current_since: Some(created.unwrap_or(SystemTime::UNIX_EPOCH)),
        })
    }
}

/// A `CreatedDate` as the extension writes it: an RFC 3339 string
/// (`"2022-11-16T08:22:40.499Z"`), or epoch seconds as the Secrets Manager
/// API's own JSON does.
fn created_date(v: &serde_json::Value) -> Option<SystemTime> {
    match v {
        serde_json::Value::String(s) => humantime::parse_rfc3339(s)
            .or_else(|_| humantime::parse_rfc3339_weak(s))
            .ok(),
        serde_json::Value::Number(n) => n
            .as_f64()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .and_then(|t| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs_f64(t))),
        _ => None,
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One HTTP/1.1 GET to the extension on loopback.
async fn http_get(endpoint: &str, path: &str, token: &str) -> Result<(u16, Vec<u8>), String> {
    let stream = tokio::net::TcpStream::connect(endpoint)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, endpoint)
        .header("X-Aws-Parameters-Secrets-Token", token)
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .map_err(|e| format!("request: {e}"))?;
    let (status, _, body) = crate::http1::get(stream, req, usize::MAX).await?;
    Ok((status.as_u16(), body.to_vec()))
}

/// Any of this module's sources, chosen at start-up from the environment.
#[derive(Debug, Clone)]
pub enum AnySource {
    /// Secrets Manager through the Lambda extension.
    Extension(ExtensionSource),
    /// A file re-read at each refresh.
    File(FileSource),
    /// Values fixed at start-up.
    Static(StaticSource),
}

impl AnySource {
    /// Chooses a source from variables named after `prefix` (for example
    /// `ORIGIN_SECRET`): `{prefix}_ID` (a Secrets Manager id or ARN, read
    /// through the extension: the deployed form), else `{prefix}_FILE`, else
    /// `{prefix}` and optionally `{prefix}_PREVIOUS` (local runs only).
    ///
    /// # Errors
    /// [`SecretSourceError::MissingEnv`] naming `{prefix}_ID` when none is set;
    /// [`SecretSourceError::Config`] when one is set but blank, or when more
    /// than one is set (which one wins would be a guess).
    pub fn from_env(prefix: &str) -> Result<Self, SecretSourceError> {
        Self::from_vars(prefix, &crate::config::Vars::from_env())
    }

    /// [`from_env`](Self::from_env) on any settings.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(
        prefix: &str,
        vars: &crate::config::Vars<'_>,
    ) -> Result<Self, SecretSourceError> {
        let names = [
            format!("{prefix}_ID"),
            format!("{prefix}_FILE"),
            prefix.to_owned(),
        ];
        let [id, file, value] = [
            vars.optional(&names[0])?,
            vars.optional(&names[1])?,
            vars.optional(&names[2])?,
        ];
        let previous = vars.optional(&format!("{prefix}_PREVIOUS"))?;
        let set = [&id, &file, &value].iter().filter(|v| v.is_some()).count();
        if set > 1 || (previous.is_some() && value.is_none()) {
            return Err(crate::config::ConfigError::invalid(
                &names[0],
                format!(
                    "the only one set of {}, {} and {} (with {prefix}_PREVIOUS only beside {})",
                    names[0], names[1], names[2], names[2]
                ),
            )
            .into());
        }
        match (id, file, value) {
            (Some(id), _, _) => Ok(AnySource::Extension(ExtensionSource::new(id))),
            (_, Some(path), _) => Ok(AnySource::File(FileSource::new(path))),
            (_, _, Some(current)) => Ok(AnySource::Static(StaticSource::new(
                current.into(),
                previous.map(Into::into),
            ))),
            _ => Err(SecretSourceError::MissingEnv(names[0].clone())),
        }
    }
}

impl SecretSource for AnySource {
    async fn fetch(&self) -> Result<SecretVersions, SecretSourceError> {
        match self {
            AnySource::Extension(s) => s.fetch().await,
            AnySource::File(s) => s.fetch().await,
            AnySource::Static(s) => s.fetch().await,
        }
    }
}

struct Cached {
    fetched: Instant,
    /// Current and, while its grace lasts, previous.
    secrets: Arc<AcceptedSecrets>,
    /// Current only, once the previous value's grace is over.
    current_only: Arc<AcceptedSecrets>,
    /// When the previous value stops being accepted (`None`: never).
    previous_until: Option<Instant>,
}

impl Cached {
    fn accepted(&self) -> Arc<AcceptedSecrets> {
        match self.previous_until {
            Some(until) if Instant::now() >= until => Arc::clone(&self.current_only),
            _ => Arc::clone(&self.secrets),
        }
    }
}

/// A [`SecretSource`] behind a TTL cache.
pub struct CachedSecrets<S> {
    source: S,
    ttl: Duration,
    max_stale: Duration,
    previous_grace: Duration,
    state: tokio::sync::Mutex<Option<Cached>>,
}

impl<S> std::fmt::Debug for CachedSecrets<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSecrets")
            .field("ttl", &self.ttl)
            .field("max_stale", &self.max_stale)
            .field("previous_grace", &self.previous_grace)
            .finish()
    }
}

impl<S: SecretSource> CachedSecrets<S> {
    /// Caches `source` for `ttl`; after a failed refresh the last good value
    /// is served for at most `ttl` more (then the error surfaces).
    pub fn new(source: S, ttl: Duration) -> Self {
        CachedSecrets {
            source,
            ttl,
            max_stale: ttl,
            previous_grace: DEFAULT_PREVIOUS_GRACE,
            state: tokio::sync::Mutex::new(None),
        }
    }

    /// Sets how long after a rotation (the current value's creation) the
    /// previous value is still accepted (default [`DEFAULT_PREVIOUS_GRACE`]).
    /// The bound holds whatever the cache TTL: a cached previous value stops
    /// being accepted the moment its grace ends.
    #[must_use]
    pub fn previous_grace(mut self, grace: Duration) -> Self {
        self.previous_grace = grace;
        self
    }

    /// Sets how long a stale value may be served while refreshes fail.
    #[must_use]
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// The accepted secrets, fetched when the cache is empty or expired.
    ///
    /// # Errors
    /// The source's error when no usable cached value remains.
    pub async fn get(&self) -> Result<Arc<AcceptedSecrets>, SecretSourceError> {
        let mut state = self.state.lock().await;
        if let Some(c) = state.as_ref()
            && c.fetched.elapsed() < self.ttl
        {
            return Ok(c.accepted());
        }
        let grace = self.previous_grace;
        let fetched = self.source.fetch().await.and_then(|v| {
            let now = Instant::now();
            // Where the grace ends, on the monotonic clock.
            let previous_until = v.current_since.map(|since| {
                let age = SystemTime::now().duration_since(since).unwrap_or_default();
                now + grace.saturating_sub(age)
            });
            Ok(Cached {
                fetched: now,
                secrets: Arc::new(AcceptedSecrets::new(&v.current, v.previous.as_ref())?),
                current_only: Arc::new(AcceptedSecrets::new(&v.current, None)?),
                previous_until,
            })
        });
        match fetched {
            Ok(cached) => {
                count_metric!(SecretRefreshed);
                let secrets = cached.accepted();
                *state = Some(cached);
                Ok(secrets)
            }
            Err(e) => {
                count_metric!(SecretRefreshFailed);
                match state.as_ref() {
                    Some(c) if c.fetched.elapsed() < self.ttl + self.max_stale => {
                        #[cfg(feature = "tracing")]
                        tracing::warn!(error = %e, "secret refresh failed; serving the cached value");
                        let _ = &e;
                        Ok(c.accepted())
                    }
                    _ => Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretVersion;

    #[test]
    fn secret_file_format() {
        assert_eq!(
            parse_secret_file("a\r\nb\n"),
            ("a".into(), Some("b".into()))
        );
        assert_eq!(parse_secret_file("a\n\n"), ("a".into(), None));
        assert_eq!(parse_secret_file(""), (String::new(), None));
    }

    #[test]
    fn percent_encoding_of_arns() {
        assert_eq!(
            percent_encode("arn:aws:secretsmanager:r:1:secret:a/b+c"),
            "arn%3Aaws%3Asecretsmanager%3Ar%3A1%3Asecret%3Aa%2Fb%2Bc"
        );
    }

    #[tokio::test]
    async fn cache_refreshes_after_ttl_and_rejects_empty() {
        let dir = std::env::temp_dir().join(format!("ss-secret-{}", std::process::id()));
        std::fs::write(&dir, "one\n").unwrap();
        let cache = CachedSecrets::new(FileSource::new(&dir), Duration::from_millis(50))
            .max_stale(Duration::ZERO);
        assert_eq!(
            cache.get().await.unwrap().verify(b"one"),
            Some(SecretVersion::Current)
        );
        std::fs::write(&dir, "two\none\n").unwrap();
        // still cached
        assert_eq!(cache.get().await.unwrap().verify(b"two"), None);
        tokio::time::sleep(Duration::from_millis(60)).await;
        let s = cache.get().await.unwrap();
        assert_eq!(s.verify(b"two"), Some(SecretVersion::Current));
        assert_eq!(s.verify(b"one"), Some(SecretVersion::Previous));
        std::fs::write(&dir, "\n").unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(matches!(
            cache.get().await,
            Err(SecretSourceError::Invalid(_))
        ));
        std::fs::remove_file(&dir).unwrap();
        assert!(matches!(
            cache.get().await,
            Err(SecretSourceError::File { .. })
        ));
    }
}
