# The two commands a fresh machine needs are `make run` and `make test`; both set up first.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench setup setup-window clean i18n

setup:
	@bash scripts/setup.sh offscreen

setup-window:
	@bash scripts/setup.sh window

run: setup-window
	$(PY) -m socketscope

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/ruff format --check app tests bench
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/engine.py

clean:
	rm -rf $(VENV) build *.egg-info app/*.egg-info .pytest_cache .mypy_cache .ruff_cache

# after changing interface strings: collect them into the Korean .ts, then translate what is new
i18n: setup
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none app/socketscope/ui/*.py \
		app/socketscope/model/labels.py app/socketscope/model/diagram.py \
		-ts app/socketscope/resources/i18n/socketscope_ko.ts
	bash scripts/build_translations.sh
