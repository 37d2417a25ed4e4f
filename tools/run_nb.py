"""Execute a course notebook the way the book does, and store the result in its cache.

Usage: python tools/run_nb.py nbs/01_kernels.ipynb [more.ipynb ...]

The notebook is read through `nbdev_reader.read_nb` (so `#| eval: false` cells are
skipped exactly as in the book), executed with nbclient in `nbs/`, and on success stored
in the jupyter-cache that `_config.yml` points the book at: a book build right after the
tests renders without executing again (the cache matches on code and cell metadata, so
no timing metadata is recorded). A failing cell raises, with the cell's traceback.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).parent))
from nbdev_reader import read_nb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMEOUT = 900  # seconds per cell; chapters are meant to take minutes in total


def execute(path: Path, cache: Path | None = CACHE):
    "Execute the notebook at `path` and store it in `cache` (None: don't); time it."
    path = Path(path).resolve()
    nb = read_nb(path.read_text(encoding="utf-8"))
    start = time.perf_counter()
    NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", allow_errors=False,
                   record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    secs = time.perf_counter() - start
    if cache is not None: _store(nb, path, cache, secs)
    return nb, secs


def _store(nb, path: Path, cache_dir: Path, secs: float):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    cache = get_cache(str(cache_dir))
    bundle = CacheBundleIn(nb, str(path), data={"execution_seconds": secs})
    cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)


if __name__ == "__main__":
    if len(sys.argv) < 2: sys.exit(__doc__)
    for p in sys.argv[1:]:
        print(f"{p}: {execute(Path(p))[1]:.1f} s", flush=True)
