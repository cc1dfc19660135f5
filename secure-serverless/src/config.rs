//! Reading a handler's settings from its environment, failing closed.
//!
//! Every setting is read through one [`Vars`]: a variable that is set but
//! blank is an error (never "use the default"), a required one that is
//! missing is an error naming it, and a number or list that does not parse is
//! an error naming it. A handler that reads its security settings this way
//! cannot start half-configured: its initialisation fails, Lambda reports
//! the init error, and every request is refused until the setting is fixed.
//!
//! [`Vars::from_lookup`] takes any `Fn(&str) -> Option<String>`, so tests
//! read settings from a map instead of the process environment.
//!
//! ```
//! use std::collections::HashMap;
//! use secure_serverless::config::{ConfigError, Vars};
//!
//! let env = HashMap::from([("TABLE_NAME", "logs"), ("LOG_SHARDS", "8"), ("JWT_ISSUER", " ")]);
//! let vars = Vars::from_lookup(|k| env.get(k).map(|v| v.to_string()));
//! assert_eq!(vars.required("TABLE_NAME")?, "logs");
//! assert_eq!(vars.number::<u8>("LOG_SHARDS")?, Some(8));
//! assert_eq!(vars.number::<u64>("RETENTION_DAYS")?, None);
//! assert_eq!(vars.required("JWT_ISSUER"), Err(ConfigError::Blank("JWT_ISSUER".into())));
//! assert_eq!(vars.required("CURSOR_KEY_ID"), Err(ConfigError::Missing("CURSOR_KEY_ID".into())));
//! # Ok::<(), ConfigError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// A setting that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("{0} is not set")]
    Missing(String),
    /// A variable is set to an empty or all-blank value.
    #[error("{0} is set but blank; unset it or give it a value")]
    Blank(String),
    /// A variable's value does not have the expected form.
    #[error("{name} must be {expected}")]
    Invalid {
        /// The variable.
        name: String,
        /// What it must be, in words.
        expected: String,
    },
}

impl ConfigError {
    /// An [`Invalid`](ConfigError::Invalid) error.
    pub fn invalid(name: &str, expected: impl Into<String>) -> Self {
        ConfigError::Invalid {
            name: name.to_owned(),
            expected: expected.into(),
        }
    }

    /// The variable the error is about.
    pub fn variable(&self) -> &str {
        match self {
            ConfigError::Missing(n) | ConfigError::Blank(n) => n,
            ConfigError::Invalid { name, .. } => name,
        }
    }
}

type Lookup<'a> = dyn Fn(&str) -> Option<String> + Send + Sync + 'a;

/// A source of settings: the process environment or any lookup function.
pub struct Vars<'a> {
    lookup: Box<Lookup<'a>>,
}

impl fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vars(..)")
    }
}

impl Vars<'static> {
    /// The process environment (a value that is not UTF-8 counts as unset).
    pub fn from_env() -> Self {
        Vars {
            lookup: Box::new(|name| std::env::var(name).ok()),
        }
    }
}

impl<'a> Vars<'a> {
    /// Settings from `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'a) -> Self {
        Vars {
            lookup: Box::new(lookup),
        }
    }

    /// The raw value of `name`, `None` when unset (blank values included).
    pub fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    /// The trimmed value of `name`, `None` when unset.
    ///
    /// # Errors
    /// [`ConfigError::Blank`] when it is set but blank.
    pub fn optional(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.raw(name) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Err(ConfigError::Blank(name.to_owned())),
            Some(v) => Ok(Some(v.trim().to_owned())),
        }
    }

    /// The trimmed value of `name`.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] or [`ConfigError::Blank`].
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.optional(name)?
            .ok_or_else(|| ConfigError::Missing(name.to_owned()))
    }

    /// `name` parsed as a number (or anything [`FromStr`]), `None` when unset.
    ///
    /// # Errors
    /// [`ConfigError::Blank`], or [`ConfigError::Invalid`] when it does not
    /// parse.
    pub fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, ConfigError> {
        self.optional(name)?
            .map(|v| {
                v.parse()
                    .map_err(|_| ConfigError::invalid(name, "a whole number"))
            })
            .transpose()
    }

    /// `name` as a number within `range`, `None` when unset.
    ///
    /// # Errors
    /// As [`number`](Self::number), and [`ConfigError::Invalid`] outside
    /// the range.
    pub fn number_in<T>(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<Option<T>, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        let out_of_range = || {
            ConfigError::invalid(
                name,
                format!("a whole number from {} to {}", range.start(), range.end()),
            )
        };
        match self.optional(name)? {
            None => Ok(None),
            Some(v) => {
                let n: T = v.parse().map_err(|_| out_of_range())?;
                if range.contains(&n) {
                    Ok(Some(n))
                } else {
                    Err(out_of_range())
                }
            }
        }
    }

    /// `name` as a comma-separated list of non-empty, trimmed items, `None`
    /// when unset.
    ///
    /// # Errors
    /// [`ConfigError::Blank`] when it is blank or holds no item.
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let Some(v) = self.optional(name)? else {
            return Ok(None);
        };
        let items: Vec<String> = v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if items.is_empty() {
            return Err(ConfigError::Blank(name.to_owned()));
        }
        Ok(Some(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&'static str, &'static str)]) -> Vars<'static> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Vars::from_lookup(move |k| map.get(k).map(|v| (*v).to_owned()))
    }

    #[test]
    fn blank_is_never_a_default() {
        let v = vars(&[
            ("A", ""),
            ("B", "  "),
            ("C", " x "),
            ("L", " , ,"),
            ("N", ""),
        ]);
        assert_eq!(v.optional("A"), Err(ConfigError::Blank("A".into())));
        assert_eq!(v.optional("B"), Err(ConfigError::Blank("B".into())));
        assert_eq!(v.optional("C"), Ok(Some("x".into())));
        assert_eq!(v.optional("D"), Ok(None));
        assert_eq!(v.required("D"), Err(ConfigError::Missing("D".into())));
        assert_eq!(v.list("L"), Err(ConfigError::Blank("L".into())));
        assert_eq!(v.number::<u8>("N"), Err(ConfigError::Blank("N".into())));
    }

    #[test]
    fn numbers_and_lists() {
        let v = vars(&[("N", "300"), ("X", "3x"), ("L", "a, b,,c ")]);
        assert_eq!(v.number::<u32>("N"), Ok(Some(300)));
        assert_eq!(v.number::<u8>("N").unwrap_err().variable(), "N");
        assert!(matches!(
            v.number::<u8>("X"),
            Err(ConfigError::Invalid { .. })
        ));
        assert_eq!(v.number_in::<u32>("N", 1..=3600), Ok(Some(300)));
        assert_eq!(
            v.number_in::<u32>("N", 1..=60).unwrap_err().to_string(),
            "N must be a whole number from 1 to 60"
        );
        assert_eq!(
            v.list("L"),
            Ok(Some(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(v.list("M"), Ok(None));
    }
}
