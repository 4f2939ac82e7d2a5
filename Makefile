# answerdesk: `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
SAMPLE_KB := examples/helpcenter

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: venv run test check lint typecheck bench bench-ingest bench-load clean

venv: $(STAMP)

# torch first, pinned: a plain torch requirement can pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Ingests the sample help centre (only changes are embedded), then serves the demo, the widget and the API.
run: venv
	$(BIN)/answerdesk ingest $(SAMPLE_KB)
	$(BIN)/answerdesk serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

typecheck: venv
	$(BIN)/mypy chatbot ingest web evals

test: venv lint typecheck
	$(BIN)/python -m pytest -q

check: test

bench: bench-ingest

bench-ingest: venv
	$(BIN)/python -m evals.bench_ingest

# 32 concurrent clients against gunicorn on loopback; figures in var/bench/load.json (see docs/benchmarks.md).
bench-load: venv
	$(BIN)/python -m evals.bench_load

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
