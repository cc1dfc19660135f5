//! Logging set-up for Lambda functions, honouring Lambda's advanced logging
//! controls, without a regular-expression engine.
//!
//! `lambda_runtime`'s default subscriber (its `tracing` feature) filters with
//! `tracing-subscriber`'s `EnvFilter`, which links `regex-automata` and
//! `regex-syntax`: about 270 KB of a stripped x86_64 binary, for per-module
//! directives a Lambda function does not need (Lambda's own control,
//! `AWS_LAMBDA_LOG_LEVEL`, is a single level). [`init`] installs the same
//! kind of subscriber with a plain level filter:
//!
//! * level: `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `INFO`; a value
//!   that is not a level (`RUST_LOG=my_crate=debug`, say) means `INFO`, and
//!   Lambda's `FATAL` means `ERROR`;
//! * format: JSON lines when `AWS_LAMBDA_LOG_FORMAT` is `JSON` (any case),
//!   text otherwise; no timestamps (CloudWatch adds them) and no targets;
//! * **other crates never log below `INFO`**, whatever the level: at `TRACE`,
//!   `lambda_runtime` writes every raw event (headers, bearer tokens, origin
//!   secrets) and the AWS SDK writes request and response bodies (secret
//!   values). The chosen level applies to this crate and to the targets given
//!   to [`init_for`] (your handler's own crate); everything else is capped at
//!   `INFO`, so no level setting in the Lambda console puts a secret in the
//!   logs.
//!
//!
//! Every line written while `lambda_runtime` handles an invocation carries
//! its Lambda request id and X-Ray trace id (fields `requestId` and
//! `xrayTraceId` of the runtime's span), and [`invocation`] flushes the
//! invocation's security metrics when it ends (with the `metrics` feature),
//! with the same two ids, so a metric leads to its log lines and a denied
//! request's log line to its trace.
//!
//! ```no_run
//! use lambda_runtime::{LambdaEvent, service_fn};
//! use secure_serverless::lambda_log;
//!
//! async fn handler(event: LambdaEvent<serde_json::Value>) -> Result<serde_json::Value, lambda_runtime::Error> {
//!     tracing::info!("handled"); // {"level":"INFO","fields":{"message":"handled"},"span":{"requestId":"..","xrayTraceId":"..",..},..}
//!     Ok(event.payload)
//! }
//!
//! # async fn run() -> Result<(), lambda_runtime::Error> {
//! lambda_log::init();
//! lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
//!     let context = event.context.clone();
//!     async move { lambda_log::invocation(&context, handler(event)).await }
//! }))
//! .await
//! # }
//! ```

use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;

/// The most verbose level any target outside this crate and the caller's own
/// targets may log at (see the module docs).
pub const OTHER_CRATES_MAX_LEVEL: LevelFilter = LevelFilter::INFO;

/// What [`init`] installs, read from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The most verbose level written.
    pub level: LevelFilter,
    /// JSON lines instead of text.
    pub json: bool,
}

impl Settings {
    /// The settings for the variables `var` returns (`std::env::var` in
    /// [`init`]).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Settings {
        let level = var("AWS_LAMBDA_LOG_LEVEL")
            .or_else(|| var("RUST_LOG"))
            .map_or(LevelFilter::INFO, |v| {
                let v = v.trim();
                if v.is_empty() {
                    LevelFilter::INFO
                } else if v.eq_ignore_ascii_case("fatal") {
                    LevelFilter::ERROR
                } else {
                    LevelFilter::from_str(v).unwrap_or(LevelFilter::INFO)
                }
            });
        let json =
            var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.trim().eq_ignore_ascii_case("json"));
        Settings { level, json }
    }

    /// The per-target filter: `level` for this crate and `own_targets`
    /// (module-path prefixes), at most [`OTHER_CRATES_MAX_LEVEL`] for
    /// everything else.
    pub fn targets(&self, own_targets: &[&str]) -> Targets {
        let others = self.level.min(OTHER_CRATES_MAX_LEVEL);
        let mut t = Targets::new()
            .with_default(others)
            .with_target(env!("CARGO_CRATE_NAME"), self.level);
        for target in own_targets {
            t = t.with_target(*target, self.level);
        }
        t
    }
}

