//! Property: through every front door of the local stack (its API Gateway
//! REST emulation with a `REQUEST` or a `TOKEN` authorizer, its HTTP API
//! emulation with a Lambda authorizer of payload 2.0 answering simple
//! responses or policies or of payload 1.0, the JWT authorizer, the Function
//! URLs' in-function check, the WebSocket `$connect` handshake), a random
//! route table and random tokens give exactly
//! the routes the token's scopes grant, on the first call and on every
//! later call the authorizer caches answer (TTL 300 s, so a sequence of
//! calls replays decisions across tokens and routes).

mod common;

use std::collections::BTreeSet;

use common::*;
use local_stack::HttpApiAuthorizer;
use proptest::prelude::*;
use secure_serverless::RouteTable;

const SCOPES: [&str; 3] = ["s:a", "s:b", "s:c"];
const ROUTES: [(&str, &str); 2] = [("POST", "/log"), ("GET", "/stats")];

fn scope_set() -> impl Strategy<Value = BTreeSet<usize>> {
    proptest::collection::btree_set(0..SCOPES.len(), 0..=SCOPES.len())
}

fn check(
    table: Vec<BTreeSet<usize>>,
    tokens: Vec<BTreeSet<usize>>,
    calls: Vec<(usize, usize)>,
    (rest_token, http): (bool, HttpApiAuthorizer),
) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut routes = RouteTable::new();
        for ((method, path), scopes) in ROUTES.iter().zip(&table) {
            routes = routes.route(method, path, scopes.iter().map(|&i| SCOPES[i]));
        }
        routes = routes.connect(table[2].iter().map(|&i| SCOPES[i]));
        let mut c = config("doors-props");
        c.routes = routes;
        c.rest_token_authorizer = rest_token;
        c.http_api_authorizer = http;
        c.rate_limit = 0;
        let s = stack(c).await;
        let tokens: Vec<(String, &BTreeSet<usize>)> = tokens
            .iter()
            .enumerate()
            .map(|(i, granted)| {
                let names: Vec<&str> = granted.iter().map(|&g| SCOPES[g]).collect();
                (s.token(&format!("caller-{i}"), &names), granted)
            })
            .collect();
        let mut result = Ok(());
        'doors: for door in doors(&s) {
            for &(t, r) in &calls {
                let (token, granted) = &tokens[t % tokens.len()];
                let (method, _) = ROUTES[r];
                let allowed = !granted.is_disjoint(&table[r]);
                let a = if method == "POST" {
                    post(door.write, token, r#"{"type":"prop","payload":"p"}"#, &[]).await
                } else {
                    get(door.read, "/stats", Some(token)).await
                };
                let ok = (200..300).contains(&a.status);
                if ok != allowed || (!allowed && a.status != 403) {
                    result = Err(TestCaseError::fail(format!(
                        "{} (REST TOKEN authorizer: {rest_token}, HTTP API: {http:?}): {method} with scopes {granted:?}, route scopes {:?}: {} {}",
                        door.name,
                        table[r],
                        a.status,
                        String::from_utf8_lossy(&a.body)
                    )));
                    break 'doors;
                }
            }
        }
        // WebSocket: each token's `$connect`, switched exactly when it holds
        // a scope of the table's `connect`.
        if result.is_ok() {
            for (token, granted) in &tokens {
                let allowed = !granted.is_disjoint(&table[2]);
                let a = websocket_connect(s.websocket, Some(&format!("Bearer {token}"))).await;
                let expected = if allowed { 101 } else { 403 };
                if a.status != expected {
                    result = Err(TestCaseError::fail(format!(
                        "WebSocket $connect with scopes {granted:?}, connect scopes {:?}: {}",
                        table[2], a.status
                    )));
                    break;
                }
            }
        }
        s.shutdown().await;
        result
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_door_allows_exactly_what_the_scopes_grant(
        table in proptest::collection::vec(
            proptest::collection::btree_set(0..SCOPES.len(), 0..=SCOPES.len()), 3),
        tokens in proptest::collection::vec(scope_set(), 1..4),
        calls in proptest::collection::vec((0usize..4, 0usize..2), 1..8),
        kinds in (any::<bool>(), prop_oneof![
            Just(HttpApiAuthorizer::SimpleByRoute),
            Just(HttpApiAuthorizer::PolicyV2),
            Just(HttpApiAuthorizer::PolicyV1),
        ]),
    ) {
        check(table, tokens, calls, kinds)?;
    }
}
