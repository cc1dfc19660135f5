//! ES512 (ECDSA on P-521 with SHA-512, RFC 7518 section 3.4), feature
//! `jwt-es512`: keys from a JWKS, tokens signed by RustCrypto's p521 with a
//! key made for this run.
#![cfg(feature = "jwt-es512")]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p521::ecdsa::signature::Signer as _;
use p521::ecdsa::{Signature, SigningKey, VerifyingKey};
use secure_serverless::jwt::{JwtConfig, JwtError, JwtVerifier, KeySet};
use serde_json::json;

const ISS: &str = "https://issuer.example";

fn jwk(key: &VerifyingKey, kid: &str, alg: Option<&str>) -> serde_json::Value {
    let point = key.to_encoded_point(false);
    let mut j = json!({
        "kty": "EC", "crv": "P-521", "kid": kid, "use": "sig",
        "x": B64.encode(point.x().unwrap()), "y": B64.encode(point.y().unwrap()),
    });
    if let Some(a) = alg {
        j["alg"] = json!(a);
    }
    j
}

fn token(key: &SigningKey, alg: &str, kid: &str) -> String {
    let header = B64.encode(json!({"alg": alg, "kid": kid}).to_string());
    let exp = jsonwebtoken::get_current_timestamp() + 60;
    let claims = B64.encode(json!({"iss": ISS, "aud": "api", "sub": "s", "exp": exp}).to_string());
    let input = format!("{header}.{claims}");
    let sig: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig.to_bytes()))
}

fn verifier(keys: Vec<serde_json::Value>) -> JwtVerifier {
    let keys = KeySet::from_jwks_json(&json!({ "keys": keys }).to_string()).unwrap();
    JwtVerifier::new(JwtConfig::new(ISS, ["api"]).unwrap(), keys)
}

#[test]
fn es512_tokens_verify_with_their_p521_key_only() {
    let key = SigningKey::random(&mut p521::elliptic_curve::rand_core::OsRng);
    let other = SigningKey::random(&mut p521::elliptic_curve::rand_core::OsRng);
    let public = VerifyingKey::from(&key);
    let v = verifier(vec![
        jwk(&public, "p521", Some("ES512")),
        jwk(&public, "p521-implied", None),
    ]);
    assert_eq!(
        v.verify_with_cached_keys(&token(&key, "ES512", "p521"))
            .unwrap()
            .subject(),
        "s"
    );
    v.verify_with_cached_keys(&token(&key, "ES512", "p521-implied"))
        .unwrap();
    // Signed by another key, or naming another algorithm for this key.
    assert_eq!(
        v.verify_with_cached_keys(&token(&other, "ES512", "p521"))
            .unwrap_err(),
        JwtError::InvalidSignature
    );
    assert!(matches!(
        v.verify_with_cached_keys(&token(&key, "ES256", "p521")),
        Err(JwtError::AlgorithmNotAllowed { .. })
    ));
    // A signature cut short, or in DER rather than R || S.
    let t = token(&key, "ES512", "p521");
    let (input, sig) = t.rsplit_once('.').unwrap();
    let raw = B64.decode(sig).unwrap();
    let der = Signature::from_slice(&raw).unwrap().to_der();
    for bad in [B64.encode(&raw[..131]), B64.encode(der.as_bytes())] {
        assert_eq!(
            v.verify_with_cached_keys(&format!("{input}.{bad}"))
                .unwrap_err(),
            JwtError::InvalidSignature
        );
    }
}

#[test]
fn p521_keys_that_cannot_be_es512_are_skipped() {
    let public = VerifyingKey::from(&SigningKey::random(
        &mut p521::elliptic_curve::rand_core::OsRng,
    ));
    let keys = KeySet::from_jwks_json(
        &json!({"keys": [
            jwk(&public, "good", None),
            jwk(&public, "es384", Some("ES384")),
            {"kty": "EC", "crv": "P-521", "kid": "off-curve", "x": B64.encode([1u8; 66]), "y": B64.encode([1u8; 66])},
            {"kty": "OKP", "crv": "P-521", "kid": "wrong-kty", "x": "AQ"},
        ]})
        .to_string(),
    )
    .unwrap();
    assert_eq!(keys.len(), 1);
    let mut skipped: Vec<_> = keys
        .skipped()
        .iter()
        .filter_map(|s| s.kid.clone())
        .collect();
    skipped.sort();
    assert_eq!(skipped, ["es384", "off-curve", "wrong-kty"]);
}
