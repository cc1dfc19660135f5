//! The four rotation steps against recorded AWS answers.
//!
//! The real SDK clients run with `aws-smithy-mocks`: every answer is a
//! recorded wire response from `tests/fixtures/{secretsmanager,cloudfront,
//! wafv2}` (JSON for Secrets Manager and WAF, XML with an `ETag` header for
//! CloudFront, errors as the services send them), so the SDK's own
//! deserialisers parse them. An interceptor shared by the three clients
//! records every request as it goes on the wire, in order, and the tests
//! compare the bodies with `tests/fixtures/requests`. Waits go through a fake
//! [`Sleep`] that records instead of sleeping.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::secretsmanager::SecretsManagerSecretRotationEvent;
use aws_sdk_cloudfront::types::DistributionConfig;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use rotator::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, Action, Config, Report, RotationError, Rotator, Sleep,
};
use serde_json::{Value, json};

// ------------------------------------------------------------------ the fixtures' world

const SECRET_ARN: &str =
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:secure-serverless/origin-verify-Xk4b9Q";
const CURRENT_ID: &str = "84ad6ec7-920b-41f3-8902-2f3f613978ef";
const TOKEN: &str = "a0d026d2-42d7-4896-99d4-c0fea41b1d49";
const ETAG: &str = "E3UN6WX5RRO2AG";
const ETAG_AFTER_CONFLICT: &str = "E1F83G8C2ARO7P";

fn config() -> Config {
    config_with(&[])
}

