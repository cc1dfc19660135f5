//! The method-ARN parser and policy evaluation.
//!
//! Modes, picked by the first byte:
//! * ARN text: `parse` agrees with a reference parser of the documented
//!   grammar, and printing a parsed ARN gives back exactly the input;
//! * ARN parts: `MethodArn::new(..)` printed and parsed again gives the same
//!   ARN whenever the parts are valid;
//! * policies: statements with fuzzer-chosen effects, resource patterns
//!   (wildcards everywhere), actions and conditions, built through
//!   `PolicyBuilder` or parsed from a response with `Policy::from_response_json`;
//!   the builder accepts exactly the documented policies, and `evaluate`
//!   agrees with a reference evaluator (explicit Deny wins, a conditional Deny
//!   always applies, a conditional Allow never does, no matching Allow
//!   denies; per-part wildcards); responses round-trip through JSON.
#![no_main]

use arbitrary::Unstructured;
use fuzz_support::{action_matches, parse_arn, pick, resource_matches, token_string};
use libfuzzer_sys::fuzz_target;
use secure_serverless::arn::MethodArn;
use secure_serverless::policy::{Decision, Effect, Policy, PolicyBuilder, PolicyError};
use serde_json::{Value, json};

/// Pieces ARNs and patterns are made of: real values, separators, wildcards.
const TOKENS: &[&str] = &[
    "arn",
    "aws",
    "aws-cn",
    "execute-api",
    "execute-*",
    "us-east-1",
    "us-east-?",
    "123456789012",
    "api1",
    "prod",
    "dev",
    "GET",
    "POST",
    "*",
    "?",
    "stats",
    "log",
    "a",
    "b",
    ":",
    "/",
    "//",
    "{proxy+}",
    "$default",
    "*/",
    "/*",
    "**",
    "é",
    "?*",
    ".",
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut u = Unstructured::new(rest);
    match mode % 4 {
        0 => arn_text(&String::from_utf8_lossy(rest)),
        1 => arn_text(&arn_like(&mut u)),
        2 => arn_parts(&mut u),
        _ => policies(&mut u),
    }
});

/// `arn:{p}:{service}:{r}:{a}:{resource}` with fuzzer-chosen parts.
fn arn_like(u: &mut Unstructured<'_>) -> String {
    let part = |u: &mut Unstructured<'_>, real: &str| {
        if u.ratio(3, 4).unwrap_or(true) {
            real.to_owned()
        } else {
            token_string(u, TOKENS, 3)
        }
    };
    let head = part(u, "arn");
    let partition = part(u, "aws");
    let service = part(u, "execute-api");
    let region = part(u, "us-east-1");
    let account = part(u, "123456789012");
    let resource = if u.ratio(1, 2).unwrap_or(true) {
        format!(
            "{}/{}/{}/{}",
            part(u, "api1"),
            part(u, "prod"),
            part(u, "GET"),
            token_string(u, TOKENS, 4)
        )
    } else {
        token_string(u, TOKENS, 8)
    };
    format!("{head}:{partition}:{service}:{region}:{account}:{resource}")
}

fn arn_text(s: &str) {
    let parsed = s.parse::<MethodArn>();
    let reference = parse_arn(s);
    match (&parsed, &reference) {
        (Ok(a), Some(r)) => {
            assert_eq!(a.to_string(), s, "printing does not round-trip");
            assert_eq!(
                (
                    a.partition(),
                    a.region(),
                    a.account(),
                    a.api_id(),
                    a.stage(),
                    a.method(),
                    a.path()
                ),
                (
                    r.partition.as_str(),
                    r.region.as_str(),
                    r.account.as_str(),
                    r.api_id.as_str(),
                    r.stage.as_str(),
                    r.method.as_str(),
                    r.path.as_deref()
                ),
                "fields differ from the grammar for {s:?}"
            );
            assert_eq!(s.parse::<MethodArn>().as_ref(), Ok(a));
            let _ = a.with_route("GET", "/x").to_string();
        }
        (Err(_), None) => {}
        _ => panic!("parser and grammar disagree on {s:?}: {parsed:?} vs {reference:?}"),
    }
}

fn arn_parts(u: &mut Unstructured<'_>) {
    let mut p = || token_string(u, TOKENS, 3);
    let (partition, region, account, api, stage, method) = (p(), p(), p(), p(), p(), p());
    let path = if u.ratio(1, 4).unwrap_or(false) {
        None
    } else {
        Some(token_string(u, TOKENS, 5))
    };
    let arn = MethodArn::new(
        partition.clone(),
        region.clone(),
        account.clone(),
        api.clone(),
        stage.clone(),
        method.clone(),
        path.clone(),
    );
    let text = arn.to_string();
    let valid = ![&partition, &region, &account].iter().any(|s| s.is_empty() || s.contains(':'))
        && ![&api, &stage, &method].iter().any(|s| s.is_empty() || s.contains('/'))
        // an apiId may hold ':' only because the resource is the sixth part
        && !method.is_empty();
    let reparsed = text.parse::<MethodArn>();
    if valid {
        assert_eq!(
            reparsed.as_ref(),
            Ok(&arn),
            "{text:?} does not parse back to its parts"
        );
    }
    arn_text(&text);
}

struct Stmt {
    effect: Effect,
    actions: Vec<String>,
    resources: Vec<String>,
    conditional: bool,
}

fn pattern(u: &mut Unstructured<'_>, subject: &str) -> String {
    match u.int_in_range(0..=9).unwrap_or(0) {
        0 => "*".to_owned(),
        1 => arn_like(u),
        2 => token_string(u, TOKENS, 6),
        _ => {
            // The subject with some characters replaced by wildcards, so
            // that patterns match (or nearly match) often.
            let mut out = String::new();
            for c in subject.chars() {
                match u.int_in_range(0..=15).unwrap_or(0) {
                    0 => out.push('*'),
                    1 => out.push('?'),
                    2 => {}
                    3 => {
                        let t: &&str = pick(u, TOKENS);
                        out.push_str(t)
                    }
                    _ => out.push(c),
                }
            }
            out
        }
    }
}

