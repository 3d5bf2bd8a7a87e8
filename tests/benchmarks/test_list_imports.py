"""``python -m benchmarks --list`` and a run without torch engines import neither torch nor JAX.

--list reports each engine's availability and version: the packages are found
(``importlib.util.find_spec``) and their installed versions read, not imported (torch and JAX
imports were 3.2 of --list's 3.8 s of CPU).  ``gpu_present`` asks torch only when a torch
engine of the run has imported it.  One subprocess (0.6 s of CPU), read by both tests here (the
listing's content had a ``python -m benchmarks --list`` run of its own in test_harness.py:
1.3 s of CPU; ``python -m benchmarks`` itself runs there end to end).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import engines

ROOT = Path(__file__).resolve().parents[2]

_CHILD = r'''
import contextlib, io, sys
from benchmarks import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    assert cli.main(["--list"]) == 0
print(out.getvalue())
print("GPU", cli.gpu_present()[1])
print("IMPORTED", "torch" in sys.modules, "jax" in sys.modules)
'''


#: Both tests read the one child of ``listing``: one xdist group, one worker, one run.
ONE_LISTING = pytest.mark.xdist_group("benchmarks-list")


@pytest.fixture(scope="module")
def listing() -> str:
    """The child's output: ``--list``'s, then the GPU answer and what it imported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    done = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, env=env, check=False,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@ONE_LISTING
def test_list_shows_engines_and_workloads(listing: str) -> None:
    for module in engines.ENGINE_MODULES:
        assert engines.load(module).NAME in listing
    assert "seed_static" in listing and "control_flow" in listing


@ONE_LISTING
def test_list_and_gpu_check_import_neither_torch_nor_jax(listing: str) -> None:
    assert "IMPORTED False False" in listing
    lines = listing.splitlines()
    for module, engine in (("torch", "torch"), ("jax", "jax")):
        row = next(s for s in lines if s.startswith(f"engine {engine} "))
        if importlib.util.find_spec(module) is None:
            assert row.endswith(f"{module} not installed")
        else:                                     # the version the import would report
            assert row.endswith("yes  " + importlib.metadata.version(module))
    if importlib.util.find_spec("torch") is not None:
        gpu = next(s for s in lines if s.startswith("GPU "))
        assert "no torch engine in this run" in gpu or gpu == "GPU numba.cuda sees a GPU"
