//! The writer Lambda: `POST /log` -> validate, sanitise, store once.
//!
//! | answer | when |
//! |---|---|
//! | 201 `{id, timestamp, type}` | stored (or an idempotent replay: header `idempotency-replayed: true`) |
//! | 400 | malformed body, missing/unknown/duplicate/mistyped field, bad `Idempotency-Key` or one without an authenticated caller, repeated header |
//! | 413 | body or payload over its cap, or the sanitised record over DynamoDB's 400 KB item limit (`field: payload`) |
//! | 415 | `Content-Type` is not `application/json` |
//! | 422 | `type` breaks its rule, payload holds a control character or cannot be sanitised (nesting) |
//! | 409 | `Idempotency-Key` reused by the same caller with a different body |
//! | 503 + `Retry-After` | DynamoDB throttled or unreachable (nothing was written) |
//!
//! The handler never returns an error to the runtime (so API Gateway never
//! answers 502) and logs neither the payload nor any header value.
//! Idempotency keys belong to the caller: the authorizer's issuer (`iss` in
//! its context) and `principalId` scope them, so one caller can neither block
//! nor probe another's keys. A request without a principal cannot use a key
//! (400), and neither can a token without `sub` (all such tokens would share
//! one key space). In `AUTH_MODE=origin-secret-only` the authorizer cannot
//! tell callers apart: every caller is `cloudfront-origin` and they share one
//! key space.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the log table (required) |
//! | `LOG_SHARDS` | write shards, as in the table design (1 to 64, default 8) |
//! | `RETENTION_DAYS` | records expire after this many days (DynamoDB TTL; default: never) |
//! | `IDEMPOTENCY_WINDOW_SECONDS` | how long an idempotency key is remembered (default 86400) |
//! | `MAX_PAYLOAD_BYTES` | payload cap before sanitising (1 to 262144, default 65536) |
//! | `DYNAMODB_TRUST_ROOTS` | `amazon-trust-services` (default: the roots DynamoDB's endpoints chain to, compiled in) or `platform` (the system store, for an endpoint behind a TLS proxy of your own) |
//! | `JWT_ISSUER`, `JWT_AUDIENCE`, ... `REALM` | verify the bearer token in the function too (`BearerAuth::from_vars`: required behind a Function URL or ALB, which have no authorizer; the route and scope are [`routes`]) |
//!
//! A variable that is set but blank, malformed or out of range stops the
//! function at start-up with an error naming it.

use lambda_http::{Body, Request, RequestExt as _, Response};
use lambda_runtime::Error;
use secure_serverless::RouteTable;
use secure_serverless::apigw::{self, ApiError};
use secure_serverless::config::Vars;
use secure_serverless::idempotency::BadIdempotencyKey;
use secure_serverless::lambda_log;
use secure_serverless::log_entry::LogEntryParser;
use secure_serverless::logs::{Appended, LogSink, LogStore, LogStoreConfig, LogWriter, WriteError};
use secure_serverless::repository::{RepoError, Repository};
use secure_serverless::sanitize::Sanitizer;

/// The handler's state, built once per cold start: the DynamoDB log store
/// in the Lambda, any [`LogSink`] elsewhere (benches time the handler's own
/// work with a sink that stores nothing).
#[derive(Debug)]
pub struct Writer<S = LogStore> {
    inner: LogWriter<S>,
}

impl<S: LogSink> Writer<S> {
    /// A writer on `sink` with the seed's sanitising policy.
    pub fn new(sink: S, max_payload_bytes: usize) -> Self {
        Writer {
            inner: LogWriter::new(
                LogEntryParser::with_max_payload_bytes(Sanitizer::default(), max_payload_bytes),
                sink,
            ),
        }
    }

    /// The sink.
    pub fn store(&self) -> &S {
        self.inner.sink()
    }

    /// Answers one request; never fails.
    pub async fn handle(&self, req: &Request) -> Response<Body> {
        apigw::respond(self.try_handle(req).await)
    }

    async fn try_handle(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        // Never an anonymous caller, whatever door the function is behind.
        apigw::require_vouched(req)?;
        if req.method() != lambda_http::http::Method::POST {
            return Err(ApiError::new(405, "method_not_allowed", "use POST"));
        }
        apigw::require_json(req)?;
        let key = apigw::single_header(req, "idempotency-key")?;
        let body = req.body().as_ref();
        let caller = match (apigw::caller(req), key) {
            (Some(caller), _) => caller,
            (None, None) => String::new(),
            (None, Some(_)) => return Err(BadIdempotencyKey::NoCaller.into()),
        };
        let outcome = self
            .inner
            .write(&caller, body, key)
            .await
            .inspect_err(|e| {
                match e {
                    // The client's own doing: answered 413, not a storage fault.
                    WriteError::Storage(RepoError::ItemTooLarge { .. }) => {}
                    WriteError::Storage(e) if e.is_retryable() => {
                        tracing::warn!(error = %e, "storage unavailable");
                    }
                    WriteError::Storage(e) => tracing::error!(error = ?e, "storage error"),
                    _ => {}
                }
            })?;
        match outcome {
            Appended::Created(receipt) => {
                tracing::info!(status = 201, id = receipt.id, "record stored");
                Ok(apigw::json_response(201, &receipt))
            }
            Appended::Replayed(receipt) => {
                tracing::info!(status = 201, id = receipt.id, "idempotent replay");
                let mut r = apigw::json_response(201, &receipt);
                r.headers_mut().insert(
                    "idempotency-replayed",
                    "true".parse().expect("static header value"),
                );
                Ok(r)
            }
            Appended::Conflict => Err(ApiError::new(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used with a different request",
            )
            .field("idempotency-key")),
        }
    }
}

impl Writer<LogStore> {
    /// Reads the configuration described in the crate docs; `client` is the
    /// DynamoDB client built once in `main`.
    ///
    /// # Errors
    /// A missing `TABLE_NAME`, or any setting that is blank, malformed or
    /// out of range (the error names it).
    pub fn from_vars(vars: &Vars<'_>, client: aws_sdk_dynamodb::Client) -> Result<Self, Error> {
        let table = vars.required("TABLE_NAME")?;
        let store = LogStore::new(
            Repository::new(client, table),
            LogStoreConfig::from_vars(vars)?,
        );
        let cap = vars
            .number_in("MAX_PAYLOAD_BYTES", 1..=256 * 1024)?
            .unwrap_or(secure_serverless::log_entry::DEFAULT_MAX_PAYLOAD_BYTES);
        Ok(Self::new(store, cap))
    }
}

/// The route this function serves and the scope that may call it, for
/// in-handler authorization.
pub fn routes() -> RouteTable {
    RouteTable::new().route("POST", "/log", ["logs:write"])
}

/// The Lambda handler, for any HTTP front door (run it with
/// [`apigw::run`]).
///
/// # Errors
/// Never: every outcome is an HTTP answer.
pub async fn handler<S: LogSink>(state: &Writer<S>, req: Request) -> Result<Response<Body>, Error> {
    Ok(match req.lambda_context_ref() {
        Some(context) => lambda_log::invocation(context, state.handle(&req)).await,
        None => state.handle(&req).await,
    })
}
