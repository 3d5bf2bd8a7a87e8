"""The harness is not an installed package (the wheel leaves ``benchmarks/`` out): it runs from
the repository, so its tests put the repository root first on ``sys.path``, as
``python -m benchmarks`` does from there."""

import gc
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture
def frozen_worker_heap():
    """For a test that runs the harness's measuring loop in the test process: the worker's own
    objects (every module and object of the suite so far, a million and more) are frozen first
    (``gc.freeze``), so the full collection the harness makes before it samples
    (``runner._frozen_heap``) scans what the test made, as in a ``python -m benchmarks``
    process, not the whole worker.  tests/conftest.py freezes the heap at each module's first
    test, but the harness's loop ends with ``gc.unfreeze()``: the next such test of the module
    paid a full collection (test_harness: 1.4 s each for the second and third in a suite run;
    0.31 s against 0.006 s frozen with a million objects alive).  The harness unfreezes at the
    end of its loop; so does this."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
