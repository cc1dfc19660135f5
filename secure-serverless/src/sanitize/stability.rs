//! A linear check that sanitised, serialised markup re-parses to the tree it
//! was serialised from, so the sanitiser can skip its confirming second pass.
//!
//! Removing a disallowed element lifts its children into its parent, which can
//! build trees the HTML parser would never build (an `<a>` inside an `<a>`
//! once a `<table>` between them is gone, an `<li>` directly inside an `<li>`,
//! a `<div>` inside a `<p>`); their serialisation re-parses differently. The
//! sanitiser could find out by parsing its output again. This module
//! answers the same question without a parser, for the markup it understands:
//! it replays the serialiser's output (every element explicitly closed, in
//! order; text escaped so that `<` and `>` only delimit tags) through the
//! subset of the HTML tree-construction rules ("in body", "in table", "in
//! table body", "in row", "in cell", "in caption") that can move a node for
//! the elements it knows, and accepts only when none of them would.
//!
//! The answer is one-sided: `true` means "known to re-parse to the same
//! markup"; `false` means "not known", and the caller falls back to cleaning
//! again until the output is a fixed point. Anything outside the modelled
//! subset is `false`: unknown or custom element names, comments, `style`
//! attributes (the CSS filter re-serialises declarations), CR and NUL
//! characters (input preprocessing and the tree builder rewrite them), a
//! leading byte-order mark, a line feed right after `<pre>` (dropped by the
//! parser), table rows outside a table section, text inside table structure.
//!
//! Why the modelled rules are enough: when every start tag is inserted as a
//! child of the current node, the stack of open elements equals the chain of
//! ancestors, and the list of active formatting elements holds only open
//! ancestors. Then "reconstruct the active formatting elements" never
//! creates anything, every end tag (written by the serialiser for the current
//! node) pops exactly the current node (the adoption agency included: the
//! formatting element it finds is the current node, or step 1 pops a current
//! node that the Noah's Ark clause removed from the list), and text is
//! appended to the current node. What can break that invariant is a start tag
//! or text that the rules handle differently, and those are exactly the
//! conditions checked below, per element class:
//!
//! * `p` open in button scope: closed by block elements, headings, `pre`,
//!   list items, `table` and `hr`;
//! * an `a` in the active formatting list since the last marker (`td`, `th`,
//!   `caption`): a new `a` runs the adoption agency;
//! * `li` (`dd`/`dt`) reachable from the current node without crossing a
//!   special element other than `address`, `div` or `p`: closed by a new `li`
//!   (`dd`/`dt`);
//! * a heading as the current node: closed by a new heading;
//! * table structure: `caption` and sections only directly in `table`, `tr`
//!   only in a section, cells only in `tr`, nothing else and no text other
//!   than ASCII whitespace directly in any of them (foster parenting), and
//!   none of them elsewhere (ignored in body, or closing the cell).
//!
//! The sanitiser's property tests check the claim against `html5ever` on
//! generated markup (every accepted output cleans to itself), and the fuzz
//! target `sanitize` checks it on whatever the fuzzer finds.

use super::tree_rules;

/// How the tree builder treats an element, for the elements this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The fragment's root (the context element's insertion point).
    Root,
    /// Neither special nor formatting ("any other start tag").
    Phrasing,
    /// Formatting elements other than `a` and `nobr`.
    Formatting,
    /// `a`.
    A,
    /// Special block elements that close an open `p` and that the list-item
    /// walk passes over (`address`, `div`).
    PassableBlock,
    /// `p`.
    P,
    /// Special block elements that close an open `p`.
    Block,
    /// `h1` to `h6`.
    Heading,
    /// `pre`: closes `p`; the parser drops a line feed right after it.
    Pre,
    /// `li`.
    Li,
    /// `dd` and `dt`.
    DdDt,
    /// `table`.
    Table,
    /// `caption`.
    Caption,
    /// `thead`, `tbody`, `tfoot`.
    Section,
    /// `tr`.
    Row,
    /// `td`, `th`.
    Cell,
    /// `br`, `img`, `wbr`: void, no condition.
    Void,
    /// `hr`: void, closes `p`.
    Hr,
}

