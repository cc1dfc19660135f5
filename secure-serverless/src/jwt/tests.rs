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
    let config = JwtConfig::new("iss", ["aud"])
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
    let config = JwtConfig::new("iss", ["aud"]).unwrap();
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

/// The application's check runs after the registered claims, and its
/// refusal carries its own reason code; claims deserialise into the
/// application's type.
#[test]
fn application_checks_run_last_and_claims_deserialise() {
    #[derive(serde::Deserialize)]
    struct Mine {
        sub: String,
        tenant: String,
    }
    let config = JwtConfig::new("iss", ["aud"]).unwrap().claims_check(|c| {
        match c.claims().get("tenant").and_then(Value::as_str) {
            Some("acme") => Ok(()),
            _ => Err(ClaimRejected::new("tenant").detail("not an enrolled tenant")),
        }
    });
    let keys = KeySet::new().with_hmac("k", SECRET).unwrap();
    let now = 1_800_000_000u64;
    let token = |tenant: &str, exp: u64| {
        hs256(
            &serde_json::json!({"iss": "iss", "aud": "aud", "exp": exp, "sub": "s", "tenant": tenant}),
        )
    };
    let ok = verify_with(&config, &keys, &token("acme", now + 60), now).unwrap();
    let mine: Mine = ok.deserialize().unwrap();
    assert_eq!((mine.sub.as_str(), mine.tenant.as_str()), ("s", "acme"));

    let refused = verify_with(&config, &keys, &token("other", now + 60), now).unwrap_err();
    assert_eq!(refused.reason(), "rejected");
    assert!(matches!(&refused, JwtError::Rejected(r) if r.reason() == "tenant"));
    // An expired token is refused as expired: the check never sees it.
    assert_eq!(
        verify_with(&config, &keys, &token("other", now - 3600), now).unwrap_err(),
        JwtError::Expired
    );
}

/// Every error maps to one of the documented reason codes.
#[test]
fn reason_codes_are_the_documented_set() {
    let errors = [
        JwtError::TooLarge {
            limit: 1,
            actual: 2,
        },
        JwtError::Malformed("x"),
        JwtError::DuplicateMember("x".into()),
        JwtError::Unsigned,
        JwtError::UnsupportedAlgorithm("x".into()),
        JwtError::AlgorithmNotAllowed {
            alg: "x".into(),
            kid: "k".into(),
        },
        JwtError::MissingKid,
        JwtError::WrongType,
        JwtError::UnknownKid("k".into()),
        JwtError::CriticalHeader,
        JwtError::InvalidSignature,
        JwtError::Expired,
        JwtError::NotYetValid,
        JwtError::MissingClaim("x".into()),
        JwtError::InvalidClaim("x".into()),
        JwtError::WrongIssuer,
        JwtError::WrongAudience,
        JwtError::WrongTokenUse("access"),
        JwtError::WrongClient,
        JwtError::KeySetUnavailable(KeySourceError::NotLoaded),
        JwtError::Rejected(ClaimRejected::new("x")),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for e in &errors {
        assert!(JwtError::REASONS.contains(&e.reason()), "{e:?}");
        seen.insert(e.reason());
    }
    assert_eq!(
        seen.len(),
        JwtError::REASONS.len(),
        "every code is reachable"
    );
}
