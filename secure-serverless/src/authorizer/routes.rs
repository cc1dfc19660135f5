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
        for (method, path, needed) in &self.routes {
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
