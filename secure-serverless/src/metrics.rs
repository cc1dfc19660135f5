//! Security metrics in CloudWatch Embedded Metric Format (EMF): JSON lines on
//! stdout that CloudWatch Logs turns into metrics, with no SDK and no extra
//! network call.
//!
//! The library counts what a security layer should publish (authorizer
//! decisions and their reasons, origin-secret checks, key and secret
//! refreshes, refused log entries, storage throttling and 503s, idempotent
//! replays and conflicts); a handler calls [`flush`] once at the end of each
//! invocation, which writes what was counted since the last flush in one
//! write to stdout.
//!
//! ```no_run
//! use secure_serverless::metrics::{self, Metric};
//! # fn run(request_id: &str, trace_id: Option<&str>) -> Result<(), secure_serverless::metrics::MetricsConfigError> {
//! metrics::init(metrics::DEFAULT_NAMESPACE, "my-function")?; // once, at cold start
//! metrics::count(Metric::DecisionAllow); // anywhere, any number of times
//! metrics::flush(request_id, trace_id); // once per invocation
//! # Ok(()) }
//! ```
//!
//! Every dimension value is one of a fixed set named in [`Metric`] (plus the
//! service name given to [`init`]): never a token, a principal, a path or
//! anything else a caller chooses, so the number of metric series is bounded
//! and no request data reaches CloudWatch Metrics. Each line also carries
//! the invocation's request id and X-Ray trace id as plain properties (not
//! dimensions), so a metric leads to its log lines.
//!
//! Counting is one relaxed atomic add on a fixed table: no lock, no
//! allocation. The JSON is written by `serde_json` at flush.
//!
//! Two things a deployment must know: the lines carry no log level, so
//! Lambda's log-level filter (`ApplicationLogLevel`) must let `INFO` through
//! (the default) or the metrics are dropped with the rest; and an invocation
//! that panics or times out does not flush, so its counts go out with the
//! next invocation's line. CloudWatch Logs extracts the metrics from stdout
//! without an agent:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Lambda.html>.

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The namespace the functions of this project publish to.
pub const DEFAULT_NAMESPACE: &str = "SecureServerless";

/// The dimension that names the publishing function.
pub const SERVICE_DIMENSION: &str = "Service";

/// A metric's extra dimension: its name and fixed value.
type Dimension = Option<(&'static str, &'static str)>;

struct Row {
    name: &'static str,
    dimension: Dimension,
}

macro_rules! metrics {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal $(, $dim:literal = $value:literal)? ;)*) => {
        /// What can be counted: a metric name and, for some, one more
        /// dimension with a fixed value (shown as `Metric[Dimension=value]`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Metric {
            $( $(#[$doc])* $variant, )*
        }

        const ROWS: &[Row] = &[
            $( Row { name: $name, dimension: metrics!(@dim $($dim, $value)?) }, )*
        ];
    };
    (@dim) => { None };
    (@dim $d:literal, $v:literal) => { Some(($d, $v)) };
}

