locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # cargo lambda build --release --arm64 --output-format zip writes target/lambda/<bin>/bootstrap.zip
  artifacts_dir = var.lambda_artifacts_dir != "" ? var.lambda_artifacts_dir : "${path.module}/../../target/lambda"

  has_custom_domain = var.acm_certificate_arn != ""

  secretsmanager_via = "secretsmanager.${var.region}.amazonaws.com"

  # Stand-in origin header value until the first rotation (started by this apply, see
  # secrets.tf) writes the real one. Terraform never sees the real value: the
  # distribution and the regional WAF ignore later changes to it. The stand-in is
  # random per deployment (secrets.tf), never a constant someone else knows.
  origin_header_bootstrap = "standin-${terraform_data.origin_header_standin.output}"
}
