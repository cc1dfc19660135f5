//! The log table, and the sanitising, idempotent log writer.
//!
//! # Key design
//!
//! | item | `pk` | `sk` | `type_pk` (GSI `by_type`) |
//! |---|---|---|---|
//! | log record | `LOG#{shard}` | record id | `{type}#{shard}` |
//! | idempotency record ([`crate::idempotency`]) | `IDEMPOTENCY#{sha256(caller, key)}` | `IDEMPOTENCY` | (none) |
//!
//! * Every record gets a **UUIDv7** id: unique (74 random bits), and its
//!   canonical text sorts by creation time (48-bit millisecond prefix; ids made
//!   in one process are monotonic even within a millisecond). The RFC 3339 UTC
//!   `timestamp` is the id's own millisecond, so both always agree. Two writes
//!   in one microsecond never collide (a timestamp key would let one
//!   overwrite the other), and every put is create-only besides.
//! * **Reads are Queries, never Scans.** "Newest N" queries each shard
//!   partition newest-first and merges; "type T between t0 and t1" queries
//!   the `by_type` index the same way, with the sort key between the smallest
//!   and largest UUIDv7 of those milliseconds.
//! * **Write sharding.** DynamoDB serves at most 1,000 write units and 3,000
//!   read units per second per partition, and writes to ever-increasing sort
//!   keys of one partition key all land on its last partition, so adaptive
//!   capacity cannot split them. Records are therefore spread over
//!   [`LogStoreConfig::shards`] partition keys (default 8, chosen by the id's
//!   random bits): one busy day gets up to `shards` x 1,000 WCU/s (8,000 one-KB
//!   writes per second with the default; the index has the same spread), well
//!   above what the API stage throttle admits. Day buckets would add nothing:
//!   at any instant all writes would still hit the same day. A page costs
//!   `shards` queries; keep `shards` as small as the write rate allows. The
//!   shard count is part of the design: changing it needs a migration.
//! * **Payload** is a plain attribute (as an index key it would be capped
//!   near 1 KB and could not be empty). Sanitising can make a
//!   payload grow (every `<a>` gains its `rel`), so the stored items are
//!   measured before the write: a record or idempotency guard over DynamoDB's
//!   400 KB item limit is [`RepoError::ItemTooLarge`] and nothing is written.
//! * **Retention**: with [`LogStoreConfig::retention`], records carry
//!   `expires_at` (epoch seconds) for DynamoDB TTL.
//!
//! # Pagination
//! A page asks each shard for an even share of the records below the cursor,
//! merges them newest first and keeps only what is certain (a shard that may
//! hold more, because it returned what it was asked or was cut short by
//! DynamoDB's 1 MB page limit, bounds what may still come from it); then asks
//! again only the shards that may still hold records of the page, each only
//! for the records between the page's cut and what it already returned, so a
//! page reads about as many items as it returns, in two rounds
//! ([`LogPage::read`]). With one shard a page is one Query. Every record is
//! returned exactly once across pages, however the 1 MB boundaries fall. The cursor is sealed with
//! [`crate::cursor`] (so it expires, and survives one key rotation) and bound
//! to the filters of the listing.
//!
//! A page also stops before its answer would outgrow
//! [`LogStoreConfig::max_page_bytes`], counted as the records weigh inside a
//! Lambda proxy response, where the JSON body is escaped once more
//! ([`crate::envelope`]); the default keeps every page well under Lambda's
//! 6 MB response limit, and the smallest budget accepted
//! ([`MIN_PAGE_BYTES`]) still holds the largest record DynamoDB can store, so
//! a page always makes progress.
//!
//! # Idempotency
//! An idempotency key belongs to its caller: its record is keyed by the
//! digest of the caller's identity (the authorizer's principal) and the key,
//! so two callers can never see or block each other's keys, and the request
//! hash covers the request body exactly as received. With a key, the record
//! and the idempotency record (holding the receipt) are written in one
//! transaction by [`Idempotent::commit`](crate::idempotency::Idempotent::commit):
//! the record is create-only, the idempotency record only if the key is
//! free. A retry with the same key finds the idempotency record (DynamoDB
//! returns it on the failed condition, so no read permission is needed):
//! same request, the first receipt is returned and nothing is written;
//! different request, a conflict. The idempotency record keeps a copy of the
//! log record, and a replay first makes sure the log record exists
//! (create-only put): a store that is not atomic (DynamoDB Local killed
//! mid-transaction) cannot turn a retry into an acknowledged record that was
//! never stored.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use items::LogItem;
use merge::ShardMerge;

