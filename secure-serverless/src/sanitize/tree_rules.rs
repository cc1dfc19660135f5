//! The HTML tree-construction rules ("in body" and the table insertion
//! modes) that the sanitiser reasons with, as one table of element names and
//! flags: the depth guard, the stability replay and the already-clean
//! recogniser (through the replay) all read it.
//!
//! The table is built at compile time: each name once, as a lower-case key
//! of up to 16 bytes, with the union of its flags, sorted for a binary search.

/// Void: never has an end tag, never nests.
pub(super) const VOID: u8 = 1;
/// Formatting element: the tree builder may re-open it.
pub(super) const FORMATTING: u8 = 2;
/// A start tag that closes an open `p` in button scope ("in body").
pub(super) const CLOSES_P: u8 = 4;
/// A start tag that closes an open element of the same name.
pub(super) const CLOSES_SAME: u8 = 8;
/// Bounds button scope.
pub(super) const BUTTON_SCOPE: u8 = 16;
/// The list-item walk passes over it (`p`, `div`, `address`, `span`).
pub(super) const LIST_PASS: u8 = 32;
/// `h1` to `h6`.
pub(super) const HEADING: u8 = 64;
/// An element the stability replay models (its `Kind`): the replay refuses
/// every other name.
pub(super) const MODELLED: u8 = 128;

/// The tag names of each class (HTML tree construction, "in body").
pub(super) const LISTS: [(u8, &[&str]); 8] = [
    (
        VOID,
        &[
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
            "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image",
        ],
    ),
    (
        FORMATTING,
        &[
            "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
            "tt", "u",
        ],
    ),
    (
        CLOSES_P,
        &[
            "address",
            "article",
            "aside",
            "blockquote",
            "center",
            "details",
            "dialog",
            "dir",
            "div",
            "dl",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "header",
            "hgroup",
            "main",
            "menu",
            "nav",
            "ol",
            "p",
            "search",
            "section",
            "summary",
            "ul",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "pre",
            "listing",
            "form",
            "li",
            "dd",
            "dt",
            "plaintext",
            "xmp",
        ],
    ),
    (
        CLOSES_SAME,
        &[
            "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rp", "rtc",
            "tbody", "thead", "tfoot", "button", "h1", "h2", "h3", "h4", "h5", "h6",
        ],
    ),
    (
        BUTTON_SCOPE,
        &[
            "applet",
            "caption",
            "html",
            "table",
            "td",
            "th",
            "marquee",
            "object",
            "template",
            "button",
            "svg",
            "math",
            "foreignobject",
            "desc",
            "title",
            "mi",
            "mo",
            "mn",
            "ms",
            "mtext",
            "annotation-xml",
        ],
    ),
    (LIST_PASS, &["p", "div", "address", "span"]),
    (HEADING, &["h1", "h2", "h3", "h4", "h5", "h6"]),
    (
        MODELLED,
        &[
            // neither special nor formatting ("any other start tag")
            "abbr",
            "acronym",
            "bdi",
            "bdo",
            "cite",
            "data",
            "del",
            "dfn",
            "ins",
            "kbd",
            "mark",
            "q",
            "samp",
            "span",
            "sub",
            "sup",
            "time",
            "var",
            // formatting (not `nobr`, whose start tag runs the adoption agency)
            "a",
            "b",
            "big",
            "code",
            "em",
            "font",
            "i",
            "s",
            "small",
            "strike",
            "strong",
            "tt",
            "u",
            // special blocks that close an open `p`
            "address",
            "div",
            "p",
            "article",
            "aside",
            "blockquote",
            "center",
            "details",
            "dir",
            "dl",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "header",
            "hgroup",
            "main",
            "menu",
            "nav",
            "ol",
            "section",
            "summary",
            "ul",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "pre",
            "li",
            "dd",
            "dt",
            // table structure
            "table",
            "caption",
            "thead",
            "tbody",
            "tfoot",
            "tr",
            "td",
            "th",
            // void
            "br",
            "img",
            "wbr",
            "hr",
        ],
    ),
];

/// A lower-case name of up to 16 bytes as one number (no name holds a
/// zero byte, so different names give different keys).
pub(super) const fn key(name: &[u8]) -> u128 {
    assert!(name.len() <= 16);
    let mut k = 0u128;
    let mut i = 0;
    while i < name.len() {
        k = (k << 8) | name[i].to_ascii_lowercase() as u128;
        i += 1;
    }
    k
}

/// Every name once, with the union of its flags (in the order first
/// seen), and how many names there are.
const MERGED: ([(u128, u8); 256], usize) = {
    let mut table = [(0u128, 0u8); 256];
    let mut n = 0;
    let mut l = 0;
    while l < LISTS.len() {
        let mut i = 0;
        while i < LISTS[l].1.len() {
            let k = key(LISTS[l].1[i].as_bytes());
            let mut j = 0;
            while j < n && table[j].0 != k {
                j += 1;
            }
            if j == n {
                table[n] = (k, 0);
                n += 1;
            }
            table[j].1 |= LISTS[l].0;
            i += 1;
        }
        l += 1;
    }
    (table, n)
};

const N: usize = MERGED.1;

/// Every name's key and flags, sorted by key: built at compile time.
const TABLE: [(u128, u8); N] = {
    let mut table = [(0u128, 0u8); N];
    let mut i = 0;
    while i < N {
        table[i] = MERGED.0[i];
        i += 1;
    }
    // insertion sort by key
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && table[j - 1].0 > table[j].0 {
            let t = table[j - 1];
            table[j - 1] = table[j];
            table[j] = t;
            j -= 1;
        }
        i += 1;
    }
    table
};

/// The flags of the element named `name` (ASCII case-insensitive); 0 for
/// names the table does not hold.
pub(super) fn flags(name: &[u8]) -> u8 {
    Name::new(name).flags()
}

/// A tag name as the rules see it: the bytes, and for names of up to 16
/// bytes their lower-case [`key`] (0 for longer names).
#[derive(Clone, Copy)]
pub(super) struct Name<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) key: u128,
}

impl<'a> Name<'a> {
    /// The name spelled by `bytes`.
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let key = if bytes.len() <= 16 { key(bytes) } else { 0 };
        Name { bytes, key }
    }

    /// Case-insensitive equality.
    pub(super) fn is(&self, other: &Name<'_>) -> bool {
        if self.key != 0 || other.key != 0 {
            self.key == other.key
        } else {
            self.bytes.eq_ignore_ascii_case(other.bytes)
        }
    }

    /// The flags of this name.
    pub(super) fn flags(&self) -> u8 {
        if self.key == 0 {
            return 0;
        }
        TABLE
            .binary_search_by_key(&self.key, |e| e.0)
            .map_or(0, |i| TABLE[i].1)
    }
}
