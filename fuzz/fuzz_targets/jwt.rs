//! The JWT verifier against a fixed key set (the fixture RSA, EC P-256 and
//! Ed25519 keys from a JWKS, plus one HMAC secret), on arbitrary tokens.
//!
//! Three modes, picked by the first byte:
//! * raw: the rest of the input is the token;
//! * built: the fuzzer chooses every header and claim member (known-good and
//!   known-bad values, duplicates, `crit`, `jwk`, `alg: none` in any casing,
//!   wrong key types, key confusion with the RSA public key as an HMAC
//!   secret, odd base64) and the target signs the token for real;
//! * JWKS: the rest of the input is a JWKS document for `KeySet::from_jwks_json`;
//! * discovery: the rest is an OpenID discovery document for
//!   `DiscoveryDocument::parse`, which must take it only when its `issuer`
//!   is exactly the expected one and it names a `jwks_uri`.
//!
//! The verifier accepts two issuers: the fixture's keys belong to the first;
//! the second publishes an HMAC key under the same `kid` ("hmac") with
//! another secret, so a token that names the second issuer but is signed
//! with a key of the first must never pass.
//!
//! Invariants: never a panic; a token is accepted only if an independent
//! check agrees it must be (signed with the key its `kid` names, with that
//! key's one algorithm, never `none`; no `crit`; no duplicate members; `exp`
//! present and not past, `nbf` not future, `iss` and `aud` accepted; within
//! the size cap); and a canonical, well-formed token is always accepted.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Unstructured;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD as B64};
use fuzz_support::{keys, object_members, pick};
use hmac::{Hmac, Mac};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use libfuzzer_sys::fuzz_target;
use secure_serverless::jwt::{DiscoveryDocument, JwtConfig, JwtVerifier, KeySet, VerifiedClaims};
use serde_json::{Value, json};

const ISS: &str = "https://issuer.example";
/// The second issuer, whose only key reuses the `kid` "hmac".
const ISS_B: &str = "https://other-issuer.example";
const HMAC_SECRET_B: &[u8] = b"another-issuer-secret-of-32-bytes-or-more";
const AUD: &str = "logs-api";
const HMAC_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-fuzz";
const LEEWAY: u64 = 30;
const MAX_TOKEN: usize = 8 * 1024;

/// kid -> the one algorithm that key allows.
const KIDS: &[(&str, &str)] = &[
    ("hmac", "HS256"),
    ("rsa", "RS256"),
    ("ec", "ES256"),
    ("ed", "EdDSA"),
];

struct Fixture {
    verifier: JwtVerifier,
    rsa: EncodingKey,
    ec: EncodingKey,
    ed: EncodingKey,
    hmac: EncodingKey,
    wrong_hmac: EncodingKey,
    /// The key-confusion attack: the RSA public key's PEM text as an HMAC secret.
    rsa_pub_as_hmac: EncodingKey,
    rsa_pub: DecodingKey,
    ec_pub: DecodingKey,
    ed_pub: DecodingKey,
}

