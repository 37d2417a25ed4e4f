"""Sphinx extension for the course book: serve its JavaScript (widgets, MathJax) and CSS itself,
and write the API reference (`api/*.md`, see `api_ref.py`) from the code before Sphinx reads it.

Pages with saved widget state load `widgets/require.js` and `widgets/embed-amd.js` (see
`nb_ipywidgets_js` in `_config.yml`), and math is typeset by `mathjax/tex-mml-chtml.js`
(`mathjax_path`). They come from the npm packages pinned in `tools/package-lock.json`
(`npm ci --prefix tools`), so the published pages, and a copy opened offline, need no CDN.

It also puts in every page's footer the version of `cnn_course` the book was built with and the two
licences, and writes the pages that nbdev's links expect: nbdev names a chapter's page without its
number (`nbs/06_color_images.ipynb` -> `color_images.html`, in `_modidx.py`, and
`color_images.html.md` in module docstrings), while the book keeps the notebook's path
(`nbs/06_color_images.html`). So `color_images.html` redirects to the chapter, keeping the `#anchor`,
and `color_images.html.md` is the chapter as Markdown (its prose and shown code, without outputs);
nbdev's `nbs/llms.txt`, which lists those Markdown pages, is served as `llms.txt`.
"""
from __future__ import annotations

import html
import json
import shutil
import subprocess
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
    "Write the API pages, for a book whose table of contents has them (`api/`)."
    toc = Path(app.srcdir) / "_toc.yml"
    if not toc.exists() or "api/" not in toc.read_text(encoding="utf-8"): return
    import api_ref
    api_ref.write_pages(Path(app.srcdir) / "api")  # only changed pages are rewritten



CODE_LICENSE = "Apache License 2.0"
CONTENT_LICENSE = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")


def library_version() -> str:
    "The version of the `cnn_course` that this Python (and so the book's kernels) imports."
    import cnn_course
    return cnn_course.__version__


def git_commit(root: Path) -> str | None:
    "Short hash of the commit checked out at `root`, or None outside a git checkout."
    try: r = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    except OSError: return None
    return r.stdout.strip() if r.returncode == 0 else None


def footer_html(version: str, # version of cnn_course
                repo_url: str, # https://github.com/owner/name, for links to the licence files
                branch: str = "main", # branch the licence links point into
                commit: str | None = None, # short hash of the commit the book was built from
               ) -> str:
    "The footer line: library version (and commit), and the licences of the code and of the prose."
    built = f"cnn_course {html.escape(version)}" + (f" (commit {html.escape(commit)})" if commit else "")
    blob = f"{repo_url.rstrip('/')}/blob/{branch}"
    return (f'<p class="course-footer">Built with {built}. '
            f'Code: <a href="{blob}/LICENSE">{CODE_LICENSE}</a>. '
            f'Text and figures: <a href="{CONTENT_LICENSE[1]}">{CONTENT_LICENSE[0]}</a> '
            f'(<a href="{blob}/LICENSE-content.md">licences</a>).</p>')


def _add_footer(app, config):
    opts = config.html_theme_options
    ours = footer_html(library_version(), opts.get("repository_url", ""), opts.get("repository_branch") or "main",
                       git_commit(Path(app.srcdir)))
    opts["extra_footer"] = "\n".join(filter(None, [opts.get("extra_footer"), ours]))


def nbdev_page(docname: str) -> str | None:
    "The page name nbdev gives notebook `docname` (e.g. nbs/06_color_images -> color_images.html), or None."
    if not docname.startswith("nbs/"): return None
    from nbdev.config import nbpath2html
    return nbpath2html(docname[len("nbs/"):] + ".ipynb").as_posix()


def _redirect(target: str) -> str:
    t = html.escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Redirecting</title>\n'
            f'<link rel="canonical" href="{t}">\n'
            f'<script>location.replace({json.dumps(target)} + location.hash)</script>\n'
            f'<meta http-equiv="refresh" content="0; url={t}"></head>\n'
            f'<body><a href="{t}">{t}</a></body></html>\n')


def notebook_markdown(path: Path, page_url: str) -> str:
    "Notebook `path` as Markdown, as the book shows it minus outputs: prose, and code not hidden."
    from nbdev_reader import read_nb
    parts = [f"<!-- The chapter in HTML, with its outputs: {page_url} -->"]
    for cell in read_nb(path.read_text(encoding="utf-8")).cells:
        tags = cell.metadata.get("tags", [])
        if "remove-cell" in tags or not cell.source.strip(): continue
        if cell.cell_type == "markdown": parts.append(cell.source.strip())
        elif cell.cell_type == "code" and "remove-input" not in tags: parts.append(f"```python\n{cell.source.strip()}\n```")
    return "\n\n".join(parts) + "\n"


def write_nbdev_pages(outdir: Path, srcdir: Path, docnames, base_url: str = "") -> list[Path]:
    "Write `<nbdev name>.html` (a redirect) and `<nbdev name>.html.md` for each notebook of `docnames`."
    written = []
    for doc in sorted(docnames):
        name, nb = nbdev_page(doc), Path(srcdir) / f"{doc}.ipynb"
        if not name or not nb.exists(): continue
        stub, md = Path(outdir) / name, Path(outdir) / f"{name}.md"
        if not stub.exists():  # never replace a page of the book
            stub.write_text(_redirect(f"{doc}.html"), encoding="utf-8"); written.append(stub)
        md.write_text(notebook_markdown(nb, f"{base_url.rstrip('/')}/{doc}.html" if base_url else f"{doc}.html"),
                      encoding="utf-8")
        written.append(md)
    return written


def _nbdev_pages(app, exception):
    if exception or app.builder.format != "html": return
    write_nbdev_pages(Path(app.outdir), Path(app.srcdir), app.env.found_docs, app.config.html_baseurl or "")
    llms = Path(app.srcdir) / "nbs" / "llms.txt"  # nbdev-export's index of the modules, linking the .html.md pages
    if llms.exists(): shutil.copy2(llms, Path(app.outdir) / "llms.txt")


def setup(app):
    app.connect("config-inited", _add_footer)
    app.connect("builder-inited", _write_api)
    app.connect("builder-inited", _add_static)
    app.connect("build-finished", _nbdev_pages)
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
