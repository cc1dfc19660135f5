//! The JWT attack suite: every known way to get a bad token accepted, each
//! refused with the right error; valid tokens for every algorithm accepted.
#![cfg(feature = "jwt")]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_serverless::jwt::{JwtConfig, JwtConfigError, JwtError, JwtVerifier, KeySet};
use serde_json::{Value, json};

use common::*;

const ISS: &str = "https://issuer.example";
const AUD: &str = "logs-api";
const HMAC: &[u8] = b"0123456789abcdef0123456789abcdef-hmac";

fn jwks() -> String {
    let mut keys = Vec::new();
    for (kid, key, alg) in [
        ("rsa", rsa(), Algorithm::RS256),
        ("ec", ec(), Algorithm::ES256),
        ("ed", ed(), Algorithm::EdDSA),
    ] {
        let mut jwk = Jwk::from_encoding_key(&key, alg).unwrap();
        jwk.common.key_id = Some(kid.into());
        keys.push(jwk);
    }
    serde_json::to_string(&JwkSet { keys }).unwrap()
}

fn verifier() -> JwtVerifier {
    let keys = KeySet::from_jwks_json(&jwks())
        .unwrap()
        .with_hmac("hmac", HMAC)
        .unwrap();
    JwtVerifier::new(JwtConfig::new(ISS, [AUD]).unwrap(), keys)
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims() -> Value {
    json!({"sub": "alice", "iss": ISS, "aud": AUD, "exp": now() + 600, "iat": now(), "scope": "logs:read logs:write"})
}

fn token(kid: &str, alg: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    jsonwebtoken::encode(&h, claims, key).unwrap()
}

/// A token from raw header and claims text, signed properly: for the cases
/// jsonwebtoken's encoder would never produce.
fn raw(header: &str, claims: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let msg = format!("{}.{}", B64.encode(header), B64.encode(claims));
    let sig = jsonwebtoken::crypto::sign(msg.as_bytes(), key, alg).unwrap();
    format!("{msg}.{sig}")
}

fn verify(t: &str) -> Result<secure_serverless::jwt::VerifiedClaims, JwtError> {
    verifier().verify_with_cached_keys(t)
}

#[test]
fn valid_tokens_for_each_algorithm_are_accepted() {
    let c = claims();
    for t in [
        token("rsa", Algorithm::RS256, &rsa(), &c),
        token("ec", Algorithm::ES256, &ec(), &c),
        token("ed", Algorithm::EdDSA, &ed(), &c),
        token(
            "hmac",
            Algorithm::HS256,
            &EncodingKey::from_secret(HMAC),
            &c,
        ),
    ] {
        let v = verify(&t).unwrap();
        assert_eq!(v.subject(), "alice");
        assert!(v.scopes().contains("logs:write"));
    }
}

#[test]
fn alg_none_in_any_casing_is_refused() {
    let claims = B64.encode(claims().to_string());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = B64.encode(format!(r#"{{"alg":"{alg}","kid":"rsa","typ":"JWT"}}"#));
        for sig in ["", "x"] {
            let t = format!("{header}.{claims}.{sig}");
            let e = verify(&t).unwrap_err();
            assert!(
                matches!(e, JwtError::Unsigned | JwtError::InvalidSignature),
                "{alg} {sig:?}: {e:?}"
            );
        }
        assert_eq!(
            verify(&format!("{header}.{claims}.x")).unwrap_err(),
            JwtError::Unsigned
        );
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let public_pem = fixture("rsa.pub.pem");
    let t = token(
        "rsa",
        Algorithm::HS256,
        &EncodingKey::from_secret(&public_pem),
        &claims(),
    );
    assert!(matches!(
        verify(&t).unwrap_err(),
        JwtError::AlgorithmNotAllowed { .. }
    ));
    // Also with the public key's DER and JWK forms as the secret.
    let t = token(
        "rsa",
        Algorithm::HS256,
        &EncodingKey::from_secret(jwks().as_bytes()),
        &claims(),
    );
    assert!(matches!(
        verify(&t).unwrap_err(),
        JwtError::AlgorithmNotAllowed { .. }
    ));
    // And the HMAC key cannot be used with RS256.
    let t = token("hmac", Algorithm::RS256, &rsa(), &claims());
    assert!(matches!(
        verify(&t).unwrap_err(),
        JwtError::AlgorithmNotAllowed { .. }
    ));
}

#[test]
fn time_claims() {
    let mut c = claims();
    c["exp"] = json!(now() - 120);
    assert_eq!(
        verify(&token("rsa", Algorithm::RS256, &rsa(), &c)).unwrap_err(),
        JwtError::Expired
    );
    // within the 30 s leeway
    c["exp"] = json!(now() - 5);
    assert!(verify(&token("rsa", Algorithm::RS256, &rsa(), &c)).is_ok());

    let mut c = claims();
    c["nbf"] = json!(now() + 600);
    assert_eq!(
        verify(&token("rsa", Algorithm::RS256, &rsa(), &c)).unwrap_err(),
        JwtError::NotYetValid
    );

    let mut c = claims();
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        verify(&token("rsa", Algorithm::RS256, &rsa(), &c)).unwrap_err(),
        JwtError::MissingClaim("exp".into())
    );

    let mut c = claims();
    c["exp"] = json!((now() + 600).to_string());
    assert_eq!(
        verify(&token("rsa", Algorithm::RS256, &rsa(), &c)).unwrap_err(),
        JwtError::InvalidClaim("exp".into())
    );

    assert!(matches!(
        JwtConfig::new(ISS, [AUD])
            .unwrap()
            .leeway(std::time::Duration::from_secs(301)),
        Err(JwtConfigError::LeewayTooLarge(_))
    ));
}

#[test]
fn audience_and_issuer() {
    let check = |key: &str, value: Option<Value>, expected: JwtError| {
        let mut c = claims();
        match value {
            Some(v) => c[key] = v,
            None => {
                c.as_object_mut().unwrap().remove(key);
            }
        }
        assert_eq!(
            verify(&token("ec", Algorithm::ES256, &ec(), &c)).unwrap_err(),
            expected,
            "{key}"
        );
    };
    check("aud", Some(json!("other-api")), JwtError::WrongAudience);
    check("aud", Some(json!(["x", "y"])), JwtError::WrongAudience);
    check("aud", None, JwtError::MissingClaim("aud".into()));
    check(
        "iss",
        Some(json!("https://evil.example")),
        JwtError::WrongIssuer,
    );
    check("iss", None, JwtError::MissingClaim("iss".into()));
    let mut c = claims();
    c["aud"] = json!(["other", AUD]);
    assert!(verify(&token("ec", Algorithm::ES256, &ec(), &c)).is_ok());
}

#[test]
fn kid_attacks() {
    let c = claims();
    assert_eq!(
        verify(&token("nope", Algorithm::RS256, &rsa(), &c)).unwrap_err(),
        JwtError::UnknownKid("nope".into())
    );
    for kid in [
        "../../../../dev/null",
        "/etc/passwd",
        "rsa\0",
        "rsa/../rsa",
        " rsa",
        "RSA",
        "' OR 1=1 --",
    ] {
        assert!(
            matches!(
                verify(&token(kid, Algorithm::RS256, &rsa(), &c)).unwrap_err(),
                JwtError::UnknownKid(_)
            ),
            "{kid:?}"
        );
    }
    let long = "k".repeat(5000);
    match verify(&token(&long, Algorithm::RS256, &rsa(), &c)).unwrap_err() {
        JwtError::UnknownKid(k) => assert!(k.len() <= 64, "attacker strings are truncated"),
        e => panic!("{e:?}"),
    }
    // Without kid: accepted only when exactly one key allows the algorithm
    // (here one RSA key), refused when several do (see jwks_tolerance.rs).
    let no_kid = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &c, &rsa()).unwrap();
    assert!(verify(&no_kid).is_ok());
    // The one key that allows the algorithm must also have signed it.
    let other = EncodingKey::from_rsa_pem(&fixture("rsa1024.pem")).unwrap();
    let wrong_key = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &c, &other).unwrap();
    assert_eq!(verify(&wrong_key).unwrap_err(), JwtError::InvalidSignature);
    let numeric = raw(
        r#"{"alg":"RS256","kid":1}"#,
        &c.to_string(),
        &rsa(),
        Algorithm::RS256,
    );
    assert!(matches!(
        verify(&numeric).unwrap_err(),
        JwtError::Malformed(_)
    ));
}

