//! HTML sanitising on [`ammonia`], safe by construction.
//!
//! The seed project cleaned its log fields with `bleach`, which is deprecated
//! and receives no security fixes. [`Sanitizer`] replaces it:
//!
//! * [`Sanitizer::seed_default`] (also [`Default`]) keeps the seed's allow-list:
//!   tags `a abbr acronym b blockquote code em i li ol strong ul`, attributes
//!   `a[href title]`, `abbr[title]`, `acronym[title]`, URL schemes `http https
//!   mailto`. Other tags are removed (their text stays), `script` and `style`
//!   are removed with their content, comments are dropped, links get
//!   `rel="noopener noreferrer"`.
//! * [`Sanitizer::rich`] adds paragraphs, headings, tables, inline images
//!   (`data:image/...` only, so rendering never makes a network request) and a
//!   `style` attribute filtered through a CSS property allow-list.
//! * [`Sanitizer::plain_text`] escapes everything, for fields that must never
//!   carry markup.
//! * Output is a fixed point: cleaning it again changes nothing, so it parses
//!   back to the tree that was checked (see [`Sanitizer::clean`]).
//! * [`SanitizerBuilder`] builds custom allow-lists. Every configuration that
//!   `ammonia` would panic on, and every configuration known to be unsafe
//!   (raw-text and foreign-content tags such as `svg`, `math`, `style`,
//!   `noscript`; event-handler attributes; URL attributes that `ammonia` does
//!   not check; `style` without a CSS allow-list; script-capable URL schemes)
//!   is a typed [`PolicyError`] from [`SanitizerBuilder::build`], never a panic
//!   when cleaning.
//!
//! # Limits, checked before parsing
//! `html5ever` spends time quadratic in the nesting depth of its input (20,000
//! nested `<div>` take about two seconds). [`Sanitizer::clean`] therefore
//! refuses, before any parsing, input longer than
//! [`SanitizerBuilder::max_input_bytes`] and input whose estimated nesting
//! depth exceeds [`SanitizerBuilder::max_depth`]. The estimate is a linear scan
//! that counts open elements the way the HTML tree builder keeps them (void
//! elements do not nest, an end tag closes up to its matching start tag, a `p`
//! or `li` closes an open sibling of the same name) and also counts formatting
//! elements (`b`, `i`, `a`, ...) that the tree builder would re-open later. It
//! can only over-estimate: text inside `<script>` or comments counts too.
//!
//! # Fast path
//! Text containing none of `<`, `>`, `&`, NUL, CR or U+00A0, and not starting
//! with a byte-order mark, comes out of `html5ever`'s parse-and-serialise round
//! trip unchanged (the tokenizer only reacts to `<` and `&` and drops a leading
//! BOM, the tree builder drops NUL, input preprocessing turns CR into LF, and
//! the serialiser escapes `&`, `<`, `>` and U+00A0 in text), so
//! [`Sanitizer::clean`] returns such input borrowed, without parsing. A property
//! test checks that both paths give byte-identical output for arbitrary strings.
//!
//! # Already-clean markup
//! Markup that is already clean and written the way the serialiser writes it
//! (allowed tags and attributes, double-quoted values, the serialiser's own
//! character references, URLs that pass the scheme check, a tree the HTML
//! tree builder builds as written) is recognised by one linear scan and
//! returned as ammonia would return it: unchanged, except that each `<a>`
//! gains the policy's `link_rel`. Anything the scan does not recognise goes
//! through ammonia. Property tests compare the two on generated markup, and
//! the fuzz target compares [`Sanitizer::clean`] with
//! [`Sanitizer::clean_without_fast_path`] on whatever it finds.
//!
//! # Example
//! ```
//! use secure_serverless::sanitize::Sanitizer;
//!
//! let sanitizer = Sanitizer::default();
//! let clean = sanitizer.clean(r#"<b>hi</b><img src=x onerror=alert(1)><script>x()</script>"#)?;
//! assert_eq!(clean, "<b>hi</b>");
//! # Ok::<(), secure_serverless::sanitize::SanitizeError>(())
//! ```

mod stability;
mod verbatim;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

/// Default cap on the input size accepted by [`Sanitizer::clean`]: 1 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Default cap on the estimated nesting depth: 256 (Chromium's own parser caps
/// the DOM depth at 512).
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// Sanitised output is at most this many times the input length, plus
/// [`OUTPUT_SLACK_BYTES`]; longer output is [`SanitizeError::OutputTooLarge`].
/// The largest ordinary expansion is a bare `<a>` (3 bytes), which becomes
/// `<a rel="noopener noreferrer"></a>` (33 bytes).
pub const MAX_OUTPUT_FACTOR: usize = 16;
/// See [`MAX_OUTPUT_FACTOR`].
pub const OUTPUT_SLACK_BYTES: usize = 1024;
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

const SEED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "b",
    "blockquote",
    "code",
    "em",
    "i",
    "li",
    "ol",
    "strong",
    "ul",
];
const RICH_EXTRA_TAGS: &[&str] = &[
    "p", "br", "hr", "pre", "span", "div", "u", "s", "sub", "sup", "h1", "h2", "h3", "h4", "h5",
    "h6", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "img",
];
const RICH_CSS: &[&str] = &[
    "color",
    "background-color",
    "text-align",
    "font-weight",
    "font-style",
    "text-decoration",
    "vertical-align",
    "white-space",
];

/// A policy that cannot be built, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
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
    /// The sanitised output would be longer than
    /// [`MAX_OUTPUT_FACTOR`] times the input plus [`OUTPUT_SLACK_BYTES`]: the
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

#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    tags: BTreeSet<String>,
    tag_attributes: BTreeMap<String, BTreeSet<String>>,
    generic_attributes: BTreeSet<String>,
    url_schemes: BTreeSet<String>,
    css_properties: Option<BTreeSet<String>>,
    link_rel: Option<String>,
    clean_content_tags: BTreeSet<String>,
    image_origins: Vec<String>,
    /// With a prefix, `id` and `name` are allowed and always start with it.
    id_prefix: Option<String>,
    /// Images may also load from relative and scheme-relative URLs.
    relative_images: bool,
}

