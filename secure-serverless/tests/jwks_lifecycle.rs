//! The key set's life against real HTTPS issuers on loopback: OpenID
//! discovery, rotation, outages longer than the stale period, a crowd of
//! requests during one fetch, `Cache-Control`, and several issuers that
//! publish the same `kid`.
#![cfg(feature = "jwks-https")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ec, ed, jwks, rsa, token_of};
use jsonwebtoken::{Algorithm, EncodingKey};
use secure_serverless::jwt::{
    AnyJwks, JwksUrl, JwtConfig, JwtConfigError, JwtError, JwtVerifier, KeySet, KeySourceError,
    OidcIssuer,
};
use test_support::https_issuer::{Answer, HttpsIssuer};

/// An issuer at `/{pool}` of `s`, publishing its discovery document (which
/// names `named_issuer`) and `keys` at `/{pool}/keys`.
fn publish(s: &HttpsIssuer, pool: &str, named_issuer: &str, keys: String) -> String {
    let issuer = s.url(&format!("/{pool}"));
    s.answer(
        &format!("/{pool}/.well-known/openid-configuration"),
        Answer::ok(
            serde_json::json!({
                "issuer": named_issuer,
                "jwks_uri": s.url(&format!("/{pool}/keys")),
                "authorization_endpoint": s.url(&format!("/{pool}/authorize")),
            })
            .to_string(),
        ),
    );
    s.answer(&format!("/{pool}/keys"), Answer::ok(keys));
    issuer
}

fn discovered(s: &HttpsIssuer, config: &JwtConfig) -> AnyJwks {
    AnyJwks::Oidc(OidcIssuer::with_roots(config.issuer(), s.roots()).unwrap())
}

fn config(issuer: &str) -> JwtConfig {
    JwtConfig::new(issuer, ["api"]).unwrap()
}

/// A P-256 key made for this run (its `kid` can collide with a fixture's).
fn fresh_ec() -> EncodingKey {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    EncodingKey::from_ec_der(&pair.serialize_der())
}

#[tokio::test]
async fn discovery_finds_the_keys_and_refuses_a_document_of_another_issuer() {
    let s = HttpsIssuer::start().await;
    let issuer = s.url("/pool");
    publish(
        &s,
        "pool",
        &issuer,
        jwks(&[("k", &rsa(), Algorithm::RS256)]),
    );
    let c = config(&issuer);
    let v = JwtVerifier::load(c.clone(), discovered(&s, &c))
        .await
        .unwrap();
    v.verify(&token_of(&issuer, "k", &rsa(), Algorithm::RS256))
        .await
        .unwrap();
    assert_eq!(s.hits("/pool/.well-known/openid-configuration"), 1);
    assert_eq!(s.hits("/pool/keys"), 1);

    // The document names another issuer (or the same with a trailing
    // slash): its keys are never used.
    for named in ["https://evil.example/pool", &format!("{issuer}/")] {
        publish(&s, "pool", named, jwks(&[("k", &rsa(), Algorithm::RS256)]));
        let err = JwtVerifier::load(c.clone(), discovered(&s, &c))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                JwtError::KeySetUnavailable(KeySourceError::IssuerMismatch { expected, .. })
                    if *expected == issuer
            ),
            "{err:?}"
        );
    }

    // A jwks_uri that is not https is refused.
    s.answer(
        "/pool/.well-known/openid-configuration",
        Answer::ok(
            serde_json::json!({"issuer": issuer, "jwks_uri": "http://localhost/keys"}).to_string(),
        ),
    );
    assert!(matches!(
        JwtVerifier::load(c.clone(), discovered(&s, &c)).await,
        Err(JwtError::KeySetUnavailable(KeySourceError::Discovery(_)))
    ));
    // Issuers with a query or fragment, or not https, are refused at start-up.
    for bad in [
        "http://issuer.example",
        "https://i.example/?x=1",
        "https://i.example/#a",
    ] {
        assert!(matches!(
            OidcIssuer::new(bad),
            Err(JwtConfigError::InvalidIssuerUrl(_))
        ));
    }
}

