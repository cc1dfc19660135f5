# The four Rust Lambdas, from the zips `cargo lambda build --release --arm64
# --output-format zip` writes (make terra-deploy builds them first). source_code_hash
# makes every apply upload exactly the zip on disk: never a stale package. (try(): so
# that `terraform destroy` works without building; an apply without the zip still
# fails, on the missing filename.)

resource "aws_lambda_function" "authorizer" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway only; Lambda never queues these events, so a DLQ would stay empty. Failures reach the caller as 401/500 and are in the log group.
  #checkov:skip=CKV_AWS_117:Calls only public AWS endpoints (Secrets Manager through the extension, the JWKS URL); a VPC would add NAT/endpoint cost and no isolation for this function.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed S3 artefacts; the zip is built from this repository's source by make terra-deploy in the same run. Set code_signing_config_arn where an organisation runs Signer.
  function_name                  = "${var.name_prefix}-authorizer"
  description                    = "API Gateway REQUEST authorizer (origin header + JWT)."
  role                           = aws_iam_role.authorizer.arn
  runtime                        = "provided.al2023"
  architectures                  = ["arm64"]
  handler                        = "bootstrap"
  filename                       = "${local.artifacts_dir}/authorizer/bootstrap.zip"
  source_code_hash               = try(filebase64sha256("${local.artifacts_dir}/authorizer/bootstrap.zip"), null)
  memory_size                    = 256
  timeout                        = 5
  reserved_concurrent_executions = var.authorizer_reserved_concurrency
  kms_key_arn                    = aws_kms_key.data.arn
  layers                         = [var.secrets_extension_layer_arn]

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.authorizer.name
  }

  environment {
    variables = {
      ORIGIN_SECRET_ID = aws_secretsmanager_secret.origin.arn
      JWT_ISSUER       = var.jwt_issuer
      JWT_AUDIENCE     = var.jwt_audience
      JWT_TOKEN_USE    = var.jwt_token_use
      # Never blank: the authorizer refuses a blank setting at start-up.
      JWKS_URL            = var.jwks_url != "" ? var.jwks_url : "${var.jwt_issuer}/.well-known/jwks.json"
      SECRETS_MANAGER_TTL = tostring(var.secrets_cache_ttl_seconds)
    }
  }

  depends_on = [aws_iam_role_policy.authorizer]
}

resource "aws_lambda_function" "writer" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway (Lambda proxy) only; a DLQ applies to asynchronous invocations and would stay empty. Errors are answered to the client and logged.
  #checkov:skip=CKV_AWS_117:Calls only DynamoDB's public endpoint; a VPC would add NAT/endpoint cost and no isolation for this function.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed S3 artefacts; the zip is built from this repository's source by make terra-deploy in the same run. Set code_signing_config_arn where an organisation runs Signer.
  function_name                  = "${var.name_prefix}-writer"
  description                    = "POST /log - validate, sanitise, store."
  role                           = aws_iam_role.writer.arn
  runtime                        = "provided.al2023"
  architectures                  = ["arm64"]
  handler                        = "bootstrap"
  filename                       = "${local.artifacts_dir}/writer/bootstrap.zip"
  source_code_hash               = try(filebase64sha256("${local.artifacts_dir}/writer/bootstrap.zip"), null)
  memory_size                    = 256
  timeout                        = 10
  reserved_concurrent_executions = var.writer_reserved_concurrency
  kms_key_arn                    = aws_kms_key.data.arn

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.writer.name
  }

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.log.name
      LOG_SHARDS = tostring(var.log_shards)
    }
  }

  depends_on = [aws_iam_role_policy.writer]
}

resource "aws_lambda_function" "reader" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway (Lambda proxy) only; a DLQ applies to asynchronous invocations and would stay empty. Errors are answered to the client and logged.
  #checkov:skip=CKV_AWS_117:Calls only DynamoDB's and Secrets Manager's public endpoints; a VPC would add NAT/endpoint cost and no isolation for this function.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed S3 artefacts; the zip is built from this repository's source by make terra-deploy in the same run. Set code_signing_config_arn where an organisation runs Signer.
  function_name                  = "${var.name_prefix}-reader"
  description                    = "GET /stats - paginated, newest first."
  role                           = aws_iam_role.reader.arn
  runtime                        = "provided.al2023"
  architectures                  = ["arm64"]
  handler                        = "bootstrap"
  filename                       = "${local.artifacts_dir}/reader/bootstrap.zip"
  source_code_hash               = try(filebase64sha256("${local.artifacts_dir}/reader/bootstrap.zip"), null)
  memory_size                    = 256
  timeout                        = 10
  reserved_concurrent_executions = var.reader_reserved_concurrency
  kms_key_arn                    = aws_kms_key.data.arn
  layers                         = [var.secrets_extension_layer_arn]

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.reader.name
  }

  environment {
    variables = {
      TABLE_NAME          = aws_dynamodb_table.log.name
      LOG_SHARDS          = tostring(var.log_shards)
      CURSOR_KEY_ID       = aws_secretsmanager_secret.cursor_key.arn
      SECRETS_MANAGER_TTL = tostring(var.secrets_cache_ttl_seconds)
    }
  }

  depends_on = [aws_iam_role_policy.reader]
}

# The rotator's timeout leaves room for finishSecret's wait for the authorizer's secret
# caches and WAF propagation before it switches CloudFront (up to 435 s with
# secrets_cache_ttl_seconds = 300; see examples/rotator/README.md).
resource "aws_lambda_function" "rotator" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Secrets Manager, which retries failed rotation steps itself and records them on the secret; a DLQ would stay empty.
  #checkov:skip=CKV_AWS_117:Calls only the public Secrets Manager, CloudFront and WAF endpoints; a VPC would add NAT/endpoint cost and no isolation for this function.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed S3 artefacts; the zip is built from this repository's source by make terra-deploy in the same run. Set code_signing_config_arn where an organisation runs Signer.
  function_name                  = "${var.name_prefix}-rotator"
  description                    = "Rotates the origin secret and keeps CloudFront's header and the regional WAF rule in step."
  role                           = aws_iam_role.rotator.arn
  runtime                        = "provided.al2023"
  architectures                  = ["arm64"]
  handler                        = "bootstrap"
  filename                       = "${local.artifacts_dir}/rotator/bootstrap.zip"
  source_code_hash               = try(filebase64sha256("${local.artifacts_dir}/rotator/bootstrap.zip"), null)
  memory_size                    = 256
  timeout                        = 900 # settle (195 s by default) + CloudFront's deployment (polled) + API calls
  reserved_concurrent_executions = var.rotator_reserved_concurrency
  kms_key_arn                    = aws_kms_key.data.arn

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.rotator.name
  }

  environment {
    variables = {
      DISTRIBUTION_ID                = aws_cloudfront_distribution.api.id
      WEB_ACL_NAME                   = aws_wafv2_web_acl.regional.name
      WEB_ACL_ID                     = aws_wafv2_web_acl.regional.id
      WEB_ACL_SCOPE                  = "REGIONAL"
      WAF_RULE_NAME                  = "allow-origin-verify"
      ORIGIN_ID                      = "api"
      ORIGIN_HEADER                  = "X-Origin-Verify"
      AUTHORIZER_SECRETS_MANAGER_TTL = tostring(var.secrets_cache_ttl_seconds)
    }
  }

  depends_on = [aws_iam_role_policy.rotator]
}
