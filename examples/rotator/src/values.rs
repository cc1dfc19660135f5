//! Secret values and version metadata, never shown by `Debug`.

use std::collections::HashMap;
use std::fmt;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};

use crate::MAX_VALUE_BYTES;
use crate::error::RotationError;

/// A secret value. `Debug` never shows it; it is zeroised on drop.
#[derive(Clone)]
pub struct SecretValue(SecretString);

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(SecretString::from(value.into()))
    }

    /// The value itself, for the one call that must send it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Checks that the value can travel as an HTTP header value and fit a
    /// WAF byte-match statement: 1 to 200 bytes of visible ASCII.
    ///
    /// # Errors
    /// [`RotationError::InvalidValue`] naming `stage`, never the value.
    pub fn check(&self, stage: &'static str) -> Result<(), RotationError> {
        let bytes = self.expose().as_bytes();
        let reason = if bytes.is_empty() {
            "it is empty"
        } else if bytes.len() > MAX_VALUE_BYTES {
            "it is longer than 200 bytes (the WAF byte-match limit)"
        } else if !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
            "it holds bytes other than visible ASCII"
        } else {
            return Ok(());
        };
        Err(RotationError::InvalidValue { stage, reason })
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretValue {}

/// One version of the secret.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its version id.
    pub id: String,
    /// Its `SecretString`.
    pub value: SecretValue,
    /// Its `CreatedDate`.
    pub created: Option<SystemTime>,
}

/// What `DescribeSecret` says about the secret.
#[derive(Debug, Clone, Default)]
pub struct SecretMetadata {
    /// Whether rotation is turned on.
    pub rotation_enabled: bool,
    /// Version id -> its staging labels.
    pub versions: HashMap<String, Vec<String>>,
}
