//! `JwksUrl` against a real TLS server on loopback: keys load over HTTPS, an
//! unknown `kid` refreshes them (rate-limited), an untrusted certificate or a
//! non-200 answer is an error, and only `https` URLs are taken.
#![cfg(feature = "jwks-https")]

mod common;

use std::time::Duration;

use common::{ed, jwks, rsa, token_of};
use jsonwebtoken::Algorithm;
use secure_serverless::jwt::{AnyJwks, JwksUrl, JwtConfig, JwtConfigError, JwtError, JwtVerifier};
use test_support::https_issuer::{Answer, HttpsIssuer};

const ISS: &str = "https://issuer.example";
const PATH: &str = "/.well-known/jwks.json";

fn trusting(s: &HttpsIssuer) -> AnyJwks {
    AnyJwks::Url(JwksUrl::with_roots(&s.url(PATH), s.roots()).unwrap())
}

fn config() -> JwtConfig {
    JwtConfig::new(ISS, ["api"])
        .unwrap()
        .min_refresh_interval(Duration::from_millis(300))
}

#[tokio::test]
async fn keys_load_over_https_and_an_unknown_kid_refreshes_once() {
    let s = HttpsIssuer::start().await;
    s.answer(PATH, Answer::ok(jwks(&[("rsa", &rsa(), Algorithm::RS256)])));
    let v = JwtVerifier::load(config(), trusting(&s)).await.unwrap();
    assert_eq!(s.hits(PATH), 1);
    v.verify(&token_of(ISS, "rsa", &rsa(), Algorithm::RS256))
        .await
        .unwrap();

    // The issuer adds a key: once the refresh interval has passed since the
    // last fetch, a token with its kid triggers one refresh.
    tokio::time::sleep(Duration::from_millis(350)).await;
    s.answer(
        PATH,
        Answer::ok(jwks(&[
            ("rsa", &rsa(), Algorithm::RS256),
            ("ed", &ed(), Algorithm::EdDSA),
        ])),
    );
    v.verify(&token_of(ISS, "ed", &ed(), Algorithm::EdDSA))
        .await
        .unwrap();
    assert_eq!(s.hits(PATH), 2);
    // Another unknown kid within the refresh interval: no new fetch.
    assert!(matches!(
        v.verify(&token_of(ISS, "other", &ed(), Algorithm::EdDSA))
            .await,
        Err(JwtError::UnknownKid(_))
    ));
    assert_eq!(s.hits(PATH), 2);
}

#[tokio::test]
async fn untrusted_certificates_and_errors_are_refused() {
    let s = HttpsIssuer::start().await;
    s.answer(PATH, Answer::ok(jwks(&[("rsa", &rsa(), Algorithm::RS256)])));
    // Mozilla's roots do not include this run's certificate.
    let public_roots = JwksUrl::new(&s.url(PATH)).unwrap();
    assert!(
        JwtVerifier::load(config(), AnyJwks::Url(public_roots))
            .await
            .is_err()
    );
    s.answer(PATH, Answer::status(500));
    assert!(JwtVerifier::load(config(), trusting(&s)).await.is_err());
    s.answer(PATH, Answer::ok("not json"));
    assert!(JwtVerifier::load(config(), trusting(&s)).await.is_err());
}

#[test]
fn only_https_urls() {
    for bad in [
        "http://issuer.example/jwks.json",
        "https://",
        "https://user@issuer.example/jwks.json",
        "https://issuer.example:99999/jwks.json",
        "ftp://issuer.example/",
        "issuer.example/jwks.json",
    ] {
        assert!(
            matches!(JwksUrl::new(bad), Err(JwtConfigError::InvalidJwksUrl(_))),
            "{bad}"
        );
    }
    assert!(JwksUrl::new("https://issuer.example").is_ok());
    // Schemes are case-insensitive (RFC 3986, section 3.1); IPv6 literals
    // and queries are URLs like any other.
    for good in [
        "HTTPS://issuer.example/jwks.json",
        "https://[::1]/jwks.json",
        "https://[::1]:8443/jwks.json",
        "https://issuer.example?pool=a",
        "https://issuer.example/keys?pool=a",
    ] {
        assert!(JwksUrl::new(good).is_ok(), "{good}");
    }
}
