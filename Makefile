# The two commands of the README: `make book` and `make test`. Each sets itself up first;
# set-up steps are skipped when already done (stamp files), so a second run installs nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE   := tools/node_modules/.package-lock.json
FMNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

.PHONY: setup book test data readme clean
.DEFAULT_GOAL := test

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.10+ is needed, found " + sys.version) if sys.version_info < (3, 10) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(NODE): tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

# Fashion-MNIST from Debian's package when apt can be used; otherwise the loader downloads it
# (online) or explains what to install (offline).
data:
	@if [ -f $(FMNIST) ] || [ -n "$$CNN_COURSE_DATA" ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; }; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist; \
	else echo "note: Fashion-MNIST is not installed; install Debian's dataset-fashion-mnist or let the loader download it"; fi

setup: $(STAMP) $(NODE) data

book: setup
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: setup
	$(BIN)/python -m pytest

readme: $(STAMP)
	$(BIN)/python tools/readme.py

clean:
	rm -rf _build