#[test]
fn key_carrying_headers_are_ignored() {
    // An attacker's own key pair, offered through every header that can carry
    // or point at a key: the token must still be checked against our keys.
    let attacker = EncodingKey::from_secret(b"attacker-controlled-secret-32-bytes!!");
    let attacker_jwk =
        serde_json::to_value(Jwk::from_encoding_key(&ec(), Algorithm::ES256).unwrap()).unwrap();
    for extra in [
        json!({"jku": "https://evil.example/jwks.json"}),
        json!({"x5u": "https://evil.example/cert.pem"}),
        json!({"jwk": attacker_jwk}),
        json!({"x5c": ["MIIB"]}),
    ] {
        let mut header = json!({"alg": "HS256", "kid": "hmac", "typ": "JWT"});
        header
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let t = raw(
            &header.to_string(),
            &claims().to_string(),
            &attacker,
            Algorithm::HS256,
        );
        assert_eq!(
            verify(&t).unwrap_err(),
            JwtError::InvalidSignature,
            "{header}"
        );
        // Signed with our key, the same header is fine: the key headers are ignored.
        let t = raw(
            &header.to_string(),
            &claims().to_string(),
            &EncodingKey::from_secret(HMAC),
            Algorithm::HS256,
        );
        assert!(verify(&t).is_ok());
    }
}

