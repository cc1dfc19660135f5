//! The life of one issuer's key set: when it is fetched, how long it is
//! used, what happens while the issuer is down.
//!
//! * **Fresh** keys (younger than their max age) are used as they are.
//! * **Stale** keys (older, but within the stale period) are used while a
//!   refetch is attempted; if the refetch fails they go on serving.
//! * **Missing** keys (none yet, or older than max age + stale period) must
//!   be fetched; if that fails, verification fails closed with
//!   [`JwtError::KeySetUnavailable`].
//!
//! Fetches are single-flight: callers queue on one async mutex and compare
//! the generation they saw with the one after they get the lock, so a crowd
//! of requests that all find the keys missing or stale causes one fetch,
//! and every one of them then uses its result. After a failed fetch the
//! next attempt waits an exponential backoff (1 s doubling to 5 min) with
//! "equal jitter" (half fixed, half random, from the AWS Architecture Blog's
//! "Exponential Backoff And Jitter"), so a fleet of sandboxes does not hit a
//! recovering issuer in step. An unknown `kid` with fresh keys fetches at
//! most once per `min_refresh_interval`.
//!
//! A request that already holds usable keys (stale, or fresh with an
//! unknown `kid`) waits at most one second for a refetch; a slower fetch is
//! abandoned and counted as a failure (backoff), so a hanging issuer cannot
//! make requests time out while the stale keys are still good.
//!
//! A document without one usable key counts as a failed fetch: the keys
//! already held keep serving within their stale period.
//!
//! Ten seconds is the default interval, as in aws-jwt-verify's penalty box:
//! an issuer's newly published key is picked up by the first token that
//! names it, and a stream of tokens with made-up `kid`s costs each sandbox
//! at most six fetches a minute.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::config::KeyLifetime;
use super::error::{JwtError, KeySourceError};
use super::keys::KeySet;
use super::source::{JwksDocument, JwksSource};

const BACKOFF_BASE: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// How long a request that already has usable keys (stale ones, or fresh
/// ones and an unknown `kid`) waits for a refetch before going on with what
/// it has. A slow issuer then costs each request at most this, well inside
/// an authorizer's timeout, and the slow fetch counts as a failure.
const WAIT_WITH_KEYS: Duration = Duration::from_secs(1);

/// One issuer's keys and where they come from.
pub(super) struct KeyCache<S> {
    source: S,
    state: RwLock<State>,
    flight: tokio::sync::Mutex<()>,
    /// Set when the source serves another issuer than the configuration's:
    /// every verification then fails with it.
    misconfigured: Option<KeySourceError>,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    /// When the current keys were fetched (`None`: given at construction,
    /// never expire).
    fetched_at: Option<Instant>,
    /// The current keys' max age (the configured one, lowered by the
    /// source's own).
    fresh_for: Duration,
    /// Bumped at the end of every fetch attempt.
    generation: u64,
    last_attempt: Option<Instant>,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<KeySourceError>,
}

enum Snapshot {
    Fresh(Arc<KeySet>),
    Stale(Arc<KeySet>),
    Missing,
}

impl<S> KeyCache<S> {
    /// Keys given at construction. `max_age: None`: they never expire (a
    /// fixed key set); `Some(age)`: they age like fetched keys.
    pub(super) fn given(source: S, keys: KeySet, max_age: Option<Duration>) -> Self {
        KeyCache {
            source,
            state: RwLock::new(State {
                keys: Some(Arc::new(keys)),
                fetched_at: max_age.map(|_| Instant::now()),
                fresh_for: max_age.unwrap_or_default(),
                ..State::default()
            }),
            flight: tokio::sync::Mutex::new(()),
            misconfigured: None,
        }
    }

    /// No keys until the first fetch.
    pub(super) fn empty(source: S) -> Self {
        KeyCache {
            source,
            state: RwLock::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
            misconfigured: None,
        }
    }

    /// Where the keys come from.
    pub(super) fn source(&self) -> &S {
        &self.source
    }

