//! Proves the test path is real: the raw SDK against DynamoDB Local (create a
//! table, put, get, and a conditional put that the server must refuse).

use aws_sdk_dynamodb::types::AttributeValue;
use test_support::{Key, TestTable};

#[tokio::test]
async fn create_put_get_and_conditional_put_against_dynamodb_local() {
    let table = TestTable::create("smoke", Key::string("pk"), Some(Key::string("sk"))).await;
    let client = &table.client;

    client
        .put_item()
        .table_name(&table.name)
        .item("pk", AttributeValue::S("log".into()))
        .item("sk", AttributeValue::S("0001".into()))
        .item("payload", AttributeValue::S("hello".into()))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .expect("first conditional put succeeds");

    let got = client
        .get_item()
        .table_name(&table.name)
        .key("pk", AttributeValue::S("log".into()))
        .key("sk", AttributeValue::S("0001".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get succeeds");
    let item = got.item().expect("item was stored");
    assert_eq!(
        item.get("payload"),
        Some(&AttributeValue::S("hello".into()))
    );

    let second = client
        .put_item()
        .table_name(&table.name)
        .item("pk", AttributeValue::S("log".into()))
        .item("sk", AttributeValue::S("0001".into()))
        .item("payload", AttributeValue::S("overwritten".into()))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    let err = second.expect_err("a second create of the same key must fail");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_conditional_check_failed_exception()),
        "expected ConditionalCheckFailedException, got {err:?}"
    );

    let after = client
        .get_item()
        .table_name(&table.name)
        .key("pk", AttributeValue::S("log".into()))
        .key("sk", AttributeValue::S("0001".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get succeeds");
    assert_eq!(
        after.item().and_then(|i| i.get("payload")),
        Some(&AttributeValue::S("hello".into())),
        "the refused put must not have changed the item"
    );
    assert_eq!(table.count().await, 1);
}
