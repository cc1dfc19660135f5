//! Property tests: ARN round-trips, and evaluation agrees with the builder.
#![cfg(feature = "policy")]

use std::collections::BTreeSet;

use proptest::prelude::*;
use secure_serverless::arn::MethodArn;
use secure_serverless::policy::{Decision, Policy, PolicyBuilder};

fn part() -> impl Strategy<Value = String> {
    "[a-z0-9-]{1,12}"
}

fn arn_strategy() -> impl Strategy<Value = MethodArn> {
    (
        part(),
        part(),
        "[0-9]{12}",
        "[a-z0-9]{1,10}",
        "[A-Za-z0-9_$-]{1,10}",
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "*", "$default", "ANY"]),
        prop::option::of("[a-zA-Z0-9/:{}+*._-]{0,30}"),
    )
        .prop_map(|(partition, region, account, api, stage, verb, path)| {
            MethodArn::new(partition, region, account, api, stage, verb, path)
        })
}

const VERBS: &[&str] = &["GET", "POST", "PUT", "DELETE"];
const PATHS: &[&str] = &["log", "stats", "log/x", "a:b", "{proxy+}", ""];

proptest! {
    #[test]
    fn arn_round_trips(arn in arn_strategy()) {
        let printed = arn.to_string();
        let parsed: MethodArn = printed.parse().unwrap();
        prop_assert_eq!(&parsed, &arn);
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn arbitrary_strings_parse_or_fail_but_never_panic(s in "(arn:)?[a-z:/*{}+-]{0,60}") {
        if let Ok(arn) = s.parse::<MethodArn>() {
            prop_assert_eq!(arn.to_string(), s);
        }
    }

    #[test]
    fn evaluation_agrees_with_builder(
        base in arn_strategy(),
        allowed in prop::collection::btree_set((0..VERBS.len(), 0..PATHS.len()), 0..8),
        denied in prop::collection::btree_set((0..VERBS.len(), 0..PATHS.len()), 0..4),
    ) {
        let mut b = PolicyBuilder::new("p");
        for &(v, p) in &allowed {
            b = b.allow(base.with_route(VERBS[v], PATHS[p]));
        }
        for &(v, p) in &denied {
            b = b.deny(base.with_route(VERBS[v], PATHS[p]));
        }
        match b.build() {
            Err(_) => prop_assert!(allowed.is_empty() && denied.is_empty()),
            Ok(policy) => {
                // The JSON API Gateway receives decides the same way.
                let json = serde_json::to_value(policy.rest_response()).unwrap();
                let reparsed = Policy::from_response_json(&json).unwrap();
                for (v, verb) in VERBS.iter().enumerate() {
                    for (p, path) in PATHS.iter().enumerate() {
                        let route = base.with_route(verb, path);
                        let expected = if denied.contains(&(v, p)) {
                            Decision::ExplicitDeny
                        } else if allowed.contains(&(v, p)) {
                            Decision::Allow
                        } else {
                            Decision::ImplicitDeny
                        };
                        prop_assert_eq!(policy.evaluate(&route), expected, "{}", route);
                        prop_assert_eq!(reparsed.evaluate(&route), expected);
                    }
                }
                // Nothing outside the API and stage is ever allowed.
                let other = MethodArn::new(base.partition(), base.region(), base.account(), format!("{}x", base.api_id()), base.stage(), "GET", Some("log".into()));
                prop_assert_ne!(policy.evaluate(&other), Decision::Allow);
            }
        }
    }

    #[test]
    fn a_statement_without_effect_is_never_allow(resource in "[a-z*:/]{1,20}") {
        let doc = serde_json::json!({"principalId": "p", "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Resource": resource}]}});
        prop_assert!(Policy::from_response_json(&doc).is_err());
    }
}

#[test]
fn wildcard_paths_in_the_builder_cover_subpaths() {
    let base: MethodArn = "arn:aws:execute-api:r:1:api/prod/GET/x".parse().unwrap();
    let p = PolicyBuilder::new("p")
        .allow(base.with_route("GET", "*"))
        .build()
        .unwrap();
    let covered: BTreeSet<_> = PATHS
        .iter()
        .filter(|path| p.evaluate(&base.with_route("GET", path)).is_allowed())
        .collect();
    assert_eq!(covered.len(), PATHS.len());
    assert!(!p.evaluate(&base.with_route("POST", "log")).is_allowed());
}