metrics! {
    /// `ColdStart`: a sandbox started (counted by [`init`]).
    ColdStart => "ColdStart";
    /// `AuthorizerDecision[Outcome=allow]`: the call at hand is allowed.
    DecisionAllow => "AuthorizerDecision", "Outcome" = "allow";
    /// `AuthorizerDecision[Outcome=deny]`: the call at hand is denied.
    DecisionDeny => "AuthorizerDecision", "Outcome" = "deny";
    /// `AuthorizerDecision[Outcome=unauthorized]`: a 401.
    DecisionUnauthorized => "AuthorizerDecision", "Outcome" = "unauthorized";
    /// `AuthorizerDecision[Outcome=error]`: no decision could be made (500).
    DecisionError => "AuthorizerDecision", "Outcome" = "error";
    /// `OriginSecret[Check=missing]`: no origin-secret header.
    OriginSecretMissing => "OriginSecret", "Check" = "missing";
    /// `OriginSecret[Check=repeated]`: the header appeared more than once.
    OriginSecretRepeated => "OriginSecret", "Check" = "repeated";
    /// `OriginSecret[Check=wrong]`: a value that is no accepted secret.
    OriginSecretWrong => "OriginSecret", "Check" = "wrong";
    /// `OriginSecret[Check=previous]`: the previous version, during rotation.
    OriginSecretPrevious => "OriginSecret", "Check" = "previous";
    /// `TokenRejected[Reason=token_missing]`: no bearer token.
    TokenMissing => "TokenRejected", "Reason" = "token_missing";
    /// `TokenRejected[Reason=too_large]`.
    TokenTooLarge => "TokenRejected", "Reason" = "too_large";
    /// `TokenRejected[Reason=malformed]`.
    TokenMalformed => "TokenRejected", "Reason" = "malformed";
    /// `TokenRejected[Reason=algorithm]`.
    TokenAlgorithm => "TokenRejected", "Reason" = "algorithm";
    /// `TokenRejected[Reason=unknown_key]`.
    TokenUnknownKey => "TokenRejected", "Reason" = "unknown_key";
    /// `TokenRejected[Reason=signature]`: a bad signature.
    TokenSignature => "TokenRejected", "Reason" = "signature";
    /// `TokenRejected[Reason=expired]`.
    TokenExpired => "TokenRejected", "Reason" = "expired";
    /// `TokenRejected[Reason=not_yet_valid]`.
    TokenNotYetValid => "TokenRejected", "Reason" = "not_yet_valid";
    /// `TokenRejected[Reason=claim]`.
    TokenClaim => "TokenRejected", "Reason" = "claim";
    /// `TokenRejected[Reason=issuer]`.
    TokenIssuer => "TokenRejected", "Reason" = "issuer";
    /// `TokenRejected[Reason=audience]`.
    TokenAudience => "TokenRejected", "Reason" = "audience";
    /// `TokenRejected[Reason=token_use]`.
    TokenUse => "TokenRejected", "Reason" = "token_use";
    /// `TokenRejected[Reason=client]`.
    TokenClient => "TokenRejected", "Reason" = "client";
    /// `TokenRejected[Reason=keys_unavailable]`: no usable key set (fails closed).
    TokenKeysUnavailable => "TokenRejected", "Reason" = "keys_unavailable";
    /// `TokenRejected[Reason=rejected]`: an application claims check refused.
    TokenClaimsCheck => "TokenRejected", "Reason" = "rejected";
    /// `TokenRejected[Reason=insufficient_scope]`: valid, but not for this route.
    TokenInsufficientScope => "TokenRejected", "Reason" = "insufficient_scope";
    /// `KeyRefresh[Result=ok]`: a JWKS (or discovery) fetch succeeded.
    JwksRefreshed => "KeyRefresh", "Result" = "ok";
    /// `KeyRefresh[Result=failed]`: a JWKS (or discovery) fetch failed.
    JwksRefreshFailed => "KeyRefresh", "Result" = "failed";
    /// `SecretRefresh[Result=ok]`: the origin secret was fetched.
    SecretRefreshed => "SecretRefresh", "Result" = "ok";
    /// `SecretRefresh[Result=failed]`: fetching the origin secret failed.
    SecretRefreshFailed => "SecretRefresh", "Result" = "failed";
    /// `EntryRefused[Reason=payload_rejected]`: the sanitiser refused a payload (nesting).
    EntryPayloadRejected => "EntryRefused", "Reason" = "payload_rejected";
    /// `EntryRefused[Reason=control_character]`.
    EntryControlCharacter => "EntryRefused", "Reason" = "control_character";
    /// `EntryRefused[Reason=too_large]`: body or payload over its cap.
    EntryTooLarge => "EntryRefused", "Reason" = "too_large";
    /// `EntryRefused[Reason=malformed]`: not the expected JSON.
    EntryMalformed => "EntryRefused", "Reason" = "malformed";
    /// `EntryRefused[Reason=invalid_type]`: the `type` breaks its rule.
    EntryInvalidType => "EntryRefused", "Reason" = "invalid_type";
    /// `StorageThrottled`: DynamoDB throttled a request.
    StorageThrottled => "StorageThrottled";
    /// `StorageRetry`: a storage request was retried.
    StorageRetry => "StorageRetry";
    /// `StorageUnavailable`: answered 503 because storage was unavailable.
    StorageUnavailable => "StorageUnavailable";
    /// `Idempotency[Result=replay]`: a stored response was returned.
    IdempotencyReplay => "Idempotency", "Result" = "replay";
    /// `Idempotency[Result=conflict]`: a key reused with another request.
    IdempotencyConflict => "Idempotency", "Result" = "conflict";
    /// `Idempotency[Result=in_progress]`: a call gave up waiting for another.
    IdempotencyInProgress => "Idempotency", "Result" = "in_progress";
    /// `Idempotency[Result=unrecorded]`: a response could not be stored.
    IdempotencyUnrecorded => "Idempotency", "Result" = "unrecorded";
}

const N: usize = ROWS.len();

