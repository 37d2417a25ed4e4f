"""Open the built book in headless Chromium as a reader would, and keep a screenshot of every page.

Screenshots go to `_build/screenshots/`. The browser is the first of `chromium` and
`chromium-browser` that runs (`make setup` installs Debian's chromium; GitHub's Ubuntu runners ship
both names; Ubuntu's own chromium-browser is a snap wrapper that does not run without snap). With
none, the module is skipped and says why, unless `CNN_COURSE_BROWSER=required` (set by `.ci/run` on
Debian), which turns that into a failure. The widget pages must render their widgets from the saved
state, offline, and respond to a slider.
"""
import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml
from conftest import DIRECTIVE_LINE, ROOT

import api_ref

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"] if "file" in c]
PAGES += [f"api/{m}" for m in api_ref.modules()]  # the toc's `glob: api/*`, written at build time
SHOTS = ROOT / "_build" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
REQUIRED = "CNN_COURSE_BROWSER"  # set to "required" where a missing browser must fail the run


def find_chromium(names=("chromium", "chromium-browser")) -> tuple[str | None, list[str]]:
    "Path of the first of `names` that runs (`--version` succeeds), and what was wrong with the others."
    tried = []
    for name in names:
        path = shutil.which(name)
        if not path: tried.append(f"{name}: not on PATH"); continue
        try: r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e: tried.append(f"{path}: {e}"); continue
        if r.returncode == 0 and "chrom" in r.stdout.lower(): return path, tried
        tried.append(f"{path}: `--version` failed: {(r.stdout + r.stderr).strip()[:200]!r}")
    return None, tried


CHROMIUM, _TRIED = find_chromium()
if not CHROMIUM:
    why = "no runnable Chromium (" + "; ".join(_TRIED) + ")"
    if os.environ.get(REQUIRED) == "required":
        raise RuntimeError(f"{why}, but {REQUIRED}=required: `make setup` installs Debian's chromium")
    pytest.skip(f"{why}; on Debian `make setup` installs it", allow_module_level=True)


@pytest.fixture(scope="module")
def site(book):
    "Serve the built book on a free localhost port; yield its base URL."
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(book))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _internal_links(page, url):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for h in hrefs:
        full = urlparse(urljoin(url, h))
        if full.netloc == urlparse(url).netloc: yield h, full.path


@pytest.mark.parametrize("name", PAGES)
def test_page_in_browser(name, site, browser, book):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = urljoin(site, f"{name}.html")
    page.goto(url, wait_until="load")
    assert page.locator("article h1").count() >= 1, "no chapter title"
    text = page.locator("article").inner_text()
    assert not DIRECTIVE_LINE.search(text), "an nbdev directive is visible"
    assert "Traceback (most recent call last)" not in text, "an error output is visible"
    if name != TOC["root"] and name.startswith("nbs/"):
        assert page.locator(f'a[href*="colab.research.google.com/github/"][href$="{name}.ipynb"]').count(), \
            "no Colab launch button"
    external = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert not [u for u in external if not u.startswith(site)], f"scripts from outside the book: {external}"
    if page.locator("div.math, span.math").count():
        # MathJax, served by the book, ran (attached: the first formula may sit in a collapsed
        # solution, rendered but hidden)
        page.wait_for_selector("mjx-container", state="attached", timeout=30_000)
    broken = [h for h, path in _internal_links(page, url) if not (book / path.lstrip("/")).exists()]
    assert not broken, f"broken internal links: {broken}"
    if (book / f"{name}.html").read_text(encoding="utf-8").count("widget-view+json"):
        _check_widgets(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{Path(name).name}.png"), full_page=True)
    assert not errors, f"JavaScript errors: {errors}"
    page.close()


def _visible_srcs(box):
    imgs = box.locator(".widget-image:visible")
    return [imgs.nth(i).get_attribute("src") for i in range(imgs.count())]


def _check_widgets(page):
    "Every explorer renders from saved state, and moving its first slider shows another picture."
    page.wait_for_selector(".widget-image", timeout=30_000)
    # an explorer in a collapsed solution: open it as a reader does, by its summary
    hidden = page.locator("details:not([open])", has=page.locator(".jupyter-widgets"))
    for i in range(hidden.count()):
        hidden.nth(0).locator("summary").first.click()  # an opened one leaves the list
    boxes = page.locator(".jupyter-widgets.widget-vbox")
    assert boxes.count() >= 1, "widget state is saved but no widget rendered"
    for i in range(boxes.count()):
        box = boxes.nth(i)
        slider = box.locator("[role=slider]").first
        readout = box.locator(".widget-readout").first
        before, shown = readout.inner_text(), _visible_srcs(box)
        slider.focus()
        page.keyboard.press("End")
        page.wait_for_timeout(300)
        if readout.inner_text() == before:  # already at the end: go to the start instead
            page.keyboard.press("Home"); page.wait_for_timeout(300)
        assert readout.inner_text() != before, f"widget {i}: the slider did not move"
        assert _visible_srcs(box) != shown, f"widget {i}: moving the slider did not change the picture"
