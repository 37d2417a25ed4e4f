"""ruff, a linter the Python world uses, over the notebooks, tools, benchmark and tests.

Its configuration is in pyproject.toml (`[tool.ruff]`): pycodestyle and pyflakes rules,
code lines of at most 88 characters (the book's code column shows about 75 and cuts
longer lines), and the exemptions the course's compact style needs, each with its
reason.
"""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import ROOT

RUFF = Path(sys.executable).parent / "ruff"
TARGETS = ["nbs", "tools", "bench", "tests"]

def _exempt(finding: dict) -> bool:
    "A long `#|` directive line: the book hides directives."
    if not finding.get("cell"): return False
    cell = nbformat.read(finding["filename"], as_version=4).cells[finding["cell"] - 1]
    line = cell.source.split("\n")[finding["location"]["row"] - 1]
    # nbdev directives such as `#| fig-cap: ...` must stay on one line, and the book
    # shows them as a caption, not as code
    return finding["code"] == "E501" and line.startswith("#|")


def _where(f: dict) -> str:
    cell = f":cell {f['cell']}" if f.get("cell") else ""
    rel = Path(f["filename"]).relative_to(ROOT)
    return f"{rel}{cell}:{f['location']['row']}: {f['code']} {f['message']}"


def test_ruff_passes():
    r = subprocess.run([str(RUFF), "check", "--no-cache", "--output-format", "json",
                        *TARGETS], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    found = [f for f in json.loads(r.stdout) if not _exempt(f)]
    report = "\n".join(map(_where, found[:60]))
    assert not found, f"ruff finds {len(found)} problems (see `ruff check`):\n{report}"


def test_ruff_reads_notebooks():
    "The notebooks are linted, cell by cell: a long line in a code cell is found."
    r = subprocess.run([str(RUFF), "check", "--no-cache", "--output-format", "json",
                        "--select", "E501", "--line-length", "10",
                        "nbs/00a_utils.ipynb"],
                       cwd=ROOT, capture_output=True, text=True)
    found = json.loads(r.stdout)
    assert found and all(f.get("cell") for f in found), r.stdout[:2000] + r.stderr


def test_cells_ruff_skips_fit_the_page_too():
    """ruff does not read a cell that starts with a cell magic (`%%writefile` and the like),
    and the book shows those cells as code: their lines must fit in 88 characters too."""
    long = []
    for p in sorted((ROOT / "nbs").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(p, as_version=4).cells, 1):
            if cell.cell_type != "code" or not cell.source.startswith("%%"): continue
            long += [f"{p.name}:cell {i}: {ln}" for ln in cell.source.split("\n")
                     if len(ln) > 88 and not ln.startswith("#|")]
    assert not long, "\n".join(long)
