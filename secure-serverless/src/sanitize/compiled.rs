//! The policy compiled into an `ammonia::Builder`, and what the fast paths
//! need to know of it ([`Derived`]).

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::attributes::{AttributeRules, filter_attribute};
use super::fixed_point::clean_bounded;
use super::spec::Spec;
use super::stability;

self_cell::self_cell!(
    /// The [`Spec`] and the `ammonia::Builder` that borrows it.
    pub(super) struct Compiled {
        owner: Spec,
        #[not_covariant]
        dependent: AmmoniaBuilder,
    }
);

pub(super) type AmmoniaBuilder<'a> = ammonia::Builder<'a>;

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("spec", self.borrow_owner())
            .finish()
    }
}

pub(super) fn compile(spec: &Spec) -> AmmoniaBuilder<'_> {
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

/// What the fast paths and [`clean_to_fixpoint`](super::fixed_point::clean_to_fixpoint) need to know of a policy,
/// derived once, when it is built.
#[derive(Debug, Default)]
pub(super) struct Derived {
    /// Whether a `style` attribute can pass (the stability replay refuses it).
    pub(super) style_possible: bool,
    /// How the serialiser ends an `<a>` start tag that ammonia gave the
    /// policy's `link_rel`: ` rel="…">` (`None` without `link_rel`, or when
    /// the policy does not allow `a`).
    pub(super) link_rel_end: Option<Box<str>>,
    /// Images with `src` are allowed: `data:` passes ammonia's scheme check
    /// (see `compile`).
    pub(super) data_images: bool,
    /// The attribute filter runs, with these rules (see `compile`).
    pub(super) attribute_rules: Option<AttributeRules>,
}

impl Derived {
    pub(super) fn of(compiled: &Compiled) -> Self {
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
    pub(super) fn known_stable(&self, input: &str, once: &str) -> bool {
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
