//! The sanitiser's test oracle and tag-soup generator.
//!
//! [`check_allowed`] re-parses sanitised output the way a browser would
//! (html5ever, the HTML standard's tree builder, fragment in a `div` context
//! as for `innerHTML`) and checks every node against the policy's public
//! allow-list queries. [`tag_soup`] writes the markup the checks run on.

use html5ever::tendril::TendrilSink;
use html5ever::{QualName, local_name, ns, parse_fragment};
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use secure_serverless::sanitize::Sanitizer;

/// The inline image prefixes the built-in `rich` policy lets `img src` carry.
pub const DATA_IMAGE_PREFIXES: &[&str] = &[
    "data:image/png;base64,",
    "data:image/gif;base64,",
    "data:image/jpeg;base64,",
    "data:image/webp;base64,",
];

/// Parses `html` as an HTML fragment in a `<div>` context.
pub fn parse(html: &str) -> RcDom {
    parse_fragment(
        RcDom::default(),
        Default::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        vec![],
        false,
    )
    .one(html)
}

/// The fragment's nodes, in document order, without the document and the
/// parser's root `<html>` element.
pub fn fragment_nodes(dom: &RcDom) -> Vec<Handle> {
    let mut out = Vec::new();
    let roots = dom.document.children.borrow().clone();
    let mut stack: Vec<Handle> = Vec::new();
    for r in roots.iter().rev() {
        // the root <html> element the fragment algorithm creates
        stack.extend(r.children.borrow().iter().rev().cloned());
    }
    while let Some(n) = stack.pop() {
        stack.extend(n.children.borrow().iter().rev().cloned());
        if let NodeData::Element {
            template_contents, ..
        } = &n.data
            && let Some(t) = template_contents.borrow().as_ref()
        {
            stack.push(t.clone());
        }
        out.push(n);
    }
    out
}

/// The text `html` renders as when it parses to text nodes only; `None` when
/// any element, comment or other node comes out of it.
pub fn text_only(html: &str) -> Option<String> {
    let dom = parse(html);
    let mut text = String::new();
    for n in fragment_nodes(&dom) {
        match &n.data {
            NodeData::Text { contents } => text.push_str(&contents.borrow()),
            _ => return None,
        }
    }
    Some(text)
}

/// What the URL parser sees as the scheme of an attribute value: leading and
/// trailing C0 controls and spaces are stripped, tabs and newlines removed
/// anywhere; `None` for a relative URL.
pub fn url_scheme(value: &str) -> Option<String> {
    let cleaned = browser_url(value);
    let mut chars = cleaned.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        _ => return None,
    }
    for (i, c) in chars {
        match c {
            ':' => return Some(cleaned[..i].to_ascii_lowercase()),
            c if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.') => {}
            _ => return None,
        }
    }
    None
}

/// The URL string as the URL parser starts from it.
pub fn browser_url(value: &str) -> String {
    value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// The property names of a CSS declaration list (a `style` attribute), as a
/// CSS parser reads them: comments dropped, strings and brackets skipped,
/// escapes in names decoded, ASCII lower-cased. Declarations without a name
/// followed by `:` are invalid for a browser too and are not returned.
pub fn css_property_names(style: &str) -> Vec<String> {
    let chars: Vec<char> = style.chars().collect();
    let mut decls: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            // comment: skip to the closing */ (or the end)
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                if let Some(&n) = chars.get(i + 1) {
                    cur.push(n);
                    i += 1;
                }
            }
            '"' | '\'' => {
                // a string: copy it whole
                cur.push(c);
                i += 1;
                while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        cur.push(chars[i]);
                        i += 1;
                    }
                    cur.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    cur.push(chars[i]);
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            ';' if depth == 0 => decls.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
        i += 1;
    }
    decls.push(cur);
    decls
        .iter()
        .filter_map(|d| {
            let name = declaration_name(d)?;
            Some(name.to_ascii_lowercase())
        })
        .collect()
}

