//! The service traits on the AWS SDK clients, and the pure edits of
//! CloudFront and WAF configurations they make.
//!
//! Both CloudFront and WAF replace a whole configuration on update, so each
//! update is a read-modify-write guarded by the service's optimistic lock
//! (CloudFront's `ETag` as `IfMatch`, WAF's `LockToken`), repeated with a
//! fresh read when someone else changed the resource in between.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudfront::types::DistributionConfig;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_wafv2::primitives::Blob;
use aws_sdk_wafv2::types::{
    ByteMatchStatement, FieldToMatch, OrStatement, PositionalConstraint, Rule, Scope, SingleHeader,
    Statement, TextTransformation, TextTransformationType,
};

use crate::{
    AWSPENDING, CloudFront, GENERATED_LENGTH, MAX_ATTEMPTS, OriginState, OriginTarget,
    RotationError, RuleTarget, SecretMetadata, SecretValue, SecretsManager, Version, Waf, WafScope,
};

/// The three clients, built once per cold start from `config`, with bounded
/// timeouts (a stalled call fails the step instead of eating the wait's
/// budget). A `CLOUDFRONT`-scope web ACL is managed through us-east-1.
pub fn clients(
    config: &SdkConfig,
    scope: WafScope,
) -> (
    aws_sdk_secretsmanager::Client,
    aws_sdk_cloudfront::Client,
    aws_sdk_wafv2::Client,
) {
    let config = config
        .to_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    let waf = match scope {
        WafScope::Regional => aws_sdk_wafv2::Client::new(&config),
        WafScope::CloudFront => aws_sdk_wafv2::Client::from_conf(
            aws_sdk_wafv2::config::Builder::from(&config)
                .region(aws_sdk_wafv2::config::Region::from_static("us-east-1"))
                .build(),
        ),
    };
    (
        aws_sdk_secretsmanager::Client::new(&config),
        aws_sdk_cloudfront::Client::new(&config),
        waf,
    )
}

fn aws_error<E, R>(
    service: &'static str,
    operation: &'static str,
    error: SdkError<E, R>,
) -> RotationError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    RotationError::Aws {
        service,
        operation,
        code: error.code().map(str::to_owned),
        message: DisplayErrorContext(&error).to_string(),
    }
}

// ------------------------------------------------------------------ Secrets Manager

impl SecretsManager for aws_sdk_secretsmanager::Client {
    async fn describe(&self, secret_id: &str) -> Result<SecretMetadata, RotationError> {
        let out = self
            .describe_secret()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager", "DescribeSecret", e))?;
        Ok(SecretMetadata {
            rotation_enabled: out.rotation_enabled().unwrap_or(false),
            versions: out.version_ids_to_stages().cloned().unwrap_or_default(),
        })
    }

    async fn get_version(
        &self,
        secret_id: &str,
        stage: &'static str,
        version_id: Option<&str>,
    ) -> Result<Option<Version>, RotationError> {
        let out = match self
            .get_secret_value()
            .secret_id(secret_id)
            .version_stage(stage)
            .set_version_id(version_id.map(str::to_owned))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(aws_error("secretsmanager", "GetSecretValue", e)),
        };
        let value = out.secret_string().ok_or(RotationError::InvalidValue {
            stage,
            reason: "it has no SecretString",
        })?;
        let id = out.version_id().ok_or(RotationError::UnexpectedResponse {
            service: "secretsmanager",
            operation: "GetSecretValue",
            reason: "no VersionId",
        })?;
        Ok(Some(Version {
            id: id.to_owned(),
            value: SecretValue::new(value),
            created: out
                .created_date()
                .and_then(|d| std::time::SystemTime::try_from(*d).ok()),
        }))
    }

    async fn random_value(&self) -> Result<SecretValue, RotationError> {
        let out = self
            .get_random_password()
            .password_length(GENERATED_LENGTH)
            .exclude_punctuation(true)
            .include_space(false)
            .require_each_included_type(true)
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager", "GetRandomPassword", e))?;
        out.random_password()
            .map(SecretValue::new)
            .ok_or(RotationError::UnexpectedResponse {
                service: "secretsmanager",
                operation: "GetRandomPassword",
                reason: "no RandomPassword",
            })
    }

    async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &SecretValue,
    ) -> Result<(), RotationError> {
        self.put_secret_value()
            .secret_id(secret_id)
            .client_request_token(token)
            .secret_string(value.expose())
            .version_stages(AWSPENDING)
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager", "PutSecretValue", e))?;
        Ok(())
    }

    async fn make_current(
        &self,
        secret_id: &str,
        version_id: &str,
        from_version_id: &str,
    ) -> Result<(), RotationError> {
        self.update_secret_version_stage()
            .secret_id(secret_id)
            .version_stage(crate::AWSCURRENT)
            .move_to_version_id(version_id)
            .remove_from_version_id(from_version_id)
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager", "UpdateSecretVersionStage", e))?;
        Ok(())
    }
}

