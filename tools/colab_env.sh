#!/usr/bin/env bash
# Build the Colab-like environment that tests/test_colab.py runs chapters in: a fresh Python 3.13
# virtual environment with the course installed from its wheel (not editable), under the package
# versions Colab ships (tools/colab-constraints.txt, given to `uv pip install -c`). A bound of ours that
# would replace one of Colab's packages makes this install fail, as it would change Colab's.
# Needs the package index (set-up step); the test then runs offline.
#
# Usage: tools/colab_env.sh   (into _build/colab-env; Python 3.13 from $COLAB_PYTHON,
#        else python3.13 on PATH, else pyenv's 3.13). Uses .venv's `build` (make setup) for the wheel.
set -euo pipefail
unset PYTHONPATH  # the fresh environment must see only what it installed
cd "$(dirname "$0")/.."
ENV=_build/colab-env  # where tests/test_colab.py looks

PY=
for p in "${COLAB_PYTHON:-}" python3.13 "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13; do
  if [ -n "$p" ] && "$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
    PY=$p; break
  fi
done
[ -n "$PY" ] || { echo "Python 3.13 (Colab's) not found: install it or set COLAB_PYTHON" >&2; exit 1; }

dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
.venv/bin/python -m build --wheel --no-isolation --outdir "$dist" . >/dev/null
deps=$(cat pyproject.toml tools/colab-constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$ENV/.deps" 2>/dev/null)" = "$deps" ]; then  # same dependencies: renew the course only
  .venv/bin/uv pip install --quiet -p "$ENV/bin/python" --no-deps --reinstall "$dist"/cnn_course-*.whl
  echo "Colab-like environment in $ENV: cnn_course reinstalled from a new wheel"
  exit 0
fi
rm -rf "$ENV"
start=$SECONDS
# uv (from the dev extra) installs with pip's semantics, constraints included, and downloads in
# parallel: minutes faster than pip for torch and its CUDA libraries.
.venv/bin/uv venv --quiet -p "$PY" "$ENV"
# ipykernel: the test's Jupyter kernel runs in this environment, as Colab's does (6.17.1)
.venv/bin/uv pip install --quiet -p "$ENV/bin/python" -c tools/colab-constraints.txt \
  "$dist"/cnn_course-*.whl ipykernel
echo "$deps" > "$ENV/.deps"
echo "Colab-like environment in $ENV: installed in $((SECONDS - start)) s, $(du -sh "$ENV" | cut -f1)"
