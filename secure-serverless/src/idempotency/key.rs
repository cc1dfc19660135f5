//! Idempotency keys: checked, scoped to their caller, bound to their request.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// An idempotency key as the store sees it: the digest of the caller and the
/// key, and the digest of the request it was first used with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// SHA-256 of the length-prefixed caller and the key, hex.
    pub(crate) key_digest: String,
    /// SHA-256 of the request, hex.
    pub(crate) request_hash: String,
}

/// Why an idempotency key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadIdempotencyKey {
    /// Not 1 to 128 visible ASCII characters, or holds a comma (HTTP APIs
    /// and Function URLs join a repeated header's values with commas, so a
    /// key with one may be two keys).
    #[error("Idempotency-Key must be 1 to 128 visible ASCII characters, without commas")]
    Malformed,
    /// The request has no authenticated caller to scope the key to.
    #[error("Idempotency-Key needs an authenticated caller (the request has no principal)")]
    NoCaller,
}

impl IdempotencyKey {
    /// Checks `key` (1 to 128 visible ASCII characters, no comma), scopes it to
    /// `caller` (the authenticated principal; `""` when the API has none)
    /// and binds it to `request`, the request exactly as received.
    ///
    /// ```
    /// use secure_serverless::idempotency::IdempotencyKey;
    /// let a = IdempotencyKey::new("order-17", "alice", b"{}").unwrap();
    /// let b = IdempotencyKey::new("order-17", "bob", b"{}").unwrap();
    /// assert_ne!(a.digest(), b.digest()); // two callers never share a key
    /// ```
    ///
    /// # Errors
    /// [`BadIdempotencyKey::Malformed`].
    pub fn new(key: &str, caller: &str, request: &[u8]) -> Result<Self, BadIdempotencyKey> {
        Self::from_parts(key, caller, |h| h.update(request))
    }

    /// As [`new`](Self::new), with the request given as the parts that
    /// identify it (each length-prefixed, so no two lists hash alike).
    ///
    /// # Errors
    /// [`BadIdempotencyKey::Malformed`].
    pub fn from_request_parts(
        key: &str,
        caller: &str,
        parts: &[&[u8]],
    ) -> Result<Self, BadIdempotencyKey> {
        Self::from_parts(key, caller, |h| {
            for p in parts {
                h.update((p.len() as u64).to_be_bytes());
                h.update(p);
            }
        })
    }

    fn from_parts(
        key: &str,
        caller: &str,
        request: impl FnOnce(&mut Sha256),
    ) -> Result<Self, BadIdempotencyKey> {
        if key.is_empty()
            || key.len() > 128
            || !key.bytes().all(|b| b.is_ascii_graphic() && b != b',')
        {
            return Err(BadIdempotencyKey::Malformed);
        }
        let mut k = Sha256::new();
        k.update((caller.len() as u64).to_be_bytes());
        k.update(caller.as_bytes());
        k.update(key.as_bytes());
        let mut r = Sha256::new();
        request(&mut r);
        Ok(IdempotencyKey {
            key_digest: hex::encode(k.finalize()),
            request_hash: hex::encode(r.finalize()),
        })
    }

    /// A key for an HTTP request: bound to its method, path, body and query
    /// parameters (sorted, so the same query in another order is the same
    /// request).
    #[cfg(feature = "idempotency_http")]
    pub(crate) fn for_http_request(
        key: &str,
        caller: &str,
        method: &str,
        path: &str,
        body: &[u8],
        mut query: Vec<(&str, &str)>,
    ) -> Result<Self, BadIdempotencyKey> {
        query.sort_unstable();
        query.dedup();
        let mut parts: Vec<&[u8]> = vec![method.as_bytes(), path.as_bytes(), body];
        parts.extend(query.iter().flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]));
        Self::from_request_parts(key, caller, &parts)
    }

    /// The stored key: the digest of caller and key (hex). The key itself is
    /// never stored.
    pub fn digest(&self) -> &str {
        &self.key_digest
    }

    /// The digest of the request (hex).
    pub fn request_hash(&self) -> &str {
        &self.request_hash
    }
}

