//! The typed log-entry request and its validation.
//!
//! A request body is `{"type": "...", "payload": "..."}` and nothing else.
//! [`LogEntryParser::parse`] turns raw body bytes into a [`LogEntry`] or a
//! [`LogEntryError`] that names the field and the rule it broke:
//!
//! * `type` is *validated*, never rewritten: 1 to 64 characters of
//!   `[A-Za-z0-9._:-]` ([`LogType`]).
//! * `payload` is a string of at most [`LogEntryParser::max_payload_bytes`]
//!   (64 KiB by default), *sanitised* with a [`Sanitizer`] policy. It may hold
//!   any Unicode text except control characters other than tab, line feed and
//!   carriage return (U+0000 to U+001F, U+007F, U+0080 to U+009F): HTML gives
//!   them no meaning (each one is a parse error), and JSON must write each C0
//!   control as six bytes, so a payload of them would weigh six times its
//!   size in every answer that carries it. Such a payload is refused (422,
//!   `control_character`), never silently rewritten.
//! * The body must be UTF-8, at most [`LogEntryParser::max_body_bytes`], a JSON
//!   object with exactly those two string members: unknown, duplicate,
//!   missing or mistyped members are each their own error.
//!
//! ```
//! use secure_serverless::log_entry::{LogEntryError, LogEntryParser};
//! use secure_serverless::sanitize::Sanitizer;
//!
//! let parser = LogEntryParser::new(Sanitizer::default());
//! let entry = parser.parse(br#"{"type":"audit","payload":"<b>ok</b><script>x</script>"}"#)?;
//! assert_eq!(entry.log_type().as_str(), "audit");
//! assert_eq!(entry.payload(), "<b>ok</b>");
//!
//! let err = parser.parse(br#"{"type":"a b","payload":""}"#).unwrap_err();
//! assert_eq!(err.field(), Some("type"));
//! assert_eq!(err.http_status(), 422);
//! # Ok::<(), LogEntryError>(())
//! ```

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::sanitize::{SanitizeError, Sanitizer};

/// Default cap on the payload, before sanitising: 64 KiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Longest accepted `type`, in characters.
pub const MAX_TYPE_LEN: usize = 64;

/// Why a `type` value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeRule {
    /// The value is empty.
    Empty,
    /// The value is longer than [`MAX_TYPE_LEN`] characters.
    TooLong {
        /// Its length in characters.
        actual: usize,
    },
    /// The value holds a character outside `[A-Za-z0-9._:-]`.
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its position, in characters from the start.
        position: usize,
    },
}

impl fmt::Display for TypeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRule::Empty => f.write_str("must not be empty"),
            TypeRule::TooLong { actual } => {
                write!(f, "must be at most {MAX_TYPE_LEN} characters, got {actual}")
            }
            TypeRule::InvalidCharacter {
                character,
                position,
            } => write!(
                f,
                "may only contain A-Z a-z 0-9 . _ : -, found {character:?} at position {position}"
            ),
        }
    }
}

