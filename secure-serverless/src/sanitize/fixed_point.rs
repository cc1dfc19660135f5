//! Cleaning until the output is a fixed point, each pass bounded in size.

use std::borrow::Cow;

use super::compiled::{Compiled, Derived};
use super::error::SanitizeError;

/// Sanitised output is at most this many times the input length, plus
/// [`OUTPUT_SLACK_BYTES`]; longer output is [`SanitizeError::OutputTooLarge`].
/// The largest ordinary expansion is a bare `<a>` (3 bytes), which becomes
/// `<a rel="noopener noreferrer"></a>` (33 bytes).
pub(super) const MAX_OUTPUT_FACTOR: usize = 16;
/// See [`MAX_OUTPUT_FACTOR`].
pub(super) const OUTPUT_SLACK_BYTES: usize = 1024;

/// The most output an input of `input_len` bytes may produce (see
/// [`SanitizeError::OutputTooLarge`]).
pub(super) fn output_limit(input_len: usize) -> usize {
    input_len
        .saturating_mul(MAX_OUTPUT_FACTOR)
        .saturating_add(OUTPUT_SLACK_BYTES)
}

/// Most passes [`clean_to_fixpoint`] makes before giving up.
const MAX_PASSES: usize = 4;

/// Cleans until the output is a fixed point, so that what we store parses
/// back to exactly the tree we checked.
///
/// Removing a disallowed element lifts its children into its parent, which can
/// build trees the HTML parser would never produce (an `<a>` inside an `<a>`
/// once a `<table>` between them is gone, say); their serialisation re-parses
/// differently, the raw material of mutation XSS. Already-clean input costs one
/// parse and a comparison; so does input whose output only gained the
/// policy's `link_rel` attributes (see [`stability::only_link_rel_added`]).
/// Other changed input whose output the linear replay in [`stability`] knows
/// to re-parse identically costs one parse and that replay; anything else is
/// cleaned again until a pass changes nothing.
pub(super) fn clean_to_fixpoint<'a>(
    compiled: &Compiled,
    derived: &Derived,
    input: &'a str,
) -> Result<Cow<'a, str>, SanitizeError> {
    let limit = output_limit(input.len());
    let once = clean_bounded(compiled, input, limit)?;
    if once == input {
        return Ok(Cow::Borrowed(input));
    }
    if derived.known_stable(input, &once) {
        return Ok(Cow::Owned(once));
    }
    let mut current = once;
    for _ in 1..MAX_PASSES {
        let next = clean_bounded(compiled, &current, limit)?;
        if next == current {
            return Ok(Cow::Owned(current));
        }
        current = next;
    }
    Err(SanitizeError::Unstable { passes: MAX_PASSES })
}

/// One ammonia pass, serialised into at most `limit` bytes.
pub(super) fn clean_bounded(
    compiled: &Compiled,
    input: &str,
    limit: usize,
) -> Result<String, SanitizeError> {
    struct Bounded {
        buf: Vec<u8>,
        limit: usize,
    }
    impl std::io::Write for Bounded {
        #[inline]
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.write_all(data).map(|()| data.len())
        }
        // The serialiser writes through `write_all`: one bounds check and a
        // copy, as cheap as writing to a `Vec`.
        #[inline]
        fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
            if data.len() > self.limit.saturating_sub(self.buf.len()) {
                return Err(over_limit());
            }
            self.buf.extend_from_slice(data);
            Ok(())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    #[cold]
    fn over_limit() -> std::io::Error {
        std::io::Error::other("output limit")
    }
    let mut out = Bounded {
        // Output is about as long as the input: one allocation, no regrowth.
        buf: Vec::with_capacity(input.len().saturating_add(input.len() / 8 + 64).min(limit)),
        limit,
    };
    compiled
        .with_dependent(|_, b| b.clean(input).write_to(&mut out))
        .map_err(|_| SanitizeError::OutputTooLarge { limit })?;
    // html5ever serialises UTF-8; the lossy fallback keeps this panic-free regardless.
    Ok(String::from_utf8(out.buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}