#[test]
fn crit_headers_are_refused() {
    let t = raw(
        r#"{"alg":"ES256","kid":"ec","crit":["exp"],"exp":1}"#,
        &claims().to_string(),
        &ec(),
        Algorithm::ES256,
    );
    assert_eq!(verify(&t).unwrap_err(), JwtError::CriticalHeader);
    let t = raw(
        r#"{"alg":"ES256","kid":"ec","crit":[]}"#,
        &claims().to_string(),
        &ec(),
        Algorithm::ES256,
    );
    assert_eq!(verify(&t).unwrap_err(), JwtError::CriticalHeader);
}

#[test]
fn signature_tampering() {
    let t = token("ed", Algorithm::EdDSA, &ed(), &claims());
    let (msg, sig) = t.rsplit_once('.').unwrap();
    // stripped
    assert_eq!(
        verify(&format!("{msg}.")).unwrap_err(),
        JwtError::InvalidSignature
    );
    // truncated
    assert_eq!(
        verify(&format!("{msg}.{}", &sig[..sig.len() - 4])).unwrap_err(),
        JwtError::InvalidSignature
    );
    // garbage, including non-base64
    assert_eq!(
        verify(&format!("{msg}.AAAA")).unwrap_err(),
        JwtError::InvalidSignature
    );
    assert_eq!(
        verify(&format!("{msg}.!!!")).unwrap_err(),
        JwtError::InvalidSignature
    );
    // another token's signature
    let mut other = claims();
    other["sub"] = json!("mallory");
    let t2 = token("ed", Algorithm::EdDSA, &ed(), &other);
    let (msg2, _) = t2.rsplit_once('.').unwrap();
    assert_eq!(
        verify(&format!("{msg2}.{sig}")).unwrap_err(),
        JwtError::InvalidSignature
    );
    // modified claims, original signature
    let (h, _) = msg.split_once('.').unwrap();
    assert_eq!(
        verify(&format!("{h}.{}.{sig}", B64.encode(other.to_string()))).unwrap_err(),
        JwtError::InvalidSignature
    );
}

