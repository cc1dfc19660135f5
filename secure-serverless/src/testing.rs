//! Reference implementations for tests, benches and fuzz targets: the slow
//! paths that the crate's fast paths are checked against. Enabled by the
//! `testing` feature; nothing here is needed, or meant, in production.
//!
//! ```
//! use secure_serverless::sanitize::Sanitizer;
//! use secure_serverless::testing::SanitizerOracle;
//!
//! let policy = Sanitizer::default();
//! let input = "<b>bold</b> and <i>plain</i> text";
//! assert_eq!(policy.clean(input)?, policy.clean_without_fast_path(input)?);
//! # Ok::<(), secure_serverless::sanitize::SanitizeError>(())
//! ```

#[cfg(feature = "sanitize")]
use crate::sanitize::{SanitizeError, Sanitizer};

/// The sanitiser's full parse-and-serialise path, skipping the fast paths
/// (markup-free text, already-clean markup) that [`Sanitizer::clean`] takes.
#[cfg(feature = "sanitize")]
pub trait SanitizerOracle {
    /// What [`Sanitizer::clean`] returns when every input goes through
    /// ammonia and the fixed-point loop; the two must always agree.
    ///
    /// # Errors
    /// As [`Sanitizer::clean`].
    fn clean_without_fast_path(&self, input: &str) -> Result<String, SanitizeError>;
}

#[cfg(feature = "sanitize")]
impl SanitizerOracle for Sanitizer {
    fn clean_without_fast_path(&self, input: &str) -> Result<String, SanitizeError> {
        self.clean_through_ammonia(input)
    }
}
