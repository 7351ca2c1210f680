# `make demo` and `make test` both start from nothing: they create the virtual
# environment, install the project with its test extras, then do their job.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out

.PHONY: setup demo test test-fast lit pytest bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,torch]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py --out $(OUT)

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" tests

lit: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/lit -v tests/filecheck

test: $(STAMP)
	$(MAKE) --no-print-directory lit
	$(MAKE) --no-print-directory pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
