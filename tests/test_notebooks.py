"""One test per notebook: execute it as the book does (nbdev directives honoured).

A cell with a figure caption (`#| fig-cap`) must show exactly one picture. Each notebook
must also keep its prose honest: every result its text quotes must appear in an executed
output (see tools/prose_numbers.py).
"""
import pytest
from conftest import ROOT
from prose_numbers import ALLOWED, unbacked_numbers
from jupyter_cache import get_cache
from nbdev_reader import read_nb
from run_nb import CACHE, execute

NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb")
                   if not p.name.startswith("_"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(nb):
    executed, secs = execute(nb)
    print(f"{nb.name}: {secs:.1f} s")
    # the book build must find this run in its cache rather than execute it again
    source = read_nb(nb.read_text(encoding="utf-8"))
    assert get_cache(str(CACHE)).match_cache_notebook(source)
    # index is the README's source: its figures are set-up facts (download sizes, times of
    # `make test`) measured outside any notebook, and it runs no code that could print them
    unbacked = [] if nb.stem == "index" else unbacked_numbers(executed, ALLOWED.get(nb.stem))
    assert not unbacked, f"results in the text that no output shows: {unbacked}"
    # a `#| fig-cap` cell must show exactly one picture: myst-nb captions every output
    for i, cell in enumerate(executed.cells):
        if "figure" not in cell.metadata.get("mystnb", {}): continue
        shown = [o for o in cell.outputs
                 if o.output_type in ("display_data", "execute_result")]
        assert len(shown) == 1 and any(k.startswith("image/") for k in shown[0].data), (
            f"cell {i} has a figure caption but shows {len(shown)} outputs "
            f"({[sorted(o.data) for o in shown]}), not one picture")
