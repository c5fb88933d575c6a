# The two commands: `make up` (embedded stack, demo org, Web UI) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test fast lint bench reliability screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/orderflow-stack

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

# The inner loop: the domain, the workflows, the services and the API; no end-to-end processes, no faults.
fast: $(STAMP)
	$(BIN)/ruff check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest tests/unit tests/workflow tests/services tests/api

# The fault-injection tests alone, rewriting RELIABILITY.md from their results (make test runs them too).
reliability: $(STAMP)
	ORDERFLOW_WRITE_RELIABILITY=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest tests/reliability

# The README's pictures of the web desk: the desk's browser tests take them into test-artifacts/, kept in docs/desk/.
screenshots: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q tests/e2e/test_desk_browser.py tests/e2e/test_desk_browser_*.py
	mkdir -p docs/desk && cp test-artifacts/desk-*.png docs/desk/

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Each benchmark writes its table into BENCHMARKS.md (between its markers), with the machine and the date.
BENCHES := throughput api_latency upload idle cli_startup collision collision_quality desk_pages
bench: $(STAMP)
	@for b in $(BENCHES); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench.$$b | tee .bench-$$b.md && \
	  $(BIN)/python -m bench.report $$b .bench-$$b.md || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts
