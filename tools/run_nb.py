"""Execute a course notebook the way the book does, and store the result in its cache.

Usage: python tools/run_nb.py nbs/01_kernels.ipynb [more.ipynb ...]
       python tools/run_nb.py --clean-cache   (drop broken cache entries; `make book` does)

The notebook is read through `nbdev_reader.read_nb` (so `#| eval: false` cells are
skipped exactly as in the book), executed with nbclient in `nbs/`, and on success stored
in the jupyter-cache that `_config.yml` points the book at: a book build right after the
tests renders without executing again (the cache matches on code and cell metadata, so
no timing metadata is recorded). A failing cell raises, with the cell's traceback.

Only a complete, successful execution is cached. jupyter-cache writes its database record
before the notebook file, so a run killed in between leaves a record that a book build
would trust and then fail on; `clean_cache` drops such entries, and every run (and
`make book`) calls it first.
"""
from __future__ import annotations

import json
import shutil
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
    if cache is not None: clean_cache(cache)
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
    try: cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
    except BaseException:  # e.g. Ctrl-C between the record and the notebook file
        clean_cache(cache_dir); raise


def clean_cache(cache_dir: Path = CACHE) -> list[str]:
    "Drop the entries of `cache_dir` whose notebook file is missing or unreadable."
    from jupyter_cache import get_cache
    from jupyter_cache.cache.db import NbCacheRecord
    if not Path(cache_dir).exists(): return []
    cache, dropped = get_cache(str(cache_dir)), []
    for rec in cache.list_cache_records():
        nb_file = cache._get_notebook_path_cache(rec.hashkey)  # executed/<hash>/base.ipynb
        try: json.loads(nb_file.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError):  # missing, cut or not a notebook
            NbCacheRecord.remove_records([rec.pk], cache.db)
            shutil.rmtree(nb_file.parent, ignore_errors=True)
            dropped.append(rec.uri)
    return dropped


if __name__ == "__main__":
    if len(sys.argv) < 2: sys.exit(__doc__)
    if sys.argv[1:] == ["--clean-cache"]:
        for uri in clean_cache(): print(f"dropped the broken cache entry of {uri}")
        sys.exit()
    for p in sys.argv[1:]:
        print(f"{p}: {execute(Path(p))[1]:.1f} s", flush=True)
