//! Opaque, tamper-evident, expiring pagination cursors.
//!
//! A cursor handed to a client is the query position (any serde value),
//! serialised with an expiry time, bound to the query it belongs to (its
//! *scope*: table, index, partition, filters), and authenticated with
//! HMAC-SHA256 under a server-side [`CursorKey`]. A client can hand it back
//! until it expires, but not forge one, edit one, extend one, or replay one
//! against another query: [`CursorKey::open`] refuses all of these with
//! [`CursorError`].
//!
//! Keys rotate like any other secret: a key opens cursors sealed under its
//! current value and under the previous one ([`CursorKey::with_previous`]),
//! and seals with the current one only, so a rotation never breaks a client
//! in the middle of a listing, and a retired key stops opening cursors at
//! the next rotation.
//!
//! ```
//! use std::time::Duration;
//! use secure_serverless::cursor::{CursorError, CursorKey};
//!
//! let key = CursorKey::new(b"a-server-side-key-of-32-bytes-min!")?.with_ttl(Duration::from_secs(600));
//! let token = key.seal("logs|type=audit", &("0190c5f0-0000-7000-8000-000000000000", 3))?;
//! let position: (String, u32) = key.open("logs|type=audit", &token)?;
//! assert_eq!(position.1, 3);
//! assert_eq!(key.open::<(String, u32)>("logs|type=other", &token).unwrap_err(), CursorError::Invalid);
//!
//! // After a rotation the old key is the previous one: its cursors still open.
//! let rotated = CursorKey::new(b"the-next-server-side-key-32-bytes!")?
//!     .with_previous(b"a-server-side-key-of-32-bytes-min!")?;
//! let again: (String, u32) = rotated.open("logs|type=audit", &token)?;
//! assert_eq!(again, position);
//! # Ok::<(), CursorError>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest cursor accepted, in bytes (checked before any decoding).
pub const MAX_CURSOR_BYTES: usize = 2048;
/// How long a cursor opens unless [`CursorKey::with_ttl`] says otherwise:
/// one hour, long enough for a person paging through a listing, short
/// enough that a leaked cursor is soon useless.
pub const DEFAULT_CURSOR_TTL: Duration = Duration::from_secs(3600);

/// A cursor that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CursorError {
    /// Forged, edited, truncated, from another query, sealed under a key
    /// that is no longer accepted, or not a cursor at all.
    #[error("invalid cursor")]
    Invalid,
    /// Authentic, but past its expiry time.
    #[error("cursor has expired")]
    Expired,
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

/// The server-side key that authenticates cursors: the current value, an
/// optional previous value (accepted, never used to seal), and the lifetime
/// of the cursors it seals.
#[derive(Clone)]
pub struct CursorKey {
    key: Vec<u8>,
    previous: Option<Vec<u8>>,
    ttl: Duration,
}

