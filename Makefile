# keten: `make demo` runs a node with demo data, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DB ?= keten-demo.db
CHROMIUM ?= chromium
# What the tests need from the system: Chromium for the browser tests, Pango and HarfBuzz (with
# its subsetter) for WeasyPrint's PDFs, a font, and the Mosquitto MQTT broker for the factory
# connector's tests.
SYSTEM_PACKAGES := chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
	libharfbuzz-subset0 fonts-dejavu-core mosquitto
SYSTEM_LIBRARIES := libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0

.PHONY: demo install system-deps check-system broker test check lint typecheck pytest bench clean

$(BIN)/keten: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/keten

install: $(BIN)/keten

# Debian/Ubuntu packages the tests need; run once on a new machine (as root or with sudo).
system-deps:
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $(SYSTEM_PACKAGES)

# Stops at once, naming the command that installs what is missing, instead of failing test by test.
check-system:
	@missing=""; \
	command -v $(CHROMIUM) >/dev/null 2>&1 || missing="$$missing $(CHROMIUM)"; \
	command -v mosquitto >/dev/null 2>&1 || missing="$$missing mosquitto"; \
	ldconfig=$$(command -v ldconfig || echo /sbin/ldconfig); \
	for lib in $(SYSTEM_LIBRARIES); do \
		$$ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "the tests need$$missing; install it with: make system-deps" >&2; exit 1; \
	fi

# The connector's tests talk to a real MQTT broker on 127.0.0.1:1883: start one if none listens.
broker: check-system
	@$(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 1883), 1).close()" 2>/dev/null \
		|| mosquitto -d

demo: install
	KETEN_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/keten demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations

typecheck: install
	$(BIN)/mypy

pytest: install check-system broker
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

check: lint typecheck pytest

test: check

# The HTTP benchmarks load the servers with wrk (Debian package `wrk`).
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "the benchmarks need wrk; install it with: sudo apt-get install wrk" >&2; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.bench_outbox

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache keten-demo.db*