// ------------------------------------------------------------------ CloudFront

fn header_not_found(target: &OriginTarget) -> RotationError {
    RotationError::OriginHeaderNotFound {
        distribution_id: target.distribution_id.clone(),
        origin_id: target.origin_id.clone(),
        header: target.header_name.clone(),
    }
}

/// The value of the target origin's custom header in `config`.
///
/// # Errors
/// [`RotationError::OriginHeaderNotFound`].
pub fn origin_header<'a>(
    config: &'a DistributionConfig,
    target: &OriginTarget,
) -> Result<&'a str, RotationError> {
    config
        .origins()
        .and_then(|o| o.items().iter().find(|o| o.id() == target.origin_id))
        .and_then(|o| o.custom_headers())
        .and_then(|h| {
            h.items()
                .iter()
                .find(|h| h.header_name().eq_ignore_ascii_case(&target.header_name))
        })
        .map(|h| h.header_value())
        .ok_or_else(|| header_not_found(target))
}

/// Sets the target origin's custom header in `config`; `Ok(false)` when it
/// already had `value`. Nothing else changes.
///
/// # Errors
/// [`RotationError::OriginHeaderNotFound`].
pub fn replace_origin_header(
    config: &mut DistributionConfig,
    target: &OriginTarget,
    value: &SecretValue,
) -> Result<bool, RotationError> {
    let header = config
        .origins
        .as_mut()
        .and_then(|o| o.items.iter_mut().find(|o| o.id == target.origin_id))
        .and_then(|o| o.custom_headers.as_mut())
        .and_then(|h| h.items.as_mut())
        .and_then(|h| {
            h.iter_mut()
                .find(|h| h.header_name.eq_ignore_ascii_case(&target.header_name))
        })
        .ok_or_else(|| header_not_found(target))?;
    if header.header_value == value.expose() {
        return Ok(false);
    }
    header.header_value = value.expose().to_owned();
    Ok(true)
}

impl CloudFront for aws_sdk_cloudfront::Client {
    async fn origin_state(&self, target: &OriginTarget) -> Result<OriginState, RotationError> {
        let out = self
            .get_distribution()
            .id(&target.distribution_id)
            .send()
            .await
            .map_err(|e| aws_error("cloudfront", "GetDistribution", e))?;
        let unexpected = |reason| RotationError::UnexpectedResponse {
            service: "cloudfront",
            operation: "GetDistribution",
            reason,
        };
        let distribution = out.distribution().ok_or(unexpected("no Distribution"))?;
        let config = distribution
            .distribution_config()
            .ok_or(unexpected("no DistributionConfig"))?;
        Ok(OriginState {
            deployed: distribution.status() == "Deployed",
            header_value: SecretValue::new(origin_header(config, target)?),
        })
    }

