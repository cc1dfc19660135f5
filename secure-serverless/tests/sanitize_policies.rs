//! What users of other sanitisers can allow, offered the safe way: vendor
//! CSS names, no URL-bearing CSS, `id`/`name` behind a mandatory prefix, and
//! relative image URLs as an explicit choice. Each on both the ammonia path
//! and the already-clean path, each output a fixed point.
#![cfg(all(feature = "sanitize", feature = "testing"))]

use secure_serverless::sanitize::{AllowListError, Sanitizer, SanitizerBuilder};
use secure_serverless::testing::SanitizerOracle;

fn both(p: &Sanitizer, input: &str) -> String {
    let fast = p.clean(input).unwrap().into_owned();
    let slow = p.clean_without_fast_path(input).unwrap();
    assert_eq!(fast, slow, "the two paths disagree on {input:?}");
    assert_eq!(
        p.clean(&fast).unwrap(),
        fast,
        "not a fixed point: {input:?}"
    );
    fast
}

#[test]
fn css_identifiers_are_names_and_url_bearing_properties_are_refused() {
    for name in [
        "-moz-tab-size",
        "-webkit-hyphens",
        "tab-size",
        "-ms-word-break",
    ] {
        let p = SanitizerBuilder::rich().css_properties([name]).build();
        assert!(p.is_ok(), "{name}: {p:?}");
        assert!(p.unwrap().allows_css_property(name));
    }
    for name in ["--x", "-", "-1a", "Color", "color-", "a b", ""] {
        assert!(
            matches!(
                SanitizerBuilder::rich().css_properties([name]).build(),
                Err(AllowListError::InvalidName { .. })
            ),
            "{name:?}"
        );
    }
    for name in [
        "background",
        "background-image",
        "-webkit-mask-image",
        "-moz-border-image",
        "-webkit-shape-outside",
        "list-style",
        "cursor",
        "content",
        "-moz-binding",
        "behavior",
        "filter",
        "clip-path",
    ] {
        assert_eq!(
            SanitizerBuilder::rich()
                .css_properties([name])
                .build()
                .unwrap_err(),
            AllowListError::UrlBearingCssProperty(name.into()),
        );
    }
    // The shipped rich policy keeps no URL in style.
    let rich = Sanitizer::rich();
    for input in [
        r#"<p style="background-image:url(http://x/)">a</p>"#,
        r#"<p style="background:url(http://x/) red">a</p>"#,
        r#"<p style="color:red;list-style:url(http://x/)">a</p>"#,
        r#"<p style="-webkit-mask-image:url(http://x/)">a</p>"#,
    ] {
        let out = both(&rich, input);
        assert!(!out.contains("url("), "{input} -> {out}");
    }
}

#[test]
fn ids_and_names_carry_a_mandatory_prefix() {
    // Without a prefix they are refused outright.
    assert_eq!(
        SanitizerBuilder::rich()
            .generic_attributes(["id"])
            .build()
            .unwrap_err(),
        AllowListError::ForbiddenAttribute("id".into())
    );
    for bad in ["", "user", "User-", "-x-", "a b-", "x:y-"] {
        assert_eq!(
            SanitizerBuilder::rich().id_prefix(bad).build().unwrap_err(),
            AllowListError::InvalidIdPrefix(bad.into()),
            "{bad:?}"
        );
    }
    for base in [
        SanitizerBuilder::bleach_compatible(),
        SanitizerBuilder::rich(),
    ] {
        let p = base.id_prefix("user-content-").build().unwrap();
        assert!(p.allows_attribute("b", "id"));
        for (input, expected) in [
            (
                r#"<b id="location">x</b>"#,
                r#"<b id="user-content-location">x</b>"#,
            ),
            (
                r#"<b id="user-content-a">x</b>"#,
                r#"<b id="user-content-a">x</b>"#,
            ),
            (
                r#"<b name="cookie">x</b>"#,
                r#"<b name="user-content-cookie">x</b>"#,
            ),
            (r#"<b id="">x</b>"#, "<b>x</b>"),
            (
                r#"<a href="https://e.com/" id="a">x</a>"#,
                r#"<a href="https://e.com/" id="user-content-a" rel="noopener noreferrer">x</a>"#,
            ),
        ] {
            assert_eq!(both(&p, input), expected, "{input}");
        }
    }
    // The default policies still drop them.
    assert_eq!(
        both(&Sanitizer::rich(), r#"<b id="location">x</b>"#),
        "<b>x</b>"
    );
}

#[test]
fn relative_image_urls_are_an_explicit_choice() {
    let img = r#"<img src="photo.png" alt="a">"#;
    // Default: inline images only.
    assert_eq!(both(&Sanitizer::rich(), img), r#"<img alt="a">"#);
    let p = SanitizerBuilder::rich()
        .relative_image_urls(true)
        .build()
        .unwrap();
    for kept in [
        img,
        r#"<img src="/media/a.png">"#,
        r#"<img src="//cdn.example.com/a.png">"#,
        r#"<img src="data:image/png;base64,AAAA">"#,
    ] {
        assert_eq!(both(&p, kept), kept);
    }
    for refused in [
        "<img src=\"java\tscript:alert(1)\">",
        r#"<img src="javascript:alert(1)">"#,
        r#"<img src="data:text/html,x">"#,
        r#"<img src="https://elsewhere.example/a.png">"#,
    ] {
        assert_eq!(both(&p, refused), "<img>", "{refused}");
    }
    // Links are not images: relative links keep following the link rules.
    assert!(both(&p, r#"<a href="d&#9;ata:text/html,x">x</a>"#).contains("<a rel"));
}

/// Every `src` follows the image rules, whatever element carries it: a
/// policy that allows video or audio sources gets no request to anywhere.
#[test]
fn every_src_follows_the_image_rules() {
    let p = SanitizerBuilder::empty()
        .tags(["video", "audio", "source", "p"])
        .tag_attributes("video", ["src"])
        .tag_attributes("source", ["src"])
        .image_origins(["https://media.example.com/"])
        .build()
        .unwrap();
    for (input, expected) in [
        (
            r#"<video src="https://evil.example/x.mp4"></video>"#,
            "<video></video>",
        ),
        (
            r#"<video src="https://media.example.com/a.mp4"></video>"#,
            r#"<video src="https://media.example.com/a.mp4"></video>"#,
        ),
        (
            "<video src=\"https://media.example.com.evil.example/a.mp4\"></video>",
            "<video></video>",
        ),
        (r#"<video src="clip.mp4"></video>"#, "<video></video>"),
        (
            r#"<audio><source src="https://evil.example/a.ogg"></audio>"#,
            "<audio><source></audio>",
        ),
    ] {
        assert_eq!(both(&p, input), expected, "{input}");
    }
}
