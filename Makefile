# The two commands a fresh machine needs are `make run` and `make test`; both set up first.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench setup setup-window clean i18n package package-check

# one set-up for both: after `make test` the window opens too (Qt's offscreen and xcb plugins)
setup:
	@VENV=$(VENV) bash scripts/setup.sh

setup-window: setup

run: setup
	$(PY) -m socketscope

# strace: a test checks that a blocked accept() is accept4() asleep in the kernel, as strace sees it
test: setup
	@command -v strace >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends strace >/dev/null; } || \
		echo "setup: no strace (apt-get install strace): its test is skipped"
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# ruff, the formatter, mypy (the app strictly, and the tests) and the layering contracts in
# pyproject.toml (ui > model > engine; engine and model never import Qt)
lint: setup
	$(VENV)/bin/ruff check app tests bench packaging
	$(VENV)/bin/ruff format --check app tests bench packaging
	$(VENV)/bin/mypy
	PYTHONPATH=app $(VENV)/bin/lint-imports --no-cache

bench: setup
	$(PY) bench/engine.py

clean:
	rm -rf $(VENV) build dist *.egg-info app/*.egg-info .pytest_cache .mypy_cache .ruff_cache

# after changing interface strings: collect them into the Korean .ts, then translate what is new
i18n: setup
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none app/socketscope/ui/*.py \
		app/socketscope/model/labels.py app/socketscope/model/diagram.py \
		app/socketscope/model/catalogue.py app/socketscope/model/messages.py \
		app/socketscope/model/network.py \
		app/socketscope/model/wire.py \
		-ts app/socketscope/resources/i18n/socketscope_ko.ts
	bash scripts/build_translations.sh

# installers (packaging/): the PyInstaller bundle in dist/socketscope and the .deb beside it.
# COMPRESS=xz for a release .deb (smaller, slower); zstd is the fast default for CI.
COMPRESS ?= zstd
package: setup
	VENV=$(VENV) bash packaging/build-bundle.sh
	COMPRESS=$(COMPRESS) bash packaging/linux/build-deb.sh

# CI: build the bundle and run the bundle's own binary (self-test, process actors, Korean window)
package-check: package
	VENV=$(VENV) $(PY) packaging/check_bundle.py dist/socketscope
