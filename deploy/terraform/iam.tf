# One role per function, each with only what its handler calls, plus its own log
# group and X-Ray (whose actions have no resource-level permissions).

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# ---------------------------------------------------------------- authorizer
resource "aws_iam_role" "authorizer" {
  name_prefix        = "${var.name_prefix}-authorizer-"
  description        = "secure-serverless authorizer; reads the origin secret, nothing else."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "authorizer" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.authorizer.arn}:*"]
  }

  statement {
    sid       = "XRayTracesHaveNoResourceLevelPermissions"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadOriginSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.origin.arn]
  }

  statement {
    sid       = "DecryptOriginSecretThroughSecretsManagerOnly"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:SecretARN"
      values   = [aws_secretsmanager_secret.origin.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secretsmanager_via]
    }
  }
}

resource "aws_iam_role_policy" "authorizer" {
  name   = "authorizer"
  role   = aws_iam_role.authorizer.id
  policy = data.aws_iam_policy_document.authorizer.json
}

# ---------------------------------------------------------------- writer
resource "aws_iam_role" "writer" {
  name_prefix        = "${var.name_prefix}-writer-"
  description        = "secure-serverless writer; PutItem on the log table, nothing else."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "writer" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.writer.arn}:*"]
  }

  statement {
    sid       = "XRayTracesHaveNoResourceLevelPermissions"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "PutLogEntries"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.log.arn]
  }
}

resource "aws_iam_role_policy" "writer" {
  name   = "writer"
  role   = aws_iam_role.writer.id
  policy = data.aws_iam_policy_document.writer.json
}

# ---------------------------------------------------------------- reader
resource "aws_iam_role" "reader" {
  name_prefix        = "${var.name_prefix}-reader-"
  description        = "secure-serverless reader; Query on the log table and its indexes, and the cursor key."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "reader" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.reader.arn}:*"]
  }

  statement {
    sid       = "XRayTracesHaveNoResourceLevelPermissions"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "QueryLogEntries"
    actions   = ["dynamodb:Query"]
    resources = [aws_dynamodb_table.log.arn, "${aws_dynamodb_table.log.arn}/index/*"]
  }

  statement {
    sid       = "ReadCursorSigningKey"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.cursor_key.arn]
  }

  statement {
    sid       = "DecryptCursorKeyThroughSecretsManagerOnly"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:SecretARN"
      values   = [aws_secretsmanager_secret.cursor_key.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secretsmanager_via]
    }
  }
}

resource "aws_iam_role_policy" "reader" {
  name   = "reader"
  role   = aws_iam_role.reader.id
  policy = data.aws_iam_policy_document.reader.json
}

# ---------------------------------------------------------------- rotator
resource "aws_iam_role" "rotator" {
  name_prefix        = "${var.name_prefix}-rotator-"
  description        = "secure-serverless rotator; rotates the origin secret and updates CloudFront and the regional WAF."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "rotator" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.rotator.arn}:*"]
  }

  statement {
    sid       = "XRayTracesHaveNoResourceLevelPermissions"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid = "RotateTheOriginSecretOnly"
    actions = [
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "secretsmanager:UpdateSecretVersionStage",
    ]
    resources = [aws_secretsmanager_secret.origin.arn]
  }

  statement {
    sid       = "GenerateRandomValuesHasNoResource"
    actions   = ["secretsmanager:GetRandomPassword"]
    resources = ["*"]
  }

  statement {
    sid       = "EncryptNewVersionsThroughSecretsManagerOnly"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.secrets.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:SecretARN"
      values   = [aws_secretsmanager_secret.origin.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secretsmanager_via]
    }
  }

  statement {
    sid       = "UpdateTheOriginHeaderOfThisDistribution"
    actions   = ["cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"]
    resources = [aws_cloudfront_distribution.api.arn]
  }

  statement {
    sid       = "UpdateTheOriginRuleOfTheRegionalWebAcl"
    actions   = ["wafv2:GetWebACL", "wafv2:UpdateWebACL"]
    resources = [aws_wafv2_web_acl.regional.arn]
  }
}

resource "aws_iam_role_policy" "rotator" {
  name   = "rotator"
  role   = aws_iam_role.rotator.id
  policy = data.aws_iam_policy_document.rotator.json
}

# ---------------------------------------------------------------- API Gateway account
# API Gateway's per-account, per-region CloudWatch role (needed for access logs).
resource "aws_iam_role" "apigateway_cloudwatch" {
  count              = var.create_api_gateway_account_role ? 1 : 0
  name_prefix        = "${var.name_prefix}-apigw-logs-"
  description        = "Lets API Gateway write access and execution logs to CloudWatch Logs."
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
}

data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "apigateway_cloudwatch" {
  count      = var.create_api_gateway_account_role ? 1 : 0
  role       = aws_iam_role.apigateway_cloudwatch[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count               = var.create_api_gateway_account_role ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.apigateway_cloudwatch[0].arn

  depends_on = [aws_iam_role_policy_attachment.apigateway_cloudwatch]
}