#[tokio::test]
async fn a_lazy_verifier_fetches_on_first_use_and_a_crowd_shares_one_fetch() {
    let s = HttpsIssuer::start().await;
    let issuer = publish(
        &s,
        "p",
        &s.url("/p"),
        jwks(&[("k", &ec(), Algorithm::ES256)]),
    );
    // The keys answer slowly, so the crowd below all arrives during the fetch.
    let mut slow = Answer::ok(jwks(&[("k", &ec(), Algorithm::ES256)]));
    slow.delay = Duration::from_millis(300);
    s.answer("/p/keys", slow);
    let c = config(&issuer);
    let v = Arc::new(JwtVerifier::lazy(c.clone(), discovered(&s, &c)));
    assert_eq!(s.hits("/p/keys"), 0, "nothing is fetched at construction");
    assert!(matches!(
        v.verify_with_cached_keys(&token_of(&issuer, "k", &ec(), Algorithm::ES256)),
        Err(JwtError::KeySetUnavailable(KeySourceError::NotLoaded))
    ));

    let token = token_of(&issuer, "k", &ec(), Algorithm::ES256);
    let crowd: Vec<_> = (0..100)
        .map(|_| {
            let (v, t) = (v.clone(), token.clone());
            tokio::spawn(async move { v.verify(&t).await })
        })
        .collect();
    for task in crowd {
        task.await.unwrap().unwrap();
    }
    assert_eq!(s.hits("/p/.well-known/openid-configuration"), 1);
    assert_eq!(
        s.hits("/p/keys"),
        1,
        "100 concurrent verifications, one fetch"
    );
}

