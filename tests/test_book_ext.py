"""The book's Sphinx extension on a two-page book built in a temporary folder (seconds, no notebook runs)."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import ROOT

import book_ext

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def mini_book(tmp_path_factory):
    "Build a book with the course's configuration, one notebook and one page; return its HTML folder."
    src = tmp_path_factory.mktemp("mini")
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["execute_notebooks"] = "off"
    cfg["sphinx"]["local_extensions"] = {"book_ext": str(ROOT / "tools")}
    (src / "_config.yml").write_text(yaml.safe_dump(cfg))
    (src / "_toc.yml").write_text(
        yaml.safe_dump(
            {
                "format": "jb-book",
                "root": "nbs/index",
                "chapters": [{"file": "nbs/03_tiny_topic"}],
            }
        )
    )
    (src / "nbs").mkdir()
    (src / "nbs" / "index.md").write_text("# Home\n\nThe home page.\n")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Tiny topic\n\n> One line of summary."),
            nbformat.v4.new_code_cell("#| hide\nsecret = 1"),
            nbformat.v4.new_code_cell("#| export\ndef shown(): return 2"),
        ],
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
    )
    nbformat.write(nb, src / "nbs" / "03_tiny_topic.ipynb")
    (src / "nbs" / "llms.txt").write_text("# tiny\n")
    r = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(src), "-W"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return src / "_build" / "html"


def test_footer_names_version_and_licences(mini_book):
    import cnn_course

    for page in ("nbs/index.html", "nbs/03_tiny_topic.html"):
        html = (mini_book / page).read_text(encoding="utf-8")
        (footer,) = re.findall(r'<p class="course-footer">(.*?)</p>', html, re.S)
        assert f"Built with cnn_course {cnn_course.__version__}" in footer
        assert (
            'href="https://github.com/cnn-course/cnn_course/blob/main/LICENSE">Apache License 2.0</a>'
            in footer
        )
        assert (
            'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>'
            in footer
        )


def test_nbdev_names_redirect_to_the_chapter(mini_book):
    stub = (mini_book / "tiny_topic.html").read_text(encoding="utf-8")
    assert 'url=nbs/03_tiny_topic.html"' in stub and "location.hash" in stub
    md = (mini_book / "tiny_topic.html.md").read_text(encoding="utf-8")
    assert "https://cnn-course.github.io/cnn_course/nbs/03_tiny_topic.html" in md
    assert "# Tiny topic" in md and "def shown(): return 2" in md
    assert "secret" not in md and "#|" not in md, (
        "hidden cells and directives stay out of the Markdown"
    )
    assert not (mini_book / "index.html.md").exists(), (
        "only notebooks get a Markdown copy"
    )
    assert (mini_book / "llms.txt").read_text() == "# tiny\n"


def test_footer_without_commit():
    f = book_ext.footer_html("1.2.3", "https://github.com/o/r/", "dev")
    assert (
        "cnn_course 1.2.3." in f
        and "commit" not in f
        and 'href="https://github.com/o/r/blob/dev/LICENSE"' in f
    )
