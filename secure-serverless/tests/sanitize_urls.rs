//! URL attributes as a browser reads them: a browser removes ASCII tabs and
//! newlines anywhere in a URL and trims leading and trailing C0 controls and
//! spaces before it looks at the scheme, so `d&#9;ata:text/html,...` is a
//! `data:` document. Every shipped policy, on both the ammonia path and the
//! already-clean path, must see the URL that way.
#![cfg(all(feature = "sanitize", feature = "testing"))]

use proptest::prelude::*;
use secure_serverless::sanitize::Sanitizer;
use secure_serverless::testing::SanitizerOracle;

/// Schemes that run script or carry a document.
const DANGEROUS: &[&str] = &[
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
];

/// What may be slipped into a scheme: raw, and as character references.
const INSERTS: &[&str] = &[
    "\t",
    "\n",
    "\r",
    "\0",
    "&#9;",
    "&#10;",
    "&#13;",
    "&#0;",
    "&#x9;",
    "&#xA;",
    "&#x0d;",
    "&Tab;",
    "&NewLine;",
];

fn policies() -> Vec<(&'static str, Sanitizer)> {
    vec![
        ("default", Sanitizer::default()),
        ("rich", Sanitizer::rich()),
        ("plain_text", Sanitizer::plain_text()),
    ]
}

/// The URL attributes each shipped policy allows, as `(tag, attribute)`.
const URL_ATTRIBUTES: &[(&str, &str)] = &[("a", "href"), ("img", "src")];

/// An attribute value as a browser's URL parser sees it: references
/// decoded, tabs, newlines and NULs removed, leading C0 and spaces trimmed,
/// lower case.
fn as_browser_reads(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|e| *e < 12);
        let decoded = end.and_then(|e| match &rest[1..e] {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "Tab" => Some('\t'),
            "NewLine" => Some('\n'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r' | '\0'))
        .collect::<String>()
        .trim_start_matches(|c: char| c <= ' ')
        .to_ascii_lowercase()
}

/// Every `href` and `src` value of the output's markup (the serialiser
/// always double-quotes values).
fn url_values(html: &str) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for attr in ["href", "src"] {
        let needle = format!(" {attr}=\"");
        let mut rest = html;
        while let Some(at) = rest.find(&needle) {
            rest = &rest[at + needle.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            found.push((attr, as_browser_reads(&rest[..end])));
            rest = &rest[end..];
        }
    }
    found
}

fn assert_no_dangerous_url(policy: &str, input: &str, output: &str) {
    for (attr, url) in url_values(output) {
        let inline_image = attr == "src" && url.starts_with("data:image/");
        for scheme in ["javascript:", "vbscript:", "data:"] {
            assert!(
                !url.starts_with(scheme) || inline_image,
                "{policy}: {input:?} kept a {scheme} URL: {output:?}"
            );
        }
    }
}

fn element(tag: &str, attr: &str, value: &str) -> String {
    match tag {
        "img" => format!(r#"<img {attr}="{value}" alt="x">"#),
        _ => format!(r#"<{tag} {attr}="{value}">x</{tag}>"#),
    }
}

#[test]
fn split_schemes_are_refused_at_every_position_on_both_paths() {
    let mut checked = 0;
    for (name, policy) in policies() {
        for (tag, attr) in URL_ATTRIBUTES {
            for url in DANGEROUS {
                let colon = url.find(':').unwrap() + 1;
                for at in 0..=colon {
                    for insert in INSERTS {
                        let value = format!("{}{insert}{}", &url[..at], &url[at..]);
                        let input = element(tag, attr, &value);
                        let fast = policy.clean(&input).unwrap();
                        assert_no_dangerous_url(name, &input, &fast);
                        let slow = policy.clean_without_fast_path(&input).unwrap();
                        assert_no_dangerous_url(name, &input, &slow);
                        checked += 1;
                    }
                }
            }
        }
    }
    // Leading and trailing controls and spaces too.
    for (name, policy) in policies() {
        for lead in ["\u{1}", " ", "\t", "&#1;", "&#32;", "\u{1f}\n"] {
            let input = element("a", "href", &format!("{lead}data:text/html,x"));
            assert_no_dangerous_url(name, &input, &policy.clean(&input).unwrap());
            assert_no_dangerous_url(
                name,
                &input,
                &policy.clean_without_fast_path(&input).unwrap(),
            );
        }
    }
    assert!(checked > 2_000, "{checked}");
}

#[test]
fn the_reported_vectors() {
    let rich = Sanitizer::rich();
    for input in [
        r#"<a href="d&#9;ata:text/html,<script>alert(1)</script>">x</a>"#,
        "<a href=\"d\nata:text/html,<script>alert(1)</script>\">x</a>",
        "<a href=\"d\tata:text/html,x\">x</a>",
    ] {
        for out in [
            rich.clean(input).unwrap().into_owned(),
            rich.clean_without_fast_path(input).unwrap(),
        ] {
            assert!(!out.contains("href"), "{input:?} -> {out:?}");
        }
    }
    // Inline raster images still pass, also written with a tab.
    let img = "<img src=\"data:image/png;base64,AAAA\" alt=\"a\">";
    assert_eq!(rich.clean(img).unwrap(), img);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// Several inserts at once, anywhere in the scheme.
    #[test]
    fn many_inserts_anywhere(
        url in prop::sample::select(DANGEROUS),
        picks in prop::collection::vec((0usize..12, prop::sample::select(INSERTS)), 1..5),
        tag in prop::sample::select(URL_ATTRIBUTES),
    ) {
        let colon = url.find(':').unwrap() + 1;
        let mut value = url.to_string();
        let mut picks = picks;
        picks.sort_by_key(|p| std::cmp::Reverse(p.0));
        for (at, insert) in picks {
            let at = at.min(colon);
            value.insert_str(at, insert);
        }
        let input = element(tag.0, tag.1, &value);
        for (name, policy) in policies() {
            assert_no_dangerous_url(name, &input, &policy.clean(&input).unwrap());
            assert_no_dangerous_url(name, &input, &policy.clean_without_fast_path(&input).unwrap());
        }
    }
}