impl Kind {
    /// The kind of a lower-case element name, from the one table of
    /// tree-construction rules; `None` for names the replay does not model.
    fn of(name: &str) -> Option<Kind> {
        use tree_rules::{CLOSES_P, FORMATTING, LIST_PASS, VOID, key};
        // Exact bytes: the serialiser writes lower case, and an upper-case
        // name matches no key.
        let k = tree_rules::exact_key(name.as_bytes())?;
        let flags = tree_rules::flags_of_key(k);
        if !tree_rules::modelled(flags) {
            return None;
        }
        const A: u128 = key(b"a");
        const P: u128 = key(b"p");
        const PRE: u128 = key(b"pre");
        const LI: u128 = key(b"li");
        const DD: u128 = key(b"dd");
        const DT: u128 = key(b"dt");
        const TABLE: u128 = key(b"table");
        const CAPTION: u128 = key(b"caption");
        const THEAD: u128 = key(b"thead");
        const TBODY: u128 = key(b"tbody");
        const TFOOT: u128 = key(b"tfoot");
        const TR: u128 = key(b"tr");
        const TD: u128 = key(b"td");
        const TH: u128 = key(b"th");
        const HR: u128 = key(b"hr");
        const H1: u128 = key(b"h1");
        const H6: u128 = key(b"h6");
        Some(match k {
            A => Kind::A,
            P => Kind::P,
            PRE => Kind::Pre,
            LI => Kind::Li,
            DD | DT => Kind::DdDt,
            TABLE => Kind::Table,
            CAPTION => Kind::Caption,
            THEAD | TBODY | TFOOT => Kind::Section,
            TR => Kind::Row,
            TD | TH => Kind::Cell,
            HR => Kind::Hr,
            H1..=H6 => Kind::Heading,
            _ if flags & VOID != 0 => Kind::Void,
            _ if flags & FORMATTING != 0 => Kind::Formatting,
            _ if flags & CLOSES_P != 0 && flags & LIST_PASS != 0 => Kind::PassableBlock,
            _ if flags & CLOSES_P != 0 => Kind::Block,
            _ => Kind::Phrasing,
        })
    }

    /// In the HTML "special" category (all known kinds but phrasing and
    /// formatting ones).
    fn is_special(self) -> bool {
        !matches!(self, Kind::Phrasing | Kind::Formatting | Kind::A)
    }

    /// Table structure, whose children are handled by the table insertion
    /// modes rather than "in body".
    fn is_table_structure(self) -> bool {
        matches!(self, Kind::Table | Kind::Section | Kind::Row)
    }

    /// Start tags that close an open `p` in button scope.
    fn closes_p(self) -> bool {
        matches!(
            self,
            Kind::PassableBlock
                | Kind::P
                | Kind::Block
                | Kind::Heading
                | Kind::Pre
                | Kind::Li
                | Kind::DdDt
                | Kind::Table
                | Kind::Hr
        )
    }
}

/// An open element and what the tree builder would know at that point.
#[derive(Debug, Clone, Copy)]
struct Frame<'a> {
    name: &'a str,
    kind: Kind,
    /// A `p` is open in button scope.
    p_in_scope: bool,
    /// An `a` is in the list of active formatting elements after the last marker.
    a_active: bool,
    /// The `li` walk from here reaches an `li`.
    li_reachable: bool,
    /// The `dd`/`dt` walk from here reaches a `dd` or `dt`.
    dd_reachable: bool,
    /// No child seen yet (for `pre`'s line feed).
    empty: bool,
}

