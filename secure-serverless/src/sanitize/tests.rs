//! Unit tests of the sanitiser's internals (the public behaviour is tested
//! in the crate's `tests/sanitize_*.rs`).

use std::borrow::Cow;

use super::builder::BLEACH_TAGS;
use super::compiled::Compiled;
use super::depth::{check_depth, read_name};
use super::fixed_point::clean_bounded;
use super::sanitizer::Mode;
use super::text::is_parse_invariant;
use super::tree_rules;
use super::*;
use super::{stability, verbatim};

#[test]
fn built_in_policies_build_and_clean_without_panicking() {
    for s in [
        Sanitizer::bleach_compatible(),
        Sanitizer::rich(),
        Sanitizer::plain_text(),
    ] {
        s.clean("<a href='http://x' rel=x>x</a><style>p{}</style><script>1</script>")
            .unwrap();
    }
}

#[test]
fn bleach_compatible_policy_matches_bleach_allow_list() {
    let s = Sanitizer::default();
    assert_eq!(
        s.clean(r#"<a href="https://e.com" title="t" onclick="x()">l</a>"#)
            .unwrap(),
        r#"<a href="https://e.com" title="t" rel="noopener noreferrer">l</a>"#
    );
    assert_eq!(
        s.clean(r#"<a href="javascript:alert(1)">x</a>"#).unwrap(),
        r#"<a rel="noopener noreferrer">x</a>"#
    );
    assert_eq!(s.clean("<p>para</p><div>d</div>").unwrap(), "parad");
    assert_eq!(s.clean("<script>alert(1)</script>ok").unwrap(), "ok");
    assert_eq!(s.clean("<style>*{}</style>ok").unwrap(), "ok");
    assert_eq!(s.clean("<!-- c -->ok").unwrap(), "ok");
    assert_eq!(
        s.clean(r#"<abbr title="x" class="c">a</abbr>"#).unwrap(),
        r#"<abbr title="x">a</abbr>"#
    );
    for tag in BLEACH_TAGS.iter().filter(|t| **t != "a") {
        let html = format!("<{tag}>x</{tag}>");
        let cleaned = s.clean(&html).unwrap();
        assert!(cleaned.contains(&format!("<{tag}>")), "{tag}: {cleaned}");
    }
}

#[test]
fn rich_policy_filters_css_and_images() {
    let s = Sanitizer::rich();
    assert_eq!(
        s.clean(r#"<p style="color:red;background-image:url(http://e/x)">x</p>"#)
            .unwrap(),
        r#"<p style="color:red">x</p>"#
    );
    assert_eq!(
        s.clean(r#"<img src="http://evil/x.png">"#).unwrap(),
        "<img>"
    );
    assert_eq!(s.clean(r#"<img src="x.png">"#).unwrap(), "<img>");
    assert_eq!(
        s.clean(r#"<img src="data:image/png;base64,AAAA" alt="a">"#)
            .unwrap(),
        r#"<img src="data:image/png;base64,AAAA" alt="a">"#
    );
    assert_eq!(
        s.clean(r#"<img src="data:image/svg+xml;base64,AAAA">"#)
            .unwrap(),
        "<img>"
    );
    assert_eq!(
        s.clean(r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#)
            .unwrap(),
        r#"<a rel="noopener noreferrer">x</a>"#
    );
    assert_eq!(
        s.clean("<table><tr><td colspan=2>x</td></tr></table><h1>h</h1>")
            .unwrap(),
        r#"<table><tbody><tr><td colspan="2">x</td></tr></tbody></table><h1>h</h1>"#
    );
}

#[test]
fn image_origins_are_honoured() {
    let s = SanitizerBuilder::rich()
        .image_origins(["https://img.example.com/"])
        .build()
        .unwrap();
    assert_eq!(
        s.clean(r#"<img src="https://img.example.com/a.png">"#)
            .unwrap(),
        r#"<img src="https://img.example.com/a.png">"#
    );
    assert_eq!(
        s.clean(r#"<img src="https://img.example.com.evil/a.png">"#)
            .unwrap(),
        "<img>"
    );
    assert!(
        SanitizerBuilder::rich()
            .image_origins(["https://x.com"])
            .build()
            .is_err()
    );
}

#[test]
fn plain_text_escapes_everything() {
    let s = Sanitizer::plain_text();
    assert_eq!(
        s.clean(r#"<b a="1">'&'</b>"#).unwrap(),
        "&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
    );
    assert!(matches!(s.clean("just text").unwrap(), Cow::Borrowed(_)));
}

#[test]
fn configurations_ammonia_panics_on_are_errors() {
    assert_eq!(
        SanitizerBuilder::bleach_compatible()
            .tag_attributes("a", ["rel"])
            .build()
            .unwrap_err(),
        AllowListError::RelWithLinkRel
    );
    assert!(
        SanitizerBuilder::bleach_compatible()
            .tag_attributes("a", ["rel"])
            .link_rel(None)
            .build()
            .is_ok()
    );
    assert_eq!(
        SanitizerBuilder::empty()
            .generic_attributes(["rel"])
            .build()
            .unwrap_err(),
        AllowListError::RelWithLinkRel
    );
    assert_eq!(
        SanitizerBuilder::empty()
            .tags(["p"])
            .remove_with_content(["p"])
            .build()
            .unwrap_err(),
        AllowListError::AllowedAndRemoved("p".into())
    );
    assert_eq!(
        SanitizerBuilder::empty()
            .tag_attributes("p", ["title"])
            .build()
            .unwrap_err(),
        AllowListError::AttributesOnDisallowedTag("p".into())
    );
}

#[test]
fn unsafe_configurations_are_errors() {
    for tag in FORBIDDEN_TAGS {
        assert_eq!(
            SanitizerBuilder::empty().tags([*tag]).build().unwrap_err(),
            AllowListError::ForbiddenTag((*tag).into())
        );
    }
    assert_eq!(
        SanitizerBuilder::empty()
            .tags(["img"])
            .tag_attributes("img", ["onerror"])
            .build()
            .unwrap_err(),
        AllowListError::EventHandlerAttribute("onerror".into())
    );
    assert_eq!(
        SanitizerBuilder::empty()
            .tags(["img"])
            .tag_attributes("img", ["srcset"])
            .build()
            .unwrap_err(),
        AllowListError::ForbiddenAttribute("srcset".into())
    );
    assert_eq!(
        SanitizerBuilder::empty()
            .tags(["p"])
            .generic_attributes(["style"])
            .build()
            .unwrap_err(),
        AllowListError::StyleWithoutCssAllowList
    );
    assert_eq!(
        SanitizerBuilder::empty()
            .url_schemes(["https", "javascript"])
            .build()
            .unwrap_err(),
        AllowListError::ForbiddenUrlScheme("javascript".into())
    );
    assert!(matches!(
        SanitizerBuilder::empty().tags(["B"]).build().unwrap_err(),
        AllowListError::InvalidName { kind: "tag", .. }
    ));
    assert!(matches!(
        SanitizerBuilder::empty().tags([""]).build(),
        Err(AllowListError::InvalidName { .. })
    ));
    assert_eq!(
        SanitizerBuilder::empty().max_depth(0).build().unwrap_err(),
        AllowListError::ZeroLimit("max_depth")
    );
}

#[test]
fn limits_are_typed_errors_naming_the_limit() {
    let s = SanitizerBuilder::bleach_compatible()
        .max_input_bytes(10)
        .build()
        .unwrap();
    let err = s.clean("01234567890").unwrap_err();
    assert_eq!(
        err,
        SanitizeError::InputTooLarge {
            limit: 10,
            actual: 11
        }
    );
    assert!(err.to_string().contains("max_input_bytes"));

    let bomb = "<div>".repeat(20_000);
    let err = Sanitizer::default().clean(&bomb).unwrap_err();
    assert_eq!(
        err,
        SanitizeError::NestingTooDeep {
            limit: DEFAULT_MAX_DEPTH
        }
    );
    assert!(err.to_string().contains("max_depth"));
}

#[test]
fn depth_estimate_follows_tree_builder() {
    let d = |s: &str, limit| check_depth(s, limit).is_ok();
    assert!(d(&"<div></div>".repeat(10_000), 1));
    assert!(d(&"<br><img><hr>".repeat(10_000), 1));
    assert!(d(&"<p>a<p>b<li>c<li>d".repeat(1000), 3));
    assert!(d(&"<ul><li>a<li><p>b<li>c</ul>".repeat(1000), 3));
    // a p inside a table cell is not closed by a p outside the table
    assert!(!d(&"<p><table><td><p>".repeat(3), 8));
    assert!(!d(&"<div>".repeat(5), 4));
    assert!(d(&"<div>".repeat(4), 4));
    // end tags that match nothing close nothing
    assert!(!d(&"<div></span>".repeat(5), 4));
    // misnested formatting elements are re-opened by the tree builder
    assert!(!d(&"<p><b class=x></p>".repeat(5), 4));
    assert!(d(&"<b>x</b>".repeat(1000), 1));
    assert!(d(&"<a>x<a>y".repeat(1000), 1));
    assert!(!d(&"<DIV>".repeat(5), 4));
    assert!(d("<", 1) && d("</", 1) && d("<a", 1) && d("</a", 1));
}

/// Every tag the stability replay knows, allowed, with a few attributes.
fn wide_policy() -> Sanitizer {
    let tags = [
        "a",
        "abbr",
        "acronym",
        "address",
        "article",
        "aside",
        "b",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "dir",
        "div",
        "dl",
        "dt",
        "em",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "main",
        "mark",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "section",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
        "wbr",
    ];
    SanitizerBuilder::empty()
        .tags(tags)
        .tag_attributes("a", ["href"])
        .generic_attributes(["title", "style"])
        .css_properties(["color"])
        .build()
        .unwrap()
}

/// The shared tag-soup generator, driven by a xorshift PRNG.
fn tag_soup(state: &mut u64) -> String {
    test_support::html::tag_soup(|n| {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state % n as u64) as usize
    })
}

/// Runs `check` on 10,000 tag soups for each of the bleach-compatible, rich and wide
/// policies; `check` returns how many of its cases the path under test
/// answered and refused. Each path must answer at least `min.0` and
/// refuse at least `min.1` (or it saves no work, or the generator found
/// no hard case).
fn on_tag_soups(
    mut state: u64,
    min: (usize, usize),
    check: impl Fn(&str, &Sanitizer, &Compiled, String) -> (usize, usize),
) {
    for (name, policy) in [
        ("bleach-compatible", Sanitizer::bleach_compatible()),
        ("rich", Sanitizer::rich()),
        ("wide", wide_policy()),
    ] {
        let Mode::Markup(compiled) = &policy.mode else {
            unreachable!()
        };
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..10_000 {
            let (a, r) = check(name, &policy, compiled, tag_soup(&mut state));
            accepted += a;
            refused += r;
        }
        assert!(
            accepted > min.0 && refused > min.1,
            "{name}: accepted {accepted}, refused {refused}"
        );
        eprintln!("{name}: accepted {accepted}, refused {refused}");
    }
}

/// The replay's one-sided claim, checked against html5ever: whenever it
/// accepts a first pass's output, cleaning that output again changes
/// nothing.
#[test]
fn stability_replay_agrees_with_html5ever() {
    on_tag_soups(
        0x9e37_79b9_7f4a_7c15,
        (3000, 50),
        |name, policy, compiled, input| {
            let Ok(once) = clean_bounded(compiled, &input, usize::MAX) else {
                return (0, 0);
            };
            let d = &policy.derived;
            let a_end = d.link_rel_end.as_deref().map(str::as_bytes);
            if !stability::reparses_identically(&once, d.style_possible, a_end) {
                return (0, 1);
            }
            let twice = clean_bounded(compiled, &once, usize::MAX).unwrap();
            assert_eq!(twice, once, "{name}: input {input:?}");
            (1, 0)
        },
    );
}

/// The `link_rel` shortcut's claim, checked against html5ever on the
/// inputs most likely to fool it: first-pass outputs with their added
/// `rel` taken out again, i.e. canonical markup holding whatever
/// structure the sanitiser produces, stable or not. Whenever the shortcut
/// accepts, cleaning the output again changes nothing.
#[test]
fn link_rel_shortcut_agrees_with_html5ever() {
    on_tag_soups(
        0x2545_f491_4f6c_dd1d,
        (500, 1000),
        |name, policy, compiled, soup| {
            let end = policy.derived.link_rel_end.as_deref().unwrap();
            let Ok(first) = clean_bounded(compiled, &soup, usize::MAX) else {
                return (0, 0);
            };
            let (mut accepted, mut refused) = (0, 0);
            for input in [soup, first.replace(end, ">")] {
                let once = clean_bounded(compiled, &input, usize::MAX).unwrap();
                if once == input {
                    continue;
                }
                if stability::only_link_rel_added(&input, &once, end.as_bytes()) {
                    accepted += 1;
                    let twice = clean_bounded(compiled, &once, usize::MAX).unwrap();
                    assert_eq!(twice, once, "{name}: input {input:?}");
                } else {
                    refused += 1;
                }
            }
            (accepted, refused)
        },
    );
}

/// The already-clean path against ammonia itself, on canonical markup
/// from the same source as above (first-pass outputs with their `rel`
/// taken out) and on the raw tag soup: whenever it answers, ammonia's
/// output is byte-identical, and it answers for most canonical inputs.
#[test]
fn verbatim_path_agrees_with_ammonia() {
    on_tag_soups(
        0x6a09_e667_f3bc_c909,
        (4000, 4000),
        |name, policy, compiled, soup| {
            let end = policy.derived.link_rel_end.as_deref().unwrap();
            let Ok(first) = clean_bounded(compiled, &soup, usize::MAX) else {
                return (0, 0);
            };
            let (mut accepted, mut refused) = (0, 0);
            for input in [first.replace(end, ">"), soup] {
                let ammonia = clean_bounded(compiled, &input, usize::MAX).unwrap();
                match verbatim::as_is(compiled.borrow_owner(), &policy.derived, usize::MAX, &input)
                {
                    Some(out) => {
                        accepted += 1;
                        assert_eq!(out, ammonia, "{name}: input {input:?}");
                    }
                    None => refused += 1,
                }
            }
            (accepted, refused)
        },
    );
}

#[test]
fn verbatim_path_answers_only_for_canonical_clean_markup() {
    let s = Sanitizer::default();
    let Mode::Markup(compiled) = &s.mode else {
        unreachable!()
    };
    let as_is = |input: &str, depth: usize| {
        verbatim::as_is(compiled.borrow_owner(), &s.derived, depth, input).map(Cow::into_owned)
    };
    let rel = r#" rel="noopener noreferrer""#;
    let doc = r#"<ul><li><a href="https://e.com/?a=1&amp;b=2" title="&quot;t&quot;">x</a> &lt;y&gt;</li></ul>"#;
    assert_eq!(
        as_is(doc, 3).unwrap(),
        doc.replace(r#"&quot;">"#, &format!(r#"&quot;"{rel}>"#))
    );
    assert_eq!(
        as_is("<b>x</b> &amp; <i>y</i>", 1).unwrap(),
        "<b>x</b> &amp; <i>y</i>"
    );
    assert_eq!(as_is("<a>x</a>", 1).unwrap(), format!("<a{rel}>x</a>"));
    // over the depth limit: left to the full path (and its error)
    assert_eq!(as_is(doc, 2), None);
    for other in [
        "<B>x</B>",                                 // upper case
        "<b >x</b>",                                // not the serialiser's spacing
        "<a href='https://e.com/'>x</a>",           // single quotes
        "<a href=https://e.com/>x</a>",             // unquoted
        r#"<a href="javascript:x()">x</a>"#,        // scheme
        r#"<a href="https://exa mple.com/">x</a>"#, // does not parse as a URL
        r#"<a href="x" href="y">x</a>"#,            // duplicate attribute
        r#"<a rel="x">x</a>"#,                      // not allowed
        r#"<abbr class="c">x</abbr>"#,              // not allowed
        r#"<abbr title="&copy;">x</abbr>"#,         // a reference the serialiser does not write
        "<p>x</p>",                                 // tag not allowed
        "<br/>",                                    // not the serialiser's form
        "<b>x</i>",                                 // misnested
        "<a><a>x</a></a>",                          // re-nested by the parser
        "<b>x</b><!-- c -->",                       // comment
        "<b>a > b</b>",                             // raw `>`
        "<b>&copy;</b>",
        "<b>\u{a0}</b>",
        "<b>x\r</b>",
        "\u{feff}<b>x</b>",
        "<b>x",
    ] {
        assert_eq!(as_is(other, 64), None, "{other}");
    }
}

#[test]
fn link_rel_shortcut_needs_exactly_the_added_attributes() {
    let end = br#" rel="noopener noreferrer">"#;
    let ok = |i: &str, o: &str| stability::only_link_rel_added(i, o, end);
    let a = r#"<a href="https://e.com/">x</a>"#;
    let a_rel = r#"<a href="https://e.com/" rel="noopener noreferrer">x</a>"#;
    assert!(ok(a, a_rel));
    assert!(ok(&a.repeat(3), &a_rel.repeat(3)));
    assert!(ok("<a>x</a>", r#"<a rel="noopener noreferrer">x</a>"#));
    // anything else that changed: not known
    assert!(!ok(a, r#"<a rel="noopener noreferrer">x</a>"#));
    assert!(!ok(&format!("{a}<b>"), a_rel));
    assert!(!ok(a, &format!("{a_rel}y")));
    assert!(!ok(&format!("{a}y"), a_rel));
    assert!(!ok(r#"<a href="https://e.com/" rel="x">x</a>"#, a_rel));
    assert!(!ok("", r#" rel="noopener noreferrer">"#));
    // the policy's value is escaped as the serialiser escapes it
    let spec = |rel: &str| {
        let b = SanitizerBuilder::bleach_compatible()
            .link_rel(Some(rel))
            .build()
            .unwrap();
        b.derived.link_rel_end.map(String::from)
    };
    assert_eq!(spec("nofollow").as_deref(), Some(r#" rel="nofollow">"#));
    assert_eq!(
        spec("a&b\"<c>\u{a0}").as_deref(),
        Some(r#" rel="a&amp;b&quot;&lt;c&gt;&nbsp;">"#)
    );
    assert!(
        SanitizerBuilder::bleach_compatible()
            .link_rel(None)
            .build()
            .unwrap()
            .derived
            .link_rel_end
            .is_none()
    );
}

fn tag_class(name: &[u8]) -> u16 {
    read_name(name, 0).0.flags()
}

#[test]
fn tag_classes_come_from_the_lists() {
    use tree_rules::*;
    for (flag, names) in LISTS {
        for name in names {
            assert_ne!(tag_class(name.as_bytes()) & flag, 0, "{name}");
            let upper = name.to_ascii_uppercase();
            assert_eq!(tag_class(upper.as_bytes()), tag_class(name.as_bytes()));
        }
    }
    assert_eq!(tag_class(b"p"), CLOSES_P | CLOSES_SAME | LIST_PASS);
    assert_eq!(tag_class(b"ANNOTATION-XML"), BUTTON_SCOPE);
    assert_eq!(tag_class(b"td"), CLOSES_SAME | BUTTON_SCOPE | TABLE_PART);
    assert_eq!(tag_class(b"span"), LIST_PASS | PHRASING);
    assert_eq!(tag_class(b"h2"), CLOSES_P | CLOSES_SAME);
    assert_eq!(tag_class(b"nobr"), FORMATTING | UNMODELLED);
    assert!(modelled(tag_class(b"b")) && modelled(tag_class(b"h2")) && modelled(tag_class(b"hr")));
    for not in ["nobr", "form", "xmp", "area", "custom-element"] {
        assert!(!modelled(tag_class(not.as_bytes())), "{not}");
    }
    for other in ["", "x", "custom-element", "annotation-xml-and-more", "\0"] {
        let expected = if other.is_empty() {
            0
        } else {
            tag_class(other.as_bytes())
        };
        assert_eq!(expected, 0, "{other:?}");
    }
}

#[test]
fn fast_path_characters() {
    assert!(is_parse_invariant(
        "plain log line: x=1, y='2' \"q\" é ü 日本 \u{fffd}"
    ));
    for s in ["<", ">", "&", "\0", "\r", "\u{a0}"] {
        assert!(!is_parse_invariant(&format!("a{s}b")), "{s:?}");
    }
    // 0xA0 as a continuation byte of another character is fine.
    assert!(is_parse_invariant("à ठ"));
}