fn policies(u: &mut Unstructured<'_>) {
    let subjects: Vec<String> = (0..u.int_in_range(1..=4).unwrap_or(1))
        .map(|_| arn_like(u))
        .collect();
    let n = u.int_in_range(0..=5).unwrap_or(1);
    let mut stmts = Vec::new();
    for _ in 0..n {
        let effect = if u.arbitrary().unwrap_or(false) {
            Effect::Allow
        } else {
            Effect::Deny
        };
        let resources = (0..u.int_in_range(0..=3).unwrap_or(1))
            .map(|_| {
                let s = pick(u, &subjects).clone();
                pattern(u, &s)
            })
            .collect();
        let actions = if u.ratio(3, 4).unwrap_or(true) {
            vec!["execute-api:Invoke".to_owned()]
        } else {
            (0..u.int_in_range(1..=2).unwrap_or(1))
                .map(|_| {
                    pick(
                        u,
                        &[
                            "*",
                            "execute-api:*",
                            "EXECUTE-API:INVOKE",
                            "execute-api:Invoke?",
                            "execute-api:Inv?ke",
                            "s3:*",
                            "execute-api:ManageConnections",
                        ],
                    )
                    .to_string()
                })
                .collect()
        };
        let conditional = u.ratio(1, 8).unwrap_or(false);
        stmts.push(Stmt {
            effect,
            actions,
            resources,
            conditional,
        });
    }
    let principal = if u.ratio(1, 16).unwrap_or(false) {
        ""
    } else {
        "user"
    };
    let context_key = if u.ratio(1, 16).unwrap_or(false) {
        ""
    } else {
        "scope"
    };

    // The builder, with the library's default action.
    let mut b = PolicyBuilder::new(principal).context(context_key, "logs:read");
    for s in &stmts {
        let cond = s.conditional.then(|| {
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
                .as_object()
                .unwrap()
                .clone()
        });
        b = b.statement(s.effect, s.resources.clone(), cond);
    }
    let built = b.build();
    let valid_resource = |r: &str| {
        let parts: Vec<&str> = r.splitn(6, ':').collect();
        r == "*"
            || (parts.len() == 6
                && parts[0] == "arn"
                && fuzz_support::glob(parts[2], "execute-api"))
    };
    let expect_valid = !principal.is_empty()
        && !stmts.is_empty()
        && stmts
            .iter()
            .all(|s| !s.resources.is_empty() && s.resources.iter().all(|r| valid_resource(r)))
        && !context_key.is_empty();
    assert_eq!(built.is_ok(), expect_valid, "builder: {built:?}");
    let invoke_only: Vec<Stmt> = stmts
        .iter()
        .map(|s| Stmt {
            effect: s.effect,
            actions: vec!["execute-api:Invoke".into()],
            resources: s.resources.clone(),
            conditional: s.conditional,
        })
        .collect();
    if let Ok(policy) = &built {
        check_evaluation(policy, &invoke_only, &subjects);
        let json = serde_json::to_value(policy.rest_response()).unwrap();
        assert_eq!(
            Policy::from_response_json(&json).as_ref(),
            Ok(policy),
            "JSON round trip"
        );
    }

    // The same statements, with their own actions, as a response document.
    let doc = json!({
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": stmts.iter().map(|s| {
            let mut st = json!({
                "Effect": match s.effect { Effect::Allow => "Allow", Effect::Deny => "Deny" },
                "Action": s.actions,
                "Resource": s.resources,
            });
            if s.conditional {
                st["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
            }
            st
        }).collect::<Vec<Value>>()},
        "context": {context_key: "logs:read"},
    });
    match Policy::from_response_json(&doc) {
        Ok(p) => {
            assert!(expect_valid, "accepted an invalid response: {doc}");
            check_evaluation(&p, &stmts, &subjects);
        }
        Err(
            PolicyError::Empty
            | PolicyError::NoResource(_)
            | PolicyError::BadResource(_)
            | PolicyError::MissingPrincipal
            | PolicyError::EmptyContextKey,
        ) => {
            assert!(!expect_valid, "refused a valid response: {doc}");
        }
        Err(e) => panic!("unexpected error {e:?} for {doc}"),
    }
}

fn reference_decision(stmts: &[Stmt], arn: &str) -> Decision {
    let matches = |s: &Stmt| {
        s.actions
            .iter()
            .any(|a| action_matches(a, "execute-api:Invoke"))
            && s.resources.iter().any(|r| resource_matches(r, arn))
    };
    if stmts
        .iter()
        .any(|s| s.effect == Effect::Deny && (s.conditional || matches(s)))
    {
        Decision::ExplicitDeny
    } else if stmts
        .iter()
        .any(|s| s.effect == Effect::Allow && !s.conditional && matches(s))
    {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

fn check_evaluation(policy: &Policy, stmts: &[Stmt], subjects: &[String]) {
    for arn in subjects {
        let expected = reference_decision(stmts, arn);
        assert_eq!(policy.evaluate_str(arn), expected, "evaluate_str({arn:?})");
        if let Ok(parsed) = arn.parse::<MethodArn>() {
            assert_eq!(policy.evaluate(&parsed), expected, "evaluate({arn:?})");
            let simple = serde_json::to_value(policy.http_simple_response(&parsed)).unwrap();
            assert_eq!(simple["isAuthorized"], json!(expected == Decision::Allow));
        }
    }
}
