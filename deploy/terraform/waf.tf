# ---------------------------------------------------------------- CloudFront (edge) web ACL, us-east-1
resource "aws_wafv2_web_acl" "cloudfront" {
  provider    = aws.us_east_1
  name        = "${var.name_prefix}-cloudfront"
  description = "Edge protection for the secure-serverless API distribution."
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.rate_limit_per_5min
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-rate-limit"
    }
  }

  rule {
    name     = "AWSManagedRulesAmazonIpReputationList"
    priority = 1

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-ip-reputation"
    }
  }

  rule {
    name     = "AWSManagedRulesAnonymousIpList"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        dynamic "rule_action_override" {
          for_each = var.block_hosting_providers ? [] : ["HostingProviderIPList"]
          content {
            name = rule_action_override.value
            action_to_use {
              count {}
            }
          }
        }
      }
    }

    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-anonymous-ip"
    }
  }

  rule {
    name     = "AWSManagedRulesCommonRuleSet"
    priority = 3

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        # The common rule set blocks bodies over 8 KB. The writer enforces its own
        # documented body limit and answers 413 with a JSON error naming it, so the
        # generic 8 KB rule only counts here; every other rule of the set blocks.
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-common"
    }
  }

  rule {
    name     = "AWSManagedRulesKnownBadInputsRuleSet"
    priority = 4

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-known-bad-inputs"
    }
  }

  visibility_config {
    sampled_requests_enabled   = true
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name_prefix}-cloudfront"
  }
}

resource "aws_wafv2_web_acl_logging_configuration" "cloudfront" {
  provider                = aws.us_east_1
  resource_arn            = aws_wafv2_web_acl.cloudfront.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf_cloudfront.arn]

  # Bearer tokens never reach the logs.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

# ---------------------------------------------------------------- regional web ACL on the API stage
resource "aws_wafv2_web_acl" "regional" {
  #checkov:skip=CKV_AWS_192:This ACL admits only requests that carry the origin secret, i.e. that already passed the CloudFront ACL with AWSManagedRulesKnownBadInputsRuleSet (Log4j). Everything else is blocked by the default action.
  name        = "${var.name_prefix}-origin-verify"
  description = "Blocks every request to the API stage that lacks the CloudFront X-Origin-Verify header."
  scope       = "REGIONAL"

  default_action {
    block {}
  }

  # The rotator rewrites this rule's statement (both values during a rotation).
  rule {
    name     = "allow-origin-verify"
    priority = 0

    action {
      allow {}
    }

    statement {
      byte_match_statement {
        positional_constraint = "EXACTLY"
        search_string         = local.origin_header_bootstrap

        field_to_match {
          single_header {
            name = "x-origin-verify"
          }
        }

        text_transformation {
          priority = 0
          type     = "NONE"
        }
      }
    }

    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-allow-origin-verify"
    }
  }

  visibility_config {
    sampled_requests_enabled   = true
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name_prefix}-origin-verify"
  }

  lifecycle {
    # The rotator owns the rule's value; Terraform must not put the stand-in back.
    ignore_changes = [rule]
  }
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_api_gateway_stage.api.arn
  web_acl_arn  = aws_wafv2_web_acl.regional.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "regional" {
  resource_arn            = aws_wafv2_web_acl.regional.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf_regional.arn]

  # Neither the origin secret nor bearer tokens reach the logs.
  redacted_fields {
    single_header {
      name = "x-origin-verify"
    }
  }

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}
