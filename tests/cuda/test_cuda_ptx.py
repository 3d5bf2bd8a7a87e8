"""Every CUDA kernel compiles for a real GPU (sm_90) -- checked without a GPU when the CUDA
toolkit's NVVM/NVRTC libraries can be found (see ptx_check.py); skipped otherwise.

The simulator (which the rest of tests/cuda uses) runs kernels as Python and so never checks
that Numba can type and lower them for the device; this test does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.cuda, pytest.mark.slow]

SCRIPT = Path(__file__).with_name("ptx_check.py")
ROOT = Path(__file__).resolve().parents[2]


def test_every_cuda_kernel_compiles_to_ptx_for_sm90():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    if proc.returncode == 77:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0, "\n".join(failed) or (proc.stdout[-3000:] + proc.stderr[-3000:])
