//! How log records are stored (see the parent's key
//! design table).

use serde::{Deserialize, Serialize};

use super::LOG_TABLE;
use super::merge::Keyed;
use crate::log_entry::LogType;
use crate::repository::{Item, KeySchema};

/// A stored log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct LogItem {
    pub(super) pk: String,
    pub(super) sk: String,
    pub(super) type_pk: String,
    pub(super) id: String,
    pub(super) timestamp: String,
    #[serde(rename = "type", deserialize_with = "stored_type")]
    pub(super) log_type: LogType,
    pub(super) payload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) expires_at: Option<u64>,
}

impl Item for LogItem {
    const KEYS: KeySchema = LOG_TABLE.keys;
}

impl LogItem {
    /// The stored form of a record in `shard`.
    pub(super) fn new(
        shard: u8,
        id: &str,
        timestamp: &str,
        log_type: &LogType,
        payload: &str,
        expires_at: Option<u64>,
    ) -> Self {
        LogItem {
            pk: format!("LOG#{shard:02}"),
            sk: id.to_owned(),
            type_pk: format!("{log_type}#{shard:02}"),
            id: id.to_owned(),
            timestamp: timestamp.to_owned(),
            log_type: log_type.clone(),
            payload: payload.to_owned(),
            expires_at,
        }
    }
}

/// Reads a stored `type` without the write-time check (see `LogType::stored`).
pub(super) fn stored_type<'de, D: serde::Deserializer<'de>>(d: D) -> Result<LogType, D::Error> {
    String::deserialize(d).map(LogType::stored)
}

impl Keyed for LogItem {
    fn key(&self) -> &str {
        &self.sk
    }
}