#[test]
fn segment_counts_and_garbage() {
    let t = token("rsa", Algorithm::RS256, &rsa(), &claims());
    let parts: Vec<&str> = t.split('.').collect();
    assert!(matches!(
        verify(&format!("{}.{}", parts[0], parts[1])).unwrap_err(),
        JwtError::Malformed(_)
    ));
    assert!(matches!(
        verify(&format!("{t}.extra")).unwrap_err(),
        JwtError::Malformed(_)
    ));
    for bad in [
        "",
        ".",
        "..",
        "a.b.c",
        "a.b",
        "eyJ.eyJ.x",
        "....",
        "\u{0}.\u{0}.\u{0}",
    ] {
        assert!(verify(bad).is_err(), "{bad:?}");
    }
    // JWE-shaped (five segments)
    assert!(matches!(
        verify("a.b.c.d.e").unwrap_err(),
        JwtError::Malformed(_)
    ));
    // header that is JSON but not an object
    let t = format!("{}.{}.x", B64.encode("[1]"), B64.encode("{}"));
    assert!(matches!(verify(&t).unwrap_err(), JwtError::Malformed(_)));
    // unknown algorithm
    let t = format!(
        "{}.{}.x",
        B64.encode(r#"{"alg":"HS1024","kid":"hmac"}"#),
        B64.encode("{}")
    );
    assert_eq!(
        verify(&t).unwrap_err(),
        JwtError::UnsupportedAlgorithm("HS1024".into())
    );
}

#[test]
fn oversized_tokens_are_refused_before_decoding() {
    let mut c = claims();
    c["pad"] = json!("x".repeat(10_000));
    let t = token("rsa", Algorithm::RS256, &rsa(), &c);
    assert!(matches!(
        verify(&t).unwrap_err(),
        JwtError::TooLarge { limit: 8192, .. }
    ));
    assert!(matches!(
        verify(&"a".repeat(1 << 20)).unwrap_err(),
        JwtError::TooLarge { .. }
    ));
}

#[test]
fn duplicate_claims_and_headers_are_refused() {
    let exp = now() + 600;
    let dup_sub =
        format!(r#"{{"sub":"alice","sub":"admin","iss":"{ISS}","aud":"{AUD}","exp":{exp}}}"#);
    let t = raw(
        r#"{"alg":"RS256","kid":"rsa"}"#,
        &dup_sub,
        &rsa(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify(&t).unwrap_err(),
        JwtError::DuplicateMember("sub".into())
    );
    let dup_exp = format!(r#"{{"sub":"a","iss":"{ISS}","aud":"{AUD}","exp":1,"exp":{exp}}}"#);
    let t = raw(
        r#"{"alg":"RS256","kid":"rsa"}"#,
        &dup_exp,
        &rsa(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify(&t).unwrap_err(),
        JwtError::DuplicateMember("exp".into())
    );
    let t = raw(
        r#"{"alg":"RS256","kid":"rsa","kid":"ec"}"#,
        &claims().to_string(),
        &rsa(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify(&t).unwrap_err(),
        JwtError::DuplicateMember("kid".into())
    );
    let t = raw(
        r#"{"alg":"HS256","alg":"RS256","kid":"rsa"}"#,
        &claims().to_string(),
        &rsa(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify(&t).unwrap_err(),
        JwtError::DuplicateMember("alg".into())
    );
}

#[test]
fn cognito_checks() {
    let keys = KeySet::from_jwks_json(&jwks()).unwrap();
    let access = JwtVerifier::new(
        JwtConfig::cognito_access(ISS, ["client-1"]).unwrap(),
        keys.clone(),
    );
    let c = json!({"sub": "u", "iss": ISS, "exp": now() + 60, "token_use": "access", "client_id": "client-1",
        "scope": "logs:read", "cognito:groups": ["admins"]});
    let v = access
        .verify_with_cached_keys(&token("rsa", Algorithm::RS256, &rsa(), &c))
        .unwrap();
    assert!(v.groups().contains("admins"));
    let mut wrong_use = c.clone();
    wrong_use["token_use"] = json!("id");
    assert_eq!(
        access
            .verify_with_cached_keys(&token("rsa", Algorithm::RS256, &rsa(), &wrong_use))
            .unwrap_err(),
        JwtError::WrongTokenUse("access")
    );
    let mut wrong_client = c.clone();
    wrong_client["client_id"] = json!("client-2");
    assert_eq!(
        access
            .verify_with_cached_keys(&token("rsa", Algorithm::RS256, &rsa(), &wrong_client))
            .unwrap_err(),
        JwtError::WrongClient
    );

    let id = JwtVerifier::new(JwtConfig::cognito_id(ISS, ["client-1"]).unwrap(), keys);
    let c =
        json!({"sub": "u", "iss": ISS, "aud": "client-1", "exp": now() + 60, "token_use": "id"});
    assert!(
        id.verify_with_cached_keys(&token("ec", Algorithm::ES256, &ec(), &c))
            .is_ok()
    );
}

#[test]
fn jwks_validation() {
    assert!(matches!(
        KeySet::from_jwks_json("{}"),
        Err(JwtConfigError::InvalidJwks(_))
    ));
    assert!(matches!(
        KeySet::from_jwks_json(r#"{"keys":[]}"#),
        Err(JwtConfigError::InvalidJwks(_))
    ));
    // A set whose only key is symmetric has nothing to verify with.
    let oct = r#"{"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]}"#;
    assert!(matches!(
        KeySet::from_jwks_json(oct),
        Err(JwtConfigError::InvalidJwks(_))
    ));
    // An RSA key that declares ES256 is skipped: algorithm and key type must
    // agree. The other keys still load.
    let mut set: Value = serde_json::from_str(&jwks()).unwrap();
    set["keys"][0]["alg"] = json!("ES256");
    let keys = KeySet::from_jwks_json(&set.to_string()).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys.skipped()[0].kid.as_deref(), Some("rsa"));
    assert!(matches!(
        KeySet::new().with_hmac("k", b"short"),
        Err(JwtConfigError::WeakHmacSecret(_))
    ));
}

#[tokio::test]
async fn unknown_kid_refreshes_at_most_once_per_interval() {
    use secure_serverless::jwt::JwksFile;
    let path = std::env::temp_dir().join(format!("jwks-{}.json", std::process::id()));
    // Start with only the EC key published.
    let mut set: Value = serde_json::from_str(&jwks()).unwrap();
    let all = set.clone();
    set["keys"] = json!([all["keys"][1].clone()]);
    std::fs::write(&path, set.to_string()).unwrap();
    let config = JwtConfig::new(ISS, [AUD])
        .unwrap()
        .min_refresh_interval(std::time::Duration::from_millis(200));
    let v = JwtVerifier::load(config, JwksFile(path.clone()))
        .await
        .unwrap();
    let t = token("rsa", Algorithm::RS256, &rsa(), &claims());
    // Just loaded: an unknown kid does not trigger another fetch yet.
    assert!(matches!(v.verify(&t).await, Err(JwtError::UnknownKid(_))));
    // The issuer publishes the RSA key; after the interval the refresh finds it.
    std::fs::write(&path, all.to_string()).unwrap();
    assert!(
        matches!(v.verify(&t).await, Err(JwtError::UnknownKid(_))),
        "still rate-limited"
    );
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    assert!(v.verify(&t).await.is_ok());
    std::fs::remove_file(&path).unwrap();
}

/// Every algorithm `jsonwebtoken` names, with public keys from PEM files:
/// valid tokens verify, tampered ones do not, and on every token the ring
/// verifier agrees with jsonwebtoken's own RustCrypto backend.
#[test]
fn every_algorithm_verifies_and_agrees_with_jsonwebtoken() {
    use jsonwebtoken::DecodingKey;
    let cases: Vec<(Algorithm, EncodingKey, DecodingKey)> = {
        let rsa_pub = || DecodingKey::from_rsa_pem(&fixture("rsa.pub.pem")).unwrap();
        let hmac = || {
            (
                EncodingKey::from_secret(HMAC),
                DecodingKey::from_secret(HMAC),
            )
        };
        vec![
            (Algorithm::HS256, hmac().0, hmac().1),
            (Algorithm::HS384, hmac().0, hmac().1),
            (Algorithm::HS512, hmac().0, hmac().1),
            (Algorithm::RS256, rsa(), rsa_pub()),
            (Algorithm::RS384, rsa(), rsa_pub()),
            (Algorithm::RS512, rsa(), rsa_pub()),
            (Algorithm::PS256, rsa(), rsa_pub()),
            (Algorithm::PS384, rsa(), rsa_pub()),
            (Algorithm::PS512, rsa(), rsa_pub()),
            (
                Algorithm::ES256,
                ec(),
                DecodingKey::from_ec_pem(&fixture("ec.pub.pem")).unwrap(),
            ),
            (
                Algorithm::ES384,
                EncodingKey::from_ec_pem(&fixture("ec384.pem")).unwrap(),
                DecodingKey::from_ec_pem(&fixture("ec384.pub.pem")).unwrap(),
            ),
            (
                Algorithm::EdDSA,
                ed(),
                DecodingKey::from_ed_pem(&fixture("ed.pub.pem")).unwrap(),
            ),
        ]
    };
    for (alg, signing, public) in cases {
        let v = JwtVerifier::new(
            JwtConfig::new(ISS, [AUD]).unwrap(),
            KeySet::new().with_key("k", public.clone(), &[alg]),
        );
        let good = token("k", alg, &signing, &claims());
        let (msg, sig) = good.rsplit_once('.').unwrap();
        let mut other = claims();
        other["sub"] = json!("mallory");
        let forged_claims = format!(
            "{}.{}",
            msg.split_once('.').unwrap().0,
            B64.encode(other.to_string())
        );
        let mut flipped = B64.decode(sig).unwrap();
        flipped[0] ^= 1;
        let flipped = B64.encode(flipped);
        for (message, signature, valid) in [
            (msg, sig, true),
            (forged_claims.as_str(), sig, false),
            (msg, flipped.as_str(), false),
        ] {
            let ours = v.verify_with_cached_keys(&format!("{message}.{signature}"));
            let theirs =
                jsonwebtoken::crypto::verify(signature, message.as_bytes(), &public, alg).unwrap();
            assert_eq!(theirs, valid, "{alg:?}: jsonwebtoken's backend");
            match ours {
                Ok(c) => assert!(
                    valid && c.subject() == "alice",
                    "{alg:?} accepted a forgery"
                ),
                Err(e) => assert!(
                    !valid && e == JwtError::InvalidSignature,
                    "{alg:?}: valid={valid}: {e:?}"
                ),
            }
        }
    }
}

/// RSA keys under 2048 bits are too weak: tokens they sign never verify.
#[test]
fn short_rsa_keys_never_verify() {
    let public = jsonwebtoken::DecodingKey::from_rsa_pem(&fixture("rsa1024.pub.pem")).unwrap();
    let v = JwtVerifier::new(
        JwtConfig::new(ISS, [AUD]).unwrap(),
        KeySet::new().with_key("short", public, &[Algorithm::RS256]),
    );
    let signing = EncodingKey::from_rsa_pem(&fixture("rsa1024.pem")).unwrap();
    let t = token("short", Algorithm::RS256, &signing, &claims());
    assert_eq!(
        v.verify_with_cached_keys(&t).unwrap_err(),
        JwtError::InvalidSignature
    );
}

/// Some JWKS publish the RSA modulus with a leading zero octet; it is the
/// same key.
#[test]
fn a_jwk_modulus_with_a_leading_zero_still_verifies() {
    let mut jwk: Value =
        serde_json::to_value(Jwk::from_encoding_key(&rsa(), Algorithm::RS256).unwrap()).unwrap();
    let n = B64.decode(jwk["n"].as_str().unwrap()).unwrap();
    let mut padded = vec![0u8];
    padded.extend_from_slice(&n);
    jwk["n"] = json!(B64.encode(padded));
    jwk["kid"] = json!("rsa");
    let keys = KeySet::from_jwks_json(&json!({ "keys": [jwk] }).to_string()).unwrap();
    let v = JwtVerifier::new(JwtConfig::new(ISS, [AUD]).unwrap(), keys);
    let t = token("rsa", Algorithm::RS256, &rsa(), &claims());
    assert_eq!(v.verify_with_cached_keys(&t).unwrap().subject(), "alice");
}
