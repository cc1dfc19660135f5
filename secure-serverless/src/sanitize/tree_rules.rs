//! The HTML tree-construction rules ("in body" and the table insertion
//! modes) that the sanitiser reasons with, as one table of element names and
//! flags: the depth guard, the stability replay and the already-clean
//! recogniser (through the replay) all read it.
//!
//! The table is built at compile time: each name once, as a lower-case key
//! of up to 16 bytes, with the union of its flags, sorted for a binary search.

/// Void: never has an end tag, never nests.
pub(super) const VOID: u16 = 1;
/// Formatting element: the tree builder may re-open it.
pub(super) const FORMATTING: u16 = 2;
/// A start tag that closes an open `p` in button scope ("in body").
pub(super) const CLOSES_P: u16 = 4;
/// A start tag that closes an open element of the same name.
pub(super) const CLOSES_SAME: u16 = 8;
/// Bounds button scope.
pub(super) const BUTTON_SCOPE: u16 = 16;
/// The list-item walk passes over it (`p`, `div`, `address`, `span`).
pub(super) const LIST_PASS: u16 = 32;
/// Neither special nor formatting ("any other start tag"), and known to the
/// stability replay.
pub(super) const PHRASING: u16 = 64;
/// Table structure: `table`, `caption`, sections, rows and cells.
pub(super) const TABLE_PART: u16 = 128;
/// Void elements the stability replay models.
pub(super) const SIMPLE_VOID: u16 = 256;
/// Formatting or `p`-closing elements the stability replay does not model
/// (`nobr` runs the adoption agency; `form`, `listing`, `plaintext`, `xmp`
/// have rules of their own; `dialog` and `search` are left out).
pub(super) const UNMODELLED: u16 = 512;

/// Whether the stability replay models the element with these flags.
pub(super) const fn modelled(flags: u16) -> bool {
    flags & (PHRASING | TABLE_PART | SIMPLE_VOID | FORMATTING | CLOSES_P) != 0
        && flags & UNMODELLED == 0
}

/// The tag names of each class (HTML tree construction, "in body").
pub(super) const LISTS: [(u16, &[&str]); 10] = [
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
    (
        PHRASING,
        &[
            "abbr", "acronym", "bdi", "bdo", "cite", "data", "del", "dfn", "ins", "kbd", "mark",
            "q", "samp", "span", "sub", "sup", "time", "var",
        ],
    ),
    (
        TABLE_PART,
        &[
            "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
        ],
    ),
    (SIMPLE_VOID, &["br", "img", "wbr", "hr"]),
    (
        UNMODELLED,
        &[
            "nobr",
            "dialog",
            "search",
            "listing",
            "form",
            "plaintext",
            "xmp",
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
const MERGED: ([(u128, u16); 256], usize) = {
    let mut table = [(0u128, 0u16); 256];
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
const TABLE: [(u128, u16); N] = {
    let mut table = [(0u128, 0u16); N];
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
pub(super) fn flags(name: &[u8]) -> u16 {
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
    pub(super) fn flags(&self) -> u16 {
        if self.key == 0 {
            return 0;
        }
        TABLE
            .binary_search_by_key(&self.key, |e| e.0)
            .map_or(0, |i| TABLE[i].1)
    }
}