#[tokio::test]
async fn a_rotation_is_picked_up_after_one_unknown_kid() {
    let s = HttpsIssuer::start().await;
    let issuer = publish(
        &s,
        "p",
        &s.url("/p"),
        jwks(&[("old", &rsa(), Algorithm::RS256)]),
    );
    let c = config(&issuer).min_refresh_interval(Duration::from_millis(1000));
    let v = JwtVerifier::load(c.clone(), discovered(&s, &c))
        .await
        .unwrap();
    let old = token_of(&issuer, "old", &rsa(), Algorithm::RS256);
    let new = token_of(&issuer, "new", &ed(), Algorithm::EdDSA);
    v.verify(&old).await.unwrap();

    // The issuer replaces its key.
    s.answer(
        "/p/keys",
        Answer::ok(jwks(&[("new", &ed(), Algorithm::EdDSA)])),
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    v.verify(&new).await.unwrap();
    assert_eq!(s.hits("/p/keys"), 2, "one fetch for the new kid");
    // The retired key is gone; asking for it again within the interval
    // fetches nothing.
    assert!(matches!(v.verify(&old).await, Err(JwtError::UnknownKid(_))));
    for _ in 0..20 {
        let made_up = token_of(&issuer, "made-up", &ed(), Algorithm::EdDSA);
        assert!(matches!(
            v.verify(&made_up).await,
            Err(JwtError::UnknownKid(_))
        ));
    }
    assert_eq!(s.hits("/p/keys"), 2, "unknown kids are rate-limited");
}

#[tokio::test]
async fn an_issuer_down_longer_than_the_stale_period_fails_closed_then_recovers() {
    let s = HttpsIssuer::start().await;
    let keys = jwks(&[("k", &rsa(), Algorithm::RS256)]);
    let issuer = publish(&s, "p", &s.url("/p"), keys.clone());
    let c = config(&issuer)
        .min_refresh_interval(Duration::from_millis(50))
        .key_max_age(Duration::from_millis(400))
        .unwrap()
        .serve_stale_keys_for(Duration::from_millis(1000))
        .unwrap();
    let v = JwtVerifier::load(c.clone(), discovered(&s, &c))
        .await
        .unwrap();
    let token = token_of(&issuer, "k", &rsa(), Algorithm::RS256);

    s.answer("/p/keys", Answer::status(503));
    // Past the max age, within the stale period: the refetch fails, the old
    // keys still serve.
    tokio::time::sleep(Duration::from_millis(500)).await;
    v.verify(&token).await.unwrap();
    assert_eq!(s.hits("/p/keys"), 2);
    // Past max age + stale period: no verification with the old keys.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let err = v.verify(&token).await.unwrap_err();
    assert!(
        matches!(
            &err,
            JwtError::KeySetUnavailable(KeySourceError::Status { status: 503, .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.reason(), "keys_unavailable");
    assert!(v.verify_with_cached_keys(&token).is_err());

    // The issuer recovers: after the backoff (at most 2 s after two
    // failures) the next request fetches and verifies.
    s.answer("/p/keys", Answer::ok(keys));
    let mut recovered = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if v.verify(&token).await.is_ok() {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "keys are fetched again once the issuer answers");
    // Failed attempts were spaced by the backoff, not one per request.
    assert!(s.hits("/p/keys") <= 6, "{} fetches", s.hits("/p/keys"));
}

#[tokio::test]
async fn an_issuers_cache_control_max_age_shortens_the_keys_life() {
    let s = HttpsIssuer::start().await;
    let keys = jwks(&[("k", &rsa(), Algorithm::RS256)]);
    let issuer = s.url("/p");
    let mut short = Answer::ok(keys.clone());
    short.cache_control = Some("public, max-age=0".into());
    let source = AnyJwks::Url(JwksUrl::with_roots(&s.url("/p/keys"), s.roots()).unwrap());
    s.answer("/p/keys", short);
    let c = config(&issuer).min_refresh_interval(Duration::from_millis(400));
    let v = JwtVerifier::load(c, source).await.unwrap();
    let token = token_of(&issuer, "k", &rsa(), Algorithm::RS256);
    v.verify(&token).await.unwrap();
    assert_eq!(
        s.hits("/p/keys"),
        1,
        "max-age=0 is floored at the refresh interval"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    v.verify(&token).await.unwrap();
    assert_eq!(
        s.hits("/p/keys"),
        2,
        "refetched once the issuer's max-age passed"
    );

    // Without Cache-Control the configured max age (an hour) holds.
    s.answer("/p/keys", Answer::ok(keys));
    tokio::time::sleep(Duration::from_millis(450)).await;
    v.verify(&token).await.unwrap();
    assert_eq!(s.hits("/p/keys"), 3);
    tokio::time::sleep(Duration::from_millis(450)).await;
    v.verify(&token).await.unwrap();
    assert_eq!(s.hits("/p/keys"), 3);
}

#[tokio::test]
async fn two_issuers_that_publish_the_same_kid_never_cross() {
    let s = HttpsIssuer::start().await;
    let (key_a, key_b) = (ec(), fresh_ec());
    let a = publish(
        &s,
        "a",
        &s.url("/a"),
        jwks(&[("k1", &key_a, Algorithm::ES256)]),
    );
    let b = publish(
        &s,
        "b",
        &s.url("/b"),
        jwks(&[("k1", &key_b, Algorithm::ES256)]),
    );
    let (ca, cb) = (config(&a), config(&b));
    let v = JwtVerifier::any_of([
        JwtVerifier::load(ca.clone(), discovered(&s, &ca))
            .await
            .unwrap(),
        JwtVerifier::load(cb.clone(), discovered(&s, &cb))
            .await
            .unwrap(),
    ])
    .unwrap();
    assert_eq!(v.issuers().count(), 2);

    // Each issuer's tokens verify with its own key.
    let ok_a = v
        .verify(&token_of(&a, "k1", &key_a, Algorithm::ES256))
        .await
        .unwrap();
    assert_eq!(ok_a.claims()["iss"], a.as_str());
    v.verify(&token_of(&b, "k1", &key_b, Algorithm::ES256))
        .await
        .unwrap();
    // A token that names b but is signed with a's key (same kid) fails, and
    // so does the reverse.
    for (iss, key) in [(&b, &key_a), (&a, &key_b)] {
        assert_eq!(
            v.verify(&token_of(iss, "k1", key, Algorithm::ES256))
                .await
                .unwrap_err(),
            JwtError::InvalidSignature
        );
    }
    // A third issuer is refused before any key is looked at.
    assert_eq!(
        v.verify(&token_of(&s.url("/c"), "k1", &key_a, Algorithm::ES256))
            .await
            .unwrap_err(),
        JwtError::WrongIssuer
    );
    assert_eq!(s.hits("/c/.well-known/openid-configuration"), 0);

    // The same issuer twice is a configuration error.
    let twice = JwtVerifier::any_of([
        JwtVerifier::new(config(&a), KeySet::new()),
        JwtVerifier::new(config(&a), KeySet::new()),
    ]);
    assert!(matches!(twice, Err(JwtConfigError::DuplicateIssuer(i)) if i == a));
    assert!(matches!(
        JwtVerifier::<AnyJwks>::any_of([]),
        Err(JwtConfigError::NoIssuer)
    ));
}

#[tokio::test]
async fn a_remembered_token_does_not_outlive_its_key_set_or_its_exp() {
    let s = HttpsIssuer::start().await;
    let (key_a, key_b) = (ec(), fresh_ec());
    let issuer = publish(
        &s,
        "p",
        &s.url("/p"),
        jwks(&[("k", &key_a, Algorithm::ES256)]),
    );
    let c = config(&issuer)
        .leeway(Duration::ZERO)
        .unwrap()
        .min_refresh_interval(Duration::from_millis(100))
        .key_max_age(Duration::from_millis(400))
        .unwrap();
    let v = JwtVerifier::load(c.clone(), discovered(&s, &c))
        .await
        .unwrap();
    let token = token_of(&issuer, "k", &key_a, Algorithm::ES256);
    for _ in 0..3 {
        v.verify(&token).await.unwrap();
    }
    // The issuer swaps the key behind the same kid: once the keys are
    // refetched, the token verified with the old key is refused.
    s.answer(
        "/p/keys",
        Answer::ok(jwks(&[("k", &key_b, Algorithm::ES256)])),
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        v.verify(&token).await.unwrap_err(),
        JwtError::InvalidSignature
    );
    assert_eq!(
        v.verify_with_cached_keys(&token).unwrap_err(),
        JwtError::InvalidSignature
    );

    // A token remembered while valid is refused once its exp has passed.
    let now = jsonwebtoken::get_current_timestamp();
    let mut h = jsonwebtoken::Header::new(Algorithm::ES256);
    h.kid = Some("k".into());
    let short = jsonwebtoken::encode(
        &h,
        &serde_json::json!({"iss": issuer, "aud": "api", "exp": now + 1}),
        &key_b,
    )
    .unwrap();
    v.verify(&short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        v.verify_with_cached_keys(&short).unwrap_err(),
        JwtError::Expired
    );
}

#[tokio::test]
async fn a_hanging_issuer_costs_a_request_at_most_a_second_while_stale_keys_serve() {
    let s = HttpsIssuer::start().await;
    let keys = jwks(&[("k", &rsa(), Algorithm::RS256)]);
    let issuer = publish(&s, "p", &s.url("/p"), keys.clone());
    let c = config(&issuer)
        .key_max_age(Duration::from_millis(300))
        .unwrap()
        .serve_stale_keys_for(Duration::from_secs(60))
        .unwrap();
    let v = JwtVerifier::load(c.clone(), discovered(&s, &c))
        .await
        .unwrap();
    let token = token_of(&issuer, "k", &rsa(), Algorithm::RS256);
    // The issuer now takes 4 s to answer.
    let mut slow = Answer::ok(keys);
    slow.delay = Duration::from_secs(4);
    s.answer("/p/keys", slow);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let t = std::time::Instant::now();
    v.verify(&token).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // The abandoned fetch counts as a failure: the next request does not wait.
    let t = std::time::Instant::now();
    v.verify(&token).await.unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn a_discovery_source_for_another_issuer_is_refused() {
    let s = HttpsIssuer::start().await;
    let a = publish(
        &s,
        "a",
        &s.url("/a"),
        jwks(&[("k", &rsa(), Algorithm::RS256)]),
    );
    let b = s.url("/b");
    // Configured for b, keys discovered for a: a's keys never verify b's tokens.
    let source = AnyJwks::Oidc(OidcIssuer::with_roots(&a, s.roots()).unwrap());
    let err = JwtVerifier::load(config(&b), source.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            JwtError::KeySetUnavailable(KeySourceError::IssuerMismatch { .. })
        ),
        "{err:?}"
    );
    let lazy = JwtVerifier::lazy(config(&b), source);
    assert!(matches!(
        lazy.verify(&token_of(&b, "k", &rsa(), Algorithm::RS256))
            .await,
        Err(JwtError::KeySetUnavailable(
            KeySourceError::IssuerMismatch { .. }
        ))
    ));
    assert_eq!(s.hits("/a/keys"), 0);
}

#[test]
fn each_issuer_keeps_its_own_size_cap() {
    let small = JwtVerifier::new(
        config("https://small.example").max_token_bytes(200),
        KeySet::new(),
    );
    let large = JwtVerifier::new(config("https://large.example"), KeySet::new());
    let v = JwtVerifier::any_of([small, large]).unwrap();
    let t = token_of("https://small.example", "k", &rsa(), Algorithm::RS256);
    assert!(t.len() > 200);
    assert!(matches!(
        v.verify_with_cached_keys(&t),
        Err(JwtError::TooLarge { limit: 200, .. })
    ));
    // The other issuer's larger cap applies to its own tokens only.
    let t = token_of("https://large.example", "k", &rsa(), Algorithm::RS256);
    assert!(matches!(
        v.verify_with_cached_keys(&t),
        Err(JwtError::UnknownKid(_))
    ));
}