use crate::config::{ConfigError, Vars};
use crate::cursor::{CursorError, CursorKey};
use crate::envelope::{LAMBDA_SYNC_RESPONSE_LIMIT, escaped_len};
use crate::idempotency::{
    BadIdempotencyKey, CommitError, DynamoStore, IdempotencyConfig, IdempotencyError,
    IdempotencyKey, Idempotent, Outcome,
};
use crate::log_entry::{LogEntryError, LogEntryParser, LogType};
use crate::repository::{
    IndexDesign, KeySchema, Query, RepoError, Repository, SortRange, TableDesign,
};

/// The `by_type` index.
pub const BY_TYPE: IndexDesign = IndexDesign {
    name: "by_type",
    keys: KeySchema {
        partition: "type_pk",
        sort: Some("sk"),
    },
};

/// The log table's design (see the module docs).
pub const LOG_TABLE: TableDesign = TableDesign {
    keys: KeySchema {
        partition: "pk",
        sort: Some("sk"),
    },
    indexes: &[BY_TYPE],
    ttl_attribute: Some("expires_at"),
};

/// Default number of write shards.
pub const DEFAULT_SHARDS: u8 = 8;
/// Default page size of a listing.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
/// Largest page size of a listing.
pub const MAX_PAGE_SIZE: u32 = 100;

/// What a page keeps aside for everything but its records: the proxy
/// envelope and its headers, the page's own JSON, and a cursor of up to
/// [`crate::cursor::MAX_CURSOR_BYTES`].
pub(crate) const PAGE_ENVELOPE_RESERVE: usize = 8 * 1024;
/// The most one stored record can weigh in a proxy response: its id,
/// timestamp, type and payload are part of a 400 KB item, the record's JSON
/// adds 46 bytes of names and punctuation (64 counted), and every byte is at
/// worst seven once escaped twice (a control character is `\u0001` in the
/// body, `\\u0001` in the envelope); plus its comma.
pub(crate) const MAX_RECORD_RESPONSE_BYTES: usize =
    7 * (crate::repository::MAX_ITEM_BYTES + 64) + 1;
/// The smallest page budget accepted: the largest record still fits.
pub const MIN_PAGE_BYTES: usize = MAX_RECORD_RESPONSE_BYTES + PAGE_ENVELOPE_RESERVE;
/// The default page budget: 4,000,000 bytes, a third under Lambda's limit.
pub const DEFAULT_PAGE_BYTES: usize = 4_000_000;

/// A log record as a listing returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// UUIDv7 id.
    pub id: String,
    /// RFC 3339 UTC timestamp, millisecond precision.
    pub timestamp: String,
    /// The validated type.
    #[serde(rename = "type")]
    pub log_type: LogType,
    /// The sanitised payload.
    pub payload: String,
}

/// What a write returns: `{id, timestamp, type}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// UUIDv7 id.
    pub id: String,
    /// RFC 3339 UTC timestamp.
    pub timestamp: String,
    /// The validated type.
    #[serde(rename = "type", deserialize_with = "items::stored_type")]
    pub log_type: LogType,
}

/// A receipt is what an idempotent write replays.
impl crate::idempotency::IdempotentResponse for Receipt {}

/// A record about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// UUIDv7 id.
    pub id: Uuid,
    /// The id's millisecond, as RFC 3339.
    pub timestamp: String,
    /// The validated type.
    pub log_type: LogType,
    /// The sanitised payload.
    pub payload: String,
}

impl NewRecord {
    /// A record with a fresh UUIDv7 id.
    pub fn new(log_type: LogType, payload: String) -> Self {
        let id = Uuid::now_v7();
        NewRecord {
            timestamp: rfc3339_millis(id_millis(&id)),
            id,
            log_type,
            payload,
        }
    }

    /// What the writer answers for this record once stored (for
    /// [`LogSink`] implementations).
    pub fn receipt(&self) -> Receipt {
        Receipt {
            id: self.id.to_string(),
            timestamp: self.timestamp.clone(),
            log_type: self.log_type.clone(),
        }
    }
}

