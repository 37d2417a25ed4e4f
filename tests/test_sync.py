"""The notebooks are the single source: the library, the clean notebooks and the README must agree."""
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

import api_ref

BIN = Path(sys.executable).parent


def _tree_copy(dest: Path) -> Path:
    "Copy the files git would commit (tracked + untracked, not ignored) to `dest`."
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    return dest


def _snapshot(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in d.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.parametrize("cmd", ["nbdev-export", "nbdev-clean"])
def test_nbdev_changes_nothing(cmd, tmp_path):
    repo = _tree_copy(tmp_path / "repo")
    before = _snapshot(repo)
    subprocess.run([str(BIN / cmd)], cwd=repo, check=True, capture_output=True)
    after = _snapshot(repo)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"`{cmd}` would change {changed}: run it and commit the result"


def test_readme_matches_index():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_toc_lists_every_notebook():
    "The book holds every notebook, every page and an API page per module (api/*: written at build time)."
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [c for part in toc["parts"] for c in part["chapters"]]
    files = {toc["root"]} | {c["file"] for c in entries if "file" in c}
    globs = [c["glob"] for c in entries if "glob" in c]
    want = {f"nbs/{p.stem}" for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_")}
    want |= {f"pages/{p.stem}" for p in (ROOT / "pages").glob("*.md")}
    api = {f"api/{m}" for m in api_ref.modules()}
    listed = files | {f for f in want | api if any(fnmatch(f, g) for g in globs)}
    want |= api
    assert listed == want, f"only in _toc.yml: {sorted(listed - want)}; not in it: {sorted(want - listed)}"
    assert all(any(fnmatch(f, g) for f in api) for g in globs), f"a glob in _toc.yml matches no page: {globs}"
