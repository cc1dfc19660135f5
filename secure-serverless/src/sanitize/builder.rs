//! [`SanitizerBuilder`]: the allow-list, its defaults and its limits.

use std::collections::{BTreeMap, BTreeSet};

use super::compiled::{Compiled, Derived, compile};
use super::error::AllowListError;
use super::sanitizer::{Mode, Sanitizer};
use super::spec::Spec;
#[cfg(doc)]
use super::validate::URL_BEARING_CSS_PROPERTIES;
use super::validate::validate;

/// Default cap on the input size accepted by [`Sanitizer::clean`]: 1 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Default cap on the estimated nesting depth: 256 (Chromium's own parser caps
/// the DOM depth at 512).
pub const DEFAULT_MAX_DEPTH: usize = 256;

pub(super) const BLEACH_TAGS: &[&str] = &[
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

/// Builds a [`Sanitizer`]: an allow-list policy with safe defaults.
///
/// Start from [`SanitizerBuilder::bleach_compatible`], [`SanitizerBuilder::rich`] or
/// [`SanitizerBuilder::empty`], adjust, then [`build`](Self::build), which
/// checks the whole configuration.
///
/// ```
/// use secure_serverless::sanitize::{AllowListError, SanitizerBuilder};
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
/// assert_eq!(err, AllowListError::ForbiddenTag("svg".into()));
/// # Ok::<(), AllowListError>(())
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

    /// The bleach-compatible allow-list (bleach 5's defaults).
    pub fn bleach_compatible() -> Self {
        Self::empty()
            .tags(BLEACH_TAGS.iter().copied())
            .tag_attributes("a", ["href", "title"])
            .tag_attributes("abbr", ["title"])
            .tag_attributes("acronym", ["title"])
    }

    /// The bleach-compatible tags plus paragraphs, headings, tables, inline images and a
    /// `style` attribute limited to [`RICH_CSS`-style](Self::css_properties)
    /// presentational properties (colour, alignment, font weight and style,
    /// decoration). Images load from `data:image/...` URLs only, so rendering
    /// sanitised output never makes a network request.
    pub fn rich() -> Self {
        Self::bleach_compatible()
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
    /// use secure_serverless::sanitize::{AllowListError, SanitizerBuilder};
    ///
    /// let p = SanitizerBuilder::rich().css_properties(["-moz-tab-size"]).build()?;
    /// assert!(p.allows_css_property("-moz-tab-size"));
    /// let err = SanitizerBuilder::rich().css_properties(["-webkit-mask-image"]).build();
    /// assert_eq!(err.unwrap_err(), AllowListError::UrlBearingCssProperty("-webkit-mask-image".into()));
    /// # Ok::<(), AllowListError>(())
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
    /// let p = SanitizerBuilder::bleach_compatible().id_prefix("user-content-").build()?;
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
    /// A [`AllowListError`] naming the first problem found.
    pub fn build(self) -> Result<Sanitizer, AllowListError> {
        if self.max_input_bytes == 0 {
            return Err(AllowListError::ZeroLimit("max_input_bytes"));
        }
        if self.max_depth == 0 {
            return Err(AllowListError::ZeroLimit("max_depth"));
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
