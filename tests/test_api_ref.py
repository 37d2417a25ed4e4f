"""The book's API reference (tools/api_ref.py): a page per module, every public symbol on it, with its
signature and documented parameters, linked to the chapter that defines it and back."""

import importlib
import inspect
import json
import pkgutil
import re
from functools import cache

import pytest
import yaml
from conftest import ROOT
from fastcore.docments import docments

import api_ref

PUBLIC = [
    m.name
    for m in pkgutil.iter_modules([str(ROOT / "cnn_course")])
    if not m.name.startswith("_")
]
DIRECTIVE = re.compile(
    r"^`{3,}\{py:(function|class|exception|data|method|property)\} (\w+)(.*)$", re.M
)


def _module(name):
    return importlib.import_module(f"cnn_course.{name}")


@cache
def _page(name):
    return api_ref.render(name)


def test_a_page_per_module():
    "Every module with an `__all__` gets a page: a new module appears in the book by itself."
    api_ref.modules()  # puts this checkout first on sys.path
    assert api_ref.modules() == sorted(
        m for m in PUBLIC if getattr(_module(m), "__all__", None)
    )


@pytest.mark.parametrize("name", api_ref.modules())
def test_every_public_symbol_documented(name):
    mod, page = _module(name), _page(name)
    top = [
        s
        for kind, s, _ in DIRECTIVE.findall(page)
        if kind not in ("method", "property")
    ]
    missing = [
        s
        for s in mod.__all__
        if s not in top and not re.search(rf"^`{s}` comes from", page, re.M)
    ]
    assert not missing, (
        f"public symbols of cnn_course.{name} missing from its API page: {missing}"
    )
    assert len(top) == len(set(top)), "a symbol is documented twice"


@pytest.mark.parametrize("name", api_ref.modules())
def test_documented_parameters_and_signatures(name):
    "Each parameter with an inline comment (docments) is listed; defaults read as in the source."
    mod, page = _module(name), _page(name)
    for sym in mod.__all__:
        obj = getattr(mod, sym)
        if not callable(obj) or (
            inspect.isclass(obj) and issubclass(obj, BaseException)
        ):
            continue
        block = page.split(f"}} {sym}", 1)[1].split("\nDefined in ", 1)[0]
        documented = [
            p
            for p, d in docments(obj, args_kwargs=True).items()
            if d and p not in ("self", "return")
        ]
        unlisted = [p for p in documented if f":param {p}: " not in block]
        assert not unlisted, (
            f"{sym}: parameters with a docment that the page does not list: {unlisted}"
        )
    sigs = [rest for *_, rest in DIRECTIVE.findall(page)]
    assert not [s for s in sigs if re.search(r"<[\w.]+ .*>|at 0x", s)], (
        "a default shown as an object repr"
    )


def _top_level_split(arglist: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in arglist:
        depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()]


def test_signatures_fit_the_code_column():
    "The book's code column shows about 75 characters: a long signature gets a line per parameter."
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    limit = config["python_maximum_signature_line_length"]
    assert limit + len("class ") <= 75
    for name in api_ref.modules():
        for kind, sym, rest in DIRECTIVE.findall(_page(name)):
            if not rest.startswith("("):
                continue
            arglist = rest[1 : rest.rindex(")")]
            long = [
                a for a in _top_level_split(arglist) if len(a) > 75 - 4 - 1
            ]  # indented, comma
            assert not long, (
                f"cnn_course.{name}.{sym}: parameters too long for one line: {long}"
            )


def test_signature_details():
    train, data = _page("train"), _page("data")
    # a method fastcore's `@patch` adds to `Learner` is documented with the class
    assert (
        "{py:method} fit_one_cycle(epochs: int | None = None, "
        "lr_max: float | Sequence[float] = 1e-3" in train
    )
    assert ":param kwargs: more `one_cycle` settings" in train  # the `**kwargs` comment
    assert ":param dl: (images, labels) batches" in train
    assert ":returns: mean loss, accuracy" in train  # the return's comment
    assert (
        "{py:exception} DataUnavailable" in data
        and "{py:class} ImageSplit(x_train: torch.Tensor" in data
    )
    assert ":param start: (h, w) input coordinate" in _page(
        "receptive"
    )  # NamedTuple fields
    assert "C\\*kH\\*kW" in _page("conv"), (
        "`*` in a docment must not turn into emphasis"
    )


@pytest.mark.parametrize("name", api_ref.modules())
def test_links_between_chapters_and_pages(name):
    "Each symbol links to a section of a chapter that writes the module; each such chapter links back."
    page, chapters = _page(name), api_ref.exported_by(name)
    assert chapters, f"no notebook writes cnn_course.{name}"
    blocks = re.split(
        r"^`{3,}\{py:(?:function|class|exception|data)\} ", page, flags=re.M
    )[1:]
    for b in blocks:
        m = re.search(r"Defined in \[[^]]+\]\(\.\./nbs/([\w.]+\.ipynb)(#[\w-]+)?\)", b)
        assert m and m.group(1) in chapters, (
            f"no chapter link for {b.split(chr(10))[0]}"
        )
    for nb in chapters:
        md = "".join(
            "".join(c["source"])
            for c in json.loads((ROOT / "nbs" / nb).read_text())["cells"]
            if c["cell_type"] == "markdown"
        )
        assert f"](../api/{name}.md)" in md, (
            f"{nb} writes cnn_course.{name} but does not link its API page"
        )


def test_write_pages(tmp_path):
    "Pages are written once, rewritten only when they change, and pages of removed modules go."
    (tmp_path / "gone.md").write_text("a module that no longer exists")
    written = api_ref.write_pages(tmp_path)
    assert {p.name for p in tmp_path.glob("*.md")} == {
        f"{m}.md" for m in api_ref.modules()
    }
    assert tmp_path / "gone.md" in written
    assert api_ref.write_pages(tmp_path) == [], (
        "a second run must change nothing (deterministic)"
    )