static FIX: LazyLock<Fixture> = LazyLock::new(|| {
    let rsa = EncodingKey::from_rsa_pem(keys::RSA_PRIVATE).unwrap();
    let ec = EncodingKey::from_ec_pem(keys::EC_PRIVATE).unwrap();
    let ed = EncodingKey::from_ed_pem(keys::ED_PRIVATE).unwrap();
    let mut jwks = Vec::new();
    for (kid, key, alg) in [
        ("rsa", &rsa, Algorithm::RS256),
        ("ec", &ec, Algorithm::ES256),
        ("ed", &ed, Algorithm::EdDSA),
    ] {
        let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
        jwk.common.key_id = Some(kid.into());
        jwks.push(jwk);
    }
    let keys = KeySet::from_jwks_json(&serde_json::to_string(&JwkSet { keys: jwks }).unwrap())
        .unwrap()
        .with_hmac("hmac", HMAC_SECRET)
        .unwrap();
    let config = |iss: &str| {
        JwtConfig::new(iss, [AUD])
            .unwrap()
            .leeway(std::time::Duration::from_secs(LEEWAY))
            .unwrap()
            .max_token_bytes(MAX_TOKEN)
    };
    let keys_b = KeySet::new().with_hmac("hmac", HMAC_SECRET_B).unwrap();
    Fixture {
        verifier: JwtVerifier::any_of([
            JwtVerifier::new(config(ISS), keys),
            JwtVerifier::new(config(ISS_B), keys_b),
        ])
        .unwrap(),
        rsa,
        ec,
        ed,
        hmac: EncodingKey::from_secret(HMAC_SECRET),
        wrong_hmac: EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef-wrong"),
        rsa_pub_as_hmac: EncodingKey::from_secret(keys::RSA_PUBLIC),
        rsa_pub: DecodingKey::from_rsa_pem(keys::RSA_PUBLIC).unwrap(),
        ec_pub: DecodingKey::from_ec_pem(keys::EC_PUBLIC).unwrap(),
        ed_pub: DecodingKey::from_ed_pem(keys::ED_PUBLIC).unwrap(),
    }
});

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fuzz_target!(|data: &[u8]| {
    let fix = &*FIX;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => {
            let token = String::from_utf8_lossy(rest);
            let result = fix.verifier.verify_with_cached_keys(&token);
            if let Ok(claims) = result {
                check_accepted(fix, &token, &claims);
            }
        }
        3 => {
            let text = String::from_utf8_lossy(rest);
            if let Ok(keys) = KeySet::from_jwks_json(&text) {
                let v = JwtVerifier::new(JwtConfig::new(ISS, [AUD]).unwrap(), keys);
                let _ = v.verify_with_cached_keys("eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYSJ9.e30.c2ln");
            }
        }
        4 => discovery(&String::from_utf8_lossy(rest)),
        _ => built(fix, &mut Unstructured::new(rest)),
    }
});

/// A discovery document is taken only for exactly the expected issuer, and
/// its `jwks_uri` is the document's own.
fn discovery(text: &str) {
    let Ok(doc) = DiscoveryDocument::parse(text, ISS) else {
        return;
    };
    let parsed: serde_json::Map<String, Value> =
        serde_json::from_str(text).expect("took a document that is not a JSON object");
    assert_eq!(parsed.get("issuer"), Some(&json!(ISS)), "took another issuer's document");
    assert_eq!(
        parsed.get("jwks_uri"),
        Some(&json!(doc.jwks_uri())),
        "jwks_uri differs from the document's"
    );
}

/// A JSON member, kept as a pair so duplicates and odd types are possible.
fn member(k: &str, v: &Value) -> (String, Value) {
    (k.to_owned(), v.clone())
}