impl Metric {
    /// The CloudWatch metric name.
    pub fn name(self) -> &'static str {
        ROWS[self as usize].name
    }

    /// The extra dimension and its value, if the metric has one.
    pub fn dimension(self) -> Dimension {
        ROWS[self as usize].dimension
    }

    /// The metric for a JWT rejection reason code (`JwtError::reason`),
    /// `token_missing` or `insufficient_scope`; `None` for any other text.
    pub fn token_rejected(reason: &str) -> Option<Metric> {
        Some(match reason {
            "token_missing" => Metric::TokenMissing,
            "too_large" => Metric::TokenTooLarge,
            "malformed" => Metric::TokenMalformed,
            "algorithm" => Metric::TokenAlgorithm,
            "unknown_key" => Metric::TokenUnknownKey,
            "signature" => Metric::TokenSignature,
            "expired" => Metric::TokenExpired,
            "not_yet_valid" => Metric::TokenNotYetValid,
            "claim" => Metric::TokenClaim,
            "issuer" => Metric::TokenIssuer,
            "audience" => Metric::TokenAudience,
            "token_use" => Metric::TokenUse,
            "client" => Metric::TokenClient,
            "keys_unavailable" => Metric::TokenKeysUnavailable,
            "rejected" => Metric::TokenClaimsCheck,
            "insufficient_scope" => Metric::TokenInsufficientScope,
            _ => return None,
        })
    }
}

impl Metric {
    /// The metric for a refused log entry's error code
    /// (`LogEntryError::code`); `None` for any other text.
    pub fn entry_refused(code: &str) -> Option<Metric> {
        Some(match code {
            "payload_rejected" => Metric::EntryPayloadRejected,
            "control_character" => Metric::EntryControlCharacter,
            "body_too_large" | "payload_too_large" => Metric::EntryTooLarge,
            "invalid_type" => Metric::EntryInvalidType,
            "empty_body" | "invalid_utf8" | "malformed_json" | "not_an_object"
            | "missing_field" | "unknown_field" | "duplicate_field" | "wrong_type" => {
                Metric::EntryMalformed
            }
            _ => return None,
        })
    }
}

/// A table of counts, one per [`Metric`]. The process has one
/// ([`count`], [`flush`]); tests and benches may make their own.
#[derive(Debug)]
pub struct Recorder {
    counts: [AtomicU64; N],
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// All counts zero.
    pub const fn new() -> Self {
        Recorder {
            counts: [const { AtomicU64::new(0) }; N],
        }
    }

    /// Adds one to `metric`.
    #[inline]
    pub fn count(&self, metric: Metric) {
        self.counts[metric as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Sets every count to zero.
    pub fn reset(&self) {
        for c in &self.counts {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// The EMF lines of everything counted since the last call (which it
    /// resets), one JSON document per line, each ending in `\n`; empty when
    /// nothing was counted.
    pub fn take_lines(&self, config: &MetricsConfig, invocation: &Invocation<'_>) -> String {
        let taken: Vec<(usize, u64)> = self
            .counts
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let n = c.swap(0, Ordering::Relaxed);
                (n > 0).then_some((i, n))
            })
            .collect();
        let mut out = String::new();
        // One document per distinct extra dimension (metrics that share it
        // share the document), in table order.
        let mut groups: Vec<(Dimension, Vec<(usize, u64)>)> = Vec::new();
        for (i, n) in taken {
            let dim = ROWS[i].dimension;
            match groups.iter_mut().find(|(d, _)| *d == dim) {
                Some((_, rows)) => rows.push((i, n)),
                None => groups.push((dim, vec![(i, n)])),
            }
        }
        for (dim, rows) in groups {
            let mut doc = Map::new();
            let mut keys = vec![SERVICE_DIMENSION];
            doc.insert(SERVICE_DIMENSION.into(), config.service.clone().into());
            if let Some((name, value)) = dim {
                keys.push(name);
                doc.insert(name.into(), value.into());
            }
            let mut definitions = Vec::new();
            for (i, n) in rows {
                definitions.push(json!({"Name": ROWS[i].name, "Unit": "Count"}));
                doc.insert(ROWS[i].name.into(), n.into());
            }
            doc.insert(
                "_aws".into(),
                json!({
                    "Timestamp": invocation.timestamp_ms,
                    "CloudWatchMetrics": [{
                        "Namespace": config.namespace,
                        "Dimensions": [keys],
                        "Metrics": definitions,
                    }],
                }),
            );
            doc.insert("requestId".into(), invocation.request_id.into());
            if let Some(trace) = invocation.trace_id {
                doc.insert("xrayTraceId".into(), trace.into());
            }
            out.push_str(&Value::Object(doc).to_string());
            out.push('\n');
        }
        out
    }
}

/// The invocation a flush belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// Lambda's request id.
    pub request_id: &'a str,
    /// The X-Ray trace id (`_X_AMZN_TRACE_ID`), if any.
    pub trace_id: Option<&'a str>,
    /// When, in Unix milliseconds.
    pub timestamp_ms: u64,
}

/// Where the process publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    namespace: String,
    service: String,
}

