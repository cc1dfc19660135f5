//! The DynamoDB idempotency store: one item per key, every change a
//! conditional write.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::key::IdempotencyKey;
use super::store::{Begin, Claim, IdempotencyStore, StoreError};
use crate::repository::{Condition, Item, KeySchema, RepoError, Repository, TableDesign};

/// A table the store can use on its own; any table whose keys are the
/// strings `pk` and `sk` and whose TTL attribute is `expires_at` works,
/// the log table included.
pub const IDEMPOTENCY_TABLE: TableDesign = TableDesign {
    keys: KeySchema {
        partition: "pk",
        sort: Some("sk"),
    },
    indexes: &[],
    ttl_attribute: Some("expires_at"),
};

const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    pk: String,
    sk: String,
    status: String,
    request_hash: String,
    claim: String,
    /// Unix milliseconds.
    in_progress_until: u64,
    /// Unix seconds (DynamoDB TTL).
    expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response: Option<String>,
    /// The item an atomic commit wrote with the response (stored as a map,
    /// not as escaped text), so a replay soon after can make sure it exists
    /// (see [`DynamoStore::restore`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    effect: Option<serde_json::Value>,
    /// When the atomic commit happened, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    committed_at: Option<u64>,
}

/// The item an atomic commit wrote, as its record keeps it.
#[derive(Debug)]
pub(super) struct Effect {
    item: serde_json::Value,
    committed_at: SystemTime,
}

/// How long after its commit an effect may be restored: long enough for a
/// client's retries after an interrupted commit, short enough never to bring
/// back an item that expired or was deleted on purpose.
const RESTORE_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl Item for Record {
    const KEYS: KeySchema = IDEMPOTENCY_TABLE.keys;
}

/// Idempotency records in DynamoDB. It needs `dynamodb:PutItem` and
/// `dynamodb:DeleteItem` on the table and nothing else: a record that blocks
/// a claim comes back with the failed condition, never through a read.
///
/// ```no_run
/// # async fn run(client: aws_sdk_dynamodb::Client) {
/// use secure_serverless::idempotency::{DynamoStore, Idempotent, IdempotencyConfig};
/// use secure_serverless::repository::Repository;
/// let idempotent = Idempotent::new(
///     DynamoStore::new(Repository::new(client, "my-table")),
///     IdempotencyConfig::default(),
/// );
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DynamoStore {
    repo: Repository,
}

impl DynamoStore {
    /// A store in `repo`'s table.
    pub fn new(repo: Repository) -> Self {
        DynamoStore { repo }
    }

    /// Creates a table of [`IDEMPOTENCY_TABLE`]'s design (tests and local
    /// stacks; deploy templates create it in production).
    ///
    /// # Errors
    /// A classified [`RepoError`].
    pub async fn create_table(&self) -> Result<(), RepoError> {
        self.repo.create_table(&IDEMPOTENCY_TABLE).await
    }
}

impl DynamoStore {
    /// The repository (and table) the records live in.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Writes `effect` (create-only) and the completed record of `key` with
    /// `response` in one transaction, if the key is free. `Ok(None)`: both
    /// were written. `Ok(Some(..))`: nothing was written; the record that
    /// holds the key and the effect it committed with.
    pub(super) async fn commit_with<T: Item>(
        &self,
        key: &IdempotencyKey,
        expires_at: SystemTime,
        response: &str,
        effect: &T,
        now: SystemTime,
    ) -> Result<Option<(Begin, Option<Effect>)>, RepoError> {
        let record = Record {
            pk: partition(key),
            sk: SORT.to_owned(),
            status: COMPLETED.to_owned(),
            request_hash: key.request_hash().to_owned(),
            claim: String::new(),
            in_progress_until: 0,
            expires_at: seconds(expires_at),
            response: Some(response.to_owned()),
            effect: Some(serde_json::to_value(effect).map_err(|e| RepoError::Other(Box::new(e)))?),
            committed_at: Some(millis(now)),
        };
        Ok(self
            .repo
            .put_guarded(&record, &free_at(now), effect)
            .await?
            .map(found))
    }