fn config_with(extra: &[(&'static str, &'static str)]) -> Config {
    let mut vars = common::FIXTURE_SETTINGS.to_vec();
    vars.extend_from_slice(extra);
    Config::from_lookup(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

/// 60 s extension TTL + 2 x 60 s authorizer cache + 15 s margin.
const SETTLE: Duration = Duration::from_secs(195);
/// The first wait for CloudFront's deployment.
const POLL: Duration = rotator::DEPLOY_POLL_INTERVAL;

fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A secret value as the fixtures hold it.
fn value(stage_fixture: &str) -> String {
    json_fixture(&format!("secretsmanager/{stage_fixture}.json"))["SecretString"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn previous() -> String {
    value("get-secret-value-previous")
}
fn current() -> String {
    value("get-secret-value-current")
}
fn pending() -> String {
    value("get-secret-value-pending")
}

fn event(step: &str) -> SecretsManagerSecretRotationEvent {
    let file = format!(
        "{}/events/{}-secret.json",
        env!("CARGO_MANIFEST_DIR"),
        step.trim_end_matches("Secret")
    );
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

// ------------------------------------------------------------------ recorded answers

fn answer(
    status: u16,
    content_type: &'static str,
    body: String,
    etag: Option<&'static str>,
) -> impl Fn() -> HttpResponse + Send + Sync + 'static {
    move || {
        let mut r = HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(body.clone()),
        );
        r.headers_mut().insert("content-type", content_type);
        r.headers_mut()
            .insert("x-amzn-requestid", "6c1f3a5e-8b2d-4f7a-9e0c-1d3b5f7a9c2e");
        if let Some(etag) = etag {
            r.headers_mut().insert("etag", etag);
        }
        r
    }
}

fn json_ok(name: &str) -> impl Fn() -> HttpResponse + Send + Sync + 'static {
    answer(200, "application/x-amz-json-1.1", fixture(name), None)
}

fn json_err(name: &str) -> impl Fn() -> HttpResponse + Send + Sync + 'static {
    answer(400, "application/x-amz-json-1.1", fixture(name), None)
}

fn xml_ok(name: &str, etag: &'static str) -> impl Fn() -> HttpResponse + Send + Sync + 'static {
    answer(200, "text/xml", fixture(name), Some(etag))
}

mod sm {
    use super::*;
    use aws_sdk_secretsmanager::Client;

    pub fn describe(name: &str) -> Rule {
        mock!(Client::describe_secret)
            .match_requests(|r| r.secret_id() == Some(SECRET_ARN))
            .then_http_response(json_ok(&format!("secretsmanager/{name}.json")))
    }

    pub fn get(stage: &'static str, version: Option<&'static str>, name: &str) -> Rule {
        mock!(Client::get_secret_value)
            .match_requests(move |r| {
                r.secret_id() == Some(SECRET_ARN)
                    && r.version_stage() == Some(stage)
                    && r.version_id() == version
            })
            .then_http_response(json_ok(&format!("secretsmanager/{name}.json")))
    }

    pub fn missing(stage: &'static str, version: Option<&'static str>) -> Rule {
        mock!(Client::get_secret_value)
            .match_requests(move |r| r.version_stage() == Some(stage) && r.version_id() == version)
            .then_http_response(json_err("secretsmanager/error-resource-not-found.json"))
    }

    /// The three reads every step after createSecret starts with.
    pub fn reads() -> Vec<Rule> {
        vec![
            get(AWSCURRENT, None, "get-secret-value-current"),
            get(AWSPENDING, Some(TOKEN), "get-secret-value-pending"),
            get(AWSPREVIOUS, None, "get-secret-value-previous"),
        ]
    }

    /// The reads of a finishSecret that runs again after the stage move.
    pub fn reads_after_finish() -> Vec<Rule> {
        vec![
            get(
                AWSCURRENT,
                Some(TOKEN),
                "get-secret-value-current-after-finish",
            ),
            get(AWSPREVIOUS, None, "get-secret-value-previous-after-finish"),
        ]
    }

    pub fn random() -> Rule {
        mock!(Client::get_random_password)
            .then_http_response(json_ok("secretsmanager/get-random-password.json"))
    }

    pub fn put() -> Rule {
        mock!(Client::put_secret_value)
            .then_http_response(json_ok("secretsmanager/put-secret-value.json"))
    }

    pub fn move_stage() -> Rule {
        mock!(Client::update_secret_version_stage)
            .then_http_response(json_ok("secretsmanager/update-secret-version-stage.json"))
    }
}

mod cf {
    use super::*;
    use aws_sdk_cloudfront::Client;

    pub fn distribution(name: &str) -> Rule {
        mock!(Client::get_distribution)
            .match_requests(|r| r.id() == Some("E2QWRUHAPOMQZL"))
            .then_http_response(xml_ok(&format!("cloudfront/{name}.xml"), ETAG))
    }

    pub fn config(name: &str, etag: &'static str) -> Rule {
        mock!(Client::get_distribution_config)
            .match_requests(|r| r.id() == Some("E2QWRUHAPOMQZL"))
            .then_http_response(xml_ok(&format!("cloudfront/{name}.xml"), etag))
    }

    /// UpdateDistribution whose input must be exactly `expected` (the
    /// configuration read, with only the header value changed) sent with
    /// `If-Match: etag`.
    pub fn update(expected: DistributionConfig, etag: &'static str) -> Rule {
        mock!(Client::update_distribution)
            .match_requests(move |r| {
                r.id() == Some("E2QWRUHAPOMQZL")
                    && r.if_match() == Some(etag)
                    && r.distribution_config() == Some(&expected)
            })
            .then_http_response(xml_ok(
                "cloudfront/update-distribution.xml",
                "E2QWRUHAQ3AK8A",
            ))
    }

    pub fn update_denied() -> Rule {
        mock!(Client::update_distribution).then_http_response(answer(
            403,
            "text/xml",
            fixture("cloudfront/error-access-denied.xml"),
            None,
        ))
    }

    pub fn update_conflict() -> Rule {
        mock!(Client::update_distribution).then_http_response(answer(
            412,
            "text/xml",
            fixture("cloudfront/error-precondition-failed.xml"),
            None,
        ))
    }

    /// The configuration of a fixture, parsed by the SDK, with the header set
    /// to `header`: what UpdateDistribution must send.
    pub async fn expected(name: &str, header: &str) -> DistributionConfig {
        let rule = config(name, ETAG);
        let client = mock_client!(aws_sdk_cloudfront, RuleMode::Sequential, [&rule]);
        let mut config = client
            .get_distribution_config()
            .id("E2QWRUHAPOMQZL")
            .send()
            .await
            .unwrap()
            .distribution_config
            .unwrap();
        let origins = config.origins.as_mut().unwrap();
        assert_eq!(origins.items.len(), 1);
        let headers = origins.items[0].custom_headers.as_mut().unwrap();
        let items = headers.items.as_mut().unwrap();
        assert_eq!(items[0].header_name, "X-Origin-Verify");
        items[0].header_value = header.to_owned();
        config
    }
}

mod waf {
    use super::*;
    use aws_sdk_wafv2::Client;
    use aws_sdk_wafv2::types::Scope;

    pub fn get(name: &str) -> Rule {
        mock!(Client::get_web_acl)
            .match_requests(|r| {
                r.name() == Some("secure-serverless-origin-verify")
                    && r.id() == Some("1f3e5d7c-9b2a-4c6e-8d0f-2a4c6e8f0b1d")
                    && r.scope() == Some(&Scope::Regional)
            })
            .then_http_response(json_ok(&format!("wafv2/{name}.json")))
    }

    pub fn update() -> Rule {
        mock!(Client::update_web_acl).then_http_response(json_ok("wafv2/update-web-acl.json"))
    }

    pub fn update_locked() -> Rule {
        mock!(Client::update_web_acl)
            .then_http_response(json_err("wafv2/error-optimistic-lock.json"))
    }
}

// ------------------------------------------------------------------ the recorder

/// One request as it went on the wire (or one wait).
#[derive(Debug, Clone)]
struct Call {
    /// `secretsmanager.GetSecretValue`, `cloudfront.UpdateDistribution`, `sleep` ...
    op: String,
    /// The JSON body; for CloudFront the `If-Match` header and the header value sent.
    body: Value,
}

#[derive(Debug, Clone, Default)]
struct Log(Arc<Mutex<Vec<Call>>>);

impl Log {
    fn push(&self, op: String, body: Value) {
        self.0.lock().unwrap().push(Call { op, body });
    }

    fn calls(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }

    fn ops(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.op).collect()
    }

    /// Bodies of every call of `op`, in order.
    fn bodies(&self, op: &str) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c.op == op)
            .map(|c| c.body)
            .collect()
    }

    fn position(&self, op: &str) -> usize {
        self.ops()
            .iter()
            .position(|o| o == op)
            .unwrap_or_else(|| panic!("no {op} in {:#?}", self.ops()))
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

impl Intercept for Log {
    fn name(&self) -> &'static str {
        "RecordRequests"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let body = request.body().bytes().unwrap_or_default();
        if let Some(target) = request.headers().get("x-amz-target") {
            let (service, op) = target.split_once('.').unwrap_or(("?", target));
            let service = if service.starts_with("AWSWAF") {
                "wafv2"
            } else {
                service
            };
            self.push(format!("{service}.{op}"), serde_json::from_slice(body)?);
        } else {
            let config = request.uri().ends_with("/config");
            let op = match (request.method(), config) {
                ("GET", true) => "GetDistributionConfig",
                ("GET", false) => "GetDistribution",
                ("PUT", true) => "UpdateDistribution",
                _ => "unknown",
            };
            let xml = std::str::from_utf8(body)?;
            self.push(
                format!("cloudfront.{op}"),
                json!({
                    "IfMatch": request.headers().get("if-match"),
                    "HeaderValue": between(xml, "<HeaderValue>", "</HeaderValue>"),
                }),
            );
        }
        Ok(())
    }
}