/// The outcome of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// A new record was stored.
    Created(Receipt),
    /// The idempotency key was used before with the same request: nothing
    /// was written; this is the first record's receipt.
    Replayed(Receipt),
    /// The idempotency key was used before with a different request.
    Conflict,
}

/// Where the writer stores records: any repository behind this trait.
pub trait LogSink: Send + Sync {
    /// Stores `record` create-only, once per idempotency key.
    fn append(
        &self,
        record: &NewRecord,
        idempotency: Option<&IdempotencyKey>,
    ) -> impl Future<Output = Result<Appended, RepoError>> + Send;
}

/// Settings of a [`LogStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStoreConfig {
    /// Write shards (1 to 64).
    pub shards: u8,
    /// Records expire after this long (DynamoDB TTL), if set.
    pub retention: Option<Duration>,
    /// Idempotency keys are remembered this long (default 24 h).
    pub idempotency_window: Duration,
    /// The most a page of a listing may weigh in a Lambda proxy response
    /// (default [`DEFAULT_PAGE_BYTES`]; at least [`MIN_PAGE_BYTES`]).
    pub max_page_bytes: usize,
}

impl Default for LogStoreConfig {
    fn default() -> Self {
        LogStoreConfig {
            shards: DEFAULT_SHARDS,
            retention: None,
            idempotency_window: Duration::from_secs(24 * 3600),
            max_page_bytes: DEFAULT_PAGE_BYTES,
        }
    }
}

impl LogStoreConfig {
    /// Reads `LOG_SHARDS` (1 to 64, default 8), `RETENTION_DAYS` (default:
    /// keep), `IDEMPOTENCY_WINDOW_SECONDS` (60 s to 7 days, default 24 h) and
    /// `MAX_PAGE_BYTES` ([`MIN_PAGE_BYTES`] to Lambda's 6 MB, default
    /// [`DEFAULT_PAGE_BYTES`]).
    ///
    /// # Errors
    /// A [`ConfigError`] naming a blank, malformed or out-of-range variable.
    pub fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let d = LogStoreConfig::default();
        Ok(LogStoreConfig {
            shards: vars.number_in("LOG_SHARDS", 1..=64)?.unwrap_or(d.shards),
            retention: vars
                .number_in::<u64>("RETENTION_DAYS", 1..=36_500)?
                .map(|days| Duration::from_secs(days * 86_400)),
            idempotency_window: vars
                .number_in::<u64>("IDEMPOTENCY_WINDOW_SECONDS", 60..=7 * 86_400)?
                .map_or(d.idempotency_window, Duration::from_secs),
            max_page_bytes: vars
                .number_in(
                    "MAX_PAGE_BYTES",
                    MIN_PAGE_BYTES..=LAMBDA_SYNC_RESPONSE_LIMIT,
                )?
                .unwrap_or(d.max_page_bytes),
        })
    }
}

/// A listing request: newest first, optionally one type and a time range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only this type.
    pub log_type: Option<LogType>,
    /// Only records at or after this Unix millisecond.
    pub from_ms: Option<u64>,
    /// Only records at or before this Unix millisecond.
    pub to_ms: Option<u64>,
    /// Page size, `1..=MAX_PAGE_SIZE`.
    pub limit: u32,
    /// Cursor from the previous page of the same listing.
    pub cursor: Option<String>,
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogPage {
    /// Records, newest first.
    pub items: Vec<LogRecord>,
    /// Cursor for the next page; `None` at the end.
    pub next_cursor: Option<String>,
    /// What the page cost to read (not part of the serialised page).
    #[serde(skip)]
    pub read: ReadCost,
}

/// What reading one page cost: items read from the table (each is read
/// capacity paid for) and rounds of parallel queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadCost {
    /// Items the queries returned, over every round.
    pub items_read: usize,
    /// Rounds of queries (each round queries its shards in parallel).
    pub rounds: usize,
    /// Read capacity units consumed, as DynamoDB reported them (0 when it
    /// did not).
    pub capacity_units: f64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Position {
    before: String,
}

/// The log table on a [`Repository`].
#[derive(Debug, Clone)]
pub struct LogStore {
    repo: Repository,
    config: LogStoreConfig,
    idempotent: Arc<Idempotent<DynamoStore>>,
}