/// The decoded identifier before the first unescaped `:` of a declaration.
fn declaration_name(decl: &str) -> Option<String> {
    let chars: Vec<char> = decl.chars().collect();
    let mut i = 0;
    while i < chars.len() && is_css_ws(chars[i]) {
        i += 1;
    }
    let mut name = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            // escape: 1-6 hex digits and one optional white space, or any other character
            let mut hex = String::new();
            let mut j = i + 1;
            while j < chars.len() && hex.len() < 6 && chars[j].is_ascii_hexdigit() {
                hex.push(chars[j]);
                j += 1;
            }
            if hex.is_empty() {
                match chars.get(i + 1) {
                    Some('\n') | None => return None,
                    Some(&n) => {
                        name.push(n);
                        i += 2;
                    }
                }
            } else {
                let v = u32::from_str_radix(&hex, 16).ok()?;
                name.push(
                    char::from_u32(v)
                        .filter(|c| *c != '\0')
                        .unwrap_or('\u{fffd}'),
                );
                if j < chars.len() && is_css_ws(chars[j]) {
                    j += 1;
                }
                i = j;
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii() {
            name.push(c);
            i += 1;
            continue;
        }
        break;
    }
    while i < chars.len() && is_css_ws(chars[i]) {
        i += 1;
    }
    if name.is_empty() || chars.get(i) != Some(&':') {
        return None;
    }
    Some(name)
}

fn is_css_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Checks re-parsed markup against a policy. Returns a description of the
/// first node the policy does not allow.
pub fn check_allowed(policy: &Sanitizer, html: &str) -> Result<(), String> {
    let dom = parse(html);
    let table_allowed = policy.allows_tag("table");
    for node in fragment_nodes(&dom) {
        match &node.data {
            NodeData::Text { .. } => {}
            NodeData::Comment { .. } => return Err("a comment survived".into()),
            NodeData::Doctype { .. } => return Err("a doctype survived".into()),
            NodeData::ProcessingInstruction { .. } => {
                return Err("a processing instruction survived".into());
            }
            NodeData::Document => return Err("a nested document".into()),
            NodeData::Element { name, attrs, .. } => {
                if name.ns != ns!(html) {
                    return Err(format!("<{}> in namespace {:?}", name.local, name.ns));
                }
                let tag: &str = &name.local;
                // the tbody the tree builder implies inside a table
                let implied = tag == "tbody" && table_allowed;
                if !policy.allows_tag(tag) && !implied {
                    return Err(format!("tag <{tag}>"));
                }
                for attr in attrs.borrow().iter() {
                    let an: &str = &attr.name.local;
                    let value: &str = &attr.value;
                    if attr.name.ns != ns!() || attr.name.prefix.is_some() {
                        return Err(format!("namespaced attribute {:?} on <{tag}>", attr.name));
                    }
                    if !policy.allows_attribute(tag, an) {
                        return Err(format!("attribute {an} on <{tag}>"));
                    }
                    check_attribute_value(policy, tag, an, value)?;
                }
            }
        }
    }
    Ok(())
}

fn check_attribute_value(
    policy: &Sanitizer,
    tag: &str,
    attr: &str,
    value: &str,
) -> Result<(), String> {
    if attr.starts_with("on") {
        return Err(format!("event handler {attr} on <{tag}>"));
    }
    if matches!(attr, "href" | "src") {
        let scheme = url_scheme(value);
        if let Some(s) = &scheme
            && !policy.allows_url_scheme(s)
        {
            return Err(format!("scheme {s:?} in {tag}[{attr}]={value:?}"));
        }
        let is_img_src = tag == "img" && attr == "src";
        if scheme.as_deref() == Some("data") && !is_img_src {
            return Err(format!("data: URL in {tag}[{attr}]"));
        }
        if is_img_src {
            // Built-in policies have no image origins: rendering must never
            // fetch anything, so only inline raster images.
            let url = browser_url(value).to_ascii_lowercase();
            if !url.is_empty() && !DATA_IMAGE_PREFIXES.iter().any(|p| url.starts_with(p)) {
                return Err(format!("img src that loads from the network: {value:?}"));
            }
        }
    }
    if attr == "style" {
        for prop in css_property_names(value) {
            if !policy.allows_css_property(&prop) {
                return Err(format!("CSS property {prop:?} in style={value:?}"));
            }
        }
    }
    Ok(())
}