/// The object's text, members in the given order, duplicates kept.
fn object_text(members: &[(String, Value)]) -> String {
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), v))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn has_duplicates(members: &[(String, Value)]) -> bool {
    let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Signer {
    /// The key that belongs to the header's algorithm family.
    Correct,
    WrongHmac,
    RsaPublicAsHmac,
    Empty,
    Garbage,
}

fn built(fix: &Fixture, u: &mut Unstructured<'_>) {
    let t = now();
    // Everything "exotic" makes the expected outcome a matter of jsonwebtoken's
    // own parsing; only the safety direction is checked then.
    let mut exotic = false;
    let mut canonical = true;

    // Header.
    const ALGS: &[&str] = &[
        "HS256", "RS256", "ES256", "EdDSA", "HS384", "HS512", "RS384", "RS512", "PS256", "PS384",
        "PS512", "ES384", "none", "None", "NONE", "nOnE", "", "hs256", "ED25519",
    ];
    let mut header: Vec<(String, Value)> = Vec::new();
    let alg: Option<String> = match u.int_in_range(0..=9).unwrap_or(0) {
        0 => None,
        1 => {
            let v = u.arbitrary::<String>().unwrap_or_default();
            Some(v)
        }
        2 => {
            header.push(member("alg", &json!(5)));
            canonical = false;
            None
        }
        _ => Some(pick(u, ALGS).to_string()),
    };
    if let Some(a) = &alg {
        header.push(member("alg", &json!(a)));
    }
    let kid: Option<String> = match u.int_in_range(0..=9).unwrap_or(0) {
        0 => None,
        1 => Some(u.arbitrary::<String>().unwrap_or_default()),
        2 => Some(pick(u, &["unknown", "", "HMAC", "../hmac", "hmac ", "rsa\0"]).to_string()),
        3 => {
            header.push(member("kid", &json!(1)));
            canonical = false;
            None
        }
        _ => Some(pick(u, KIDS).0.to_string()),
    };
    if let Some(k) = &kid {
        header.push(member("kid", &json!(k)));
    }
    let mut crit = false;
    for _ in 0..u.int_in_range(0..=3).unwrap_or(0) {
        match u.int_in_range(0..=7).unwrap_or(0) {
            0 => header.push(member("typ", &json!("JWT"))),
            1 => {
                header.push(member("crit", &json!(["exp"])));
                crit = true;
            }
            2 => {
                header.push(member("alg", &json!(pick(u, ALGS))));
            }
            3 => {
                header.push(member("kid", &json!(pick(u, KIDS).0)));
            }
            4 => {
                header.push(member("jku", &json!("https://attacker.example/jwks")));
                exotic = true;
            }
            5 => {
                header.push(member(
                    "jwk",
                    &json!({"kty": "oct", "k": B64.encode(b"attacker-secret-attacker-secret!")}),
                ));
                exotic = true;
            }
            6 => {
                header.push(member("typ", &json!(5)));
                exotic = true;
            }
            _ => {
                header.push(member("x5u", &json!("https://attacker.example/cert")));
                exotic = true;
            }
        }
    }
    if u.ratio(1, 16).unwrap_or(false) {
        header.reverse();
    }

    // Claims.
    let mut claims: Vec<(String, Value)> = Vec::new();
    let mut claims_ok = true;
    let iss = *pick(u, &[0u8, 0, 0, 0, 1, 2, 3, 4, 5]);
    match iss {
        0 => claims.push(member("iss", &json!(ISS))),
        5 => {
            // The second issuer: every signer here holds the first one's keys.
            claims.push(member("iss", &json!(ISS_B)));
            claims_ok = false;
        }
        1 => {
            claims.push(member("iss", &json!("https://attacker.example")));
            claims_ok = false;
        }
        2 => {
            claims.push(member("iss", &json!([ISS])));
            claims_ok = false;
        }
        3 => {
            claims.push(member("iss", &json!(ISS)));
            claims.push(member("iss", &json!("https://attacker.example")));
        }
        _ => claims_ok = false,
    }
    match *pick(u, &[0u8, 0, 0, 1, 2, 3, 4, 5, 6, 7]) {
        0 => claims.push(member("aud", &json!(AUD))),
        1 => claims.push(member("aud", &json!(["other", AUD]))),
        2 => {
            claims.push(member("aud", &json!("other")));
            claims_ok = false;
        }
        3 => {
            claims.push(member("aud", &json!([])));
            claims_ok = false;
        }
        4 => {
            claims.push(member("aud", &json!([5])));
            claims_ok = false;
        }
        5 => {
            claims.push(member("aud", &json!("other")));
            claims.push(member("aud", &json!(AUD)));
        }
        6 => {
            claims.push(member("aud", &json!(AUD.to_uppercase())));
            claims_ok = false;
        }
        _ => claims_ok = false,
    }
    match *pick(u, &[0u8, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]) {
        0 => claims.push(member("exp", &json!(t + 3600))),
        1 => claims.push(member("exp", &json!(t - 10))), // within the leeway
        2 => claims.push(member("exp", &json!(u64::MAX))),
        3 => {
            claims.push(member("exp", &json!(t - 3600)));
            claims_ok = false;
        }
        4 => {
            claims.push(member("exp", &json!((t + 3600).to_string())));
            claims_ok = false;
        }
        5 => {
            claims.push(member("exp", &json!((t + 3600) as f64 + 0.5)));
            claims_ok = false;
        }
        6 => {
            claims.push(member("exp", &json!(-1)));
            claims_ok = false;
        }
        7 => {
            claims.push(member("exp", &json!(t - 3600)));
            claims.push(member("exp", &json!(t + 3600)));
        }
        _ => claims_ok = false,
    }
    match *pick(u, &[0u8, 0, 0, 1, 2, 3, 4]) {
        0 => {}
        1 => claims.push(member("nbf", &json!(t - 100))),
        2 => claims.push(member("nbf", &json!(t + 10))), // within the leeway
        3 => {
            claims.push(member("nbf", &json!(t + 3600)));
            claims_ok = false;
        }
        _ => {
            claims.push(member("nbf", &json!("soon")));
            claims_ok = false;
        }
    }
    match *pick(u, &[0u8, 0, 1, 2, 3]) {
        0 => claims.push(member("sub", &json!("alice"))),
        1 => {}
        2 => {
            claims.push(member("sub", &json!(5)));
            claims_ok = false;
        }
        _ => {
            claims.push(member("sub", &json!("alice")));
            claims.push(member("sub", &json!("admin")));
        }
    }
    match *pick(u, &[0u8, 0, 1, 2, 3]) {
        0 => claims.push(member("scope", &json!("logs:read logs:write"))),
        1 => claims.push(member("scp", &json!(["logs:read"]))),
        2 => {
            claims.push(member("scope", &json!(5)));
            claims_ok = false;
        }
        _ => {}
    }
    if u.ratio(1, 8).unwrap_or(false) {
        let k = u.arbitrary::<String>().unwrap_or_default();
        claims.push(member(
            &k,
            &json!(u.arbitrary::<String>().unwrap_or_default()),
        ));
        exotic = true;
    }
    if u.ratio(1, 16).unwrap_or(false) {
        claims.reverse();
    }

    // What the verifier sees: the first member of each name (a second one
    // is a duplicate, refused on its own).
    let first = |m: &[(String, Value)], name: &str| {
        m.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    };
    let alg = first(&header, "alg");
    let kid = first(&header, "kid");
    let header_dup = has_duplicates(&header);
    let claims_dup = has_duplicates(&claims);
    let header_text = object_text(&header);
    let claims_text = object_text(&claims);
    let enc = match u.int_in_range(0..=11).unwrap_or(0) {
        0 => {
            canonical = false;
            1
        }
        1 => {
            canonical = false;
            2
        }
        _ => 0,
    };
    let encode = |b: &[u8]| match enc {
        1 => URL_SAFE.encode(b),
        2 => STANDARD.encode(b),
        _ => B64.encode(b),
    };
    let signing_input = format!(
        "{}.{}",
        encode(header_text.as_bytes()),
        encode(claims_text.as_bytes())
    );

    let signer = *pick(
        u,
        &[
            Signer::Correct,
            Signer::Correct,
            Signer::Correct,
            Signer::Correct,
            Signer::WrongHmac,
            Signer::RsaPublicAsHmac,
            Signer::Empty,
            Signer::Garbage,
        ],
    );
    let parsed_alg = alg.as_deref().and_then(|a| a.parse::<Algorithm>().ok());
    let signature = match (signer, parsed_alg) {
        (Signer::Correct, Some(a)) => {
            let key = match a {
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => &fix.hmac,
                Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512 => &fix.rsa,
                Algorithm::ES256 => &fix.ec,
                Algorithm::EdDSA => &fix.ed,
                _ => return, // ES384 with a P-256 key: nothing to sign with
            };
            jsonwebtoken::crypto::sign(signing_input.as_bytes(), key, a).unwrap()
        }
        (Signer::WrongHmac, _) => {
            jsonwebtoken::crypto::sign(signing_input.as_bytes(), &fix.wrong_hmac, Algorithm::HS256)
                .unwrap()
        }
        (Signer::RsaPublicAsHmac, _) => jsonwebtoken::crypto::sign(
            signing_input.as_bytes(),
            &fix.rsa_pub_as_hmac,
            Algorithm::HS256,
        )
        .unwrap(),
        (Signer::Garbage, _) => B64.encode(u.arbitrary::<Vec<u8>>().unwrap_or_default()),
        (Signer::Empty, _) | (Signer::Correct, None) => String::new(),
    };
    let token = format!("{signing_input}.{signature}");

    let result = fix.verifier.verify_with_cached_keys(&token);
    if let Ok(claims) = &result {
        check_accepted(fix, &token, claims);
    }
    // The reference decision for ordinary tokens.
    // Without kid, the one key that allows the token's algorithm, if exactly
    // one does.
    let kid_alg = match kid.as_deref() {
        Some(k) => KIDS.iter().find(|(kid, _)| *kid == k).map(|(_, a)| *a),
        None => alg.as_deref().and_then(|a| {
            let mut keys = KIDS.iter().filter(|(_, x)| *x == a);
            match (keys.next(), keys.next()) {
                (Some((_, x)), None) => Some(*x),
                _ => None,
            }
        }),
    };
    let expected = signer == Signer::Correct
        && alg.is_some()
        && kid_alg.is_some()
        && alg.as_deref() == kid_alg
        && !crit
        && !header_dup
        && !claims_dup
        && claims_ok
        && token.len() <= MAX_TOKEN;
    if !exotic && canonical {
        assert_eq!(
            result.is_ok(),
            expected,
            "verifier and reference disagree on {header_text} {claims_text} signed by {signer:?}: {result:?}"
        );
    } else if !expected {
        assert!(
            result.is_err(),
            "accepted {header_text} {claims_text}: {result:?}"
        );
    }
}

/// Independent checks on a token the verifier accepted.
fn check_accepted(fix: &Fixture, token: &str, claims: &VerifiedClaims) {
    assert!(token.len() <= MAX_TOKEN, "accepted an oversized token");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "accepted a token without three segments");
    let decode = |s: &str| {
        B64.decode(s.trim_end_matches('='))
            .or_else(|_| URL_SAFE.decode(s))
            .or_else(|_| STANDARD.decode(s))
            .expect("accepted a segment that is not base64")
    };
    let header =
        object_members(&decode(parts[0])).expect("accepted a header that is not an object");
    let body = object_members(&decode(parts[1])).expect("accepted claims that are not an object");
    let unique = |m: &[(String, Value)]| {
        let mut keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).all(|w| w[0] != w[1])
    };
    assert!(unique(&header), "accepted duplicate header members");
    assert!(unique(&body), "accepted duplicate claims");
    let get =
        |m: &[(String, Value)], k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let alg = get(&header, "alg").and_then(|v| v.as_str().map(str::to_owned));
    let kid = get(&header, "kid").and_then(|v| v.as_str().map(str::to_owned));
    let alg = alg.expect("accepted without alg");
    // Without kid, a token may only be accepted when exactly one key allows
    // its algorithm; that key is the one it must be signed with.
    let kid = kid.unwrap_or_else(|| {
        let mut keys = KIDS.iter().filter(|(_, a)| *a == alg);
        match (keys.next(), keys.next()) {
            (Some((k, _)), None) => (*k).to_owned(),
            _ => panic!("accepted a token without kid whose algorithm {alg} is not one key's"),
        }
    });
    assert!(
        !alg.eq_ignore_ascii_case("none"),
        "accepted an unsigned token"
    );
    let allowed = KIDS.iter().find(|(k, _)| *k == kid).map(|(_, a)| *a);
    assert_eq!(
        Some(alg.as_str()),
        allowed,
        "accepted alg {alg} for kid {kid}"
    );
    assert!(get(&header, "crit").is_none(), "accepted a crit header");

    // The signature, checked without the verifier.
    let signing_input = &token[..parts[0].len() + 1 + parts[1].len()];
    let sig = decode(parts[2]);
    let ok = match kid.as_str() {
        "hmac" => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(HMAC_SECRET).unwrap();
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&sig).is_ok()
        }
        k => {
            let (key, a) = match k {
                "rsa" => (&fix.rsa_pub, Algorithm::RS256),
                "ec" => (&fix.ec_pub, Algorithm::ES256),
                _ => (&fix.ed_pub, Algorithm::EdDSA),
            };
            jsonwebtoken::crypto::verify(parts[2], signing_input.as_bytes(), key, a)
                .unwrap_or(false)
        }
    };
    assert!(
        ok,
        "accepted a token whose signature does not verify with kid {kid}"
    );

    // Claims.
    let t = now();
    let exp = get(&body, "exp")
        .and_then(|v| v.as_u64())
        .expect("accepted without a numeric exp");
    assert!(exp.saturating_add(LEEWAY) >= t, "accepted an expired token");
    if let Some(nbf) = get(&body, "nbf") {
        let nbf = nbf.as_u64().expect("accepted a non-numeric nbf");
        assert!(nbf <= t + LEEWAY, "accepted a token before its nbf");
    }
    assert_eq!(
        get(&body, "iss"),
        Some(json!(ISS)),
        "accepted a foreign issuer"
    );
    match get(&body, "aud") {
        Some(Value::String(a)) => assert_eq!(a, AUD, "accepted a foreign audience"),
        Some(Value::Array(a)) => assert!(a.contains(&json!(AUD)), "accepted a foreign audience"),
        other => panic!("accepted aud {other:?}"),
    }
    let sub = get(&body, "sub");
    assert_eq!(
        claims.subject(),
        sub.as_ref().and_then(Value::as_str).unwrap_or(""),
        "subject differs from the sub claim"
    );
}