impl Spec {
    /// Whether the attribute filter runs (see `filter_attribute`).
    fn filters_attributes(&self) -> bool {
        self.allows_src() || self.id_prefix.is_some()
    }

    /// Whether any element may keep a `src` (each then follows the image
    /// rules of `filter_url_attribute`).
    fn allows_src(&self) -> bool {
        self.generic_attributes.contains("src")
            || self.tag_attributes.values().any(|a| a.contains("src"))
    }

    /// Whether images may keep `src` (then `data:` image URLs pass).
    fn allows_data_images(&self) -> bool {
        self.tag_attributes
            .get("img")
            .is_some_and(|a| a.contains("src"))
    }

    /// Whether any tag may keep a `style` attribute.
    fn allows_style(&self) -> bool {
        self.generic_attributes.contains("style")
            || self.tag_attributes.values().any(|a| a.contains("style"))
    }
}

self_cell::self_cell!(
    struct Compiled {
        owner: Spec,
        #[not_covariant]
        dependent: AmmoniaBuilder,
    }
);

type AmmoniaBuilder<'a> = ammonia::Builder<'a>;

#[derive(Debug)]
enum Mode {
    Markup(Box<Compiled>),
    PlainText,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("spec", self.borrow_owner())
            .finish()
    }
}

/// A built, immutable sanitising policy. Cheap to share (`Sync`); build it
/// once at start-up.
#[derive(Debug)]
pub struct Sanitizer {
    mode: Mode,
    /// What the fast paths and stability checks need to know of the policy.
    derived: Derived,
    max_input_bytes: usize,
    max_depth: usize,
}

impl Default for Sanitizer {
    /// The seed's allow-list; see [`Sanitizer::seed_default`].
    fn default() -> Self {
        Self::seed_default()
    }
}

impl Sanitizer {
    /// The seed's allow-list (bleach 5's defaults) with the default limits.
    pub fn seed_default() -> Self {
        SanitizerBuilder::seed_default()
            .build()
            .expect("the built-in seed policy is valid (checked by tests)")
    }

    /// A richer built-in policy: the seed's tags plus paragraphs, headings,
    /// tables, inline `data:image/...` images and a filtered `style` attribute.
    pub fn rich() -> Self {
        SanitizerBuilder::rich()
            .build()
            .expect("the built-in rich policy is valid (checked by tests)")
    }

    /// Escapes every character that HTML treats specially (`&`, `<`, `>`,
    /// `"`, `'`), so the value renders as exactly the text it is.
    pub fn plain_text() -> Self {
        SanitizerBuilder::plain_text()
            .build()
            .expect("the built-in plain-text policy is valid")
    }

    /// A builder starting from the seed's allow-list.
    pub fn builder() -> SanitizerBuilder {
        SanitizerBuilder::seed_default()
    }

    /// The input size cap of this policy, in bytes.
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
    }

    /// The nesting-depth cap of this policy.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Whether this policy escapes everything rather than parsing markup.
    pub fn is_plain_text(&self) -> bool {
        matches!(self.mode, Mode::PlainText)
    }

    /// Sanitises `input`, returning it borrowed when nothing had to change.
    ///
    /// The result is stable: cleaning it again returns it unchanged. When
    /// removing disallowed elements leaves a tree that would re-parse
    /// differently, the output is cleaned again until it is stable.
    ///
    /// # Errors
    /// [`SanitizeError`] when the input breaks a limit; it is then not parsed.
    pub fn clean<'a>(&self, input: &'a str) -> Result<Cow<'a, str>, SanitizeError> {
        if input.len() > self.max_input_bytes {
            return Err(SanitizeError::InputTooLarge {
                limit: self.max_input_bytes,
                actual: input.len(),
            });
        }
        match &self.mode {
            Mode::PlainText => Ok(escape_text(input)),
            Mode::Markup(compiled) => {
                if is_parse_invariant(input) {
                    return Ok(Cow::Borrowed(input));
                }
                let spec = compiled.borrow_owner();
                if let Some(out) = verbatim::as_is(spec, &self.derived, self.max_depth, input) {
                    return Ok(out);
                }
                check_depth(input, self.max_depth)?;
                clean_to_fixpoint(compiled, &self.derived, input)
            }
        }
    }

    /// The full parse-and-serialise path, without the fast paths (markup-free
    /// text, already-clean markup): exposed so tests and benches can prove
    /// the fast paths change nothing.
    #[doc(hidden)]
    pub fn clean_without_fast_path(&self, input: &str) -> Result<String, SanitizeError> {
        if input.len() > self.max_input_bytes {
            return Err(SanitizeError::InputTooLarge {
                limit: self.max_input_bytes,
                actual: input.len(),
            });
        }
        match &self.mode {
            Mode::PlainText => Ok(escape_text(input).into_owned()),
            Mode::Markup(compiled) => {
                check_depth(input, self.max_depth)?;
                clean_to_fixpoint(compiled, &self.derived, input).map(Cow::into_owned)
            }
        }
    }

    /// Whether `tag` may appear in this policy's output (lower-case name).
    pub fn allows_tag(&self, tag: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => c.borrow_owner().tags.contains(tag),
        }
    }

    /// Whether attribute `attr` may appear on `tag` in this policy's output,
    /// including the `rel` that the policy adds to links.
    pub fn allows_attribute(&self, tag: &str, attr: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => {
                let s = c.borrow_owner();
                s.tags.contains(tag)
                    && (s.generic_attributes.contains(attr)
                        || s.tag_attributes.get(tag).is_some_and(|a| a.contains(attr))
                        || (attr == "rel" && tag == "a" && s.link_rel.is_some()))
            }
        }
    }

    /// Whether a URL with this scheme may appear in this policy's output.
    pub fn allows_url_scheme(&self, scheme: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => {
                let s = c.borrow_owner();
                s.url_schemes.contains(scheme)
                    || (scheme == "data"
                        && s.tag_attributes
                            .get("img")
                            .is_some_and(|a| a.contains("src")))
            }
        }
    }

    /// Whether CSS property `property` may appear in a `style` attribute.
    pub fn allows_css_property(&self, property: &str) -> bool {
        match &self.mode {
            Mode::PlainText => false,
            Mode::Markup(c) => c
                .borrow_owner()
                .css_properties
                .as_ref()
                .is_some_and(|p| p.contains(property)),
        }
    }
}

