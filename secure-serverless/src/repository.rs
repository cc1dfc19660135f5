//! A typed DynamoDB repository on `aws-sdk-dynamodb` and `serde_dynamo`.
//!
//! An item type declares its key design once ([`Item::KEYS`]); the
//! [`Repository`] then offers, for any such type:
//!
//! * [`put_new`](Repository::put_new): a create-only put (`attribute_not_exists`
//!   on the partition key); an existing key is [`RepoError::AlreadyExists`],
//!   never an overwrite;
//! * [`get`](Repository::get): a strongly consistent read, [`RepoError::NotFound`]
//!   when absent;
//! * [`query`](Repository::query): one partition (of the table or an index),
//!   an optional sort-key range, newest (largest sort key) first by default,
//!   a bounded page size, and an opaque, tamper-evident cursor (see
//!   [`crate::cursor`]) bound to that exact query, so a client cannot turn it
//!   into a read of other keys;
//! * [`batch_put`](Repository::batch_put): chunks of 25, `UnprocessedItems`
//!   retried with exponential backoff;
//! * [`put_if`](Repository::put_if) and [`delete_if`](Repository::delete_if):
//!   a write under any [`Condition`], returning the item that failed it;
//! * [`put_guarded`](Repository::put_guarded): a conditional put and a
//!   create-only put in one transaction, returning the guard item that failed
//!   its condition (idempotency keys).
//!
//! Every write measures its items first ([`item_size`]): an item over
//! DynamoDB's 400 KB limit is [`RepoError::ItemTooLarge`], before any request
//! is made.
//!
//! [`RepoError`] tells apart not-found, already-exists, too large, throttled
//! (retryable), validation (permanent), unavailable (retryable) and the rest,
//! and keeps the SDK error as its `source`.
//!
//! Key attributes are strings (`S`).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, Put, PutRequest, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem, WriteRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cursor::{CursorError, CursorKey};

mod client;
mod condition;
mod item_size;
pub use client::{
    BadTrustRoots, TRUST_ROOTS_VAR, TrustRoots, client_with_timeouts, handler_client,
};
pub use condition::Condition;
pub use item_size::{MAX_ITEM_BYTES, item_size};

/// A DynamoDB item as the SDK sees it.
pub type Attributes = HashMap<String, AttributeValue>;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The key attributes of a table or index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySchema {
    /// Partition (hash) key attribute.
    pub partition: &'static str,
    /// Sort (range) key attribute, if any.
    pub sort: Option<&'static str>,
}

/// A global secondary index (projection `ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDesign {
    /// Index name.
    pub name: &'static str,
    /// Its keys.
    pub keys: KeySchema,
}

/// A whole table design: keys, indexes, TTL attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDesign {
    /// Table keys.
    pub keys: KeySchema,
    /// Global secondary indexes.
    pub indexes: &'static [IndexDesign],
    /// The TTL attribute (epoch seconds), if expiry is used.
    pub ttl_attribute: Option<&'static str>,
}

/// A type stored as one DynamoDB item, with its key design.
pub trait Item: Serialize + DeserializeOwned + Send + Sync {
    /// The table keys this item carries.
    const KEYS: KeySchema;
}

/// A storage failure, classified for the caller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// No item has the key.
    #[error("item not found")]
    NotFound,
    /// A create-only put found an item with the key.
    #[error("an item with this key already exists")]
    AlreadyExists,
    /// An item is over DynamoDB's item size limit; nothing was sent.
    #[error("an item of {bytes} bytes is over DynamoDB's limit of {limit}")]
    ItemTooLarge {
        /// The item's size as DynamoDB counts it.
        bytes: usize,
        /// The limit, [`MAX_ITEM_BYTES`].
        limit: usize,
    },
    /// DynamoDB throttled the request after the SDK's own retries: retry later.
    #[error("storage is throttling requests")]
    Throttled(#[source] BoxError),
    /// DynamoDB refused the request as invalid: retrying will not help.
    #[error("storage rejected the request")]
    Validation(#[source] BoxError),
    /// DynamoDB could not be reached or failed internally: retry later.
    #[error("storage is unavailable")]
    Unavailable(#[source] BoxError),
    /// A pagination cursor was refused.
    #[error(transparent)]
    Cursor(#[from] CursorError),
    /// An item did not convert to or from the declared type.
    #[error("item does not match its type")]
    Serde(#[from] serde_dynamo::Error),
    /// Anything else.
    #[error("storage error")]
    Other(#[source] BoxError),
}

impl RepoError {
    /// Whether retrying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, RepoError::Throttled(_) | RepoError::Unavailable(_))
    }
}

/// Classifies an SDK error by its transport outcome and service error code.
pub(crate) fn classify<E, R>(err: SdkError<E, R>) -> RepoError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            RepoError::Unavailable(Box::new(err))
        }
        SdkError::ConstructionFailure(_) => RepoError::Validation(Box::new(err)),
        SdkError::ServiceError(service) => match service.err().code() {
            Some("ConditionalCheckFailedException") => RepoError::AlreadyExists,
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded",
            ) => {
                count_metric!(StorageThrottled);
                RepoError::Throttled(Box::new(err))
            }
            Some(
                "ValidationException"
                | "ResourceNotFoundException"
                | "ItemCollectionSizeLimitExceededException"
                | "SerializationException",
            ) => RepoError::Validation(Box::new(err)),
            Some(
                "InternalServerError"
                | "ServiceUnavailable"
                | "TransactionConflictException"
                | "TransactionInProgressException",
            ) => RepoError::Unavailable(Box::new(err)),
            _ => RepoError::Other(Box::new(err)),
        },
        _ => RepoError::Other(Box::new(err)),
    }
}

