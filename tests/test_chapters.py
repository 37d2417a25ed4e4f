"""What every chapter notebook must hold for its readers (checked on the source, no execution)."""
import re

import nbformat
import pytest
from conftest import ROOT
from nbdev_reader import directives

REPO = "cnn-course/cnn_course"
CHAPTERS = sorted(p for p in (ROOT / "nbs").glob("[0-9]*.ipynb"))
LIBRARY_VERSION = re.search(r'__version__ = "(.+)"', (ROOT / "cnn_course" / "__init__.py").read_text())[1]


def _md(nb): return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _check_colab_cell(found: list):
    "The one Colab cell: hidden, installs the library's own version with %pip, only in Colab."
    assert len(found) == 1, f"{len(found)} cells install with pip in Colab; one Colab install cell wanted"
    d, src = directives(found[0])
    assert "hide" in d, "the Colab install cell must be hidden in the book (#| hide)"
    top = [l.split("#")[0].strip() for l in src.splitlines() if l.strip() and not l[0].isspace()]
    assert top == ["import sys", 'if "google.colab" in sys.modules:'], \
        'outside Colab the cell must do nothing: `import sys`, then all under `if "google.colab" in sys.modules:`'
    assert re.search(r"^\s+%pip install \S", src, re.M), "install with IPython's %pip (Colab then offers to restart)"
    assert not re.search(r"\s(-q|--quiet)\b", src), "no -q: Colab offers its restart only when pip's output reaches it"
    assert "subprocess" not in src and "!pip" not in src, "install with %pip, not a subprocess or !pip"
    version = re.search(r'^    VERSION = "([^"]+)"', src, re.M)
    assert version, 'no VERSION = "..." constant'
    assert version[1] == LIBRARY_VERSION, \
        f"the Colab cell installs cnn_course {version[1]}, the library is {LIBRARY_VERSION}: update the cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_anatomy(path):
    nb = nbformat.read(path, as_version=4)
    md = _md(nb)
    badge = f"https://colab.research.google.com/github/{REPO}/blob/main/nbs/{path.name}"
    assert badge in md, f"no 'Open in Colab' badge pointing at {badge}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    # the install cell (a chapter may also ask `"google.colab" in sys.modules` for other reasons)
    _check_colab_cell([c for c in code if "google.colab" in c.source and "pip" in c.source])
    assert re.search(r"^# \S", md, re.M) and re.search(r"^> \S", md, re.M), "no title and summary"
    assert "You will learn" in md and "Prerequisites" in md, "no learning goals or prerequisites"
    for section in ("## Summary", "## Exercises"):
        assert section in md, f"no '{section}' section"
    sols = [c for c in code if {"hide-input", "hide-cell"} & set(c.metadata.get("tags", []))]
    assert sols, "no worked solution code (collapsed: tag hide-input)"


@pytest.mark.parametrize("path", [p for p in CHAPTERS if not p.name.startswith(("00", "9"))],
                         ids=lambda p: p.stem)
def test_questionnaire_and_exercises(path):
    md = _md(nbformat.read(path, as_version=4))
    quiz = md.split("## Questionnaire", 1)
    assert len(quiz) == 2, "no '## Questionnaire' section"
    questions = re.findall(r"^\d+\. ", quiz[1].split("```{dropdown}")[0], re.M)
    assert len(questions) >= 10, f"the questionnaire has {len(questions)} questions, 10 or more wanted"
    assert "```{dropdown}" in quiz[1] or ":::{dropdown}" in quiz[1], "questionnaire answers not in a dropdown"
    ex = md.split("## Exercises", 1)[1]
    assert len(re.findall(r"^\d+\. ", ex.split("### Solutions")[0], re.M)) >= 3, "fewer than 3 exercises"


# every chapter with worked solutions collapses them in the book, prose included
# (tests/test_book.py checks the built pages)
SOLUTIONS_COLLAPSED = [p.stem for p in CHAPTERS if "### Solutions" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("stem", SOLUTIONS_COLLAPSED)
def test_solutions_collapsed_in_source(stem):
    "After '### Solutions': prose only in dropdowns, code only in cells tagged hide-cell."
    cells = nbformat.read(ROOT / "nbs" / f"{stem}.ipynb", as_version=4).cells
    start = next(i for i, c in enumerate(cells) if c.source.startswith("### Solutions"))
    assert cells[start].source.strip() == "### Solutions", "the Solutions heading has prose under it"
    for i, c in enumerate(cells[start + 1:], start + 1):
        if c.cell_type == "markdown":
            assert re.match(r"(```|:::)\{dropdown\} Solution \d", c.source), f"cell {i}: prose not in a dropdown"
        else:
            assert "hide-cell" in c.metadata.get("tags", []), f"cell {i}: code not tagged hide-cell"


def test_colab_cells_are_one():
    "Every chapter has the same Colab cell, so a fix to it reaches all of them."
    cells = {p.stem: next(c.source for c in nbformat.read(p, as_version=4).cells if "google.colab" in c.source)
             for p in CHAPTERS}
    first = next(iter(cells.values()))
    assert [k for k, v in cells.items() if v != first] == [], f"Colab cells differ from {CHAPTERS[0].stem}'s"
