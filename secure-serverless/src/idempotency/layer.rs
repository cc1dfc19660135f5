//! [`Idempotent`] as a tower layer around any `lambda_runtime` service.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use lambda_runtime::LambdaEvent;
use lambda_runtime::tower::{Layer, Service};

use super::key::KeyFrom;
use super::store::IdempotencyStore;
use super::{IdempotencyConfig, IdempotencyError, Idempotent, IdempotentResponse, RunError};

type Reject<R> = dyn Fn(IdempotencyError) -> R + Send + Sync;

struct Shared<St, E, R> {
    idempotent: Idempotent<St>,
    keys: KeyFrom<E>,
    reject: Box<Reject<R>>,
}

/// Makes a `lambda_runtime` service idempotent (see the [module
/// docs](super)): events whose [`KeyFrom`] finds a key run once per key;
/// events without one run as usual. `reject` turns a request that is not
/// run (conflict, in progress, bad key, store down) into the service's
/// response, e.g. `ApiError::from(e).into_response()` for API Gateway.
pub struct IdempotencyLayer<St, E, R> {
    shared: Arc<Shared<St, E, R>>,
}

impl<St, E, R> Clone for IdempotencyLayer<St, E, R> {
    fn clone(&self) -> Self {
        IdempotencyLayer {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<St, E, R> std::fmt::Debug for IdempotencyLayer<St, E, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdempotencyLayer(..)")
    }
}

impl<St: IdempotencyStore, E, R> IdempotencyLayer<St, E, R> {
    /// A layer on `store`, keys from `keys`, refusals answered by `reject`.
    pub fn new(
        store: St,
        config: IdempotencyConfig,
        keys: KeyFrom<E>,
        reject: impl Fn(IdempotencyError) -> R + Send + Sync + 'static,
    ) -> Self {
        IdempotencyLayer {
            shared: Arc::new(Shared {
                idempotent: Idempotent::new(store, config),
                keys,
                reject: Box::new(reject),
            }),
        }
    }
}

impl<S, St, E, R> Layer<S> for IdempotencyLayer<St, E, R> {
    type Service = IdempotentService<S, St, E, R>;

    fn layer(&self, inner: S) -> Self::Service {
        IdempotentService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`IdempotencyLayer`] makes.
pub struct IdempotentService<S, St, E, R> {
    inner: S,
    shared: Arc<Shared<St, E, R>>,
}

impl<S: Clone, St, E, R> Clone for IdempotentService<S, St, E, R> {
    fn clone(&self) -> Self {
        IdempotentService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S, St, E, R> std::fmt::Debug for IdempotentService<S, St, E, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdempotentService(..)")
    }
}

impl<S, St, E, R> Service<LambdaEvent<E>> for IdempotentService<S, St, E, R>
where
    S: Service<LambdaEvent<E>, Response = R> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    St: IdempotencyStore + 'static,
    E: Send + Sync + 'static,
    R: IdempotentResponse + Send + 'static,
{
    type Response = R;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<R, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, event: LambdaEvent<E>) -> Self::Future {
        // The service that was polled ready answers this call.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let key = match shared.keys.key_of(&event.payload) {
                Ok(Some(key)) => key,
                Ok(None) => return inner.call(event).await,
                Err(bad) => return Ok((shared.reject)(bad.into())),
            };
            let deadline = event.context.deadline();
            match shared
                .idempotent
                .run(&key, deadline, || inner.call(event))
                .await
            {
                Ok(outcome) => Ok(outcome.into_response()),
                Err(RunError::Handler(e)) => Err(e),
                Err(RunError::Idempotency(e)) => Ok((shared.reject)(e)),
            }
        })
    }
}