impl LogStore {
    /// A store on `repo` (whose table follows [`LOG_TABLE`]).
    pub fn new(repo: Repository, config: LogStoreConfig) -> Self {
        let shards = config.shards.clamp(1, 64);
        let max_page_bytes = config
            .max_page_bytes
            .clamp(MIN_PAGE_BYTES, LAMBDA_SYNC_RESPONSE_LIMIT);
        let idempotent = Idempotent::new(
            DynamoStore::new(repo.clone()),
            IdempotencyConfig::default().expires_after(config.idempotency_window),
        );
        LogStore {
            repo,
            idempotent: Arc::new(idempotent),
            config: LogStoreConfig {
                shards,
                max_page_bytes,
                ..config
            },
        }
    }

    /// The repository.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Creates the table if missing (local stacks and tests).
    ///
    /// # Errors
    /// A classified [`RepoError`].
    pub async fn create_table(&self) -> Result<(), RepoError> {
        self.repo.create_table(&LOG_TABLE).await
    }

    fn shard_of(&self, id: &Uuid) -> u8 {
        id.as_bytes()[15] % self.config.shards
    }

    /// One page of records, newest first.
    ///
    /// # Errors
    /// [`RepoError::Cursor`] for a cursor from another listing or edited, or
    /// another classified error.
    pub async fn list(&self, q: &ListQuery, cursors: &CursorKey) -> Result<LogPage, RepoError> {
        let need = q.limit.clamp(1, MAX_PAGE_SIZE);
        let scope = format!(
            "logs|{}|{}|{}|{:?}|{:?}",
            self.repo.table(),
            self.config.shards,
            q.log_type.as_ref().map_or("", LogType::as_str),
            q.from_ms,
            q.to_ms
        );
        let mut upper = q.to_ms.map(id_ceiling);
        if let Some(c) = &q.cursor {
            let pos: Position = cursors.open(&scope, c)?;
            let before: Uuid = pos
                .before
                .parse()
                .map_err(|_| RepoError::Cursor(CursorError::Invalid))?;
            let Some(p) = id_predecessor(&before) else {
                return Ok(LogPage {
                    items: Vec::new(),
                    next_cursor: None,
                    read: ReadCost::default(),
                });
            };
            upper = Some(upper.map_or(p.clone(), |u| u.min(p)));
        }
        let lower = q.from_ms.map(id_floor);
        let range = match (lower, upper) {
            (None, None) => SortRange::All,
            (Some(lo), None) => SortRange::From(lo),
            (None, Some(hi)) => SortRange::Within(id_floor(0), hi),
            (Some(lo), Some(hi)) if lo > hi => {
                return Ok(LogPage {
                    items: Vec::new(),
                    next_cursor: None,
                    read: ReadCost::default(),
                });
            }
            (Some(lo), Some(hi)) => SortRange::Within(lo, hi),
        };
        let shards = usize::from(self.config.shards);
        let mut merge = ShardMerge::<LogItem>::new(shards, need as usize);
        let mut capacity_units = 0.0;
        loop {
            let plan = merge.next_round();
            if plan.is_empty() {
                break;
            }
            if merge.rounds() > MAX_ROUNDS {
                // Unreachable with a store that answers every query with a
                // record or "no more"; the certain prefix is still exact.
                break;
            }
            let mut tasks = tokio::task::JoinSet::new();
            for ask in plan {
                let shard = ask.shard;
                let shard_range = match merge.frontier(shard) {
                    None => Some(range.clone()),
                    Some(last) => below(&range, last),
                };
                let shard_range = match (shard_range, &ask.above) {
                    (Some(r), Some(b)) => above(&r, b),
                    (r, _) => r,
                };
                let Some(shard_range) = shard_range else {
                    merge.record(&ask, Vec::new(), false);
                    continue;
                };
                let (index, partition) = match &q.log_type {
                    Some(t) => (Some(BY_TYPE), format!("{t}#{shard:02}")),
                    None => (None, format!("LOG#{shard:02}")),
                };
                let query = Query {
                    index,
                    partition,
                    range: shard_range,
                    newest_first: true,
                    limit: ask.limit,
                    cursor: None,
                };
                let (repo, cursors) = (self.repo.clone(), cursors.clone());
                tasks.spawn(async move { (ask, repo.query::<LogItem>(&query, &cursors).await) });
            }
            while let Some(joined) = tasks.join_next().await {
                let (ask, page) = joined.map_err(|e| RepoError::Other(Box::new(e)))?;
                let page = page?;
                capacity_units += page.capacity_units.unwrap_or(0.0);
                merge.record(&ask, page.items, page.cursor.is_some());
            }
        }
        let read = ReadCost {
            items_read: merge.items_read(),
            rounds: merge.rounds(),
            capacity_units,
        };
        let (merged, mut more) = merge.finish();
        let total = merged.len();
        let mut budget = self.config.max_page_bytes - PAGE_ENVELOPE_RESERVE;
        let mut items: Vec<LogRecord> = Vec::with_capacity(need as usize);
        for i in merged {
            let record = LogRecord {
                id: i.id,
                timestamp: i.timestamp,
                log_type: i.log_type,
                payload: i.payload,
            };
            let cost = response_bytes(&record);
            // The first record always fits: no stored item weighs more than
            // MAX_RECORD_RESPONSE_BYTES, and the budget is at least that.
            if cost > budget && !items.is_empty() {
                break;
            }
            budget = budget.saturating_sub(cost);
            items.push(record);
        }
        more |= items.len() < total;
        let next_cursor = match (more, items.last()) {
            (true, Some(last)) => Some(cursors.seal(
                &scope,
                &Position {
                    before: last.id.clone(),
                },
            )?),
            _ => None,
        };
        Ok(LogPage {
            items,
            next_cursor,
            read,
        })
    }
}

