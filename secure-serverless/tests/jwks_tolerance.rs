//! JWKS as real issuers publish them: keys of other kinds beside the signing
//! keys, encryption keys, keys without `kid`, and a `typ` to check.
#![cfg(feature = "jwt")]

mod common;

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_serverless::jwt::{JwtConfig, JwtConfigError, JwtError, JwtVerifier, KeySet};
use serde_json::{Value, json};

use common::*;

const ISS: &str = "https://issuer.example";
const AUD: &str = "logs-api";

fn jwk(key: &EncodingKey, alg: Algorithm, kid: Option<&str>) -> Value {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = kid.map(str::to_owned);
    serde_json::to_value(jwk).unwrap()
}

fn claims() -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({"sub": "alice", "iss": ISS, "aud": AUD, "exp": now + 600, "iat": now})
}

fn sign(header: Header, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&header, &claims(), key).unwrap()
}

fn with_kid(alg: Algorithm, kid: &str) -> Header {
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    h
}

fn verifier(keys: Vec<Value>) -> Result<JwtVerifier, JwtConfigError> {
    let keys = KeySet::from_jwks_json(&json!({ "keys": keys }).to_string())?;
    Ok(JwtVerifier::new(JwtConfig::new(ISS, [AUD])?, keys))
}

#[test]
fn keys_that_cannot_verify_are_skipped_not_fatal() {
    let mut enc = jwk(&rsa(), Algorithm::RS256, Some("enc"));
    enc["use"] = json!("enc");
    let mut ops = jwk(&rsa(), Algorithm::RS256, Some("wrap-only"));
    ops["key_ops"] = json!(["wrapKey", "encrypt"]);
    let mut oaep = jwk(&rsa(), Algorithm::RS256, Some("oaep"));
    oaep["alg"] = json!("RSA-OAEP");
    let keys = vec![
        jwk(&ec(), Algorithm::ES256, Some("sig")),
        enc,
        ops,
        oaep,
        json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}),
        json!({"kty": "EC", "kid": "p521", "crv": "P-521", "x": "AQ", "y": "AQ"}),
        json!({"kty": "OKP", "kid": "x448", "crv": "X448", "x": "AQ"}),
        json!({"kty": "XYZ", "kid": "future"}),
    ];
    let set = KeySet::from_jwks_json(&json!({ "keys": keys.clone() }).to_string()).unwrap();
    assert_eq!(set.len(), 1);
    let mut skipped: Vec<_> = set
        .skipped()
        .iter()
        .map(|k| k.kid.clone().unwrap())
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        ["enc", "future", "hmac", "oaep", "p521", "wrap-only", "x448"]
    );

    let v = verifier(keys).unwrap();
    assert!(
        v.verify_with_cached_keys(&sign(with_kid(Algorithm::ES256, "sig"), &ec()))
            .is_ok()
    );
    // A key published for encryption never verifies, though the token is
    // signed with exactly that key.
    for kid in ["enc", "wrap-only", "oaep"] {
        assert_eq!(
            v.verify_with_cached_keys(&sign(with_kid(Algorithm::RS256, kid), &rsa()))
                .unwrap_err(),
            JwtError::UnknownKid(kid.into())
        );
    }
    // Nothing usable at all: the set is refused (fail closed).
    let mut only_enc = jwk(&rsa(), Algorithm::RS256, Some("enc"));
    only_enc["use"] = json!("enc");
    assert!(matches!(
        verifier(vec![only_enc]),
        Err(JwtConfigError::InvalidJwks(_))
    ));
}

#[test]
fn a_token_without_kid_needs_exactly_one_key_for_its_algorithm() {
    let token = sign(Header::new(Algorithm::RS256), &rsa());
    // One key, with or without a kid of its own.
    for kid in [None, Some("only")] {
        let v = verifier(vec![jwk(&rsa(), Algorithm::RS256, kid)]).unwrap();
        assert!(v.verify_with_cached_keys(&token).is_ok(), "{kid:?}");
    }
    // One RSA key and one EC key: still exactly one allows RS256.
    let v = verifier(vec![
        jwk(&rsa(), Algorithm::RS256, Some("r")),
        jwk(&ec(), Algorithm::ES256, Some("e")),
    ])
    .unwrap();
    assert!(v.verify_with_cached_keys(&token).is_ok());
    assert!(
        v.verify_with_cached_keys(&sign(Header::new(Algorithm::ES256), &ec()))
            .is_ok()
    );
    assert_eq!(
        v.verify_with_cached_keys(&sign(Header::new(Algorithm::PS256), &rsa()))
            .unwrap_err(),
        JwtError::MissingKid
    );
    // Two keys allow RS256: which one is meant is a guess, so no.
    let v = verifier(vec![
        jwk(&rsa(), Algorithm::RS256, Some("a")),
        jwk(&rsa(), Algorithm::RS256, Some("b")),
    ])
    .unwrap();
    assert_eq!(
        v.verify_with_cached_keys(&token).unwrap_err(),
        JwtError::MissingKid
    );
    // A key without kid is reachable only by tokens without kid.
    let v = verifier(vec![jwk(&rsa(), Algorithm::RS256, None)]).unwrap();
    assert_eq!(
        v.verify_with_cached_keys(&sign(with_kid(Algorithm::RS256, ""), &rsa()))
            .unwrap_err(),
        JwtError::UnknownKid(String::new())
    );
}

#[test]
fn typ_is_checked_when_required() {
    let keys = KeySet::from_jwks_json(
        &json!({ "keys": [jwk(&rsa(), Algorithm::RS256, Some("k"))] }).to_string(),
    )
    .unwrap();
    let v = JwtVerifier::new(
        JwtConfig::new(ISS, [AUD]).unwrap().require_typ("at+jwt"),
        keys,
    );
    for (typ, ok) in [
        (Some("at+jwt"), true),
        (Some("application/at+JWT"), true),
        (Some("JWT"), false),
        (None, false),
    ] {
        let mut h = with_kid(Algorithm::RS256, "k");
        h.typ = typ.map(str::to_owned);
        let r = v.verify_with_cached_keys(&sign(h, &rsa()));
        assert_eq!(r.is_ok(), ok, "{typ:?}: {r:?}");
        if !ok {
            assert_eq!(r.unwrap_err(), JwtError::WrongType);
        }
    }
}