impl<'a> Frame<'a> {
    const ROOT: Frame<'static> = Frame {
        name: "",
        kind: Kind::Root,
        p_in_scope: false,
        a_active: false,
        li_reachable: false,
        dd_reachable: false,
        empty: true,
    };

    fn child(&self, name: &'a str, kind: Kind) -> Frame<'a> {
        let scope_boundary = matches!(kind, Kind::Table | Kind::Caption | Kind::Cell);
        let marker = matches!(kind, Kind::Caption | Kind::Cell);
        let walk = |reached: bool, own: bool| {
            own || (!(kind.is_special() && kind != Kind::PassableBlock && kind != Kind::P)
                && reached)
        };
        Frame {
            name,
            kind,
            p_in_scope: kind == Kind::P || (!scope_boundary && self.p_in_scope),
            a_active: kind == Kind::A || (!marker && self.a_active),
            li_reachable: walk(self.li_reachable, kind == Kind::Li),
            dd_reachable: walk(self.dd_reachable, kind == Kind::DdDt),
            empty: true,
        }
    }

    /// Whether a start tag of `kind` is inserted as a child of this element
    /// without the tree builder closing, moving or ignoring anything.
    fn accepts(&self, kind: Kind) -> bool {
        match self.kind {
            Kind::Table => return matches!(kind, Kind::Caption | Kind::Section),
            Kind::Section => return kind == Kind::Row,
            Kind::Row => return kind == Kind::Cell,
            _ => {}
        }
        if matches!(kind, Kind::Caption | Kind::Section | Kind::Row | Kind::Cell) {
            return false;
        }
        if kind.closes_p() && self.p_in_scope {
            return false;
        }
        match kind {
            Kind::A => !self.a_active,
            Kind::Heading => self.kind != Kind::Heading,
            Kind::Li => !self.li_reachable,
            Kind::DdDt => !self.dd_reachable,
            _ => true,
        }
    }
}

/// `true` when `html`, as written by the sanitiser's serialiser, is known to
/// parse (as a fragment) back into markup that serialises to `html` again,
/// and to clean to itself; `false` when that is not known. Never panics,
/// whatever `html` holds.
///
/// `style_possible`: whether the policy lets `style` attributes through (when
/// it does not, attributes need not be looked at). `link_rel_end`: with a
/// policy that adds `link_rel`, how every `<a>` start tag must end (see
/// [`Derived`](super::compiled::Derived)). ammonia pushes that `rel` last; when its
/// attribute filter then drops an earlier attribute, it swaps the last one,
/// `rel`, into the gap, and cleaning again would move `rel` back to the end.
pub(super) fn reparses_identically(
    html: &str,
    style_possible: bool,
    link_rel_end: Option<&[u8]>,
) -> bool {
    replay_depth(html, style_possible, link_rel_end).is_some()
}