/// `range` above `key`, exclusive (`None` when nothing is left). A key that
/// is not an id leaves the range as it is: the query reads more, never less.
fn above(range: &SortRange, key: &str) -> Option<SortRange> {
    let Some(next) = Uuid::parse_str(key).ok().and_then(|id| id_successor(&id)) else {
        return Some(range.clone());
    };
    match range {
        SortRange::All => Some(SortRange::From(next)),
        SortRange::From(lo) => Some(SortRange::From(lo.clone().max(next))),
        SortRange::Below(hi) => {
            // Strictly below `hi`: at most its predecessor.
            let hi = Uuid::parse_str(hi).ok().and_then(|id| id_predecessor(&id));
            match hi {
                Some(hi) => (hi >= next).then_some(SortRange::Within(next, hi)),
                None => Some(range.clone()),
            }
        }
        SortRange::Within(lo, hi) => {
            let lo = lo.clone().max(next);
            (*hi >= lo).then(|| SortRange::Within(lo, hi.clone()))
        }
    }
}

/// `range` below `key`, exclusive (`None` when nothing is left).
fn below(range: &SortRange, key: &str) -> Option<SortRange> {
    let last = Uuid::parse_str(key).ok().and_then(|id| id_predecessor(&id));
    match (range, last) {
        (SortRange::All, _) => Some(SortRange::Below(key.to_owned())),
        (SortRange::Below(hi), _) => Some(SortRange::Below(hi.clone().min(key.to_owned()))),
        (SortRange::From(lo), Some(p)) => (p >= *lo).then(|| SortRange::Within(lo.clone(), p)),
        (SortRange::Within(lo, hi), Some(p)) => {
            let hi = hi.clone().min(p);
            (hi >= *lo).then(|| SortRange::Within(lo.clone(), hi))
        }
        // A stored key that is not an id (never written by this crate): no
        // predecessor to continue below, so stop this shard.
        (SortRange::From(_) | SortRange::Within(..), None) => None,
    }
}

