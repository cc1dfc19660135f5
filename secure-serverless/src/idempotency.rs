//! Idempotency for any Lambda handler: a retried request runs the handler
//! once and gets the first response back, byte for byte.
//!
//! A request names its key (a header, JSON fields of the event, or a
//! closure: [`KeyFrom`]); the key is scoped to the caller and bound to the
//! request, so a reused key with another request is a conflict, never a
//! replay of someone else's answer. [`Idempotent::run`] claims the key in a
//! store, runs the handler, and stores its response; [`IdempotencyLayer`]
//! does the same around any `lambda_runtime` service, and
//! `HttpIdempotencyLayer` (feature `idempotency_http`) around a
//! `lambda_http` handler, replaying status, headers and body.
//!
//! ```no_run
//! use lambda_runtime::{LambdaEvent, service_fn};
//! use secure_serverless::idempotency::{
//!     DynamoStore, IdempotencyConfig, IdempotencyLayer, KeyFrom,
//! };
//! use secure_serverless::repository::Repository;
//! use serde_json::{Value, json};
//!
//! async fn charge(event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
//!     Ok(json!({"charged": event.payload["amount"]}))
//! }
//!
//! # async fn run(client: aws_sdk_dynamodb::Client) -> Result<(), lambda_runtime::Error> {
//! let layer = IdempotencyLayer::new(
//!     DynamoStore::new(Repository::new(client, "idempotency")),
//!     IdempotencyConfig::default(),
//!     KeyFrom::json_fields(&["/order_id"], &["/amount"], Some("/customer")),
//!     |e| json!({"error": e.to_string()}),
//! );
//! let service = lambda_runtime::tower::ServiceBuilder::new().layer(layer).service(service_fn(charge));
//! lambda_runtime::run(service).await
//! # }
//! ```
//!
//! # Guarantees
//!
//! | situation | what happens |
//! |---|---|
//! | first call with a key | the key is claimed in progress until the invocation's deadline, the handler runs once, and its response is stored (for [`IdempotencyConfig::expires_after`]) |
//! | later call, same key and request | the stored response, without running the handler; from this sandbox's memory for hot keys |
//! | same key, another request | [`IdempotencyError::Conflict`] (409 at the HTTP edge); nothing runs |
//! | concurrent calls, same key | one runs; the others wait for its response and return it, or, if it is still running when their own invocation ends, [`IdempotencyError::InProgress`] (409 with `Retry-After`) |
//! | the handler returns an error, or a response that is not final (5xx) | the claim is released: the next call runs the handler |
//! | the handler panics or the invocation times out | the claim stays until the invocation's deadline, then lapses: exactly one later call runs the handler |
//! | the store fails before the claim | [`IdempotencyError::Store`] (503 at the HTTP edge); nothing runs |
//! | the store fails after the handler ran, when the response is stored | the response is returned ([`Outcome::Unrecorded`]) after a few retries of the write; the claim holds the key until the invocation's deadline (other calls wait or get `InProgress`), then lapses, and a call after that runs the handler again |
//! | the response is too large to store (DynamoDB's 400 KB item limit) | as the line above: returned, [`Outcome::Unrecorded`], and run again by a call after the deadline; keep idempotent responses small (a receipt, not a document) |
//!
//! The last line is the one a generic layer cannot close: when the store is
//! down after the handler's effect, nothing can record that the effect
//! happened. A handler whose effect is one write to the store's own DynamoDB
//! table closes it with [`Idempotent::commit`], which writes the effect and
//! the response in one transaction (the log writer of [`crate::logs`] does).
//!
//! Records are created with conditional writes only (`dynamodb:PutItem`,
//! `dynamodb:DeleteItem`; no read permission), expire by TTL (a record past
//! its expiry counts as absent at once, whenever DynamoDB deletes it), and
//! hold the digest of the key, never the key itself. An in-progress record
//! never expires before its claim's deadline; a completed one is remembered
//! for [`IdempotencyConfig::expires_after`] from its completion, and so is
//! its copy in a sandbox's memory. A record written by
//! [`Idempotent::commit`] also keeps a copy of the item it committed with;
//! the copy is only ever put back within 15 minutes of the commit, so an item
//! that expired or was deleted on purpose is never restored.

use std::future::Future;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(feature = "idempotency_http")]
mod http;
mod key;
mod layer;
mod local;
mod memory;
mod store;

#[cfg(feature = "repository")]
mod dynamodb;

