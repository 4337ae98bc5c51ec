# PartsPool: `make demo` to try it, `make test` to check it. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The PostgreSQL server the suite also runs against when it is reachable (CI has one here).
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/partspool

.PHONY: demo test install lint test-sqlite test-postgres bench messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/partspool demo --serve --host $(HOST) --port $(PORT)

test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	@if $(BIN)/python tests/pg_reachable.py "$(TEST_PG_URL)"; then \
		DATABASE_URL="$(TEST_PG_URL)" $(BIN)/pytest -m "not browser" --ignore=tests/core; \
	else \
		echo "PostgreSQL not reachable at $(TEST_PG_URL): the PostgreSQL run of the suite was skipped."; \
	fi

bench: install
	$(BIN)/python bench/lookup.py

messages: install
	cd src/partspool && ../../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete \
		--settings=partspool.config.settings && ../../$(BIN)/django-admin compilemessages \
		--settings=partspool.config.settings

clean:
	rm -rf $(VENV) partspool.sqlite3 partspool.sqlite3-* .pytest_cache .ruff_cache .mypy_cache
