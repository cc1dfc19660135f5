//! The HTML tree-construction rules ("in body" and the table insertion
//! modes) that the sanitiser reasons with, as one table of element names and
//! flags: the depth guard, the stability replay and the already-clean
//! recogniser (through the replay) all read it.
//!
//! The table is built at compile time: each name once, as a lower-case key
//! of up to 16 bytes, with the union of its flags, in a hash table that a
//! lookup reads in one or two probes (the replay and the depth guard look up
//! every tag of their input).

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

/// Slots of the lookup table: a power of two, about four per name, so a
/// lookup is one hash and, almost always, one comparison.
const SLOTS: usize = 512;

/// Fibonacci hashing of a key, folded to 64 bits, to a slot.
const fn slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64);
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// Every name's key and flags in an open-addressing table (linear probing),
/// built at compile time; key 0 marks an empty slot.
const TABLE: [(u128, u16); SLOTS] = {
    assert!(MERGED.1 * 2 < SLOTS);
    let mut table = [(0u128, 0u16); SLOTS];
    let mut i = 0;
    while i < MERGED.1 {
        let (k, f) = MERGED.0[i];
        let mut s = slot(k);
        while table[s].0 != 0 {
            s = (s + 1) % SLOTS;
        }
        table[s] = (k, f);
        i += 1;
    }
    table
};

/// The flags of the name whose key is `key`; 0 for names the table does not
/// hold.
pub(super) fn flags_of_key(key: u128) -> u16 {
    let mut s = slot(key);
    loop {
        let (k, f) = TABLE[s];
        if k == key || k == 0 {
            return if k == key { f } else { 0 };
        }
        s = (s + 1) % SLOTS;
    }
}

/// The key of `name` exactly as written (no case folding), for names of 1 to
/// 16 bytes: a name with an upper-case letter never equals a table key.
pub(super) fn exact_key(name: &[u8]) -> Option<u128> {
    if name.is_empty() || name.len() > 16 {
        return None;
    }
    Some(name.iter().fold(0u128, |k, &b| (k << 8) | u128::from(b)))
}

/// A tag name as the rules see it: the bytes, and for names of up to 16
/// bytes their lower-case [`key`] (0 for longer names).
#[derive(Clone, Copy)]
pub(super) struct Name<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) key: u128,
}

impl<'a> Name<'a> {
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
        flags_of_key(self.key)
    }
}
