//! The checks [`SanitizerBuilder::build`](super::SanitizerBuilder::build)
//! runs: what a policy may never allow, and names that must be well formed.

use super::error::AllowListError;
use super::spec::Spec;

/// Tags that a policy may never allow: raw-text and RCDATA elements (their
/// content is not parsed as markup, so allowing them invites parser
/// differentials), foreign content (`svg`, `math`: namespace confusion), and
/// elements that load or run active content or change the document.
pub const FORBIDDEN_TAGS: &[&str] = &[
    "script",
    "style",
    "svg",
    "math",
    "noscript",
    "noembed",
    "noframes",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "template",
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "base",
    "meta",
    "link",
    "portal",
    "param",
    "select",
    "selectedcontent",
];

/// Attributes that a policy may never allow: URL-bearing attributes whose
/// scheme `ammonia` does not check, attributes that carry documents or
/// enable DOM clobbering.
pub const FORBIDDEN_ATTRIBUTES: &[&str] = &[
    "srcset",
    "srcdoc",
    "background",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "cite",
    "codebase",
    "archive",
    "manifest",
    "icon",
    "profile",
    "usemap",
    "poster",
    "data",
    "action",
    "formaction",
    "xmlns",
    "xlink:href",
    "id",
    "name",
    "form",
    "is",
    "ping",
];

/// URL schemes that a policy may never allow: they run script or embed
/// documents.
pub const FORBIDDEN_URL_SCHEMES: &[&str] = &[
    "javascript",
    "vbscript",
    "data",
    "blob",
    "filesystem",
    "livescript",
    "mocha",
];

/// CSS properties that take a URL or an image (after any vendor prefix such
/// as `-webkit-`): a policy may never allow them, since rendering them makes a
/// request to wherever the URL points (or, for `binding` and `behavior`,
/// runs script in old browsers).
pub const URL_BEARING_CSS_PROPERTIES: &[&str] = &[
    "background",
    "background-image",
    "behavior",
    "binding",
    "border-image",
    "border-image-source",
    "box-reflect",
    "clip-path",
    "content",
    "cursor",
    "filter",
    "backdrop-filter",
    "list-style",
    "list-style-image",
    "marker",
    "marker-end",
    "marker-mid",
    "marker-start",
    "mask",
    "mask-border",
    "mask-border-source",
    "mask-box-image",
    "mask-box-image-source",
    "mask-image",
    "offset",
    "offset-path",
    "shape-outside",
    "src",
];

fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b':' | b'_'))
}

/// A CSS property name as policies spell it: a lower-case identifier,
/// optionally vendor-prefixed (`-webkit-hyphens`); custom properties (`--x`)
/// are not properties a policy can vouch for.
fn valid_css_property(name: &str) -> bool {
    let body = name.strip_prefix('-').unwrap_or(name);
    let mut bytes = body.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        && !name.ends_with('-')
}

/// `-webkit-mask-image` -> `mask-image`; other names unchanged.
fn without_vendor_prefix(name: &str) -> &str {
    name.strip_prefix('-')
        .and_then(|rest| rest.split_once('-'))
        .map_or(name, |(_, base)| base)
}

fn check_name(kind: &'static str, name: &str) -> Result<(), AllowListError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(AllowListError::InvalidName {
            kind,
            name: name.to_owned(),
        })
    }
}

fn check_attribute(attr: &str) -> Result<(), AllowListError> {
    check_name("attribute", attr)?;
    if attr.starts_with("on") {
        return Err(AllowListError::EventHandlerAttribute(attr.to_owned()));
    }
    if FORBIDDEN_ATTRIBUTES.contains(&attr) {
        return Err(AllowListError::ForbiddenAttribute(attr.to_owned()));
    }
    Ok(())
}

pub(super) fn validate(spec: &Spec) -> Result<(), AllowListError> {
    for tag in &spec.tags {
        check_name("tag", tag)?;
        if FORBIDDEN_TAGS.contains(&tag.as_str()) {
            return Err(AllowListError::ForbiddenTag(tag.clone()));
        }
        if spec.clean_content_tags.contains(tag) {
            return Err(AllowListError::AllowedAndRemoved(tag.clone()));
        }
    }
    for tag in &spec.clean_content_tags {
        check_name("tag", tag)?;
    }
    for (tag, attrs) in &spec.tag_attributes {
        check_name("tag", tag)?;
        if !spec.tags.contains(tag) {
            return Err(AllowListError::AttributesOnDisallowedTag(tag.clone()));
        }
        for attr in attrs {
            check_attribute(attr)?;
        }
    }
    for attr in &spec.generic_attributes {
        check_attribute(attr)?;
    }
    if spec.allows_style() && spec.css_properties.is_none() {
        return Err(AllowListError::StyleWithoutCssAllowList);
    }
    if let Some(props) = &spec.css_properties {
        for p in props {
            if !valid_css_property(p) {
                return Err(AllowListError::InvalidName {
                    kind: "CSS property",
                    name: p.clone(),
                });
            }
            if URL_BEARING_CSS_PROPERTIES.contains(&without_vendor_prefix(p)) {
                return Err(AllowListError::UrlBearingCssProperty(p.clone()));
            }
        }
    }
    if let Some(prefix) = &spec.id_prefix {
        let ok = valid_name(prefix) && prefix.ends_with('-') && !prefix.contains(':');
        if !ok {
            return Err(AllowListError::InvalidIdPrefix(prefix.clone()));
        }
    }
    let rel_allowed = spec.generic_attributes.contains("rel")
        || spec
            .tag_attributes
            .get("a")
            .is_some_and(|a| a.contains("rel"));
    if rel_allowed && spec.link_rel.is_some() {
        return Err(AllowListError::RelWithLinkRel);
    }
    for scheme in &spec.url_schemes {
        if !scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
            || !scheme.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')
            })
        {
            return Err(AllowListError::InvalidName {
                kind: "URL scheme",
                name: scheme.clone(),
            });
        }
        if FORBIDDEN_URL_SCHEMES.contains(&scheme.as_str()) {
            return Err(AllowListError::ForbiddenUrlScheme(scheme.clone()));
        }
    }
    for origin in &spec.image_origins {
        let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
            && origin.ends_with('/')
            && origin.len() > "https://x/".len() - 1;
        if !ok {
            return Err(AllowListError::InvalidName {
                kind: "image origin",
                name: origin.clone(),
            });
        }
    }
    Ok(())
}