/// What a cursor carries: its expiry (Unix seconds) and the position.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sealed<T> {
    e: u64,
    p: T,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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
        Ok(CursorKey {
            key: key.to_vec(),
            previous: None,
            ttl: DEFAULT_CURSOR_TTL,
        })
    }

    /// Also opens cursors sealed under `previous` (the value before the last
    /// rotation).
    ///
    /// # Errors
    /// [`CursorError::WeakKey`] when `previous` is shorter than 32 bytes.
    pub fn with_previous(mut self, previous: &[u8]) -> Result<Self, CursorError> {
        if previous.len() < 32 {
            return Err(CursorError::WeakKey);
        }
        self.previous = Some(previous.to_vec());
        Ok(self)
    }

    /// Cursors sealed from now on open for `ttl` (default
    /// [`DEFAULT_CURSOR_TTL`]).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long the cursors it seals stay valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn mac(key: &[u8], scope: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
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
        self.seal_at(scope, position, unix_now())
    }

    /// [`seal`](Self::seal) as if the time were `now` (Unix seconds).
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub fn seal_at<T: Serialize>(
        &self,
        scope: &str,
        position: &T,
        now: u64,
    ) -> Result<String, CursorError> {
        let body = serde_json::to_vec(&Sealed {
            e: now.saturating_add(self.ttl.as_secs()),
            p: position,
        })
        .map_err(|e| CursorError::Serialize(e.to_string()))?;
        let tag = Self::mac(&self.key, scope, &body).finalize().into_bytes();
        let token = format!("{}.{}", B64.encode(&body), B64.encode(tag));
        if token.len() > MAX_CURSOR_BYTES {
            return Err(CursorError::TooLong);
        }
        Ok(token)
    }

    /// Opens a cursor sealed for `scope`.
    ///
    /// # Errors
    /// [`CursorError::TooLong`], [`CursorError::Invalid`] or
    /// [`CursorError::Expired`]; the MAC is checked (in constant time, under
    /// the current and then the previous key) before anything in the cursor
    /// is parsed.
    pub fn open<T: DeserializeOwned>(&self, scope: &str, token: &str) -> Result<T, CursorError> {
        self.open_at(scope, token, unix_now())
    }

    /// [`open`](Self::open) as if the time were `now` (Unix seconds).
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_at<T: DeserializeOwned>(
        &self,
        scope: &str,
        token: &str,
        now: u64,
    ) -> Result<T, CursorError> {
        if token.len() > MAX_CURSOR_BYTES {
            return Err(CursorError::TooLong);
        }
        let (body, tag) = token.split_once('.').ok_or(CursorError::Invalid)?;
        let body = B64.decode(body).map_err(|_| CursorError::Invalid)?;
        let tag = B64.decode(tag).map_err(|_| CursorError::Invalid)?;
        let current = Self::mac(&self.key, scope, &body)
            .verify_slice(&tag)
            .is_ok();
        let previous = || {
            self.previous
                .as_deref()
                .is_some_and(|k| Self::mac(k, scope, &body).verify_slice(&tag).is_ok())
        };
        if !current && !previous() {
            return Err(CursorError::Invalid);
        }
        let sealed: Sealed<T> = serde_json::from_slice(&body).map_err(|_| CursorError::Invalid)?;
        if now > sealed.e {
            return Err(CursorError::Expired);
        }
        Ok(sealed.p)
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

    #[test]
    fn cursors_expire() {
        let k = key().with_ttl(Duration::from_secs(60));
        let t = k.seal_at("s", &1u32, 1_000).unwrap();
        assert_eq!(k.open_at::<u32>("s", &t, 1_060), Ok(1));
        assert_eq!(k.open_at::<u32>("s", &t, 1_061), Err(CursorError::Expired));
        // The expiry is inside the MAC: a cursor cannot be extended.
        let (body, tag) = t.split_once('.').unwrap();
        let text = String::from_utf8(B64.decode(body).unwrap()).unwrap();
        let extended = B64.encode(text.replace("1060", "9999999999"));
        assert_eq!(
            k.open_at::<u32>("s", &format!("{extended}.{tag}"), 1_061),
            Err(CursorError::Invalid)
        );
    }

    #[test]
    fn rotation_keeps_the_previous_key_for_one_generation() {
        let old = key();
        let t = old.seal("s", &7u32).unwrap();
        let rotated = CursorKey::new(&[9u8; 32])
            .unwrap()
            .with_previous(&[7u8; 32])
            .unwrap();
        assert_eq!(rotated.open::<u32>("s", &t), Ok(7));
        // New cursors are sealed under the new key only...
        let fresh = rotated.seal("s", &8u32).unwrap();
        assert_eq!(old.open::<u32>("s", &fresh), Err(CursorError::Invalid));
        // ...and the next rotation retires the old key.
        let again = CursorKey::new(&[10u8; 32])
            .unwrap()
            .with_previous(&[9u8; 32])
            .unwrap();
        assert_eq!(again.open::<u32>("s", &t), Err(CursorError::Invalid));
        assert_eq!(again.open::<u32>("s", &fresh), Ok(8));
        assert_eq!(
            rotated.clone().with_previous(b"short").unwrap_err(),
            CursorError::WeakKey
        );
    }
}