/// Tag soup: known, unknown and removed-with-content tags, misnesting,
/// table parts, attributes with and without dangerous URLs, comments, text
/// that the parser rewrites, and stray markup characters. Every choice comes
/// from `choose(n)` (a number below `n`), so any source of numbers drives it:
/// a seeded PRNG in unit tests, proptest's values, a fuzzer's bytes.
pub fn tag_soup(choose: impl FnMut(usize) -> usize) -> String {
    let mut c = Chooser(choose);
    let mut out = String::new();
    for _ in 0..1 + c.below(40) {
        match c.pick(&SHAPES) {
            "start" => {
                out.push('<');
                out.push_str(c.pick(TAG_NAMES));
                out.push_str(c.pick(ATTRIBUTES));
                out.push_str(c.pick(ATTRIBUTES));
                out.push('>');
            }
            "end" => {
                out.push_str("</");
                out.push_str(c.pick(TAG_NAMES));
                out.push('>');
            }
            "comment" => out.push_str("<!--c-->"),
            "token" => out.push_str(c.pick(TOKENS)),
            _ => out.push_str(c.pick(TEXT)),
        }
    }
    out
}

/// A source of choices: `below(n)` is always less than `n`.
struct Chooser<F>(F);

impl<F: FnMut(usize) -> usize> Chooser<F> {
    fn below(&mut self, n: usize) -> usize {
        (self.0)(n) % n
    }

    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

/// The kind of each piece, weighted by repetition.
const SHAPES: [&str; 12] = [
    "start", "start", "start", "start", "end", "end", "end", "comment", "token", "token", "text",
    "text",
];

/// Tag names the tree builder treats in every way it can: formatting,
/// special, table structure, void, raw text, foreign content, custom.
pub const TAG_NAMES: &[&str] = &[
    "a",
    "a",
    "b",
    "i",
    "em",
    "span",
    "abbr",
    "p",
    "p",
    "div",
    "ul",
    "ol",
    "li",
    "li",
    "dl",
    "dd",
    "dt",
    "h1",
    "h2",
    "pre",
    "blockquote",
    "table",
    "table",
    "caption",
    "tbody",
    "thead",
    "tr",
    "tr",
    "td",
    "td",
    "th",
    "br",
    "img",
    "hr",
    "font",
    "nobr",
    "button",
    "form",
    "select",
    "option",
    "colgroup",
    "col",
    "listing",
    "dialog",
    "search",
    "x-y",
    "svg",
    "math",
    "script",
    "style",
    "template",
    "textarea",
    "rt",
    "image",
    "section",
    "address",
    "code",
    "strong",
    "u",
    "s",
    "A",
    "DIV",
];

/// Attribute runs: none, allowed, dangerous URLs, event handlers, styles.
const ATTRIBUTES: &[&str] = &[
    "",
    "",
    "",
    " href=\"https://e.com/\"",
    " href=javascript:x",
    " href=\"data:text/html,x\"",
    " href=\"java&#x73;cript:x\"",
    " src=\"data:image/png;base64,AA\"",
    " src=x.png",
    " title=t",
    " style=\"color:red\"",
    " style=\"background:url(x)\"",
    " class=c",
    " onclick=x()",
];

/// Text the parser keeps, escapes or rewrites (CR, NUL, a byte-order mark).
const TEXT: &[&str] = &[
    "x",
    " ",
    "\n",
    "\t",
    "&amp;",
    "&#13;",
    "&nbsp;",
    "\r\n",
    "&lt;b&gt;",
    "\u{feff}",
    "\0",
    "é",
    "\u{a0}",
];

/// Stray markup characters and fragments of syntax.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "&",
    "&#",
    "&#x",
    "&lt",
    ";",
    "\"",
    "'",
    "=",
    "`",
    "<!",
    "<!--",
    "-->",
    "<?",
    "<![CDATA[",
    "]]>",
    "<a href=",
    "<a",
    "<b",
    "</p",
    "<tab",
    "<svg><p>",
    "<math><mi>",
    "<noscript>",
    "<xmp>",
    "<plaintext>",
    "<table><a>",
    "<!DOCTYPE html>",
    "<body>",
    "<head>",
    "&amp;",
    "&nbsp;",
    "<a>",
    "</a>",
    "<b>",
    "</b>",
    "<i>",
    "<p>",
    "</p>",
    "<li>",
    "<ul>",
    "<table>",
    "<td>",
    "<tr>",
    "<script>",
    "</script>",
    "<svg>",
    "<math>",
    "<style>",
    "</style>",
    "<img src=",
    "<img>",
    "javascript:",
    "JaVaScRiPt:",
    "data:image/png;base64,AA",
    "data:text/html,",
    "onerror=",
    "onclick=alert(1)",
    "<template>",
    "<iframe>",
    "<select>",
    "<option>",
    "<textarea>",
    "<title>",
    "<h1>",
    "style=",
    "color:red",
    "background:url(x)",
    "\0",
    "\r",
    "\n",
    "\t",
    " ",
    "\u{a0}",
    "\u{feff}",
    "\u{2028}",
    "\u{fffd}",
    "é",
    "http://e.com/",
    "mailto:a@b",
    "title=",
    "rel=",
    "<abbr ",
    "<blockquote>",
    "<code>",
    "<div>",
    "<span>",
    "<br>",
    "<hr/>",
    "<object>",
    "<embed>",
    "<form>",
    "<input ",
    "<base href=",
    "<meta ",
    "<?xml",
    "<html>",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_names() {
        assert_eq!(
            css_property_names("color:red; Background-Color : blue"),
            ["color", "background-color"]
        );
        assert_eq!(css_property_names(r"\62 ackground:x"), ["background"]);
        assert_eq!(css_property_names(r"color:'a;b:c';x:y"), ["color", "x"]);
        assert_eq!(css_property_names("color:url(a;b:c)"), ["color"]);
        assert!(css_property_names("no colon; ;").is_empty());
    }

