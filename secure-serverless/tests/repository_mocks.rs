//! Throttling, `UnprocessedItems` and cancelled transactions: paths no local
//! server produces, so the SDK client is mocked (aws-smithy-mocks).
#![cfg(feature = "logs")]

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::error::{
    InternalServerError, ProvisionedThroughputExceededException, TransactionCanceledException,
};
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, PutRequest, WriteRequest};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

/// Error metadata as DynamoDB's wire format carries it (`__type`).
fn meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).build()
}
use secure_serverless::log_entry::LogEntryParser;
use secure_serverless::logs::{LogStore, LogStoreConfig, LogWriter, WriteError};
use secure_serverless::repository::{Item, KeySchema, RepoError, Repository};
use secure_serverless::sanitize::Sanitizer;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Row {
    pk: String,
    sk: String,
}

impl Item for Row {
    const KEYS: KeySchema = KeySchema {
        partition: "pk",
        sort: Some("sk"),
    };
}

fn repo(client: Client) -> Repository {
    Repository::new(client, "t").batch_retries(4, Duration::from_millis(1))
}

fn unprocessed(n: usize) -> BatchWriteItemOutput {
    let reqs: Vec<WriteRequest> = (0..n)
        .map(|i| {
            let put = PutRequest::builder()
                .item("pk", AttributeValue::S("p".into()))
                .item("sk", AttributeValue::S(format!("{i}")))
                .build()
                .unwrap();
            WriteRequest::builder().put_request(put).build()
        })
        .collect();
    BatchWriteItemOutput::builder()
        .unprocessed_items("t", reqs)
        .build()
}

fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| Row {
            pk: "p".into(),
            sk: format!("{i:03}"),
        })
        .collect()
}

#[tokio::test]
async fn batch_put_chunks_by_25_and_retries_unprocessed_items() {
    let rule = mock!(Client::batch_write_item)
        .sequence()
        .output(|| unprocessed(5))
        .output(|| unprocessed(2))
        .output(|| BatchWriteItemOutput::builder().build())
        .output(|| BatchWriteItemOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, [&rule]);
    // 30 rows: a chunk of 25 (retried twice) and a chunk of 5.
    repo(client).batch_put(&rows(30)).await.unwrap();
    assert_eq!(rule.num_calls(), 4);
}

#[tokio::test]
async fn batch_put_surfaces_persistent_unprocessed_items_as_throttled() {
    let rule = mock!(Client::batch_write_item)
        .sequence()
        .output(|| unprocessed(3))
        .times(10)
        .build();
    let client = mock_client!(aws_sdk_dynamodb, [&rule]);
    let err = repo(client).batch_put(&rows(3)).await.unwrap_err();
    assert!(
        matches!(err, RepoError::Throttled(_)) && err.is_retryable(),
        "{err:?}"
    );
    assert_eq!(rule.num_calls(), 4, "the configured number of attempts");
}

#[tokio::test]
async fn throttled_put_is_retryable_and_writes_nothing() {
    let throttled = mock!(Client::put_item).then_error(|| {
        PutItemError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("slow down")
                .meta(meta("ProvisionedThroughputExceededException"))
                .build(),
        )
    });
    let other_writes = mock!(Client::transact_write_items).then_error(|| {
        TransactWriteItemsError::InternalServerError(
            InternalServerError::builder()
                .meta(meta("InternalServerError"))
                .build(),
        )
    });
    let client = mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        [&throttled, &other_writes]
    );
    let store = LogStore::new(repo(client), LogStoreConfig::default());
    let writer = LogWriter::new(LogEntryParser::new(Sanitizer::default()), store);
    let err = writer
        .write("tester", br#"{"type":"t","payload":"p"}"#, None)
        .await
        .unwrap_err();
    let WriteError::Storage(e) = err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(e, RepoError::Throttled(_)) && e.is_retryable(),
        "{e:?}"
    );
    assert!(
        std::error::Error::source(&e).is_some(),
        "the SDK error is kept as the source"
    );
    assert!(throttled.num_calls() >= 1);
    assert_eq!(other_writes.num_calls(), 0);
}

#[tokio::test]
async fn cancelled_transactions_are_classified() {
    let cancelled = |codes: [&'static str; 2]| {
        move || {
            TransactWriteItemsError::TransactionCanceledException(
                TransactionCanceledException::builder()
                    .cancellation_reasons(CancellationReason::builder().code(codes[0]).build())
                    .cancellation_reasons(CancellationReason::builder().code(codes[1]).build())
                    .meta(meta("TransactionCanceledException"))
                    .build(),
            )
        }
    };
    for (codes, expect_throttled, expect_exists) in [
        (["None", "ThrottlingError"], true, false),
        (["ProvisionedThroughputExceeded", "None"], true, false),
        (["None", "ConditionalCheckFailed"], false, true),
    ] {
        let rule = mock!(Client::transact_write_items).then_error(cancelled(codes));
        let client = mock_client!(aws_sdk_dynamodb, [&rule]);
        let store = LogStore::new(repo(client), LogStoreConfig::default());
        let writer = LogWriter::new(LogEntryParser::new(Sanitizer::default()), store);
        let err = writer
            .write("tester", br#"{"type":"t","payload":"p"}"#, Some("key"))
            .await
            .unwrap_err();
        let WriteError::Storage(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            matches!(e, RepoError::Throttled(_)),
            expect_throttled,
            "{codes:?}: {e:?}"
        );
        assert_eq!(
            matches!(e, RepoError::AlreadyExists),
            expect_exists,
            "{codes:?}: {e:?}"
        );
        // One all-or-nothing transaction: never a record without its guard.
        assert_eq!(rule.num_calls(), 1);
    }
    // A guard that exists but comes back without its item is an error, not a panic.
    let rule = mock!(Client::transact_write_items)
        .then_error(cancelled(["ConditionalCheckFailed", "None"]));
    let client = mock_client!(aws_sdk_dynamodb, [&rule]);
    let store = LogStore::new(repo(client), LogStoreConfig::default());
    let writer = LogWriter::new(LogEntryParser::new(Sanitizer::default()), store);
    assert!(matches!(
        writer
            .write("tester", br#"{"type":"t","payload":"p"}"#, Some("key"))
            .await,
        Err(WriteError::Storage(RepoError::Other(_)))
    ));
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    let rule = mock!(Client::put_item).then_error(|| {
        PutItemError::InternalServerError(
            InternalServerError::builder()
                .meta(meta("InternalServerError"))
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_dynamodb, [&rule]);
    let err = repo(client)
        .put_new(&Row {
            pk: "a".into(),
            sk: "b".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Unavailable(_)), "{err:?}");
}
