output "api_url" {
  description = "The public entry point (CloudFront)."
  value       = local.has_custom_domain ? "https://${var.domain_name}" : "https://${aws_cloudfront_distribution.api.domain_name}"
}

output "distribution_id" {
  description = "CloudFront distribution id."
  value       = aws_cloudfront_distribution.api.id
}

output "execute_api_url" {
  description = "Direct API Gateway URL; the regional WAF answers 403 here without the origin header."
  value       = aws_api_gateway_stage.api.invoke_url
}

output "table_name" {
  description = "DynamoDB log table."
  value       = aws_dynamodb_table.log.name
}

output "origin_secret_arn" {
  description = "ARN (not the value) of the rotated origin secret."
  value       = aws_secretsmanager_secret.origin.arn
}

output "cursor_key_secret_arn" {
  description = "ARN (not the value) of the reader's cursor-signing key."
  value       = aws_secretsmanager_secret.cursor_key.arn
}

output "regional_web_acl_arn" {
  description = "Regional web ACL on the API stage."
  value       = aws_wafv2_web_acl.regional.arn
}

output "cloudfront_web_acl_arn" {
  description = "CLOUDFRONT web ACL (us-east-1)."
  value       = aws_wafv2_web_acl.cloudfront.arn
}

output "access_log_bucket" {
  description = "Bucket holding the CloudFront access logs (kept by make terra-destroy)."
  value       = aws_s3_bucket.logs.id
}

output "alarm_topic_arn" {
  description = "SNS topic of the security alarms (subscribe your on-call address)."
  value       = aws_sns_topic.alarms.arn
}
