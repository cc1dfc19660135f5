//! Shared by the rotator's test binaries: the deployment the recorded
//! answers in `fixtures/` describe.

/// The rotator's settings for the fixtures' distribution and web ACL.
pub const FIXTURE_SETTINGS: &[(&str, &str)] = &[
    ("DISTRIBUTION_ID", "E2QWRUHAPOMQZL"),
    ("ORIGIN_ID", "api"),
    ("ORIGIN_HEADER", "X-Origin-Verify"),
    ("WEB_ACL_NAME", "secure-serverless-origin-verify"),
    ("WEB_ACL_ID", "1f3e5d7c-9b2a-4c6e-8d0f-2a4c6e8f0b1d"),
    ("WEB_ACL_SCOPE", "REGIONAL"),
    ("WAF_RULE_NAME", "allow-origin-verify"),
    ("AUTHORIZER_SECRETS_MANAGER_TTL", "60"),
];
