//! [`Sanitizer`]: a built policy and [`Sanitizer::clean`], the one place that
//! decides which path an input takes.

use std::borrow::Cow;

use super::builder::SanitizerBuilder;
use super::compiled::{Compiled, Derived};
use super::depth::check_depth;
use super::error::SanitizeError;
use super::fixed_point::clean_to_fixpoint;
use super::text::{escape_text, is_parse_invariant};
use super::verbatim;

/// How a policy treats input.
#[derive(Debug)]
pub(super) enum Mode {
    Markup(Box<Compiled>),
    PlainText,
}

/// A built, immutable sanitising policy. Cheap to share (`Sync`); build it
/// once at start-up.
#[derive(Debug)]
pub struct Sanitizer {
    pub(super) mode: Mode,
    /// What the fast paths and stability checks need to know of the policy.
    pub(super) derived: Derived,
    pub(super) max_input_bytes: usize,
    pub(super) max_depth: usize,
}

impl Default for Sanitizer {
    /// The bleach-compatible allow-list; see [`Sanitizer::bleach_compatible`].
    fn default() -> Self {
        Self::bleach_compatible()
    }
}

impl Sanitizer {
    /// The bleach-compatible allow-list (bleach 5's defaults) with the default limits.
    pub fn bleach_compatible() -> Self {
        SanitizerBuilder::bleach_compatible()
            .build()
            .expect("the built-in bleach-compatible policy is valid (checked by tests)")
    }

    /// A richer built-in policy: the bleach-compatible tags plus paragraphs, headings,
    /// tables, inline `data:image/...` images and a filtered `style` attribute.
    pub fn rich() -> Self {
        SanitizerBuilder::rich()
            .build()
            .expect("the built-in rich policy is valid (checked by tests)")
    }

    /// Escapes every character that HTML treats specially (`&`, `<`, `>`,
    /// `"`, `'`), so the value renders as exactly the text it is.
    pub fn plain_text() -> Self {
        SanitizerBuilder::plain_text()
            .build()
            .expect("the built-in plain-text policy is valid")
    }

    /// A builder starting from the bleach-compatible allow-list.
    pub fn builder() -> SanitizerBuilder {
        SanitizerBuilder::bleach_compatible()
    }

    /// The input size cap of this policy, in bytes.
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
    }

    /// The nesting-depth cap of this policy.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Whether this policy escapes everything rather than parsing markup.
    pub fn is_plain_text(&self) -> bool {
        matches!(self.mode, Mode::PlainText)
    }

    /// Sanitises `input`, returning it borrowed when nothing had to change.
    ///
    /// The result is stable: cleaning it again returns it unchanged. When
    /// removing disallowed elements leaves a tree that would re-parse
    /// differently, the output is cleaned again until it is stable.
    ///
    /// # Errors
    /// [`SanitizeError`] when the input breaks a limit; it is then not parsed.
    pub fn clean<'a>(&self, input: &'a str) -> Result<Cow<'a, str>, SanitizeError> {
        if input.len() > self.max_input_bytes {
            return Err(SanitizeError::InputTooLarge {
                limit: self.max_input_bytes,
                actual: input.len(),
            });
        }
        match &self.mode {
            Mode::PlainText => Ok(escape_text(input)),
            Mode::Markup(compiled) => {
                if is_parse_invariant(input) {
                    return Ok(Cow::Borrowed(input));
                }
                let spec = compiled.borrow_owner();
                if let Some(out) = verbatim::as_is(spec, &self.derived, self.max_depth, input) {
                    return Ok(out);
                }
                check_depth(input, self.max_depth)?;
                clean_to_fixpoint(compiled, &self.derived, input)
            }
        }
    }

    /// The full parse-and-serialise path, without the fast paths (markup-free
    /// text, already-clean markup): the oracle the fast paths are checked
    /// against (published as `testing::SanitizerOracle::clean_without_fast_path`).
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn clean_through_ammonia(&self, input: &str) -> Result<String, SanitizeError> {
        if input.len() > self.max_input_bytes {
            return Err(SanitizeError::InputTooLarge {
                limit: self.max_input_bytes,
                actual: input.len(),
            });
        }
        match &self.mode {
            Mode::PlainText => Ok(escape_text(input).into_owned()),
            Mode::Markup(compiled) => {
                check_depth(input, self.max_depth)?;
                clean_to_fixpoint(compiled, &self.derived, input).map(Cow::into_owned)
            }
        }
    }

    /// Whether `tag` may appear in this policy's output (lower-case name).
    pub fn allows_tag(&self, tag: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => c.borrow_owner().tags.contains(tag),
        }
    }

    /// Whether attribute `attr` may appear on `tag` in this policy's output,
    /// including the `rel` that the policy adds to links.
    pub fn allows_attribute(&self, tag: &str, attr: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => {
                let s = c.borrow_owner();
                s.tags.contains(tag)
                    && (s.generic_attributes.contains(attr)
                        || s.tag_attributes.get(tag).is_some_and(|a| a.contains(attr))
                        || (attr == "rel" && tag == "a" && s.link_rel.is_some()))
            }
        }
    }

    /// Whether a URL with this scheme may appear in this policy's output.
    pub fn allows_url_scheme(&self, scheme: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => {
                let s = c.borrow_owner();
                s.url_schemes.contains(scheme)
                    || (scheme == "data"
                        && s.tag_attributes
                            .get("img")
                            .is_some_and(|a| a.contains("src")))
            }
        }
    }

    /// Whether CSS property `property` may appear in a `style` attribute.
    pub fn allows_css_property(&self, property: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => c
                .borrow_owner()
                .css_properties
                .as_ref()
                .is_some_and(|p| p.contains(property)),
        }
    }
}
