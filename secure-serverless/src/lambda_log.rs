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
//!   text otherwise; no timestamps (CloudWatch adds them) and no targets.
//!
//! ```no_run
//! # async fn run() {
//! secure_serverless::lambda_log::init();
//! tracing::info!(decision = "allow", "authorizer ready");
//! # }
//! ```

use std::str::FromStr;

use tracing_subscriber::filter::LevelFilter;

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
}

/// Installs the process-wide `tracing` subscriber described in the module
/// docs, writing to standard output. Returns `false`, changing nothing, when
/// a subscriber is already installed.
pub fn init() -> bool {
    let settings = Settings::from_vars(|name| std::env::var(name).ok());
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(settings.level)
        .with_writer(std::io::stdout);
    if settings.json {
        builder.json().try_init().is_ok()
    } else {
        builder.try_init().is_ok()
    }
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
