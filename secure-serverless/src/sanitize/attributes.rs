//! The policy's own attribute rules, run by ammonia's attribute filter:
//! `id`/`name` prefixes and the URL rules for sources.

use std::borrow::Cow;

use ammonia::url::{ParseError, Url};

use super::spec::Spec;

/// What the attribute filter needs of a policy.
#[derive(Debug, Clone)]
pub(super) struct AttributeRules {
    /// URL attributes are filtered (some element may keep `src`).
    images: bool,
    image_origins: Vec<String>,
    relative_images: bool,
    id_prefix: Option<String>,
}

impl AttributeRules {
    pub(super) fn of(spec: &Spec) -> Self {
        AttributeRules {
            images: spec.allows_src(),
            image_origins: spec.image_origins.clone(),
            relative_images: spec.relative_images,
            id_prefix: spec.id_prefix.clone(),
        }
    }
}

/// The policy's own attribute rules, after ammonia's: `id`/`name` prefixed,
/// then [`filter_url_attribute`] for URLs.
pub(super) fn filter_attribute<'u>(
    rules: &AttributeRules,
    attribute: &str,
    value: &'u str,
) -> Option<Cow<'u, str>> {
    if matches!(attribute, "id" | "name") {
        let prefix = rules.id_prefix.as_deref()?;
        return match value {
            "" => None,
            v if v.starts_with(prefix) => Some(Cow::Borrowed(v)),
            v => Some(Cow::Owned(format!("{prefix}{v}"))),
        };
    }
    if !rules.images {
        return Some(Cow::Borrowed(value));
    }
    filter_url_attribute(rules, attribute, value)
}

/// `value` (already entity-decoded, as the parser hands attribute values
/// over) the way a browser's URL parser reads it before looking at the
/// scheme: leading and trailing C0 controls and spaces trimmed, and every
/// ASCII tab and newline removed anywhere
/// (<https://url.spec.whatwg.org/#concept-basic-url-parser>, steps 1 and 3).
/// `d\tata:` is `data:` to a browser, so every scheme or origin check must
/// look at this form, never at the raw text.
pub(super) fn browser_url(value: &str) -> Cow<'_, str> {
    let trimmed = value.trim_matches(|c: char| c <= ' ');
    if trimmed.contains(['\t', '\n', '\r']) {
        Cow::Owned(
            trimmed
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect(),
        )
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Sources (`src` of any element: images, video, audio, tracks): inline
/// raster `data:` URLs, a listed origin, or (when chosen) a relative URL;
/// every other URL attribute: never `data:`. Both are decided on the URL as a
/// browser reads it ([`browser_url`]).
fn filter_url_attribute<'u>(
    rules: &AttributeRules,
    attribute: &str,
    value: &'u str,
) -> Option<Cow<'u, str>> {
    let v = browser_url(value);
    let starts = |prefix: &str| {
        v.len() >= prefix.len()
            && v.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    // Every `src` loads something when the output renders: each follows the
    // image rules.
    if attribute == "src" {
        let inline = [
            "data:image/png;base64,",
            "data:image/gif;base64,",
            "data:image/jpeg;base64,",
            "data:image/webp;base64,",
        ]
        .iter()
        .any(|p| starts(p));
        let listed = rules.image_origins.iter().any(|o| starts(o));
        // A relative reference has no scheme of its own (the check sees the
        // URL as the browser does, so `java\tscript:` is not relative).
        let relative = rules.relative_images
            && matches!(Url::parse(&v), Err(ParseError::RelativeUrlWithoutBase));
        return (inline || listed || relative).then_some(Cow::Borrowed(value));
    }
    let url_attribute = matches!(
        attribute,
        "href" | "src" | "xlink:href" | "action" | "data" | "formaction" | "ping" | "poster"
    );
    if url_attribute && starts("data:") {
        return None;
    }
    Some(Cow::Borrowed(value))
}
