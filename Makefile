# Every target installs what it needs: a local .venv from the pinned requirements and the
# CDK CLI pinned in package.json (npm ci). Nothing needs to be installed by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.DEFAULT_GOAL := help
.PHONY: help setup browser tmux demo test lint synth deploy bench schema clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@# This checkout as the package, editable (its code is used in place): puts `bft` in $(BIN)/.
	@# The libraries are the pinned ones above (--no-deps); offline (no build isolation).
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' || \
	  echo "warning: Node.js $$(node --version) is past its end of life; install Node 22 LTS (README, Quickstart)" >&2
	npm ci --no-audit --no-fund

setup: $(STAMP) node_modules/.package-lock.json ## Install pinned Python requirements and `bft` (.venv) and the CDK CLI (npm ci)

demo: $(STAMP) ## Run the whole pipeline locally on the sample dataset (SIMULATED AWS); ARGS='--help' for options
	$(BIN)/python -m localrun $(ARGS)

browser: ## Install Debian's chromium and a CJK font (the report's browser test) when missing
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=ja family | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-noto-cjk >/dev/null; }

tmux: ## Install tmux when it is missing (the terminal test of `bft watch`)
	@command -v tmux >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq tmux >/dev/null; }

test: setup browser tmux ## Run all tests (unit, infrastructure, bft and end to end on moto's Step Functions engine), one session
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP) ## ruff (lint + format check) and mypy over lambdas/, stacks/, statemachine/, localrun/, cli/
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

synth: setup ## Synthesize the CloudFormation template (cdk-nag runs on every synth)
	npx cdk synth --quiet

deploy: setup ## Deploy the stack to the current AWS account (needs credentials)
	npx cdk deploy

bench: $(STAMP) ## Performance figures (SIMULATED) -> bench-output/bench.json and a table; about 20 min
	PYTHONPATH=lambdas $(BIN)/python -m benchmarks

schema: $(STAMP) ## Regenerate docs/results.schema.json from the results.json models (lambdas/report/results.py)
	PYTHONPATH=lambdas $(BIN)/python -m report.schema

clean: ## Remove generated files
	rm -rf cdk.out demo-output bft-reports .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -not -path './node_modules/*' -exec rm -rf {} +
