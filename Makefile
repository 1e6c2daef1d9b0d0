# The README's two commands are `make run` and `make test`; everything else is a step of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv/bin

# make run's local-only secrets, used unless the environment or .env sets them.
RUN_ENV := POST_SERVICE_AUTH_TOKENS=$${POST_SERVICE_AUTH_TOKENS:-local:local-dev-token} \
	POST_SERVICE_PAGE_TOKEN_SECRET=$${POST_SERVICE_PAGE_TOKEN_SECRET:-local-dev-page-token-secret}

.PHONY: help
help:
	@echo "make run    - set up, start local PostgreSQL + Kafka, migrate, run the service"
	@echo "make test   - set up, start the test PostgreSQL + Kafka, lint, run the whole suite"
	@echo "make bench [QUICK=1] - benchmarks into bench/results/ (README, Benchmarks)"
	@echo "make lint | protos | schemas | services-up | services-down | clean-services"

.PHONY: setup
setup:
	@scripts/bootstrap.sh

.PHONY: run
run: setup
	@scripts/services.sh up run
	@$(RUN_ENV) $(VENV)/post-service migrate
	@echo "post-service: gRPC on 127.0.0.1:50051 (token: local-dev-token); Ctrl-C stops it"
	@$(RUN_ENV) exec $(VENV)/post-service run

.PHONY: test
test: setup lint
	@scripts/with-services.sh test $(VENV)/python -m pytest $(PYTEST_ARGS)

.PHONY: lint
lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy .
	$(VENV)/buf lint
	scripts/check-protos.sh
	$(VENV)/python -m event_contract.schemas --check
	scripts/check-docker.sh

.PHONY: protos
protos: setup
	scripts/gen-protos.sh

# The events' JSON Schemas (schemas/), generated from the event models.
.PHONY: schemas
schemas: setup
	$(VENV)/python -m event_contract.schemas

# Benchmarks (bench/run.py): every scenario on the bench instance of the local services, into
# bench/results/latest.{md,json} and PNG plots; under 15 minutes on two cores. QUICK=1: the
# short run (under 3 minutes). `make test` runs the harness end to end with tiny numbers
# (tests/e2e/test_bench_smoke.py) so that it does not rot. bench/run.py starts the bench
# services itself (stopping them after, if it did): POST_SERVICE_BENCH_PG_PORT and
# POST_SERVICE_BENCH_KAFKA_PORT give a second checkout, or a quieter cluster, its own instance.
.PHONY: bench
bench: setup
	@$(VENV)/python -m bench.run $(if $(QUICK),--quick)

.PHONY: services-up services-down clean-services
services-up:
	scripts/services.sh up run
services-down:
	scripts/services.sh down run
clean-services:
	scripts/services.sh destroy run; scripts/services.sh destroy test
