# ---------------------------------------------------------------- access-log bucket
# trivy: the access-log sink does not log into itself (see the checkov skip below).
#trivy:ignore:AVD-AWS-0089
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This bucket is the access-log sink; logging it into itself would loop and another bucket would need the same exception.
  #checkov:skip=CKV_AWS_144:Access logs of one regional deployment; cross-region replication would double storage cost for data that is not the system of record.
  #checkov:skip=CKV2_AWS_62:Nothing consumes log-delivery events; CloudFront writes, people read.
  bucket_prefix = "${var.name_prefix}-cf-logs-"
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging delivers with an S3 ACL grant (awslogsdelivery), so ACLs cannot be disabled on its bucket. Public access is blocked and the bucket policy denies plain HTTP.
  bucket = aws_s3_bucket.logs.id

  # CloudFront standard logging writes with an ACL grant, so ACLs must stay usable.
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.logs.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# ---------------------------------------------------------------- security headers
resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name_prefix}-security-headers"
  comment = "Security headers for a JSON API."

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }

    content_security_policy {
      content_security_policy = "default-src 'none'; frame-ancestors 'none'"
      override                = true
    }

    xss_protection {
      protection = false
      override   = true
    }
  }

  custom_headers_config {
    items {
      header   = "Cache-Control"
      value    = "no-store"
      override = false
    }
  }
}

# ---------------------------------------------------------------- distribution
data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

resource "aws_cloudfront_distribution" "api" {
  #checkov:skip=CKV_AWS_305:A JSON API has no root document; / is answered by API Gateway (403 without a route).
  #checkov:skip=CKV_AWS_310:One regional API origin; CloudFront origin failover only retries GET/HEAD/OPTIONS, so a second origin would not protect POST /log. Multi-region is out of scope.
  #checkov:skip=CKV_AWS_174:With a custom domain (domain_name + acm_certificate_arn) the viewer policy is TLSv1.2_2021. Without one CloudFront serves its *.cloudfront.net certificate, for which AWS fixes the policy at TLSv1 whatever the configuration says.
  #checkov:skip=CKV2_AWS_46:False positive: the only S3 bucket connected to the distribution is its access-log bucket (logging_config); the origin is API Gateway, where origin access control does not apply.
  #checkov:skip=CKV_AWS_374:A public API with no geographic restriction requirement; the WAF (reputation, anonymous IP, rate) filters clients. Add geo_restriction where a policy needs one.
  enabled         = true
  comment         = "${var.name_prefix} API"
  aliases         = local.has_custom_domain ? [var.domain_name] : []
  http_version    = "http2and3"
  is_ipv6_enabled = true
  price_class     = var.price_class
  web_acl_id      = aws_wafv2_web_acl.cloudfront.arn

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    include_cookies = false
    prefix          = "cloudfront/"
  }

  origin {
    origin_id   = "api"
    domain_name = "${aws_api_gateway_rest_api.api.id}.execute-api.${var.region}.amazonaws.com"
    origin_path = "/${var.stage_name}"

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 30
      origin_keepalive_timeout = 5
    }

    # A stand-in until the first rotation (during this apply) writes the real value.
    custom_header {
      name  = "X-Origin-Verify"
      value = local.origin_header_bootstrap
    }
  }

  default_cache_behavior {
    target_origin_id           = "api"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  # With a custom domain viewers get TLSv1.2_2021; with the default *.cloudfront.net
  # certificate AWS fixes the policy at TLSv1 whatever is configured.
  viewer_certificate {
    cloudfront_default_certificate = local.has_custom_domain ? null : true
    acm_certificate_arn            = local.has_custom_domain ? var.acm_certificate_arn : null
    ssl_support_method             = local.has_custom_domain ? "sni-only" : null
    minimum_protocol_version       = local.has_custom_domain ? "TLSv1.2_2021" : "TLSv1"
  }

  lifecycle {
    # The rotator owns the X-Origin-Verify value; Terraform must not put the stand-in
    # back (the origin block is one set, so all of it is ignored after creation).
    ignore_changes = [origin]
  }

  depends_on = [
    aws_s3_bucket_ownership_controls.logs,
    aws_s3_bucket_policy.logs,
  ]
}