/// Records the wait instead of sleeping.
#[derive(Debug, Clone)]
struct FakeSleep(Log, SystemTime);

impl Sleep for FakeSleep {
    async fn sleep(&self, duration: Duration) {
        self.0.push("sleep".into(), json!(duration.as_secs()));
    }

    fn now(&self) -> SystemTime {
        self.1
    }
}

/// The `CreatedDate` of the fixtures' AWSPENDING version.
const PENDING_CREATED: Duration = Duration::from_millis(1_769_817_600_789);

/// The fixtures' "now": five minutes after the pending value was created,
/// as when Secrets Manager runs the four steps back to back.
fn fixture_now() -> SystemTime {
    UNIX_EPOCH + PENDING_CREATED + Duration::from_secs(300)
}

// ------------------------------------------------------------------ the harness

type Clients = (
    aws_sdk_secretsmanager::Client,
    aws_sdk_cloudfront::Client,
    aws_sdk_wafv2::Client,
);

struct World {
    log: Log,
    rules: Vec<Rule>,
    rotator: Rotator<
        aws_sdk_secretsmanager::Client,
        aws_sdk_cloudfront::Client,
        aws_sdk_wafv2::Client,
        FakeSleep,
    >,
}

fn world(secrets: Vec<Rule>, cloudfront: Vec<Rule>, waf: Vec<Rule>) -> World {
    world_with(secrets, cloudfront, waf, config())
}

fn world_with(secrets: Vec<Rule>, cloudfront: Vec<Rule>, waf: Vec<Rule>, config: Config) -> World {
    world_at(secrets, cloudfront, waf, config, fixture_now())
}

fn world_at(
    secrets: Vec<Rule>,
    cloudfront: Vec<Rule>,
    waf: Vec<Rule>,
    config: Config,
    now: SystemTime,
) -> World {
    let log = Log::default();
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let clients: Clients = (
        mock_client!(
            aws_sdk_secretsmanager,
            RuleMode::Sequential,
            &secrets,
            move |c| c.interceptor(l1.clone())
        ),
        mock_client!(
            aws_sdk_cloudfront,
            RuleMode::Sequential,
            &cloudfront,
            move |c| c.interceptor(l2.clone())
        ),
        mock_client!(aws_sdk_wafv2, RuleMode::Sequential, &waf, move |c| c
            .interceptor(l3.clone())),
    );
    let rules = secrets.into_iter().chain(cloudfront).chain(waf).collect();
    World {
        rotator: Rotator::new(
            clients.0,
            clients.1,
            clients.2,
            FakeSleep(log.clone(), now),
            config,
        ),
        log,
        rules,
    }
}

impl World {
    async fn run(&self, step: &str) -> Result<Report, RotationError> {
        // The deployed timeout (600 s) from now.
        let deadline = Instant::now() + Duration::from_secs(600);
        self.rotator.rotate(&event(step), Some(deadline)).await
    }

    /// Every recorded answer was asked for once (in sequential mode a call
    /// beyond them gets no answer and fails the step).
    fn assert_all_used(&self) {
        for (i, rule) in self.rules.iter().enumerate() {
            assert!(
                rule.num_calls() == 1,
                "rule {i} was not used; calls: {:#?}",
                self.log.ops()
            );
        }
    }
}

fn concat(parts: Vec<Vec<Rule>>) -> Vec<Rule> {
    parts.into_iter().flatten().collect()
}

fn actions(report: &Report) -> Vec<Action> {
    report.actions.clone()
}

// ------------------------------------------------------------------ createSecret

#[tokio::test]
async fn create_secret_stores_a_random_value_as_pending() {
    let w = world(
        vec![
            sm::describe("describe-secret-rotation-started"),
            sm::get(AWSCURRENT, None, "get-secret-value-current"),
            sm::missing(AWSPENDING, Some(TOKEN)),
            sm::random(),
            sm::put(),
        ],
        vec![],
        vec![],
    );
    let report = w.run("createSecret").await.unwrap();
    assert_eq!(actions(&report), [Action::PendingCreated]);
    assert_eq!(
        w.log.ops(),
        [
            "secretsmanager.DescribeSecret",
            "secretsmanager.GetSecretValue",
            "secretsmanager.GetSecretValue",
            "secretsmanager.GetRandomPassword",
            "secretsmanager.PutSecretValue",
        ]
    );
    assert_eq!(
        w.log.bodies("secretsmanager.GetRandomPassword"),
        [json_fixture("requests/get-random-password.json")]
    );
    assert_eq!(
        w.log.bodies("secretsmanager.PutSecretValue"),
        [json_fixture("requests/put-secret-value.json")]
    );
    w.assert_all_used();
}

#[tokio::test]
async fn create_secret_again_keeps_the_stored_value() {
    let w = world(
        vec![
            sm::describe("describe-secret-rotation-started"),
            sm::get(AWSCURRENT, None, "get-secret-value-current"),
            sm::get(AWSPENDING, Some(TOKEN), "get-secret-value-pending"),
        ],
        vec![],
        vec![],
    );
    let report = w.run("createSecret").await.unwrap();
    assert_eq!(actions(&report), [Action::PendingExists]);
    assert!(
        !w.log
            .ops()
            .iter()
            .any(|o| o.ends_with("PutSecretValue") || o.ends_with("GetRandomPassword"))
    );
    w.assert_all_used();
}

// ------------------------------------------------------------------ setSecret

