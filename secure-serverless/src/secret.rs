//! Constant-time checks of a presented secret against the accepted set.
//!
//! A plain `==` returns at the first differing byte and so leaks, over many
//! requests, how much of a guess is right; and `subtle`'s `ct_eq` on byte slices returns early when the lengths differ,
//! leaking the secret's length. [`AcceptedSecrets`] therefore stores only
//! SHA-256 digests and compares the presented value's digest (always 32 bytes)
//! against *every* slot with [`subtle::ConstantTimeEq`], without an early
//! exit. The time taken depends on the presented value's length alone, which
//! the caller already knows.
//!
//! Two slots exist so a secret can rotate without an outage: the current
//! version, and the previous one until it is retired.
//!
//! ```
//! use secrecy::SecretString;
//! use secure_serverless::secret::{AcceptedSecrets, SecretVersion};
//!
//! let secrets = AcceptedSecrets::new(
//!     &SecretString::from("new-secret-value"),
//!     Some(&SecretString::from("old-secret-value")),
//! )?;
//! assert_eq!(secrets.verify(b"new-secret-value"), Some(SecretVersion::Current));
//! assert_eq!(secrets.verify(b"old-secret-value"), Some(SecretVersion::Previous));
//! assert_eq!(secrets.verify(b"guess"), None);
//! // Secrets never reach Debug output or logs.
//! assert!(!format!("{secrets:?}").contains("secret-value"));
//! # Ok::<(), secure_serverless::secret::SecretError>(())
//! ```

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// Which accepted version a presented secret matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretVersion {
    /// The current version (`AWSCURRENT`).
    Current,
    /// The previous version (`AWSPREVIOUS`), accepted during rotation.
    Previous,
}

/// A secret that cannot be accepted. Never holds the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty.
    #[error("the {0:?} secret is empty")]
    Empty(SecretVersion),
}

/// The secrets a check accepts, stored as digests only.
#[derive(Clone)]
pub struct AcceptedSecrets {
    current: [u8; 32],
    previous: [u8; 32],
    has_previous: Choice,
}

impl fmt::Debug for AcceptedSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptedSecrets")
            .field("current", &"<redacted>")
            .field(
                "previous",
                &if bool::from(self.has_previous) {
                    "<redacted>"
                } else {
                    "none"
                },
            )
            .finish()
    }
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

impl AcceptedSecrets {
    /// Accepts `current` and, during a rotation, `previous`.
    ///
    /// # Errors
    /// [`SecretError::Empty`] if either is empty: an empty secret would make
    /// an empty header acceptable.
    pub fn new(
        current: &SecretString,
        previous: Option<&SecretString>,
    ) -> Result<Self, SecretError> {
        if current.expose_secret().is_empty() {
            return Err(SecretError::Empty(SecretVersion::Current));
        }
        if previous.is_some_and(|p| p.expose_secret().is_empty()) {
            return Err(SecretError::Empty(SecretVersion::Previous));
        }
        Ok(AcceptedSecrets {
            current: digest(current.expose_secret().as_bytes()),
            // Without a previous version the slot holds a digest no input
            // matches (it is masked out below); the comparison still runs.
            previous: previous.map_or([0u8; 32], |p| digest(p.expose_secret().as_bytes())),
            has_previous: Choice::from(u8::from(previous.is_some())),
        })
    }

    /// Whether a previous version is accepted too.
    pub fn has_previous(&self) -> bool {
        self.has_previous.into()
    }

    /// Checks `presented` against every accepted version in constant time
    /// (independent of the secrets' contents and lengths).
    pub fn verify(&self, presented: &[u8]) -> Option<SecretVersion> {
        const OUTCOMES: [Option<SecretVersion>; 3] = [
            None,
            Some(SecretVersion::Current),
            Some(SecretVersion::Previous),
        ];
        let d = digest(presented);
        let current = d.ct_eq(&self.current);
        let previous = d.ct_eq(&self.previous) & self.has_previous;
        // Both comparisons ran; the outcome is selected without a branch
        // (an index into one small table), so an accepted and a refused
        // value take the same path through this function.
        let outcome = u8::conditional_select(&0, &2, previous);
        let outcome = u8::conditional_select(&outcome, &1, current);
        OUTCOMES[usize::from(outcome)]
    }

    /// Checks the values of a header that must appear exactly once.
    pub fn verify_header<'a>(&self, values: impl IntoIterator<Item = &'a [u8]>) -> HeaderCheck {
        let mut values = values.into_iter();
        let Some(first) = values.next() else {
            return HeaderCheck::Missing;
        };
        if values.next().is_some() {
            return HeaderCheck::Repeated;
        }
        match self.verify(first) {
            Some(v) => HeaderCheck::Accepted(v),
            None => HeaderCheck::Rejected,
        }
    }
}

/// The outcome of checking a secret header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderCheck {
    /// The header holds an accepted secret.
    Accepted(SecretVersion),
    /// The header is absent.
    Missing,
    /// The header appears more than once (refused: which one would count?).
    Repeated,
    /// The header holds something else.
    Rejected,
}

impl HeaderCheck {
    /// `true` only for [`HeaderCheck::Accepted`].
    pub fn is_accepted(self) -> bool {
        matches!(self, HeaderCheck::Accepted(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> SecretString {
        SecretString::from(v)
    }

    #[test]
    fn accepts_current_and_previous_only() {
        let only = AcceptedSecrets::new(&s("abc"), None).unwrap();
        assert_eq!(only.verify(b"abc"), Some(SecretVersion::Current));
        assert_eq!(only.verify(b""), None);
        assert_eq!(only.verify(&[0u8; 32]), None);
        assert_eq!(only.verify(b"abcd"), None);
        let both = AcceptedSecrets::new(&s("new"), Some(&s("old"))).unwrap();
        assert_eq!(both.verify(b"old"), Some(SecretVersion::Previous));
        assert_eq!(both.verify(b"NEW"), None);
    }

    #[test]
    fn empty_secrets_are_refused() {
        assert_eq!(
            AcceptedSecrets::new(&s(""), None).unwrap_err(),
            SecretError::Empty(SecretVersion::Current)
        );
        assert_eq!(
            AcceptedSecrets::new(&s("x"), Some(&s(""))).unwrap_err(),
            SecretError::Empty(SecretVersion::Previous)
        );
    }

    #[test]
    fn header_must_appear_once() {
        let a = AcceptedSecrets::new(&s("k"), None).unwrap();
        assert_eq!(a.verify_header([]), HeaderCheck::Missing);
        assert_eq!(
            a.verify_header([b"k".as_slice()]),
            HeaderCheck::Accepted(SecretVersion::Current)
        );
        assert_eq!(
            a.verify_header([b"k".as_slice(), b"k".as_slice()]),
            HeaderCheck::Repeated
        );
        assert_eq!(a.verify_header([b"x".as_slice()]), HeaderCheck::Rejected);
    }

    #[test]
    fn debug_never_shows_secrets_or_digests() {
        let a = AcceptedSecrets::new(&s("hunter2"), Some(&s("hunter1"))).unwrap();
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("hunter"));
        let hex: String = digest(b"hunter2")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!dbg.contains(&hex[..8]));
    }
}
