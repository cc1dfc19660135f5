//! Unit tests of `metrics`: every line is valid EMF and says what was counted.

use super::*;

fn invocation() -> Invocation<'static> {
    Invocation {
        request_id: "8f5a1c2e-0000-4000-8000-000000000001",
        trace_id: Some(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        ),
        timestamp_ms: 1_733_390_000_000,
    }
}

fn every_metric() -> Vec<Metric> {
    // The table order is the enum order, so index i is metric i.
    (0..N)
        .map(|i| {
            let name = ROWS[i].name;
            let dim = ROWS[i].dimension;
            ALL.iter()
                .copied()
                .find(|m| m.name() == name && m.dimension() == dim)
                .unwrap()
        })
        .collect()
}

const ALL: &[Metric] = &[
    Metric::ColdStart,
    Metric::DecisionAllow,
    Metric::DecisionDeny,
    Metric::DecisionUnauthorized,
    Metric::DecisionError,
    Metric::OriginSecretMissing,
    Metric::OriginSecretRepeated,
    Metric::OriginSecretWrong,
    Metric::OriginSecretPrevious,
    Metric::TokenMissing,
    Metric::TokenTooLarge,
    Metric::TokenMalformed,
    Metric::TokenAlgorithm,
    Metric::TokenUnknownKey,
    Metric::TokenSignature,
    Metric::TokenExpired,
    Metric::TokenNotYetValid,
    Metric::TokenClaim,
    Metric::TokenIssuer,
    Metric::TokenAudience,
    Metric::TokenUse,
    Metric::TokenClient,
    Metric::TokenKeysUnavailable,
    Metric::TokenClaimsCheck,
    Metric::TokenInsufficientScope,
    Metric::JwksRefreshed,
    Metric::JwksRefreshFailed,
    Metric::SecretRefreshed,
    Metric::SecretRefreshFailed,
    Metric::EntryPayloadRejected,
    Metric::EntryControlCharacter,
    Metric::EntryTooLarge,
    Metric::EntryMalformed,
    Metric::EntryInvalidType,
    Metric::StorageThrottled,
    Metric::StorageRetry,
    Metric::StorageUnavailable,
    Metric::IdempotencyReplay,
    Metric::IdempotencyConflict,
    Metric::IdempotencyInProgress,
    Metric::IdempotencyUnrecorded,
];

#[test]
fn every_metric_is_listed_once_and_in_order() {
    assert_eq!(ALL.len(), N);
    for (i, m) in ALL.iter().enumerate() {
        assert_eq!(*m as usize, i);
    }
    assert_eq!(every_metric(), ALL);
}

#[test]
fn every_line_is_valid_emf_and_counts_what_was_counted() {
    let r = Recorder::new();
    let config = MetricsConfig::new(DEFAULT_NAMESPACE, "authorizer").unwrap();
    for (i, m) in ALL.iter().enumerate() {
        for _ in 0..=i {
            r.count(*m);
        }
    }
    let lines = r.take_lines(&config, &invocation());
    let mut seen = Vec::new();
    for line in lines.lines() {
        let extracted = test_support::emf::check(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["requestId"], invocation().request_id);
        assert_eq!(v["xrayTraceId"], invocation().trace_id.unwrap());
        seen.extend(extracted);
    }
    assert_eq!(seen.len(), N, "one extracted metric per row");
    for (i, m) in ALL.iter().enumerate() {
        let mut dims = vec![(SERVICE_DIMENSION.to_owned(), "authorizer".to_owned())];
        if let Some((k, v)) = m.dimension() {
            dims.push((k.to_owned(), v.to_owned()));
        }
        let found = seen
            .iter()
            .find(|(ns, d, name, _)| ns == DEFAULT_NAMESPACE && *d == dims && name == m.name())
            .unwrap_or_else(|| panic!("{m:?} not published"));
        assert_eq!(found.3, (i + 1) as f64, "{m:?}");
    }
    // Taken means reset.
    assert_eq!(r.take_lines(&config, &invocation()), "");
}

#[test]
fn nothing_counted_writes_nothing_and_one_document_per_dimension_value() {
    let r = Recorder::new();
    let config = MetricsConfig::new("Team/Api", "writer").unwrap();
    assert_eq!(r.take_lines(&config, &invocation()), "");
    r.count(Metric::StorageThrottled);
    r.count(Metric::StorageUnavailable);
    r.count(Metric::TokenExpired);
    r.count(Metric::TokenExpired);
    let lines = r.take_lines(&config, &invocation());
    // The two dimensionless metrics share one document; the token one has its own.
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(lines.ends_with('\n'));
}

#[cfg(feature = "jwt")]
#[test]
fn reason_codes_map_to_their_metrics() {
    for reason in crate::jwt::JwtError::REASONS {
        let m = Metric::token_rejected(reason).unwrap();
        assert_eq!(m.dimension(), Some(("Reason", reason)));
    }
    assert_eq!(
        Metric::token_rejected("token_missing"),
        Some(Metric::TokenMissing)
    );
    assert_eq!(Metric::token_rejected("Bearer abc"), None);
    assert_eq!(
        Metric::entry_refused("control_character"),
        Some(Metric::EntryControlCharacter)
    );
    assert_eq!(
        Metric::entry_refused("missing_field"),
        Some(Metric::EntryMalformed)
    );
    assert_eq!(Metric::entry_refused("<script>"), None);
}

#[test]
fn names_cloudwatch_would_refuse_are_refused() {
    assert!(MetricsConfig::new("", "f").is_err());
    assert!(MetricsConfig::new("AWS/Lambda", "f").is_err());
    assert!(MetricsConfig::new("bad\"ns", "f").is_err());
    assert!(MetricsConfig::new(&"n".repeat(256), "f").is_err());
    assert!(MetricsConfig::new("ok", "").is_err());
    assert!(MetricsConfig::new("ok", "has space").is_err());
    assert!(MetricsConfig::new("My App/prod:1", "fn-name_1").is_ok());
}
