# Key design fixed by the Rust repository (secure-serverless): pk/sk on the table,
# by_type (type_pk, sk) for "by type, newest first".
resource "aws_dynamodb_table" "log" {
  name                        = "${var.name_prefix}-log"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "type_pk"
    type = "S"
  }

  global_secondary_index {
    name            = "by_type"
    hash_key        = "type_pk"
    range_key       = "sk"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  # The provider wants attribute_name only while TTL is on.
  ttl {
    attribute_name = var.enable_ttl ? "expires_at" : null
    enabled        = var.enable_ttl
  }
}
