# keten: `make demo` runs a node with demo data, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DB ?= keten-demo.db

.PHONY: demo install test check lint typecheck pytest bench clean

$(BIN)/keten: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/keten

install: $(BIN)/keten

demo: install
	KETEN_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/keten demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

check: lint typecheck pytest

test: check

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.bench_outbox

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache keten-demo.db*