    /// Marks the cache unusable: every verification fails with `error`.
    pub(super) fn refuse(mut self, error: KeySourceError) -> Self {
        self.misconfigured = Some(error);
        self
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn snapshot(&self, lifetime: &KeyLifetime, now: Instant) -> (Snapshot, u64) {
        let st = self.read();
        let snapshot = match (&st.keys, st.fetched_at) {
            (None, _) => Snapshot::Missing,
            (Some(keys), None) => Snapshot::Fresh(Arc::clone(keys)),
            (Some(keys), Some(at)) => {
                let age = now.saturating_duration_since(at);
                if age < st.fresh_for {
                    Snapshot::Fresh(Arc::clone(keys))
                } else if age < st.fresh_for.saturating_add(lifetime.stale_for) {
                    Snapshot::Stale(Arc::clone(keys))
                } else {
                    Snapshot::Missing
                }
            }
        };
        (snapshot, st.generation)
    }

    fn unavailable(&self) -> JwtError {
        let st = self.read();
        JwtError::KeySetUnavailable(st.last_error.clone().unwrap_or(if st.keys.is_some() {
            KeySourceError::TooOld
        } else {
            KeySourceError::NotLoaded
        }))
    }

    /// The keys to verify with now, without fetching.
    pub(super) fn cached(&self, lifetime: &KeyLifetime) -> Result<Arc<KeySet>, JwtError> {
        if let Some(e) = &self.misconfigured {
            return Err(JwtError::KeySetUnavailable(e.clone()));
        }
        match self.snapshot(lifetime, Instant::now()).0 {
            Snapshot::Fresh(keys) | Snapshot::Stale(keys) => Ok(keys),
            Snapshot::Missing => Err(self.unavailable()),
        }
    }

    /// The keys if they are fresh (not stale, not missing), without fetching.
    pub(super) fn fresh(&self, lifetime: &KeyLifetime) -> Option<Arc<KeySet>> {
        if self.misconfigured.is_some() {
            return None;
        }
        match self.snapshot(lifetime, Instant::now()).0 {
            Snapshot::Fresh(keys) => Some(keys),
            Snapshot::Stale(_) | Snapshot::Missing => None,
        }
    }

    fn may_attempt(&self, now: Instant) -> bool {
        self.read().retry_at.is_none_or(|t| now >= t)
    }
}

impl<S: JwksSource> KeyCache<S> {
    /// The keys to verify with, fetching them first when they are missing
    /// or stale.
    pub(super) async fn current(&self, lifetime: &KeyLifetime) -> Result<Arc<KeySet>, JwtError> {
        if let Some(e) = &self.misconfigured {
            return Err(JwtError::KeySetUnavailable(e.clone()));
        }
        let now = Instant::now();
        let (snapshot, generation) = self.snapshot(lifetime, now);
        match snapshot {
            Snapshot::Fresh(keys) => return Ok(keys),
            Snapshot::Stale(keys) if !self.may_attempt(now) || !self.source.refreshes() => {
                return Ok(keys);
            }
            Snapshot::Missing if !self.may_attempt(now) => return Err(self.unavailable()),
            Snapshot::Stale(_) => self.refresh_within(generation, lifetime).await,
            Snapshot::Missing => self.refresh(generation, lifetime).await,
        }
        // A failed refetch leaves stale keys in use until they are too old.
        self.cached(lifetime)
    }

    /// Fetches again for a `kid` the current keys do not have, unless a
    /// fetch happened within the minimum refresh interval (or a backoff is
    /// running). Returns the keys to retry with, if they changed.
    pub(super) async fn refetch_for_unknown_kid(
        &self,
        lifetime: &KeyLifetime,
        seen: &Arc<KeySet>,
    ) -> Option<Arc<KeySet>> {
        if !self.source.refreshes() {
            return None;
        }
        let now = Instant::now();
        let generation = {
            let st = self.read();
            if st
                .last_attempt
                .is_some_and(|t| now.saturating_duration_since(t) < lifetime.min_refresh_interval)
                || st.retry_at.is_some_and(|t| now < t)
            {
                // Keys fetched by someone else since `seen` was taken are
                // still worth a retry.
                return st.keys.as_ref().filter(|k| !Arc::ptr_eq(k, seen)).cloned();
            }
            st.generation
        };
        self.refresh_within(generation, lifetime).await;
        let st = self.read();
        st.keys.as_ref().filter(|k| !Arc::ptr_eq(k, seen)).cloned()
    }