#[tokio::test]
async fn set_secret_makes_the_waf_accept_current_and_pending_never_the_retired_previous() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![cf::distribution("get-distribution-deployed")],
        vec![waf::get("get-web-acl-after-last-rotation"), waf::update()],
    );
    let report = w.run("setSecret").await.unwrap();
    assert_eq!(actions(&report), [Action::WafUpdated]);
    assert_eq!(
        w.log.bodies("wafv2.UpdateWebACL"),
        [json_fixture(
            "requests/update-web-acl-set-previous-retired.json"
        )]
    );
    // CloudFront is read first (it sends AWSCURRENT, deployed: the previous
    // value is retired) and not changed.
    assert_eq!(
        w.log.ops()[4..],
        [
            "cloudfront.GetDistribution",
            "wafv2.GetWebACL",
            "wafv2.UpdateWebACL"
        ]
    );
    w.assert_all_used();
}

#[tokio::test]
async fn set_secret_on_the_first_rotation_has_no_previous_value() {
    let w = world(
        vec![
            sm::describe("describe-secret-first-rotation"),
            sm::get(AWSCURRENT, None, "get-secret-value-current"),
            sm::get(AWSPENDING, Some(TOKEN), "get-secret-value-pending"),
            sm::missing(AWSPREVIOUS, None),
        ],
        vec![cf::distribution("get-distribution-deployed")],
        vec![waf::get("get-web-acl-first-deploy"), waf::update()],
    );
    w.run("setSecret").await.unwrap();
    assert_eq!(
        w.log.bodies("wafv2.UpdateWebACL"),
        [json_fixture(
            "requests/update-web-acl-set-first-rotation.json"
        )]
    );
    w.assert_all_used();
}

#[tokio::test]
async fn set_secret_again_changes_nothing() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![cf::distribution("get-distribution-deployed")],
        vec![waf::get("get-web-acl-switching")],
    );
    let report = w.run("setSecret").await.unwrap();
    assert_eq!(actions(&report), [Action::WafUnchanged]);
    assert!(w.log.bodies("wafv2.UpdateWebACL").is_empty());
    w.assert_all_used();
}

#[tokio::test]
async fn set_secret_reads_again_after_an_optimistic_lock_failure() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![cf::distribution("get-distribution-deployed")],
        vec![
            waf::get("get-web-acl-after-last-rotation"),
            waf::update_locked(),
            // Someone added a rule meanwhile: it must survive our update.
            waf::get("get-web-acl-changed-concurrently"),
            waf::update(),
        ],
    );
    let report = w.run("setSecret").await.unwrap();
    assert_eq!(actions(&report), [Action::WafUpdated]);
    let updates = w.log.bodies("wafv2.UpdateWebACL");
    assert_eq!(updates.len(), 2);
    assert_eq!(
        updates[0],
        json_fixture("requests/update-web-acl-set-previous-retired.json")
    );
    assert_eq!(
        updates[1],
        json_fixture("requests/update-web-acl-set-after-conflict-previous-retired.json")
    );
    assert_ne!(updates[0]["LockToken"], updates[1]["LockToken"]);
    w.assert_all_used();
}

#[tokio::test]
async fn set_secret_gives_up_when_the_lock_never_holds() {
    let mut waf_rules = Vec::new();
    for _ in 0..rotator::MAX_ATTEMPTS {
        waf_rules.push(waf::get("get-web-acl-after-last-rotation"));
        waf_rules.push(waf::update_locked());
    }
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![cf::distribution("get-distribution-deployed")],
        waf_rules,
    );
    let e = w.run("setSecret").await.unwrap_err();
    assert!(
        matches!(
            e,
            RotationError::Conflict {
                service: "wafv2",
                attempts: 5
            }
        ),
        "{e}"
    );
    w.assert_all_used();
}

#[tokio::test]
async fn set_secret_restores_cloudfront_left_on_the_previous_value() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![
            cf::distribution("get-distribution-sends-previous"),
            cf::config("get-distribution-config-sends-previous", ETAG),
            cf::update(
                cf::expected("get-distribution-config-sends-previous", &current()).await,
                ETAG,
            ),
        ],
        vec![waf::get("get-web-acl-after-last-rotation"), waf::update()],
    );
    let report = w.run("setSecret").await.unwrap();
    assert_eq!(
        actions(&report),
        [
            Action::WafUpdated,
            Action::Settled(SETTLE),
            Action::CloudFrontRestored
        ]
    );
    assert_eq!(
        w.log.bodies("cloudfront.UpdateDistribution"),
        [json!({"IfMatch": ETAG, "HeaderValue": current()})]
    );
    // The WAF accepts all three values before the wait and the switch.
    assert!(w.log.position("wafv2.UpdateWebACL") < w.log.position("sleep"));
    assert!(w.log.position("sleep") < w.log.position("cloudfront.UpdateDistribution"));
    w.assert_all_used();
}

// ------------------------------------------------------------------ testSecret

#[tokio::test]
async fn test_secret_checks_the_waf_and_cloudfront_and_changes_nothing() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![cf::distribution("get-distribution-deployed")],
        vec![waf::get("get-web-acl-rotating")],
    );
    let report = w.run("testSecret").await.unwrap();
    assert_eq!(actions(&report), [Action::Verified]);
    assert_eq!(
        w.log.ops()[4..],
        ["wafv2.GetWebACL", "cloudfront.GetDistribution"]
    );
    w.assert_all_used();
}

#[tokio::test]
async fn test_secret_fails_when_the_waf_lacks_the_pending_value() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![],
        vec![waf::get("get-web-acl-after-last-rotation")],
    );
    let e = w.run("testSecret").await.unwrap_err();
    assert!(matches!(e, RotationError::OutOfStep(_)), "{e}");
    w.assert_all_used();
}

