# The two commands of the README: `make book` and `make test`. Each sets itself up first;
# set-up steps are skipped when already done (stamp files), so a second run installs nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE   := tools/node_modules/.installed

.PHONY: setup book test system readme clean
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

# Debian packages: Fashion-MNIST (else the loader downloads it, online, or says what to install)
# and Chromium for the browser test (else that test is skipped, outside CI).
DEBS := dataset-fashion-mnist chromium
system:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing $$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; }; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "note: not installed: $$missing (Debian packages; see README)"; fi

setup: $(STAMP) $(NODE) system

book: setup
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: setup
	$(BIN)/python -m pytest

readme: $(STAMP)
	$(BIN)/python tools/readme.py

clean:
	rm -rf _build
