"""The book's notebook reader parses nbdev directives as nbdev does (fastcore's parser)."""

import nbformat
import pytest
from conftest import DIRECTIVE_LINE
from fastcore.nbio import mk_cell
from nbdev_reader import directives, to_book


def _nb(*sources):
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(s) for s in sources]
    )


def _book(*sources):
    return to_book(_nb(*sources), "test.ipynb").cells


@pytest.mark.parametrize(
    "src", ["#| hide\nx = 1", "#|hide\nx = 1", "# | hide\nx = 1", "  #  |  hide\nx = 1"]
)
def test_hide_spellings(src):
    "Every spelling nbdev accepts (`# | hide` is how formatters write it) hides the cell."
    assert mk_cell(src).directives == {"hide": ""}, (
        "nbdev itself no longer reads this as `hide`"
    )
    (cell,) = _book(src)
    assert cell.metadata.tags == ["remove-cell"] and cell.source == "x = 1"


def test_directive_after_cell_magic():
    "A directive after `%%time` counts; the book still shows the magic line, as nbdev does."
    (cell,) = _book("%%time\n#| eval: false\nx = 1")
    assert cell.metadata.tags == ["skip-execution"]
    assert cell.source == "%%time\nx = 1"


def test_only_leading_lines_are_directives():
    (cell,) = _book("x = 1\n#| hide")
    assert "tags" not in cell.metadata and cell.source == "x = 1\n#| hide"


def test_shown_source_has_no_directive_lines():
    cells = _book(
        "#| export\n# | code-fold: true\n\ndef f(): pass",
        "#| echo: false\nplot()",
        "#| output: false\ny",
        "#| default_exp conv",
        "#| eval: False\nz",
    )
    assert [c.metadata.get("tags") for c in cells] == [
        ["hide-input"],
        ["remove-input"],
        ["remove-output"],
        ["remove-cell"],
        ["skip-execution"],
    ]
    assert [c.source for c in cells] == ["def f(): pass", "plot()", "y", "", "z"]
    assert not any(DIRECTIVE_LINE.search(c.source) for c in cells)


def test_figure_options():
    (cell,) = _book(
        "#| fig-cap: Edges of a *digit*: top, left\n#| label: fig-edges\nshow()"
    )
    assert cell.metadata["mystnb"]["figure"] == {
        "caption": "Edges of a *digit*: top, left",
        "name": "fig-edges",
    }
    assert "tags" not in cell.metadata and cell.source == "show()"
    with pytest.raises(ValueError, match="fig-cap.*needs a value"):
        _book("#| fig-cap\nshow()")


def test_metadata_directives():
    "nbdev also reads directives from a cell's `nbdev` metadata."
    nb = _nb("x = 1")
    nb.cells[0].metadata["nbdev"] = {"hide": "true"}
    assert to_book(nb).cells[0].metadata.tags == ["remove-cell"]
    assert directives(nb.cells[0]) == ({"hide": ""}, "x = 1")


@pytest.mark.parametrize(
    "src", ["#| hidden\nx", "# | eval: maybe\nx", "%%time\n#| fold\nx"]
)
def test_unknown_directive_fails(src):
    with pytest.raises(
        ValueError, match=r"test\.ipynb, cell 0: unknown nbdev directive"
    ):
        _book(src)