/// A sort-key condition for [`Query`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortRange {
    /// Every item of the partition.
    All,
    /// Sort key strictly below this value.
    Below(String),
    /// Sort key at or above this value.
    From(String),
    /// Sort key between both values, inclusive.
    Within(String, String),
}

/// One page of a partition, newest first unless told otherwise.
#[derive(Debug, Clone)]
pub struct Query {
    /// Query a global secondary index instead of the table.
    pub index: Option<IndexDesign>,
    /// The partition key value.
    pub partition: String,
    /// The sort-key condition.
    pub range: SortRange,
    /// Largest sort key first (the default).
    pub newest_first: bool,
    /// Page size (clamped to `1..=Repository::max_page_size`).
    pub limit: u32,
    /// A cursor from a previous page of the same query.
    pub cursor: Option<String>,
}

impl Query {
    /// Newest-first page of `partition` of the table.
    pub fn partition(partition: impl Into<String>, limit: u32) -> Self {
        Query {
            index: None,
            partition: partition.into(),
            range: SortRange::All,
            newest_first: true,
            limit,
            cursor: None,
        }
    }

    fn scope(&self, table: &str) -> String {
        format!(
            "{table}|{}|{}|{:?}|{}|{}",
            self.index.map_or("", |i| i.name),
            self.partition,
            self.range,
            self.newest_first,
            self.limit
        )
    }
}

/// A page of results and, when more may follow, the cursor for the next page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in query order.
    pub items: Vec<T>,
    /// Opaque cursor for the next page; `None` at the end.
    pub cursor: Option<String>,
    /// Read capacity units the query consumed, as DynamoDB reports them
    /// (`ReturnConsumedCapacity=TOTAL`); `None` when it does not.
    pub capacity_units: Option<f64>,
}

/// Typed access to one table.
#[derive(Debug, Clone)]
pub struct Repository {
    client: Client,
    table: String,
    max_page_size: u32,
    batch_attempts: u32,
    batch_base_delay: Duration,
}

/// Longest page [`Repository::query`] returns by default.
pub const DEFAULT_MAX_PAGE_SIZE: u32 = 100;

