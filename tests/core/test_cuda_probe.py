"""``dlcore.cuda_available()`` answers False on a Linux machine with no NVIDIA driver without
importing Numba and numba.cuda (0.9 s of CPU time); anywhere else numba.cuda decides."""

import os
import subprocess
import sys

import pytest

from dlcore import device


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the probe is Linux's")
def test_no_driver_reads_the_driver_traces(monkeypatch):
    monkeypatch.delenv("NUMBA_CUDA_DRIVER", raising=False)
    monkeypatch.setattr(os.path, "exists", lambda p: False)
    assert device._no_driver()
    monkeypatch.setattr(os.path, "exists", lambda p: p == "/dev/nvidiactl")
    assert not device._no_driver()
    monkeypatch.setattr(os.path, "exists", lambda p: False)
    monkeypatch.setenv("NUMBA_CUDA_DRIVER", "/opt/libcuda.so")
    assert not device._no_driver()           # the user named a driver: numba.cuda decides


@pytest.mark.skipif(not device._no_driver(), reason="this machine has an NVIDIA driver")
def test_without_a_driver_numba_cuda_is_not_imported():
    code = ("import sys, dlcore, dlcore_eager as torch; "
            "print(dlcore.cuda_available(), torch.cuda.is_available(), "
            "'numba.cuda' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env, check=True).stdout.split()
    assert out == ["False", "False", "False"]
