#!/usr/bin/env bash
# Build the "lowest" environment that tests/test_lowest.py runs the course in (needs the network).
#
# The package's own dependencies (the wheel's Requires-Dist) are resolved with uv at
# `--resolution lowest-direct`: each at the lowest version its bound allows, everything they pull
# in at the newest version that fits. The resolution is for the oldest Python that
# `requires-python` admits, and it goes into a fresh virtual environment together with the wheel
# itself (no editable install). If the test fails there, a lower bound in pyproject.toml is not
# real: raise it.
#
# Usage: tools/lowest_env.sh        (after `make setup`)
# Cost:  PyPI's torch brings NVIDIA's CUDA libraries: the environment takes about 5 GB, hard-linked
#        from uv's cache (~/.cache/uv). Here a first run took 68-99 s, a second one under 30 s.
# Out:   _build/lowest/venv             the environment
#        _build/lowest/requirements.in  the wheel's dependencies, as declared
#        _build/lowest/requirements.txt what they resolved to
# Env:   LOWEST_PYTHON  interpreter to use (default: python<oldest> on PATH, then pyenv's; failing
#                       both, uv looks for one itself and may download it)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=_build/lowest
BIN=.venv/bin
UV=$BIN/uv
[ -x "$UV" ] || { echo "no $UV: run \`make setup\` first (uv is in the dev extra)" >&2; exit 1; }
start=$SECONDS

# the oldest Python the package claims, from requires-python = ">=3.X"
oldest=$(sed -nE 's/^requires-python *= *">= *([0-9]+\.[0-9]+)".*/\1/p' pyproject.toml)
[ -n "$oldest" ] || { echo 'pyproject.toml: expected requires-python = ">=3.X"' >&2; exit 1; }
py=${LOWEST_PYTHON:-}
if [ -z "$py" ] && command -v "python$oldest" >/dev/null && "python$oldest" -c '' 2>/dev/null; then
  py=$(command -v "python$oldest")
fi
if [ -z "$py" ] && command -v pyenv >/dev/null; then
  py=$(ls -d "$(pyenv root)"/versions/"$oldest".*/bin/python"$oldest" 2>/dev/null | sort -V | tail -1)
fi
py=${py:-$oldest}

rm -rf "$OUT/dist" && mkdir -p "$OUT"
$BIN/python -m build --wheel --no-isolation --outdir "$OUT/dist" >"$OUT/build.log" 2>&1 \
  || { cat "$OUT/build.log" >&2; exit 1; }
whl=$(ls "$OUT"/dist/cnn_course-*.whl)
# the wheel's run-time dependencies, without the extras
$BIN/python - "$whl" >"$OUT/requirements.in" <<'EOF'
import sys, zipfile
from email.parser import Parser
z = zipfile.ZipFile(sys.argv[1])
meta = Parser().parsestr(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())
print("\n".join(r for r in meta.get_all("Requires-Dist") if "extra ==" not in r))
EOF

venv_ok() { "$OUT/venv/bin/python" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$oldest'" 2>/dev/null; }
venv_ok || { rm -rf "$OUT/venv"; "$UV" venv --quiet --python "$py" "$OUT/venv"; }
"$UV" pip compile --quiet --resolution lowest-direct --python "$OUT/venv/bin/python" \
  --no-header --output-file "$OUT/requirements.txt" "$OUT/requirements.in"
"$UV" pip sync --quiet --python "$OUT/venv/bin/python" "$OUT/requirements.txt"
# the kernel that runs the chapters, at a version the resolution agrees with; then the course
"$UV" pip install --quiet --python "$OUT/venv/bin/python" --constraint "$OUT/requirements.txt" ipykernel
"$UV" pip install --quiet --python "$OUT/venv/bin/python" --no-deps "$whl"
"$OUT/venv/bin/python" -m ipykernel install --prefix "$OUT/venv" --name cnn-lowest >/dev/null
echo "lowest env: $OUT/venv ($("$OUT/venv/bin/python" -V)), built in $((SECONDS - start)) s;" \
  "$(grep -E '^(torch|numpy|fastai)==' "$OUT/requirements.txt" | tr '\n' ' ')"
