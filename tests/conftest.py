import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

_ORDER = {"test_notebooks.py": 0, "test_book.py": 2}  # notebooks fill the book's cache; book last


def pytest_collection_modifyitems(items):
    items.sort(key=lambda it: _ORDER.get(Path(str(it.fspath)).name, 1))