/// [`reparses_identically`], with the depth of the tree when it is `true`:
/// `Some(deepest nesting of elements)` or `None` (not known).
pub(super) fn replay_depth(
    html: &str,
    style_possible: bool,
    link_rel_end: Option<&[u8]>,
) -> Option<usize> {
    let bytes = html.as_bytes();
    if html.starts_with('\u{feff}') || memchr::memchr2(b'\r', 0, bytes).is_some() {
        return None;
    }
    let mut stack: Vec<Frame<'_>> = Vec::with_capacity(32);
    stack.push(Frame::ROOT);
    let mut deepest = 0;
    let mut pos = 0;
    while pos < bytes.len() {
        let lt = memchr::memchr(b'<', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        if lt > pos {
            let text = html.get(pos..lt)?;
            if !text_stays(stack.last_mut(), text) {
                return None;
            }
        }
        if lt == bytes.len() {
            break;
        }
        if bytes.get(lt + 1) == Some(&b'/') {
            // The serialiser closes exactly the current node: `</name>`.
            let open = stack.pop()?;
            let name_end = lt + 2 + open.name.len();
            if open.kind == Kind::Root
                || bytes.get(lt + 2..name_end) != Some(open.name.as_bytes())
                || bytes.get(name_end) != Some(&b'>')
            {
                return None;
            }
            pos = name_end + 1;
            continue;
        }
        // `<name>` or `<name attr="value" ...>`; values hold no `<`, `>` or `"`.
        let mut end = lt + 1;
        while end < bytes.len() && bytes[end] != b' ' && bytes[end] != b'>' {
            end += 1;
        }
        let name = html.get(lt + 1..end)?;
        let kind = Kind::of(name)?;
        if bytes.get(end) == Some(&b' ') {
            let gt = memchr::memchr(b'>', &bytes[end..]).map(|i| end + i)?;
            if kind == Kind::A && link_rel_end.is_some_and(|e| !bytes[..=gt].ends_with(e)) {
                return None;
            }
            // The CSS filter re-serialises declarations: not known to be
            // stable. Splitting on `"` alternates ` name=` and value.
            if style_possible
                && bytes[end..gt]
                    .split(|&b| b == b'"')
                    .step_by(2)
                    .any(|attribute| attribute.trim_ascii_start() == b"style=")
            {
                return None;
            }
            pos = gt + 1;
        } else if end < bytes.len() {
            if kind == Kind::A && link_rel_end.is_some() {
                // every `a` gets `link_rel`: a bare `<a>` would gain it
                return None;
            }
            pos = end + 1;
        } else {
            return None;
        }
        let parent = stack.last_mut()?;
        if !parent.accepts(kind) {
            return None;
        }
        parent.empty = false;
        if !matches!(kind, Kind::Void | Kind::Hr) {
            let frame = parent.child(name, kind);
            stack.push(frame);
            deepest = deepest.max(stack.len() - 1);
        }
    }
    (stack.len() == 1).then_some(deepest)
}

/// Whether text appended to `parent` stays there, as one text run.
fn text_stays(parent: Option<&mut Frame<'_>>, text: &str) -> bool {
    let Some(parent) = parent else {
        return false;
    };
    let first = std::mem::replace(&mut parent.empty, false);
    if parent.kind == Kind::Pre && first && text.starts_with('\n') {
        return false;
    }
    // Only inter-element whitespace stays inside table structure; anything
    // else is foster-parented out of the table.
    !parent.kind.is_table_structure()
        || text
            .bytes()
            .all(|b| matches!(b, b'\t' | b'\n' | b'\x0c' | b' '))
}

/// `true` when `output`, the first pass's output for `input`, is `input` with
/// `tag_end` (the ` rel="…">` that ends an `<a>` start tag once ammonia has
/// added the policy's `link_rel`) in place of some of its `>` bytes, and with
/// no other difference. Such output is a fixed point, whatever it holds, so
/// this covers allowed markup with links (which differs from its input by
/// exactly those attributes) without the replay. Linear: a substring search
/// and byte comparisons.
///
/// Why it is a fixed point. In the serialiser's output a raw `"` only
/// delimits attribute values and a raw `>` only ends a tag (text and values
/// are escaped; comments and raw-text elements never pass a policy), so each
/// `tag_end` in `output` is a `rel` attribute that ends a start tag. `input`
/// has the same bytes without it: tokenized, it gives the same tokens except
/// for those `rel` attributes, which ammonia adds only to `a` (a policy with
/// `link_rel` cannot allow `rel` itself). The tree builder does not look at an
/// `a`'s attributes except to compare elements for the Noah's Ark clause, and
/// adding the same attribute to every `a` keeps every such comparison as it
/// was; so parsing `output` builds the tree of `input` with that `rel` on
/// every `a`. Cleaning that tree drops each `rel` (not allowed), adds it back
/// last, and otherwise decides exactly as it did for `input` (same elements,
/// same attribute values, a `style` value included): its serialisation is
/// `output` again.
pub(super) fn only_link_rel_added(input: &str, output: &str, tag_end: &[u8]) -> bool {
    let (input, output) = (input.as_bytes(), output.as_bytes());
    let (mut i, mut o) = (0, 0);
    for at in memchr::memmem::find_iter(output, tag_end) {
        let same = &output[o..at];
        if input.get(i..i + same.len()) != Some(same) || input.get(i + same.len()) != Some(&b'>') {
            return false;
        }
        i += same.len() + 1;
        o = at + tag_end.len();
    }
    input.get(i..) == Some(&output[o..])
}

#[cfg(test)]
mod tests {
    use super::Kind;

    /// Every kind, read from the one table of tree rules, as the HTML
    /// standard's "in body" and table modes treat these names.
    #[test]
    fn kinds_follow_the_tree_rules() {
        let expect: &[(Kind, &[&str])] = &[
            (
                Kind::Phrasing,
                &[
                    "abbr", "acronym", "bdi", "bdo", "cite", "data", "del", "dfn", "ins", "kbd",
                    "mark", "q", "samp", "span", "sub", "sup", "time", "var",
                ],
            ),
            (
                Kind::Formatting,
                &[
                    "b", "big", "code", "em", "font", "i", "s", "small", "strike", "strong", "tt",
                    "u",
                ],
            ),
            (Kind::A, &["a"]),
            (Kind::PassableBlock, &["address", "div"]),
            (Kind::P, &["p"]),
            (
                Kind::Block,
                &[
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
                ],
            ),
            (Kind::Heading, &["h1", "h2", "h3", "h4", "h5", "h6"]),
            (Kind::Pre, &["pre"]),
            (Kind::Li, &["li"]),
            (Kind::DdDt, &["dd", "dt"]),
            (Kind::Table, &["table"]),
            (Kind::Caption, &["caption"]),
            (Kind::Section, &["thead", "tbody", "tfoot"]),
            (Kind::Row, &["tr"]),
            (Kind::Cell, &["td", "th"]),
            (Kind::Void, &["br", "img", "wbr"]),
            (Kind::Hr, &["hr"]),
        ];
        for (kind, names) in expect {
            for name in *names {
                assert_eq!(Kind::of(name), Some(*kind), "{name}");
                assert_eq!(Kind::of(&name.to_ascii_uppercase()), None, "{name}");
            }
        }
        for other in [
            "nobr",
            "form",
            "xmp",
            "listing",
            "plaintext",
            "dialog",
            "search",
            "area",
            "button",
            "svg",
            "x-y",
            "",
            "h7",
            "annotation-xml-and-more",
        ] {
            assert_eq!(Kind::of(other), None, "{other}");
        }
    }

    fn stable(html: &str) -> bool {
        let with_style = super::reparses_identically(html, true, None);
        // Without style attributes in the policy, attributes are not read.
        if !html.contains("style=") {
            assert_eq!(
                super::reparses_identically(html, false, None),
                with_style,
                "{html}"
            );
        }
        with_style
    }

    #[test]
    fn well_formed_output_is_known_stable() {
        for html in [
            "",
            "plain &amp; text",
            "<b>x</b><i>y</i>",
            r#"<a href="https://e.com/?a=1&amp;b=2" rel="noopener noreferrer">l</a>"#,
            "<ul><li>a</li><li>b <b>c</b></li></ul>",
            "<li><ul><li>nested under a special element</li></ul></li>",
            "<li><div>x</div></li>",
            "<ol><li><blockquote><li>x</li></blockquote></li></ol>",
            "<b><b><b><b>four</b></b></b></b>",
            "<h1><span><h2>x</h2></span></h1>",
            "<p>one</p><p>two <b>b</b></p>",
            "<p><span>x</span><br><img></p>",
            "<a>x<table><tbody><tr><td><a>y</a></td></tr></tbody></table></a>",
            "<table> <caption>c</caption><tbody>\n<tr> <td>1</td><th>2</th></tr></tbody></table>",
            "<div><table></table></div>",
            "<pre>x\ny</pre>",
            "<pre><b>\n</b></pre>",
            "<dl><dt>t</dt><dd>d</dd></dl>",
            "a<hr>b",
        ] {
            assert!(stable(html), "{html}");
        }
    }

    #[test]
    fn markup_the_parser_would_rebuild_is_not_known_stable() {
        for html in [
            "<a><a>x</a></a>",
            "<a><span><a>x</a></span></a>",
            "<li><li>x</li></li>",
            "<li><b><li>x</li></b></li>",
            "<li><div><li>x</li></div></li>",
            "<dd><dt>x</dt></dd>",
            "<p><div>x</div></p>",
            "<p><span><ul></ul></span></p>",
            "<p><table></table></p>",
            "<p><hr></p>",
            "<h1><h2>x</h2></h1>",
            "<table><tr><td>x</td></tr></table>",
            "<table>x</table>",
            "<table><b>x</b></table>",
            "<table><tbody><td>x</td></tbody></table>",
            "<table><tbody><tr>x<td></td></tr></tbody></table>",
            "<td>x</td>",
            "<table><tbody><tr><td><tr></tr></td></tr></tbody></table>",
            "<div><caption>x</caption></div>",
            "<pre>\nx</pre>",
            r#"<p style="color:red">x</p>"#,
            "a\rb",
            "a\0b",
            "\u{feff}a",
            "<custom-element>x</custom-element>",
            "<!-- c -->",
            "<b>unclosed",
            "<b>x</i>",
            "</b>",
            "<b",
            "x<",
            "<b>x</b",
            "<b>x</bb>",
            "<b x=\"y\"",
            "<b>x</",
        ] {
            assert!(!stable(html), "{html:?}");
        }
    }
}
