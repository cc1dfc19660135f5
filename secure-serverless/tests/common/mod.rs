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
