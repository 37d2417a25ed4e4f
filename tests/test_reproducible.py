"""Seeds make training reproducible: a chapter run twice prints the same accuracies.

Chapter 11 trains a CNN on the full Fashion-MNIST with fastai (seeded with `set_seed(42,
reproducible=True)`). The first run is the one `test_notebooks.py` stored in the book's
cache (or a fresh run when this test runs alone); the second is a new execution. Every
accuracy the chapter prints must agree within half a percentage point between the two.

Chapter 8's final training takes minutes and chapter 10 reruns its own rows; chapter 8's code
is rerun here on a few thousand images (see below).
"""
import re

from conftest import ROOT
from jupyter_cache import get_cache
from nbdev_reader import read_nb
from run_nb import CACHE, execute

CHAPTER = ROOT / "nbs" / "11_interpretation.ipynb"
TOLERANCE = 0.005  # half a percentage point


def printed_accuracies(nb) -> list[float]:
    "Every number like 0.9008 on a printed line that mentions accuracy, in order."
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return [float(v) for line in text.splitlines() if "accuracy" in line.lower()
            for v in re.findall(r"(?<![\d.,])[01]\.\d{3,}\b", line)]


def test_training_chapter_reruns_agree():
    cache = get_cache(str(CACHE))
    record = cache.match_cache_notebook(read_nb(CHAPTER.read_text(encoding="utf-8")))
    first = (cache.get_cache_bundle(record.pk).nb if record
             else execute(CHAPTER, cache=None)[0])
    second, _ = execute(CHAPTER, cache=None)
    a, b = printed_accuracies(first), printed_accuracies(second)
    assert a, "the chapter printed no accuracy"
    assert len(a) == len(b), (a, b)
    spread = max(abs(x - y) for x, y in zip(a, b))
    print(f"accuracies, first run {a}, second run {b}: largest difference {spread:.4f}")
    assert spread <= TOLERANCE, \
        f"reruns differ by {spread:.4f} (> {TOLERANCE}): {a} vs {b}"


# --- chapter 8's final training, as a short run of the chapter's own code ---

CHAPTER8 = ROOT / "nbs" / "08_resnets.ipynb"


def _chapter_cell(cells, marker: str) -> str:
    "The source of the one code cell of chapter 8 that contains `marker`."
    found = [c.source for c in cells if c.cell_type == "code" and marker in c.source]
    assert len(found) == 1, f"chapter 8 has {len(found)} code cells with {marker!r}"
    return found[0]


def _short_final_training(cells, n_train: int, n_test: int) -> dict:
    """Chapter 8's recipe and final-training cell, run on the first `n_train` training and
    `n_test` test images in a fresh namespace: the chapter's library code (cnn_course.models,
    which tests/test_sync.py keeps equal to its exported cells), its imports, `device`,
    normalisation, `recipe_learner` and `accuracy`, then its final cell as written."""
    ns: dict = {}
    exec("import torch\nfrom cnn_course.models import *", ns)  # its exported code
    for marker in ("from cnn_course.layers import dry_run", "from cnn_course.train import",
                   "device = default_device()",
                   "def recipe_learner("):
        exec(_chapter_cell(cells, marker), ns)
    data = ns["fashion_mnist"]()
    mean, std = data.x_train.mean().item(), data.x_train.std().item()
    ns.update(x_train=(data.x_train[:n_train] - mean) / std, y_train=data.y_train[:n_train],
              x_valid=(data.x_valid[:n_test] - mean) / std, y_valid=data.y_valid[:n_test])
    exec(_chapter_cell(cells, "learn.fit_one_cycle(EPOCHS"), ns)
    return {k: ns[k] for k in ("acc", "acc_tta")}


def test_chapter8_final_training_reruns_agree():
    """Chapter 8 says a rerun with its seed gives nearly the same numbers. Its final training
    takes minutes, so its code runs here on 6,144 images (24 steps of 256) and 2,000 test
    images, twice: the accuracies agree within half a point, the tolerance of chapter 11's
    rerun test (exactly, on one machine in float32)."""
    import nbformat
    cells = nbformat.read(CHAPTER8, as_version=4).cells
    first = _short_final_training(cells, 6144, 2000)
    second = _short_final_training(cells, 6144, 2000)
    print(f"chapter 8's final training, short: first run {first}, second run {second}")
    assert first["acc"] > 0.4, first  # it learnt something: guessing scores 0.1
    for k in first:
        assert abs(first[k] - second[k]) <= TOLERANCE, (k, first, second)
