"""numba-cuda's CUDA array lowering imports on a NumPy without ``row_stack`` (NumPy 2.5).

numba-cuda 0.30.4's ``numba.cuda.np.arrayobj`` (imported at the first kernel compile on a real
GPU) runs ``overload(np.row_stack)``; NumPy 2.5 removed that name, so on an H200 with NumPy 2.5.2
every CUDA compile raised ``AttributeError: module 'numpy' has no attribute 'row_stack'``.
dlcore's import guard lends the name for that import only (dlcore/_import_guard.py).  Each check
runs in a fresh interpreter with the name deleted from NumPy, as NumPy 2.5 has it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import importlib, os
import numpy as np
os.environ["NUMBA_ENABLE_CUDASIM"] = "0"      # the real target's modules, no GPU needed
{setup}
if "row_stack" in np.__dict__:
    del np.row_stack                           # as NumPy 2.5
importlib.import_module("numba.cuda.np.arrayobj")
print("imported", "row_stack" in np.__dict__)
"""


def _run(setup: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT),
                                                       os.environ.get("PYTHONPATH", "")]))
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    return subprocess.run([sys.executable, "-c", PROGRAM.format(setup=setup)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def arrayobj_present() -> None:
    import importlib.util
    if importlib.util.find_spec("numba_cuda") is None:
        pytest.skip("numba-cuda is not installed")


def test_the_cuda_array_lowering_imports_without_row_stack_and_numpy_is_left_as_it_was(
        arrayobj_present) -> None:
    proc = _run("import dlcore")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["imported", "False"]      # the lent name was taken back


def test_without_dlcore_the_same_import_fails_so_the_check_above_can_fail(
        arrayobj_present) -> None:
    proc = _run("")
    if proc.returncode == 0:
        pytest.skip("this numba-cuda no longer names np.row_stack")
    assert "has no attribute 'row_stack'" in proc.stderr


def test_the_stand_in_raises_if_called_and_is_never_left_behind() -> None:
    from dlcore import _import_guard as guard
    import numpy as np
    had = np.__dict__.pop("row_stack", None)
    try:
        lent = guard._lend_numpy_names("numba.cuda.np.arrayobj")
        assert lent == ["row_stack"]
        with pytest.raises(AttributeError, match="numpy.row_stack was removed"):
            np.row_stack([np.zeros(2)])
        guard._take_back(lent)
        assert "row_stack" not in np.__dict__
        assert guard._lend_numpy_names("numba.core.types") == []
    finally:
        if had is not None:
            np.row_stack = had