/// Builds a [`Sanitizer`]: an allow-list policy with safe defaults.
///
/// Start from [`SanitizerBuilder::seed_default`], [`SanitizerBuilder::rich`] or
/// [`SanitizerBuilder::empty`], adjust, then [`build`](Self::build), which
/// checks the whole configuration.
///
/// ```
/// use secure_serverless::sanitize::{PolicyError, SanitizerBuilder};
///
/// let policy = SanitizerBuilder::empty()
///     .tags(["p", "span"])
///     .generic_attributes(["style"])
///     .css_properties(["color"])
///     .build()?;
/// assert_eq!(
///     policy.clean(r#"<p style="color: red; position: fixed">x</p>"#).unwrap(),
///     r#"<p style="color:red">x</p>"#
/// );
///
/// // Unsafe or contradictory settings are errors, not panics:
/// let err = SanitizerBuilder::empty().tags(["svg"]).build().unwrap_err();
/// assert_eq!(err, PolicyError::ForbiddenTag("svg".into()));
/// # Ok::<(), PolicyError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SanitizerBuilder {
    spec: Spec,
    plain_text: bool,
    max_input_bytes: usize,
    max_depth: usize,
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

impl SanitizerBuilder {
    /// Nothing allowed: every tag removed (text kept), no attributes, links'
    /// schemes `http https mailto`, `script`/`style` removed with content.
    pub fn empty() -> Self {
        SanitizerBuilder {
            spec: Spec {
                tags: BTreeSet::new(),
                tag_attributes: BTreeMap::new(),
                generic_attributes: BTreeSet::new(),
                url_schemes: set(["http", "https", "mailto"]),
                css_properties: None,
                link_rel: Some("noopener noreferrer".to_owned()),
                clean_content_tags: set(["script", "style"]),
                image_origins: Vec::new(),
                id_prefix: None,
                relative_images: false,
            },
            plain_text: false,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// The seed's allow-list (bleach 5's defaults).
    pub fn seed_default() -> Self {
        Self::empty()
            .tags(SEED_TAGS.iter().copied())
            .tag_attributes("a", ["href", "title"])
            .tag_attributes("abbr", ["title"])
            .tag_attributes("acronym", ["title"])
    }

    /// The seed's tags plus paragraphs, headings, tables, inline images and a
    /// `style` attribute limited to [`RICH_CSS`-style](Self::css_properties)
    /// presentational properties (colour, alignment, font weight and style,
    /// decoration). Images load from `data:image/...` URLs only, so rendering
    /// sanitised output never makes a network request.
    pub fn rich() -> Self {
        Self::seed_default()
            .tags(RICH_EXTRA_TAGS.iter().copied())
            .tag_attributes("img", ["src", "alt", "title", "width", "height"])
            .tag_attributes("td", ["colspan", "rowspan"])
            .tag_attributes("th", ["colspan", "rowspan", "scope"])
            .generic_attributes(["style", "title"])
            .css_properties(RICH_CSS.iter().copied())
    }

    /// Plain-text mode: the input is never parsed; `&`, `<`, `>`, `"` and `'`
    /// are escaped so the value renders as exactly the input text.
    pub fn plain_text() -> Self {
        let mut b = Self::empty();
        b.plain_text = true;
        b
    }

    /// Adds allowed tags.
    pub fn tags<'a>(mut self, tags: impl IntoIterator<Item = &'a str>) -> Self {
        self.spec.tags.extend(set(tags));
        self
    }

    /// Removes tags from the allow-list (and their attribute lists).
    pub fn remove_tags<'a>(mut self, tags: impl IntoIterator<Item = &'a str>) -> Self {
        for t in tags {
            self.spec.tags.remove(t);
            self.spec.tag_attributes.remove(t);
        }
        self
    }