impl Repository {
    /// A repository for `table`. Paginating reads take the [`CursorKey`]
    /// that seals their cursors; writes need none.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Repository {
            client,
            table: table.into(),
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            batch_attempts: 8,
            batch_base_delay: Duration::from_millis(25),
        }
    }

    /// Sets the largest page size a query may ask for.
    #[must_use]
    pub fn max_page_size(mut self, max: u32) -> Self {
        self.max_page_size = max.max(1);
        self
    }

    /// Sets how often [`batch_put`](Self::batch_put) retries unprocessed
    /// items, and the first backoff delay (doubled at each attempt).
    #[must_use]
    pub fn batch_retries(mut self, attempts: u32, base_delay: Duration) -> Self {
        self.batch_attempts = attempts.max(1);
        self.batch_base_delay = base_delay;
        self
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates the table (on-demand) with its indexes and TTL, unless it
    /// already exists, and waits until it is active. For local stacks and
    /// tests; deployed tables come from the SAM/Terraform templates.
    ///
    /// # Errors
    /// A classified [`RepoError`].
    pub async fn create_table(&self, design: &TableDesign) -> Result<(), RepoError> {
        let mut attrs: Vec<&str> = vec![design.keys.partition];
        attrs.extend(design.keys.sort);
        for i in design.indexes {
            attrs.push(i.keys.partition);
            attrs.extend(i.keys.sort);
        }
        attrs.sort_unstable();
        attrs.dedup();
        let mut req = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest);
        for a in attrs {
            req = req.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(a)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|e| RepoError::Validation(Box::new(e)))?,
            );
        }
        for k in key_schema(design.keys)? {
            req = req.key_schema(k);
        }
        for i in design.indexes {
            let mut gsi = GlobalSecondaryIndex::builder()
                .index_name(i.name)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                );
            for k in key_schema(i.keys)? {
                gsi = gsi.key_schema(k);
            }
            req = req.global_secondary_indexes(
                gsi.build()
                    .map_err(|e| RepoError::Validation(Box::new(e)))?,
            );
        }
        match req.send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) => {}
            Err(e) => return Err(classify(e)),
        }
        for _ in 0..600 {
            let t = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(classify)?;
            let active = t.table().is_some_and(|t| {
                t.table_status() == Some(&aws_sdk_dynamodb::types::TableStatus::Active)
                    && t.global_secondary_indexes().iter().all(|g| {
                        g.index_status() == Some(&aws_sdk_dynamodb::types::IndexStatus::Active)
                    })
            });
            if active {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if let Some(ttl) = design.ttl_attribute {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(ttl)
                .enabled(true)
                .build()
                .map_err(|e| RepoError::Validation(Box::new(e)))?;
            if let Err(e) = self
                .client
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(spec)
                .send()
                .await
            {
                // Enabling TTL twice is a ValidationException; anything else is real.
                if e.as_service_error().and_then(|s| s.code()) != Some("ValidationException") {
                    return Err(classify(e));
                }
            }
        }
        Ok(())
    }

    /// `item` as attributes, refused when over [`MAX_ITEM_BYTES`].
    fn attributes<T: Item>(item: &T) -> Result<Attributes, RepoError> {
        let attrs: Attributes = serde_dynamo::to_item(item)?;
        let bytes = item_size(&attrs);
        if bytes > MAX_ITEM_BYTES {
            return Err(RepoError::ItemTooLarge {
                bytes,
                limit: MAX_ITEM_BYTES,
            });
        }
        Ok(attrs)
    }

    fn condition_not_exists<T: Item>() -> String {
        format!("attribute_not_exists({})", T::KEYS.partition)
    }

    /// Stores `item` only if no item has its key.
    ///
    /// # Errors
    /// [`RepoError::AlreadyExists`], or another classified error.
    pub async fn put_new<T: Item>(&self, item: &T) -> Result<(), RepoError> {
        let attrs = Self::attributes(item)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs))
            .condition_expression(Self::condition_not_exists::<T>())
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Stores `item` only if `condition` holds for the item now under its key
    /// (an absent item has no attributes, so `attribute_not_exists(...)`
    /// holds). When it does not, nothing is written and the existing item is
    /// returned: DynamoDB sends it back with the failed condition
    /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`), so no read permission
    /// is needed.
    ///
    /// # Errors
    /// A classified error; [`RepoError::AlreadyExists`] when the condition
    /// fails on a key that holds no item.
    pub async fn put_if<T: Item>(
        &self,
        item: &T,
        condition: &Condition,
    ) -> Result<Option<T>, RepoError> {
        let attrs = Self::attributes(item)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs))
            .condition_expression(condition.expression())
            .set_expression_attribute_names(condition.names())
            .set_expression_attribute_values(condition.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(c)) => match c.item() {
                    Some(old) => Ok(Some(serde_dynamo::from_item(old.clone())?)),
                    None => Err(RepoError::AlreadyExists),
                },
                _ => Err(classify(e)),
            },
        }
    }

    /// Deletes the item under `key` only if `condition` holds; `false` when it
    /// does not (nothing deleted).
    ///
    /// # Errors
    /// A classified error.
    pub async fn delete_if<T: Item>(
        &self,
        partition: &str,
        sort: Option<&str>,
        condition: &Condition,
    ) -> Result<bool, RepoError> {
        let mut req = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(T::KEYS.partition, AttributeValue::S(partition.to_owned()))
            .condition_expression(condition.expression())
            .set_expression_attribute_names(condition.names())
            .set_expression_attribute_values(condition.values());
        if let (Some(attr), Some(value)) = (T::KEYS.sort, sort) {
            req = req.key(attr, AttributeValue::S(value.to_owned()));
        }
        match req.send().await.map_err(classify) {
            Ok(_) => Ok(true),
            Err(RepoError::AlreadyExists) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reads one item (strongly consistent).
    ///
    /// # Errors
    /// [`RepoError::NotFound`], or another classified error.
    pub async fn get<T: Item>(&self, partition: &str, sort: Option<&str>) -> Result<T, RepoError> {
        let mut req = self
            .client
            .get_item()
            .table_name(&self.table)
            .consistent_read(true)
            .key(T::KEYS.partition, AttributeValue::S(partition.to_owned()));
        if let (Some(attr), Some(value)) = (T::KEYS.sort, sort) {
            req = req.key(attr, AttributeValue::S(value.to_owned()));
        }
        let out = req.send().await.map_err(classify)?;
        let item = out.item.ok_or(RepoError::NotFound)?;
        Ok(serde_dynamo::from_item(item)?)
    }

    /// One page of a query; `cursors` opens the query's cursor and seals the
    /// next one.
    ///
    /// # Errors
    /// [`RepoError::Cursor`] for a cursor that is not from this query, or
    /// another classified error.
    pub async fn query<T: Item>(
        &self,
        q: &Query,
        cursors: &CursorKey,
    ) -> Result<Page<T>, RepoError> {
        let keys = q.index.map_or(T::KEYS, |i| i.keys);
        let scope = q.scope(&self.table);
        let start: Option<HashMap<String, String>> = match &q.cursor {
            None => None,
            Some(c) => {
                let lek: HashMap<String, String> = cursors.open(&scope, c)?;
                // Defence in depth: the position must lie in the queried partition.
                if lek.get(keys.partition) != Some(&q.partition) {
                    return Err(RepoError::Cursor(CursorError::Invalid));
                }
                Some(lek)
            }
        };
        let mut req = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(q.index.map(|i| i.name.to_owned()))
            .scan_index_forward(!q.newest_first)
            .limit(i32::try_from(q.limit.clamp(1, self.max_page_size)).unwrap_or(i32::MAX))
            .expression_attribute_names("#pk", keys.partition)
            .expression_attribute_values(":pk", AttributeValue::S(q.partition.clone()))
            .set_exclusive_start_key(start.map(|m| {
                m.into_iter()
                    .map(|(k, v)| (k, AttributeValue::S(v)))
                    .collect()
            }));
        let condition = match (&q.range, keys.sort) {
            (SortRange::All, _) | (_, None) => "#pk = :pk".to_owned(),
            (SortRange::Below(v), Some(sk)) => {
                req = req
                    .expression_attribute_names("#sk", sk)
                    .expression_attribute_values(":hi", AttributeValue::S(v.clone()));
                "#pk = :pk AND #sk < :hi".to_owned()
            }
            (SortRange::From(v), Some(sk)) => {
                req = req
                    .expression_attribute_names("#sk", sk)
                    .expression_attribute_values(":lo", AttributeValue::S(v.clone()));
                "#pk = :pk AND #sk >= :lo".to_owned()
            }
            (SortRange::Within(lo, hi), Some(sk)) => {
                req = req
                    .expression_attribute_names("#sk", sk)
                    .expression_attribute_values(":lo", AttributeValue::S(lo.clone()))
                    .expression_attribute_values(":hi", AttributeValue::S(hi.clone()));
                "#pk = :pk AND #sk BETWEEN :lo AND :hi".to_owned()
            }
        };
        let out = req
            .key_condition_expression(condition)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(classify)?;
        let capacity_units = out
            .consumed_capacity
            .as_ref()
            .and_then(|c| c.capacity_units);
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<Vec<T>, _>>()?;
        let cursor = match out.last_evaluated_key {
            None => None,
            Some(lek) => {
                let position: HashMap<String, String> = lek
                    .into_iter()
                    .filter_map(|(k, v)| match v {
                        AttributeValue::S(s) => Some((k, s)),
                        _ => None,
                    })
                    .collect();
                Some(cursors.seal(&scope, &position)?)
            }
        };
        Ok(Page {
            items,
            cursor,
            capacity_units,
        })
    }

    /// Writes many items, 25 per `BatchWriteItem`, retrying unprocessed items
    /// with exponential backoff. Batch writes overwrite existing keys (DynamoDB
    /// has no conditional batch put).
    ///
    /// # Errors
    /// [`RepoError::ItemTooLarge`] before anything is written;
    /// [`RepoError::Throttled`] when items stay unprocessed after every retry
    /// (the items of earlier chunks are written), or another classified error.
    pub async fn batch_put<T: Item>(&self, items: &[T]) -> Result<(), RepoError> {
        // Every item is measured before the first request, so an item that is
        // too large writes nothing.
        let items = items
            .iter()
            .map(Self::attributes)
            .collect::<Result<Vec<_>, _>>()?;
        for chunk in items.chunks(25) {
            let mut pending = Vec::with_capacity(chunk.len());
            for item in chunk {
                let put = PutRequest::builder()
                    .set_item(Some(item.clone()))
                    .build()
                    .map_err(|e| RepoError::Validation(Box::new(e)))?;
                pending.push(WriteRequest::builder().put_request(put).build());
            }
            let mut delay = self.batch_base_delay;
            for attempt in 0.. {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(classify)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt + 1 >= self.batch_attempts {
                    return Err(RepoError::Throttled(
                        format!(
                            "{} items still unprocessed after {} attempts",
                            pending.len(),
                            self.batch_attempts
                        )
                        .into(),
                    ));
                }
                count_metric!(StorageRetry);
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2).min(Duration::from_secs(2));
            }
        }
        Ok(())
    }

    /// Writes `guard` and `item` in one transaction: `guard` only if
    /// `guard_condition` holds for the item under its key, `item` only if its
    /// key is new. If the guard's condition fails, nothing is written and the
    /// item that failed it is returned (for idempotency keys: compare it with
    /// the request).
    ///
    /// # Errors
    /// [`RepoError::AlreadyExists`] when `item`'s key exists, or another
    /// classified error.
    pub async fn put_guarded<G: Item, T: Item>(
        &self,
        guard: &G,
        guard_condition: &Condition,
        item: &T,
    ) -> Result<Option<G>, RepoError> {
        let put = |attrs: Attributes, condition: &Condition| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(attrs))
                .condition_expression(condition.expression())
                .set_expression_attribute_names(condition.names())
                .set_expression_attribute_values(condition.values())
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build()
                .map_err(|e| RepoError::Validation(Box::new(e)))
        };
        let g = put(Self::attributes(guard)?, guard_condition)?;
        let i = put(
            Self::attributes(item)?,
            &Condition::new(Self::condition_not_exists::<T>()),
        )?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(g).build())
            .transact_items(TransactWriteItem::builder().put(i).build())
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(None),
            Err(e) => e,
        };
        let reasons = err
            .as_service_error()
            .and_then(|s| match s {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t) => {
                    Some(t.cancellation_reasons().to_vec())
                }
                _ => None,
            });
        let Some(reasons) = reasons else {
            return Err(classify(err));
        };
        let code = |i: usize| reasons.get(i).and_then(|r| r.code()).unwrap_or("None");
        match (code(0), code(1)) {
            ("ConditionalCheckFailed", _) => {
                let old = reasons[0].item().cloned().ok_or_else(|| {
                    RepoError::Other("guard exists but DynamoDB returned no item".into())
                })?;
                Ok(Some(serde_dynamo::from_item(old)?))
            }
            (_, "ConditionalCheckFailed") => Err(RepoError::AlreadyExists),
            (a, b)
                if [a, b].iter().any(|c| {
                    matches!(
                        *c,
                        "ThrottlingError"
                            | "ProvisionedThroughputExceeded"
                            | "RequestLimitExceeded"
                    )
                }) =>
            {
                count_metric!(StorageThrottled);
                Err(RepoError::Throttled(Box::new(err)))
            }
            (a, b) if [a, b].iter().any(|c| matches!(*c, "TransactionConflict")) => {
                Err(RepoError::Unavailable(Box::new(err)))
            }
            (a, b)
                if [a, b].iter().any(|c| {
                    matches!(*c, "ValidationError" | "ItemCollectionSizeLimitExceeded")
                }) =>
            {
                Err(RepoError::Validation(Box::new(err)))
            }
            _ => Err(classify(err)),
        }
    }
}

fn key_schema(keys: KeySchema) -> Result<Vec<KeySchemaElement>, RepoError> {
    let mut out = vec![
        KeySchemaElement::builder()
            .attribute_name(keys.partition)
            .key_type(KeyType::Hash)
            .build()
            .map_err(|e| RepoError::Validation(Box::new(e)))?,
    ];
    if let Some(sort) = keys.sort {
        out.push(
            KeySchemaElement::builder()
                .attribute_name(sort)
                .key_type(KeyType::Range)
                .build()
                .map_err(|e| RepoError::Validation(Box::new(e)))?,
        );
    }
    Ok(out)
}
