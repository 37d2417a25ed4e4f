"""Sphinx extension for the course book: serve its JavaScript (widgets, MathJax) and CSS itself,
and write the API reference (`api/*.md`, see `api_ref.py`) from the code before Sphinx reads it.

Pages with saved widget state load `widgets/require.js` and `widgets/embed-amd.js` (see
`nb_ipywidgets_js` in `_config.yml`), and math is typeset by `mathjax/tex-mml-chtml.js`
(`mathjax_path`). They come from the npm packages pinned in `tools/package-lock.json`
(`npm ci --prefix tools`), so the published pages, and a copy opened offline, need no CDN.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

TOOLS = Path(__file__).resolve().parent
NODE = TOOLS / "node_modules"
SOURCES = {  # file or folder in node_modules -> path under _static
    "requirejs/require.js": "widgets/require.js",
    "@jupyter-widgets/html-manager/dist": "widgets",
    "mathjax/es5": "mathjax",
}


def stage_js(dest: Path) -> Path:
    "Copy the widget and MathJax JavaScript from node_modules into `dest`; return `dest`."
    for src, name in SOURCES.items():
        p = NODE / src
        if not p.exists():
            raise ExtensionError(f"{p} is missing: install the book's JavaScript with "
                                 f"`npm ci --prefix tools` (or `make setup`)")
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        if p.is_dir(): shutil.copytree(p, dest / name, dirs_exist_ok=True)
        else: shutil.copy2(p, dest / name)
    return dest


def _add_static(app):
    staged = stage_js(Path(app.outdir).parent / "static_js")
    for f in ("course.css", "mathjax-hub-shim.js"): shutil.copy2(TOOLS / "static" / f, staged / f)
    app.config.html_static_path.append(str(staged))
    app.add_css_file("course.css")


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    "Jupyter Book 1.x adds sphinx-thebe's inline config twice, a JavaScript error on every page."
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (getattr(js, "filename", str(js)) or "", repr(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen: seen.add(key); unique.append(js)
    context["script_files"][:] = unique  # in place: later handlers add to this same list


def _write_api(app):
    import api_ref
    api_ref.write_pages(Path(app.srcdir) / "api")  # only changed pages are rewritten


def setup(app):
    app.connect("builder-inited", _write_api)
    app.connect("builder-inited", _add_static)
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