#[tokio::test]
async fn test_secret_waits_for_a_deploying_distribution() {
    for (fixture, why) in [
        ("get-distribution-in-progress", "deploying"),
        ("get-distribution-sends-previous", "AWSPREVIOUS"),
    ] {
        let w = world(
            concat(vec![
                vec![sm::describe("describe-secret-rotation-started")],
                sm::reads(),
            ]),
            vec![cf::distribution(fixture)],
            vec![waf::get("get-web-acl-rotating")],
        );
        let e = w.run("testSecret").await.unwrap_err();
        assert!(
            matches!(e, RotationError::NotReady(m) if m.contains(why)),
            "{fixture}"
        );
        w.assert_all_used();
    }
}

// ------------------------------------------------------------------ finishSecret

async fn finish_cloudfront_rules() -> Vec<Rule> {
    vec![
        cf::config("get-distribution-config", ETAG),
        cf::update(
            cf::expected("get-distribution-config", &pending()).await,
            ETAG,
        ),
    ]
}

/// Secrets Manager's answers to a first finishSecret: the metadata, the
/// three reads and the stage move.
fn first_finish_secrets() -> Vec<Rule> {
    concat(vec![
        vec![sm::describe("describe-secret-rotation-started")],
        sm::reads(),
        vec![sm::move_stage()],
    ])
}

/// CloudFront's answers to a first finishSecret up to the header switch:
/// deployed before and after the stage move, then the switch itself.
async fn first_finish_cloudfront() -> Vec<Rule> {
    concat(vec![
        vec![
            cf::distribution("get-distribution-deployed"),
            cf::distribution("get-distribution-deployed"),
        ],
        finish_cloudfront_rules().await,
    ])
}

#[tokio::test]
async fn finish_secret_moves_the_stage_waits_switches_cloudfront_and_retires_the_old_value_once_deployed()
 {
    let w = world(
        first_finish_secrets(),
        concat(vec![
            first_finish_cloudfront().await,
            vec![
                cf::distribution("get-distribution-switched"),
                cf::distribution("get-distribution-switched-deployed"),
            ],
        ]),
        vec![
            waf::get("get-web-acl-rotating"),
            waf::get("get-web-acl-rotating"),
            waf::update(),
        ],
    );
    let report = w.run("finishSecret").await.unwrap();
    assert_eq!(
        actions(&report),
        [
            Action::StageMoved,
            Action::Settled(SETTLE),
            Action::CloudFrontUpdated,
            Action::DeployPolled(POLL),
            Action::CloudFrontDeployed,
            Action::WafUpdated
        ]
    );
    assert_eq!(
        w.log.ops()[4..],
        [
            "wafv2.GetWebACL",
            "cloudfront.GetDistribution",
            "secretsmanager.UpdateSecretVersionStage",
            "cloudfront.GetDistribution",
            "sleep",
            "cloudfront.GetDistributionConfig",
            "cloudfront.UpdateDistribution",
            "cloudfront.GetDistribution",
            "sleep",
            "cloudfront.GetDistribution",
            "wafv2.GetWebACL",
            "wafv2.UpdateWebACL",
        ]
    );
    assert_eq!(
        w.log.bodies("secretsmanager.UpdateSecretVersionStage"),
        [json_fixture("requests/update-secret-version-stage.json")]
    );
    assert_eq!(
        w.log.bodies("sleep"),
        [json!(SETTLE.as_secs()), json!(POLL.as_secs())]
    );
    assert_eq!(
        w.log.bodies("cloudfront.UpdateDistribution"),
        [json!({"IfMatch": ETAG, "HeaderValue": pending()})]
    );
    assert_eq!(
        w.log.bodies("wafv2.UpdateWebACL"),
        [json_fixture("requests/update-web-acl-finish.json")]
    );
    w.assert_all_used();
}

#[tokio::test]
async fn finish_secret_again_after_everything_changed_does_nothing() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-stage-moved")],
            sm::reads_after_finish(),
        ]),
        vec![cf::distribution("get-distribution-switched-deployed")],
        vec![waf::get("get-web-acl-finished")],
    );
    let report = w.run("finishSecret").await.unwrap();
    assert_eq!(
        actions(&report),
        [
            Action::AlreadyCurrent,
            Action::CloudFrontUnchanged,
            Action::CloudFrontDeployed,
            Action::WafUnchanged
        ]
    );
    assert!(
        !w.log
            .ops()
            .iter()
            .any(|o| o.starts_with("cloudfront.Update")
                || o.contains("UpdateWebACL")
                || o == "sleep")
    );
    w.assert_all_used();
}

/// A retried finishSecret after the stage moved but before CloudFront was
/// switched: the switch, the deployment, and the WAF trimmed to the new value.
async fn after_a_crash_past_the_stage_move() -> World {
    world(
        concat(vec![
            vec![sm::describe("describe-secret-stage-moved")],
            sm::reads_after_finish(),
        ]),
        concat(vec![
            vec![cf::distribution("get-distribution-deployed")],
            finish_cloudfront_rules().await,
            vec![cf::distribution("get-distribution-switched-deployed")],
        ]),
        vec![waf::get("get-web-acl-rotating"), waf::update()],
    )
}

