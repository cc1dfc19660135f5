//! The reader Lambda: `GET /stats` -> log records, newest first.
//!
//! Query parameters (any other parameter, or one given twice, is a 400):
//!
//! | parameter | meaning |
//! |---|---|
//! | `limit` | page size, 1 to 100 (default 25) |
//! | `cursor` | the `next_cursor` of the previous page (opaque, tamper-evident) |
//! | `type` | only records of this type |
//! | `from`, `to` | RFC 3339 bounds, inclusive |
//!
//! Answers `200 {"items": [...], "next_cursor": "..." | null}` with
//! `Content-Type: application/json`, `X-Content-Type-Options: nosniff` and
//! `Cache-Control: no-store`; 400 with a JSON error for bad parameters, a
//! modified or foreign cursor (`invalid_cursor`) or an expired one
//! (`cursor_expired`); 503 with `Retry-After` when DynamoDB is unavailable.
//! A page ends early, with a `next_cursor`, before its Lambda response would
//! outgrow `MAX_PAGE_BYTES`, so no stored record can make a page unservable.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the log table (required) |
//! | `LOG_SHARDS` | as the writer's (default 8) |
//! | `CURSOR_KEY_ID` | Secrets Manager id of the cursor-signing key (deployed form, via the extension; `AWSPREVIOUS` still opens cursors after a rotation). Read once per cold start: after a rotation, a sandbox started before it does not know the new key, so a cursor sealed by a newer sandbox may be `invalid_cursor` there until that sandbox is recycled |
//! | `CURSOR_KEY_FILE` / `CURSOR_KEY` (+ `CURSOR_KEY_PREVIOUS`) | local runs only; at least 32 bytes |
//! | `CURSOR_TTL_SECONDS` | how long a cursor stays valid (60 to 86400, default 3600) |
//! | `MAX_PAGE_BYTES` | the most a page may weigh in the Lambda response (default 4,000,000) |
//! | `DYNAMODB_TRUST_ROOTS` | `amazon-trust-services` (default: the roots DynamoDB's endpoints chain to, compiled in) or `platform` (the system store, for an endpoint behind a TLS proxy of your own) |
//! | `JWT_ISSUER`, `JWT_AUDIENCE`, ... `REALM` | verify the bearer token in the function too (`BearerAuth::from_vars`: required behind a Function URL or ALB, which have no authorizer; the route and scope are [`routes`]) |
//!
//! A variable that is set but blank, malformed or out of range, or a missing
//! cursor key, stops the function at start-up with an error naming it.

use lambda_http::{Body, Request, RequestExt as _, Response};
use lambda_runtime::Error;
use secrecy::ExposeSecret;
use secure_serverless::RouteTable;
use secure_serverless::apigw::{self, ApiError};
use secure_serverless::config::Vars;
use secure_serverless::cursor::CursorKey;
use secure_serverless::lambda_log;
use secure_serverless::log_entry::LogType;
use secure_serverless::logs::{
    DEFAULT_PAGE_SIZE, ListQuery, LogStore, LogStoreConfig, MAX_PAGE_SIZE, parse_rfc3339_millis,
};
use secure_serverless::repository::{RepoError, Repository};
use secure_serverless::secret_source::{AnySource, SecretSource};

/// The handler's state, built once per cold start.
#[derive(Debug)]
pub struct Reader {
    store: LogStore,
    cursors: CursorKey,
}

impl Reader {
    /// A reader on `store` whose cursors `cursors` seals.
    pub fn new(store: LogStore, cursors: CursorKey) -> Self {
        Reader { store, cursors }
    }

