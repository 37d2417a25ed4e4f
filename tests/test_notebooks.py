"""One test per notebook: execute it as the book does (nbdev directives honoured) and cache it.

A cell with a figure caption (`#| fig-cap`) must show exactly one picture. Each notebook must also
keep its prose honest: every decimal number or percentage in its text must
appear in a code cell or an executed output (see tools/prose_numbers.py).
"""
import pytest
from conftest import ROOT
from prose_numbers import unbacked_numbers
from jupyter_cache import get_cache
from nbdev_reader import read_nb
from run_nb import CACHE, execute

NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(nb):
    executed, secs = execute(nb)
    print(f"{nb.name}: {secs:.1f} s")
    # the book build must find this run in its cache rather than execute the notebook again
    assert get_cache(str(CACHE)).match_cache_notebook(read_nb(nb.read_text(encoding="utf-8")))
    unbacked = unbacked_numbers(executed)
    assert not unbacked, f"numbers in the text that no output backs: {unbacked}"
    # a `#| fig-cap` cell must show exactly one picture: myst-nb captions every output of the cell
    for i, cell in enumerate(executed.cells):
        if "figure" not in cell.metadata.get("mystnb", {}): continue
        shown = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
        assert len(shown) == 1 and any(k.startswith("image/") for k in shown[0].data), \
            f"cell {i} has a figure caption but shows {len(shown)} outputs ({[sorted(o.data) for o in shown]}), not one picture"