#[tokio::test]
async fn finish_secret_again_after_a_crash_past_the_stage_move_completes_the_switch() {
    let w = after_a_crash_past_the_stage_move().await;
    let report = w.run("finishSecret").await.unwrap();
    assert_eq!(
        actions(&report),
        [
            Action::AlreadyCurrent,
            Action::Settled(SETTLE),
            Action::CloudFrontUpdated,
            Action::CloudFrontDeployed,
            Action::WafUpdated
        ]
    );
    // The stage is not moved twice.
    assert!(
        w.log
            .bodies("secretsmanager.UpdateSecretVersionStage")
            .is_empty()
    );
    assert_eq!(
        w.log.bodies("wafv2.UpdateWebACL"),
        [json_fixture("requests/update-web-acl-finish.json")]
    );
    w.assert_all_used();
}

#[tokio::test]
async fn finish_secret_reads_again_when_the_distribution_changed_meanwhile() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-stage-moved")],
            sm::reads_after_finish(),
        ]),
        vec![
            cf::distribution("get-distribution-deployed"),
            cf::config("get-distribution-config", ETAG),
            cf::update_conflict(),
            cf::config("get-distribution-config", ETAG_AFTER_CONFLICT),
            cf::update(
                cf::expected("get-distribution-config", &pending()).await,
                ETAG_AFTER_CONFLICT,
            ),
            cf::distribution("get-distribution-switched-deployed"),
        ],
        vec![waf::get("get-web-acl-rotating"), waf::update()],
    );
    w.run("finishSecret").await.unwrap();
    assert_eq!(
        w.log.bodies("cloudfront.UpdateDistribution"),
        [
            json!({"IfMatch": ETAG, "HeaderValue": pending()}),
            json!({"IfMatch": ETAG_AFTER_CONFLICT, "HeaderValue": pending()}),
        ]
    );
    w.assert_all_used();
}

/// CloudFront slow to deploy: the step fails with both values admitted
/// (nothing breaks while edges still send the old one), and Secrets Manager's
/// retry retires the old value once the distribution is deployed.
#[tokio::test]
async fn finish_secret_with_a_slow_cloudfront_fails_admitting_both_then_a_retry_retires_the_old_value()
 {
    let slow = world_with(
        first_finish_secrets(),
        concat(vec![
            first_finish_cloudfront().await,
            (0..4)
                .map(|_| cf::distribution("get-distribution-switched"))
                .collect(),
        ]),
        vec![
            waf::get("get-web-acl-rotating"),
            waf::get("get-web-acl-rotating"),
            waf::update(),
        ],
        config_with(&[("CLOUDFRONT_DEPLOY_TIMEOUT_SECONDS", "60")]),
    );
    let e = slow.run("finishSecret").await.unwrap_err();
    assert!(
        matches!(e, RotationError::NotReady(m) if m.contains("deploying")),
        "{e}"
    );
    assert_eq!(
        slow.log.bodies("sleep"),
        [json!(SETTLE.as_secs()), json!(20), json!(20), json!(20)]
    );
    // The WAF admits the new and the previous value, not the older one.
    assert_eq!(
        slow.log.bodies("wafv2.UpdateWebACL"),
        [json_fixture("requests/update-web-acl-switching.json")]
    );
    slow.assert_all_used();

    let retry = world(
        concat(vec![
            vec![sm::describe("describe-secret-stage-moved")],
            sm::reads_after_finish(),
        ]),
        vec![
            cf::distribution("get-distribution-switched"),
            cf::distribution("get-distribution-switched-deployed"),
        ],
        vec![waf::get("get-web-acl-switching"), waf::update()],
    );
    let report = retry.run("finishSecret").await.unwrap();
    assert_eq!(
        actions(&report),
        [
            Action::AlreadyCurrent,
            Action::CloudFrontUnchanged,
            Action::DeployPolled(POLL),
            Action::CloudFrontDeployed,
            Action::WafUpdated
        ]
    );
    let mut expected = json_fixture("requests/update-web-acl-finish.json");
    expected["LockToken"] = json_fixture("wafv2/get-web-acl-switching.json")["LockToken"].clone();
    assert_eq!(retry.log.bodies("wafv2.UpdateWebACL"), [expected]);
    retry.assert_all_used();
}

/// A rotation that fails halfway (CloudFront refuses the update after the
/// stage move) changes nothing at the WAF; the retry completes it.
#[tokio::test]
async fn finish_secret_failing_halfway_leaves_the_waf_alone_and_the_retry_completes() {
    let failing = world(
        first_finish_secrets(),
        vec![
            cf::distribution("get-distribution-deployed"),
            cf::distribution("get-distribution-deployed"),
            cf::config("get-distribution-config", ETAG),
            cf::update_denied(),
        ],
        vec![waf::get("get-web-acl-rotating")],
    );
    assert!(failing.run("finishSecret").await.is_err());
    assert!(failing.log.bodies("wafv2.UpdateWebACL").is_empty());
    failing.assert_all_used();

    let retry = after_a_crash_past_the_stage_move().await;
    retry.run("finishSecret").await.unwrap();
    assert_eq!(
        retry.log.bodies("wafv2.UpdateWebACL"),
        [json_fixture("requests/update-web-acl-finish.json")]
    );
    retry.assert_all_used();
}

