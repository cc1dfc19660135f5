//! API Gateway method and route ARNs.
//!
//! A REST API authorizer receives a *method ARN*, an HTTP API authorizer a
//! *route ARN*; both have the form
//!
//! ```text
//! arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}
//! ```
//!
//! The ARN is split on `:` into at most six parts, so the path may itself
//! contain `:` as well as `/` and `{proxy+}`. HTTP APIs also use
//! `{apiId}/{stage}/$default` (the default route, with no path). Parsing and
//! printing round-trip exactly.
//!
//! ```
//! use secure_serverless::arn::MethodArn;
//!
//! let arn: MethodArn = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/log".parse()?;
//! assert_eq!(arn.stage(), "prod");
//! assert_eq!(arn.method(), "POST");
//! assert_eq!(arn.path(), Some("log"));
//! assert_eq!(arn.to_string(), "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/log");
//! # Ok::<(), secure_serverless::arn::ArnError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// Why a string is not an `execute-api` method or route ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArnError {
    /// Fewer than six `:`-separated parts.
    #[error("not an ARN: expected arn:partition:execute-api:region:account:resource")]
    NotAnArn,
    /// The ARN is for another service.
    #[error("ARN service is {0:?}, expected \"execute-api\"")]
    WrongService(String),
    /// A part that must not be empty is.
    #[error("ARN part {0} is empty")]
    EmptyPart(&'static str),
    /// The resource lacks `{apiId}/{stage}/{verb}`.
    #[error("ARN resource must be {{apiId}}/{{stage}}/{{VERB}}[/{{path}}]")]
    MalformedResource,
}

/// A parsed method ARN (REST) or route ARN (HTTP API).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MethodArn {
    partition: String,
    region: String,
    account: String,
    api_id: String,
    stage: String,
    method: String,
    path: Option<String>,
}

impl MethodArn {
    /// Builds an ARN from its parts. `path` is the resource path without its
    /// leading `/` (`Some("")` for the root resource, `None` for an HTTP API's
    /// `$default` route).
    pub fn new(
        partition: impl Into<String>,
        region: impl Into<String>,
        account: impl Into<String>,
        api_id: impl Into<String>,
        stage: impl Into<String>,
        method: impl Into<String>,
        path: Option<String>,
    ) -> Self {
        MethodArn {
            partition: partition.into(),
            region: region.into(),
            account: account.into(),
            api_id: api_id.into(),
            stage: stage.into(),
            method: method.into(),
            path,
        }
    }

    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub fn partition(&self) -> &str {
        &self.partition
    }
    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }
    /// The account id.
    pub fn account(&self) -> &str {
        &self.account
    }
    /// The API id.
    pub fn api_id(&self) -> &str {
        &self.api_id
    }
    /// The stage name.
    pub fn stage(&self) -> &str {
        &self.stage
    }
    /// The HTTP verb (`GET`, `POST`, `*`, or `$default`).
    pub fn method(&self) -> &str {
        &self.method
    }
    /// The resource path without its leading `/`.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The same API and stage with another verb and path: the resource a
    /// policy statement names. `path` is given with or without its leading `/`.
    pub fn with_route(&self, method: &str, path: &str) -> MethodArn {
        MethodArn {
            method: method.to_owned(),
            path: Some(path.strip_prefix('/').unwrap_or(path).to_owned()),
            ..self.clone()
        }
    }
}

impl FromStr for MethodArn {
    type Err = ArnError;

    fn from_str(s: &str) -> Result<Self, ArnError> {
        let mut parts = s.splitn(6, ':');
        let mut next = || parts.next().ok_or(ArnError::NotAnArn);
        let (arn, partition, service, region, account, resource) =
            (next()?, next()?, next()?, next()?, next()?, next()?);
        if arn != "arn" {
            return Err(ArnError::NotAnArn);
        }
        if service != "execute-api" {
            return Err(ArnError::WrongService(service.to_owned()));
        }
        for (name, value) in [
            ("partition", partition),
            ("region", region),
            ("account", account),
        ] {
            if value.is_empty() {
                return Err(ArnError::EmptyPart(name));
            }
        }
        let mut segments = resource.splitn(4, '/');
        let api_id = segments
            .next()
            .filter(|s| !s.is_empty())
            .ok_or(ArnError::EmptyPart("apiId"))?;
        let stage = segments.next().ok_or(ArnError::MalformedResource)?;
        let method = segments.next().ok_or(ArnError::MalformedResource)?;
        if stage.is_empty() {
            return Err(ArnError::EmptyPart("stage"));
        }
        if method.is_empty() {
            return Err(ArnError::EmptyPart("verb"));
        }
        Ok(MethodArn::new(
            partition,
            region,
            account,
            api_id,
            stage,
            method,
            segments.next().map(str::to_owned),
        ))
    }
}

impl fmt::Display for MethodArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:execute-api:{}:{}:{}/{}/{}",
            self.partition, self.region, self.account, self.api_id, self.stage, self.method
        )?;
        if let Some(path) = &self.path {
            write!(f, "/{path}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rest_and_http_api_forms() {
        let a: MethodArn = "arn:aws:execute-api:us-east-1:123:api/Prod/GET/"
            .parse()
            .unwrap();
        assert_eq!(a.path(), Some(""));
        let a: MethodArn = "arn:aws:execute-api:us-east-1:123:api/$default/$default"
            .parse()
            .unwrap();
        assert_eq!(
            (a.stage(), a.method(), a.path()),
            ("$default", "$default", None)
        );
        let a: MethodArn = "arn:aws-cn:execute-api:cn-north-1:123:api/v1/ANY/a/{proxy+}/b:c"
            .parse()
            .unwrap();
        assert_eq!(a.path(), Some("a/{proxy+}/b:c"));
        assert_eq!(a.partition(), "aws-cn");
    }

    #[test]
    fn malformed_arns_are_typed_errors() {
        let e = |s: &str| s.parse::<MethodArn>().unwrap_err();
        assert_eq!(e(""), ArnError::NotAnArn);
        assert_eq!(e("arn:aws:execute-api:r:a"), ArnError::NotAnArn);
        assert_eq!(e("xrn:aws:execute-api:r:a:api/s/GET/"), ArnError::NotAnArn);
        assert_eq!(
            e("arn:aws:lambda:r:a:api/s/GET/"),
            ArnError::WrongService("lambda".into())
        );
        assert_eq!(
            e("arn:aws:execute-api::a:api/s/GET/"),
            ArnError::EmptyPart("region")
        );
        assert_eq!(
            e("arn:aws:execute-api:r:a:/s/GET/"),
            ArnError::EmptyPart("apiId")
        );
        assert_eq!(
            e("arn:aws:execute-api:r:a:api/s"),
            ArnError::MalformedResource
        );
        assert_eq!(
            e("arn:aws:execute-api:r:a:api//GET"),
            ArnError::EmptyPart("stage")
        );
        assert_eq!(
            e("arn:aws:execute-api:r:a:api/s//x"),
            ArnError::EmptyPart("verb")
        );
    }

    #[test]
    fn with_route_keeps_api_and_stage() {
        let a: MethodArn = "arn:aws:execute-api:r:1:api/prod/GET/stats"
            .parse()
            .unwrap();
        assert_eq!(
            a.with_route("POST", "/log").to_string(),
            "arn:aws:execute-api:r:1:api/prod/POST/log"
        );
        assert_eq!(
            a.with_route("*", "*").to_string(),
            "arn:aws:execute-api:r:1:api/prod/*/*"
        );
    }
}