    /// [`refresh`](Self::refresh), abandoned after [`WAIT_WITH_KEYS`] and
    /// then counted as a failed fetch (with its backoff).
    async fn refresh_within(&self, generation: u64, lifetime: &KeyLifetime) {
        // Outside a Tokio runtime there is no timer to bound the wait with.
        if tokio::runtime::Handle::try_current().is_err() {
            return self.refresh(generation, lifetime).await;
        }
        if tokio::time::timeout(WAIT_WITH_KEYS, self.refresh(generation, lifetime))
            .await
            .is_err()
        {
            let e = KeySourceError::Timeout {
                host: "the key source".to_owned(),
                after: WAIT_WITH_KEYS,
            };
            log_fetch_failure(&e);
            let now = Instant::now();
            let mut st = self.state.write().unwrap_or_else(PoisonError::into_inner);
            st.generation += 1;
            st.last_attempt = Some(now);
            st.failures = st.failures.saturating_add(1);
            st.retry_at = Some(now + backoff(st.failures, jitter()));
            st.last_error = Some(e);
        }
    }

    /// One fetch, unless another caller finished one since `generation`.
    async fn refresh(&self, generation: u64, lifetime: &KeyLifetime) {
        let _flight = self.flight.lock().await;
        if self.read().generation != generation {
            return;
        }
        let result = self.source.fetch().await.and_then(|doc| {
            let JwksDocument { text, max_age } = doc;
            KeySet::from_jwks_json(&text)
                .map(|keys| (keys, max_age))
                .map_err(KeySourceError::Invalid)
        });
        let now = Instant::now();
        let mut st = self.state.write().unwrap_or_else(PoisonError::into_inner);
        st.generation += 1;
        st.last_attempt = Some(now);
        match result {
            Ok((keys, max_age)) => {
                count_metric!(JwksRefreshed);
                st.keys = Some(Arc::new(keys));
                st.fetched_at = Some(now);
                st.fresh_for = fresh_for(lifetime, max_age);
                st.failures = 0;
                st.retry_at = None;
                st.last_error = None;
            }
            Err(e) => {
                log_fetch_failure(&e);
                st.failures = st.failures.saturating_add(1);
                st.retry_at = Some(now + backoff(st.failures, jitter()));
                st.last_error = Some(e);
            }
        }
    }
}

/// The configured max age, lowered by the source's own (never below the
/// minimum refresh interval, so an issuer's `max-age=0` cannot make every
/// request fetch).
fn fresh_for(lifetime: &KeyLifetime, source_max_age: Option<Duration>) -> Duration {
    match source_max_age {
        None => lifetime.max_age,
        Some(a) => a.max(lifetime.min_refresh_interval).min(lifetime.max_age),
    }
}

/// The wait before attempt `failures + 1`: half of `BACKOFF_BASE ×
/// 2^(failures-1)` (capped at `BACKOFF_MAX`) fixed, half scaled by `jitter`
/// in `[0, 1]`.
fn backoff(failures: u32, jitter: f64) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let cap = exp.min(BACKOFF_MAX);
    cap / 2 + (cap / 2).mul_f64(jitter.clamp(0.0, 1.0))
}

/// A uniform value in `[0, 1]` from the operating system's generator (ring's,
/// already linked for signatures); `0.5` if it fails.
fn jitter() -> f64 {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 2];
    match ring::rand::SystemRandom::new().fill(&mut b) {
        Ok(()) => f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    }
}

fn log_fetch_failure(e: &KeySourceError) {
    // A fixed key set has nothing to fetch from: not worth a warning.
    if matches!(e, KeySourceError::NotConfigured) {
        return;
    }
    count_metric!(JwksRefreshFailed);
    #[cfg(feature = "tracing")]
    tracing::warn!(error = %e, reason = "keys_fetch_failed", "JWKS fetch failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetime() -> KeyLifetime {
        KeyLifetime {
            max_age: Duration::from_secs(3600),
            stale_for: Duration::from_secs(600),
            min_refresh_interval: Duration::from_secs(10),
        }
    }

    #[test]
    fn an_issuers_max_age_lowers_but_never_below_the_refresh_interval() {
        let l = lifetime();
        assert_eq!(fresh_for(&l, None), l.max_age);
        assert_eq!(
            fresh_for(&l, Some(Duration::from_secs(120))),
            Duration::from_secs(120)
        );
        assert_eq!(fresh_for(&l, Some(Duration::ZERO)), l.min_refresh_interval);
        assert_eq!(fresh_for(&l, Some(Duration::from_secs(86_400))), l.max_age);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff(1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(4, 0.0), Duration::from_secs(4));
        assert_eq!(backoff(30, 1.0), BACKOFF_MAX);
        assert_eq!(backoff(u32::MAX, 0.0), BACKOFF_MAX / 2);
        let j = jitter();
        assert!((0.0..=1.0).contains(&j));
    }
}