    /// Adds attributes allowed on one tag.
    pub fn tag_attributes<'a>(
        mut self,
        tag: &str,
        attributes: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.spec
            .tag_attributes
            .entry(tag.to_owned())
            .or_default()
            .extend(set(attributes));
        self
    }

    /// Adds attributes allowed on every allowed tag.
    pub fn generic_attributes<'a>(mut self, attributes: impl IntoIterator<Item = &'a str>) -> Self {
        self.spec.generic_attributes.extend(set(attributes));
        self
    }

    /// Replaces the allowed URL schemes (default `http https mailto`).
    pub fn url_schemes<'a>(mut self, schemes: impl IntoIterator<Item = &'a str>) -> Self {
        self.spec.url_schemes = set(schemes);
        self
    }

    /// Sets the CSS properties kept in `style` attributes; required when
    /// `style` is an allowed attribute. Names are CSS identifiers
    /// (vendor-prefixed ones such as `-webkit-hyphens` included). Properties
    /// that take URLs or images ([`URL_BEARING_CSS_PROPERTIES`], with or
    /// without a vendor prefix) are refused by [`build`](Self::build):
    /// sanitised output never makes a request through `style`.
    ///
    /// # Examples
    /// ```
    /// use secure_serverless::sanitize::{PolicyError, SanitizerBuilder};
    ///
    /// let p = SanitizerBuilder::rich().css_properties(["-moz-tab-size"]).build()?;
    /// assert!(p.allows_css_property("-moz-tab-size"));
    /// let err = SanitizerBuilder::rich().css_properties(["-webkit-mask-image"]).build();
    /// assert_eq!(err.unwrap_err(), PolicyError::UrlBearingCssProperty("-webkit-mask-image".into()));
    /// # Ok::<(), PolicyError>(())
    /// ```
    ///
    /// # Defaults
    /// None (no `style`); [`rich`](Self::rich) allows colour, alignment, font
    /// weight and style, decoration, vertical alignment and white space.
    pub fn css_properties<'a>(mut self, properties: impl IntoIterator<Item = &'a str>) -> Self {
        self.spec
            .css_properties
            .get_or_insert_with(BTreeSet::new)
            .extend(set(properties));
        self
    }

    /// The `rel` value added to every link (default `noopener noreferrer`);
    /// `None` adds nothing.
    pub fn link_rel(mut self, rel: Option<&str>) -> Self {
        self.spec.link_rel = rel.map(str::to_owned);
        self
    }

    /// Adds tags removed together with their content (always includes
    /// `script` and `style`).
    pub fn remove_with_content<'a>(mut self, tags: impl IntoIterator<Item = &'a str>) -> Self {
        self.spec.clean_content_tags.extend(set(tags));
        self
    }

    /// Allows `id` and `name` on every allowed tag, each value made to start
    /// with `prefix` (added unless already there, so cleaning stays a fixed
    /// point). Unprefixed, these attributes let content clobber the page's
    /// DOM globals (`<img name="location">`); with a prefix such as
    /// `user-content-` they cannot, as ammonia and DOMPurify recommend.
    ///
    /// # Examples
    /// ```
    /// use secure_serverless::sanitize::SanitizerBuilder;
    ///
    /// let p = SanitizerBuilder::seed_default().id_prefix("user-content-").build()?;
    /// assert_eq!(p.clean(r#"<b id="top">x</b>"#)?, r#"<b id="user-content-top">x</b>"#);
    /// assert_eq!(p.clean(r#"<b id="user-content-top">x</b>"#)?, r#"<b id="user-content-top">x</b>"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Defaults
    /// None: `id` and `name` are removed.
    pub fn id_prefix(mut self, prefix: &str) -> Self {
        self.spec.id_prefix = Some(prefix.to_owned());
        self
    }

    /// Lets `img src` also be a relative or scheme-relative URL
    /// (`photo.png`, `/media/a.png`, `//cdn.example.com/a.png`). This costs
    /// what the URL points to: rendering the output makes a request to the
    /// page's own origin, or for a scheme-relative URL to any host, which
    /// can tell that host who read the content and when. Absolute URLs still
    /// need [`image_origins`](Self::image_origins).
    ///
    /// # Defaults
    /// Off: images are inline `data:` or from listed origins only.
    pub fn relative_image_urls(mut self, allow: bool) -> Self {
        self.spec.relative_images = allow;
        self
    }

    /// Origins (such as `https://images.example.com/`) that `img src` (and
    /// any other `src` a policy allows: video, audio, source) may load from,
    /// besides inline `data:image/{png,gif,jpeg,webp};base64,` URLs. With
    /// none (the default), sources are inline-only.
    pub fn image_origins<'a>(mut self, origins: impl IntoIterator<Item = &'a str>) -> Self {
        self.spec
            .image_origins
            .extend(origins.into_iter().map(str::to_owned));
        self
    }

    /// Refuse input longer than this many bytes (default
    /// [`DEFAULT_MAX_INPUT_BYTES`]).
    pub fn max_input_bytes(mut self, limit: usize) -> Self {
        self.max_input_bytes = limit;
        self
    }

    /// Refuse input whose estimated nesting depth exceeds this (default
    /// [`DEFAULT_MAX_DEPTH`]).
    pub fn max_depth(mut self, limit: usize) -> Self {
        self.max_depth = limit;
        self
    }

    /// Checks the configuration and builds the policy.
    ///
    /// # Errors
    /// A [`PolicyError`] naming the first problem found.
    pub fn build(self) -> Result<Sanitizer, PolicyError> {
        if self.max_input_bytes == 0 {
            return Err(PolicyError::ZeroLimit("max_input_bytes"));
        }
        if self.max_depth == 0 {
            return Err(PolicyError::ZeroLimit("max_depth"));
        }
        if self.plain_text {
            return Ok(Sanitizer {
                mode: Mode::PlainText,
                derived: Derived::default(),
                max_input_bytes: self.max_input_bytes,
                max_depth: self.max_depth,
            });
        }
        let mut spec = self.spec;
        validate(&spec)?;
        if spec.id_prefix.is_some() {
            // Allowed only here, where the filter prefixes every value.
            spec.generic_attributes.extend(set(["id", "name"]));
        }
        let compiled = Compiled::new(spec, compile);
        let derived = Derived::of(&compiled);
        Ok(Sanitizer {
            mode: Mode::Markup(Box::new(compiled)),
            derived,
            max_input_bytes: self.max_input_bytes,
            max_depth: self.max_depth,
        })
    }
}

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

fn check_name(kind: &'static str, name: &str) -> Result<(), PolicyError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(PolicyError::InvalidName {
            kind,
            name: name.to_owned(),
        })
    }
}

fn check_attribute(attr: &str) -> Result<(), PolicyError> {
    check_name("attribute", attr)?;
    if attr.starts_with("on") {
        return Err(PolicyError::EventHandlerAttribute(attr.to_owned()));
    }
    if FORBIDDEN_ATTRIBUTES.contains(&attr) {
        return Err(PolicyError::ForbiddenAttribute(attr.to_owned()));
    }
    Ok(())
}

fn validate(spec: &Spec) -> Result<(), PolicyError> {
    for tag in &spec.tags {
        check_name("tag", tag)?;
        if FORBIDDEN_TAGS.contains(&tag.as_str()) {
            return Err(PolicyError::ForbiddenTag(tag.clone()));
        }
        if spec.clean_content_tags.contains(tag) {
            return Err(PolicyError::AllowedAndRemoved(tag.clone()));
        }
    }
    for tag in &spec.clean_content_tags {
        check_name("tag", tag)?;
    }
    for (tag, attrs) in &spec.tag_attributes {
        check_name("tag", tag)?;
        if !spec.tags.contains(tag) {
            return Err(PolicyError::AttributesOnDisallowedTag(tag.clone()));
        }
        for attr in attrs {
            check_attribute(attr)?;
        }
    }
    for attr in &spec.generic_attributes {
        check_attribute(attr)?;
    }
    if spec.allows_style() && spec.css_properties.is_none() {
        return Err(PolicyError::StyleWithoutCssAllowList);
    }
    if let Some(props) = &spec.css_properties {
        for p in props {
            if !valid_css_property(p) {
                return Err(PolicyError::InvalidName {
                    kind: "CSS property",
                    name: p.clone(),
                });
            }
            if URL_BEARING_CSS_PROPERTIES.contains(&without_vendor_prefix(p)) {
                return Err(PolicyError::UrlBearingCssProperty(p.clone()));
            }
        }
    }
    if let Some(prefix) = &spec.id_prefix {
        let ok = valid_name(prefix) && prefix.ends_with('-') && !prefix.contains(':');
        if !ok {
            return Err(PolicyError::InvalidIdPrefix(prefix.clone()));
        }
    }
    let rel_allowed = spec.generic_attributes.contains("rel")
        || spec
            .tag_attributes
            .get("a")
            .is_some_and(|a| a.contains("rel"));
    if rel_allowed && spec.link_rel.is_some() {
        return Err(PolicyError::RelWithLinkRel);
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
            return Err(PolicyError::InvalidName {
                kind: "URL scheme",
                name: scheme.clone(),
            });
        }
        if FORBIDDEN_URL_SCHEMES.contains(&scheme.as_str()) {
            return Err(PolicyError::ForbiddenUrlScheme(scheme.clone()));
        }
    }
    for origin in &spec.image_origins {
        let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
            && origin.ends_with('/')
            && origin.len() > "https://x/".len() - 1;
        if !ok {
            return Err(PolicyError::InvalidName {
                kind: "image origin",
                name: origin.clone(),
            });
        }
    }
    Ok(())
}

