//! Text that needs no parser: the markup-free fast path and plain-text mode.

use std::borrow::Cow;

/// True when parsing and serialising `input` as an HTML fragment would return
/// it unchanged: see the module docs for why these bytes are the whole set.
pub(super) fn is_parse_invariant(input: &str) -> bool {
    let bytes = input.as_bytes();
    // The tokenizer drops a leading byte-order mark.
    !input.starts_with('\u{feff}')
        && memchr::memchr3(b'<', b'>', b'&', bytes).is_none()
        && memchr::memchr3(0, b'\r', 0xA0, bytes).is_none_or(|_| !contains_nbsp_nul_cr(bytes))
}

/// Slow confirmation for the rare input with a 0xA0 byte: only the UTF-8
/// encoding of U+00A0 (`C2 A0`) matters, not other characters that contain
/// the byte.
fn contains_nbsp_nul_cr(bytes: &[u8]) -> bool {
    memchr::memchr2(0, b'\r', bytes).is_some()
        || memchr::memmem::find(bytes, "\u{a0}".as_bytes()).is_some()
}

/// Plain-text mode: escapes the five characters HTML treats specially, plus a
/// leading byte-order mark (which a parser would otherwise drop).
pub(super) fn escape_text(input: &str) -> Cow<'_, str> {
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    let (mut out, rest) = match input.strip_prefix('\u{feff}') {
        Some(rest) => (String::from("&#xfeff;"), rest),
        None => match input.bytes().position(special) {
            None => return Cow::Borrowed(input),
            Some(_) => (
                String::with_capacity(input.len() + input.len() / 8 + 8),
                input,
            ),
        },
    };
    out.reserve(rest.len());
    for c in rest.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}
