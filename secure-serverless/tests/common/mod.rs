//! Shared by the JWT test binaries: the fixture keys (see
//! `fixtures/keys/README.md`).
#![allow(dead_code)]

use jsonwebtoken::EncodingKey;

/// A fixture file's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The RSA 2048 signing key.
pub fn rsa() -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture("rsa.pem")).unwrap()
}

/// The P-256 signing key.
pub fn ec() -> EncodingKey {
    EncodingKey::from_ec_pem(&fixture("ec.pem")).unwrap()
}

/// The Ed25519 signing key.
pub fn ed() -> EncodingKey {
    EncodingKey::from_ed_pem(&fixture("ed.pem")).unwrap()
}

/// A JWKS document of `keys` (`kid`, signing key, algorithm).
pub fn jwks(keys: &[(&str, &EncodingKey, jsonwebtoken::Algorithm)]) -> String {
    let keys = keys
        .iter()
        .map(|(kid, key, alg)| {
            let mut j = jsonwebtoken::jwk::Jwk::from_encoding_key(key, *alg).unwrap();
            j.common.key_id = Some((*kid).into());
            j
        })
        .collect();
    serde_json::to_string(&jsonwebtoken::jwk::JwkSet { keys }).unwrap()
}

/// A token of `iss` for audience `api`, valid for a minute, signed by `key`
/// under `kid`.
pub fn token_of(iss: &str, kid: &str, key: &EncodingKey, alg: jsonwebtoken::Algorithm) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut h = jsonwebtoken::Header::new(alg);
    h.kid = Some(kid.into());
    jsonwebtoken::encode(
        &h,
        &serde_json::json!({"iss": iss, "aud": "api", "sub": "s", "exp": now + 60}),
        key,
    )
    .unwrap()
}
