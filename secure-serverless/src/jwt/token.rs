//! The token's segments: base64url, then a JSON object whose members must be
//! unique (parsers disagree on which duplicate wins).

use std::fmt;

use base64::Engine as _;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::error::JwtError;

pub(super) fn decode_segment(segment: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed("a segment is not base64url"))?;
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let parsed = de::Deserializer::deserialize_map(
        &mut de,
        UniqueMembers {
            duplicate: &mut duplicate,
        },
    );
    if let Some(name) = duplicate {
        return Err(JwtError::DuplicateMember(name));
    }
    let map = parsed.map_err(|_| JwtError::Malformed("a segment is not a JSON object"))?;
    de.end()
        .map_err(|_| JwtError::Malformed("trailing data in a segment"))?;
    Ok(map)
}

/// A JSON object whose top-level members must be unique: the first repeated
/// name is written to `duplicate` (shortened) and parsing stops there.
struct UniqueMembers<'a> {
    duplicate: &'a mut Option<String>,
}

impl<'de> Visitor<'de> for UniqueMembers<'_> {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if map.contains_key(&key) {
                *self.duplicate = Some(crate::untrusted::excerpt(&key));
                return Err(de::Error::custom("duplicate member"));
            }
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// A `typ` value as a media type, compared case-insensitively with the
/// `application/` prefix left out (RFC 7515, section 4.1.9).
pub(super) fn media_type(typ: &str) -> String {
    let t = typ.to_ascii_lowercase();
    t.strip_prefix("application/")
        .map_or(t.clone(), str::to_owned)
}
