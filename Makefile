# The two commands of the book (README.md):
#   make book   build the book at full size into _build/html (sets up .venv first if needed)
#   make test   run the test suite with the network cut    (sets up .venv first if needed)
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := $(VENV)/share/jupyter/kernels/python3/kernel.json

# Two cores: one OpenMP thread per process keeps torch, faiss and BLAS from oversubscribing.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Progress bars are for a reader in JupyterLab; executed copies and built pages keep none.
export TQDM_DISABLE := 1
export HF_HUB_DISABLE_PROGRESS_BARS := 1

# Cut the network but keep loopback up, so Jupyter kernels still connect (needs root or
# user namespaces); falls back to the in-process guard of tests/conftest.py otherwise.
OFFLINE := $(shell unshare -n true 2>/dev/null && echo "unshare -n -- sh -c 'ip link set lo up && exec \"\$$@\"' x")
ifneq ($(OFFLINE),)
export MLSD_NET_BLOCKED := 1
endif

# Scripts the pages serve themselves (MathJax, the widget manager, require.js), pinned by
# book/assets/package-lock.json. Without npm the book still builds and loads them from a CDN.
NPM := $(shell command -v npm 2>/dev/null)
ASSETS := book/assets
ifneq ($(NPM),)
ASSET_STAMP := $(ASSETS)/node_modules/.installed
else
ASSET_STAMP :=
endif

.PHONY: env book book-smoke test page-test lab-test bench lint clean
env: $(STAMP) $(KERNEL) $(ASSET_STAMP)

ifneq ($(NPM),)
$(ASSET_STAMP): $(ASSETS)/package.json $(ASSETS)/package-lock.json
	cd $(ASSETS) && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@
endif

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored: it is neither" >&2)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# The book's kernel carries the thread and offline settings itself, so a reader who starts
# JupyterLab as the README says gets the same quiet, single-threaded kernel as `make test`.
# Progress bars stay on there: only the Makefile's own targets turn them off.
KERNEL_ENV := OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS
$(KERNEL): $(STAMP) Makefile
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mlsd)" \
	  $(foreach v,$(KERNEL_ENV),--env $(v) 1) --env HF_HUB_OFFLINE 1 --env TRANSFORMERS_OFFLINE 1 \
	  --env PYDEVD_DISABLE_FILE_VALIDATION 1 >/dev/null

book: env
	MLSD_SIZE=full $(OFFLINE) $(VENV)/bin/jupyter-book build . -W -n --keep-going

book-smoke: env
	MLSD_SIZE=smoke MLSD_CLAIMS_DIR=$(CURDIR)/_build/smoke/claims \
	  $(OFFLINE) $(VENV)/bin/jupyter-book build . -W -n --keep-going --path-output _build/smoke

# Two workers, one per core, each taking whole test files (--dist loadfile). A chapter is one file,
# tests/chapters/test_chNN_<topic>.py, whose tests run in order on one worker; tests/conftest.py
# puts the chapters first, the longest first, so the two workers share them and the library's
# quick tests fill the gaps (--no-loadscope-reorder keeps that order).
TEST_WORKERS ?= 2
test: env
	$(OFFLINE) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# What a reader sees: every built page in headless Chromium, with the network cut.
page-test: env
	$(OFFLINE) $(PY) -m pytest -q -o addopts="" -p no:cacheprovider tests/page_check.py --html-dir _build/html

# What a reader of the notebooks sees: each chapter run in JupyterLab at small size, in
# headless Chromium, with the network cut (tests/jupyterlab_check.py).
lab-test: env
	$(OFFLINE) $(PY) -m pytest -q -o addopts="" -p no:cacheprovider tests/jupyterlab_check.py

bench: env
	$(PY) -m pytest tests/benchmarks -o addopts="" -s --benchmark-columns=min,mean,max,rounds

lint: env
	$(VENV)/bin/ruff check mlsd_lib tests notebooks book

clean:
	rm -rf _build
