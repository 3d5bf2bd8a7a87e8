"""The teaching notebooks run top to bottom, in a fresh kernel, as part of the normal test run.

Each notebook in ``notebooks/`` is executed with nbclient in a new ``python3`` kernel whose working
directory is ``notebooks/``.  A failing cell fails the test with that cell's source and
traceback.  The kernel inherits this process's environment, so the CUDA simulator switched on by
``tests/conftest.py`` (``NUMBA_ENABLE_CUDASIM=1``) is on in the notebooks too, and the repository
root is put on ``PYTHONPATH`` so the notebooks import this checkout even when it is not installed.

A notebook that needs an optional package names it in its metadata
(``{"dlcore": {"requires": ["sklearn"]}}``) and is skipped where that package is missing.

The notebooks are committed *without outputs* (see ``notebooks/README.md``); a test keeps it so.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 300


def test_there_are_numbered_notebooks_and_a_readme():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]
    for p in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), p.name
    assert (NOTEBOOK_DIR / "README.md").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: cell {i} has outputs; notebooks are committed clean "
                f"(see notebooks/README.md)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    for module in nb.metadata.get("dlcore", {}).get("requires", []):
        pytest.importorskip(module, reason=f"{path.name} needs {module}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{err}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as err:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S} s\n{err}",
                    pytrace=False)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
