//! The allow-list as configured: what the builder fills in, validation
//! checks, and the compiled policy and the recogniser read.

use std::collections::{BTreeMap, BTreeSet};

/// An allow-list, as the builder collects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spec {
    pub(super) tags: BTreeSet<String>,
    pub(super) tag_attributes: BTreeMap<String, BTreeSet<String>>,
    pub(super) generic_attributes: BTreeSet<String>,
    pub(super) url_schemes: BTreeSet<String>,
    pub(super) css_properties: Option<BTreeSet<String>>,
    pub(super) link_rel: Option<String>,
    pub(super) clean_content_tags: BTreeSet<String>,
    pub(super) image_origins: Vec<String>,
    /// With a prefix, `id` and `name` are allowed and always start with it.
    pub(super) id_prefix: Option<String>,
    /// Images may also load from relative and scheme-relative URLs.
    pub(super) relative_images: bool,
}

impl Spec {
    /// Whether the attribute filter runs (see `filter_attribute`).
    pub(super) fn filters_attributes(&self) -> bool {
        self.allows_src() || self.id_prefix.is_some()
    }

    /// Whether any element may keep a `src` (each then follows the image
    /// rules of `filter_url_attribute`).
    pub(super) fn allows_src(&self) -> bool {
        self.generic_attributes.contains("src")
            || self.tag_attributes.values().any(|a| a.contains("src"))
    }

    /// Whether images may keep `src` (then `data:` image URLs pass).
    pub(super) fn allows_data_images(&self) -> bool {
        self.tag_attributes
            .get("img")
            .is_some_and(|a| a.contains("src"))
    }

    /// Whether any tag may keep a `style` attribute.
    pub(super) fn allows_style(&self) -> bool {
        self.generic_attributes.contains("style")
            || self.tag_attributes.values().any(|a| a.contains("style"))
    }
}
