"""Generate the book's API reference from the code: one MyST page per module of `cnn_course`.

Usage: python tools/api_ref.py [DEST]    (default: api/ in the repository; the book build runs it)

The pages are written when the book is built (see `book_ext.py`) into `api/`, which git ignores,
so the reference always describes the code it is built with. For every name in a module's
`__all__`, in order, a page gives
- its signature, with annotations and defaults as written in the source;
- its docstring (Markdown, as nbdev writes them);
- its parameters documented by inline comments, read by fastcore's `docments`, as nbdev does;
- a link to the section of the chapter whose cell defines it, found from the `# %% ../nbs/...`
  cell markers that nbdev writes into every module (the source of its `_modidx.py`).
A module's page also names every chapter that writes into it.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import io
import json
import pkgutil
import re
import sys
import tokenize
import typing
from functools import cache
from pathlib import Path

import yaml
from fastcore.docments import docments

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cnn_course"
MARKER = re.compile(
    r"^# %% (\S+\.ipynb) #(\S+)"
)  # nbdev's cell marker: notebook, cell id

__all__ = ["modules", "render", "write_pages", "exported_by"]


def _import(name: str):
    "Module `name` of this checkout's package (not another installed copy)."
    if sys.path[0] != str(ROOT):
        sys.path.insert(0, str(ROOT))
    mod = importlib.import_module(name)
    if not Path(mod.__file__).resolve().is_relative_to(ROOT / PACKAGE):
        raise RuntimeError(
            f"{name} was imported from {mod.__file__}, not from {ROOT / PACKAGE}: "
            f"run from a fresh interpreter, or put {ROOT} first on PYTHONPATH"
        )
    return mod


def modules() -> list[str]:
    "Short names of the package's modules that have a public API (a non-empty `__all__`)."
    pkg = _import(PACKAGE)
    names = sorted(
        m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")
    )
    return [n for n in names if getattr(_import(f"{PACKAGE}.{n}"), "__all__", None)]


# ---- where each piece of a module comes from ----------------------------------------------------


@cache
def _module_source(name: str) -> tuple[str, ast.Module, dict[int, str]]:
    "Source text, syntax tree and comments (line -> text) of module `name`."
    text = Path(_import(f"{PACKAGE}.{name}").__file__).read_text(encoding="utf-8")
    comments = {
        t.start[0]: t.string.lstrip("#").strip()
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type == tokenize.COMMENT
    }
    return text, ast.parse(text), comments


def _written(name: str, node: ast.expr) -> str:
    "Expression `node` of module `name` as written in the source (normalised if it spans lines)."
    seg = ast.get_source_segment(_module_source(name)[0], node)
    return seg if seg and "\n" not in seg else ast.unparse(node)


def _cell_at(name: str, line: int) -> tuple[str, str] | None:
    "(notebook path relative to the repository, cell id) of the exported cell holding `line`."
    lines = _module_source(name)[0].splitlines()
    for ln in range(line, 0, -1):
        if lines[ln - 1].startswith("# %% "):
            m = MARKER.match(lines[ln - 1])
            return (Path(m.group(1)).name, m.group(2)) if m else None
    return None


def exported_by(name: str) -> list[str]:
    "File names of the notebooks that write into module `name`, in reading order."
    lines = _module_source(name)[0].splitlines()
    return sorted({Path(m.group(1)).name for ln in lines if (m := MARKER.match(ln))})


def _definitions(name: str) -> dict[str, ast.stmt]:
    "Top-level statements of module `name` that define each name."
    _, tree, _ = _module_source(name)
    defs = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        defs[n.id] = node
    return defs


@cache
def _chapter(nb_name: str) -> tuple[str, dict[str, tuple[str, str]]]:
    "Title of chapter `nb_name`, and cell id -> (heading, anchor) of the section holding that cell."
    from markdown_it.renderer import RendererHTML
    from markdown_it.tree import SyntaxTreeNode
    from myst_parser.config.main import MdParserConfig
    from myst_parser.mdit_to_docutils.base import compute_unique_slug
    from myst_parser.parsers.mdit import create_md_parser

    exts = yaml.safe_load((ROOT / "_config.yml").read_text())["parse"][
        "myst_enable_extensions"
    ]
    md = create_md_parser(MdParserConfig(enable_extensions=exts), RendererHTML)
    cells = json.loads((ROOT / "nbs" / nb_name).read_text(encoding="utf-8"))["cells"]
    title, section, slugs, where = nb_name, ("", ""), set(), {}
    for cell in cells:
        if cell["cell_type"] == "markdown":
            tree = SyntaxTreeNode(md.parse("".join(cell["source"])))
            for node in tree.walk():
                if node.type != "heading":
                    continue
                text = "".join(
                    c.content if c.type == "text" else f"`{c.content}`"
                    for c in node.children[0].children
                    if c.type in ("text", "code_inline")
                )
                if node.tag == "h1" and title == nb_name:
                    title = text
                slug = compute_unique_slug(
                    node, slugs
                )  # as MyST does (myst_heading_anchors)
                slugs.add(slug)
                if node.tag in ("h2", "h3"):
                    section = (text, slug)
        where[cell.get("id")] = section
    return title, where


def _chapter_link(name: str, line: int) -> str:
    "Markdown link to the chapter section whose cell defines line `line` of module `name`."
    origin = _cell_at(name, line)
    if origin is None:
        return ""
    nb, cell_id = origin
    title, where = _chapter(nb)
    heading, slug = where.get(cell_id, ("", ""))
    if not slug:
        return f"[{title}](../nbs/{nb})"
    return f"[{title}: {heading}](../nbs/{nb}#{slug})"


# ---- signatures ---------------------------------------------------------------------------------


def _ast_params(name: str, node) -> dict[str, tuple[str | None, str | None]]:
    "Parameter name -> (annotation, default) as written, for a function or a dataclass-like class."
    if isinstance(node, ast.ClassDef):
        init = next(
            (
                n
                for n in node.body
                if isinstance(n, ast.FunctionDef) and n.name == "__init__"
            ),
            None,
        )
        if init is None:  # fields of a dataclass or NamedTuple
            return {
                n.target.id: (
                    _written(name, n.annotation),
                    _field_default(name, n.value),
                )
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
        node = init
    a = node.args
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + a.defaults + a.kw_defaults
    args = pos + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]
    return {
        x.arg: (x.annotation and _written(name, x.annotation), d and _written(name, d))
        for x, d in zip(args, defaults + [None, None])
    }


def _field_default(name: str, value) -> str | None:
    "Source of a class field's default: `x: int = 3` -> '3', `x: int = field(default=3)` -> '3'."
    if value is None:
        return None
    if isinstance(value, ast.Call) and ast.unparse(value.func) in (
        "field",
        "dataclasses.field",
    ):
        return next(
            (_written(name, k.value) for k in value.keywords if k.arg == "default"),
            None,
        )
    return _written(name, value)


def _anno(a) -> str:
    if isinstance(a, str):
        return a
    if isinstance(a, typing.ForwardRef):
        return a.__forward_arg__
    return inspect.formatannotation(a)


def _signature(name: str, obj, node, method: bool = False) -> str:
    "`(params) -> ret` of function or class `obj`, with annotations and defaults as in the source."
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    written = _ast_params(name, node) if node is not None else {}
    parts, star_done, slash_due = [], False, False
    P = inspect.Parameter
    for p in list(sig.parameters.values())[1 if method else 0 :]:
        if slash_due and p.kind != P.POSITIONAL_ONLY:
            parts.append("/")
            slash_due = False
        if p.kind == P.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        anno, default = written.get(p.name, (None, None))
        if anno is None and p.annotation is not P.empty:
            anno = _anno(p.annotation)
        if p.default is P.empty:
            default = None
        elif default is None:
            default = repr(p.default)
        s = {P.VAR_POSITIONAL: "*", P.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.kind == P.VAR_POSITIONAL:
            star_done = True
        if anno:
            s += f": {anno}"
        if default is not None:
            s += f" = {default}" if anno else f"={default}"
        parts.append(s)
        slash_due = p.kind == P.POSITIONAL_ONLY
    if slash_due:
        parts.append("/")
    ret = ""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
        ret = f" -> {_written(name, node.returns)}"
    return f"({', '.join(parts)}){ret}"


# ---- documentation ------------------------------------------------------------------------------


def _own_doc(obj) -> str:
    "`obj`'s own docstring (a class's, not one it inherits or that dataclasses makes up)."
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__
    if (
        inspect.isclass(obj)
        and doc
        and re.fullmatch(rf"{obj.__name__}\(.*\)", doc.strip())
    ):
        doc = None
    return _md(inspect.cleandoc(doc or ""))


def _param_docs(name: str, obj, node) -> dict[str, str]:
    "Parameter (and 'return') -> inline comment, as fastcore's `docments` reads them."
    if (
        inspect.isclass(obj) and issubclass(obj, tuple) and hasattr(obj, "_fields")
    ):  # NamedTuple
        _, _, comments = _module_source(
            name
        )  # docments does not read NamedTuple fields: same rule
        return {
            n.target.id: comments[n.lineno]
            for n in node.body
            if isinstance(n, ast.AnnAssign)
            and isinstance(n.target, ast.Name)
            and n.lineno in comments
        }
    if (
        inspect.isclass(obj)
        and "__init__" not in vars(obj)
        and not dataclasses.is_dataclass(obj)
    ):
        return {}
    try:
        found = docments(obj, args_kwargs=True)
    except (OSError, TypeError, SyntaxError):
        return {}
    return {k: v for k, v in found.items() if v and k != "self"}


def _md(text: str) -> str:
    "Docstring or comment text as Markdown: `*` and `$` outside code spans are arithmetic, not markup."
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(
        p if p.startswith("`") else re.sub(r"([*$])", r"\\\1", p) for p in parts
    )


def _fields(docs: dict[str, str]) -> list[str]:
    "MyST field list of documented parameters and return value."
    out = [
        f":param {k}: {_md(' '.join(v.split()))}"
        for k, v in docs.items()
        if k != "return"
    ]
    if docs.get("return"):
        out.append(f":returns: {_md(' '.join(docs['return'].split()))}")
    return out


def _directive(
    kind: str, sig: str, options: dict, body: list[str], depth: int = 0
) -> list[str]:
    "A MyST directive of the Python domain (`depth`: how many directives it holds, nested)."
    fence = "`" * (3 + depth)
    opts = [f":{k}: {v}" for k, v in options.items()]
    return [f"{fence}{{py:{kind}}} {sig}", *opts, "", *body, fence, ""]


def _defined_in(name: str, line: int) -> list[str]:
    link = _chapter_link(name, line)
    return [f"Defined in {link}.", ""] if link else []


def _describe_data(name: str, sym: str, obj, node) -> list[str]:
    "A constant: its value as written if short, else its type; the comment on its line."
    _, _, comments = _module_source(name)
    doc = _md(comments.get(node.lineno) or comments.get(node.end_lineno, ""))
    value = (
        _written(name, node.value) if getattr(node, "value", None) is not None else ""
    )
    opts = {"module": f"{PACKAGE}.{name}"}
    if value and len(sym) + 3 + len(value) <= 75:
        opts["value"] = value
    else:
        opts["type"] = type(obj).__name__
    return _directive(
        "data", sym, opts, ([doc, ""] if doc else []) + _defined_in(name, node.lineno)
    )


def _patched(name: str, cls_name: str) -> dict[str, ast.FunctionDef]:
    "Functions of module `name` that fastcore's `@patch` adds to class `cls_name`."
    _, tree, _ = _module_source(name)
    out = {}
    for n in tree.body:
        if not isinstance(n, ast.FunctionDef) or not n.args.args:
            continue
        patched = any(
            isinstance(d, ast.Name) and d.id == "patch" for d in n.decorator_list
        )
        anno = n.args.args[0].annotation
        if patched and isinstance(anno, ast.Name) and anno.id == cls_name:
            out[n.name] = n
    return out


def _describe_methods(name: str, cls, node) -> list[str]:
    "Public methods and properties defined in class `cls` itself."
    out = []
    bodies = {
        n.name: n
        for n in node.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    bodies.update(_patched(name, cls.__name__))
    for k, v in vars(cls).items():
        if k.startswith("_") or k not in bodies:
            continue
        opts = {"module": f"{PACKAGE}.{name}"}
        if isinstance(
            v, property
        ):  # documented by its docstring, else by the comment on its line
            f = bodies[k]
            if f.returns:
                opts["type"] = _written(name, f.returns)
            doc = _own_doc(v.fget) or _md(
                _param_docs(name, v.fget, f).get("return", "")
            )
            out += _directive("property", k, opts, [doc])
            continue
        fn = v.__func__ if isinstance(v, (staticmethod, classmethod)) else v
        if not inspect.isfunction(fn):
            continue
        if isinstance(v, staticmethod):
            opts["staticmethod"] = ""
        if isinstance(v, classmethod):
            opts["classmethod"] = ""
        sig = _signature(name, fn, bodies[k], method=not isinstance(v, staticmethod))
        docs = _fields(_param_docs(name, fn, bodies[k]))
        out += _directive("method", k + sig, opts, [_own_doc(fn), "", *docs])
    return out


def _describe(name: str, sym: str) -> list[str]:
    mod = _import(f"{PACKAGE}.{name}")
    obj, node = getattr(mod, sym), _definitions(name).get(sym)
    if node is None:  # defined in another module: say where, document it there
        home = getattr(obj, "__module__", None) or "another module"
        return [f"`{sym}` comes from {{py:obj}}`{home}.{sym}`.", ""]
    if not callable(obj) or isinstance(node, (ast.Assign, ast.AnnAssign)):
        return _describe_data(name, sym, obj, node)
    kind = "function"
    if inspect.isclass(obj):
        kind = "exception" if issubclass(obj, BaseException) else "class"
    sig = "" if kind == "exception" else _signature(name, obj, node)
    body = [
        _own_doc(obj),
        "",
        *_fields(_param_docs(name, obj, node)),
        "",
    ] + _defined_in(name, node.lineno)
    if inspect.isclass(obj):
        body += _describe_methods(name, obj, node)
    opts = {"module": f"{PACKAGE}.{name}"}
    return _directive(
        kind, sym + sig, opts, body, depth=1 if inspect.isclass(obj) else 0
    )


def render(name: str) -> str:
    "The MyST page of module `name` (short name, such as 'conv')."
    mod = _import(f"{PACKAGE}.{name}")
    chapters = [f"[{_chapter(nb)[0]}](../nbs/{nb})" for nb in exported_by(name)]
    out = [
        f"<!-- Generated by tools/api_ref.py from {PACKAGE}/{name}.py: edit the notebooks. -->",
        f"# `{PACKAGE}.{name}`",
        "",
        f"```{{py:module}} {PACKAGE}.{name}",
        "```",
        "",
        inspect.cleandoc(mod.__doc__ or ""),
        "",
    ]
    if chapters:
        written = (
            ", ".join(chapters[:-1]) + " and " + chapters[-1]
            if len(chapters) > 1
            else chapters[0]
        )
        out += [f"Written in {written}.", ""]
    for sym in mod.__all__:
        out += _describe(name, sym)
    return "\n".join(out).rstrip() + "\n"


def write_pages(dest: Path = ROOT / "api") -> list[Path]:
    "Write one page per module into `dest`, remove pages of modules that are gone; return the changed."
    dest.mkdir(parents=True, exist_ok=True)
    pages = {dest / f"{m}.md": render(m) for m in modules()}
    changed = [
        p
        for p, text in pages.items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    for p in changed:
        p.write_text(pages[p], encoding="utf-8")
    for p in set(dest.glob("*.md")) - set(pages):
        p.unlink()
        changed.append(p)
    return changed


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "api"
    print("\n".join(str(p) for p in write_pages(out)) or "api pages up to date")
