"""Generate README.md from nbs/index.ipynb (the book's home page is the README's single source).

Usage: python tools/readme.py [--check]    (--check: exit 1 if README.md is out of date)

Cells hidden from the book (`#| hide`, tag remove-cell) are left out. The README is also read on
PyPI, where a relative link leads nowhere, so every relative link is made absolute: a page of the
book (a notebook or page in `_toc.yml`) becomes its address in the published book (`Documentation`
in pyproject.toml; Jupyter Book 1.x keeps the source path: `nbs/01_kernels.ipynb` ->
`nbs/01_kernels.html`), any other file its address in the repository (`Repository`).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path, PurePosixPath

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from nbdev_reader import read_nb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEADER = "<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n"
URLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "urls"
]
LINK = re.compile(
    r"(\]\()([^)\s]+)(\))|^(\[[^\]]+\]:\s*)(\S+)", re.M
)  # [text](target), [ref]: target
SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")  # https:, mailto: ...


def _book_pages() -> tuple[str, set[str]]:
    "The toc's root and all its files, as paths from the repository root without suffix."
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c for part in toc["parts"] for c in part["chapters"]]
    files = {toc["root"]} | {c["file"] for c in chapters if "file" in c}
    for c in chapters:  # glob entries, such as the generated api/* pages
        if "glob" in c:
            files |= {
                p.with_suffix("").as_posix() for p in ROOT.glob(c["glob"] + ".md")
            }
    return toc["root"], files


def absolute(target: str, src_dir: str = "nbs") -> str:
    "`target`, a link in a notebook in `src_dir`, as an absolute URL."
    if SCHEME.match(target):
        return target
    path, _, anchor = target.partition("#")
    parts = []
    for p in PurePosixPath(
        src_dir, path or "index.ipynb"
    ).parts:  # resolve ../ inside the repository
        if p == "..":
            if not parts:
                raise ValueError(f"link {target!r} leaves the repository")
            parts.pop()
        elif p != ".":
            parts.append(p)
    rel = PurePosixPath(*parts)
    root, pages = _book_pages()
    stem = rel.with_suffix("").as_posix()
    if rel.suffix in (".ipynb", ".md") and stem in pages:
        url = URLS["Documentation"] + (
            "" if stem == root and not anchor else f"{stem}.html"
        )
    else:
        url = f"{URLS['Repository']}/blob/main/{rel}"
    return url + (f"#{anchor}" if anchor else "")


def _absolute_links(md: str) -> str:
    def sub(m):
        if m.group(1):
            return m.group(1) + absolute(m.group(2)) + m.group(3)
        return m.group(4) + absolute(m.group(5))

    return LINK.sub(sub, md)


def render(index: Path = ROOT / "nbs" / "index.ipynb") -> str:
    "The README text for notebook `index`."
    nb = read_nb(index.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            continue
        src = cell.source.strip()
        parts.append(
            f"```python\n{src}\n```"
            if cell.cell_type == "code"
            else _absolute_links(src)
        )
    return HEADER + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    text, readme = render(), ROOT / "README.md"
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            sys.exit(
                "README.md differs from what nbs/index.ipynb generates: run `python tools/readme.py`"
            )
    else:
        readme.write_text(text, encoding="utf-8")
