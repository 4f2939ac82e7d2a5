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

.PHONY: venv run test check lint typecheck bench bench-ingest bench-latency bench-load clean

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
	$(BIN)/ruff format --check chatbot ingest web evals tests

typecheck: venv
	$(BIN)/mypy chatbot ingest web evals

test: venv lint typecheck
	$(BIN)/python -m pytest -q

check: test

BENCH_DIR := var/bench
BENCH_EVALS := emanual near-oos clinc-oos stackfaq stackfaq-oos cmrc2018 banking77-gaps gap-verification everyday kestrel parcelpoint vela orla other-product

# Every benchmark and evaluation, then docs/benchmarks.md (generated part only) from the JSON results in var/bench.
bench: venv
	$(MAKE) bench-ingest
	$(MAKE) bench-latency
	ANSWERDESK_RATE_LIMIT=off $(MAKE) bench-load
	for dataset in $(BENCH_EVALS); do $(BIN)/answerdesk eval $$dataset --out $(BENCH_DIR)/eval || exit 1; done
	$(BIN)/python -m evals.bench.report

# Pipeline vs raw SentenceTransformer.encode on the E-Manual, and an unchanged re-sync; figures in var/bench/ingest.json.
bench-ingest: venv
	$(BIN)/python -m evals.bench.ingest --json $(BENCH_DIR)/ingest.json

# Answer latency on a 10k-chunk collection (E-Manual + synthetic padding) next to the floor; var/bench/latency.json.
bench-latency: venv
	$(BIN)/python -m evals.bench.latency --json $(BENCH_DIR)/latency.json

# 32 concurrent clients against gunicorn on loopback; figures in var/bench/load.json (see docs/benchmarks.md).
bench-load: venv
	$(BIN)/python -m evals.bench.load

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
