import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
# a line nbdev reads as a directive: fastcore's pattern, `#|` or `# |` (as formatters write it)
DIRECTIVE_LINE = re.compile(r"^[ \t]*#[ \t]*\|", re.M)

_ORDER = {"test_notebooks.py": 0, "test_book.py": 2, "test_browser.py": 3}  # notebooks fill the book's cache


@pytest.fixture(scope="session")
def book():
    "Build the HTML book (-W: any warning, such as a failing cell, fails it); return its folder."
    r = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W", "--keep-going"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"book build failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return ROOT / "_build" / "html"


def pytest_collection_modifyitems(items):
    items.sort(key=lambda it: _ORDER.get(Path(str(it.fspath)).name, 1))
