//! Routes and the scopes that may call them, and the policies that follow.

use std::collections::BTreeSet;

use crate::arn::MethodArn;
use crate::policy::PolicyBuilder;

/// The route key of a WebSocket API's connection request.
pub const CONNECT: &str = "$connect";

/// Routes and the scopes that may call them.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(String, String, BTreeSet<String>)>,
}

impl RouteTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route (`method`, `path`) that any of `scopes` may call.
    #[must_use]
    pub fn route<'a>(
        mut self,
        method: &str,
        path: &str,
        scopes: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.routes.push((
            method.to_owned(),
            path.strip_prefix('/').unwrap_or(path).to_owned(),
            scopes.into_iter().map(str::to_owned).collect(),
        ));
        self
    }

    /// Adds the WebSocket `$connect` route, which any of `scopes` may call
    /// (a WebSocket API authorizes only the connection).
    #[must_use]
    pub fn connect<'a>(self, scopes: impl IntoIterator<Item = &'a str>) -> Self {
        self.route(CONNECT, "", scopes)
    }

    /// Whether the table has no route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Every scope some route accepts.
    pub fn scopes(&self) -> BTreeSet<String> {
        self.routes
            .iter()
            .flat_map(|(_, _, s)| s.iter().cloned())
            .collect()
    }

    /// The routes.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.routes.iter().map(|(m, p, _)| (m.as_str(), p.as_str()))
    }

    /// The scopes that may call the route a request for `method` and the
    /// concrete `path` (`/items/17`) reaches, matched as API Gateway matches
    /// routes: `{name}` is one path segment, `{name+}` the rest of the path,
    /// method `ANY` or `*` any method, and the most specific route wins: a
    /// route without a greedy segment over one with, then more literal
    /// segments, then the exact method over `ANY`. `None`: no route, or two
    /// routes equally specific (an ambiguous table decides nothing).
    pub fn scopes_for_request(&self, method: &str, path: &str) -> Option<&BTreeSet<String>> {
        let path = path.strip_prefix('/').unwrap_or(path);
        // (no greedy segment, literal segments, exact method): larger wins.
        type Rank = (bool, usize, bool);
        let mut best: Option<(Rank, &BTreeSet<String>)> = None;
        let mut tied = false;
        for (m, template, scopes) in &self.routes {
            let exact = m == method;
            if !exact && m != "ANY" && m != "*" {
                continue;
            }
            let Some((literal, not_greedy)) = template_rank(template, path) else {
                continue;
            };
            let rank = (not_greedy, literal, exact);
            match &best {
                Some((b, _)) if rank < *b => {}
                Some((b, _)) if rank == *b => tied = true,
                _ => {
                    best = Some((rank, scopes));
                    tied = false;
                }
            }
        }
        if tied {
            return None;
        }
        best.map(|(_, scopes)| scopes)
    }

    /// Whether `scopes` grant `method` on `path`.
    pub fn permits(&self, method: &str, path: &str, scopes: &BTreeSet<String>) -> bool {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.routes
            .iter()
            .any(|(m, p, s)| m == method && p == path && !s.is_disjoint(scopes))
    }

    /// A policy for every route of the API and stage of `arn`: `Allow` for
    /// the routes `scopes` grant, `Deny` for the others. An empty table gives
    /// an empty builder, which refuses to build.
    pub fn policy_for(
        &self,
        arn: &MethodArn,
        principal: &str,
        scopes: &BTreeSet<String>,
    ) -> PolicyBuilder {
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        // `$connect` is a WebSocket API's route: no REST or HTTP API policy names it.
        for (method, path, needed) in self.routes.iter().filter(|(m, _, _)| m != CONNECT) {
            let resource = arn.with_route(method, path).to_string();
            if needed.is_disjoint(scopes) {
                deny.push(resource)
            } else {
                allow.push(resource)
            }
        }
        let mut b = PolicyBuilder::new(principal);
        if !allow.is_empty() {
            b = b.statement(crate::policy::Effect::Allow, allow, None);
        }
        if !deny.is_empty() {
            b = b.statement(crate::policy::Effect::Deny, deny, None);
        }
        b
    }
}

/// How well `template` (without its leading `/`) matches the concrete
/// `path`: (literal segments, no greedy segment), or `None`.
fn template_rank(template: &str, path: &str) -> Option<(usize, bool)> {
    let mut literal = 0;
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some((literal, true)),
            (Some(seg), Some(value)) if seg.starts_with('{') && seg.ends_with("+}") => {
                let rest_ok = !value.is_empty() && t.next().is_none();
                return rest_ok.then_some((literal, false));
            }
            (Some(seg), Some(value)) if seg.starts_with('{') && seg.ends_with('}') => {
                if value.is_empty() {
                    return None;
                }
            }
            (Some(seg), Some(value)) if seg == value => literal += 1,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_find_their_most_specific_route() {
        let t = RouteTable::new()
            .route("GET", "/items/{id}", ["read"])
            .route("GET", "/items/mine", ["me"])
            .route("ANY", "/files/{path+}", ["files"])
            .route("POST", "/log", ["write"]);
        let scopes = |m: &str, p: &str| {
            t.scopes_for_request(m, p)
                .map(|s| s.iter().cloned().collect::<Vec<_>>())
        };
        assert_eq!(scopes("GET", "/items/17"), Some(vec!["read".into()]));
        assert_eq!(scopes("GET", "/items/mine"), Some(vec!["me".into()]));
        assert_eq!(scopes("DELETE", "/files/a/b/c"), Some(vec!["files".into()]));
        assert_eq!(scopes("POST", "/log"), Some(vec!["write".into()]));
        assert_eq!(scopes("GET", "/log"), None);
        assert_eq!(scopes("GET", "/items/"), None);
        assert_eq!(scopes("GET", "/items/17/x"), None);
        assert_eq!(scopes("GET", "/files"), None);
        // A non-greedy route over a greedy one with more literals; the exact
        // method over ANY; two equal routes decide nothing.
        let t = RouteTable::new()
            .route("GET", "/a/b/{p+}", ["greedy"])
            .route("GET", "/a/{x}/{y}", ["plain"])
            .route("ANY", "/m/{id}", ["any"])
            .route("GET", "/m/{id}", ["get"])
            .route("GET", "/d/{x}", ["one"])
            .route("GET", "/d/{y}", ["two"]);
        let scopes = |m: &str, p: &str| {
            t.scopes_for_request(m, p)
                .map(|s| s.iter().cloned().collect::<Vec<_>>())
        };
        assert_eq!(scopes("GET", "/a/b/c"), Some(vec!["plain".into()]));
        assert_eq!(scopes("GET", "/m/1"), Some(vec!["get".into()]));
        assert_eq!(scopes("PUT", "/m/1"), Some(vec!["any".into()]));
        assert_eq!(scopes("GET", "/d/1"), None);
    }
}
