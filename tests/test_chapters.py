"""What every chapter notebook must hold for its readers (checked on the source, no execution)."""
import re

import nbformat
import pytest
from conftest import ROOT
from nbdev_reader import directives

REPO = "cnn-course/cnn_course"
CHAPTERS = sorted(p for p in (ROOT / "nbs").glob("[0-9]*.ipynb"))


def _md(nb): return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_anatomy(path):
    nb = nbformat.read(path, as_version=4)
    md = _md(nb)
    badge = f"https://colab.research.google.com/github/{REPO}/blob/main/nbs/{path.name}"
    assert badge in md, f"no 'Open in Colab' badge pointing at {badge}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    guard = [c for c in code if "google.colab" in c.source]
    assert guard, "no Colab install cell"
    d, src = directives(guard[0])
    assert "hide" in d, "the Colab install cell must be hidden in the book (#| hide)"
    assert re.search(r'if "google\.colab" in sys\.modules', src) and "cnn_course" in src, \
        "the install must run only in Colab and install cnn_course"
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
