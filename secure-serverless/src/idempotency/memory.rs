//! An in-process idempotency store, for tests and single-process servers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use super::key::IdempotencyKey;
use super::store::{Begin, Claim, IdempotencyStore, StoreError};

/// Expired records are swept out when the store reaches this many.
const SWEEP_AT: usize = 4096;

#[derive(Debug, Clone)]
struct Record {
    request_hash: String,
    claim: String,
    in_progress_until: SystemTime,
    expires_at: SystemTime,
    response: Option<String>,
}

/// Idempotency records in this process's memory, with the same semantics as
/// [`DynamoStore`](super::DynamoStore) (claims lapse, records expire). It
/// only serves one process: a Lambda function's sandboxes need a shared
/// store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl IdempotencyStore for MemoryStore {
    async fn begin(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        now: SystemTime,
    ) -> Result<Begin, StoreError> {
        let mut records = self.records();
        if let Some(r) = records.get(key.digest()) {
            let live = r.expires_at >= now && (r.response.is_some() || r.in_progress_until >= now);
            if live {
                return Ok(match &r.response {
                    Some(response) => Begin::Completed {
                        request_hash: r.request_hash.clone(),
                        response: response.clone(),
                        expires_at: r.expires_at,
                    },
                    None => Begin::InProgress {
                        request_hash: r.request_hash.clone(),
                        until: r.in_progress_until,
                    },
                });
            }
        }
        if records.len() >= SWEEP_AT {
            records.retain(|_, r| r.expires_at >= now);
        }
        records.insert(
            key.digest().to_owned(),
            Record {
                request_hash: key.request_hash().to_owned(),
                claim: claim.token.clone(),
                in_progress_until: claim.in_progress_until,
                expires_at: claim.expires_at,
                response: None,
            },
        );
        Ok(Begin::Started)
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        response: &str,
    ) -> Result<bool, StoreError> {
        let mut records = self.records();
        match records.get_mut(key.digest()) {
            Some(r) if r.claim == claim.token && r.response.is_none() => {
                r.response = Some(response.to_owned());
                r.expires_at = claim.expires_at;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release(&self, key: &IdempotencyKey, claim: &Claim) -> Result<(), StoreError> {
        let mut records = self.records();
        if records
            .get(key.digest())
            .is_some_and(|r| r.claim == claim.token && r.response.is_none())
        {
            records.remove(key.digest());
        }
        Ok(())
    }
}
