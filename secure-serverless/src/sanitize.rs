//! HTML sanitising on [`ammonia`], safe by construction.
//!
//! For the common case, one call with the bleach-compatible allow-list:
//!
//! ```
//! let clean = secure_serverless::sanitize::clean(r#"<b>hi</b><img src=x onerror=alert(1)><script>x()</script>"#)?;
//! assert_eq!(clean, "<b>hi</b>");
//! # Ok::<(), secure_serverless::sanitize::SanitizeError>(())
//! ```
//!
//! For any other policy, build a [`Sanitizer`] once and share it:
//!
//! * [`Sanitizer::bleach_compatible`] (also [`Default`]): tags `a abbr
//!   acronym b blockquote code em i li ol strong ul`, attributes
//!   `a[href title]`, `abbr[title]`, `acronym[title]`, URL schemes `http
//!   https mailto`. Other tags are removed (their text stays), `script` and
//!   `style` are removed with their content, comments are dropped, links get
//!   `rel="noopener noreferrer"`.
//! * [`Sanitizer::rich`] adds paragraphs, headings, tables, inline images
//!   (`data:image/...` only, so rendering never makes a network request) and a
//!   `style` attribute filtered through a CSS property allow-list.
//! * [`Sanitizer::plain_text`] escapes everything, for fields that must never
//!   carry markup.
//! * [`SanitizerBuilder`] builds custom allow-lists.
//!
//! # Why it is safe
//! * Every configuration that `ammonia` would panic on, and every
//!   configuration known to be unsafe (raw-text and foreign-content tags such
//!   as `svg`, `math`, `style`, `noscript`; event-handler attributes; URL
//!   attributes that `ammonia` does not check; `style` without a CSS
//!   allow-list; script-capable URL schemes) is a typed [`AllowListError`]
//!   from [`SanitizerBuilder::build`], never a panic when cleaning.
//! * Output is a fixed point: cleaning it again changes nothing, so it parses
//!   back to the tree that was checked (see [`Sanitizer::clean`]).
//! * Input longer than [`SanitizerBuilder::max_input_bytes`], or nested deeper
//!   than [`SanitizerBuilder::max_depth`] (`html5ever` spends time quadratic
//!   in nesting depth), is refused before any parsing, as is input whose
//!   output would grow without bound; the depth estimate is linear and can
//!   only over-estimate.
//! * Text with no markup characters, and markup that is already clean, skip
//!   the parser and come back exactly as the parser would return them; tests
//!   and a fuzz target compare both paths.

mod attributes;
mod builder;
mod compiled;
mod depth;
mod error;
mod fixed_point;
mod sanitizer;
mod spec;
mod stability;
mod text;
mod tree_rules;
mod validate;
mod verbatim;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::LazyLock;

pub use builder::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_INPUT_BYTES, SanitizerBuilder};
pub use error::{AllowListError, SanitizeError};
pub use sanitizer::Sanitizer;
pub use validate::{
    FORBIDDEN_ATTRIBUTES, FORBIDDEN_TAGS, FORBIDDEN_URL_SCHEMES, URL_BEARING_CSS_PROPERTIES,
};

/// Cleans `input` with the bleach-compatible allow-list
/// ([`Sanitizer::bleach_compatible`]), built once on first use.
///
/// # Errors
/// [`SanitizeError`] when the input breaks a limit; it is then not parsed.
pub fn clean(input: &str) -> Result<Cow<'_, str>, SanitizeError> {
    static DEFAULT: LazyLock<Sanitizer> = LazyLock::new(Sanitizer::bleach_compatible);
    DEFAULT.clean(input)
}
