"""SAM and Terraform must deploy the same system.

The SAM side is read the way CloudFormation will see it: deploy/sam/template.yaml goes
through the real SAM translator (offline: CodeUri is swapped for an S3 placeholder, as
`sam validate` does, and no managed policy needs looking up), plus deploy/sam/waf.yaml
as it is. The Terraform side is deploy/terraform/*.tf parsed with python-hcl2.

Both are reduced to the same plain model (functions, routes and authorizer, IAM
statements per function, both web ACLs, the table), and the models must be equal.
The drift tests copy both flavours, change one of them the way a careless edit would,
and check that the comparison notices.

Run: .venv/parity/bin/pytest deploy/tests -q   (make -f deploy/deploy.mk validate does)
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

DEPLOY = Path(__file__).resolve().parents[1]
FUNCTIONS = {"authorizer", "writer", "reader", "rotator"}

# What each handler may call, besides writing its own log group and X-Ray segments
# (issue 7). Both flavours must say exactly this.
EXPECTED_APP_ACTIONS = {
    "authorizer": {"secretsmanager:GetSecretValue", "kms:Decrypt"},
    "writer": {"dynamodb:PutItem"},
    "reader": {"dynamodb:Query", "secretsmanager:GetSecretValue", "kms:Decrypt"},
    "rotator": {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "secretsmanager:GetRandomPassword",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "cloudfront:GetDistribution",
        "cloudfront:GetDistributionConfig",
        "cloudfront:UpdateDistribution",
        "wafv2:GetWebACL",
        "wafv2:UpdateWebACL",
    },
}
BOILERPLATE_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
EXPECTED_ENV = {
    "authorizer": {
        "ORIGIN_SECRET_ID",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "JWT_TOKEN_USE",
        "JWKS_URL",
        "SECRETS_MANAGER_TTL",
    },
    "writer": {"TABLE_NAME", "LOG_SHARDS"},
    "reader": {"TABLE_NAME", "LOG_SHARDS", "CURSOR_KEY_ID", "SECRETS_MANAGER_TTL"},
    "rotator": {
        "DISTRIBUTION_ID",
        "ORIGIN_ID",
        "ORIGIN_HEADER",
        "WEB_ACL_NAME",
        "WEB_ACL_ID",
        "WEB_ACL_SCOPE",
        "WAF_RULE_NAME",
        "AUTHORIZER_SECRETS_MANAGER_TTL",
    },
}
EDGE_MANAGED_GROUPS = {
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
}
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


# ----------------------------------------------------------------------------- SAM side
class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs only when a function uses
    Policies; ours use explicit roles, so an empty map keeps the translation offline."""

    def load(self):
        return {}


def load_sam(sam_dir: Path) -> dict:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    raw = yaml_parse((sam_dir / "template.yaml").read_text())
    waf = yaml_parse((sam_dir / "waf.yaml").read_text())

    binaries, code_uris = {}, {}
    for logical_id, res in raw["Resources"].items():
        if res["Type"] == "AWS::Serverless::Function":
            assert res["Metadata"]["BuildMethod"] == "rust-cargolambda", logical_id
            binaries[logical_id] = res["Metadata"]["BuildProperties"]["Binary"]
            code_uris[logical_id] = res["Properties"]["CodeUri"]
            res["Properties"]["CodeUri"] = "s3://placeholder/" + logical_id + ".zip"
    translated = transform(copy.deepcopy(raw), {}, _NoManagedPolicies())
    return {"raw": raw, "cfn": translated, "waf": waf, "binaries": binaries, "code_uris": code_uris}


def _sub_text(value) -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return value if isinstance(value, str) else repr(value)


def sam_functions(sam: dict) -> dict:
    res = sam["cfn"]["Resources"]
    out = {}
    for logical_id, binary in sam["binaries"].items():
        p = res[logical_id]["Properties"]
        out[binary] = {
            "runtime": p["Runtime"],
            "architectures": tuple(p["Architectures"]),
            "handler": p["Handler"],
            "tracing": p["TracingConfig"]["Mode"],
            "memory": p["MemorySize"],
            "timeout": p["Timeout"],
            "env": frozenset(p["Environment"]["Variables"]),
            "secrets_extension_layer": bool(p.get("Layers")),
            "log_format": p["LoggingConfig"]["LogFormat"],
            "reserved_concurrency": "ReservedConcurrentExecutions" in p,
            "env_kms_key": "KmsKeyArn" in p,
            "package": sam["code_uris"][logical_id],
        }
    return out


def _sam_logical_to_binary(sam: dict, text: str) -> str:
    for logical_id, binary in sam["binaries"].items():
        if f"${{{logical_id}.Arn}}" in text or logical_id in text:
            return binary
    raise AssertionError(f"no function behind {text}")


