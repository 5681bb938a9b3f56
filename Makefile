# mlnb — the two commands a newcomer needs:
#   make lab    create .venv, install mlnb with its JupyterLab extension, open notebooks/
#   make test   create the test environments if missing, install what the tests need, run them
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
CORE_VENV := .venv-core
# The full environment's pins (a pip constraints file), written by `make lock`.
LOCK := requirements/full.lock.txt
PORT ?= 8888

LABEXT_SRC := $(shell find labextension -path labextension/node_modules -prune -o \
	-path labextension/lib -prune -o -type f \( -name '*.ts' -o -name '*.tsx' \
	-o -name '*.css' -o -name '*.json' -o -name '*.svg' \) -print 2>/dev/null)

.PHONY: help lab test test-full test-core test-ui test-js lint bench labextension \
	chromium clean dist lock

help:
	@echo "make lab    - set up .venv and open JupyterLab on notebooks/"
	@echo "make test   - set up the test environments and run every test"
	@echo "make bench  - run the benchmarks (mlnb vs peers) in .venv"
	@echo "make dist   - build the wheel and sdist into dist/ (the extension built in)"
	@echo "make lock   - re-resolve the full environment's pins into $(LOCK)"

# --- environments -----------------------------------------------------------------
# .venv: mlnb with every extra (TensorFlow, TFMA, Vertex AI), the test tools and the
# peers the benchmarks compare against. TFMA holds pandas < 3 and IPython < 9 here.
# Installed from the pins in $(LOCK), so each run gets the same releases.
$(VENV)/.installed: setup.py $(LOCK)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade "pip>=25"
	$(VENV)/bin/python -m pip install -q -e ".[all,test,bench]" -c $(LOCK)
	touch $@

# Re-resolve the full environment (pip's own resolver, nothing installed) and write
# every release it picks, mlnb excluded, into $(LOCK). Run it with Python 3.11 on
# Linux after changing the requirements in setup.py, then commit $(LOCK).
define LOCK_WRITER
import json, platform, sys
report = json.load(open(sys.argv[1]))
pins = sorted(
    (item["metadata"]["name"].lower().replace("_", "-"), item["metadata"]["version"])
    for item in report["install"]
    if item["metadata"]["name"].lower() != "mlnb"
)
print("# Pins for the full development environment (.venv): mlnb[all,test,bench].")
print("# A pip constraints file: pip install -e \".[all,test,bench]\" -c " + sys.argv[2])
print("# Made by `make lock` (pip install --dry-run --ignore-installed --report, pip "
      + report["pip_version"] + ") with Python " + platform.python_version()
      + " on " + platform.system() + " " + platform.machine() + ".")
print("# Do not edit by hand: change setup.py, run `make lock`, commit this file.")
print("# .venv-core is not pinned: it tests the newest releases on purpose.")
for name, version in pins:
    print(name + "==" + version)
endef
export LOCK_WRITER

lock:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade "pip>=25"
	$(VENV)/bin/python -m pip install -q --dry-run --ignore-installed \
		--report $(VENV)/lock-report.json -e ".[all,test,bench]"
	mkdir -p $(dir $(LOCK))
	$(VENV)/bin/python -c "$$LOCK_WRITER" $(VENV)/lock-report.json $(LOCK) > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	rm -f $(VENV)/lock-report.json
	@echo "$(LOCK): $$(grep -vc '^#' $(LOCK)) pins"

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
