//! The library's errors as HTTP answers: one `From` per error type, so a
//! handler maps every library error with `?` and all handlers answer alike
//! (the table is in the [module docs](super)).

use super::ApiError;

#[cfg(feature = "cursor")]
impl From<crate::cursor::CursorError> for ApiError {
    fn from(e: crate::cursor::CursorError) -> Self {
        match e {
            crate::cursor::CursorError::Expired => ApiError::bad_request(
                "cursor_expired",
                "cursor has expired; start the listing again without a cursor",
            ),
            _ => ApiError::bad_request("invalid_cursor", "cursor is not a cursor of this listing"),
        }
        .field("cursor")
    }
}

#[cfg(feature = "repository")]
impl From<crate::repository::RepoError> for ApiError {
    fn from(e: crate::repository::RepoError) -> Self {
        use crate::repository::RepoError;
        match e {
            RepoError::Cursor(e) => e.into(),
            RepoError::ItemTooLarge { bytes, limit } => ApiError::new(
                413,
                "payload_too_large",
                format!(
                    "the sanitised payload makes a record of {bytes} bytes, over the storage limit of {limit}; send a smaller payload or less markup"
                ),
            )
            .field("payload"),
            e if e.is_retryable() => {
                count_metric!(StorageUnavailable);
                ApiError::unavailable(1)
            }
            _ => ApiError::new(500, "storage_error", "the storage request failed"),
        }
    }
}

#[cfg(feature = "log_entry")]
impl From<crate::log_entry::LogEntryError> for ApiError {
    fn from(e: crate::log_entry::LogEntryError) -> Self {
        let err = ApiError::new(e.http_status(), e.code(), e.to_string());
        match e.field() {
            Some(f) => err.field(crate::untrusted::excerpt(f)),
            None => err,
        }
    }
}

#[cfg(feature = "idempotency")]
impl From<crate::idempotency::BadIdempotencyKey> for ApiError {
    fn from(e: crate::idempotency::BadIdempotencyKey) -> Self {
        use crate::idempotency::BadIdempotencyKey;
        let code = match e {
            BadIdempotencyKey::NoCaller => "idempotency_key_needs_caller",
            _ => "invalid_idempotency_key",
        };
        ApiError::bad_request(code, e.to_string()).field("idempotency-key")
    }
}

#[cfg(feature = "idempotency")]
impl From<crate::idempotency::IdempotencyError> for ApiError {
    fn from(e: crate::idempotency::IdempotencyError) -> Self {
        use crate::idempotency::IdempotencyError;
        match e {
            IdempotencyError::Conflict => ApiError::new(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used with a different request",
            )
            .field("idempotency-key"),
            IdempotencyError::InProgress { retry_after } => ApiError::new(
                409,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still in progress; retry later",
            )
            .field("idempotency-key")
            .retry_after(u32::try_from(retry_after.as_secs().max(1)).unwrap_or(u32::MAX)),
            IdempotencyError::BadKey(e) => e.into(),
            IdempotencyError::Store(e) if e.is_retryable() => {
                count_metric!(StorageUnavailable);
                ApiError::unavailable(1)
            }
            _ => ApiError::new(500, "storage_error", "the storage request failed"),
        }
    }
}

#[cfg(feature = "logs")]
impl From<crate::logs::WriteError> for ApiError {
    fn from(e: crate::logs::WriteError) -> Self {
        use crate::logs::WriteError;
        match e {
            WriteError::Invalid(e) => e.into(),
            WriteError::IdempotencyKey(e) => e.into(),
            WriteError::Storage(e) => e.into(),
        }
    }
}