/// A namespace or service name CloudWatch would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsConfigError {
    /// Not 1 to 255 characters of letters, digits and `. - _ / # :` and
    /// space, or starting with `AWS/` (reserved for AWS).
    #[error("metrics namespace {0:?} is not a valid CloudWatch namespace")]
    Namespace(String),
    /// Empty or over 250 characters, or not printable ASCII.
    #[error("metrics service name {0:?} is not a valid dimension value")]
    Service(String),
    /// [`init`] was already called.
    #[error("metrics are already configured")]
    AlreadyConfigured,
}

impl MetricsConfig {
    /// Checks `namespace` and `service` (the `Service` dimension's value,
    /// usually the function name).
    ///
    /// # Errors
    /// [`MetricsConfigError`] naming the refused value.
    pub fn new(namespace: &str, service: &str) -> Result<Self, MetricsConfigError> {
        let namespace_ok = (1..=255).contains(&namespace.len())
            && !namespace.starts_with("AWS/")
            && namespace
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" .-_/#:".contains(&b));
        if !namespace_ok {
            return Err(MetricsConfigError::Namespace(namespace.to_owned()));
        }
        if !(1..=250).contains(&service.len()) || !service.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(MetricsConfigError::Service(service.to_owned()));
        }
        Ok(MetricsConfig {
            namespace: namespace.to_owned(),
            service: service.to_owned(),
        })
    }
}

static GLOBAL: Recorder = Recorder::new();
static CONFIG: OnceLock<MetricsConfig> = OnceLock::new();

/// Configures the process's metrics and counts a cold start. Until it is
/// called, [`flush`] writes nothing (counts are dropped).
///
/// # Errors
/// [`MetricsConfigError`] for a bad name, or when already configured.
pub fn init(namespace: &str, service: &str) -> Result<(), MetricsConfigError> {
    let config = MetricsConfig::new(namespace, service)?;
    CONFIG
        .set(config)
        .map_err(|_| MetricsConfigError::AlreadyConfigured)?;
    count(Metric::ColdStart);
    Ok(())
}

/// [`init`] from the environment: the namespace from `METRICS_NAMESPACE`
/// (default [`DEFAULT_NAMESPACE`]), the service from
/// `AWS_LAMBDA_FUNCTION_NAME` (set by Lambda; `default_service` elsewhere).
///
/// # Errors
/// A [`crate::config::ConfigError`] naming a variable CloudWatch would refuse.
pub fn init_from_vars(
    vars: &crate::config::Vars<'_>,
    default_service: &str,
) -> Result<(), crate::config::ConfigError> {
    let namespace = vars.optional("METRICS_NAMESPACE")?;
    let service = vars.optional("AWS_LAMBDA_FUNCTION_NAME")?;
    let namespace = namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let service = service.as_deref().unwrap_or(default_service);
    match init(namespace, service) {
        Ok(()) | Err(MetricsConfigError::AlreadyConfigured) => Ok(()),
        Err(MetricsConfigError::Namespace(_)) => Err(crate::config::ConfigError::invalid(
            "METRICS_NAMESPACE",
            "a CloudWatch namespace (1 to 255 letters, digits, . - _ / # : or space, not AWS/...)",
        )),
        Err(_) => Err(crate::config::ConfigError::invalid(
            "AWS_LAMBDA_FUNCTION_NAME",
            "1 to 250 visible ASCII characters",
        )),
    }
}

/// Counts one `metric` in the process's table.
#[inline]
pub fn count(metric: Metric) {
    GLOBAL.count(metric);
}

/// Writes what the process counted since the last flush to stdout, in one
/// write (see the module docs). Call it once at the end of each invocation.
pub fn flush(request_id: &str, trace_id: Option<&str>) {
    let Some(config) = CONFIG.get() else {
        // Not configured: drop the counts so they do not pile up.
        GLOBAL.reset();
        return;
    };
    let timestamp_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let lines = GLOBAL.take_lines(
        config,
        &Invocation {
            request_id,
            trace_id,
            timestamp_ms,
        },
    );
    if !lines.is_empty() {
        // A metric line that cannot be written is lost, never a failed request.
        let _ = std::io::stdout().lock().write_all(lines.as_bytes());
    }
}

#[cfg(test)]
mod tests;
