"""Seeds make training reproducible: a chapter run twice prints the same accuracies.

Chapter 11 trains a CNN on the full Fashion-MNIST with fastai (seeded with `set_seed(42,
reproducible=True)`). The first run is the one `test_notebooks.py` stored in the book's
cache (or a fresh run when this test runs alone); the second is a new execution. Every
accuracy the chapter prints must agree within half a percentage point between the two.
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
