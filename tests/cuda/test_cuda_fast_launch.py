"""dlcore's short kernel-launch path (``dlcore.kernels.cuda._launch``): the arguments it passes
are Numba's own, byte for byte, and what it does not handle goes to Numba's path.

The launch itself needs a GPU (the suite's CUDA tests exercise it there, with
``DLCORE_TEST_REAL_GPU=1``); under the simulator kernels are not wrapped at all, which the
rest of the CUDA tests cover.  The comparison with Numba's ``_Kernel._prepare_args`` runs in a
process of its own with numba.cuda's real modules (``_fast_launch_probe.py``): device arrays
over fake device memory need no GPU."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = os.path.join(os.path.dirname(__file__), "_fast_launch_probe.py")


def test_short_path_passes_what_numba_passes_and_leaves_the_rest_to_numba():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    r = subprocess.run([sys.executable, PROBE], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok 17", r.stdout


def test_simulator_kernels_are_not_wrapped():
    from dlcore import cuda_simulator
    from dlcore.kernels.cuda import _launch
    from dlcore.kernels.cuda import _support as S
    if not cuda_simulator():
        pytest.skip("on a real GPU kernels are wrapped")
    from dlcore.kernels.cuda._kernels import fill
    assert not _launch.enabled()
    assert not _launch.set_enabled(True) and not _launch.enabled()   # (not possible here)
    assert S.fast(fill) is fill
    mod = S.load_source("ew_probe_unwrapped", "from numba import cuda\n\n\n"
                        "@cuda.jit\ndef kernel(out, n):\n    pass\n")
    assert not isinstance(mod, _launch.FastModule)


def test_real_gpu_kernels_are_wrapped_and_launch():
    """On a GPU (DLCORE_TEST_REAL_GPU=1): a generated module's kernel is a FastKernel, an
    elementwise op through it gives NumPy's values, switched off and on."""
    from dlcore import cuda_simulator
    if cuda_simulator():
        pytest.skip("needs a real GPU (DLCORE_TEST_REAL_GPU=1)")
    import numpy as np
    from numba import cuda

    from dlcore.kernels.cuda import _launch
    from dlcore.kernels.cuda.elementwise import run_elementwise
    before = _launch.set_enabled(True)
    if not _launch.enabled():
        pytest.skip("the short path is not possible here (more than one visible GPU)")
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    dx = cuda.to_device(x)
    for on in (True, False, True):
        _launch.set_enabled(on)
        out = run_elementwise("probe_add", "x0 * 2.0 + x1", [dx, np.float32(1.5)], (3, 4),
                              np.float32)
        np.testing.assert_array_equal(out.copy_to_host(), x * 2 + 1.5)
    _launch.set_enabled(before)


def test_launch_args_benchmark_prints_both_paths():
    """``python -m benchmarks.launch_args`` runs without a GPU (its own process, numba.cuda's
    real modules) and reports both paths' cost per launch (times are not asserted)."""
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, "-m", "benchmarks.launch_args", "--launches", "50",
                        "--rounds", "1"], cwd=root, env=dict(os.environ), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = re.findall(r"^\| (numba\.cuda|dlcore's short path)[^|]*\| ([0-9.]+) \|$", r.stdout,
                      re.M)
    assert [name for name, _ in rows] == ["numba.cuda", "dlcore's short path"], r.stdout
    assert all(float(us) > 0 for _, us in rows)
