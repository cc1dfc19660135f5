//! Opaque, tamper-evident pagination cursors.
//!
//! A cursor handed to a client is the query position (any serde value),
//! serialised, bound to the query it belongs to (its *scope*: table, index,
//! partition, filters), and authenticated with HMAC-SHA256 under a server-side
//! [`CursorKey`]. A client can hand it back, but not forge one, edit one, or
//! replay one against another query: [`CursorKey::open`] refuses all three
//! with [`CursorError`].
//!
//! ```
//! use secure_serverless::cursor::{CursorError, CursorKey};
//!
//! let key = CursorKey::new(b"a-server-side-key-of-32-bytes-min!")?;
//! let token = key.seal("logs|type=audit", &("0190c5f0-0000-7000-8000-000000000000", 3))?;
//! let position: (String, u32) = key.open("logs|type=audit", &token)?;
//! assert_eq!(position.1, 3);
//! assert_eq!(key.open::<(String, u32)>("logs|type=other", &token).unwrap_err(), CursorError::Invalid);
//! # Ok::<(), CursorError>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// Longest cursor accepted, in bytes (checked before any decoding).
pub const MAX_CURSOR_BYTES: usize = 2048;

/// A cursor that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CursorError {
    /// Forged, edited, truncated, from another query, or not a cursor at all.
    #[error("invalid cursor")]
    Invalid,
    /// Longer than [`MAX_CURSOR_BYTES`].
    #[error("cursor is longer than {MAX_CURSOR_BYTES} bytes")]
    TooLong,
    /// The key is shorter than 32 bytes.
    #[error("cursor key must be at least 32 bytes")]
    WeakKey,
    /// The position could not be serialised.
    #[error("cursor position cannot be serialised: {0}")]
    Serialize(String),
}

/// The server-side key that authenticates cursors.
#[derive(Clone)]
pub struct CursorKey {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(<redacted>)")
    }
}

impl CursorKey {
    /// A key of at least 32 bytes.
    ///
    /// # Errors
    /// [`CursorError::WeakKey`] when shorter.
    pub fn new(key: &[u8]) -> Result<Self, CursorError> {
        if key.len() < 32 {
            return Err(CursorError::WeakKey);
        }
        Ok(CursorKey { key: key.to_vec() })
    }

    fn mac(&self, scope: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(&(scope.len() as u64).to_be_bytes());
        mac.update(scope.as_bytes());
        mac.update(body);
        mac
    }

    /// Seals `position` for the query identified by `scope`.
    ///
    /// # Errors
    /// [`CursorError::Serialize`], or [`CursorError::TooLong`] if the result
    /// would be refused by [`open`](Self::open).
    pub fn seal<T: Serialize>(&self, scope: &str, position: &T) -> Result<String, CursorError> {
        let body =
            serde_json::to_vec(position).map_err(|e| CursorError::Serialize(e.to_string()))?;
        let tag = self.mac(scope, &body).finalize().into_bytes();
        let token = format!("{}.{}", B64.encode(&body), B64.encode(tag));
        if token.len() > MAX_CURSOR_BYTES {
            return Err(CursorError::TooLong);
        }
        Ok(token)
    }

    /// Opens a cursor sealed for `scope`.
    ///
    /// # Errors
    /// [`CursorError::TooLong`] or [`CursorError::Invalid`]; the MAC is
    /// checked (in constant time) before the position is parsed.
    pub fn open<T: DeserializeOwned>(&self, scope: &str, token: &str) -> Result<T, CursorError> {
        if token.len() > MAX_CURSOR_BYTES {
            return Err(CursorError::TooLong);
        }
        let (body, tag) = token.split_once('.').ok_or(CursorError::Invalid)?;
        let body = B64.decode(body).map_err(|_| CursorError::Invalid)?;
        let tag = B64.decode(tag).map_err(|_| CursorError::Invalid)?;
        self.mac(scope, &body)
            .verify_slice(&tag)
            .map_err(|_| CursorError::Invalid)?;
        serde_json::from_slice(&body).map_err(|_| CursorError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::new(&[7u8; 32]).unwrap()
    }

    #[test]
    fn round_trip_and_tampering() {
        let k = key();
        let t = k.seal("s", &vec!["a", "b"]).unwrap();
        assert_eq!(k.open::<Vec<String>>("s", &t).unwrap(), vec!["a", "b"]);
        // flip each character of the token in turn
        for i in 0..t.len() {
            let mut bytes = t.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let edited = String::from_utf8(bytes).unwrap();
            if edited != t {
                assert!(
                    k.open::<Vec<String>>("s", &edited).is_err(),
                    "edit at {i} accepted"
                );
            }
        }
        assert_eq!(
            k.open::<Vec<String>>("other", &t).unwrap_err(),
            CursorError::Invalid
        );
        let other_key = CursorKey::new(&[8u8; 32]).unwrap();
        assert_eq!(
            other_key.open::<Vec<String>>("s", &t).unwrap_err(),
            CursorError::Invalid
        );
        for junk in ["", ".", "abc", "a.b", "....", "\u{0}"] {
            assert_eq!(
                k.open::<Vec<String>>("s", junk).unwrap_err(),
                CursorError::Invalid
            );
        }
        assert_eq!(
            k.open::<Vec<String>>("s", &"a".repeat(5000)).unwrap_err(),
            CursorError::TooLong
        );
        assert_eq!(CursorKey::new(b"short").unwrap_err(), CursorError::WeakKey);
        assert_eq!(format!("{k:?}"), "CursorKey(<redacted>)");
    }
}