/// What a function's `main` does first: the subscriber, with
/// `function_crate`'s own lines at the chosen level ([`init_for`]), the
/// settings read from the environment, and, with the `metrics` feature, the
/// metrics' namespace and service from those settings
/// ([`crate::metrics::init_from_vars`], the service defaulting to
/// `function_crate`).
///
/// ```no_run
/// let vars = secure_serverless::lambda_log::start(env!("CARGO_CRATE_NAME"))?;
/// # Ok::<(), secure_serverless::config::ConfigError>(())
/// ```
///
/// # Errors
/// A metrics setting CloudWatch would refuse (named in the error, and
/// logged).
pub fn start(
    function_crate: &str,
) -> Result<crate::config::Vars<'static>, crate::config::ConfigError> {
    init_for(&[function_crate]);
    let vars = crate::config::Vars::from_env();
    #[cfg(feature = "metrics")]
    crate::metrics::init_from_vars(&vars, function_crate)
        .inspect_err(|e| tracing::error!(error = %e, "metrics configuration refused"))?;
    Ok(vars)
}

/// Installs the process-wide `tracing` subscriber described in the module
/// docs, writing to standard output. Returns `false`, changing nothing, when
/// a subscriber is already installed.
pub fn init() -> bool {
    init_for(&[])
}

/// [`init`], with `own_targets` (for example your handler crate's name) also
/// logged at the chosen level instead of at most `INFO`.
pub fn init_for(own_targets: &[&str]) -> bool {
    let settings = Settings::from_vars(|name| std::env::var(name).ok());
    let targets = settings.targets(own_targets);
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(settings.level)
        .with_writer(std::io::stdout);
    if settings.json {
        tracing::subscriber::set_global_default(builder.json().finish().with(targets)).is_ok()
    } else {
        tracing::subscriber::set_global_default(builder.finish().with(targets)).is_ok()
    }
}

/// Runs `work`, one invocation's handling, then flushes the invocation's
/// metrics with its request id and trace id (see the module docs). The log
/// lines need nothing more: `lambda_runtime` runs every invocation inside
/// its `Lambda runtime invoke` span, whose `requestId` and `xrayTraceId`
/// fields this module's subscriber writes on every line.
pub async fn invocation<T>(context: &lambda_runtime::Context, work: impl Future<Output = T>) -> T {
    let out = work.await;
    #[cfg(feature = "metrics")]
    crate::metrics::flush(&context.request_id, context.xray_trace_id.as_deref());
    #[cfg(not(feature = "metrics"))]
    let _ = context;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        Settings::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn lambda_controls_come_first() {
        assert_eq!(
            settings(&[]),
            Settings {
                level: LevelFilter::INFO,
                json: false
            }
        );
        let s = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("RUST_LOG", "error"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ]);
        assert_eq!(s.level, LevelFilter::DEBUG);
        assert!(s.json);
        assert_eq!(settings(&[("RUST_LOG", "warn")]).level, LevelFilter::WARN);
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).level,
            LevelFilter::ERROR
        );
        assert!(!settings(&[("AWS_LAMBDA_LOG_FORMAT", "Text")]).json);
    }

    #[test]
    fn other_crates_stay_at_info_whatever_the_level() {
        let s = settings(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")]);
        let t = s.targets(&["my_handler"]);
        for (target, level, on) in [
            (
                "lambda_runtime::layers::api_response",
                tracing::Level::TRACE,
                false,
            ),
            (
                "aws_smithy_runtime::client::http",
                tracing::Level::DEBUG,
                false,
            ),
            ("hyper_util::client", tracing::Level::TRACE, false),
            ("lambda_runtime", tracing::Level::INFO, true),
            ("secure_serverless::jwt", tracing::Level::TRACE, true),
            ("my_handler", tracing::Level::TRACE, true),
        ] {
            assert_eq!(t.would_enable(target, &level), on, "{target} at {level}");
        }
        // A quieter level stays quieter for everyone.
        let t = settings(&[("AWS_LAMBDA_LOG_LEVEL", "WARN")]).targets(&[]);
        assert!(!t.would_enable("lambda_runtime", &tracing::Level::INFO));
        assert!(!t.would_enable("secure_serverless", &tracing::Level::INFO));
    }

    #[test]
    fn directives_that_are_not_a_level_mean_info() {
        for v in ["my_crate=debug", "", "loud", "info,hyper=off"] {
            assert_eq!(
                settings(&[("RUST_LOG", v)]).level,
                LevelFilter::INFO,
                "{v:?}"
            );
        }
        assert_eq!(settings(&[("RUST_LOG", "off")]).level, LevelFilter::OFF);
    }
}