/// A request body refused by [`LogEntryParser::parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogEntryError {
    /// The body is longer than the configured cap.
    #[error("request body is {actual} bytes, over the limit of {limit}")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
        /// The body's length.
        actual: usize,
    },
    /// The body is empty.
    #[error("request body is empty; expected a JSON object with \"type\" and \"payload\"")]
    EmptyBody,
    /// The body is not UTF-8.
    #[error("request body is not valid UTF-8 (first invalid byte at offset {valid_up_to})")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        valid_up_to: usize,
    },
    /// The body is not well-formed JSON.
    #[error("request body is not valid JSON at line {line}, column {column}: {message}")]
    MalformedJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The body is JSON, but not an object.
    #[error("request body must be a JSON object, got {found}")]
    NotAnObject {
        /// The JSON type found (`array`, `string`, ...).
        found: &'static str,
    },
    /// A required member is missing.
    #[error("field \"{field}\" is required")]
    MissingField {
        /// The missing member.
        field: &'static str,
    },
    /// A member that the request does not define.
    #[error("field {field:?} is not allowed; only \"type\" and \"payload\" are")]
    UnknownField {
        /// The member's name.
        field: String,
    },
    /// A member appears twice.
    #[error("field \"{field}\" appears more than once")]
    DuplicateField {
        /// The repeated member.
        field: &'static str,
    },
    /// A member has the wrong JSON type.
    #[error("field \"{field}\" must be a string, got {found}")]
    WrongType {
        /// The member.
        field: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// `type` breaks a rule.
    #[error("field \"type\" {rule}")]
    InvalidType {
        /// The rule broken.
        rule: TypeRule,
    },
    /// `payload` is longer than the cap, before sanitising.
    #[error("field \"payload\" is {actual} bytes, over the limit of {limit}")]
    PayloadTooLarge {
        /// The cap.
        limit: usize,
        /// The payload's length.
        actual: usize,
    },
    /// `payload` holds a control character other than tab, line feed or
    /// carriage return.
    #[error(
        "field \"payload\" holds the control character U+{code_point:04X} at byte {offset}; only tab, line feed and carriage return are allowed"
    )]
    ControlCharacter {
        /// The character's code point.
        code_point: u32,
        /// Its byte offset in the payload.
        offset: usize,
    },
    /// `payload` was refused by the sanitiser (nesting too deep, ...).
    #[error("field \"payload\" cannot be sanitised: {0}")]
    PayloadRejected(SanitizeError),
}

impl LogEntryError {
    /// The request member the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            LogEntryError::MissingField { field }
            | LogEntryError::DuplicateField { field }
            | LogEntryError::WrongType { field, .. } => Some(field),
            LogEntryError::UnknownField { field } => Some(field),
            LogEntryError::InvalidType { .. } => Some("type"),
            LogEntryError::PayloadTooLarge { .. }
            | LogEntryError::ControlCharacter { .. }
            | LogEntryError::PayloadRejected(_) => Some("payload"),
            _ => None,
        }
    }

    /// A stable, machine-readable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            LogEntryError::BodyTooLarge { .. } => "body_too_large",
            LogEntryError::EmptyBody => "empty_body",
            LogEntryError::InvalidUtf8 { .. } => "invalid_utf8",
            LogEntryError::MalformedJson { .. } => "malformed_json",
            LogEntryError::NotAnObject { .. } => "not_an_object",
            LogEntryError::MissingField { .. } => "missing_field",
            LogEntryError::UnknownField { .. } => "unknown_field",
            LogEntryError::DuplicateField { .. } => "duplicate_field",
            LogEntryError::WrongType { .. } => "wrong_type",
            LogEntryError::InvalidType { .. } => "invalid_type",
            LogEntryError::PayloadTooLarge { .. } => "payload_too_large",
            LogEntryError::ControlCharacter { .. } => "control_character",
            LogEntryError::PayloadRejected(_) => "payload_rejected",
        }
    }

    /// The HTTP status an API answers with: 413 for sizes, 422 for a
    /// well-formed request whose values break a rule, 400 for the rest.
    pub fn http_status(&self) -> u16 {
        match self {
            LogEntryError::BodyTooLarge { .. } | LogEntryError::PayloadTooLarge { .. } => 413,
            LogEntryError::InvalidType { .. }
            | LogEntryError::ControlCharacter { .. }
            | LogEntryError::PayloadRejected(_) => 422,
            _ => 400,
        }
    }
}

/// A validated `type`: 1 to 64 characters of `[A-Za-z0-9._:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct LogType(String);

