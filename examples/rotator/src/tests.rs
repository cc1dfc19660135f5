//! Unit tests of the configuration and the step logic (whole rotations
//! against fakes are in `tests/rotation.rs`).

use std::collections::HashMap;
use std::time::Duration;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

const FULL: &[(&str, &str)] = &[
    ("DISTRIBUTION_ID", "E2QWRUHAPOMQZL"),
    ("ORIGIN_ID", "api"),
    ("ORIGIN_HEADER", "X-Origin-Verify"),
    ("WEB_ACL_NAME", "secure-serverless-origin-verify"),
    ("WEB_ACL_ID", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
    ("WEB_ACL_SCOPE", "REGIONAL"),
    ("WAF_RULE_NAME", "allow-origin-verify"),
    ("AUTHORIZER_SECRETS_MANAGER_TTL", "60"),
];

#[test]
fn config_from_env() {
    let c = Config::from_lookup(env(FULL)).unwrap();
    assert_eq!(c.origin.header_name, "X-Origin-Verify");
    assert_eq!(c.rule.header_name, "x-origin-verify");
    assert_eq!(c.rule.scope, WafScope::Regional);
    // 60 + 2 * 60 (authorizer defaults) > 120 (WAF), + 15
    assert_eq!(c.timing.settle(), Duration::from_secs(195));
}

#[test]
fn config_names_what_is_missing_or_wrong() {
    for (drop, needle) in [
        ("DISTRIBUTION_ID", "DISTRIBUTION_ID"),
        ("WAF_RULE_NAME", "WAF_RULE_NAME"),
        ("WEB_ACL_SCOPE", "WEB_ACL_SCOPE"),
    ] {
        let pairs: Vec<_> = FULL.iter().copied().filter(|(k, _)| *k != drop).collect();
        let e = Config::from_lookup(env(&pairs)).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    for (key, bad) in [
        ("WEB_ACL_SCOPE", "regional"),
        ("ORIGIN_HEADER", "X Origin"),
        ("AUTHORIZER_SECRETS_MANAGER_TTL", "-1"),
        ("WAF_PROPAGATION_SECONDS", "99999"),
        ("AUTHORIZER_SECRET_CACHE_TTL_SECONDS", "600"),
        ("AUTHORIZER_SECRETS_MANAGER_TTL", " "),
        ("CLOUDFRONT_DEPLOY_TIMEOUT_SECONDS", ""),
        ("DISTRIBUTION_ID", ""),
    ] {
        let mut pairs: Vec<_> = FULL.iter().copied().filter(|(k, _)| *k != key).collect();
        pairs.push((key, bad));
        assert!(
            matches!(
                Config::from_lookup(env(&pairs)),
                Err(RotationError::Config(_))
            ),
            "{key}={bad}"
        );
    }
}

#[test]
fn settle_covers_the_slowest_cache() {
    let t = Timing {
        extension_ttl: Duration::ZERO,
        authorizer_ttl: Duration::ZERO,
        waf_propagation: Duration::from_secs(120),
        deploy_timeout: Duration::from_secs(600),
        previous_grace: Duration::from_secs(1800),
    };
    assert_eq!(t.settle(), Duration::from_secs(135));
    assert_eq!(
        Timing::default().settle(),
        Duration::from_secs(300 + 120 + 15)
    );
}

#[test]
fn values_are_checked_and_never_shown() {
    let v = SecretValue::new("s3cr3t");
    assert_eq!(format!("{v:?}"), "SecretValue([redacted])");
    assert!(v.check(AWSCURRENT).is_ok());
    for bad in ["", "has space", "tab\t", "é", &"a".repeat(201)] {
        let e = SecretValue::new(bad).check(AWSPENDING).unwrap_err();
        assert!(matches!(e, RotationError::InvalidValue { .. }));
        if !bad.is_empty() {
            assert!(!e.to_string().contains(bad));
        }
    }
    assert!(SecretValue::new("a".repeat(200)).check(AWSCURRENT).is_ok());
}

#[test]
fn steps_parse_and_unknown_ones_are_cut_short() {
    assert_eq!(Step::parse("finishSecret").unwrap(), Step::Finish);
    let long = "x".repeat(10_000);
    match Step::parse(&long) {
        Err(RotationError::UnknownStep(s)) => assert_eq!(s.len(), 64),
        other => panic!("{other:?}"),
    }
}
