# The two commands of the README: `make book` and `make test`. Each sets itself up first;
# set-up steps are skipped when already done (stamp files), so a second run installs nothing.
# Nothing here needs root: only the optional Debian packages of `make system` do (see there).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE   := tools/node_modules/.installed

.PHONY: setup book test system data readme clean colab-env
.DEFAULT_GOAL := test

# The stamp is written only after every step above it succeeded, so a failed or interrupted
# install is retried by the next `make`. A .venv without a working pip (a `-m venv` that
# failed half-way, as on Debian without python3-venv) is made again; when that fails, a .venv
# this step made is removed, and one that was there before is left alone.
$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.10+ is needed, found " + sys.version) if sys.version_info < (3, 10) else None'
	$(BIN)/python -m pip --version >/dev/null 2>&1 || { new=$$(test -e $(VENV) || echo 1); \
	  $(PYTHON) -m venv $(VENV) || { if [ -n "$$new" ]; then rm -rf $(VENV); else \
	    echo "note: $(VENV) was there before and is left as it is; remove it to start afresh"; fi; \
	  echo "error: '$(PYTHON) -m venv' failed; on Debian/Ubuntu install the python3-venv package"; exit 1; }; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(NODE): tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

# Optional Debian packages: Fashion-MNIST (else `make data` downloads it) and Chromium for the
# browser test (else that test looks for `chromium` or `chromium-browser` and is skipped when
# neither runs). They are installed only on Debian (ID=debian in /etc/os-release; Ubuntu's
# chromium-browser is a snap wrapper), with apt-get as root or through password-less sudo.
# Anywhere else this says what it skipped and succeeds. Both checks can be overridden, e.g.
# `make system OS_ID=none` or `make system APT_GET=`.
OS_ID   ?= $(shell . /etc/os-release 2>/dev/null && echo "$$ID")
APT_GET ?= $(shell command -v apt-get 2>/dev/null)
DEBS    := dataset-fashion-mnist chromium
system:
	@if [ "$(OS_ID)" != debian ]; then \
	  echo "note: not Debian (ID=$(or $(OS_ID),unknown)): skipped the Debian packages $(DEBS)"; exit 0; fi; \
	missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	if [ -z "$(APT_GET)" ]; then echo "note: no apt-get here; not installed: "$$missing; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "note: not installed (needs root or password-less sudo): "$$missing; \
	  echo "      as root: apt-get install "$$missing; exit 0; fi; \
	echo "installing "$$missing; \
	$$sudo env DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing >/dev/null 2>&1 || \
	{ $$sudo $(APT_GET) update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing; }

# Fashion-MNIST for the tests, which run offline: the Debian package's copy if installed, else a
# download into ~/.cache/cnn_course (or $$CNN_COURSE_DATA), checked against its SHA-256. Without
# a network this only says so: the chapters that need it then fail with the loader's message.
data: $(STAMP) system
	@out=$$($(BIN)/python -c 'from cnn_course.data import FASHION_FILES, fashion_file; [fashion_file(n) for n in FASHION_FILES]' 2>&1) || \
	  echo "note: Fashion-MNIST is not available, so the chapters that use it will stop: $$(echo "$$out" | tail -n 1)"

# `book` needs only the Python environment and the book's JavaScript; `test` needs everything.
setup: $(STAMP) $(NODE) system data

book: $(STAMP) $(NODE)
	$(BIN)/python tools/run_nb.py --clean-cache
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: setup
	$(BIN)/python -m pytest

# The Colab-like environment tests/test_colab.py runs chapters in: Python 3.13, the course's wheel
# and the versions Colab ships (needs the network; CI builds it, elsewhere that test skips without it).
colab-env: $(STAMP)
	tools/colab_env.sh

readme: $(STAMP)
	$(BIN)/python tools/readme.py

clean:
	rm -rf _build
