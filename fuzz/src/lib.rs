//! Helpers shared by the fuzz targets: small reference implementations (written
//! from the documented semantics, not from the library's code) that the
//! targets compare the library against, and checkers for its output.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub use test_support::html;

/// Runs a future that never waits on I/O (the verifier with a fixed key set,
/// the authorizer) to completion on this thread.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete: the code under test waited on something");
}

/// Reference glob: `*` matches any sequence of characters (including none,
/// and including `/`), `?` exactly one character, everything else itself
/// (case-sensitive). Plain dynamic programming over characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // row[j]: pattern prefix p[..i] matches text prefix t[..j]
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for &pc in &p {
        let mut next = vec![false; t.len() + 1];
        match pc {
            '*' => {
                let mut any = false;
                for j in 0..=t.len() {
                    any |= row[j];
                    next[j] = any;
                }
            }
            _ => {
                for j in 1..=t.len() {
                    next[j] = row[j - 1] && (pc == '?' || pc == t[j - 1]);
                }
            }
        }
        row = next;
    }
    row[t.len()]
}

/// Reference IAM resource match for execute-api ARNs, from the docs of
/// `policy::resource_matches`: `*` alone matches everything; otherwise both
/// strings are split on `:` into at most six parts, there must be six on both
/// sides, and each pattern part globs its ARN part.
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

/// Reference IAM action match: case-insensitive glob.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// The fields of a method ARN, parsed from the grammar in DESIGN.md / arn.rs:
/// `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}[/{path}]`,
/// split on `:` into at most six parts; partition, region, account, apiId,
/// stage and verb non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub api_id: String,
    pub stage: String,
    pub method: String,
    pub path: Option<String>,
}

pub fn parse_arn(s: &str) -> Option<RefArn> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "execute-api" {
        return None;
    }
    let (partition, region, account, resource) = (parts[1], parts[3], parts[4], parts[5]);
    if partition.is_empty() || region.is_empty() || account.is_empty() {
        return None;
    }
    let segs: Vec<&str> = resource.splitn(4, '/').collect();
    if segs.len() < 3 || segs[..3].iter().any(|s| s.is_empty()) {
        return None;
    }
    Some(RefArn {
        partition: partition.into(),
        region: region.into(),
        account: account.into(),
        api_id: segs[0].into(),
        stage: segs[1].into(),
        method: segs[2].into(),
        path: segs.get(3).map(|s| (*s).to_owned()),
    })
}

/// A JSON object's top-level members in document order, duplicates kept, or
/// `None` when the text is not exactly one JSON object.
pub fn object_members(text: &[u8]) -> Option<Vec<(String, serde_json::Value)>> {
    use serde::de::{Deserializer as _, MapAccess, Visitor};
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(String, serde_json::Value)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = m.next_entry::<String, serde_json::Value>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    let v = (&mut de).deserialize_map(V).ok()?;
    de.end().ok()?;
    Some(v)
}

/// Picks one of `items` with the fuzzer's data.
pub fn pick<'a, T>(u: &mut arbitrary::Unstructured<'_>, items: &'a [T]) -> &'a T {
    u.choose(items).unwrap_or(&items[0])
}

/// A short string of fuzzer-chosen tokens: builds ARNs, patterns and names
/// that collide with each other far more often than random bytes would.
pub fn token_string(u: &mut arbitrary::Unstructured<'_>, tokens: &[&str], max: usize) -> String {
    let n = u.int_in_range(0..=max).unwrap_or(0);
    let mut s = String::new();
    for _ in 0..n {
        if u.ratio(1, 8).unwrap_or(false) {
            // now and then a character no token has
            let c: char = u.arbitrary().unwrap_or('x');
            s.push(c);
        } else {
            let t: &&str = pick(u, tokens);
            s.push_str(t);
        }
    }
    s
}

/// Test-only key pairs (secure-serverless/tests/fixtures/keys).
pub mod keys {
    pub const RSA_PRIVATE: &[u8] =
        include_bytes!("../../secure-serverless/tests/fixtures/keys/rsa.pem");
    pub const RSA_PUBLIC: &[u8] =
        include_bytes!("../../secure-serverless/tests/fixtures/keys/rsa.pub.pem");
    pub const EC_PRIVATE: &[u8] =
        include_bytes!("../../secure-serverless/tests/fixtures/keys/ec.pem");
    pub const EC_PUBLIC: &[u8] =
        include_bytes!("../../secure-serverless/tests/fixtures/keys/ec.pub.pem");
    pub const ED_PRIVATE: &[u8] =
        include_bytes!("../../secure-serverless/tests/fixtures/keys/ed.pem");
    pub const ED_PUBLIC: &[u8] =
        include_bytes!("../../secure-serverless/tests/fixtures/keys/ed.pub.pem");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_basics() {
        assert!(glob("", ""));
        assert!(glob("*", ""));
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*/GET/*", "api/GET/x/y"));
        assert!(glob("é?", "éx"));
        assert!(!glob("abc", "ab"));
    }

    #[test]
    fn arn_reference() {
        let a = parse_arn("arn:aws:execute-api:r:1:api/s/GET/a/b:c").unwrap();
        assert_eq!(a.path.as_deref(), Some("a/b:c"));
        assert!(parse_arn("arn:aws:execute-api:r:1:api/s").is_none());
    }
}
