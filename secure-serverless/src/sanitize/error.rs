//! What can go wrong: a policy that cannot be built ([`AllowListError`]) and
//! input that a policy refuses ([`SanitizeError`]).

#[cfg(doc)]
use super::sanitizer::Sanitizer;
#[cfg(doc)]
use super::validate::{
    FORBIDDEN_ATTRIBUTES, FORBIDDEN_TAGS, FORBIDDEN_URL_SCHEMES, URL_BEARING_CSS_PROPERTIES,
};

/// A policy that cannot be built, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllowListError {
    /// A tag, attribute, scheme or CSS property name is empty or not lower-case ASCII.
    #[error(
        "invalid {kind} name {name:?}: names are lower-case ASCII letters, digits, '-' and ':'"
    )]
    InvalidName {
        /// What the name is for (`tag`, `attribute`, `URL scheme`, ...).
        kind: &'static str,
        /// The offending name.
        name: String,
    },
    /// The tag is never safe to allow (see [`FORBIDDEN_TAGS`]).
    #[error(
        "tag <{0}> can never be allowed: it is a raw-text, foreign-content or active-content element"
    )]
    ForbiddenTag(String),
    /// The attribute is never safe to allow (see [`FORBIDDEN_ATTRIBUTES`]).
    #[error(
        "attribute {0:?} can never be allowed: its URL is not checked or it enables DOM clobbering"
    )]
    ForbiddenAttribute(String),
    /// Event-handler attributes (`on*`) run script.
    #[error("attribute {0:?} is an event handler and can never be allowed")]
    EventHandlerAttribute(String),
    /// The URL scheme runs script or embeds documents (see [`FORBIDDEN_URL_SCHEMES`]).
    #[error("URL scheme {0:?} can never be allowed")]
    ForbiddenUrlScheme(String),
    /// `style` attributes are allowed without a CSS property allow-list.
    #[error(
        "the style attribute is allowed but no CSS property allow-list is set (use css_properties)"
    )]
    StyleWithoutCssAllowList,
    /// `rel` is allowed on links while the policy also sets `link_rel`.
    #[error("attribute \"rel\" cannot be allowed while link_rel is set")]
    RelWithLinkRel,
    /// A tag is both allowed and listed as removed-with-content.
    #[error("tag <{0}> is both allowed and removed with its content")]
    AllowedAndRemoved(String),
    /// An attribute is allowed on a tag that is not allowed.
    #[error("attributes are allowed on <{0}>, which is not an allowed tag")]
    AttributesOnDisallowedTag(String),
    /// A limit is zero.
    #[error("limit {0} must be greater than zero")]
    ZeroLimit(&'static str),
    /// The CSS property takes URLs (see [`URL_BEARING_CSS_PROPERTIES`]):
    /// rendering it would make a request to wherever the URL points.
    #[error("CSS property {0:?} takes URLs and can never be allowed")]
    UrlBearingCssProperty(String),
    /// The `id`/`name` prefix is not lower-case ASCII ending in `-`.
    #[error(
        "id prefix {0:?} must be lower-case ASCII letters, digits, '-' or '_', start with a letter and end with '-'"
    )]
    InvalidIdPrefix(String),
}

/// Input refused by [`Sanitizer::clean`], naming the limit it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SanitizeError {
    /// The input is longer than `max_input_bytes`.
    #[error("input is {actual} bytes, over the max_input_bytes limit of {limit}")]
    InputTooLarge {
        /// The configured limit.
        limit: usize,
        /// The input's length.
        actual: usize,
    },
    /// The input nests elements deeper than `max_depth`.
    #[error("input nests elements deeper than the max_depth limit of {limit}")]
    NestingTooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// The sanitised output would be longer than 16 times the input plus
    /// 1 KiB (a bare `<a>` gaining `rel="noopener noreferrer"` grows elevenfold): the
    /// HTML tree builder re-creates (clones, with their attributes) formatting
    /// elements that misnested markup left open, so a small input can expand
    /// without bound. Such input is refused, not serialised.
    #[error("sanitised output would exceed {limit} bytes")]
    OutputTooLarge {
        /// The output limit for this input.
        limit: usize,
    },
    /// Sanitising did not reach a stable output (one that cleans to itself)
    /// within this many passes; such markup is refused rather than stored.
    #[error("input does not sanitise to stable markup within {passes} passes")]
    Unstable {
        /// Passes made.
        passes: usize,
    },
}
