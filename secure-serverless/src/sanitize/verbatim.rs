//! Already-clean markup, recognised without parsing.
//!
//! Most markup a log writer receives is already clean: allowed tags with
//! allowed attributes, written the way a serialiser writes HTML. For such
//! input, ammonia's parse, clean and serialise round trip returns the input
//! itself, except that every `<a>` gains the policy's `link_rel`. [`as_is`]
//! recognises that case in one linear pass and builds that output directly;
//! anything else, including anything it does not understand, goes through
//! ammonia as before.
//!
//! It accepts only input in the serialiser's own form, where the HTML
//! tokenizer's reading is unambiguous:
//!
//! * start tags `<name>` or `<name attr="value" ...>` (one space before each
//!   attribute, double quotes, lower-case names), of tags the policy allows,
//!   with attributes the policy allows on them, each at most once, and no
//!   `style` attribute (ammonia's CSS filter rewrites declarations);
//! * end tags `</name>`; no comments, doctypes or other markup;
//! * `&` only in the references the serialiser writes (`&amp;`, `&lt;`,
//!   `&gt;`, `&nbsp;`, and `&quot;` in attribute values); no raw `>` in text,
//!   no raw `<` or `>` in attribute values; no U+00A0, CR, NUL or leading
//!   byte-order mark anywhere;
//! * URL attributes (ammonia's list) whose decoded value `url::Url::parse`
//!   (ammonia's own, re-exported) finds relative or with an allowed scheme,
//!   and that the policy's attribute filter keeps unchanged;
//! * a tree the [`stability`] replay knows the HTML tree
//!   builder builds as written (nothing closed early, moved or re-opened),
//!   no deeper than the policy's depth limit.
//!
//! Then parsing builds exactly the written elements, with exactly the written
//! attributes and text; ammonia keeps each of them unchanged and adds
//! `link_rel` last on each `a` (it never adds anything else with this crate's
//! policies); and the serialiser writes the same bytes back, since it escapes
//! exactly the characters excluded above. The output is a fixed point by the
//! argument of [`stability::only_link_rel_added`](super::stability). The
//! sanitiser's tests compare this path with ammonia's output on generated
//! markup, and `clean` with `clean_without_fast_path` on arbitrary strings;
//! they are what would notice a later ammonia that changes what it keeps.
//! The output is safe on its own terms too: it holds only tags and attributes
//! the policy allows, URLs with allowed schemes (checked by ammonia's own URL
//! parser), and nothing the HTML parser reads in more than one way.

use std::borrow::Cow;

use ammonia::url::{ParseError, Url};

use super::attributes::filter_attribute;
use super::compiled::Derived;
use super::spec::Spec;
use super::stability;

/// Most attributes one accepted start tag may carry (more: not recognised).
const MAX_ATTRIBUTES: usize = 8;

/// ammonia's output for `input` when `input` is already clean markup in the
/// serialiser's form (see the module docs), or `None` when that is not known.
pub(super) fn as_is<'a>(
    spec: &Spec,
    derived: &Derived,
    max_depth: usize,
    input: &'a str,
) -> Option<Cow<'a, str>> {
    let bytes = input.as_bytes();
    if input.starts_with('\u{feff}')
        || memchr::memchr2(b'\r', 0, bytes).is_some()
        || memchr::memmem::find(bytes, "\u{a0}".as_bytes()).is_some()
    {
        return None;
    }
    // Where each `<a ...>` start tag ends (its `>`).
    let mut link_ends = Vec::new();
    // URL attributes (element, attribute, decoded value), checked last: parsing
    // URLs is the dearest step, and most input that fails fails earlier.
    let mut urls = Vec::new();
    let mut pos = 0;
    while let Some(offset) = memchr::memchr3(b'<', b'>', b'&', &bytes[pos..]) {
        let at = pos + offset;
        pos = match bytes[at] {
            b'&' => at + reference_len(&bytes[at..], false)?,
            b'<' if bytes.get(at + 1) == Some(&b'/') => {
                let name = name_len(&bytes[at + 2..]);
                if name == 0 || bytes.get(at + 2 + name) != Some(&b'>') {
                    return None;
                }
                at + 2 + name + 1
            }
            b'<' => {
                let end = start_tag(spec, derived, input, at, &mut urls)?;
                if &bytes[at + 1..end] == b"a" || bytes[at + 1..end].starts_with(b"a ") {
                    link_ends.push(end);
                }
                end + 1
            }
            _ => return None,
        };
    }
    if stability::replay_depth(input, false, None)? > max_depth {
        return None;
    }
    for (element, attr, value) in urls {
        if !keeps_value(spec, derived, element, attr, &value) {
            return None;
        }
    }
    let Some(end) = link_ends.first().and(derived.link_rel_end.as_deref()) else {
        return Some(Cow::Borrowed(input));
    };
    let mut out = String::with_capacity(input.len() + link_ends.len() * (end.len() - 1));
    let mut from = 0;
    for at in link_ends {
        out.push_str(&input[from..at]);
        out.push_str(end);
        from = at + 1;
    }
    out.push_str(&input[from..]);
    Some(Cow::Owned(out))
}

