"""How the library is put together: one home per name, and imports that flow one way."""
import ast
import importlib
from collections import defaultdict

from conftest import ROOT

from cnn_course._modidx import d


def _exported_names() -> dict:
    "Top-level name -> modules defining it, from `_modidx` (private too) and `__all__`."
    where = defaultdict(set)
    for mod, syms in d["syms"].items():
        for full in syms:
            where[full[len(mod) + 1:].split(".")[0]].add(mod)
        for name in getattr(importlib.import_module(mod), "__all__", []):
            where[name].add(mod)
    return where


def test_no_name_exported_twice():
    twice = {n: sorted(m) for n, m in _exported_names().items() if len(m) > 1}
    assert not twice, f"names defined by two modules (keep one, import it): {twice}"


def _imports(path) -> set[str]:
    "The cnn_course modules that the module at `path` imports."
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level: out.add(mod.split(".")[0])
            elif mod.startswith("cnn_course."): out.add(mod.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names
                    if a.name.startswith("cnn_course.")}
    return out


def test_nothing_imports_widgets():
    "Widgets are a shell for readers: the library core must work without ipywidgets."
    users = sorted(p.stem for p in (ROOT / "cnn_course").glob("*.py")
                   if p.stem != "widgets" and "widgets" in _imports(p))
    assert not users, f"modules importing widgets: {users}"


def test_utils_imports_nothing_of_the_library():
    "utils is at the bottom: every module may use it, it uses none of them."
    assert _imports(ROOT / "cnn_course" / "utils.py") == set()


def test_recompute_bn_stats_weights_batches_equally():
    """With `momentum=None` batch norm averages the batch statistics with equal weights.

    Ten images in batches of 4, 4 and 2: the recomputed running mean is the mean of the three
    batch means, not the mean over the ten images, and the running variance the mean of the
    three unbiased batch variances. Chapter 10 says so; this is the check with unequal batches.
    """
    import torch
    from torch import nn

    from cnn_course.transfer import recompute_bn_stats

    torch.manual_seed(0)
    x = torch.randn(10, 3, 2, 2) * torch.arange(1, 11).view(10, 1, 1, 1)  # batches differ
    model = nn.Sequential(nn.BatchNorm2d(3))
    model[0].momentum = 0.3
    recompute_bn_stats(model, x, bs=4)
    batches = [x[0:4], x[4:8], x[8:10]]
    means = torch.stack([b.mean(dim=(0, 2, 3)) for b in batches])
    varis = torch.stack([b.var(dim=(0, 2, 3), unbiased=True) for b in batches])
    bn = model[0]
    torch.testing.assert_close(bn.running_mean, means.mean(0))
    torch.testing.assert_close(bn.running_var, varis.mean(0))
    image_mean = x.mean(dim=(0, 2, 3))
    assert (bn.running_mean - image_mean).abs().max() > 1e-3  # not the same thing here
    assert bn.momentum == 0.3 and not bn.training  # restored, in evaluation mode
