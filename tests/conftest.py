"""Test-suite set-up.

Numba's CUDA simulator must be switched on before numba is first imported, so it is done here,
at the top of the first file pytest loads.  On a machine with a real NVIDIA GPU, set
``DLCORE_TEST_REAL_GPU=1`` to run the CUDA tests on the device instead.
"""

import os

if os.environ.get("DLCORE_TEST_REAL_GPU") != "1":
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")


import pytest  # noqa: E402 - after the simulator switch above


@pytest.hookimpl(optionalhook=True)             # a hook of pytest-xdist, absent without it
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the README's test command): one worker per core this process may run on,
    at most 8.  Each worker imports both front ends and compiles its own kernels (about 1 GB at
    its peak, in the op table's static chunks), so more workers buy little and cost memory."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:                       # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))
