"""The lowest versions the bounds in pyproject.toml admit: the course must work there too.

`tools/lowest_env.sh` (online) installs the wheel's dependencies at uv's `lowest-direct`
resolution into `_build/lowest/venv`, under the oldest Python that `requires-python` claims, and the
wheel itself. These tests run offline in that environment, from a temporary folder outside the
repository: every module imports, each direct dependency sits at its lower bound, and a few quick
chapters that between them use every third-party dependency execute. Without the environment they
are skipped, saying how to build it; in CI (`CI` set) they fail instead.
"""

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from nbdev_reader import read_nb
from packaging.requirements import Requirement
from packaging.version import Version

ENV = ROOT / "_build" / "lowest"
PY = ENV / "venv" / "bin" / "python"
KERNEL = (
    "cnn-lowest"  # the kernelspec tools/lowest_env.sh installs into the environment
)
MODULES = sorted(p.stem for p in (ROOT / "cnn_course").glob("*.py"))
# chapters that together import every third-party dependency in little time (2-core seconds):
# 01 widgets and scikit-image's photos (19 s), 04 fastai training and pandas (18 s),
# 05 torch.fx and the widgets (24 s), 09 torchvision and EfficientNet-Lite0's weights (16 s).
CHAPTERS = ["01_kernels", "04_first_cnn", "05_receptive_fields", "09_pretrained"]


def _declared() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]


def _stale() -> str | None:
    "Why the environment can't stand for this checkout, or None."
    if not PY.exists():
        return f"no environment at {PY.parent.parent}"
    if (ENV / "requirements.in").read_text().split() != _declared():
        return "pyproject.toml's dependencies changed since it was built"
    site = next(PY.parent.parent.glob("lib/python3*/site-packages"))
    old = [
        m
        for m in MODULES
        if not (site / "cnn_course" / f"{m}.py").is_file()
        or (site / "cnn_course" / f"{m}.py").read_bytes()
        != (ROOT / "cnn_course" / f"{m}.py").read_bytes()
    ]
    if old:
        return f"its copy of cnn_course differs from this checkout in {old}"
    return None


@pytest.fixture(scope="module")
def lowest():
    "The environment's interpreter; skips (fails in CI) when it is missing or out of date."
    why = _stale()
    if why:
        msg = f"lowest-versions environment: {why}; build it with tools/lowest_env.sh (online)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return PY


@pytest.fixture
def clean_env(monkeypatch):
    "Nothing from this checkout or its environment may shadow the lowest one."
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(PY.parent.parent / "share" / "jupyter"))
    monkeypatch.setenv("PATH", f"{PY.parent}:/usr/bin:/bin")


def _run(py: Path, code: str, cwd: Path) -> str:
    return subprocess.run(
        [str(py), "-c", code], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def test_direct_dependencies_at_their_lower_bounds(lowest, tmp_path, clean_env):
    reqs = [Requirement(r) for r in _declared()]
    code = (
        "import importlib.metadata as m, json; "
        f"print(json.dumps({{n: m.version(n) for n in {[r.name for r in reqs]!r}}}))"
    )
    installed = json.loads(_run(lowest, code, tmp_path))
    for r in reqs:
        lows = [Version(s.version) for s in r.specifier if s.operator == ">="]
        assert lows, f"{r}: no lower bound"
        assert Version(installed[r.name]) == lows[0], (
            f"{r.name} resolved to {installed[r.name]}, not its bound {lows[0]}: the bound is not real"
        )


def test_every_module_imports(lowest, tmp_path, clean_env):
    code = "import importlib, sys; print(*sys.version_info[:2]); " + "; ".join(
        f"print(importlib.import_module('cnn_course.{m}').__file__)" for m in MODULES
    )
    version, *files = _run(lowest, code, tmp_path).splitlines()
    assert version == f"3 {_oldest_minor()}", (
        f"Python {version}, not the oldest that requires-python admits"
    )
    assert len(files) == len(MODULES)
    assert all(f.startswith(str(PY.parent.parent)) for f in files), (
        f"not the installed wheel: {files}"
    )


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs(name, lowest, tmp_path, clean_env):
    nb = read_nb((ROOT / "nbs" / f"{name}.ipynb").read_text(encoding="utf-8"))
    nb.cells.append(new_code_cell("import cnn_course; print(cnn_course.__file__)"))
    NotebookClient(
        nb,
        timeout=900,
        kernel_name=KERNEL,
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    out = nb.cells[-1].outputs[0]["text"]
    assert out.startswith(str(PY.parent.parent)), (
        f"the chapter imported {out.strip()}, not the lowest env's"
    )


def _oldest_minor() -> str:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"
    ]
    return re.fullmatch(r">=\s*3\.(\d+)", spec).group(1)