type KeyFn<E> = dyn Fn(&E) -> Result<Option<IdempotencyKey>, BadIdempotencyKey> + Send + Sync;

/// Where a handler's events carry their idempotency key: a header of a
/// `lambda_http` request (`KeyFrom::http_header`, feature `idempotency_http`), JSON fields
/// of the event ([`json_fields`](KeyFrom::json_fields)) or any closure
/// ([`new`](KeyFrom::new)). `Ok(None)` means the event has no key and runs
/// as usual.
pub struct KeyFrom<E>(Arc<KeyFn<E>>);

impl<E> Clone for KeyFrom<E> {
    fn clone(&self) -> Self {
        KeyFrom(Arc::clone(&self.0))
    }
}

impl<E> std::fmt::Debug for KeyFrom<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyFrom(..)")
    }
}

impl<E> KeyFrom<E> {
    /// Keys computed by `f`.
    pub fn new(
        f: impl Fn(&E) -> Result<Option<IdempotencyKey>, BadIdempotencyKey> + Send + Sync + 'static,
    ) -> Self {
        KeyFrom(Arc::new(f))
    }

    /// The key of `event`.
    ///
    /// # Errors
    /// What the key source refuses.
    pub fn key_of(&self, event: &E) -> Result<Option<IdempotencyKey>, BadIdempotencyKey> {
        (self.0)(event)
    }
}

impl<E: Serialize> KeyFrom<E> {
    /// Keys from JSON fields of the event (RFC 6901 pointers, e.g.
    /// `/order/id`): the key is the values at `key_pointers` (a missing one
    /// counts as `null`; an event with none of them has no key), the request
    /// it binds to is the values at `request_pointers` (`""` is the whole
    /// event; leave out what changes between deliveries of the same request,
    /// such as a request id), and the caller is the string at
    /// `caller_pointer` (or none).
    ///
    /// ```
    /// use secure_serverless::idempotency::KeyFrom;
    /// let keys = KeyFrom::<serde_json::Value>::json_fields(&["/order_id"], &["/amount"], Some("/customer"));
    /// let event = serde_json::json!({"order_id": 17, "customer": "c-9", "amount": 3, "delivery": "d-1"});
    /// let retry = serde_json::json!({"order_id": 17, "customer": "c-9", "amount": 3, "delivery": "d-2"});
    /// assert_eq!(keys.key_of(&event), keys.key_of(&retry)); // same key, same request
    /// ```
    ///
    /// An event whose caller pointer names no string is refused
    /// ([`BadIdempotencyKey::NoCaller`]).
    pub fn json_fields(
        key_pointers: &[&str],
        request_pointers: &[&str],
        caller_pointer: Option<&str>,
    ) -> Self {
        let owned = |p: &[&str]| p.iter().map(|p| (*p).to_owned()).collect::<Vec<String>>();
        let (key_pointers, request_pointers) = (owned(key_pointers), owned(request_pointers));
        let caller_pointer = caller_pointer.map(str::to_owned);
        KeyFrom::new(move |event: &E| {
            let Ok(value) = serde_json::to_value(event) else {
                return Err(BadIdempotencyKey::Malformed);
            };
            let at = |pointers: &[String]| -> Vec<&serde_json::Value> {
                pointers
                    .iter()
                    .map(|p| value.pointer(p).unwrap_or(&serde_json::Value::Null))
                    .collect()
            };
            let fields = at(&key_pointers);
            if fields.iter().all(|v| v.is_null()) {
                return Ok(None);
            }
            let caller = match &caller_pointer {
                None => "",
                Some(p) => value
                    .pointer(p)
                    .and_then(serde_json::Value::as_str)
                    .filter(|c| !c.is_empty())
                    .ok_or(BadIdempotencyKey::NoCaller)?,
            };
            let key = serde_json::to_string(&fields).map_err(|_| BadIdempotencyKey::Malformed)?;
            // A digest of the fields, so any value (however long) makes a key.
            let key = hex::encode(Sha256::digest(key.as_bytes()));
            let request = serde_json::to_vec(&at(&request_pointers))
                .map_err(|_| BadIdempotencyKey::Malformed)?;
            IdempotencyKey::new(&key, caller, &request).map(Some)
        })
    }
}
