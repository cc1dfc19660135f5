//! The repository's RSA test key (`secure-serverless/tests/fixtures/keys/rsa.pem`)
//! as a one-key JWKS (`kid` `k1`, RS256) and the key that signs for it.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey};

/// The JWKS document and the matching signing key.
///
/// # Panics
/// When the fixture file is missing (a broken checkout).
pub fn rsa_jwks_and_key() -> (String, EncodingKey) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../secure-serverless/tests/fixtures/keys/rsa.pem"
    );
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let key = EncodingKey::from_rsa_pem(&pem).expect("the fixture is an RSA private key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("an RS256 JWK");
    jwk.common.key_id = Some("k1".into());
    let jwks = serde_json::to_string(&JwkSet { keys: vec![jwk] }).expect("JSON");
    (jwks, key)
}

/// An RS256 token signed by `key` (`kid` `k1`), valid for five minutes.
pub fn rsa_token(key: &EncodingKey, iss: &str, aud: &str, sub: &str, scope: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let claims =
        serde_json::json!({"iss": iss, "aud": aud, "sub": sub, "exp": now + 300, "scope": scope});
    jsonwebtoken::encode(&header, &claims, key).expect("the fixture key signs")
}

/// Puts `authorization` (or no `Authorization` header at all) in a sample
/// event: in `headers`, and in `multiValueHeaders` where the event has one
/// (REST, ALB, WebSocket), whatever the case of the name it replaces.
pub fn with_authorization(event: &mut serde_json::Value, authorization: Option<&str>) {
    for map in ["headers", "multiValueHeaders"] {
        let Some(h) = event
            .get_mut(map)
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        h.retain(|k, _| !k.eq_ignore_ascii_case("authorization"));
        if let Some(a) = authorization {
            let v = if map == "headers" {
                serde_json::json!(a)
            } else {
                serde_json::json!([a])
            };
            h.insert("authorization".into(), v);
        }
    }
}
