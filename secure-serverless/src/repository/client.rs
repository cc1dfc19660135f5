//! The DynamoDB client a request handler wants: bounded timeouts and a TLS
//! trust store that costs nothing at start-up.
//!
//! Trust roots. The SDK's default HTTPS client reads the platform's
//! certificate store (every file under `/etc/ssl/certs`, about 290 here) on
//! its first connection, inside the cold start. DynamoDB's endpoints present
//! certificates issued by Amazon Trust Services ("Amazon EC2 and Amazon
//! DynamoDB already migrated their CAs",
//! <https://repost.aws/knowledge-center/s3-cloudfront-certificate-migration>),
//! whose roots are the four Amazon Root CAs and the Starfield Services root
//! that cross-signs them (<https://www.amazontrust.com/repository/>). Those
//! five are compiled in (`amazon-trust-services.pem`, copied from Mozilla's
//! bundle as Debian ships it, SHA-256 fingerprints checked by a test against
//! the ones Amazon publishes), so the client parses five certificates instead
//! of reading a directory, and trusts no CA that cannot sign for DynamoDB:
//! the narrower set is the safer one.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::config::{ConfigError, Vars};

/// The roots of Amazon Trust Services, PEM.
const AMAZON_TRUST_SERVICES: &str = include_str!("amazon-trust-services.pem");

/// The variable [`TrustRoots::from_vars`] reads.
pub const TRUST_ROOTS_VAR: &str = "DYNAMODB_TRUST_ROOTS";

/// Which certificate authorities the DynamoDB client trusts.
///
/// ```
/// use secure_serverless::config::{ConfigError, Vars};
/// use secure_serverless::repository::{TrustRoots, handler_client};
///
/// async fn client(
///     config: aws_config::ConfigLoader,
/// ) -> Result<aws_sdk_dynamodb::Client, ConfigError> {
///     // DYNAMODB_TRUST_ROOTS: Amazon Trust Services unless it says `platform`.
///     let roots = TrustRoots::from_vars(&Vars::from_env())?;
///     let sdk_config = config.http_client(roots.http_client()).load().await;
///     Ok(handler_client(&sdk_config, &roots))
/// }
/// ```
#[derive(Debug, Clone)]
pub struct TrustRoots {
    platform: bool,
    pem: Vec<String>,
}

/// A PEM bundle [`TrustRoots::with_pem`] refused: no certificate in it, or
/// one that cannot be a trust anchor.
#[derive(Debug, thiserror::Error)]
#[error("trust roots refused: {0}")]
pub struct BadTrustRoots(String);

impl TrustRoots {
    /// The five roots of Amazon Trust Services, compiled in (the default):
    /// what every DynamoDB endpoint chains to, read at no cost.
    pub fn amazon_trust_services() -> Self {
        TrustRoots {
            platform: false,
            pem: vec![AMAZON_TRUST_SERVICES.to_owned()],
        }
    }

    /// The platform's certificate store (`rustls-native-certs`), read on the
    /// first connection: for endpoints whose CA only the platform knows.
    pub fn platform() -> Self {
        TrustRoots {
            platform: true,
            pem: Vec::new(),
        }
    }