    #[test]
    fn schemes() {
        assert_eq!(url_scheme(" jav\tascript:x").as_deref(), Some("javascript"));
        assert_eq!(url_scheme("\x01http:x").as_deref(), Some("http"));
        assert_eq!(url_scheme("/a:b"), None);
        assert_eq!(url_scheme("a b:c"), None);
    }

    #[test]
    fn tag_soup_uses_every_shape() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let soups: Vec<String> = (0..200).map(|_| tag_soup(&mut next)).collect();
        for needle in ["<a", "</", "<!--c-->", "href=", "&"] {
            assert!(soups.iter().any(|s| s.contains(needle)), "{needle}");
        }
        assert_eq!(tag_soup(|_| 0), "<a>");
        assert_eq!(
            tag_soup(|n| n - 1).chars().count(),
            40 * "\u{a0}".chars().count()
        );
    }

    #[test]
    fn checker_flags_what_the_bleach_compatible_policy_forbids() {
        let p = Sanitizer::bleach_compatible();
        assert!(check_allowed(&p, "<b>x</b><a href=\"https://e\">y</a>").is_ok());
        assert!(check_allowed(&p, "<svg></svg>").is_err());
        assert!(check_allowed(&p, "<a href=\"java&#x73;cript:x\">y</a>").is_err());
        assert!(check_allowed(&p, "<b onclick=x>y</b>").is_err());
        assert!(check_allowed(&p, "<!--x-->").is_err());
        let rich = Sanitizer::rich();
        assert!(check_allowed(&rich, "<p style=\"color:red\">x</p>").is_ok());
        assert!(check_allowed(&rich, "<p style=\"\\62 ackground:url(x)\">x</p>").is_err());
        assert!(check_allowed(&rich, "<img src=\"x.png\">").is_err());
        assert!(check_allowed(&rich, "<img src=\"data:image/png;base64,AA\">").is_ok());
        assert!(check_allowed(&rich, "<table><tr><td>x</td></tr></table>").is_ok());
    }
}
