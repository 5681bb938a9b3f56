# mlnb — the two commands a newcomer needs:
#   make lab    create .venv, install mlnb with its JupyterLab extension, open notebooks/
#   make test   create the test environments if missing, install what the tests need, run them
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
CORE_VENV := .venv-core
PORT ?= 8888

LABEXT_SRC := $(shell find labextension -path labextension/node_modules -prune -o \
	-path labextension/lib -prune -o -type f \( -name '*.ts' -o -name '*.tsx' \
	-o -name '*.css' -o -name '*.json' -o -name '*.svg' \) -print 2>/dev/null)

.PHONY: help lab test test-full test-core test-ui test-js lint bench labextension \
	chromium clean dist

help:
	@echo "make lab    - set up .venv and open JupyterLab on notebooks/"
	@echo "make test   - set up the test environments and run every test"
	@echo "make bench  - run the benchmarks (mlnb vs peers) in .venv"
	@echo "make dist   - build the wheel and sdist into dist/ (the extension built in)"

# --- environments -----------------------------------------------------------------
# .venv: mlnb with every extra (TensorFlow, TFMA, Vertex AI), the test tools and the
# peers the benchmarks compare against. TFMA holds pandas < 3 and IPython < 9 here.
$(VENV)/.installed: setup.py
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade "pip>=25"
	$(VENV)/bin/python -m pip install -q -e ".[all,test,bench]"
	touch $@

# .venv-core: mlnb's core only, with the newest releases (pandas 3, IPython 9).
$(CORE_VENV)/.installed: setup.py
	test -x $(CORE_VENV)/bin/python || $(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install -q --upgrade "pip>=25"
	$(CORE_VENV)/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e ".[test]"
	touch $@

# --- the JupyterLab extension ---------------------------------------------------------
# Built into mlnb/labextension (shipped by setup.py); linked into .venv for development.
mlnb/labextension/package.json: $(LABEXT_SRC) | $(VENV)/.installed
	@if [ -f labextension/package.json ]; then \
		cd labextension && export PATH="$(CURDIR)/$(VENV)/bin:$$PATH" && \
		jlpm install && jlpm build; \
	else echo "labextension/ has no package.json yet: nothing to build"; fi

labextension: mlnb/labextension/package.json
	@if [ -f mlnb/labextension/package.json ]; then \
		export PATH="$(CURDIR)/$(VENV)/bin:$$PATH" && \
		jupyter labextension develop --overwrite . >/dev/null && \
		jupyter labextension list 2>&1 | grep -E "mlnb|jupyterlab-manager|anywidget"; fi

# Debian's Chromium for the real-browser tests (no browser download from test tools).
chromium:
	@command -v chromium >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# --- main job ----------------------------------------------------------------------
# Widget state saved with each notebook (binder/lab-overrides.json: saveState), so a
# reopened notebook shows its widgets as they were; an overrides.d file leaves the
# environment's own overrides.json alone.
lab: $(VENV)/.installed labextension
	mkdir -p $(VENV)/share/jupyter/lab/settings/overrides.d
	cp binder/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.d/mlnb.json
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(PORT)

# --- tests -------------------------------------------------------------------------
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check mlnb tests benchmarks setup.py
	$(VENV)/bin/ruff format --check mlnb tests benchmarks setup.py
	$(VENV)/bin/lint-imports --no-cache

test-full: $(VENV)/.installed labextension
	MLNB_REQUIRE_EXTRAS=1 $(VENV)/bin/python -m pytest tests --ignore=tests/ui -q

test-core: $(CORE_VENV)/.installed
	$(CORE_VENV)/bin/python -m pytest tests --ignore=tests/ui -q

test-js: labextension
	@if [ -f labextension/package.json ]; then cd labextension && \
		PATH="$(CURDIR)/$(VENV)/bin:$$PATH" jlpm test; fi

test-ui: labextension chromium
	MLNB_REQUIRE_UI=1 $(VENV)/bin/python -m pytest tests/ui -q

test: lint labextension test-js test-full test-core test-ui

# The wheel and the sdist, each carrying the built JupyterLab extension (setup.py
# builds it with jlpm when it is missing or older than labextension/).
dist: $(VENV)/.installed
	rm -rf dist
	$(VENV)/bin/python -m build --outdir dist .
	@ls -l dist

bench: $(VENV)/.installed
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(VENV)/bin/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(CORE_VENV) mlnb/labextension labextension/node_modules labextension/lib