/// A pending value created long ago (its rotation stalled before the stage
/// move): moving it now would end the authorizer's grace for the old value
/// before CloudFront switches, so the stage is not moved.
#[tokio::test]
async fn finish_secret_refuses_a_pending_value_too_old_for_the_authorizers_grace() {
    let grace = Duration::from_secs(1800);
    let needed = SETTLE + Duration::from_secs(600) + rotator::CALL_BUDGET;
    for (age, ok) in [
        (grace - needed, true),
        (grace - needed + Duration::from_secs(1), false),
    ] {
        let now = UNIX_EPOCH + PENDING_CREATED + age;
        let w = if ok {
            world_at(
                first_finish_secrets(),
                concat(vec![
                    first_finish_cloudfront().await,
                    vec![cf::distribution("get-distribution-switched-deployed")],
                ]),
                vec![
                    waf::get("get-web-acl-rotating"),
                    waf::get("get-web-acl-rotating"),
                    waf::update(),
                ],
                config(),
                now,
            )
        } else {
            world_at(
                concat(vec![
                    vec![sm::describe("describe-secret-rotation-started")],
                    sm::reads(),
                ]),
                vec![],
                vec![],
                config(),
                now,
            )
        };
        let r = w.run("finishSecret").await;
        if ok {
            r.unwrap();
        } else {
            let e = r.unwrap_err();
            assert!(matches!(e, RotationError::PendingTooOld { .. }), "{e}");
            assert!(
                w.log
                    .bodies("secretsmanager.UpdateSecretVersionStage")
                    .is_empty()
            );
        }
        w.assert_all_used();
    }
    // The settings must leave room for the wait and the deployment.
    let short = Config::from_lookup(|k| {
        common::FIXTURE_SETTINGS
            .iter()
            .copied()
            .chain([("AUTHORIZER_PREVIOUS_SECRET_GRACE_SECONDS", "600")])
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_owned())
    });
    assert!(
        matches!(short, Err(RotationError::Config(m)) if m.contains("AUTHORIZER_PREVIOUS_SECRET_GRACE_SECONDS"))
    );
}

#[tokio::test]
async fn finish_secret_refuses_to_start_without_time_for_the_wait() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![],
        vec![],
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let e = w
        .rotator
        .rotate(&event("finishSecret"), Some(deadline))
        .await
        .unwrap_err();
    assert!(matches!(e, RotationError::DeadlineTooShort { .. }), "{e}");
    w.assert_all_used();
}

#[tokio::test]
async fn finish_secret_does_not_move_the_stage_while_cloudfront_deploys() {
    let w = world(
        concat(vec![
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
        ]),
        vec![cf::distribution("get-distribution-in-progress")],
        vec![waf::get("get-web-acl-rotating")],
    );
    let e = w.run("finishSecret").await.unwrap_err();
    assert!(matches!(e, RotationError::NotReady(_)), "{e}");
    assert!(
        w.log
            .bodies("secretsmanager.UpdateSecretVersionStage")
            .is_empty()
    );
    w.assert_all_used();
}

// ------------------------------------------------------------------ versions and events

#[tokio::test]
async fn earlier_steps_on_a_version_already_current_do_nothing() {
    for step in ["createSecret", "setSecret", "testSecret"] {
        let w = world(
            vec![sm::describe("describe-secret-stage-moved")],
            vec![],
            vec![],
        );
        let report = w.run(step).await.unwrap();
        assert_eq!(actions(&report), [Action::AlreadyCurrent], "{step}");
        assert_eq!(w.log.ops(), ["secretsmanager.DescribeSecret"]);
        w.assert_all_used();
    }
}

#[tokio::test]
async fn a_version_that_is_not_pending_is_an_error_for_every_step() {
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        let w = world(
            vec![sm::describe("describe-secret-token-is-previous")],
            vec![],
            vec![],
        );
        match w.run(step).await {
            Err(RotationError::NotPending { token, stages }) => {
                assert_eq!(token, TOKEN);
                assert_eq!(stages, [AWSPREVIOUS]);
            }
            other => panic!("{step}: {other:?}"),
        }
        assert_eq!(w.log.ops(), ["secretsmanager.DescribeSecret"]);
    }
}

#[tokio::test]
async fn an_unknown_version_or_disabled_rotation_is_an_error() {
    let w = world(
        vec![sm::describe("describe-secret-rotation-disabled")],
        vec![],
        vec![],
    );
    assert!(matches!(
        w.run("createSecret").await,
        Err(RotationError::RotationDisabled { .. })
    ));

    let w = world(
        vec![sm::describe("describe-secret-first-rotation")],
        vec![],
        vec![],
    );
    let mut stranger = event("createSecret");
    stranger.client_request_token = "e6694c42-2c79-4692-9c28-de1db5faec2a".into();
    let e = w.rotator.rotate(&stranger, None).await.unwrap_err();
    assert!(matches!(e, RotationError::UnknownVersion { .. }), "{e}");
}

#[tokio::test]
async fn bad_events_fail_before_any_call() {
    let w = world(vec![], vec![], vec![]);
    for (raw, what) in [
        (
            json!({"Step": "deleteSecret", "SecretId": SECRET_ARN, "ClientRequestToken": TOKEN}),
            "unknown rotation step",
        ),
        (
            json!({"Step": "createSecret", "SecretId": "", "ClientRequestToken": TOKEN}),
            "SecretId",
        ),
        (
            json!({"Step": "createSecret", "SecretId": SECRET_ARN, "ClientRequestToken": ""}),
            "ClientRequestToken",
        ),
        (json!({"Step": "createSecret"}), "SecretId"),
        (json!({}), "unknown rotation step"),
    ] {
        let event: SecretsManagerSecretRotationEvent = match serde_json::from_value(raw.clone()) {
            Ok(e) => e,
            // A payload the runtime cannot even deserialise never reaches the handler.
            Err(_) => continue,
        };
        let e = w.rotator.rotate(&event, None).await.unwrap_err();
        assert!(e.to_string().contains(what), "{raw}: {e}");
    }
    assert!(w.log.ops().is_empty());
}

// ------------------------------------------------------------------ one whole rotation

