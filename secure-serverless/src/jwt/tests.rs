//! Unit tests of the verifier's internals (attacks on the public API are in
//! the crate's `tests/jwt_attacks.rs`).

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::verifier::verify_with;
use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn hs256(claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let msg = format!(
        "{}.{}",
        b64.encode(r#"{"alg":"HS256","kid":"k"}"#),
        b64.encode(claims.to_string())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
    let tag = ring::hmac::sign(&key, msg.as_bytes());
    format!("{msg}.{}", b64.encode(tag.as_ref()))
}

/// `exp` and `nbf` at the edges of the leeway, with the clock fixed.
#[test]
fn time_claims_honour_the_leeway_exactly() {
    let config = JwtConfig::new(["iss"], ["aud"])
        .unwrap()
        .leeway(Duration::from_secs(30))
        .unwrap();
    let keys = KeySet::new().with_hmac("k", SECRET).unwrap();
    let now = 1_800_000_000u64;
    let at = |exp: u64, nbf: Option<u64>| {
        let mut c = serde_json::json!({"iss": "iss", "aud": "aud", "exp": exp, "sub": "s"});
        if let Some(nbf) = nbf {
            c["nbf"] = nbf.into();
        }
        verify_with(&config, &keys, &hs256(&c), now).map(|c| c.subject().to_owned())
    };
    assert_eq!(at(now, None).unwrap(), "s");
    assert_eq!(
        at(now - 30, None).unwrap(),
        "s",
        "expired within the leeway"
    );
    assert_eq!(at(now - 31, None).unwrap_err(), JwtError::Expired);
    assert_eq!(at(now + 60, Some(now + 30)).unwrap(), "s");
    assert_eq!(
        at(now + 60, Some(now + 31)).unwrap_err(),
        JwtError::NotYetValid
    );
    // Far-future values do not overflow.
    assert_eq!(at(u64::MAX, Some(0)).unwrap(), "s");
    assert_eq!(
        verify_with(
            &config,
            &keys,
            &hs256(&serde_json::json!({"iss": "iss", "aud": "aud", "exp": now})),
            u64::MAX
        )
        .unwrap_err(),
        JwtError::Expired
    );
}

/// A signature failure is reported before any claim check, so a forged
/// token learns nothing about the claims it would need.
#[test]
fn signature_is_checked_before_claims() {
    let config = JwtConfig::new(["iss"], ["aud"]).unwrap();
    let keys = KeySet::new().with_hmac("k", SECRET).unwrap();
    let expired_wrong_issuer = hs256(&serde_json::json!({"iss": "evil", "exp": 1}));
    let (msg, _) = expired_wrong_issuer.rsplit_once('.').unwrap();
    let forged = format!("{msg}.AAAA");
    assert_eq!(
        verify_with(&config, &keys, &forged, 1_800_000_000).unwrap_err(),
        JwtError::InvalidSignature
    );
    assert_eq!(
        verify_with(&config, &keys, &expired_wrong_issuer, 1_800_000_000).unwrap_err(),
        JwtError::MissingClaim("aud".into())
    );
}
