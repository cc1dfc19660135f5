resource "aws_api_gateway_rest_api" "api" {
  name        = "${var.name_prefix}-api"
  description = "secure-serverless REST API; reachable only through CloudFront (regional WAF on the stage)."

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_authorizer" "authorizer" {
  name                             = "authorizer"
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  type                             = "REQUEST"
  authorizer_uri                   = aws_lambda_function.authorizer.invoke_arn
  identity_source                  = "method.request.header.X-Origin-Verify,method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = 300
}

resource "aws_api_gateway_model" "log_entry" {
  rest_api_id  = aws_api_gateway_rest_api.api.id
  name         = "LogEntry"
  content_type = "application/json"
  schema = jsonencode({
    type                 = "object"
    required             = ["type", "payload"]
    additionalProperties = false
    properties = {
      type = {
        type      = "string"
        minLength = 1
        maxLength = 64
        pattern   = "^[A-Za-z0-9._:-]+$"
      }
      payload = {
        type = "string"
      }
    }
  })
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id                 = aws_api_gateway_rest_api.api.id
  name                        = "body-only"
  validate_request_body       = true
  validate_request_parameters = false
}

# ---------------------------------------------------------------- POST /log -> writer
resource "aws_api_gateway_resource" "log" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "log"
}

resource "aws_api_gateway_method" "post_log" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  resource_id          = aws_api_gateway_resource.log.id
  http_method          = "POST"
  authorization        = "CUSTOM"
  authorizer_id        = aws_api_gateway_authorizer.authorizer.id
  request_validator_id = aws_api_gateway_request_validator.body.id
  request_models = {
    "application/json" = aws_api_gateway_model.log_entry.name
  }
}

resource "aws_api_gateway_integration" "post_log" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.log.id
  http_method             = aws_api_gateway_method.post_log.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.writer.invoke_arn
}

# ---------------------------------------------------------------- GET /stats -> reader
resource "aws_api_gateway_resource" "stats" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "stats"
}

resource "aws_api_gateway_method" "get_stats" {
  #checkov:skip=CKV2_AWS_53:GET /stats has no body and only optional query parameters (limit, cursor, type), which the reader validates itself (400 with a JSON error naming the problem).
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.stats.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.authorizer.id
}

resource "aws_api_gateway_integration" "get_stats" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.stats.id
  http_method             = aws_api_gateway_method.get_stats.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.reader.invoke_arn
}

# ---------------------------------------------------------------- deployment and stage
resource "aws_api_gateway_deployment" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_authorizer.authorizer,
      aws_api_gateway_model.log_entry,
      aws_api_gateway_request_validator.body,
      aws_api_gateway_resource.log,
      aws_api_gateway_method.post_log,
      aws_api_gateway_integration.post_log,
      aws_api_gateway_resource.stats,
      aws_api_gateway_method.get_stats,
      aws_api_gateway_integration.get_stats,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "api" {
  #checkov:skip=CKV_AWS_120:Caching stays off on purpose; every response is per-caller and must be fresh (POST /log writes, GET /stats pages). The authorizer result is cached (TTL 300 s) instead.
  #checkov:skip=CKV2_AWS_77:The regional ACL on this stage admits only requests that carry the origin secret, i.e. that already passed the CloudFront ACL with AWSManagedRulesKnownBadInputsRuleSet (Log4j); all others are blocked.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to HTTP backends; the integrations here are Lambda proxy calls signed by AWS, so there is nothing for a certificate to protect.
  rest_api_id           = aws_api_gateway_rest_api.api.id
  deployment_id         = aws_api_gateway_deployment.api.id
  stage_name            = var.stage_name
  description           = "secure-serverless stage"
  xray_tracing_enabled  = true
  cache_cluster_enabled = false

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integration.status"
      principalId        = "$context.authorizer.principalId"
      authorizerError    = "$context.authorizer.error"
      authorizerStatus   = "$context.authorizer.status"
      wafStatus          = "$context.waf.status"
      wafResponseCode    = "$context.wafResponseCode"
      errorMessage       = "$context.error.message"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  depends_on = [
    aws_api_gateway_account.this,
    aws_cloudwatch_log_group.api_execution,
  ]
}

# trivy: response caching stays off on purpose (per-caller, always-fresh JSON).
#trivy:ignore:AVD-AWS-0190
resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Response caching stays off on purpose (per-caller, always-fresh JSON); see the stage.
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.api.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# ---------------------------------------------------------------- API Gateway may invoke the three functions
resource "aws_lambda_permission" "apigw_authorizer" {
  statement_id  = "ApiGatewayInvokeAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/authorizers/${aws_api_gateway_authorizer.authorizer.id}"
}

resource "aws_lambda_permission" "apigw_writer" {
  statement_id  = "ApiGatewayInvokeWriter"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.writer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/POST/log"
}

resource "aws_lambda_permission" "apigw_reader" {
  statement_id  = "ApiGatewayInvokeReader"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.reader.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/GET/stats"
}
