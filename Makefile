# Sextant: `make run` starts the platform on local Kafka and PostgreSQL; `make test` tests it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv venv-testcontainers bench soak schemas contracts k8s-validate infra-up infra-down infra-status migrate run console browser test test-unit check format clean

help:
	@echo "make run         set up everything and run the platform (API on http://127.0.0.1:8000)"
	@echo "                 and the web console (http://127.0.0.1:8080)"
	@echo "make console     only the web console, against SEXTANT_CONSOLE_API_URL"
	@echo "make test        set up everything and run the whole test suite"
	@echo "make check       ruff and mypy --strict"
	@echo "make schemas     regenerate schemas/ (event JSON Schemas, asyncapi.yaml, openapi/)"
	@echo "make contracts   validate asyncapi.yaml (AsyncAPI parser) and docker-compose.yml (Compose spec)"
	@echo "make k8s-validate  lint and render the Helm chart, validate it against Kubernetes and CRD schemas"
	@echo "make bench       benchmarks against their baselines (ONLY=append,latency,... for some)"
	@echo "make soak        10 minutes at 200 commands/s across all services, memory sampled"
	@echo "make infra-down  stop the Kafka broker and PostgreSQL server that were started"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

infra-up:
	@scripts/infra/up.sh

infra-down:
	@scripts/infra/down.sh

infra-status:
	@scripts/infra/kafka.sh status || true; scripts/infra/postgres.sh status || true

migrate: venv infra-up
	$(BIN)/sextant-run migrate

# Locally the caller is named by X-Sextant-* headers, or by a bearer token read unverified
# (the console sign-in token printed below); set SEXTANT_AUTH_MODE=jwt (and the
# identity provider's keys) to require bearer tokens, as every deployment does.
# The console runs beside the platform in its own process and stops with it.
run: venv infra-up
	@echo "Sextant API: http://127.0.0.1:$${SEXTANT_HTTP_PORT:-8000}  (OpenAPI: /docs, metrics: /metrics)"
	@echo "Sextant console: http://127.0.0.1:$${SEXTANT_CONSOLE_PORT:-8080}  (sign in with a token)"
	@if [ "$${SEXTANT_AUTH_MODE:-dev}" = dev ]; then \
	  echo "Console sign-in token (development mode only: tenant local, admin dev.admin, 7 days):"; \
	  $(BIN)/sextant token create --tenant local --subject dev.admin --role admin --ttl 604800 2>/dev/null; \
	fi
	$(BIN)/python -m sextant_console --api http://127.0.0.1:$${SEXTANT_HTTP_PORT:-8000} & \
	console=$$!; trap 'kill $$console' EXIT; \
	SEXTANT_AUTH_MODE=$${SEXTANT_AUTH_MODE:-dev} $(BIN)/sextant-run all

console: venv
	$(BIN)/python -m sextant_console

# Debian's headless Chromium and chromedriver for the console's browser tests (once).
browser:
	@scripts/console/browser.sh

# SEXTANT_TEST_INFRA=testcontainers: the suite starts Kafka and PostgreSQL containers itself.
ifeq ($(SEXTANT_TEST_INFRA),testcontainers)
TEST_INFRA := venv-testcontainers
else
TEST_INFRA := infra-up
endif

test: venv $(TEST_INFRA) browser
	$(BIN)/pytest

venv-testcontainers: venv
	$(BIN)/pip install --quiet -e ".[dev,testcontainers]"

test-unit: venv
	$(BIN)/pytest tests/unit

# make bench [ONLY=append,latency,growth,ceilings,feedback_import]: figures with their
# baselines in bench/results/<date>.{json,md}. Uses the Kafka and PostgreSQL already
# listening on their ports (starts the local ones otherwise).
bench: venv
	$(BIN)/python -m bench.run $(ONLY) $(BENCH)

# make soak [SOAK_MINUTES=10 SOAK_RATE=200]: every service as api/relay/projector processes
# under mixed commands, memory of each sampled; bench/results/<date>-soak.{json,md}.
soak: venv
	$(BIN)/python -m bench.soak --minutes $${SOAK_MINUTES:-10} --rate $${SOAK_RATE:-200}

schemas: venv
	$(BIN)/python -m sextant_platform.schemas

contracts:
	@scripts/contracts.sh

k8s-validate: venv
	@scripts/k8s-validate.sh

check: venv
	$(BIN)/ruff check libs services tests bench
	$(BIN)/ruff format --check libs services tests bench
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix libs services tests bench
	$(BIN)/ruff format libs services tests bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
