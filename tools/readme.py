"""Generate README.md from nbs/index.ipynb (the book's home page is its single source).

Usage: python tools/readme.py [--check]    (--check: exit 1 if README.md is out of date)

Cells hidden from the book (`#| hide`, tag remove-cell) are left out; links to sibling
notebooks are rewritten to point into `nbs/`, where they live relative to the README.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from nbdev_reader import read_nb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, "
          "not this file. -->\n\n")


def render(index: Path = ROOT / "nbs" / "index.ipynb") -> str:
    "The README text for notebook `index`."
    nb = read_nb(index.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.cells:
        if "remove-cell" in cell.metadata.get("tags", []): continue
        src = cell.source.strip()
        if cell.cell_type == "code": src = f"```python\n{src}\n```"
        src = re.sub(r"\]\(\.\./([^)]+)\)", r"](\1)", src)  # ../pages/x.md: pages/x.md
        src = re.sub(r"\]\((?!https?:|/|#|pages/)([^)]+\.ipynb)\)", r"](nbs/\1)", src)
        parts.append(src)
    return HEADER + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    text, readme = render(), ROOT / "README.md"
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            sys.exit("README.md differs from what nbs/index.ipynb generates: "
                     "run `python tools/readme.py`")
    else:
        readme.write_text(text, encoding="utf-8")
