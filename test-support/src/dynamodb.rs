//! A fresh DynamoDB Local table per integration test.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::HOW_TO_RUN;

/// The endpoint of the local server, from `AWS_ENDPOINT_URL_DYNAMODB`.
///
/// # Panics
/// When the variable is unset: the test cannot run without a server, and the
/// message says how to start one.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL_DYNAMODB is not set, so there is no DynamoDB Local to test against: {HOW_TO_RUN}")
    })
}

/// An SDK configuration for the local server, built the way a Lambda builds
/// its own (`aws_config::defaults`), so the environment decides the endpoint,
/// region and credentials.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let endpoint = endpoint();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .load()
        .await
}

/// A client for the local server, checked to answer.
///
/// # Panics
/// When no server answers at the configured endpoint; the message names the
/// endpoint and the command to run.
pub async fn client() -> Client {
    let client = Client::new(&sdk_config().await);
    if let Err(err) = client.list_tables().limit(1).send().await {
        panic!(
            "DynamoDB Local at {} does not answer ({}): {HOW_TO_RUN}",
            endpoint(),
            aws_sdk_dynamodb::error::DisplayErrorContext(err)
        );
    }
    client
}

/// A table name no other test (or earlier run against the same server) uses.
pub fn unique_table_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A key attribute of a table: its name and scalar type.
#[derive(Debug, Clone)]
pub struct Key<'a> {
    /// Attribute name.
    pub name: &'a str,
    /// Attribute type (`S`, `N` or `B`).
    pub kind: ScalarAttributeType,
}

impl<'a> Key<'a> {
    /// A string key attribute.
    pub fn string(name: &'a str) -> Self {
        Key {
            name,
            kind: ScalarAttributeType::S,
        }
    }
}

/// A fresh on-demand table for one test, with a unique name.
#[derive(Debug, Clone)]
pub struct TestTable {
    /// Client for the local server.
    pub client: Client,
    /// The table's unique name.
    pub name: String,
}

impl TestTable {
    /// Creates a table with the given partition key and optional sort key and
    /// waits until it is `ACTIVE`.
    ///
    /// # Panics
    /// When the server is unreachable or refuses the table (a test set-up
    /// failure, reported with the server's answer).
    pub async fn create(prefix: &str, partition: Key<'_>, sort: Option<Key<'_>>) -> Self {
        let client = client().await;
        let name = unique_table_name(prefix);
        let mut request = client
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest);
        for (key, key_type) in
            std::iter::once((partition, KeyType::Hash)).chain(sort.map(|s| (s, KeyType::Range)))
        {
            request = request
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(key.name)
                        .attribute_type(key.kind)
                        .build()
                        .expect("attribute definition has its required fields"),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(key.name)
                        .key_type(key_type)
                        .build()
                        .expect("key schema element has its required fields"),
                );
        }
        if let Err(err) = request.send().await {
            panic!(
                "creating table {name} failed: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(err)
            );
        }
        Self::wait_active(&client, &name).await;
        TestTable { client, name }
    }

    /// Adopts a table some other code created (for example a repository's own
    /// `create_table`), waiting until it is `ACTIVE`.
    pub async fn adopt(client: Client, name: String) -> Self {
        Self::wait_active(&client, &name).await;
        TestTable { client, name }
    }

    async fn wait_active(client: &Client, name: &str) {
        for _ in 0..100 {
            let out = client
                .describe_table()
                .table_name(name)
                .send()
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "describe {name}: {}",
                        aws_sdk_dynamodb::error::DisplayErrorContext(e)
                    )
                });
            if out.table().and_then(|t| t.table_status())
                == Some(&aws_sdk_dynamodb::types::TableStatus::Active)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("table {name} did not become ACTIVE");
    }

    /// Number of items in the table, counted with a paginated `Scan` (tests
    /// use it to prove that nothing was written or lost).
    pub async fn count(&self) -> usize {
        let mut total = 0usize;
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.name)
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "scan {}: {}",
                        self.name,
                        aws_sdk_dynamodb::error::DisplayErrorContext(e)
                    )
                });
            total += usize::try_from(out.count()).expect("count is non-negative");
            start = out.last_evaluated_key;
            if start.is_none() {
                return total;
            }
        }
    }
}
