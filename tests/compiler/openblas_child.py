"""Run a test file's kernel tests in a child process where OpenBLAS picks its own kernels.

This project's CI machine sets ``OPENBLAS_CORETYPE=Haswell`` on an AVX-512 CPU, which keeps
OpenBLAS's unpacked SkylakeX kernel (``gemm_direct``, ``gemm_in_numba``) away from the test
process; the tests that need it then run again in a child without that setting.  The child is
asked first whether the kernel is usable there (``probe``: an expression printing True/False):
an AVX-512 CPU whose OpenBLAS names its kernels otherwise (cooperlake, sapphirerapids ...), a
NumPy on another BLAS, or an OpenBLAS without the symbol skips instead of failing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_without_coretype(test_file: str, usable_here: bool, probe: str, skip_k: str) -> None:
    """Skip unless only OPENBLAS_CORETYPE keeps the kernel away; else run ``test_file`` (minus
    the tests matching ``skip_k``) in a child without it and require every test to run."""
    if usable_here:
        pytest.skip("the kernel is usable here: the tests above ran in this process")
    if "OPENBLAS_CORETYPE" not in os.environ:
        pytest.skip("NumPy's OpenBLAS chose kernels other than SkylakeX by itself")
    try:
        with open("/proc/cpuinfo") as f:
            if "avx512f" not in f.read():
                pytest.skip("no AVX-512 on this CPU")
    except OSError:
        pytest.skip("no /proc/cpuinfo")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    asked = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, timeout=300)
    if asked.returncode != 0 or asked.stdout.strip().splitlines()[-1:] != ["True"]:
        pytest.skip("OpenBLAS's SkylakeX kernel is not usable here even without "
                    f"OPENBLAS_CORETYPE ({(asked.stdout + asked.stderr).strip()[-200:]})")
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-p", "no:xdist", "-rs", test_file, "-k", f"not {skip_k}"],
                         env=env, capture_output=True, text=True, timeout=600)
    tail = out.stdout[-3000:] + out.stderr[-2000:]
    assert out.returncode == 0, tail
    assert "skipped" not in out.stdout.splitlines()[-1], tail
