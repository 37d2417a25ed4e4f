"""Find results quoted in a notebook's prose that no executed output backs.

A result in the text of a chapter (an accuracy, a loss, a time, a parameter count) must
come from a run: printed by a cell, shown as a cell's value, or glued with myst-nb. Code
does not count: a literal in a cell's source says what was asked for, not what came out.
This checker reads the markdown cells, picks out the numbers that quote a result, and
looks for each among the numbers in the outputs of the code cells, allowing for rounding
(the prose may say 96.0% where a cell printed 0.9603, or 1.2M where it printed
1,234,567).

What counts as a quoted result (`quoted`):
- a number with decimals (0.93), a percentage (93%), or a magnitude (1.2M, 25 MFLOPs,
  3.4k, 11 million);
- a whole number of 1,000 or more (60,000 images, 3,373,570 weights), except a year
  (`MIN_WHOLE`);
- a whole number followed by a unit of measured size or time (45 s, 120 ms, 3 minutes,
  4,000 parameters, 2 MB).

Small whole numbers without a unit are settings, counts of things on the page and
ordinals (a 3x3 kernel, stride 2, four edge maps, chapter 7) and are not checked.

What is never read: inline code and math (`...`, $...$), code blocks (a fence without a
MyST directive), link targets and HTML tags, headings, list numbers, sizes written NxM
(28x28), names such as ResNet-18, versions (Python 3.11, ipywidgets 7.7), chapter, exercise and figure
numbers, exercise statements and quiz questions (they set tasks; solutions and answers
are read), and `ALLOWED` below: facts the chapter cites from elsewhere, each with its
source.
"""
from __future__ import annotations

import re

_SUFFIX = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "B": 1e9,
           "billion": 1e9, "G": 1e9}
NUM = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:(\s?%)|\s?(thousand|million|"
    r"billion)\b|(k|K|M|B|G)(?=\b|FLOP|MAC|B\b))?(?![\w.]?\d)"
)
UNIT = re.compile(
    r"(\s(s|ms|µs)|\s?(seconds?|minutes?|hours?|parameters|params|weights|"
    r"(?:[kMG])?FLOPs|multiply-adds|MACs|[kMG]?B|bytes))\b"
)
SKIP_BEFORE = re.compile(r"(Python|version|v|ipywidgets|ipykernel|torch|torchvision|fastai|"
                         r"[Cc]hapter|[Cc]hapters|ch|[Ss]ection|"
                         r"[Ee]xercise|[Qq]uestion|[Ff]igure|[Ss]tep|[Aa]nswer)\s*$")

MIN_WHOLE = 1000  # whole numbers from here on are checked even without a unit

# Numbers a chapter quotes from elsewhere (papers, a dataset's documentation), which no
# cell can print: notebook stem -> {number as written: where it comes from}.
_LUMA = "the ITU-R BT.601 luma weights, which GREY_WEIGHTS holds: a standard"
ALLOWED: dict[str, dict[str, str]] = {
    "06_color_images": {"0.299": _LUMA, "0.587": _LUMA, "0.114": _LUMA},
    # an offline run cannot download the file to measure it
    "09_pretrained": {"45": "ResNet-18's weights: 44.661 MB in torchvision's meta"},
    # an offline run has neither Oxford-IIIT Pet nor an ImageNet model's class list to print
    "12_fastai_workflow": {
        "7,390": "files in fastai's copy of Oxford-IIIT Pet: `(path/'images').ls()` in fastbook ch. 5",
        "1,000": "the classes of ImageNet-1k (ILSVRC 2012), which every ImageNet model outputs",
    },
    "08a_training_tricks": {
        "8192": "Goyal et al. 2017, arXiv:1706.02677, abstract: ResNet-50 at batch 8192",
    },
    # published multi-GPU results; this machine has no GPU
    "13_distributed": {
        "8192": "Goyal et al. 2017, arXiv:1706.02677, abstract: ResNet-50 at batch 8192",
        "90%": "Goyal et al. 2017, arXiv:1706.02677, abstract: ~90% scaling, 8 to 256 GPUs",
    },
}


