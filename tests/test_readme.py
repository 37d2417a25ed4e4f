"""README.md is read on GitHub and on PyPI: it must render there, and every link must be absolute."""

import re
import warnings
from urllib.parse import urlparse

from conftest import ROOT
from readme import URLS, _book_pages, absolute


def _rendered() -> str:
    "README.md as PyPI shows it (readme_renderer, the GFM variant that `twine check` uses)."
    from readme_renderer.markdown import render

    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # a missing Markdown renderer only warns: make it fail here
        html = render((ROOT / "README.md").read_text(encoding="utf-8"), variant="GFM")
    assert html, "readme_renderer could not render README.md"
    return html


def test_readme_renders():
    html = _rendered()
    assert re.search(r"<h1[^>]*>Convolutional neural networks, hands-on<", html)
    assert "make test" in html and "<table>" in html


def test_every_readme_link_is_absolute():
    html = re.sub(
        r'<a href="#user-content-[^"]*" rel="nofollow"></a>', "", _rendered()
    )  # heading anchors
    links = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert len(links) > 10
    relative = [
        u
        for u in links
        if not (urlparse(u).scheme in ("http", "https") and urlparse(u).netloc)
    ]
    assert not relative, f"relative links in README.md, which break on PyPI: {relative}"
    # links into the book name pages that the book builds
    root, pages = _book_pages()
    book = [urlparse(u).path for u in links if u.startswith(URLS["Documentation"])]
    prefix = urlparse(URLS["Documentation"]).path
    for path in book:
        page = path.removeprefix(prefix).removesuffix(".html")
        assert page in pages or page == "", f"{path}: no such page in _toc.yml"
    assert URLS["Documentation"] in links, "the README gives the book's address"


def test_relative_links_become_book_or_repository_urls():
    book, repo = URLS["Documentation"], URLS["Repository"]
    assert absolute("01_kernels.ipynb") == f"{book}nbs/01_kernels.html"
    assert absolute("01_kernels.ipynb#im2col") == f"{book}nbs/01_kernels.html#im2col"
    assert absolute("../pages/running.md") == f"{book}pages/running.html"
    assert absolute("index.ipynb") == book
    assert absolute("#chapters") == f"{book}nbs/index.html#chapters"
    assert absolute("../tools/readme.py") == f"{repo}/blob/main/tools/readme.py"
    assert (
        absolute("_scratch.ipynb") == f"{repo}/blob/main/nbs/_scratch.ipynb"
    )  # not in the book
    assert absolute("https://pytorch.org") == "https://pytorch.org"
