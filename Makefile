# Accord — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Two stamps: `make run` installs what running needs; `make test`/`check`/`bench` add the
# test, lint and Tryton tools on top (also after a `make run`).
RUN_STAMP := $(VENV)/.installed-run-$(HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(HASH)

.PHONY: run test check bench soak first-run install clean

$(RUN_STAMP): pyproject.toml
	@echo "Installing what Accord needs to run into $(VENV) (the first time takes a few minutes)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e .
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(DEV_STAMP): $(RUN_STAMP)
	@echo "Installing the test, lint and Tryton tools into $(VENV)"
	$(BIN)/python -m pip install -e '.[dev,tryton]'
	@rm -f $(VENV)/.installed-dev-*
	@touch $@

install: $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/accord up

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench.run $(BENCH)

# Not in CI: SOAK_MINUTES (default 5) of activity, faults and killed workers on
# PostgreSQL and NATS, then reconciliation and the generator's ledger must agree.
# With SOAK_CRASHES=N: the random-crash test at soak size instead (N SIGKILLs of the
# embedded hub, SOAK_CONTRACTS contracts, SOAK_SEED to replay a run; docs/deploy.md).
soak: install
	@if [ -n "$(SOAK_CRASHES)" ]; then \
	  ACCORD_CRASHES=$(SOAK_CRASHES) ACCORD_CRASH_CONTRACTS=$${SOAK_CONTRACTS:-24} \
	  ACCORD_CRASH_SEED=$${SOAK_SEED:-$$RANDOM$$RANDOM} \
	  $(BIN)/python -m pytest -s -p no:cacheprovider tests/integration/flows/test_random_crashes.py; \
	else $(BIN)/python -m bench.soak; fi

# Not in CI (it lasts ten real minutes): `make run` as a newcomer meets it, then the
# queue must hold a handful of genuine exceptions (docs/exceptions.md).
first-run: install
	ACCORD_FIRST_RUN_MINUTES=$${FIRST_RUN_MINUTES:-10} $(BIN)/python -m pytest -s -p no:cacheprovider \
	  tests/e2e/test_ten_minutes_of_make_run.py

clean:
	rm -rf $(VENV) .accord .pytest_cache .mypy_cache .ruff_cache