def _value(m: re.Match) -> tuple[float, int, str]:
    "(value, decimals, kind) of a NUM match; kind is '', '%' or 'x' (a magnitude)."
    whole, frac, pct, word, letter = m.groups()
    v = float(whole.replace(",", "") + (frac or ""))
    dec = max(len(frac or "") - 1, 0)
    if pct: return v, dec, "%"
    if word or letter: return v * _SUFFIX[word or letter], dec, "x"
    return v, dec, ""


def _numbers(text: str) -> list[float]:
    "Every number in an output, with magnitudes applied (1.2M -> 1200000)."
    return [_value(m)[0] for m in NUM.finditer(text)]


def _output_text(cell) -> str:
    "What a code cell showed when it ran: streams and displayed values, glued ones too."
    parts = []
    for o in cell.get("outputs", []):
        if "text" in o: parts.append(o["text"])
        for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
            if mime in o.get("data", {}): parts.append(o["data"][mime])
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _prose(md: str) -> str:
    "The markdown with what is not prose blanked out (same length, so positions hold)."
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))
    md = re.sub(
        r"^(```|~~~|:::)(?!\s*\{)[^\n]*\n.*?^\1[^\n]*$", blank, md, flags=re.M | re.S
    )
    md = re.sub(r"^[ \t]*(```|:::)\s*\{[^}]*\}[^\n]*$", blank, md, flags=re.M)  # fences
    md = re.sub(r"^[ \t]*:\w[\w-]*:[^\n]*$", blank, md, flags=re.M)  # directive options
    # exercise statements and quiz questions set tasks; solutions and answers count
    md = re.sub(r"^## Exercises$.*?(?=^### Solutions|\Z)", blank, md, flags=re.M | re.S)
    md = re.sub(
        r"^## Questionnaire$.*?(?=^\s*(?:```|:::)\s*\{dropdown\}|\Z)",
        blank,
        md,
        flags=re.M | re.S,
    )
    md = re.sub(r"^#+ [^\n]*$", blank, md, flags=re.M)  # headings
    md = re.sub(r"^[ \t]*\d+\.(?= )", blank, md, flags=re.M)  # list numbers
    for pat in (r"\$\$.*?\$\$", r"\$[^$\n]*\$", r"`[^`]*`", r"\]\([^)]*\)", r"<[^>]+>",
                r"\{\w+\}`[^`]*`", r"\b\d+\s?[x×]\s?\d+(?:\s?[x×]\s?\d+)*\b"):
        md = re.sub(pat, blank, md, flags=re.S)
    return md


def quoted(md: str) -> list[tuple[str, float, int, str]]:
    "The results quoted in markdown `md`: (as written, value, decimals, kind)."
    text, out = _prose(md), []
    for m in NUM.finditer(text):
        v, dec, kind = _value(m)
        if SKIP_BEFORE.search(text[:m.start()]): continue
        unit = UNIT.match(text, m.end())
        if not (dec or kind or v >= MIN_WHOLE or unit): continue
        # a name: ResNet-18, VGG-16
        if re.search(r"[A-Za-z]-$", text[:m.start()]): continue
        # a year
        if not (dec or kind or "," in m.group(1)) and 1900 <= v <= 2099: continue
        out.append((m.group(0).strip(), v, dec, kind))
    return out


def _backed(v: float, dec: int, kind: str, known: list[float]) -> bool:
    "Whether an output number rounds to `v` (percentages may be printed as fractions)."
    tol = 0.5 * 10 ** -dec + 1e-9
    if kind == "x": tol = 0.5 * 10 ** (len(str(int(v))) - 1 - dec) if v else tol
    cands = [(v, tol)]
    if kind == "%": cands.append((v / 100, tol / 100))
    if dec: cands += [(v / 100, tol / 100), (v * 100, tol * 100)]
    return any(abs(k - c) <= t for c, t in cands for k in known)


def unbacked_numbers(nb, allowed: dict[str, str] | None = None) -> list[str]:
    "Results quoted in `nb`'s markdown that no executed output of a code cell shows."
    known = [v for c in nb.cells if c.cell_type == "code"
             for v in _numbers(_output_text(c))]
    allowed = allowed or {}
    return [s for c in nb.cells if c.cell_type == "markdown"
            for s, v, dec, kind in quoted(c.source)
            if s not in allowed and not _backed(v, dec, kind, known)]