    /// These roots and the certificates of `pem` (one or more `CERTIFICATE`
    /// blocks), each checked to be a usable trust anchor now rather than on
    /// the first connection.
    pub fn with_pem(mut self, pem: impl Into<String>) -> Result<Self, BadTrustRoots> {
        let pem = pem.into();
        let ders = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BadTrustRoots(format!("not PEM: {e}")))?;
        if ders.is_empty() {
            return Err(BadTrustRoots("no CERTIFICATE block".into()));
        }
        let mut store = rustls::RootCertStore::empty();
        for der in ders {
            store
                .add(der)
                .map_err(|e| BadTrustRoots(format!("not a trust anchor: {e}")))?;
        }
        self.pem.push(pem);
        Ok(self)
    }

    /// `DYNAMODB_TRUST_ROOTS`: `amazon-trust-services` (also when unset) or
    /// `platform`; anything else is refused.
    pub fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        match vars.optional(TRUST_ROOTS_VAR)?.as_deref() {
            None | Some("amazon-trust-services") => Ok(Self::amazon_trust_services()),
            Some("platform") => Ok(Self::platform()),
            Some(_) => Err(ConfigError::invalid(
                TRUST_ROOTS_VAR,
                "amazon-trust-services or platform",
            )),
        }
    }

    /// An HTTPS client that trusts these roots only, for the SDK's own
    /// configuration too: `aws_config::defaults(..).http_client(..)`. Without
    /// it, loading the configuration builds the default client (the
    /// credential chain's STS client checks it), which reads the platform's
    /// store at start-up.
    pub fn http_client(&self) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        let mut store = TrustStore::empty().with_native_roots(self.platform);
        for pem in &self.pem {
            store.add_pem_certificate(pem.as_bytes().to_vec());
        }
        let context = TlsContext::builder()
            .with_trust_store(store)
            .build()
            // Fails only for an s2n-tls provider, which this client does not use.
            .unwrap_or_default();
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context)
            .build_https()
    }
}

impl Default for TrustRoots {
    fn default() -> Self {
        Self::amazon_trust_services()
    }
}

/// [`client_with_timeouts`] with the timeouts a request handler wants: 2 s
/// per attempt, 6 s per operation (retries included), well inside API
/// Gateway's 29 s integration timeout.
pub fn handler_client(sdk_config: &aws_types::SdkConfig, roots: &TrustRoots) -> Client {
    client_with_timeouts(
        sdk_config,
        roots,
        Duration::from_secs(2),
        Duration::from_secs(6),
    )
}

/// A DynamoDB client for request handlers: configuration from the
/// environment (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`), TLS
/// that trusts `roots` only, and bounded timeouts, so an unreachable
/// DynamoDB becomes a retryable error in about `operation` time instead of
/// hanging until the function's own timeout.
pub fn client_with_timeouts(
    sdk_config: &aws_types::SdkConfig,
    roots: &TrustRoots,
    attempt: Duration,
    operation: Duration,
) -> Client {
    let timeouts = aws_smithy_types::timeout::TimeoutConfig::builder()
        .connect_timeout(attempt.min(Duration::from_secs(1)))
        .operation_attempt_timeout(attempt)
        .operation_timeout(operation)
        .build();
    let config = aws_sdk_dynamodb::config::Builder::from(sdk_config)
        .http_client(roots.http_client())
        .timeout_config(timeouts)
        .build();
    Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Published at <https://www.amazontrust.com/repository/>.
    const FINGERPRINTS: [&str; 5] = [
        "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
        "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
        "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
        "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
        "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services Root G2
    ];

    #[test]
    fn the_compiled_in_roots_are_exactly_amazon_trust_services() {
        let ders = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let got: Vec<String> = ders
            .iter()
            .map(|d| hex::encode(Sha256::digest(d.as_ref())))
            .collect();
        assert_eq!(got, FINGERPRINTS);
        let mut store = rustls::RootCertStore::empty();
        let (added, refused) = store.add_parsable_certificates(ders);
        assert_eq!((added, refused), (5, 0));
    }

    #[test]
    fn a_bundle_without_a_usable_certificate_is_refused() {
        let roots = TrustRoots::amazon_trust_services();
        assert!(roots.clone().with_pem("").is_err());
        assert!(roots.clone().with_pem("hello").is_err());
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(roots.clone().with_pem(garbage).is_err());
        assert!(roots.with_pem(AMAZON_TRUST_SERVICES).is_ok());
    }

    #[test]
    fn the_variable_names_one_of_two_stores() {
        let vars = |v: &'static str| Vars::from_lookup(move |_| Some(v.to_owned()));
        assert!(
            !TrustRoots::from_vars(&vars("amazon-trust-services"))
                .unwrap()
                .platform
        );
        assert!(TrustRoots::from_vars(&vars("platform")).unwrap().platform);
        let err = TrustRoots::from_vars(&vars("system")).unwrap_err();
        assert_eq!(err.variable(), TRUST_ROOTS_VAR);
        let unset = Vars::from_lookup(|_| None);
        assert!(!TrustRoots::from_vars(&unset).unwrap().platform);
    }
}