fn compile(spec: &Spec) -> AmmoniaBuilder<'_> {
    let mut b = ammonia::Builder::empty();
    b.tags(spec.tags.iter().map(String::as_str).collect::<HashSet<_>>())
        .clean_content_tags(spec.clean_content_tags.iter().map(String::as_str).collect())
        .tag_attributes(
            spec.tag_attributes
                .iter()
                .map(|(t, a)| {
                    (
                        t.as_str(),
                        a.iter().map(String::as_str).collect::<HashSet<_>>(),
                    )
                })
                .collect::<HashMap<_, _>>(),
        )
        .generic_attributes(spec.generic_attributes.iter().map(String::as_str).collect())
        .url_schemes(spec.url_schemes.iter().map(String::as_str).collect())
        .link_rel(spec.link_rel.as_deref())
        .strip_comments(true);
    if let Some(props) = &spec.css_properties {
        b.filter_style_properties(props.iter().map(String::as_str).collect());
    }
    if spec.allows_data_images() {
        // `data:` must pass ammonia's scheme check for images, and only there.
        b.add_url_schemes(["data"]);
    }
    if spec.filters_attributes() {
        let rules = AttributeRules::of(spec);
        b.attribute_filter(move |_element, attribute, value| {
            filter_attribute(&rules, attribute, value)
        });
    }
    b
}

/// What the attribute filter needs of a policy.
#[derive(Debug, Clone)]
struct AttributeRules {
    /// URL attributes are filtered (some element may keep `src`).
    images: bool,
    image_origins: Vec<String>,
    relative_images: bool,
    id_prefix: Option<String>,
}

impl AttributeRules {
    fn of(spec: &Spec) -> Self {
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
fn filter_attribute<'u>(
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
pub(crate) fn browser_url(value: &str) -> Cow<'_, str> {
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
            && matches!(
                ammonia::Url::parse(&v),
                Err(ammonia::url::ParseError::RelativeUrlWithoutBase)
            );
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

/// What the fast paths and [`clean_to_fixpoint`] need to know of a policy,
/// derived once, when it is built.
#[derive(Debug, Default)]
struct Derived {
    /// Whether a `style` attribute can pass (the stability replay refuses it).
    style_possible: bool,
    /// How the serialiser ends an `<a>` start tag that ammonia gave the
    /// policy's `link_rel`: ` rel="…">` (`None` without `link_rel`, or when
    /// the policy does not allow `a`).
    link_rel_end: Option<Box<str>>,
    /// Images with `src` are allowed: `data:` passes ammonia's scheme check
    /// (see `compile`).
    data_images: bool,
    /// The attribute filter runs, with these rules (see `compile`).
    attribute_rules: Option<AttributeRules>,
}

impl Derived {
    fn of(compiled: &Compiled) -> Self {
        let spec = compiled.borrow_owner();
        // Taken from ammonia's own output for an empty link, so the value is
        // escaped exactly as the serialiser escapes it. `None` without
        // `link_rel`, or when the policy drops `a` (no link ever carries it).
        let link_rel_end = clean_bounded(compiled, "<a></a>", usize::MAX)
            .ok()
            .and_then(|out| {
                let end = out.strip_prefix("<a")?.strip_suffix("</a>")?;
                (end != ">").then(|| end.into())
            });
        Self {
            style_possible: spec.allows_style(),
            link_rel_end,
            data_images: spec.allows_data_images(),
            attribute_rules: spec.filters_attributes().then(|| AttributeRules::of(spec)),
        }
    }

    /// Whether `once`, the first pass's output for `input`, is known to be a
    /// fixed point without cleaning it again.
    fn known_stable(&self, input: &str, once: &str) -> bool {
        self.link_rel_end
            .as_deref()
            .is_some_and(|end| stability::only_link_rel_added(input, once, end.as_bytes()))
            || stability::reparses_identically(
                once,
                self.style_possible,
                self.link_rel_end.as_deref().map(str::as_bytes),
            )
    }
}

/// Most passes [`clean_to_fixpoint`] makes before giving up.
const MAX_PASSES: usize = 4;

/// Cleans until the output is a fixed point, so that what we store parses
/// back to exactly the tree we checked.
///
/// Removing a disallowed element lifts its children into its parent, which can
/// build trees the HTML parser would never produce (an `<a>` inside an `<a>`
/// once a `<table>` between them is gone, say); their serialisation re-parses
/// differently, the raw material of mutation XSS. Already-clean input costs one
/// parse and a comparison; so does input whose output only gained the
/// policy's `link_rel` attributes (see [`stability::only_link_rel_added`]).
/// Other changed input whose output the linear replay in [`stability`] knows
/// to re-parse identically costs one parse and that replay; anything else is
/// cleaned again until a pass changes nothing.
fn clean_to_fixpoint<'a>(
    compiled: &Compiled,
    derived: &Derived,
    input: &'a str,
) -> Result<Cow<'a, str>, SanitizeError> {
    let limit = input
        .len()
        .saturating_mul(MAX_OUTPUT_FACTOR)
        .saturating_add(OUTPUT_SLACK_BYTES);
    let once = clean_bounded(compiled, input, limit)?;
    if once == input {
        return Ok(Cow::Borrowed(input));
    }
    if derived.known_stable(input, &once) {
        return Ok(Cow::Owned(once));
    }
    let mut current = once;
    for _ in 1..MAX_PASSES {
        let next = clean_bounded(compiled, &current, limit)?;
        if next == current {
            return Ok(Cow::Owned(current));
        }
        current = next;
    }
    Err(SanitizeError::Unstable { passes: MAX_PASSES })
}