#[cfg(feature = "repository")]
pub use dynamodb::{DynamoStore, IDEMPOTENCY_TABLE};
#[cfg(feature = "idempotency_http")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency_http")))]
pub use http::{HttpIdempotencyLayer, HttpIdempotentService, StoredHttpResponse};
pub use key::{BadIdempotencyKey, IdempotencyKey, KeyFrom};
pub use layer::{IdempotencyLayer, IdempotentService};
pub use memory::MemoryStore;
pub use store::{Begin, Claim, IdempotencyStore, StoreError};

use local::{Cached, LocalCache};

/// A response an idempotent handler may store and replay.
pub trait IdempotentResponse: Serialize + DeserializeOwned {
    /// Whether this response is the request's final answer. A response that
    /// is not (an HTTP 5xx, say) is returned but not stored, and the next
    /// call runs the handler again. Default: every response is final.
    fn is_final(&self) -> bool {
        true
    }
}

impl IdempotentResponse for serde_json::Value {}

/// Settings of [`Idempotent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdempotencyConfig {
    /// How long a completed key is remembered. Default: 1 hour.
    pub expires_after: Duration,
    /// Completed keys remembered in this sandbox's memory (0: none).
    /// Default: 256.
    pub local_cache: usize,
    /// The longest a claim holds a key when the invocation gives no usable
    /// deadline. Default: 15 minutes, Lambda's longest invocation.
    pub max_in_progress: Duration,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        IdempotencyConfig {
            expires_after: Duration::from_secs(3600),
            local_cache: 256,
            max_in_progress: Duration::from_secs(15 * 60),
        }
    }
}

impl IdempotencyConfig {
    /// Keys remembered for `d` once completed.
    ///
    /// ```
    /// # use secure_serverless::idempotency::IdempotencyConfig;
    /// # use std::time::Duration;
    /// let c = IdempotencyConfig::default().expires_after(Duration::from_secs(86_400));
    /// assert_eq!(c.expires_after, Duration::from_secs(86_400));
    /// ```
    #[must_use]
    pub fn expires_after(mut self, d: Duration) -> Self {
        self.expires_after = d;
        self
    }