impl LogSink for LogStore {
    async fn append(
        &self,
        record: &NewRecord,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Appended, RepoError> {
        let shard = self.shard_of(&record.id);
        let now = unix_seconds();
        let item = LogItem::new(
            shard,
            &record.id.to_string(),
            &record.timestamp,
            &record.log_type,
            &record.payload,
            self.config.retention.map(|r| now + r.as_secs()),
        );
        let Some(key) = idempotency else {
            self.repo.put_new(&item).await?;
            return Ok(Appended::Created(record.receipt()));
        };
        match self.idempotent.commit(key, &record.receipt(), &item).await {
            Ok(Outcome::Replayed(receipt)) => Ok(Appended::Replayed(receipt)),
            Ok(Outcome::Executed(receipt) | Outcome::Unrecorded(receipt)) => {
                Ok(Appended::Created(receipt))
            }
            Err(CommitError::Idempotency(IdempotencyError::Conflict)) => Ok(Appended::Conflict),
            Err(CommitError::Storage(e)) => Err(e),
            // A claim of `Idempotent::run` on the same key (another handler
            // sharing the table and the key): retry once it is done.
            Err(CommitError::Idempotency(e @ IdempotencyError::InProgress { .. })) => {
                Err(RepoError::Unavailable(Box::new(e)))
            }
            // A stored receipt that does not read as one: not an outage.
            Err(CommitError::Idempotency(e)) => Err(RepoError::Other(Box::new(e))),
        }
    }
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The request body is invalid.
    #[error(transparent)]
    Invalid(#[from] LogEntryError),
    /// The idempotency key is invalid.
    #[error(transparent)]
    IdempotencyKey(#[from] BadIdempotencyKey),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
}

/// Validate, sanitise, store: the write path of the log API.
#[derive(Debug)]
pub struct LogWriter<S> {
    parser: LogEntryParser,
    sink: S,
}

impl<S: LogSink> LogWriter<S> {
    /// A writer parsing with `parser` and storing into `sink`.
    pub fn new(parser: LogEntryParser, sink: S) -> Self {
        LogWriter { parser, sink }
    }

    /// The sink.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// Parses, validates and sanitises `body`, then stores it once per
    /// `idempotency_key` of `caller` (the authenticated principal, `""` when
    /// there is none).
    ///
    /// # Errors
    /// [`WriteError`]; nothing is stored unless `Ok` is returned.
    pub async fn write(
        &self,
        caller: &str,
        body: &[u8],
        idempotency_key: Option<&str>,
    ) -> Result<Appended, WriteError> {
        let entry = self.parser.parse(body).inspect_err(|_e| {
            #[cfg(feature = "metrics")]
            if let Some(m) = crate::metrics::Metric::entry_refused(_e.code()) {
                crate::metrics::count(m);
            }
        })?;
        let idempotency = idempotency_key
            .map(|k| IdempotencyKey::new(k, caller, body))
            .transpose()?;
        let (log_type, payload) = entry.into_parts();
        let record = NewRecord::new(log_type, payload);
        Ok(self.sink.append(&record, idempotency.as_ref()).await?)
    }
}

/// What `record` weighs in a Lambda proxy response: its JSON, escaped once
/// more inside the envelope's `body` string, and the comma after it.
fn response_bytes(record: &LogRecord) -> usize {
    serde_json::to_string(record).map_or(usize::MAX, |json| escaped_len(&json) + 1)
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch encoded in a UUIDv7.
pub fn id_millis(id: &Uuid) -> u64 {
    let b = id.as_bytes();
    b[..6]
        .iter()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

/// RFC 3339 UTC with millisecond precision.
pub fn rfc3339_millis(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// Parses an RFC 3339 timestamp to Unix milliseconds.
///
/// # Errors
/// When the text is not RFC 3339 or lies before 1970.
pub fn parse_rfc3339_millis(text: &str) -> Result<u64, humantime::TimestampError> {
    let t = humantime::parse_rfc3339(text)?;
    let d = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| humantime::TimestampError::OutOfRange)?;
    u64::try_from(d.as_millis()).map_err(|_| humantime::TimestampError::OutOfRange)
}

fn id_floor(ms: u64) -> String {
    let ms = ms.min((1 << 48) - 1);
    format!(
        "{:08x}-{:04x}-7000-8000-000000000000",
        ms >> 16,
        ms & 0xffff
    )
}

fn id_ceiling(ms: u64) -> String {
    let ms = ms.min((1 << 48) - 1);
    format!(
        "{:08x}-{:04x}-7fff-bfff-ffffffffffff",
        ms >> 16,
        ms & 0xffff
    )
}

/// The largest id string below `id` (ids are fixed-width lowercase hex, so
/// "sk < id" is "sk <= predecessor(id)").
fn id_predecessor(id: &Uuid) -> Option<String> {
    id.as_u128()
        .checked_sub(1)
        .map(|p| Uuid::from_u128(p).to_string())
}

/// The next id above `id` (`None` for the largest).
fn id_successor(id: &Uuid) -> Option<String> {
    id.as_u128()
        .checked_add(1)
        .map(|p| Uuid::from_u128(p).to_string())
}

mod items;
mod merge;
#[cfg(test)]
mod tests;

/// Most rounds of shard queries for one page (each round asks at least the
/// shard that blocks the page and it answers with a record or "no more", so
/// a page needs at most `need + shards` rounds).
const MAX_ROUNDS: usize = MAX_PAGE_SIZE as usize + 64 + 1;
