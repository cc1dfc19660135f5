# Security alarms on the functions' own metrics (CloudWatch embedded metric
# format, namespace SecureServerless, dimension Service = function name; see the
# README's metric table). No datapoint means nothing happened: missing data is
# not breaching.

resource "aws_kms_key" "alarms" {
  description             = "${var.name_prefix}: the security-alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.key_admin_statement,
      {
        # CloudWatch cannot publish to an encrypted topic without these (and the
        # AWS managed key alias/aws/sns cannot grant them):
        # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        Sid       = "CloudWatchAlarmsOfThisStackPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${var.name_prefix}-*" }
        }
      },
    ]
  })
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-security-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
}

locals {
  security_alarms = {
    bad-signatures = {
      description = "A burst of bearer tokens with bad signatures (forgery attempts or a key mix-up)."
      metric      = "TokenRejected"
      dimensions  = { Service = aws_lambda_function.authorizer.function_name, Reason = "signature" }
      period      = 300
      threshold   = 20
    }
    origin-secret-wrong = {
      description = "A request reached the authorizer with a wrong origin secret although the regional WAF admits only the right one (a rotation out of step, or a WAF bypass)."
      metric      = "OriginSecret"
      dimensions  = { Service = aws_lambda_function.authorizer.function_name, Check = "wrong" }
      period      = 300
      threshold   = 1
    }
    origin-secret-missing = {
      description = "A request reached the authorizer without the origin secret although the regional WAF admits only requests that carry it (a WAF bypass or a detached web ACL)."
      metric      = "OriginSecret"
      dimensions  = { Service = aws_lambda_function.authorizer.function_name, Check = "missing" }
      period      = 300
      threshold   = 1
    }
    keys-unavailable = {
      description = "The token issuer's keys could not be fetched past the stale period; every bearer token is refused (500)."
      metric      = "TokenRejected"
      dimensions  = { Service = aws_lambda_function.authorizer.function_name, Reason = "keys_unavailable" }
      period      = 60
      threshold   = 1
    }
    writer-storage-unavailable = {
      description = "The writer answered 503 because DynamoDB throttled or was unreachable."
      metric      = "StorageUnavailable"
      dimensions  = { Service = aws_lambda_function.writer.function_name }
      period      = 300
      threshold   = 5
    }
    reader-storage-unavailable = {
      description = "The reader answered 503 because DynamoDB throttled or was unreachable."
      metric      = "StorageUnavailable"
      dimensions  = { Service = aws_lambda_function.reader.function_name }
      period      = 300
      threshold   = 5
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "security" {
  for_each            = local.security_alarms
  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "SecureServerless"
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = "Sum"
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