/// One ammonia pass, serialised into at most `limit` bytes.
fn clean_bounded(compiled: &Compiled, input: &str, limit: usize) -> Result<String, SanitizeError> {
    struct Bounded {
        buf: Vec<u8>,
        limit: usize,
    }
    impl std::io::Write for Bounded {
        #[inline]
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.write_all(data).map(|()| data.len())
        }
        // The serialiser writes through `write_all`: one bounds check and a
        // copy, as cheap as writing to a `Vec`.
        #[inline]
        fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
            if data.len() > self.limit.saturating_sub(self.buf.len()) {
                return Err(over_limit());
            }
            self.buf.extend_from_slice(data);
            Ok(())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    #[cold]
    fn over_limit() -> std::io::Error {
        std::io::Error::other("output limit")
    }
    let mut out = Bounded {
        // Output is about as long as the input: one allocation, no regrowth.
        buf: Vec::with_capacity(input.len().saturating_add(input.len() / 8 + 64).min(limit)),
        limit,
    };
    compiled
        .with_dependent(|_, b| b.clean(input).write_to(&mut out))
        .map_err(|_| SanitizeError::OutputTooLarge { limit })?;
    // html5ever serialises UTF-8; the lossy fallback keeps this panic-free regardless.
    Ok(String::from_utf8(out.buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// True when parsing and serialising `input` as an HTML fragment would return
/// it unchanged: see the module docs for why these bytes are the whole set.
fn is_parse_invariant(input: &str) -> bool {
    let bytes = input.as_bytes();
    // The tokenizer drops a leading byte-order mark.
    !input.starts_with('\u{feff}')
        && memchr::memchr3(b'<', b'>', b'&', bytes).is_none()
        && memchr::memchr3(0, b'\r', 0xA0, bytes).is_none_or(|_| !contains_nbsp_nul_cr(bytes))
}

/// Slow confirmation for the rare input with a 0xA0 byte: only the UTF-8
/// encoding of U+00A0 (`C2 A0`) matters, not other characters that contain
/// the byte.
fn contains_nbsp_nul_cr(bytes: &[u8]) -> bool {
    memchr::memchr2(0, b'\r', bytes).is_some()
        || memchr::memmem::find(bytes, "\u{a0}".as_bytes()).is_some()
}

/// Plain-text mode: escapes the five characters HTML treats specially, plus a
/// leading byte-order mark (which a parser would otherwise drop).
fn escape_text(input: &str) -> Cow<'_, str> {
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    let (mut out, rest) = match input.strip_prefix('\u{feff}') {
        Some(rest) => (String::from("&#xfeff;"), rest),
        None => match input.bytes().position(special) {
            None => return Cow::Borrowed(input),
            Some(_) => (
                String::with_capacity(input.len() + input.len() / 8 + 8),
                input,
            ),
        },
    };
    out.reserve(rest.len());
    for c in rest.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// What the depth estimate needs to know about a tag name, as bit flags.
mod class {
    /// Void: never has an end tag, never nests.
    pub const VOID: u8 = 1;
    /// Formatting element: the tree builder may re-open it.
    pub const FORMATTING: u8 = 2;
    /// A start tag that closes an open `p` in button scope ("in body").
    pub const CLOSES_P: u8 = 4;
    /// A start tag that closes an open element of the same name.
    pub const CLOSES_SAME: u8 = 8;
    /// Bounds button scope.
    pub const BUTTON_SCOPE: u8 = 16;
    /// The list-item walk passes over it (`p`, `div`, `address`, `span`).
    pub const LIST_PASS: u8 = 32;

    /// The tag names of each class (HTML tree construction, "in body").
    pub const LISTS: [(u8, &[&str]); 6] = [
        (
            VOID,
            &[
                "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                "param", "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame",
                "image",
            ],
        ),
        (
            FORMATTING,
            &[
                "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike",
                "strong", "tt", "u",
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
                "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rp",
                "rtc", "tbody", "thead", "tfoot", "button", "h1", "h2", "h3", "h4", "h5", "h6",
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
    ];

    /// A lower-case name of up to 16 bytes as one number (no name holds a
    /// zero byte, so different names give different keys).
    pub const fn key(name: &[u8]) -> u128 {
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
    const MERGED: ([(u128, u8); 256], usize) = {
        let mut table = [(0u128, 0u8); 256];
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
    pub const TABLE: [(u128, u8); N] = {
        let mut table = [(0u128, 0u8); N];
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
}

/// A tag name as the depth estimate sees it: the bytes, and for names of up
/// to 16 bytes their lower-case [`class::key`] (0 for longer names).
#[derive(Clone, Copy)]
struct Name<'a> {
    bytes: &'a [u8],
    key: u128,
}

impl Name<'_> {
    /// Case-insensitive equality.
    fn is(&self, other: &Name<'_>) -> bool {
        if self.key != 0 || other.key != 0 {
            self.key == other.key
        } else {
            self.bytes.eq_ignore_ascii_case(other.bytes)
        }
    }

    /// The [`class`] flags of this name.
    fn class(&self) -> u8 {
        if self.key == 0 {
            return 0;
        }
        class::TABLE
            .binary_search_by_key(&self.key, |e| e.0)
            .map_or(0, |i| class::TABLE[i].1)
    }
}

const KEY_A: u128 = class::key(b"a");
const KEY_LI: u128 = class::key(b"li");
const KEY_DD: u128 = class::key(b"dd");
const KEY_DT: u128 = class::key(b"dt");
const KEY_P: u128 = class::key(b"p");

/// An element the depth estimate keeps open.
#[derive(Clone, Copy)]
struct Open<'a> {
    name: Name<'a>,
    class: u8,
}

/// Closes the innermost open `p`, unless a button-scope boundary comes first.
fn close_p_in_button_scope(open: &mut Vec<Open<'_>>) {
    for pos in (0..open.len()).rev() {
        if open[pos].name.key == KEY_P {
            open.truncate(pos);
            return;
        }
        if open[pos].class & class::BUTTON_SCOPE != 0 {
            return;
        }
    }
}

/// Reads the tag name starting at `start` (up to whitespace, `/` or `>`, as
/// the tokenizer ends it); returns it and the index after it.
fn read_name(bytes: &[u8], start: usize) -> (Name<'_>, usize) {
    let mut end = start;
    let mut key = 0u128;
    while let Some(&b) = bytes.get(end) {
        if matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>') {
            break;
        }
        key = (key << 8) | u128::from(b.to_ascii_lowercase());
        end += 1;
    }
    let name = &bytes[start..end];
    let key = if name.len() <= 16 { key } else { 0 };
    (Name { bytes: name, key }, end)
}

/// Linear over-estimate of the depth the HTML tree builder reaches: open
/// non-formatting elements (closed by a matching end tag) plus formatting
/// elements not yet closed by their own end tag (the tree builder re-opens
/// those after misnested markup).
fn check_depth(input: &str, limit: usize) -> Result<(), SanitizeError> {
    use class::*;
    let bytes = input.as_bytes();
    let mut open: Vec<Open<'_>> = Vec::new();
    // A serial number per open element, so a position on the stack is
    // known to still hold the same element.
    let mut serials: Vec<u64> = Vec::new();
    let mut next_serial = 0u64;
    // (name, start-tag length, (stack length, serial of the parent) when inserted)
    let mut formatting: Vec<(Name<'_>, usize, (usize, u64))> = Vec::new();
    // Bytes of formatting start tags the tree builder will clone when it
    // reconstructs elements that an end tag of an enclosing element popped.
    let budget = input
        .len()
        .saturating_mul(MAX_OUTPUT_FACTOR)
        .saturating_add(OUTPUT_SLACK_BYTES);
    let mut cloned = 0usize;
    let mut reconstruct = |formatting: &mut Vec<(Name<'_>, usize, (usize, u64))>,
                           serials: &[u64]| {
        let here = (serials.len(), serials.last().copied().unwrap_or(u64::MAX));
        for f in formatting.iter_mut() {
            let (depth, parent) = f.2;
            let attached = depth == 0 || serials.get(depth - 1) == Some(&parent);
            if !attached {
                // popped with an enclosing element: cloned back in here
                cloned = cloned.saturating_add(f.1);
                f.2 = here;
            }
        }
        if cloned > budget {
            Err(SanitizeError::OutputTooLarge { limit: budget })
        } else {
            Ok(())
        }
    };
    let mut text_from = 0usize;
    for i in memchr::memchr_iter(b'<', bytes) {
        if i > text_from {
            // text before this tag: the tree builder reconstructs first
            serials.truncate(open.len());
            reconstruct(&mut formatting, &serials)?;
        }
        let (closing, name_start) = match bytes.get(i + 1..i + 3) {
            Some([b'/', c]) if c.is_ascii_alphabetic() => (true, i + 2),
            Some([c, _]) if c.is_ascii_alphabetic() => (false, i + 1),
            None if bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => (false, i + 1),
            _ => {
                let rest = &bytes[i + 1..];
                let tag_len = memchr::memchr(b'>', rest).map_or(rest.len(), |e| e + 1) + 1;
                text_from = (i + tag_len).max(text_from);
                continue;
            }
        };
        let (name, name_end) = read_name(bytes, name_start);
        // The tag ends at the first `>` after its `<`.
        let tag_end = if bytes.get(name_end) == Some(&b'>') {
            name_end + 1
        } else {
            memchr::memchr(b'>', &bytes[name_end..]).map_or(bytes.len(), |e| name_end + e + 1)
        };
        let tag_len = tag_end - i;
        text_from = tag_end.max(text_from);
        let class = name.class();
        if closing {
            if class & FORMATTING != 0 {
                if let Some(pos) = formatting.iter().rposition(|n| n.0.is(&name)) {
                    formatting.remove(pos);
                }
            } else if let Some(pos) = open.iter().rposition(|n| n.name.is(&name)) {
                open.truncate(pos);
            }
            continue;
        }
        if class & CLOSES_P == 0 {
            // "any other start tag" reconstructs before it is inserted
            serials.truncate(open.len());
            reconstruct(&mut formatting, &serials)?;
        }
        if class & VOID != 0 {
            continue;
        }
        if class & FORMATTING != 0 {
            if name.key == KEY_A {
                // A new <a> closes an open one (adoption agency).
                if let Some(pos) = formatting.iter().rposition(|n| n.0.key == KEY_A) {
                    formatting.remove(pos);
                }
            }
            serials.truncate(open.len());
            let here = (serials.len(), serials.last().copied().unwrap_or(u64::MAX));
            formatting.push((name, tag_len, here));
        } else {
            if class & CLOSES_P != 0 {
                close_p_in_button_scope(&mut open);
            }
            let is_dd = name.key == KEY_DD || name.key == KEY_DT;
            if is_dd || name.key == KEY_LI {
                // The tree builder closes an open list item, passing over
                // p/div/address (and span, which is not "special").
                let same = |n: Name<'_>| {
                    if is_dd {
                        n.key == KEY_DD || n.key == KEY_DT
                    } else {
                        n.key == KEY_LI
                    }
                };
                if let Some(pos) = open
                    .iter()
                    .rposition(|n| same(n.name) || n.class & LIST_PASS == 0)
                    && same(open[pos].name)
                {
                    open.truncate(pos);
                }
            } else if class & CLOSES_SAME != 0 && open.last().is_some_and(|n| n.name.is(&name)) {
                open.pop();
            }
            open.push(Open { name, class });
            serials.truncate(open.len() - 1);
            serials.push(next_serial);
            next_serial += 1;
        }
        if open.len() + formatting.len() > limit {
            return Err(SanitizeError::NestingTooDeep { limit });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_policies_build_and_clean_without_panicking() {
        for s in [
            Sanitizer::seed_default(),
            Sanitizer::rich(),
            Sanitizer::plain_text(),
        ] {
            s.clean("<a href='http://x' rel=x>x</a><style>p{}</style><script>1</script>")
                .unwrap();
        }
    }

    #[test]
    fn seed_policy_matches_bleach_allow_list() {
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
        for tag in SEED_TAGS.iter().filter(|t| **t != "a") {
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
            SanitizerBuilder::seed_default()
                .tag_attributes("a", ["rel"])
                .build()
                .unwrap_err(),
            PolicyError::RelWithLinkRel
        );
        assert!(
            SanitizerBuilder::seed_default()
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
            PolicyError::RelWithLinkRel
        );
        assert_eq!(
            SanitizerBuilder::empty()
                .tags(["p"])
                .remove_with_content(["p"])
                .build()
                .unwrap_err(),
            PolicyError::AllowedAndRemoved("p".into())
        );
        assert_eq!(
            SanitizerBuilder::empty()
                .tag_attributes("p", ["title"])
                .build()
                .unwrap_err(),
            PolicyError::AttributesOnDisallowedTag("p".into())
        );
    }

    #[test]
    fn unsafe_configurations_are_errors() {
        for tag in FORBIDDEN_TAGS {
            assert_eq!(
                SanitizerBuilder::empty().tags([*tag]).build().unwrap_err(),
                PolicyError::ForbiddenTag((*tag).into())
            );
        }
        assert_eq!(
            SanitizerBuilder::empty()
                .tags(["img"])
                .tag_attributes("img", ["onerror"])
                .build()
                .unwrap_err(),
            PolicyError::EventHandlerAttribute("onerror".into())
        );
        assert_eq!(
            SanitizerBuilder::empty()
                .tags(["img"])
                .tag_attributes("img", ["srcset"])
                .build()
                .unwrap_err(),
            PolicyError::ForbiddenAttribute("srcset".into())
        );
        assert_eq!(
            SanitizerBuilder::empty()
                .tags(["p"])
                .generic_attributes(["style"])
                .build()
                .unwrap_err(),
            PolicyError::StyleWithoutCssAllowList
        );
        assert_eq!(
            SanitizerBuilder::empty()
                .url_schemes(["https", "javascript"])
                .build()
                .unwrap_err(),
            PolicyError::ForbiddenUrlScheme("javascript".into())
        );
        assert!(matches!(
            SanitizerBuilder::empty().tags(["B"]).build().unwrap_err(),
            PolicyError::InvalidName { kind: "tag", .. }
        ));
        assert!(matches!(
            SanitizerBuilder::empty().tags([""]).build(),
            Err(PolicyError::InvalidName { .. })
        ));
        assert_eq!(
            SanitizerBuilder::empty().max_depth(0).build().unwrap_err(),
            PolicyError::ZeroLimit("max_depth")
        );
    }

    #[test]
    fn limits_are_typed_errors_naming_the_limit() {
        let s = SanitizerBuilder::seed_default()
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

    /// A small deterministic generator of tag soup: known, unknown and
    /// removed-with-content tags, misnesting, table parts, text that the
    /// parser rewrites.
    fn tag_soup(seed: &mut u64) -> String {
        let mut next = |n: usize| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed % n as u64) as usize
        };
        const NAMES: &[&str] = &[
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
        ];
        const ATTRS: &[&str] = &[
            "",
            "",
            " href=\"https://e.com/\"",
            " href=javascript:x",
            " href=\"data:text/html,x\"",
            " title=t",
            " style=\"color:red\"",
            " class=c",
        ];
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
        ];
        let mut out = String::new();
        for _ in 0..1 + next(40) {
            match next(10) {
                0..=3 => {
                    let name = NAMES[next(NAMES.len())];
                    out.push('<');
                    out.push_str(name);
                    out.push_str(ATTRS[next(ATTRS.len())]);
                    if next(3) == 0 {
                        out.push_str(ATTRS[next(ATTRS.len())]);
                    }
                    out.push('>');
                }
                4..=6 => {
                    out.push_str("</");
                    out.push_str(NAMES[next(NAMES.len())]);
                    out.push('>');
                }
                7 if next(8) == 0 => out.push_str("<!--c-->"),
                _ => out.push_str(TEXT[next(TEXT.len())]),
            }
        }
        out
    }

    /// Runs `check` on 10,000 tag soups for each of the seed, rich and wide
    /// policies; `check` returns how many of its cases the path under test
    /// answered and refused. Each path must answer at least `min.0` and
    /// refuse at least `min.1` (or it saves no work, or the generator found
    /// no hard case).
    fn on_tag_soups(
        mut seed: u64,
        min: (usize, usize),
        check: impl Fn(&str, &Sanitizer, &Compiled, String) -> (usize, usize),
    ) {
        for (name, policy) in [
            ("seed", Sanitizer::seed_default()),
            ("rich", Sanitizer::rich()),
            ("wide", wide_policy()),
        ] {
            let Mode::Markup(compiled) = &policy.mode else {
                unreachable!()
            };
            let (mut accepted, mut refused) = (0, 0);
            for _ in 0..10_000 {
                let (a, r) = check(name, &policy, compiled, tag_soup(&mut seed));
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
                    match verbatim::as_is(
                        compiled.borrow_owner(),
                        &policy.derived,
                        usize::MAX,
                        &input,
                    ) {
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
            let b = SanitizerBuilder::seed_default()
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
            SanitizerBuilder::seed_default()
                .link_rel(None)
                .build()
                .unwrap()
                .derived
                .link_rel_end
                .is_none()
        );
    }

    fn tag_class(name: &[u8]) -> u8 {
        read_name(name, 0).0.class()
    }

    #[test]
    fn tag_classes_come_from_the_lists() {
        use class::*;
        for (flag, names) in LISTS {
            for name in names {
                assert_ne!(tag_class(name.as_bytes()) & flag, 0, "{name}");
                let upper = name.to_ascii_uppercase();
                assert_eq!(tag_class(upper.as_bytes()), tag_class(name.as_bytes()));
            }
        }
        assert_eq!(tag_class(b"p"), CLOSES_P | CLOSES_SAME | LIST_PASS);
        assert_eq!(tag_class(b"ANNOTATION-XML"), BUTTON_SCOPE);
        assert_eq!(tag_class(b"td"), CLOSES_SAME | BUTTON_SCOPE);
        assert_eq!(tag_class(b"span"), LIST_PASS);
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
}
