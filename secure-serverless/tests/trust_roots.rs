//! The DynamoDB client's trust store against a real TLS server on loopback
//! whose certificate no public CA signed: with the compiled-in Amazon Trust
//! Services roots (the default) the handshake fails and no request reaches
//! the server; with the server's CA added, requests reach it.
#![cfg(feature = "repository")]

use std::time::Duration;

use aws_sdk_dynamodb::config::{Credentials, Region, SharedCredentialsProvider};
use aws_sdk_dynamodb::error::SdkError;
use secure_serverless::repository::{TrustRoots, client_with_timeouts};
use test_support::https_issuer::HttpsIssuer;

fn sdk_config(endpoint: String) -> aws_types::SdkConfig {
    aws_types::SdkConfig::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        )))
        .endpoint_url(endpoint)
        .build()
}

/// The failure of one `ListTables`: whether it failed before any answer
/// (connection or TLS), and its description.
async fn list_tables(server: &HttpsIssuer, roots: &TrustRoots) -> (bool, String) {
    let client = client_with_timeouts(
        &sdk_config(server.url("")),
        roots,
        Duration::from_secs(2),
        Duration::from_secs(4),
    );
    let err = client.list_tables().send().await.unwrap_err();
    (
        matches!(err, SdkError::DispatchFailure(_)),
        format!("{:?}", err),
    )
}

#[tokio::test]
async fn amazon_roots_refuse_a_certificate_they_did_not_sign() {
    let server = HttpsIssuer::start().await;
    let (dispatch, err) = list_tables(&server, &TrustRoots::amazon_trust_services()).await;
    assert!(dispatch, "expected a TLS failure, got {err}");
    assert_eq!(
        server.hits("/"),
        0,
        "no request may pass an untrusted handshake"
    );
}

#[tokio::test]
async fn added_roots_let_the_request_through() {
    let server = HttpsIssuer::start().await;
    let roots = TrustRoots::amazon_trust_services()
        .with_pem(server.ca_pem())
        .unwrap();
    // The server answers 404 to everything: a service-side error, after TLS.
    let (dispatch, err) = list_tables(&server, &roots).await;
    assert!(!dispatch, "the handshake should pass: {err}");
    assert!(server.hits("/") >= 1);
}