    /// Remember up to `entries` completed keys in memory (0 turns it off).
    #[must_use]
    pub fn local_cache(mut self, entries: usize) -> Self {
        self.local_cache = entries;
        self
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<R> {
    /// The handler ran, and its response is stored (or was not final).
    Executed(R),
    /// The key had completed: the stored response.
    Replayed(R),
    /// The handler ran but its response could not be stored (see the
    /// module's guarantees).
    Unrecorded(R),
}

impl<R> Outcome<R> {
    /// The response.
    pub fn into_response(self) -> R {
        match self {
            Outcome::Executed(r) | Outcome::Replayed(r) | Outcome::Unrecorded(r) => r,
        }
    }
}

/// Why a request was not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdempotencyError {
    /// The key was used before with another request.
    #[error("this idempotency key was used with a different request")]
    Conflict,
    /// Another call with this key is still running.
    #[error("a request with this idempotency key is still in progress")]
    InProgress {
        /// When to try again.
        retry_after: Duration,
    },
    /// The key is refused.
    #[error(transparent)]
    BadKey(#[from] BadIdempotencyKey),
    /// The store failed before the handler ran.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored response does not read as this handler's response type.
    #[error("the stored response does not read as this handler's response")]
    StoredResponse(#[source] serde_json::Error),
}

/// A run's failure: the idempotency layer's, or the handler's own.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    /// The request was not run.
    #[error(transparent)]
    Idempotency(IdempotencyError),
    /// The handler failed (its claim was released).
    #[error("handler failed")]
    Handler(E),
}

/// Runs handlers once per idempotency key (see the module docs).
#[derive(Debug)]
pub struct Idempotent<St> {
    store: St,
    config: IdempotencyConfig,
    local: LocalCache,
}

/// How long a waiting call leaves itself to answer before its deadline.
const ANSWER_MARGIN: Duration = Duration::from_millis(500);
/// First and longest pause between two looks at a key in progress.
const FIRST_POLL: Duration = Duration::from_millis(20);
const LONGEST_POLL: Duration = Duration::from_millis(500);
/// Attempts at storing a response before it is returned unrecorded.
const COMPLETE_ATTEMPTS: u32 = 3;

impl<St: IdempotencyStore> Idempotent<St> {
    /// Idempotency on `store`.
    pub fn new(store: St, config: IdempotencyConfig) -> Self {
        Idempotent {
            local: LocalCache::new(config.local_cache),
            store,
            config,
        }
    }

    /// The store.
    pub fn store(&self) -> &St {
        &self.store
    }

    /// Runs `handler` once for `key`: the first call runs it and stores its
    /// response, later ones get that response (see the module's table).
    /// `deadline` is the invocation's (`lambda_runtime::Context::deadline`).
    ///
    /// # Errors
    /// [`RunError::Idempotency`] when the request was not run,
    /// [`RunError::Handler`] with the handler's own error.
    pub async fn run<R, E, F, Fut>(
        &self,
        key: &IdempotencyKey,
        deadline: SystemTime,
        handler: F,
    ) -> Result<Outcome<R>, RunError<E>>
    where
        R: IdempotentResponse,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let start = SystemTime::now();
        if let Cached::Completed {
            request_hash,
            response,
        } = self.local.get(key.digest(), start)
        {
            return self
                .replay(key, &request_hash, &response)
                .map_err(RunError::Idempotency);
        }
        // A deadline already past (or none: the epoch) is no usable deadline.
        let longest = later(start, self.config.max_in_progress);
        let deadline = if deadline <= start {
            longest
        } else {
            deadline.min(longest)
        };
        // The in-progress record outlives its claim: an expired record counts
        // as free, and a claim must hold the key until its deadline.
        let mut claim = Claim {
            token: random_token(),
            in_progress_until: deadline,
            expires_at: later(start, self.config.expires_after).max(deadline),
        };
        let mut pause = FIRST_POLL;
        loop {
            let now = SystemTime::now();
            match self.store.begin(key, &claim, now).await {
                Ok(Begin::Started) => break,
                Ok(Begin::Completed {
                    request_hash,
                    response,
                    expires_at,
                }) => {
                    if request_hash == key.request_hash() {
                        self.local
                            .put(key.digest(), &request_hash, &response, expires_at, now);
                    }
                    return self
                        .replay(key, &request_hash, &response)
                        .map_err(RunError::Idempotency);
                }
                Ok(Begin::InProgress {
                    request_hash,
                    until,
                }) => {
                    if request_hash != key.request_hash() {
                        return Err(conflict());
                    }
                    let wake = now + pause.min(until.duration_since(now).unwrap_or_default());
                    if wake + ANSWER_MARGIN > deadline {
                        let retry_after = until.duration_since(now).unwrap_or_default();
                        count_metric!(IdempotencyInProgress);
                        return Err(RunError::Idempotency(IdempotencyError::InProgress {
                            retry_after: retry_after.max(Duration::from_secs(1)),
                        }));
                    }
                    tokio::time::sleep(wake.duration_since(now).unwrap_or_default()).await;
                    pause = (pause * 2).min(LONGEST_POLL);
                }
                Err(e) => return Err(RunError::Idempotency(e.into())),
            }
        }
        let response = match handler().await {
            Ok(r) => r,
            Err(e) => {
                self.release(key, &claim).await;
                return Err(RunError::Handler(e));
            }
        };
        if !response.is_final() {
            self.release(key, &claim).await;
            return Ok(Outcome::Executed(response));
        }
        let Ok(stored) = serde_json::to_string(&response) else {
            self.release(key, &claim).await;
            return Ok(Outcome::Executed(response));
        };
        // Remembered for `expires_after` from now, whatever the handler took.
        claim.expires_at = later(SystemTime::now(), self.config.expires_after);
        Ok(self.complete(key, &claim, response, &stored).await)
    }

    fn replay<R: IdempotentResponse>(
        &self,
        key: &IdempotencyKey,
        request_hash: &str,
        response: &str,
    ) -> Result<Outcome<R>, IdempotencyError> {
        if request_hash != key.request_hash() {
            return Err(conflict_error());
        }
        count_metric!(IdempotencyReplay);
        serde_json::from_str(response)
            .map(Outcome::Replayed)
            .map_err(IdempotencyError::StoredResponse)
    }

    async fn complete<R>(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        response: R,
        stored: &str,
    ) -> Outcome<R> {
        let mut pause = Duration::from_millis(50);
        for attempt in 1..=COMPLETE_ATTEMPTS {
            match self.store.complete(key, claim, stored).await {
                Ok(true) => {
                    let now = SystemTime::now();
                    self.local.put(
                        key.digest(),
                        key.request_hash(),
                        stored,
                        claim.expires_at,
                        now,
                    );
                    return Outcome::Executed(response);
                }
                Ok(false) => {
                    // The claim lapsed while the handler ran (it outlived the
                    // deadline it was given) and another call holds the key.
                    #[cfg(feature = "tracing")]
                    tracing::warn!("idempotency claim lapsed before the response was stored");
                    break;
                }
                Err(e) if e.is_retryable() && attempt < COMPLETE_ATTEMPTS => {
                    count_metric!(StorageRetry);
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(_e) => {
                    #[cfg(feature = "tracing")]
                    tracing::error!(error = %_e, "idempotency response not stored");
                    break;
                }
            }
        }
        count_metric!(IdempotencyUnrecorded);
        Outcome::Unrecorded(response)
    }

    async fn release(&self, key: &IdempotencyKey, claim: &Claim) {
        if let Err(_e) = self.store.release(key, claim).await {
            // The claim lapses at its deadline anyway.
            #[cfg(feature = "tracing")]
            tracing::warn!(error = %_e, "idempotency claim not released");
        }
    }
}

/// Why [`Idempotent::commit`] wrote nothing.
#[cfg(feature = "repository")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// A conflict, a key still in progress under a claim, or a stored
    /// response that does not read as `R`.
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    /// The table refused or failed the write (an item over DynamoDB's size
    /// limit, throttling, ...).
    #[error(transparent)]
    Storage(#[from] crate::repository::RepoError),
}

#[cfg(feature = "repository")]
impl Idempotent<DynamoStore> {
    /// Writes `effect` (create-only, into the store's table) and stores
    /// `response` for `key`, in one DynamoDB transaction; or, when the key
    /// completed before with the same request, writes nothing and returns
    /// that first response ([`Outcome::Replayed`]), after making sure the
    /// effect it committed with exists.
    ///
    /// This closes the one gap of [`Idempotent::run`]: the effect and the
    /// record of it stand or fall together, so a store failure can never
    /// lead to a second effect or to a response without its effect. It fits
    /// a handler whose whole effect is that one item and whose response is
    /// known before the write (the log writer's receipt, say).
    ///
    /// # Errors
    /// [`CommitError::Idempotency`] for a conflict (another request used the
    /// key) or a key in progress under [`Idempotent::run`];
    /// [`CommitError::Storage`] when nothing could be written.
    pub async fn commit<R, T>(
        &self,
        key: &IdempotencyKey,
        response: &R,
        effect: &T,
    ) -> Result<Outcome<R>, CommitError>
    where
        R: IdempotentResponse + Clone,
        T: crate::repository::Item,
    {
        let now = SystemTime::now();
        if let Cached::Completed {
            request_hash,
            response,
        } = self.local.get(key.digest(), now)
        {
            return Ok(self.replay(key, &request_hash, &response)?);
        }
        let stored = serde_json::to_string(response)
            .map_err(|e| crate::repository::RepoError::Other(Box::new(e)))?;
        let expires_at = later(now, self.config.expires_after);
        match self
            .store
            .commit_with(key, expires_at, &stored, effect, now)
            .await?
        {
            None => {
                self.local
                    .put(key.digest(), key.request_hash(), &stored, expires_at, now);
                Ok(Outcome::Executed(response.clone()))
            }
            Some((
                Begin::Completed {
                    request_hash,
                    response,
                    expires_at,
                },
                effect,
            )) => {
                if request_hash == key.request_hash() {
                    if let Some(effect) = effect
                        && self.store.restore::<T>(effect, now).await?
                    {
                        #[cfg(feature = "tracing")]
                        tracing::warn!("restored the item a completed idempotency record outlived");
                    }
                    self.local
                        .put(key.digest(), &request_hash, &response, expires_at, now);
                }
                Ok(self.replay(key, &request_hash, &response)?)
            }
            Some((
                Begin::InProgress {
                    request_hash,
                    until,
                },
                _,
            )) => {
                if request_hash != key.request_hash() {
                    return Err(conflict_error().into());
                }
                count_metric!(IdempotencyInProgress);
                Err(IdempotencyError::InProgress {
                    retry_after: until
                        .duration_since(now)
                        .unwrap_or_default()
                        .max(Duration::from_secs(1)),
                }
                .into())
            }
            Some((Begin::Started, _)) => Err(crate::repository::RepoError::Other(
                "a failed commit reported a free key".into(),
            )
            .into()),
        }
    }
}

fn conflict<E>() -> RunError<E> {
    RunError::Idempotency(conflict_error())
}

fn conflict_error() -> IdempotencyError {
    count_metric!(IdempotencyConflict);
    IdempotencyError::Conflict
}

/// `t + d`, or a time far beyond any record's life for a huge `d`.
fn later(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d)
        .unwrap_or_else(|| SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 4))
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The token only tells this claim from another of the same key; if the
    // system's generator failed, the clock's nanoseconds still do.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes = nanos.to_be_bytes();
    }
    hex::encode(bytes)
}

#[cfg(test)]
mod tests;