/// createSecret, setSecret, testSecret and finishSecret in a row against one
/// evolving set of recorded answers: which calls, in which order, with which
/// values, and that no value CloudFront may send is ever refused.
#[tokio::test]
async fn a_whole_rotation_never_leaves_cloudfront_unaccepted() {
    let w = world(
        concat(vec![
            // createSecret
            vec![
                sm::describe("describe-secret-rotation-started"),
                sm::get(AWSCURRENT, None, "get-secret-value-current"),
                sm::missing(AWSPENDING, Some(TOKEN)),
                sm::random(),
                sm::put(),
            ],
            // setSecret
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
            // testSecret
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
            // finishSecret
            vec![sm::describe("describe-secret-rotation-started")],
            sm::reads(),
            vec![sm::move_stage()],
        ]),
        concat(vec![
            vec![
                cf::distribution("get-distribution-deployed"), // setSecret
                cf::distribution("get-distribution-deployed"), // testSecret
                cf::distribution("get-distribution-deployed"), // finishSecret, before the move
                cf::distribution("get-distribution-deployed"), // finishSecret, after the move
            ],
            finish_cloudfront_rules().await,
            vec![
                cf::distribution("get-distribution-switched"), // deploying
                cf::distribution("get-distribution-switched-deployed"), // every edge sends N
            ],
        ]),
        vec![
            waf::get("get-web-acl-after-last-rotation"), // setSecret
            waf::update(),
            waf::get("get-web-acl-rotating"), // testSecret
            waf::get("get-web-acl-rotating"), // finishSecret, before the move
            waf::get("get-web-acl-rotating"), // finishSecret, retiring the old values
            waf::update(),
        ],
    );
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        w.run(step).await.unwrap_or_else(|e| panic!("{step}: {e}"));
    }
    w.assert_all_used();

    let ops = w.log.ops();
    let changes: Vec<&str> = ops
        .iter()
        .map(String::as_str)
        .filter(|o| {
            o.contains("Put")
                || o.contains("Update")
                || *o == "sleep"
                || o.ends_with("RandomPassword")
        })
        .collect();
    assert_eq!(
        changes,
        [
            "secretsmanager.GetRandomPassword",
            "secretsmanager.PutSecretValue",
            "wafv2.UpdateWebACL",
            "secretsmanager.UpdateSecretVersionStage",
            "sleep",
            "cloudfront.UpdateDistribution",
            "sleep",
            "wafv2.UpdateWebACL",
        ]
    );
    assert_eq!(ops.len(), 5 + 7 + 6 + 16);
    let polls = ops
        .iter()
        .filter(|o| *o == "cloudfront.GetDistribution")
        .count();

    // Replay the changes: at every moment, the value CloudFront sends (or may
    // still send, while it deploys) is accepted by the WAF, and is AWSCURRENT
    // or AWSPREVIOUS for the authorizer.
    let (p, c, n) = (previous(), current(), pending());
    let mut waf_accepts = vec![c.clone(), p.clone()];
    let mut authorizer_accepts = vec![c.clone(), p.clone()];
    let mut cloudfront_may_send = vec![c.clone()];
    let mut distribution_reads = 0;
    for call in w.log.calls() {
        match call.op.as_str() {
            "wafv2.UpdateWebACL" => {
                let statement = &call.body["Rules"][0]["Statement"];
                let statements = match statement["OrStatement"]["Statements"].as_array() {
                    Some(list) => list.clone(),
                    None => vec![statement.clone()],
                };
                waf_accepts = statements
                    .iter()
                    .map(|s| {
                        let b64 = s["ByteMatchStatement"]["SearchString"].as_str().unwrap();
                        [&p, &c, &n]
                            .into_iter()
                            .find(|v| base64(v.as_bytes()) == b64)
                            .expect("only known values")
                            .clone()
                    })
                    .collect();
            }
            "secretsmanager.UpdateSecretVersionStage" => {
                authorizer_accepts = vec![n.clone(), c.clone()];
            }
            "cloudfront.UpdateDistribution" => {
                let sent = call.body["HeaderValue"].as_str().unwrap().to_owned();
                cloudfront_may_send.push(sent);
            }
            "cloudfront.GetDistribution" => {
                distribution_reads += 1;
                // The last read is the recorded "Deployed, sends N": from here
                // on no edge sends anything else.
                if distribution_reads == polls {
                    cloudfront_may_send = vec![n.clone()];
                }
            }
            _ => {}
        }
        for v in &cloudfront_may_send {
            assert!(
                waf_accepts.contains(v),
                "WAF refuses a value after {}",
                call.op
            );
            assert!(
                authorizer_accepts.contains(v),
                "authorizer refuses a value after {}",
                call.op
            );
        }
    }
    // The old value is retired at the WAF; the authorizer still takes it
    // during its bounded grace (secret_source::PREVIOUS_GRACE).
    assert_eq!(waf_accepts, std::slice::from_ref(&n));
    assert_eq!(authorizer_accepts, [n, c]);

    // The wait sits between the stage move and CloudFront's switch.
    assert!(
        w.log.position("secretsmanager.UpdateSecretVersionStage") < w.log.position("sleep")
            && w.log.position("sleep") < w.log.position("cloudfront.UpdateDistribution")
    );
}

fn base64(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(bytes)
}

#[test]
fn fixtures_hold_distinct_header_safe_values() {
    let values = [previous(), current(), pending()];
    for v in &values {
        rotator::SecretValue::new(v.clone())
            .check(AWSCURRENT)
            .unwrap();
    }
    assert!(values[0] != values[1] && values[1] != values[2] && values[0] != values[2]);
    assert_eq!(
        json_fixture("secretsmanager/get-random-password.json")["RandomPassword"],
        json!(pending())
    );
    assert_eq!(
        json_fixture("secretsmanager/get-secret-value-current.json")["VersionId"],
        json!(CURRENT_ID)
    );
}