    async fn set_origin_header(
        &self,
        target: &OriginTarget,
        value: &SecretValue,
    ) -> Result<bool, RotationError> {
        for _ in 0..MAX_ATTEMPTS {
            let out = self
                .get_distribution_config()
                .id(&target.distribution_id)
                .send()
                .await
                .map_err(|e| aws_error("cloudfront", "GetDistributionConfig", e))?;
            let unexpected = |reason| RotationError::UnexpectedResponse {
                service: "cloudfront",
                operation: "GetDistributionConfig",
                reason,
            };
            let etag = out.e_tag.ok_or(unexpected("no ETag"))?;
            let mut config = out
                .distribution_config
                .ok_or(unexpected("no DistributionConfig"))?;
            if !replace_origin_header(&mut config, target, value)? {
                return Ok(false);
            }
            match self
                .update_distribution()
                .id(&target.distribution_id)
                .if_match(etag)
                .distribution_config(config)
                .send()
                .await
            {
                Ok(_) => return Ok(true),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_precondition_failed()) =>
                {
                    tracing::info!("distribution changed since it was read; reading it again");
                }
                Err(e) => return Err(aws_error("cloudfront", "UpdateDistribution", e)),
            }
        }
        Err(RotationError::Conflict {
            service: "cloudfront",
            attempts: MAX_ATTEMPTS,
        })
    }
}

// ------------------------------------------------------------------ WAF

fn shape(target: &RuleTarget, reason: &'static str) -> RotationError {
    RotationError::UnexpectedRuleShape {
        rule: target.rule_name.clone(),
        header: target.header_name.clone(),
        reason,
    }
}

fn byte_match_value(
    statement: &Statement,
    target: &RuleTarget,
) -> Result<SecretValue, RotationError> {
    let m = statement
        .byte_match_statement()
        .ok_or_else(|| shape(target, "a statement is not a byte match"))?;
    let header = m
        .field_to_match()
        .and_then(FieldToMatch::single_header)
        .ok_or_else(|| shape(target, "a byte match does not inspect a single header"))?;
    if !header.name().eq_ignore_ascii_case(&target.header_name) {
        return Err(shape(target, "a byte match inspects another header"));
    }
    if *m.positional_constraint() != PositionalConstraint::Exactly {
        return Err(shape(target, "a byte match is not EXACTLY"));
    }
    let value = std::str::from_utf8(m.search_string().as_ref())
        .map_err(|_| shape(target, "a search string is not UTF-8"))?;
    Ok(SecretValue::new(value))
}

/// The values a rule statement accepts: one EXACTLY byte match of the header,
/// or an OR of such matches.
///
/// # Errors
/// [`RotationError::UnexpectedRuleShape`] for anything else.
pub fn accepted_values_of(
    statement: Option<&Statement>,
    target: &RuleTarget,
) -> Result<Vec<SecretValue>, RotationError> {
    let statement = statement.ok_or_else(|| shape(target, "the rule has no statement"))?;
    match statement.or_statement() {
        Some(or) => or
            .statements()
            .iter()
            .map(|s| byte_match_value(s, target))
            .collect(),
        None => Ok(vec![byte_match_value(statement, target)?]),
    }
}

/// The statement that accepts exactly `values`, in this order: a byte match
/// for one value, an OR of byte matches for more.
///
/// # Errors
/// [`RotationError::OutOfStep`] for no value at all (a rule that admits
/// nothing would lock CloudFront out).
pub fn statement_for(
    values: &[&SecretValue],
    target: &RuleTarget,
) -> Result<Statement, RotationError> {
    let matches = values
        .iter()
        .map(|v| {
            let m = ByteMatchStatement::builder()
                .search_string(Blob::new(v.expose().as_bytes()))
                .field_to_match(
                    FieldToMatch::builder()
                        .single_header(
                            SingleHeader::builder()
                                .name(target.header_name.to_ascii_lowercase())
                                .build()
                                .map_err(|_| shape(target, "invalid header name"))?,
                        )
                        .build(),
                )
                .text_transformations(
                    TextTransformation::builder()
                        .priority(0)
                        .r#type(TextTransformationType::None)
                        .build()
                        .map_err(|_| shape(target, "invalid text transformation"))?,
                )
                .positional_constraint(PositionalConstraint::Exactly)
                .build()
                .map_err(|_| shape(target, "invalid byte match"))?;
            Ok(Statement::builder().byte_match_statement(m).build())
        })
        .collect::<Result<Vec<_>, RotationError>>()?;
    let mut matches = matches;
    match matches.len() {
        0 => Err(RotationError::OutOfStep(
            "refusing to write a WAF rule that accepts no value",
        )),
        1 => Ok(matches.remove(0)),
        _ => Ok(Statement::builder()
            .or_statement(
                OrStatement::builder()
                    .set_statements(Some(matches))
                    .build()
                    .map_err(|_| shape(target, "invalid OR statement"))?,
            )
            .build()),
    }
}

