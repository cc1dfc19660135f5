//! Inputs shared by the benches (see `benches/`). Not published.
#![forbid(unsafe_code)]

/// `bytes` of markup-free log text: what most log payloads are, and what the
/// sanitiser's fast path returns without parsing.
pub fn log_text(bytes: usize) -> String {
    let line = "2026-11-24T10:15:02Z level=info user=alice action=deploy service=api \
                status=ok latency_ms=42 region=eu-west-1 msg=\"rollout finished\"\n";
    line.repeat(bytes / line.len() + 1)[..bytes].to_owned()
}

/// Short fragments as log payloads carry them: allowed markup, links, and
/// the usual attacks (each 40-200 bytes).
pub const FRAGMENTS: &[&str] = &[
    "<b>deploy</b> finished in <i>42 s</i>",
    "user <a href=\"https://example.com/u/alice\" title=\"profile\">alice</a> logged in",
    "<ul><li>step one</li><li>step <code>two</code></li></ul>",
    "quota at <strong>91%</strong> &mdash; <em>consider</em> raising it",
    "<blockquote>build #812 <abbr title=\"failed\">KO</abbr></blockquote>",
    "<script>alert(document.cookie)</script>login ok",
    "<img src=x onerror=alert(1)>avatar updated",
    "<a href=\"javascript:alert(1)\">click</a> for details",
    "<div onclick=\"steal()\">panel <span>opened</span></div>",
    "<svg><script>alert(1)</script></svg>retry 3/5",
    "<p style=\"background:url(evil)\">note</p> saved",
    "plain text with an ampersand & a less-than < sign",
];

/// A document of about `bytes` bytes that holds only markup the seed's
/// allow-list keeps (the one-pass path).
pub fn rich_document(bytes: usize) -> String {
    let block = "<blockquote><b>Release 4.2</b> shipped to <a href=\"https://example.com/r/4.2\">\
                 production</a>.<ul><li>fixed <code>cursor</code> paging</li><li><em>faster</em> \
                 writes</li><li>see <abbr title=\"changelog\">CL</abbr></li></ul></blockquote>\n";
    block.repeat(bytes / block.len() + 1)
}

/// The same document with disallowed markup mixed in (the stability loop).
pub fn hostile_document(bytes: usize) -> String {
    let block = "<div class=\"x\"><b>Release 4.2</b> <img src=x onerror=alert(1)> shipped to \
                 <a href=\"javascript:alert(1)\">production</a>.<table><tr><td><ul><li>fixed \
                 </li></ul></td></tr></table><script>steal()</script></div>\n";
    block.repeat(bytes / block.len() + 1)
}

/// `bytes` of nested `<div>`: quadratic for html5ever, refused by the
/// sanitiser's depth guard before parsing.
pub fn nesting_bomb(bytes: usize) -> String {
    "<div>".repeat(bytes / 5)
}

/// A bare ammonia builder with the bleach-compatible allow-list, configured as
/// `Sanitizer::bleach_compatible()` configures it.
pub fn bare_ammonia_bleach_compatible() -> ammonia::Builder<'static> {
    use std::collections::{HashMap, HashSet};
    let mut b = ammonia::Builder::empty();
    b.tags(HashSet::from([
        "a",
        "abbr",
        "acronym",
        "b",
        "blockquote",
        "code",
        "em",
        "i",
        "li",
        "ol",
        "strong",
        "ul",
    ]))
    .clean_content_tags(HashSet::from(["script", "style"]))
    .tag_attributes(HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("abbr", HashSet::from(["title"])),
        ("acronym", HashSet::from(["title"])),
    ]))
    .url_schemes(HashSet::from(["http", "https", "mailto"]))
    .link_rel(Some("noopener noreferrer"))
    .strip_comments(true);
    b
}

/// A plain `==` comparison: the timing-leak bench's control group, which a
/// constant-time comparison is measured against.
pub fn naive_eq(a: &[u8], b: &[u8]) -> bool {
    a == b
}