def sam_api(sam: dict) -> dict:
    res = sam["cfn"]["Resources"]
    apis = [r for r in res.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    assert len(apis) == 1
    body = apis[0]["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    schemas = body["components"].get("schemas", {})
    validators = body.get("x-amazon-apigateway-request-validators", {})
    routes = {}
    for path, methods in body["paths"].items():
        for verb, op in methods.items():
            integration = op["x-amazon-apigateway-integration"]
            authorizers = sorted(name for sec in op.get("security", []) for name in sec)
            validator = op.get("x-amazon-apigateway-request-validator")
            schema = None
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                schema = schemas[ref.rsplit("/", 1)[1]]
            routes[(verb.upper(), path)] = {
                "function": _sam_logical_to_binary(sam, _sub_text(integration["uri"])),
                "integration": integration["type"].upper(),
                "authorizers": tuple(authorizers),
                "validates_body": bool(validator and validators[validator]["validateRequestBody"]),
                "body_schema": schema,
            }
    authorizers = {}
    for name, scheme in schemes.items():
        a = scheme["x-amazon-apigateway-authorizer"]
        authorizers[name] = {
            "type": a["type"].upper(),
            "identity_sources": tuple(s.strip() for s in a["identitySource"].split(",")),
            "ttl": a["authorizerResultTtlInSeconds"],
            "function": _sam_logical_to_binary(sam, repr(a["authorizerUri"])),
        }
    stages = [r for r in res.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert len(stages) == 1
    stage = stages[0]["Properties"]
    settings = stage["MethodSettings"][0]
    return {
        "routes": routes,
        "authorizers": authorizers,
        "endpoint": apis[0]["Properties"]["EndpointConfiguration"]["Types"],
        "stage": {
            "xray": stage["TracingEnabled"],
            "access_log_fields": _sam_access_log_fields(stage["AccessLogSetting"]["Format"]),
            "throttled": {"ThrottlingRateLimit", "ThrottlingBurstLimit"} <= set(settings),
            "logging_level": settings["LoggingLevel"],
            "data_trace": settings["DataTraceEnabled"],
            "caching": settings["CachingEnabled"],
        },
    }


def _sam_access_log_fields(fmt: str) -> frozenset:
    return frozenset(re.findall(r'"(\w+)":"\$context', fmt))


def sam_iam(sam: dict) -> dict:
    res = sam["cfn"]["Resources"]
    out = {}
    for logical_id, binary in sam["binaries"].items():
        role_id = res[logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = {}
        for policy in res[role_id]["Properties"]["Policies"]:
            for st in policy["PolicyDocument"]["Statement"]:
                assert st["Effect"] == "Allow"
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                conditions = frozenset(
                    (op, key) for op, kv in st.get("Condition", {}).items() for key in kv
                )
                statements[st["Sid"]] = (
                    frozenset(actions),
                    resources == ["*"],
                    len(resources),
                    conditions,
                )
        out[binary] = statements
    return out


def _acl_rules_cfn(acl_props: dict) -> dict:
    rules = {}
    for rule in acl_props["Rules"]:
        st = rule["Statement"]
        if "ManagedRuleGroupStatement" in st:
            m = st["ManagedRuleGroupStatement"]
            overrides = m.get("RuleActionOverrides", [])
            if isinstance(overrides, dict):  # Fn::If: the names either branch may set
                overrides = [o for branch in overrides["Fn::If"][1:] if isinstance(branch, list) for o in branch]
            kind = ("managed", m["VendorName"], m["Name"], frozenset(o["Name"] for o in overrides))
        elif "RateBasedStatement" in st:
            kind = ("rate", st["RateBasedStatement"]["AggregateKeyType"])
        elif "ByteMatchStatement" in st:
            b = st["ByteMatchStatement"]
            kind = ("byte_match", b["FieldToMatch"]["SingleHeader"]["Name"].lower(), b["PositionalConstraint"])
        else:
            raise AssertionError(f"unknown rule {rule['Name']}")
        action = next(iter(rule.get("Action") or rule.get("OverrideAction")))
        rules[rule["Name"]] = (rule["Priority"], kind, action.lower())
    return rules


def sam_wafs(sam: dict) -> dict:
    edge = next(r for r in sam["waf"]["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL")
    regional = sam["cfn"]["Resources"]["RegionalWebAcl"]
    edge_log = next(r for r in sam["waf"]["Resources"].values() if r["Type"] == "AWS::WAFv2::LoggingConfiguration")
    regional_log = next(r for r in sam["cfn"]["Resources"].values() if r["Type"] == "AWS::WAFv2::LoggingConfiguration")
    log_groups = [
        _sub_text(r["Properties"]["LogGroupName"])
        for r in list(sam["waf"]["Resources"].values()) + list(sam["cfn"]["Resources"].values())
        if r["Type"] == "AWS::Logs::LogGroup" and "aws-waf-logs-" in _sub_text(r["Properties"]["LogGroupName"])
    ]
    out = {}
    for name, acl, log in (("cloudfront", edge, edge_log), ("regional", regional, regional_log)):
        p = acl["Properties"]
        out[name] = {
            "scope": p["Scope"],
            "default": next(iter(p["DefaultAction"])).lower(),
            "rules": _acl_rules_cfn(p),
            "redacted_headers": frozenset(f["SingleHeader"]["Name"].lower() for f in log["Properties"]["RedactedFields"]),
        }
    out["waf_log_groups"] = len(log_groups)
    return out


def sam_table(sam: dict) -> dict:
    p = sam["cfn"]["Resources"]["LogTable"]["Properties"]
    return {
        "keys": tuple((k["AttributeName"], k["KeyType"]) for k in p["KeySchema"]),
        "attributes": {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]},
        "gsis": {
            g["IndexName"]: (tuple((k["AttributeName"], k["KeyType"]) for k in g["KeySchema"]), g["Projection"]["ProjectionType"])
            for g in p["GlobalSecondaryIndexes"]
        },
        "billing": p["BillingMode"],
        "pitr": p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        "sse_cmk": p["SSESpecification"]["SSEEnabled"] and p["SSESpecification"]["SSEType"] == "KMS" and "KMSMasterKeyId" in p["SSESpecification"],
        "ttl_attribute": p["TimeToLiveSpecification"]["AttributeName"],
        "deletion_protection": p["DeletionProtectionEnabled"],
    }


def sam_edge(sam: dict) -> dict:
    d = sam["cfn"]["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origin = d["Origins"][0]
    behaviour = d["DefaultCacheBehavior"]
    custom_cert = d["ViewerCertificate"]["Fn::If"][1]
    return {
        "viewer_protocol": behaviour["ViewerProtocolPolicy"],
        "cache_policy": behaviour["CachePolicyId"],
        "origin_request_policy": behaviour["OriginRequestPolicyId"],
        "response_headers_policy": "ResponseHeadersPolicyId" in behaviour,
        "origin_protocol": origin["CustomOriginConfig"]["OriginProtocolPolicy"],
        "origin_tls": tuple(origin["CustomOriginConfig"]["OriginSSLProtocols"]),
        "origin_headers": tuple(h["HeaderName"] for h in origin["OriginCustomHeaders"]),
        "logging": "Bucket" in d["Logging"],
        "web_acl": "WebACLId" in d,
        "custom_domain_tls": custom_cert["MinimumProtocolVersion"],
        "methods": frozenset(behaviour["AllowedMethods"]),
    }


def _key_policy_model(policy: dict, tf_locals: dict | None = None) -> frozenset:
    """A key policy's statements as (Sid, effect, principal kind, actions,
    condition operators and keys): what grants whom what, not the ARNs."""
    out = []
    for st in policy["Statement"]:
        if isinstance(st, str):  # a Terraform local such as local.key_admin_statement
            st = tf_locals[re.search(r"local\.(\w+)", st).group(1)]
        principal = st["Principal"]
        kind = ("service", principal["Service"]) if "Service" in principal else ("account",)
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        conditions = frozenset((op, k) for op, kv in st.get("Condition", {}).items() for k in kv)
        out.append((st["Sid"], st["Effect"], kind, frozenset(actions), conditions))
    return frozenset(out)


def sam_alarms(sam: dict) -> dict:
    res = sam["cfn"]["Resources"]
    topics = [k for k, r in res.items() if r["Type"] == "AWS::SNS::Topic"]
    assert len(topics) == 1
    topic = res[topics[0]]["Properties"]
    key = topic["KmsMasterKeyId"]
    assert isinstance(key, dict) and res[key["Ref"]]["Type"] == "AWS::KMS::Key", key
    out = {"topic_key": _key_policy_model(res[key["Ref"]]["Properties"]["KeyPolicy"])}
    for r in res.values():
        if r["Type"] != "AWS::CloudWatch::Alarm":
            continue
        p = r["Properties"]
        name = _sub_text(p["AlarmName"]).split("}-", 1)[1]
        dims = {}
        for d in p["Dimensions"]:
            v = d["Value"]
            dims[d["Name"]] = sam["binaries"][v["Ref"]] if isinstance(v, dict) else v
        out[name] = {
            "namespace": p["Namespace"],
            "metric": p["MetricName"],
            "dimensions": dims,
            "statistic": p["Statistic"],
            "period": p["Period"],
            "evaluation_periods": p["EvaluationPeriods"],
            "threshold": float(p["Threshold"]),
            "comparison": p["ComparisonOperator"],
            "missing_data": p["TreatMissingData"],
            "notifies": p["AlarmActions"] == [{"Ref": topics[0]}] and p["OKActions"] == [{"Ref": topics[0]}],
        }
    return out


# ----------------------------------------------------------------------------- Terraform side
_HCL = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def load_tf(tf_dir: Path) -> dict:
    merged: dict = {"resource": {}, "data": {}, "output": {}}
    files = sorted(tf_dir.glob("*.tf"))
    assert files, f"no .tf files in {tf_dir}"
    for path in files:
        doc = hcl2.loads(path.read_text(), serialization_options=_HCL)
        for section in ("resource", "data"):
            for entry in doc.get(section, []):
                for rtype, named in entry.items():
                    for name, body in named.items():
                        assert name not in merged[section].setdefault(rtype, {}), (rtype, name)
                        merged[section][rtype][name] = body
        for entry in doc.get("output", []):
            merged["output"].update(entry)
        for entry in doc.get("locals", []):
            merged.setdefault("locals", {}).update(entry)
    return merged


def _one(block):
    """hcl2 gives nested blocks as lists; most appear once."""
    if isinstance(block, list):
        assert len(block) == 1, block
        return block[0]
    return block


def _ref(expr: str, kind: str) -> str:
    """'${aws_lambda_function.writer.invoke_arn}' -> 'writer' for kind aws_lambda_function."""
    m = re.search(re.escape(kind) + r"\.([A-Za-z0-9_]+)", expr)
    assert m, f"{expr!r} does not reference {kind}"
    return m.group(1)


def _hcl_object(expr: str):
    """The object inside '${jsonencode({...})}', as Python data."""
    m = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", expr, re.S)
    assert m, expr
    return hcl2.loads("x = " + m.group(1), serialization_options=_HCL)["x"]


def tf_functions(tf: dict) -> dict:
    out = {}
    for name, f in tf["resource"]["aws_lambda_function"].items():
        zip_path = f"${{local.artifacts_dir}}/{name}/bootstrap.zip"
        out[name] = {
            "runtime": f["runtime"],
            "architectures": tuple(f["architectures"]),
            "handler": f["handler"],
            "tracing": _one(f["tracing_config"])["mode"],
            "memory": f["memory_size"],
            "timeout": f["timeout"],
            "env": frozenset(_one(f["environment"])["variables"]),
            "secrets_extension_layer": bool(f.get("layers")),
            "log_format": _one(f["logging_config"])["log_format"],
            "reserved_concurrency": "reserved_concurrent_executions" in f,
            "env_kms_key": "kms_key_arn" in f,
            "package": "../../examples/" + name
            if f["filename"] == zip_path and zip_path in f["source_code_hash"] and "filebase64sha256" in f["source_code_hash"]
            else f["filename"],
        }
    return out


def tf_api(tf: dict) -> dict:
    r = tf["resource"]
    resources = r["aws_api_gateway_resource"]
    validators = r["aws_api_gateway_request_validator"]
    models = r.get("aws_api_gateway_model", {})
    authorizer_names = {k: v["name"] for k, v in r["aws_api_gateway_authorizer"].items()}
    routes = {}
    for key, m in r["aws_api_gateway_method"].items():
        res = resources[_ref(m["resource_id"], "aws_api_gateway_resource")]
        assert "root_resource_id" in res["parent_id"], "only top-level paths are modelled"
        path = "/" + res["path_part"]
        integration = next(
            i for i in r["aws_api_gateway_integration"].values()
            if i["resource_id"] == m["resource_id"] and key in i["http_method"]
        )
        validator = validators[_ref(m["request_validator_id"], "aws_api_gateway_request_validator")] if "request_validator_id" in m else None
        schema = None
        if "request_models" in m:
            model = models[_ref(m["request_models"]["application/json"], "aws_api_gateway_model")]
            assert model["content_type"] == "application/json"
            schema = _hcl_object(model["schema"])
        routes[(m["http_method"], path)] = {
            "function": _ref(integration["uri"], "aws_lambda_function"),
            "integration": integration["type"],
            "authorizers": (authorizer_names[_ref(m["authorizer_id"], "aws_api_gateway_authorizer")],)
            if m["authorization"] == "CUSTOM"
            else (),
            "validates_body": bool(validator and validator["validate_request_body"]),
            "body_schema": schema,
        }
    authorizers = {}
    for a in r["aws_api_gateway_authorizer"].values():
        authorizers[a["name"]] = {
            "type": a["type"],
            "identity_sources": tuple(s.strip() for s in a["identity_source"].split(",")),
            "ttl": a["authorizer_result_ttl_in_seconds"],
            "function": _ref(a["authorizer_uri"], "aws_lambda_function"),
        }
    stage = _one(list(r["aws_api_gateway_stage"].values()))
    settings = _one(_one(list(r["aws_api_gateway_method_settings"].values()))["settings"])
    api = _one(list(r["aws_api_gateway_rest_api"].values()))
    return {
        "routes": routes,
        "authorizers": authorizers,
        "endpoint": _one(api["endpoint_configuration"])["types"],
        "stage": {
            "xray": stage["xray_tracing_enabled"],
            "access_log_fields": frozenset(_hcl_object(_one(stage["access_log_settings"])["format"])),
            "throttled": {"throttling_rate_limit", "throttling_burst_limit"} <= set(settings),
            "logging_level": settings["logging_level"],
            "data_trace": settings["data_trace_enabled"],
            "caching": settings["caching_enabled"],
        },
    }


def tf_iam(tf: dict) -> dict:
    r = tf["resource"]
    docs = tf["data"]["aws_iam_policy_document"]
    out = {}
    for name, f in r["aws_lambda_function"].items():
        role = _ref(f["role"], "aws_iam_role")
        statements = {}
        for rp in r["aws_iam_role_policy"].values():
            if _ref(rp["role"], "aws_iam_role") != role:
                continue
            doc = docs[_ref(rp["policy"], "data.aws_iam_policy_document")]
            for st in doc["statement"]:
                assert st.get("effect", "Allow") == "Allow"
                conditions = frozenset((c["test"], c["variable"]) for c in st.get("condition", []))
                statements[st["sid"]] = (
                    frozenset(st["actions"]),
                    st["resources"] == ["*"],
                    len(st["resources"]),
                    conditions,
                )
        out[name] = statements
    return out


def _acl_rules_tf(acl: dict) -> dict:
    rules = {}
    for rule in acl["rule"]:
        st = _one(rule["statement"])
        if "managed_rule_group_statement" in st:
            m = _one(st["managed_rule_group_statement"])
            overrides = {o["name"] for o in m.get("rule_action_override", [])}
            for dyn in m.get("dynamic", []):  # dynamic "rule_action_override": names from for_each
                body = dyn["rule_action_override"]
                overrides |= set(re.findall(r"['\"]([A-Za-z0-9_]+)['\"]", body["for_each"]))
            kind = ("managed", m["vendor_name"], m["name"], frozenset(overrides))
        elif "rate_based_statement" in st:
            kind = ("rate", _one(st["rate_based_statement"])["aggregate_key_type"])
        elif "byte_match_statement" in st:
            b = _one(st["byte_match_statement"])
            header = _one(_one(b["field_to_match"])["single_header"])["name"].lower()
            kind = ("byte_match", header, b["positional_constraint"])
        else:
            raise AssertionError(f"unknown rule {rule['name']}")
        action = next(iter(_one(rule.get("action") or rule.get("override_action"))))
        rules[rule["name"]] = (rule["priority"], kind, action.lower())
    return rules


def tf_wafs(tf: dict) -> dict:
    r = tf["resource"]
    logging = r["aws_wafv2_web_acl_logging_configuration"]
    out = {}
    for name in ("cloudfront", "regional"):
        acl = r["aws_wafv2_web_acl"][name]
        log = next(l for l in logging.values() if _ref(l["resource_arn"], "aws_wafv2_web_acl") == name)
        out[name] = {
            "scope": acl["scope"],
            "default": next(iter(_one(acl["default_action"]))).lower(),
            "rules": _acl_rules_tf(acl),
            "redacted_headers": frozenset(_one(f["single_header"])["name"].lower() for f in log["redacted_fields"]),
        }
    out["waf_log_groups"] = sum(1 for g in r["aws_cloudwatch_log_group"].values() if g["name"].startswith("aws-waf-logs-"))
    return out


def _literal(expr: str) -> str:
    """'expires_at', or the one string literal of '${cond ? "expires_at" : null}'."""
    if not expr.startswith("${"):
        return expr
    literals = re.findall(r'"([^"]*)"', expr)
    assert len(literals) == 1, expr
    return literals[0]


def tf_table(tf: dict) -> dict:
    t = tf["resource"]["aws_dynamodb_table"]["log"]
    return {
        "keys": ((t["hash_key"], "HASH"), (t["range_key"], "RANGE")),
        "attributes": {a["name"]: a["type"] for a in t["attribute"]},
        "gsis": {
            g["name"]: (((g["hash_key"], "HASH"), (g["range_key"], "RANGE")), g["projection_type"])
            for g in t["global_secondary_index"]
        },
        "billing": t["billing_mode"],
        "pitr": _one(t["point_in_time_recovery"])["enabled"],
        "sse_cmk": _one(t["server_side_encryption"])["enabled"] and "kms_key_arn" in _one(t["server_side_encryption"]),
        "ttl_attribute": _literal(_one(t["ttl"])["attribute_name"]),
        "deletion_protection": t["deletion_protection_enabled"],
    }


def tf_edge(tf: dict) -> dict:
    d = tf["resource"]["aws_cloudfront_distribution"]["api"]
    origin = _one(d["origin"])
    behaviour = _one(d["default_cache_behavior"])
    policies = {
        "${data.aws_cloudfront_cache_policy.caching_disabled.id}": tf["data"]["aws_cloudfront_cache_policy"]["caching_disabled"]["name"],
        "${data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id}": tf["data"]["aws_cloudfront_origin_request_policy"]["all_viewer_except_host"]["name"],
    }
    managed_ids = {"Managed-CachingDisabled": CACHING_DISABLED, "Managed-AllViewerExceptHostHeader": ALL_VIEWER_EXCEPT_HOST}
    cert = _one(d["viewer_certificate"])
    tls = re.search(r'"(TLSv1\.2_20\d\d)"', cert["minimum_protocol_version"])
    return {
        "viewer_protocol": behaviour["viewer_protocol_policy"],
        "cache_policy": managed_ids[policies[behaviour["cache_policy_id"]]],
        "origin_request_policy": managed_ids[policies[behaviour["origin_request_policy_id"]]],
        "response_headers_policy": "response_headers_policy_id" in behaviour,
        "origin_protocol": _one(origin["custom_origin_config"])["origin_protocol_policy"],
        "origin_tls": tuple(_one(origin["custom_origin_config"])["origin_ssl_protocols"]),
        "origin_headers": tuple(h["name"] for h in origin["custom_header"]),
        "logging": "bucket" in _one(d["logging_config"]),
        "web_acl": "web_acl_id" in d,
        "custom_domain_tls": tls.group(1) if tls else cert["minimum_protocol_version"],
        "methods": frozenset(behaviour["allowed_methods"]),
    }


def tf_alarms(tf: dict) -> dict:
    r = tf["resource"]
    (topic,) = r["aws_sns_topic"].values()
    key = _ref(topic["kms_master_key_id"], "aws_kms_key")
    policy = _hcl_object(r["aws_kms_key"][key]["policy"])
    out = {"topic_key": _key_policy_model(policy, tf["locals"])}
    (alarm,) = r["aws_cloudwatch_metric_alarm"].values()
    assert alarm["for_each"] == "${local.security_alarms}"
    for key, a in tf["locals"]["security_alarms"].items():
        each = {"${each.value.%s}" % k: v for k, v in a.items()}
        field = lambda name: each.get(alarm[name], alarm[name])  # noqa: E731
        dims = {}
        for k, v in field("dimensions").items():
            dims[k] = _ref(v, "aws_lambda_function") if "aws_lambda_function" in v else v
        out[key] = {
            "namespace": field("namespace"),
            "metric": field("metric_name"),
            "dimensions": dims,
            "statistic": field("statistic"),
            "period": field("period"),
            "evaluation_periods": field("evaluation_periods"),
            "threshold": float(field("threshold")),
            "comparison": field("comparison_operator"),
            "missing_data": field("treat_missing_data"),
            "notifies": alarm["alarm_actions"] == alarm["ok_actions"] == ["${aws_sns_topic.alarms.arn}"],
        }
    return out


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def sam():
    return load_sam(DEPLOY / "sam")


@pytest.fixture(scope="module")
def tf():
    return load_tf(DEPLOY / "terraform")


# ----------------------------------------------------------------------------- parity
def test_same_functions(sam, tf):
    s, t = sam_functions(sam), tf_functions(tf)
    assert set(s) == set(t) == FUNCTIONS
    assert s == t
    for name, f in s.items():
        assert f["runtime"] == "provided.al2023" and f["architectures"] == ("arm64",) and f["handler"] == "bootstrap"
        assert f["package"] == f"../../examples/{name}"
        assert f["env"] == EXPECTED_ENV[name], name
        assert f["tracing"] == "Active" and f["log_format"] == "JSON"
        assert f["reserved_concurrency"] and f["env_kms_key"]


def test_same_routes_and_authorizer(sam, tf):
    s, t = sam_api(sam), tf_api(tf)
    assert s == t
    assert set(s["routes"]) == {("POST", "/log"), ("GET", "/stats")}
    assert s["routes"][("POST", "/log")]["function"] == "writer"
    assert s["routes"][("GET", "/stats")]["function"] == "reader"
    for route in s["routes"].values():
        assert route["integration"] == "AWS_PROXY" and route["authorizers"] == ("authorizer",)
    post = s["routes"][("POST", "/log")]
    assert post["validates_body"]
    assert post["body_schema"] == {
        "type": "object",
        "required": ["type", "payload"],
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]+$"},
            "payload": {"type": "string"},
        },
    }
    assert s["authorizers"] == {
        "authorizer": {
            "type": "REQUEST",
            "identity_sources": ("method.request.header.X-Origin-Verify", "method.request.header.Authorization"),
            "ttl": 300,
            "function": "authorizer",
        }
    }
    assert s["endpoint"] == ["REGIONAL"]
    assert s["stage"]["xray"] and s["stage"]["throttled"] and not s["stage"]["caching"] and not s["stage"]["data_trace"]


def test_same_iam_per_function(sam, tf):
    s, t = sam_iam(sam), tf_iam(tf)
    assert s == t
    for name, statements in s.items():
        actions = set().union(*(st[0] for st in statements.values()))
        assert actions - BOILERPLATE_ACTIONS == EXPECTED_APP_ACTIONS[name], name
        for sid, (acts, star, _, conditions) in statements.items():
            # "*" only where AWS offers no resource-level permission.
            if star:
                assert acts <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "secretsmanager:GetRandomPassword"}, (name, sid)
            if any(a.startswith("kms:") for a in acts):
                assert ("StringEquals", "kms:ViaService") in conditions, (name, sid)


def test_same_web_acls(sam, tf):
    s, t = sam_wafs(sam), tf_wafs(tf)
    assert s == t
    edge = s["cloudfront"]
    assert edge["scope"] == "CLOUDFRONT" and edge["default"] == "allow"
    assert {k[2] for _, k, _ in edge["rules"].values() if k[0] == "managed"} == EDGE_MANAGED_GROUPS
    assert any(k[0] == "rate" and action == "block" for _, k, action in edge["rules"].values())
    regional = s["regional"]
    assert regional["scope"] == "REGIONAL" and regional["default"] == "block"
    assert regional["rules"] == {"allow-origin-verify": (0, ("byte_match", "x-origin-verify", "EXACTLY"), "allow")}
    assert {"x-origin-verify", "authorization"} <= regional["redacted_headers"]
    assert s["waf_log_groups"] == 2


def test_same_table(sam, tf):
    s, t = sam_table(sam), tf_table(tf)
    assert s == t
    assert s["keys"] == (("pk", "HASH"), ("sk", "RANGE"))
    assert s["attributes"] == {"pk": "S", "sk": "S", "type_pk": "S"}
    assert s["gsis"] == {"by_type": ((("type_pk", "HASH"), ("sk", "RANGE")), "ALL")}
    assert s["billing"] == "PAY_PER_REQUEST" and s["pitr"] and s["sse_cmk"] and s["deletion_protection"]
    assert s["ttl_attribute"] == "expires_at"


def test_same_edge(sam, tf):
    s, t = sam_edge(sam), tf_edge(tf)
    assert s == t
    assert s["viewer_protocol"] == "https-only" and s["origin_protocol"] == "https-only"
    assert s["cache_policy"] == CACHING_DISABLED and s["origin_request_policy"] == ALL_VIEWER_EXCEPT_HOST
    assert s["origin_headers"] == ("X-Origin-Verify",) and s["custom_domain_tls"] == "TLSv1.2_2021"
    assert s["logging"] and s["web_acl"] and s["response_headers_policy"]


def test_no_secret_values_in_env_or_outputs(sam, tf):
    """Env vars and outputs carry ARNs and names, never a secret value."""
    res = sam["cfn"]["Resources"]
    for logical_id in sam["binaries"]:
        env = res[logical_id]["Properties"]["Environment"]["Variables"]
        assert "resolve:secretsmanager" not in repr(env), logical_id
    assert "resolve:secretsmanager" not in repr(sam["cfn"].get("Outputs", {}))
    assert "resolve:secretsmanager" not in repr(sam["waf"].get("Outputs", {}))
    for f in tf["resource"]["aws_lambda_function"].values():
        assert not re.search(r"secret_string|random_password|ephemeral\.", repr(f["environment"]))
    assert not re.search(r"secret_string|random_password|ephemeral\.|sensitive", repr(tf["output"]))


def test_same_security_alarms(sam, tf):
    """The alarms that mean an attack or an outage watch the functions' own EMF
    metrics (secure_serverless::metrics), in both flavours."""
    s, t = sam_alarms(sam), tf_alarms(tf)
    assert s == t
    key = {st[0]: st for st in s.pop("topic_key")}
    # CloudWatch may use the topic's key, for this account's alarms only.
    assert key["CloudWatchAlarmsOfThisStackPublish"][2] == ("service", "cloudwatch.amazonaws.com")
    assert key["CloudWatchAlarmsOfThisStackPublish"][4] == {
        ("StringEquals", "aws:SourceAccount"),
        ("ArnLike", "aws:SourceArn"),
    }
    assert set(s) == {
        "bad-signatures",
        "origin-secret-wrong",
        "origin-secret-missing",
        "keys-unavailable",
        "writer-storage-unavailable",
        "reader-storage-unavailable",
    }
    for name, a in s.items():
        assert a["namespace"] == "SecureServerless", name
        assert a["statistic"] == "Sum" and a["missing_data"] == "notBreaching" and a["notifies"], name
    assert s["bad-signatures"]["dimensions"] == {"Service": "authorizer", "Reason": "signature"}
    assert s["keys-unavailable"]["dimensions"] == {"Service": "authorizer", "Reason": "keys_unavailable"}
    assert s["origin-secret-wrong"]["dimensions"] == {"Service": "authorizer", "Check": "wrong"}
    assert s["origin-secret-missing"]["dimensions"] == {"Service": "authorizer", "Check": "missing"}
    assert s["writer-storage-unavailable"]["dimensions"] == {"Service": "writer"}
    assert s["reader-storage-unavailable"]["dimensions"] == {"Service": "reader"}


def test_alarms_watch_metrics_the_functions_publish(sam):
    """Every alarm's metric name and dimension value is one the library's
    metric table (secure-serverless/src/metrics.rs) can emit: a renamed metric
    would leave an alarm watching nothing, forever OK."""
    table = (DEPLOY.parent / "secure-serverless/src/metrics.rs").read_text()
    rows = set(re.findall(r'=> "(\w+)"(?:, "(\w+)" = "(\w+)")?;', table))
    assert rows, "no metric table found"
    for name, a in sam_alarms(sam).items():
        if name == "topic_key":
            continue
        extra = {k: v for k, v in a["dimensions"].items() if k != "Service"}
        (dim, value), = extra.items() if extra else (("", ""),)
        assert (a["metric"], dim, value) in rows, (name, a["metric"], dim, value)


# ----------------------------------------------------------------------------- drift detection
DRIFTS = {
    "tf reader may Scan": (
        "terraform/iam.tf",
        'actions   = ["dynamodb:Query"]',
        'actions   = ["dynamodb:Query", "dynamodb:Scan"]',
        "iam",
    ),
    "sam edge ACL loses known-bad-inputs": (
        "sam/waf.yaml",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesLinuxRuleSet",
        "waf",
    ),
    "tf GSI range key changes": (
        "terraform/dynamodb.tf",
        'range_key       = "sk"',
        'range_key       = "pk"',
        "table",
    ),
    "sam route renamed": ("sam/template.yaml", "Path: /stats", "Path: /statistics", "api"),
    "sam authorizer cache off": ("sam/template.yaml", "ReauthorizeEvery: 300", "ReauthorizeEvery: 0", "api"),
    "tf writer env var renamed": ("terraform/lambda.tf", "LOG_SHARDS = tostring", "SHARDS     = tostring", "functions"),
    "sam bad-signature alarm watches another reason": ("sam/template.yaml", "Value: signature", "Value: expired", "alarms"),
    "tf keys alarm threshold raised": ("terraform/alarms.tf", "period      = 60\n      threshold   = 1", "period      = 60\n      threshold   = 10", "alarms"),
    "sam alarm key loses its source condition": ("sam/template.yaml", '"aws:SourceArn": !Sub "arn:${AWS::Partition}:cloudwatch', '"aws:SourceArnX": !Sub "arn:${AWS::Partition}:cloudwatch', "alarms"),
}

EXTRACTORS = {
    "functions": (sam_functions, tf_functions),
    "api": (sam_api, tf_api),
    "iam": (sam_iam, tf_iam),
    "waf": (sam_wafs, tf_wafs),
    "table": (sam_table, tf_table),
    "alarms": (sam_alarms, tf_alarms),
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_drift_is_detected(drift, tmp_path):
    rel, old, new, aspect = DRIFTS[drift]
    for part in ("sam", "terraform"):
        shutil.copytree(DEPLOY / part, tmp_path / part)
    target = tmp_path / rel
    text = target.read_text()
    assert old in text, f"drift fixture out of date: {old!r} not in {rel}"
    target.write_text(text.replace(old, new, 1 if rel.endswith(".tf") else -1))
    from_sam, from_tf = EXTRACTORS[aspect]
    assert from_sam(load_sam(tmp_path / "sam")) != from_tf(load_tf(tmp_path / "terraform"))


# ----------------------------------------------------------------------------- review findings
def test_log_delivery_key_use_is_bound_to_this_account(sam):
    """delivery.logs.amazonaws.com may use the logs key only for this account's
    deliveries (aws:SourceAccount and aws:SourceArn), in both flavours."""
    statements = sam["raw"]["Resources"]["LogsKey"]["Properties"]["KeyPolicy"]["Statement"]
    delivery = [s for s in statements if s["Principal"].get("Service") == "delivery.logs.amazonaws.com"]
    assert len(delivery) == 1
    cond = delivery[0]["Condition"]
    assert cond["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert _sub_text(cond["ArnLike"]["aws:SourceArn"]).endswith(":logs:*:${AWS::AccountId}:*")

    kms_tf = (DEPLOY / "terraform" / "kms.tf").read_text()
    block = kms_tf[kms_tf.index('Principal = { Service = "delivery.logs.amazonaws.com" }'):]
    block = block[: block.index("},\n    ]")]
    assert 'StringEquals = { "aws:SourceAccount" = local.account_id }' in block
    assert '"aws:SourceArn" = "arn:${local.partition}:logs:*:${local.account_id}:*"' in block


def test_origin_header_stand_in_is_never_a_constant(sam, tf):
    """The value CloudFront sends and the regional WAF admits before the first
    rotation is random per deployment (Terraform) or the secret itself (SAM),
    never a literal someone else can read in this repository."""
    dist = tf["resource"]["aws_cloudfront_distribution"]
    header = repr(dist)
    assert "origin_header_bootstrap" in header
    locals_tf = (DEPLOY / "terraform" / "locals.tf").read_text()
    line = next(l for l in locals_tf.splitlines() if l.strip().startswith("origin_header_bootstrap"))
    assert "terraform_data.origin_header_standin.output" in line, line
    standin = tf["resource"]["terraform_data"]["origin_header_standin"]
    assert "uuid()" in repr(standin["input"]), standin
    waf_tf = (DEPLOY / "terraform" / "waf.tf").read_text()
    assert "search_string         = local.origin_header_bootstrap" in waf_tf
    # SAM: the header and the rule resolve the secret itself at deploy time.
    raw = repr(sam["raw"]) + repr(sam["waf"])
    assert "pending-first-rotation" not in raw
    assert "resolve:secretsmanager" in repr(sam["raw"])


def test_authorizer_settings_are_never_blank(sam, tf):
    """The authorizer refuses a blank setting at start-up: JWKS_URL falls back to
    the issuer's well-known path in both flavours instead of an empty string."""
    res = sam["raw"]["Resources"]
    fn = next(r for r in res.values() if r.get("Metadata", {}).get("BuildProperties", {}).get("Binary") == "authorizer")
    jwks = fn["Properties"]["Environment"]["Variables"]["JWKS_URL"]
    assert "Fn::If" in jwks and "/.well-known/jwks.json" in repr(jwks), jwks
    lambda_tf = (DEPLOY / "terraform" / "lambda.tf").read_text()
    assert re.search(
        r'JWKS_URL\s+= var\.jwks_url != "" \? var\.jwks_url : "\$\{var\.jwt_issuer\}/\.well-known/jwks\.json"',
        lambda_tf,
    )
