"""Read nbdev notebooks for Jupyter Book: turn nbdev directives into the cell tags myst-nb knows.

myst-nb does not understand nbdev's directives, so without this reader `#| hide` cells would be
shown and every `#| export` line would be visible in the book. Directives are parsed by fastcore's
`NbCell.directives`, the parser nbdev itself uses: it also reads `# | hide` (as code formatters
write it), directives after a cell magic such as `%%time`, and directives kept in the cell's
`nbdev` metadata. So the book hides exactly what nbdev hides. The same function is used by the
test suite before it executes a notebook, so what the tests run is exactly what the book runs
(and the book can reuse the executed result from the jupyter-cache).
"""
from __future__ import annotations

import nbformat
from fastcore.nbio import NbCell

__all__ = ["DIRECTIVE_TAGS", "FIGURE_OPTIONS", "directives", "to_book", "read_nb"]

# directive (name, value) -> tags; value None means "any value". Values are as nbdev parses them:
# a bare directive (`#| hide`) and `: true` both give "" (matched case-insensitively)
DIRECTIVE_TAGS = {
    ("hide", None): ["remove-cell"],
    ("include", "false"): ["remove-cell"],
    ("eval", "false"): ["skip-execution"],
    ("echo", "false"): ["remove-input"],
    ("output", "false"): ["remove-output"],
    ("code-fold", ""): ["hide-input"],
    ("code-fold", "show"): ["hide-input"],
}
# Quarto's figure directives -> myst-nb's figure options: the cell's image output becomes a numbered
# figure with this caption (MyST markup allowed) and this name, to refer to with {numref}`name`
FIGURE_OPTIONS = {"fig-cap": "caption", "label": "name"}
# directives that only matter to nbdev's exporter: stripped from the shown source, no tag
_EXPORT_ONLY = {"default_exp", "export", "exports", "exporti", "exec_doc", "export_and_show"}


def directives(cell) -> tuple[dict[str, str], str]:
    "nbdev's directives of code `cell` (a cell or its source) as {name: value}, and the source without them."
    if isinstance(cell, str): cell = {"source": cell}
    c = NbCell(0, {"cell_type": "code", "source": cell["source"],
                   "metadata": {k: v for k, v in cell.get("metadata", {}).items() if k == "nbdev"}})
    found = c.directives
    c.remove_directives()  # as nbdev does: directive lines go, cell magics such as %%time stay
    return found, c.source


def _tags_for(name: str, value: str, where: str) -> list[str]:
    if name in _EXPORT_ONLY or name in FIGURE_OPTIONS: return []
    for (n, v), tags in DIRECTIVE_TAGS.items():
        if n == name and (v is None or v == value.lower()): return tags
    known = sorted({n for n, _ in DIRECTIVE_TAGS} | _EXPORT_ONLY | set(FIGURE_OPTIONS))
    raise ValueError(f"{where}: unknown nbdev directive '#| {name}: {value}'; known directives: {known}")


def to_book(nb: nbformat.NotebookNode, where: str = "notebook") -> nbformat.NotebookNode:
    "Map nbdev directives of `nb` (in place) to myst-nb cell tags and strip the directive lines."
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code": continue
        found, rest = directives(cell)
        if not found: continue
        tags = list(cell.metadata.get("tags", []))
        for name, value in found.items():
            tags += [t for t in _tags_for(name, value, f"{where}, cell {i}") if t not in tags]
            if name in FIGURE_OPTIONS:
                if not value: raise ValueError(f"{where}, cell {i}: '#| {name}:' needs a value")
                cell.metadata.setdefault("mystnb", {}).setdefault("figure", {})[FIGURE_OPTIONS[name]] = value
        if not rest.strip() and "remove-cell" not in tags: tags.append("remove-cell")
        cell.source = rest
        if tags: cell.metadata["tags"] = tags
    return nb


def read_nb(text: str) -> nbformat.NotebookNode:
    "myst-nb custom reader: parse notebook JSON and apply `to_book`."
    return to_book(nbformat.reads(text, as_version=4))