fn same_set(a: &[SecretValue], b: &[&SecretValue]) -> bool {
    a.iter().all(|x| b.contains(&x)) && b.iter().all(|x| a.contains(x))
}

fn find_rule<'a>(rules: &'a [Rule], target: &RuleTarget) -> Result<&'a Rule, RotationError> {
    rules
        .iter()
        .find(|r| r.name() == target.rule_name)
        .ok_or_else(|| RotationError::RuleNotFound {
            web_acl: target.web_acl_name.clone(),
            rule: target.rule_name.clone(),
        })
}

fn scope(scope: WafScope) -> Scope {
    match scope {
        WafScope::Regional => Scope::Regional,
        WafScope::CloudFront => Scope::Cloudfront,
    }
}

impl Waf for aws_sdk_wafv2::Client {
    async fn accepted_values(
        &self,
        target: &RuleTarget,
    ) -> Result<Vec<SecretValue>, RotationError> {
        let out = self
            .get_web_acl()
            .name(&target.web_acl_name)
            .id(&target.web_acl_id)
            .scope(scope(target.scope))
            .send()
            .await
            .map_err(|e| aws_error("wafv2", "GetWebACL", e))?;
        let acl = out.web_acl().ok_or(RotationError::UnexpectedResponse {
            service: "wafv2",
            operation: "GetWebACL",
            reason: "no WebACL",
        })?;
        accepted_values_of(find_rule(acl.rules(), target)?.statement(), target)
    }