    /// Makes sure the item a completed record committed with exists before
    /// its response is replayed: a create-only put of the record's copy,
    /// where `AlreadyExists` is the normal case. DynamoDB's transactions are
    /// atomic, so this only ever writes when a store is not (DynamoDB Local
    /// killed mid-transaction can leave the record without its effect), and
    /// only within [`RESTORE_WINDOW`] of the commit. `Ok(true)` when it wrote.
    pub(super) async fn restore<T: Item>(
        &self,
        effect: Effect,
        now: SystemTime,
    ) -> Result<bool, RepoError> {
        let recent = now
            .duration_since(effect.committed_at)
            .is_ok_and(|age| age <= RESTORE_WINDOW);
        if !recent {
            return Ok(false);
        }
        let item: T =
            serde_json::from_value(effect.item).map_err(|e| RepoError::Other(Box::new(e)))?;
        match self.repo.put_new(&item).await {
            Ok(()) => Ok(true),
            Err(RepoError::AlreadyExists) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn partition(key: &IdempotencyKey) -> String {
    format!("IDEMPOTENCY#{}", key.digest())
}

const SORT: &str = "IDEMPOTENCY";

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn store_error(e: RepoError) -> StoreError {
    if e.is_retryable() {
        StoreError::Unavailable(Box::new(e))
    } else {
        StoreError::Other(Box::new(e))
    }
}

/// The key is free: never used, expired, or its claim lapsed. TTL deletes
/// lazily (up to days late), so an expired record counts as absent here
/// rather than waiting for DynamoDB to remove it.
fn free_at(now: SystemTime) -> Condition {
    Condition::new(
        "attribute_not_exists(pk) OR #expires < :now_s \
         OR (#status = :in_progress AND #until < :now_ms)",
    )
    .name("#expires", "expires_at")
    .name("#status", "status")
    .name("#until", "in_progress_until")
    .number(":now_s", seconds(now))
    .number(":now_ms", millis(now))
    .string(":in_progress", IN_PROGRESS)
}

/// What a record that blocked a write says, and the effect it keeps.
fn found(old: Record) -> (Begin, Option<Effect>) {
    match (old.status.as_str(), old.response) {
        (COMPLETED, Some(response)) => (
            Begin::Completed {
                request_hash: old.request_hash,
                response,
                expires_at: UNIX_EPOCH + std::time::Duration::from_secs(old.expires_at),
            },
            old.effect.zip(old.committed_at).map(|(item, at)| Effect {
                item,
                committed_at: UNIX_EPOCH + std::time::Duration::from_millis(at),
            }),
        ),
        _ => (
            Begin::InProgress {
                request_hash: old.request_hash,
                until: UNIX_EPOCH + std::time::Duration::from_millis(old.in_progress_until),
            },
            None,
        ),
    }
}

/// The claim's own in-progress record, and nothing else.
fn owned_by(claim: &Claim) -> Condition {
    Condition::new("#claim = :claim AND #status = :in_progress")
        .name("#claim", "claim")
        .name("#status", "status")
        .string(":claim", claim.token.clone())
        .string(":in_progress", IN_PROGRESS)
}

impl IdempotencyStore for DynamoStore {
    async fn begin(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        now: SystemTime,
    ) -> Result<Begin, StoreError> {
        let record = Record {
            pk: partition(key),
            sk: SORT.to_owned(),
            status: IN_PROGRESS.to_owned(),
            request_hash: key.request_hash().to_owned(),
            claim: claim.token.clone(),
            in_progress_until: millis(claim.in_progress_until),
            expires_at: seconds(claim.expires_at),
            response: None,
            effect: None,
            committed_at: None,
        };
        let old = match self.repo.put_if(&record, &free_at(now)).await {
            Ok(None) => return Ok(Begin::Started),
            Ok(Some(old)) => old,
            // The condition failed but the item vanished meanwhile (TTL or a
            // release): report it as in progress so the caller asks again.
            Err(RepoError::AlreadyExists) => {
                return Ok(Begin::InProgress {
                    request_hash: key.request_hash().to_owned(),
                    until: now,
                });
            }
            Err(e) => return Err(store_error(e)),
        };
        Ok(found(old).0)
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        response: &str,
    ) -> Result<bool, StoreError> {
        let record = Record {
            pk: partition(key),
            sk: SORT.to_owned(),
            status: COMPLETED.to_owned(),
            request_hash: key.request_hash().to_owned(),
            claim: claim.token.clone(),
            in_progress_until: millis(claim.in_progress_until),
            expires_at: seconds(claim.expires_at),
            response: Some(response.to_owned()),
            effect: None,
            committed_at: None,
        };
        match self.repo.put_if(&record, &owned_by(claim)).await {
            Ok(None) => Ok(true),
            Ok(Some(_)) | Err(RepoError::AlreadyExists) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn release(&self, key: &IdempotencyKey, claim: &Claim) -> Result<(), StoreError> {
        self.repo
            .delete_if::<Record>(&partition(key), Some(SORT), &owned_by(claim))
            .await
            .map(drop)
            .map_err(store_error)
    }
}
