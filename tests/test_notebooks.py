"""One test per notebook: execute it as the book does (nbdev directives honoured) and cache it."""
import pytest
from conftest import ROOT
from run_nb import execute

NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(nb):
    secs = execute(nb)
    print(f"{nb.name}: {secs:.1f} s")