/// Checks the start tag whose `<` is at `at`, except the values of its URL
/// attributes, which it adds to `urls`; returns the index of its `>`.
fn start_tag<'a>(
    spec: &Spec,
    derived: &Derived,
    input: &'a str,
    at: usize,
    urls: &mut Vec<(&'a str, &'a str, Cow<'a, str>)>,
) -> Option<usize> {
    let bytes = input.as_bytes();
    let name_start = at + 1;
    let name_end = name_start + name_len(&bytes[name_start..]);
    let name = &input[name_start..name_end];
    if name.is_empty() || !spec.tags.contains(name) {
        return None;
    }
    let allowed_here = spec.tag_attributes.get(name);
    let mut seen: [&str; MAX_ATTRIBUTES] = [""; MAX_ATTRIBUTES];
    let mut count = 0;
    let mut p = name_end;
    while bytes.get(p) == Some(&b' ') {
        let attr_start = p + 1;
        let attr_end = attr_start + attribute_name_len(&bytes[attr_start..]);
        let attr = &input[attr_start..attr_end];
        if attr.is_empty()
            || attr == "style"
            || bytes.get(attr_end..attr_end + 2) != Some(b"=\"")
            || !(spec.generic_attributes.contains(attr)
                || allowed_here.is_some_and(|a| a.contains(attr)))
            || seen[..count].contains(&attr)
            || count == MAX_ATTRIBUTES
        {
            return None;
        }
        seen[count] = attr;
        count += 1;
        let value_start = attr_end + 2;
        let value_len = memchr::memchr3(b'"', b'<', b'>', &bytes[value_start..])?;
        if bytes[value_start + value_len] != b'"' {
            return None;
        }
        let value = decode_value(&input[value_start..value_start + value_len])?;
        if is_url_attr(name, attr) {
            urls.push((name, attr, value));
        } else if !keeps_value(spec, derived, name, attr, &value) {
            return None;
        }
        p = value_start + value_len + 1;
    }
    (bytes.get(p) == Some(&b'>')).then_some(p)
}

/// Whether ammonia keeps attribute `attr="value"` of an allowed `element`
/// unchanged: its URL check (for its URL attributes) and the policy's
/// attribute filter (for policies with images).
fn keeps_value(spec: &Spec, derived: &Derived, element: &str, attr: &str, value: &str) -> bool {
    if is_url_attr(element, attr) {
        match Url::parse(value) {
            Ok(url) => {
                let scheme = url.scheme();
                if !(spec.url_schemes.contains(scheme) || (derived.data_images && scheme == "data"))
                {
                    return false;
                }
            }
            Err(ParseError::RelativeUrlWithoutBase) => {}
            Err(_) => return false,
        }
    }
    derived
        .attribute_rules
        .as_ref()
        .is_none_or(|rules| filter_attribute(rules, attr, value).is_some_and(|kept| kept == value))
}

/// ammonia's `is_url_attr` for HTML elements: the attributes whose value it
/// parses as a URL. (Its SVG animation exception cannot apply: those
/// elements are never recognised here.)
fn is_url_attr(element: &str, attr: &str) -> bool {
    matches!(attr, "href" | "xlink:href" | "src")
        || (element == "form" && attr == "action")
        || (element == "object" && attr == "data")
        || ((element == "button" || element == "input") && attr == "formaction")
        || (element == "a" && attr == "ping")
        || (element == "video" && attr == "poster")
}

/// Length of the tag name at the start of `bytes` (`[a-z0-9]`, as policy
/// names and the serialiser's output for them are spelled).
fn name_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit()))
        .unwrap_or(bytes.len())
}

/// Length of the attribute name at the start of `bytes` (policy attribute
/// names: `[a-z0-9:_-]`).
fn attribute_name_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| {
            !(b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b':' | b'_' | b'-'))
        })
        .unwrap_or(bytes.len())
}

/// Length of the character reference at the start of `bytes` when it is one
/// the serialiser writes (in text, or also `&quot;` in attribute values).
fn reference_len(bytes: &[u8], in_value: bool) -> Option<usize> {
    [
        &b"&amp;"[..],
        &b"&lt;"[..],
        &b"&gt;"[..],
        &b"&nbsp;"[..],
        &b"&quot;"[..],
    ]
    .iter()
    .take(if in_value { 5 } else { 4 })
    .find(|r| bytes.starts_with(r))
    .map(|r| r.len())
}

/// An attribute value as the tokenizer decodes it, when every reference in
/// it is one the serialiser writes.
fn decode_value(raw: &str) -> Option<Cow<'_, str>> {
    let Some(first) = memchr::memchr(b'&', raw.as_bytes()) else {
        return Some(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut rest = &raw[first..];
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let len = reference_len(&rest.as_bytes()[amp..], true)?;
        out.push(match &rest[amp..amp + len] {
            "&amp;" => '&',
            "&lt;" => '<',
            "&gt;" => '>',
            "&nbsp;" => '\u{a0}',
            _ => '"',
        });
        rest = &rest[amp + len..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}