impl LogType {
    /// Validates `value`.
    ///
    /// # Errors
    /// The [`TypeRule`] it breaks.
    pub fn new(value: impl Into<String>) -> Result<Self, TypeRule> {
        let value = value.into();
        if value.is_empty() {
            return Err(TypeRule::Empty);
        }
        if let Some((position, character)) = value
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
        {
            return Err(TypeRule::InvalidCharacter {
                character,
                position,
            });
        }
        // All ASCII from here, so bytes are characters.
        if value.len() > MAX_TYPE_LEN {
            return Err(TypeRule::TooLong {
                actual: value.len(),
            });
        }
        Ok(LogType(value))
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A type read back from the log table, kept as stored: it was checked
    /// when written, and a record the rule would refuse today (an item
    /// written by other means) is still served rather than failing the
    /// whole page.
    #[cfg(feature = "logs")]
    pub(crate) fn stored(value: String) -> Self {
        LogType(value)
    }
}

impl<'de> serde::Deserialize<'de> for LogType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LogType::new(s).map_err(de::Error::custom)
    }
}

impl PartialEq<str> for LogType {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for LogType {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for LogType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated, sanitised log entry, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    log_type: LogType,
    payload: String,
}

impl LogEntry {
    /// The validated `type`.
    pub fn log_type(&self) -> &LogType {
        &self.log_type
    }

    /// The sanitised payload.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (LogType, String) {
        (self.log_type, self.payload)
    }
}

/// Parses and validates log-entry request bodies with a sanitising policy.
#[derive(Debug)]
pub struct LogEntryParser {
    sanitizer: Sanitizer,
    max_payload_bytes: usize,
    max_body_bytes: usize,
}

impl LogEntryParser {
    /// A parser with the default caps: payload 64 KiB, body 8 times that
    /// (JSON escaping can make a body up to six times its text).
    pub fn new(sanitizer: Sanitizer) -> Self {
        Self::with_max_payload_bytes(sanitizer, DEFAULT_MAX_PAYLOAD_BYTES)
    }

    /// A parser with a payload cap of `max_payload_bytes` and a body cap of
    /// eight times that plus 1 KiB.
    pub fn with_max_payload_bytes(sanitizer: Sanitizer, max_payload_bytes: usize) -> Self {
        LogEntryParser {
            sanitizer,
            max_payload_bytes,
            max_body_bytes: max_payload_bytes.saturating_mul(8).saturating_add(1024),
        }
    }

    /// The payload cap, in bytes, before sanitising.
    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload_bytes
    }

    /// The body cap, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The sanitising policy.
    pub fn sanitizer(&self) -> &Sanitizer {
        &self.sanitizer
    }

    /// Parses, validates and sanitises a request body.
    ///
    /// # Errors
    /// A [`LogEntryError`] naming the first problem found; nothing is
    /// partially accepted.
    pub fn parse(&self, body: &[u8]) -> Result<LogEntry, LogEntryError> {
        if body.len() > self.max_body_bytes {
            return Err(LogEntryError::BodyTooLarge {
                limit: self.max_body_bytes,
                actual: body.len(),
            });
        }
        let text = std::str::from_utf8(body).map_err(|e| LogEntryError::InvalidUtf8 {
            valid_up_to: e.valid_up_to(),
        })?;
        if text.trim_ascii().is_empty() {
            return Err(LogEntryError::EmptyBody);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de.deserialize_any(TopLevel).map_err(json_error)?;
        de.end().map_err(json_error)?;
        let (raw_type, raw_payload) = members?;
        let log_type =
            LogType::new(raw_type).map_err(|rule| LogEntryError::InvalidType { rule })?;
        if raw_payload.len() > self.max_payload_bytes {
            return Err(LogEntryError::PayloadTooLarge {
                limit: self.max_payload_bytes,
                actual: raw_payload.len(),
            });
        }
        if let Some((offset, c)) = first_control_character(&raw_payload) {
            return Err(LogEntryError::ControlCharacter {
                code_point: u32::from(c),
                offset,
            });
        }
        let payload = match self.sanitizer.clean(&raw_payload) {
            Ok(std::borrow::Cow::Borrowed(_)) => raw_payload,
            Ok(std::borrow::Cow::Owned(clean)) => clean,
            Err(e) => return Err(LogEntryError::PayloadRejected(e)),
        };
        Ok(LogEntry { log_type, payload })
    }
}

