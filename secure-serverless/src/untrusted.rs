//! Text that came from a request, shortened before it goes into an error
//! message or a log line: an attacker chooses it, so it must not choose how
//! much of the log it fills.
//!
//! ```
//! use secure_serverless::untrusted::{EXCERPT_CHARS, excerpt};
//!
//! let long = "x".repeat(10_000);
//! assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS);
//! assert_eq!(excerpt("kid-1"), "kid-1");
//! ```

/// How many characters [`excerpt`] keeps.
pub const EXCERPT_CHARS: usize = 64;

/// The first [`EXCERPT_CHARS`] characters of `text`.
pub fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT_CHARS).collect()
}
