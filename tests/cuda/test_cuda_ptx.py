"""Every CUDA kernel compiles for a real GPU (sm_90) -- checked without a GPU when the CUDA
toolkit's NVVM/NVRTC libraries can be found (see ptx_check.py); skipped otherwise.

The simulator (which the rest of tests/cuda uses) runs kernels as Python and so never checks
that Numba can type and lower them for the device; this test does (about two minutes of one
core, so a pass is recorded per sources and versions: ``checked_key``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlcore.jitcache import cache_root

pytestmark = [pytest.mark.cuda, pytest.mark.slow]

SCRIPT = Path(__file__).with_name("ptx_check.py")
ROOT = Path(__file__).resolve().parents[2]


def checked_key() -> str:
    """What the check's outcome depends on: every source file of the core package (the
    kernels, the primitives they are generated from), the check itself, and the versions of
    Python, NumPy, Numba, numba-cuda, llvmlite and the CUDA toolkit's NVVM and NVRTC wheels."""
    from importlib import metadata
    h = hashlib.sha256()
    for path in sorted((ROOT / "dlcore").rglob("*.py")) + [SCRIPT]:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in ("numpy", "numba", "numba-cuda", "llvmlite", "nvidia-cuda-nvcc-cu12",
                 "nvidia-cuda-nvrtc-cu12"):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{dist}={version};".encode())
    h.update(sys.version.encode())
    return h.hexdigest()[:32]


def test_every_cuda_kernel_compiles_to_ptx_for_sm90():
    # Compiling every kernel takes about two minutes of one core; a check passed for the same
    # sources and versions (checked_key) is recorded in dlcore's cache folder and not run
    # again: a change to any file of dlcore/ runs it afresh, as does DLCORE_PTX_RECHECK=1.
    record = cache_root() / "ptx_check" / f"passed-{checked_key()}.txt"
    if record.is_file() and os.environ.get("DLCORE_PTX_RECHECK") != "1":
        assert record.read_text().strip().endswith("0 failure(s)")
        return
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    if proc.returncode == 77:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0, "\n".join(failed) or (proc.stdout[-3000:] + proc.stderr[-3000:])
    record.parent.mkdir(parents=True, exist_ok=True)
    part = record.with_name(f"{record.name}.{os.getpid()}.part")
    lines = proc.stdout.strip().splitlines()
    part.write_text(f"{len(lines) - 1} kernel(s) compiled for sm_90\n{lines[-1]}\n")
    os.replace(part, record)
