# jifen: `make help` lists what you can do.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite:///jifen-demo.db
# make test: test processes side by side, each with its own PostgreSQL cluster (ADR 0027)
TEST_WORKERS ?= 2
# make's targets are development runs; a deployment sets production and a secret key
export JIFEN_ENVIRONMENT ?= development
.DEFAULT_GOAL := help

.PHONY: help install demo serve worker migrate test test-quick check bench screenshots clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  \033[1m%-11s\033[0m %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/.installed ## Create .venv and install jifen with its dev tools

demo: install ## Demo programme on SQLite: migrate, seed members, serve, print the URLs
	JIFEN_DATABASE_URL=$${JIFEN_DATABASE_URL:-$(DEMO_DB)} $(BIN)/jifen demo

serve: install ## Serve the API on JIFEN_DATABASE_URL (default: ./jifen.db)
	$(BIN)/jifen serve

worker: install ## Run the worker: each programme's nightly pipeline at 02:00 local, the outbox in between
	$(BIN)/jifen worker

migrate: install ## Create or upgrade the database schema
	$(BIN)/jifen init

test: install ## Run every test (SQLite and a throwaway PostgreSQL; needs the postgresql package)
	JIFEN_REQUIRE_POSTGRES=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-quick: install ## Unit and SQLite tests only, for a fast loop
	$(BIN)/pytest -m "not postgres and not e2e"

check: install ## ruff, format check, mypy --strict, the layering contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

screenshots: install ## Retake the README's screenshots from a fresh demo (needs chromium)
	$(BIN)/python docs/images/take.py

bench: install ## Run the benchmarks and write docs/benchmarks.md
	$(BIN)/python -m bench

clean: ## Remove the virtualenv, caches and local databases
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis jifen.db* jifen-demo.db*