    async fn set_accepted_values(
        &self,
        target: &RuleTarget,
        values: &[&SecretValue],
    ) -> Result<bool, RotationError> {
        let statement = statement_for(values, target)?;
        for _ in 0..MAX_ATTEMPTS {
            let out = self
                .get_web_acl()
                .name(&target.web_acl_name)
                .id(&target.web_acl_id)
                .scope(scope(target.scope))
                .send()
                .await
                .map_err(|e| aws_error("wafv2", "GetWebACL", e))?;
            let unexpected = |reason| RotationError::UnexpectedResponse {
                service: "wafv2",
                operation: "GetWebACL",
                reason,
            };
            let lock_token = out.lock_token.ok_or(unexpected("no LockToken"))?;
            let acl = out.web_acl.ok_or(unexpected("no WebACL"))?;
            let rule = find_rule(acl.rules(), target)?;
            if same_set(&accepted_values_of(rule.statement(), target)?, values) {
                return Ok(false);
            }
            let mut rules = acl.rules.clone().unwrap_or_default();
            for rule in &mut rules {
                if rule.name == target.rule_name {
                    rule.statement = Some(statement.clone());
                }
            }
            // UpdateWebACL replaces every mutable setting: send back all of them.
            let update = self
                .update_web_acl()
                .name(acl.name)
                .id(acl.id)
                .scope(scope(target.scope))
                .lock_token(lock_token)
                .set_default_action(acl.default_action)
                .set_description(acl.description)
                .set_rules(Some(rules))
                .set_visibility_config(acl.visibility_config)
                .set_data_protection_config(acl.data_protection_config)
                .set_custom_response_bodies(acl.custom_response_bodies)
                .set_captcha_config(acl.captcha_config)
                .set_challenge_config(acl.challenge_config)
                .set_token_domains(acl.token_domains)
                .set_association_config(acl.association_config)
                .set_on_source_d_do_s_protection_config(acl.on_source_d_do_s_protection_config)
                .set_application_config(acl.application_config)
                .set_monetization_config(acl.monetization_config)
                .send()
                .await;
            match update {
                Ok(_) => return Ok(true),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_waf_optimistic_lock_exception()) =>
                {
                    tracing::info!("web ACL changed since it was read; reading it again");
                }
                Err(e) => return Err(aws_error("wafv2", "UpdateWebACL", e)),
            }
        }
        Err(RotationError::Conflict {
            service: "wafv2",
            attempts: MAX_ATTEMPTS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudfront::types::{CustomHeaders, Origin, OriginCustomHeader, Origins};

    fn rule_target() -> RuleTarget {
        RuleTarget {
            web_acl_name: "acl".into(),
            web_acl_id: "id".into(),
            scope: WafScope::Regional,
            rule_name: "allow-origin-verify".into(),
            header_name: "x-origin-verify".into(),
        }
    }

    fn origin_target() -> OriginTarget {
        OriginTarget {
            distribution_id: "E1".into(),
            origin_id: "api".into(),
            header_name: "X-Origin-Verify".into(),
        }
    }

    #[test]
    fn statements_round_trip() {
        let t = rule_target();
        let (a, b, c) = (
            SecretValue::new("a"),
            SecretValue::new("b"),
            SecretValue::new("c"),
        );
        let one = statement_for(&[&a], &t).unwrap();
        assert!(one.byte_match_statement().is_some());
        assert_eq!(accepted_values_of(Some(&one), &t).unwrap(), vec![a.clone()]);
        let three = statement_for(&[&a, &b, &c], &t).unwrap();
        assert_eq!(three.or_statement().unwrap().statements().len(), 3);
        let got = accepted_values_of(Some(&three), &t).unwrap();
        assert_eq!(got, vec![a.clone(), b.clone(), c.clone()]);
        assert!(same_set(&got, &[&c, &a, &b]));
        assert!(!same_set(&got, &[&a, &b]));
        assert!(matches!(
            statement_for(&[], &t),
            Err(RotationError::OutOfStep(_))
        ));
    }

    #[test]
    fn other_rule_shapes_are_refused() {
        let t = rule_target();
        let other_header = RuleTarget {
            header_name: "x-other".into(),
            ..rule_target()
        };
        let s = statement_for(&[&SecretValue::new("a")], &other_header).unwrap();
        assert!(matches!(
            accepted_values_of(Some(&s), &t),
            Err(RotationError::UnexpectedRuleShape { .. })
        ));
        assert!(accepted_values_of(None, &t).is_err());
        let not = Statement::builder().build();
        assert!(accepted_values_of(Some(&not), &t).is_err());
    }

    #[test]
    fn origin_header_is_found_case_insensitively_and_replaced_alone() {
        let t = origin_target();
        let header = |name: &str, value: &str| {
            OriginCustomHeader::builder()
                .header_name(name)
                .header_value(value)
                .build()
                .unwrap()
        };
        let origin = Origin::builder()
            .id("api")
            .domain_name("x.execute-api.eu-west-1.amazonaws.com")
            .custom_headers(
                CustomHeaders::builder()
                    .quantity(2)
                    .items(header("x-origin-verify", "old"))
                    .items(header("X-Other", "keep"))
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let mut config = DistributionConfig::builder()
            .caller_reference("r")
            .comment("c")
            .enabled(true)
            .origins(
                Origins::builder()
                    .quantity(1)
                    .items(origin)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        assert_eq!(origin_header(&config, &t).unwrap(), "old");
        let before = config.clone();
        assert!(!replace_origin_header(&mut config, &t, &SecretValue::new("old")).unwrap());
        assert_eq!(config, before);
        assert!(replace_origin_header(&mut config, &t, &SecretValue::new("new")).unwrap());
        assert_eq!(origin_header(&config, &t).unwrap(), "new");
        let headers = config.origins().unwrap().items()[0]
            .custom_headers()
            .unwrap()
            .items();
        assert_eq!(headers[1].header_value(), "keep");
        let missing = OriginTarget {
            origin_id: "other".into(),
            ..origin_target()
        };
        assert!(matches!(
            replace_origin_header(&mut config, &missing, &SecretValue::new("x")),
            Err(RotationError::OriginHeaderNotFound { .. })
        ));
    }
}
