"""Faults: a flaky network, concurrent and killed loaders, interrupted set-up and builds,
untrusted input (issue 19, items 1, 2, 4 and 5).

Downloads run against a web server on 127.0.0.1 that serves a small gzipped IDX file of
the real format, and misbehaves on purpose: it cuts the connection, stalls, announces a
wrong length, answers 404 or 503, redirects, or serves the wrong bytes. Every wait here is
bounded (socket timeouts, `join(timeout=...)`, deadlines), so a test can fail but not hang.
"""
import ast
import gzip
import hashlib
import http.server
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from cnn_course import data

NAME = "t10k-labels-idx1-ubyte.gz"  # a real file name; its expected hash is patched
RAW = b"\0\0\x08\x01" + (4000).to_bytes(4, "big") + np.random.default_rng(0).integers(
    0, 10, 4000, dtype=np.uint8).tobytes()  # an IDX file of 4,000 labels
BODY = gzip.compress(RAW, mtime=0)
SHA = hashlib.sha256(RAW).hexdigest()
BAD = gzip.compress(RAW[:-1] + b"\x01", mtime=0)  # a well-formed gzip of other content
FAST = dict(timeout=2, retries=2, backoff=0.01)  # short waits for the tests


class Server(http.server.ThreadingHTTPServer):
    "A loopback web server whose routes misbehave on purpose; counts the requests."
    daemon_threads, block_on_close = True, False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits, self.release = {}, threading.Event()  # release: end every stall
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection; closing ends the body

    def log_message(self, *args): pass

    def _head(self, code=200, length=len(BODY), **headers):
        self.send_response(code)
        if length is not None: self.send_header("Content-Length", str(length))
        for k, v in headers.items(): self.send_header(k, v)
        self.end_headers()

    def _stall(self, secs=10):  # until the test ends, at most `secs`
        self.server.release.wait(secs)

    def do_GET(self):
        route = self.path.strip("/").split("/")[0]
        n = self.server.hits[route] = self.server.hits.get(route, 0) + 1
        if route == "good": self._head(); self.wfile.write(BODY)
        elif route == "cut": self._head(); self.wfile.write(BODY[: len(BODY) // 2])
        elif route == "cut_once":
            self._head(); self.wfile.write(BODY if n > 1 else BODY[: len(BODY) // 2])
        elif route == "stall": self._head(); self.wfile.write(BODY[:100]); self._stall()
        elif route == "stall_head": self._stall()
        elif route == "long": self._head(length=len(BODY) + 100); self.wfile.write(BODY)
        elif route == "short": self._head(length=len(BODY) - 10); self.wfile.write(BODY)
        elif route == "busy_once":
            if n == 1: self._head(503, length=0)
            else: self._head(); self.wfile.write(BODY)
        elif route == "wrong": self._head(length=len(BAD)); self.wfile.write(BAD)
        elif route == "moved": self._head(302, length=0, Location="/good/" + NAME)
        elif route == "moved_wrong": self._head(302, length=0, Location="/wrong/" + NAME)
        elif route == "loop": self._head(302, length=0, Location="/loop/" + NAME)
        elif route == "to_file": self._head(302, length=0, Location="file:///etc/passwd")
        elif route == "trickle":  # the whole body in 40 pieces, over about 1 s
            self._head(); step = -(-len(BODY) // 40)
            for i in range(0, len(BODY), step):
                self.wfile.write(BODY[i : i + step]); self.wfile.flush(); time.sleep(0.025)
        elif route == "half_then_stall":
            self._head(); self.wfile.write(BODY[: len(BODY) // 2]); self.wfile.flush()
            self._stall()
        else: self._head(404, length=0)


@pytest.fixture
def server(monkeypatch):
    for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(k, raising=False)  # loopback only, never through a proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setitem(data.FASHION_FILES, NAME, SHA)
    srv = Server()
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield srv
    srv.release.set(); srv.shutdown(); srv.server_close()


def _leftovers(folder: Path) -> list:
    "Files in `folder`: a failed download must leave none (no .part, no dest)."
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# 1. Downloads against a misbehaving server ---------------------------------------------

def test_good_download_and_redirect(server, tmp_path):
    for route in ("good", "moved"):
        p = data.download(f"{server.url}{route}/{NAME}", tmp_path / route / NAME, SHA, **FAST)
        assert data.gz_sha256(p) == SHA and _leftovers(tmp_path / route) == [NAME]
    assert server.hits == {"good": 2, "moved": 1}  # the redirect was followed to /good


@pytest.mark.parametrize("route,exc,says,hits", [
    ("cut", ConnectionError, "gave up after 3 attempts (the connection closed after", 3),
    ("long", ConnectionError, "gave up after 3 attempts (the connection closed after", 3),
    ("stall", ConnectionError, "gave up after 3 attempts (timed out)", 3),
    ("stall_head", ConnectionError, "gave up after 3 attempts (timed out)", 3),
    ("missing", FileNotFoundError, "HTTP 404", 1),
    ("short", ValueError, "unreadable (truncated?)", 1),
    ("wrong", ValueError, "the address does not serve the expected file", 1),
    ("moved_wrong", ValueError, "the address does not serve the expected file", 1),
    ("loop", OSError, "HTTP 302", 5),  # urllib stops at the 5th visit of one address
    ("to_file", OSError, "HTTP 302", 1),  # a server may not redirect to a local file
])
def test_failed_download_is_clear_bounded_and_leaves_nothing(
        server, tmp_path, route, exc, says, hits):
    url, dest = f"{server.url}{route}/{NAME}", tmp_path / "cache" / NAME
    start = time.perf_counter()
    with pytest.raises(exc) as e:
        data.download(url, dest, SHA, timeout=0.5, retries=2, backoff=0.01)
    secs = time.perf_counter() - start
    msg = str(e.value)
    assert url in msg and says in msg, msg
    assert "check the" in msg, f"the error does not say what to do: {msg}"
    assert server.hits[route] == hits, f"{route}: {server.hits[route]} requests"
    assert secs < 10, f"{route}: took {secs:.1f} s"  # 3 attempts of 0.5 s at most
    assert _leftovers(dest.parent) == [], "a failed download left a file behind"


def test_transient_failure_is_retried_with_backoff(server, tmp_path, monkeypatch):
    pauses = []
    monkeypatch.setattr(data.time, "sleep", pauses.append)
    for route in ("cut_once", "busy_once"):
        p = data.download(f"{server.url}{route}/{NAME}", tmp_path / route, SHA,
                          retries=3, backoff=0.25)
        assert data.gz_sha256(p) == SHA and server.hits[route] == 2
    with pytest.raises(ConnectionError, match="gave up after 4 attempts"):
        data.download(f"{server.url}cut/{NAME}", tmp_path / "c", SHA,
                      retries=3, backoff=0.25)
    assert pauses == [0.25, 0.25, 0.25, 0.5, 1.0]  # doubles after each failed try


def test_fashion_file_names_url_and_remedy(server, tmp_path):
    with pytest.raises(data.DataUnavailable) as e:
        data.fashion_file(NAME, cache=tmp_path, system_dir=tmp_path / "no",
                          url=server.url + "missing/")
    msg = str(e.value)
    assert f"{server.url}missing/{NAME}" in msg and "HTTP 404" in msg
    assert "apt-get install dataset-fashion-mnist" in msg and _leftovers(tmp_path) == []


# 2. Concurrent and killed loaders, corrupt caches --------------------------------------

def _load(cache, url, q=None):
    "What a notebook does: find or fetch the file (run in a forked process)."
    p = data.fashion_file(NAME, cache=cache, system_dir="/nonexistent", url=url)
    if q is not None: q.put(str(p))


def test_two_processes_load_the_same_missing_file(server, tmp_path):
    ctx, q = multiprocessing.get_context("fork"), None
    q = ctx.Queue()
    procs = [ctx.Process(target=_load, args=(tmp_path, server.url + "trickle/", q))
             for _ in range(2)]
    for p in procs: p.start()
    most_parts, dest, deadline = 0, tmp_path / NAME, time.monotonic() + 20
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        parts = [n for n in _leftovers(tmp_path) if n.endswith(".part")]
        most_parts = max(most_parts, len(parts))
        if dest.exists():  # never a half-written file under the final name
            assert data.gz_sha256(dest) == SHA
        time.sleep(0.01)
    for p in procs: p.join(timeout=5)
    assert [p.exitcode for p in procs] == [0, 0]
    assert [q.get(timeout=5) for _ in procs] == [str(dest)] * 2
    assert most_parts == 2, "the two downloads did not overlap"
    assert server.hits["trickle"] == 2 and _leftovers(tmp_path) == [NAME]
    assert data.gz_sha256(dest) == SHA


def test_killed_download_leaves_no_corrupt_cache(server, tmp_path):
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=_load, args=(tmp_path, server.url + "half_then_stall/"))
    p.start()
    deadline, parts = time.monotonic() + 20, []
    while time.monotonic() < deadline and not (parts and server.hits):
        parts = list(tmp_path.glob(".*.part"))  # the download has begun
        time.sleep(0.02)
    time.sleep(0.3)  # the child now waits, mid-body, for the rest
    p.kill(); p.join(timeout=5)
    assert parts and p.exitcode == -9
    assert _leftovers(tmp_path) == [parts[0].name], "only the .part file may remain"
    with pytest.raises(data.DataUnavailable):  # no cached copy, and offline
        data.fashion_file(NAME, cache=tmp_path, system_dir="/none", download_ok=False)
    old = time.time() - data.STALE_PART - 60
    os.utime(parts[0], (old, old))  # as it looks an hour later
    p = data.fashion_file(NAME, cache=tmp_path, system_dir="/none", url=server.url + "good/")
    assert data.gz_sha256(p) == SHA and _leftovers(tmp_path) == [NAME]


def test_recent_part_file_of_a_live_download_is_kept(server, tmp_path):
    live = tmp_path / f".{NAME}.abc.part"
    live.write_bytes(BODY[:10])
    data.download(f"{server.url}good/{NAME}", tmp_path / NAME, SHA, **FAST)
    assert _leftovers(tmp_path) == sorted([live.name, NAME])


@pytest.mark.parametrize("bad", [BODY[:-20], b"not a gzip", BAD])
def test_corrupt_cache_is_reported_and_replaced(server, tmp_path, bad):
    (tmp_path / NAME).write_bytes(bad)
    with pytest.warns(UserWarning, match="corrupt or truncated .*fetched again"):
        p = data.fashion_file(NAME, cache=tmp_path, system_dir="/none",
                              url=server.url + "good/")
    assert p == tmp_path / NAME and data.gz_sha256(p) == SHA
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a good cache: no warning, no request
        assert data.fashion_file(NAME, cache=tmp_path, system_dir="/none",
                                 url=server.url + "good/") == p
    assert server.hits == {"good": 1}


# 4. Interrupted set-up and builds ------------------------------------------------------

FAKE_PYTHON = """#!/bin/sh
# A stand-in for python3: `-c` runs the real one; `-m venv` makes a venv whose python
# works (FAKE_VENV=ok) or lacks pip, like Debian without python3-venv (FAKE_VENV=broken).
if [ "$1" = -c ]; then exec {real} "$@"; fi
if [ "$1 $2" = "-m venv" ]; then
  for a in "$@"; do dir=$a; done
  mkdir -p "$dir/bin"; cp "$(dirname "$0")/venv_python_$FAKE_VENV" "$dir/bin/python"
  [ "$FAKE_VENV" = ok ] || {{ echo "ensurepip is not available" >&2; exit 1; }}
  exit 0
fi
exit 2
"""
VENV_PYTHON = {  # the venv's python: pip works (but `pip install` may fail), or no pip
    "ok": '#!/bin/sh\necho "$@" >> "$(dirname "$0")/../calls"\n'
          'case "$*" in *install*-e*) exit ${FAKE_PIP_RC:-0};; esac\nexit 0\n',
    "broken": '#!/bin/sh\necho "No module named pip" >&2; exit 1\n',
}


def _make(tmp_path, venv: str, pip_rc: int = 0):
    "Run the Makefile's install step in a copy of the project with a fake python."
    env = {"PATH": os.environ["PATH"], "FAKE_VENV": venv, "FAKE_PIP_RC": str(pip_rc)}
    return subprocess.run(
        ["make", "--no-print-directory", ".venv/.installed",
         f"PYTHON={tmp_path / 'fake' / 'python3'}"],
        cwd=tmp_path / "proj", env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def project(tmp_path):
    fake, proj = tmp_path / "fake", tmp_path / "proj"
    fake.mkdir(); proj.mkdir()
    (fake / "python3").write_text(FAKE_PYTHON.format(real=sys.executable))
    for k, v in VENV_PYTHON.items(): (fake / f"venv_python_{k}").write_text(v)
    for f in fake.iterdir(): f.chmod(0o755)
    for f in ("Makefile", "pyproject.toml"): shutil.copy(ROOT / f, proj / f)
    if not shutil.which("make"): pytest.skip("make is not installed")
    return proj


def test_makefile_writes_the_stamp_last():
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", text, re.M).group(1)
    assert recipe.strip().splitlines()[-1].strip() == "touch $@"


def test_failed_or_interrupted_install_writes_no_stamp(project, tmp_path):
    r = _make(tmp_path, "ok", pip_rc=1)  # `pip install` fails (or is interrupted)
    assert r.returncode != 0 and not (project / ".venv/.installed").exists()
    r = _make(tmp_path, "ok")  # the next run installs again and only then stamps
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / ".venv/.installed").exists()
    assert (project / ".venv/calls").read_text().count("install --quiet -e") == 2


def test_no_python3_venv_says_what_to_install_and_leaves_no_half_venv(project, tmp_path):
    r = _make(tmp_path, "broken")
    assert r.returncode != 0
    assert "install the python3-venv package" in r.stdout + r.stderr
    assert not (project / ".venv").exists(), "a half-made .venv was left behind"


def test_half_made_venv_is_rebuilt(project, tmp_path):
    (project / ".venv/bin").mkdir(parents=True)  # from an earlier, failed `-m venv`
    shutil.copy(tmp_path / "fake/venv_python_broken", project / ".venv/bin/python")
    r = _make(tmp_path, "ok")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / ".venv/.installed").exists()


def test_a_venv_that_was_there_is_never_removed(project, tmp_path):
    "Nothing a user made is lost: when `-m venv` fails over an existing .venv, it stays."
    (project / ".venv/bin").mkdir(parents=True)
    shutil.copy(tmp_path / "fake/venv_python_broken", project / ".venv/bin/python")
    (project / ".venv/mine.txt").write_text("a user's file")
    r = _make(tmp_path, "broken")
    assert r.returncode != 0 and "install the python3-venv package" in r.stdout + r.stderr
    assert "left as it is" in r.stdout + r.stderr
    assert (project / ".venv/mine.txt").read_text() == "a user's file"


NB_CELLS = ["x = {tag!r}", "open('started', 'w').close()\nimport time; time.sleep({secs})",
            "if {fail}: raise RuntimeError('boom')"]


def _notebook(path: Path, secs=0, fail=False) -> Path:
    "A throwaway notebook: a cell, a cell that may sleep, a cell that may raise."
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(c.format(secs=secs, fail=fail, tag=path.stem))
        for c in NB_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.write_text(nbformat.writes(nb)); return path


def _records(cache: Path) -> list:
    from jupyter_cache import get_cache
    return [r.uri for r in get_cache(str(cache)).list_cache_records()]


def _matches(cache: Path, nb_path: Path) -> bool:
    "Whether a book build would reuse a cached execution of the notebook at `nb_path`."
    from jupyter_cache import get_cache
    sys.path.insert(0, str(ROOT / "tools"))
    from nbdev_reader import read_nb
    nb = read_nb(nb_path.read_text())
    try: get_cache(str(cache)).match_cache_notebook(nb)
    except KeyError: return False
    return True


def test_failed_notebook_is_not_cached(tmp_path):
    import run_nb
    cache = tmp_path / "cache"
    good = run_nb.execute(_notebook(tmp_path / "good.ipynb"), cache)[0]
    assert _matches(cache, tmp_path / "good.ipynb")  # the cache works
    with pytest.raises(Exception, match="boom"):
        run_nb.execute(_notebook(tmp_path / "bad.ipynb", fail=True), cache)
    assert _records(cache) == [str(tmp_path / "good.ipynb")]
    assert not _matches(cache, tmp_path / "bad.ipynb")
    assert good.cells[0].execution_count == 1


def test_interrupted_notebook_is_not_cached(tmp_path):
    nb, cache = _notebook(tmp_path / "slow.ipynb", secs=60), tmp_path / "cache"
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'tools')!r}); import run_nb; " \
           f"run_nb.execute({str(nb)!r}, {str(cache)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before its slow cell"
        time.sleep(0.1)
    proc.send_signal(2)  # Ctrl-C, as when `make test` is interrupted
    try: rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired: proc.kill(); rc = proc.wait(timeout=10)
    assert rc != 0 and not _matches(cache, nb)
    assert not cache.exists() or _records(cache) == []


def test_broken_cache_entry_is_dropped(tmp_path):
    "A run killed while jupyter-cache wrote its entry leaves a record without a notebook."
    import run_nb
    cache = tmp_path / "cache"
    nbs = [_notebook(tmp_path / f"{n}.ipynb") for n in ("a", "b", "c")]
    for p in nbs[:2]: run_nb.execute(p, cache)
    from jupyter_cache import get_cache
    jc = get_cache(str(cache))
    files = {r.uri: jc._get_notebook_path_cache(r.hashkey)
             for r in jc.list_cache_records()}
    text = files[str(nbs[0])].read_text()
    files[str(nbs[0])].write_text(text[: len(text) // 2])  # cut mid-write
    assert _matches(cache, nbs[0])  # what a book build would trust, and fail on
    assert run_nb.clean_cache(cache) == [str(nbs[0])]
    assert not _matches(cache, nbs[0]) and _matches(cache, nbs[1])
    files[str(nbs[1])].unlink()  # the record was written, the notebook not yet
    run_nb.execute(nbs[2], cache)  # every run drops broken entries first
    assert sorted(_records(cache)) == [str(nbs[2])]


def test_make_book_drops_broken_cache_entries_first():
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^book:.*\n((?:\t.*\n)+)", text, re.M).group(1).splitlines()
    clean = [i for i, line in enumerate(recipe) if "run_nb.py --clean-cache" in line]
    build = [i for i, line in enumerate(recipe) if "jupyter-book build" in line]
    assert clean and build and clean[0] < build[0]


# 5. Untrusted input --------------------------------------------------------------------

UNPICKLERS = {"pickle.load", "pickle.loads", "pickle.Unpickler", "dill.load",
              "joblib.load", "load_learner", "cloudpickle.load", "cloudpickle.loads"}
# files allowed to call an unpickler, and why (none today: the pickle demo of chapter 9
# writes a trap with torch.save and loads it only with weights_only=True, see below)
ALLOWED: dict = {}


def _sources():
    "(file, cell number or 0, Python source) of the library, notebooks, tools, bench."
    for d in ("cnn_course", "tools", "bench"):
        for f in sorted((ROOT / d).rglob("*.py")):
            if "node_modules" not in f.parts: yield f, 0, f.read_text()
    for f in sorted((ROOT / "nbs").glob("*.ipynb")):
        for i, c in enumerate(json.loads(f.read_text())["cells"], 1):
            if c["cell_type"] != "code": continue
            src = "".join(c["source"])
            yield f, i, re.sub(r"^(\s*)[%!].*$", r"\1pass", src, flags=re.M)  # magics


def _name(node) -> str:
    if isinstance(node, ast.Name): return node.id
    if isinstance(node, ast.Attribute): return f"{_name(node.value)}.{node.attr}"
    return ""


def _unsafe_loads(tree) -> list:
    "Calls that unpickle without `weights_only=True`, as source text."
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call): continue
        name, kw = _name(node.func), {k.arg: k.value for k in node.keywords}
        safe = isinstance(kw.get("weights_only"), ast.Constant) and \
            kw["weights_only"].value is True
        if (name == "torch.load" and not safe) or name in UNPICKLERS or (
                name.endswith("np.load") and "allow_pickle" in kw):
            bad.append(ast.unparse(node))
    return bad


def test_nothing_unpickles_untrusted_data():
    found, n_loads = {}, 0
    for f, cell, src in _sources():
        tree = ast.parse(src)
        n_loads += sum(isinstance(n, ast.Call) and _name(n.func) == "torch.load"
                       for n in ast.walk(tree))
        where = f"{f.relative_to(ROOT)}" + (f":cell {cell}" if cell else "")
        if (bad := _unsafe_loads(tree)) and f.name not in ALLOWED: found[where] = bad
    assert not found, f"unpickling without weights_only=True: {found}"
    assert n_loads >= 3  # the scan sees the library's and chapter 9's torch.load calls


def test_the_check_catches_an_unsafe_load():
    bad = "sd = torch.load(p)\nx = torch.load(p, weights_only=False)\npickle.loads(b)"
    assert len(_unsafe_loads(ast.parse(bad))) == 3
    assert _unsafe_loads(ast.parse("torch.load(p, weights_only=True)")) == []


def test_pickle_demo_stays():
    "Chapter 9 shows a weights file that runs code when unpickled, and that it is refused."
    srcs = [s for f, _, s in _sources() if f.name == "09_pretrained.ipynb"]
    demo = [s for s in srcs if "__reduce__" in s and "torch.save" in s]
    assert demo and "weights_only=True" in demo[0]
    assert any("Weights only load failed" in s for s in srcs)


def test_data_rejects_other_url_schemes(tmp_path):
    for url in ("ftp://example.org/x.gz", "javascript:alert(1)", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="http://, https:// or file://") as e:
            data.download(url, tmp_path / "x.gz", SHA)
        assert repr(url) in str(e.value)
    assert _leftovers(tmp_path) == []


def test_read_idx_path_is_checked(tmp_path):
    for p, says in [(tmp_path, "is not a file"), (tmp_path / "no.gz", "is not a file"),
                    (b"/x.gz", "path must be a path")]:
        with pytest.raises((OSError, TypeError), match=re.escape(says)) as e:
            data.read_idx(p)
        assert not isinstance(p, Path) or str(p) in str(e.value)
    (tmp_path / "x.gz").write_bytes(BODY)
    assert data.read_idx(tmp_path / "x.gz").shape == (4000,)