    /// Reads the configuration described in the crate docs.
    ///
    /// # Errors
    /// A missing `TABLE_NAME`, an unavailable or short cursor key, or any
    /// setting that is blank, malformed or out of range.
    pub async fn from_vars(
        vars: &Vars<'_>,
        client: aws_sdk_dynamodb::Client,
    ) -> Result<Self, Error> {
        let table = vars.required("TABLE_NAME")?;
        let config = LogStoreConfig::from_vars(vars)?;
        let ttl = vars
            .number_in::<u64>("CURSOR_TTL_SECONDS", 60..=86_400)?
            .map_or(
                secure_serverless::cursor::DEFAULT_CURSOR_TTL,
                std::time::Duration::from_secs,
            );
        let versions = AnySource::from_vars("CURSOR_KEY", vars)?.fetch().await?;
        let mut key = CursorKey::new(versions.current.expose_secret().as_bytes())?.with_ttl(ttl);
        if let Some(previous) = &versions.previous {
            key = key.with_previous(previous.expose_secret().as_bytes())?;
        }
        Ok(Reader {
            store: LogStore::new(Repository::new(client, table), config),
            cursors: key,
        })
    }

    /// Answers one request; never fails.
    pub async fn handle(&self, req: &Request) -> Response<Body> {
        apigw::respond(self.try_handle(req).await)
    }

    async fn try_handle(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        // Never an anonymous caller, whatever door the function is behind.
        apigw::require_vouched(req)?;
        if req.method() != lambda_http::http::Method::GET {
            return Err(ApiError::new(405, "method_not_allowed", "use GET"));
        }
        let mut q = ListQuery {
            limit: DEFAULT_PAGE_SIZE,
            ..ListQuery::default()
        };
        for (name, value) in apigw::query_params(req, &["limit", "cursor", "type", "from", "to"])? {
            let bad = |code, msg: String| ApiError::bad_request(code, msg).field(name);
            match name {
                "limit" => {
                    q.limit = value
                        .parse::<u32>()
                        .ok()
                        .filter(|l| (1..=MAX_PAGE_SIZE).contains(l))
                        .ok_or_else(|| {
                            bad(
                                "invalid_limit",
                                format!("limit must be an integer from 1 to {MAX_PAGE_SIZE}"),
                            )
                        })?;
                }
                "cursor" => q.cursor = Some(value.to_owned()),
                "type" => {
                    q.log_type = Some(
                        LogType::new(value)
                            .map_err(|r| bad("invalid_type", format!("type {r}")))?,
                    )
                }
                "from" | "to" => {
                    let ms = parse_rfc3339_millis(value).map_err(|_| {
                        bad(
                            "invalid_time",
                            format!(
                                "{name} must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z"
                            ),
                        )
                    })?;
                    if name == "from" {
                        q.from_ms = Some(ms)
                    } else {
                        q.to_ms = Some(ms)
                    }
                }
                _ => unreachable!("query_params only returns allowed names"),
            }
        }
        if let (Some(f), Some(t)) = (q.from_ms, q.to_ms)
            && f > t
        {
            return Err(
                ApiError::bad_request("invalid_time_range", "from must not be after to")
                    .field("from"),
            );
        }
        let page = self.store.list(&q, &self.cursors).await.inspect_err(|e| {
            if e.is_retryable() {
                tracing::warn!(error = %e, "storage unavailable");
            } else if !matches!(e, RepoError::Cursor(_)) {
                tracing::error!(error = ?e, "storage error");
            }
        })?;
        tracing::info!(
            status = 200,
            items = page.items.len(),
            more = page.next_cursor.is_some(),
            "page served"
        );
        Ok(apigw::json_response(200, &page))
    }
}

/// The route this function serves and the scope that may call it, for
/// in-handler authorization.
pub fn routes() -> RouteTable {
    RouteTable::new().route("GET", "/stats", ["logs:read"])
}

/// The Lambda handler, for any HTTP front door (run it with
/// [`apigw::run`]).
///
/// # Errors
/// Never: every outcome is an HTTP answer.
pub async fn handler(state: &Reader, req: Request) -> Result<Response<Body>, Error> {
    Ok(match req.lambda_context_ref() {
        Some(context) => lambda_log::invocation(context, state.handle(&req)).await,
        None => state.handle(&req).await,
    })
}
