variable "region" {
  description = "Region of the API, the Lambdas, the table and the regional WAF."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every name (functions, table, secrets, web ACLs, log groups)."
  type        = string
  default     = "secure-serverless"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,40}$", var.name_prefix))
    error_message = "name_prefix: a letter, then up to 40 letters, digits or dashes."
  }
}

variable "stage_name" {
  description = "API Gateway stage name (also the CloudFront origin path)."
  type        = string
  default     = "api"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_]{1,64}$", var.stage_name))
    error_message = "stage_name: 1-64 letters, digits or underscores."
  }
}

variable "domain_name" {
  description = "Optional custom domain for the distribution (needs acm_certificate_arn)."
  type        = string
  default     = ""
}

variable "acm_certificate_arn" {
  description = "Optional ACM certificate in us-east-1 for domain_name; turns on TLSv1.2_2021 for viewers."
  type        = string
  default     = ""

  validation {
    condition     = var.acm_certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn: an ACM certificate ARN in us-east-1, or empty."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class: PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "jwt_issuer" {
  description = "Expected JWT iss, e.g. a Cognito user pool issuer https://cognito-idp.REGION.amazonaws.com/POOL_ID."
  type        = string

  validation {
    condition     = can(regex("^https://[^\\s]*[^\\s/]$", var.jwt_issuer))
    error_message = "jwt_issuer: an https:// URL without a trailing slash."
  }
}

variable "jwt_audience" {
  description = "Accepted JWT aud values, comma-separated; with jwt_token_use = cognito-access, the accepted Cognito app client ids (access tokens carry no aud)."
  type        = string

  validation {
    condition     = length(var.jwt_audience) > 0
    error_message = "jwt_audience must not be empty."
  }
}

variable "jwt_token_use" {
  description = "aud: check aud against jwt_audience; cognito-access: Cognito access tokens (token_use access, client_id in jwt_audience); cognito-id: Cognito ID tokens."
  type        = string
  default     = "aud"

  validation {
    condition     = contains(["aud", "cognito-access", "cognito-id"], var.jwt_token_use)
    error_message = "jwt_token_use: aud, cognito-access or cognito-id."
  }
}

variable "jwks_url" {
  description = "Optional JWKS URL; empty means jwt_issuer + /.well-known/jwks.json."
  type        = string
  default     = ""
}

variable "secrets_extension_layer_arn" {
  description = "ARN of the AWS Parameters and Secrets Lambda Extension layer for arm64 in var.region."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.secrets_extension_layer_arn))
    error_message = "secrets_extension_layer_arn: a Lambda layer version ARN."
  }
}

variable "secrets_cache_ttl_seconds" {
  description = "How long the extension caches a secret value inside a Lambda sandbox."
  type        = number
  default     = 60
}

variable "log_shards" {
  description = "Number of write shards of the log table's partition key (LOG_SHARDS)."
  type        = number
  default     = 8

  validation {
    condition     = var.log_shards >= 1 && var.log_shards <= 64
    error_message = "log_shards: 1 to 64."
  }
}

variable "enable_ttl" {
  description = "Turn on DynamoDB TTL on the expires_at attribute."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of every log group and of the CloudFront access logs (at least one year)."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: a CloudWatch Logs retention value of at least 365."
  }
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady-state requests per second."
  type        = number
  default     = 50
}

variable "throttling_burst_limit" {
  description = "Stage-wide burst."
  type        = number
  default     = 100
}

variable "authorizer_reserved_concurrency" {
  description = "Reserved (and maximum) concurrency of the authorizer."
  type        = number
  default     = 20
}

variable "writer_reserved_concurrency" {
  description = "Reserved (and maximum) concurrency of the writer."
  type        = number
  default     = 10
}

variable "reader_reserved_concurrency" {
  description = "Reserved (and maximum) concurrency of the reader."
  type        = number
  default     = 10
}

variable "rotator_reserved_concurrency" {
  description = "Reserved (and maximum) concurrency of the rotator (one rotation at a time)."
  type        = number
  default     = 1
}

variable "rotation_days" {
  description = "Days between automatic rotations of the origin secret."
  type        = number
  default     = 30
}

variable "create_api_gateway_account_role" {
  description = "Create API Gateway's per-account, per-region CloudWatch role (false if the account already has one)."
  type        = bool
  default     = true
}

variable "rate_limit_per_5min" {
  description = "Requests one client IP may send in any 5-minute window before the CloudFront WAF rate rule blocks it."
  type        = number
  default     = 1000
}

variable "block_hosting_providers" {
  description = "Keep AWSManagedRulesAnonymousIpList's HostingProviderIPList rule blocking (false: count only)."
  type        = bool
  default     = true
}

variable "lambda_artifacts_dir" {
  description = "Directory holding <name>/bootstrap.zip from `cargo lambda build --release --arm64 --output-format zip`; empty means the workspace's target/lambda."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default = {
    project = "secure-serverless"
  }
}
