"""Build the HTML book (reusing the notebooks the tests just executed) and check what readers get."""
import importlib
import re
from pathlib import Path

import pytest
import yaml
from conftest import DIRECTIVE_LINE, ROOT

import api_ref

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [c["file"] for part in TOC["parts"] for c in part["chapters"] if c.get("file", "").startswith("nbs/")]
REPO = "github/cnn-course/cnn_course/blob/main"


def _page(book, name):
    return (book / f"{name}.html").read_text(encoding="utf-8")


def _text(html):
    "Visible-ish text: drop scripts, styles and tags."
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("name", PAGES)
def test_chapter_page(book, name):
    html = _page(book, name)
    text = _text(html)
    assert re.search(r"<h1>.+?</h1>", html, re.S), "page has no title"
    assert f"colab.research.google.com/{REPO}/{name}.ipynb" in html, "no Colab launch button for this notebook"
    assert not DIRECTIVE_LINE.search(text), "an nbdev directive is visible"
    # the install cell's comment (a chapter may show `"google.colab" in sys.modules` for other reasons)
    assert "in Colab only: install the course library" not in text, "the hidden Colab install cell is visible"
    assert "Traceback (most recent call last)" not in text and 'output traceback' not in html, "an error output"
    assert 'id="summary"' in html and 'id="exercises"' in html, "no Summary or Exercises section"


# every chapter with worked solutions collapses them, prose included
SOLUTIONS_COLLAPSED = sorted(f"nbs/{p.stem}" for p in (ROOT / "nbs").glob("[0-9]*.ipynb")
                             if "### Solutions" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", SOLUTIONS_COLLAPSED)
def test_solutions_collapsed(book, name):
    "Every paragraph, list, formula, code block, figure and output under Solutions is in a closed <details>."
    from bs4 import BeautifulSoup
    section = BeautifulSoup(_page(book, name), "html.parser").find("section", id="solutions")
    assert section is not None, "no Solutions section"
    boxes = section.find_all("details")
    assert any("Solution 1" in d.summary.get_text() for d in boxes if d.summary), "no 'Solution 1' dropdown"
    assert not [d for d in boxes if d.has_attr("open")], "a solution is expanded"
    content = section.find_all(["p", "li", "pre", "img", "table", "div"])
    content = [el for el in content if el.name != "div" or {"cell_output", "math"} & set(el.get("class", []))]
    assert content, "the Solutions section is empty"
    shown = [el.get_text(" ", strip=True)[:80] or el.name for el in content if el.find_parent("details") is None]
    assert not shown, f"solution content in plain view: {shown}"


def test_exported_code_and_figures_shown(book):
    conv = _page(book, "nbs/02_conv_pytorch")
    assert re.search(r'def</span>(<span class="w">)? ?(</span>)? ?<span class="nf">conv2d', conv), "exported conv2d is not shown"
    assert re.search(r'<img[^>]+src="\.\./_images/', _page(book, "nbs/01_kernels")), "no figure in chapter 1"


def test_widgets_served_offline(book):
    html = _page(book, "nbs/90_widgets")
    assert "application/vnd.jupyter.widget-state+json" in html, "no saved widget state"
    assert "application/vnd.jupyter.widget-view+json" in html
    for js in ("require.js", "embed-amd.js"):
        assert f'src="../_static/widgets/{js}' in html
        assert (book / "_static" / "widgets" / js).exists()


@pytest.mark.parametrize("name", api_ref.modules())
def test_api_page(book, name):
    "The module's API page documents each public symbol (an anchor each), linked from its chapters."
    html = _page(book, f"api/{name}")
    mod = importlib.import_module(f"cnn_course.{name}")
    missing = [s for s in mod.__all__ if f'id="cnn_course.{name}.{s}"' not in html]
    assert not missing, f"public symbols without an entry on api/{name}.html: {missing}"
    assert 'class="sig-param"' in html, "no signatures"
    if ":param " in api_ref.render(name): assert "Parameters" in html, "the documented parameters are not shown"
    for nb in api_ref.exported_by(name):
        assert f'href="../api/{name}.html"' in _page(book, f"nbs/{Path(nb).stem}"), f"{nb} does not link the page"


def _built_footer(html):
    m = re.search(r'<p class="course-footer">(.*?)</p>', html, re.S)
    assert m, "no course footer"
    return _text(m.group(1))


@pytest.mark.parametrize("name", [TOC["root"], "nbs/06_color_images", "pages/running"])
def test_footer_version_and_licences(book, name):
    import cnn_course
    text = _built_footer(_page(book, name))
    assert f"cnn_course {cnn_course.__version__}" in text
    assert "Apache License 2.0" in text and "CC BY 4.0" in text


def test_nbdev_doc_links_resolve(book):
    "Every page that `_modidx.py` and the module docstrings link to exists in the built book."
    from cnn_course._modidx import d
    base = "https://cnn-course.github.io/cnn_course/"
    urls = {nb for mod in d["syms"].values() for nb, _ in mod.values()}
    assert d["settings"]["doc_host"] + d["settings"]["doc_baseurl"] + "/" == base
    for page in {u.split("#")[0] for u in urls}:
        stub = _page(book, page[:-len(".html")])
        target = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', stub).group(1)
        assert (book / target).exists(), f"{page} redirects to a missing {target}"
    for py in (ROOT / "cnn_course").glob("[!_]*.py"):
        docs = re.findall(rf"^Docs: {re.escape(base)}([^\s\"]+)", py.read_text(), re.M)
        assert len(docs) == 1 and (book / docs[0]).exists(), f"{py.name}: {docs}"
    assert (book / "llms.txt").read_text() == (ROOT / "nbs" / "llms.txt").read_text()