/// The first control character other than tab, LF and CR, with its byte
/// offset. A branch-free pass over 64-byte blocks (which the compiler
/// vectorises) clears almost all text; only a block holding a C0 byte, DEL
/// or `0xC2` (the lead byte of U+0080 to U+00BF, C1 controls among them) is
/// decoded. Kept by hand for a measured reason: a per-character scan cost
/// about 0.85 µs per KiB, three times the rest of parsing a plain-text entry.
fn first_control_character(text: &str) -> Option<(usize, char)> {
    const BLOCK: usize = 64;
    let suspect =
        |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) | (b == 0x7f) | (b == 0xc2);
    let bytes = text.as_bytes();
    for (n, block) in bytes.chunks(BLOCK).enumerate() {
        if !block.iter().fold(false, |any, &b| any | suspect(b)) {
            continue;
        }
        // Decode the block, widened to character boundaries.
        let floor = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        let from = floor(n * BLOCK);
        let to = ceil((n * BLOCK + block.len()).min(text.len()));
        if let Some((i, c)) = text[from..to]
            .char_indices()
            .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Some((from + i, c));
        }
    }
    None
}

fn json_error(e: serde_json::Error) -> LogEntryError {
    LogEntryError::MalformedJson {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// Visits the top-level JSON value; classification errors are returned as the
/// inner `Err`, so they stay typed (serde's own error type is stringly).
struct TopLevel;

type Members = Result<(String, String), LogEntryError>;

macro_rules! not_an_object {
    ($($method:ident: $t:ty => $found:literal),* $(,)?) => {
        $(fn $method<E: de::Error>(self, _: $t) -> Result<Members, E> {
            Ok(Err(LogEntryError::NotAnObject { found: $found }))
        })*
    };
}

impl<'de> Visitor<'de> for TopLevel {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    not_an_object! {
        visit_bool: bool => "a boolean",
        visit_i64: i64 => "a number",
        visit_u64: u64 => "a number",
        visit_f64: f64 => "a number",
        visit_str: &str => "a string",
    }

    fn visit_unit<E: de::Error>(self) -> Result<Members, E> {
        Ok(Err(LogEntryError::NotAnObject { found: "null" }))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Members, A::Error> {
        // Consume the array so the document's syntax is still checked.
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Err(LogEntryError::NotAnObject { found: "an array" }))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut log_type: Option<Field> = None;
        let mut payload: Option<Field> = None;
        let mut first_error: Option<LogEntryError> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = map.next_value::<Field>()?;
            if first_error.is_some() {
                continue;
            }
            let (slot, name) = match key.as_ref() {
                "type" => (&mut log_type, "type"),
                "payload" => (&mut payload, "payload"),
                other => {
                    first_error = Some(LogEntryError::UnknownField {
                        field: other.to_owned(),
                    });
                    continue;
                }
            };
            if slot.is_some() {
                first_error = Some(LogEntryError::DuplicateField { field: name });
            } else {
                *slot = Some(value);
            }
        }
        if let Some(e) = first_error {
            return Ok(Err(e));
        }
        let take = |v: Option<Field>, field: &'static str| match v {
            None => Err(LogEntryError::MissingField { field }),
            Some(Field::String(s)) => Ok(s),
            Some(Field::Other(found)) => Err(LogEntryError::WrongType { field, found }),
        };
        Ok(take(log_type, "type").and_then(|t| Ok((t, take(payload, "payload")?))))
    }
}

/// A member value: a string, or the name of the JSON type found instead.
enum Field {
    String(String),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(Field::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Field, E> {
                Ok(Field::String(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field, E> {
                Ok(Field::Other("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field, E> {
                Ok(Field::Other("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field, E> {
                Ok(Field::Other("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field, E> {
                Ok(Field::Other("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
                Ok(Field::Other("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Field::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Field::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
