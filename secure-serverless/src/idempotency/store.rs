//! What an idempotency store must do: claim a key, complete it, release it.

use std::future::Future;
use std::time::SystemTime;

use super::key::IdempotencyKey;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// One execution's hold on a key: a random token (so only its owner can
/// complete or release it), how long it holds the key while running, and
/// when the key is forgotten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Random 128-bit token, hex.
    pub token: String,
    /// The key is in progress until then (the invocation's deadline): past
    /// it, a crashed or timed-out execution no longer holds the key.
    pub in_progress_until: SystemTime,
    /// The key and its response are forgotten after this (store TTL).
    pub expires_at: SystemTime,
}

/// What [`IdempotencyStore::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// The key was free (never used, expired, or its execution's hold
    /// lapsed): the claim now holds it.
    Started,
    /// The key is in progress under another claim until `until`.
    InProgress {
        /// The request the key was claimed for.
        request_hash: String,
        /// When that claim lapses.
        until: SystemTime,
    },
    /// The key completed with `response`.
    Completed {
        /// The request the key was completed for.
        request_hash: String,
        /// The stored response, exactly as the handler's response serialised.
        response: String,
        /// When the record expires (the key is forgotten).
        expires_at: SystemTime,
    },
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Throttled or unreachable: retrying later may succeed.
    #[error("idempotency store unavailable")]
    Unavailable(#[source] BoxError),
    /// Anything else.
    #[error("idempotency store error")]
    Other(#[source] BoxError),
}

impl StoreError {
    /// Whether retrying later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Where idempotency records live. Each call must be atomic on its key.
/// [`DynamoStore`](super::DynamoStore) is the DynamoDB implementation.
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` with `claim` unless a live record holds it (completed
    /// and not expired, or in progress and not lapsed); reports that record
    /// otherwise.
    fn begin(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        now: SystemTime,
    ) -> impl Future<Output = Result<Begin, StoreError>> + Send;

    /// Replaces `claim`'s in-progress record with `response`, only while
    /// `claim` still holds the key; `Ok(false)` when it no longer does.
    fn complete(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        response: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes `claim`'s in-progress record (the handler failed), only while
    /// `claim` still holds the key.
    fn release(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
