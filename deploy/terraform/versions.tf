terraform {
  # 1.11: ephemeral resources and write-only arguments keep the generated secret
  # values out of the plan and the state.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

# CLOUDFRONT-scope WAF web ACLs (and the log group and key they log to) can only be
# created in us-east-1: this alias is an AWS constraint, not a choice.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = var.tags
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
