# Key policies are written inline (a key policy's "Resource": "*" means "this key").

locals {
  account_root = "arn:${local.partition}:iam::${local.account_id}:root"

  key_admin_statement = {
    Sid       = "AccountAdministersTheKeyThroughIam"
    Effect    = "Allow"
    Principal = { AWS = local.account_root }
    Action    = "kms:*"
    Resource  = "*"
  }
}

resource "aws_kms_key" "logs" {
  description             = "${var.name_prefix}: CloudWatch log groups and the CloudFront access-log bucket"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.key_admin_statement,
      {
        Sid       = "CloudWatchLogsUsesTheKeyForThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"
          }
        }
      },
      {
        Sid       = "CloudFrontStandardLogsWriteToTheKmsEncryptedBucket"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = "kms:GenerateDataKey*"
        Resource  = "*"
        # Only for deliveries of this account's resources (confused deputy):
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-V2-S3.html
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:logs:*:${local.account_id}:*" }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name_prefix}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

resource "aws_kms_key" "data" {
  description             = "${var.name_prefix}: DynamoDB log table and Lambda environment variables"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.key_admin_statement]
  })
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name_prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_kms_key" "secrets" {
  description             = "${var.name_prefix}: origin secret and cursor-signing key in Secrets Manager"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.key_admin_statement]
  })
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name_prefix}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

# us-east-1: the CloudFront WAF's log group lives there, and so must its key.
resource "aws_kms_key" "waf_logs" {
  provider                = aws.us_east_1
  description             = "${var.name_prefix}: encrypts the CloudFront WAF log group"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.key_admin_statement,
      {
        Sid       = "CloudWatchLogsUsesTheKeyForThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.us-east-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:us-east-1:${local.account_id}:log-group:*"
          }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "waf_logs" {
  provider      = aws.us_east_1
  name          = "alias/${var.name_prefix}-cloudfront-waf-logs"
  target_key_id = aws_kms_key.waf_logs.key_id
}
