"""Find numbers quoted in a notebook's prose that no executed output (or code) backs.

A figure in the text of a chapter (an accuracy, a loss, a time, a count with decimals) must come
from the code: printed by a cell, or glued. This checker reads the markdown cells, pulls out every
decimal number and percentage, and looks for it among the numbers in the code cells' sources and
outputs, allowing for rounding (the prose may say 96.0% where a cell printed 0.9603).
"""
from __future__ import annotations

import re

NUM = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s?%)?(?![\w])")


def _numbers(text: str):
    "(value, decimals, is_percent) for every number in `text`."
    for m in NUM.finditer(text):
        whole, frac, pct = m.group(1).replace(",", ""), m.group(2) or "", m.group(3)
        yield float(whole + frac), max(len(frac) - 1, 0), bool(pct)


def _outputs_text(cell) -> str:
    parts = [cell.source]
    for o in cell.get("outputs", []):
        if "text" in o: parts.append(o["text"])
        for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
            if mime in o.get("data", {}): parts.append(o["data"][mime])
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _backed(v: float, dec: int, pct: bool, known: list) -> bool:
    tol = 0.5 * 10 ** -dec + 1e-9
    cands = [v, v / 100] if pct else [v, v / 100, v * 100]
    for c in cands:
        t = tol / 100 if c == v / 100 and c != v else (tol * 100 if c == v * 100 and c != v else tol)
        if any(abs(k - c) <= t for k in known): return True
    return False


def unbacked_numbers(nb) -> list[str]:
    "Decimal numbers and percentages in markdown cells that no code cell source or output contains."
    known = [v for c in nb.cells if c.cell_type == "code" for v, _, _ in _numbers(_outputs_text(c))]
    bad = []
    for c in nb.cells:
        if c.cell_type != "markdown": continue
        text = re.sub(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)|<[^>]+>", " ", c.source)  # code, math, links, tags
        for m, (v, dec, pct) in zip(NUM.finditer(text), _numbers(text)):
            if re.search(r"(Python|version|v)\s*$", text[:m.start()]): continue  # a version, not a result
            if (dec or pct) and not _backed(v, dec, pct, known): bad.append(m.group(0).strip())
    return bad
