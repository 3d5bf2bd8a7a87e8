"""``torch.backends``: flags that say what dlcore has, under PyTorch's names.

Programs probe these before choosing a device (``torch.backends.mps.is_available()``) or tune
libraries dlcore does not use (``torch.backends.cudnn.benchmark = True``).  The answers are
dlcore's own: no Apple GPU backend, no cuDNN (dlcore's CUDA kernels are its own numba.cuda
kernels), CPU matmul through NumPy's BLAS.  Setting a tuning flag is accepted and has no effect,
as setting it on a PyTorch build without that library.
"""

from __future__ import annotations

import sys
import types

import dlcore


def _module(name: str, doc: str, **attrs) -> types.ModuleType:
    m = types.ModuleType(f"dlcore_eager.backends.{name}", doc)
    m.__dict__.update(attrs)
    return m


mps = _module("mps", "Apple's Metal backend: dlcore has none.",
              is_available=lambda: False, is_built=lambda: False)
cuda = _module("cuda", "CUDA: dlcore's own numba.cuda kernels (no cuBLAS/cuDNN flags apply).",
               is_built=lambda: True,
               matmul=types.SimpleNamespace(allow_tf32=False,
                                            allow_fp16_reduced_precision_reduction=False),
               is_available=lambda: dlcore.cuda_available())
cudnn = _module("cudnn", "cuDNN: not used by dlcore; the flags are accepted and ignored.",
                is_available=lambda: False, version=lambda: None, enabled=False,
                benchmark=False, deterministic=False, allow_tf32=False)
mkl = _module("mkl", "MKL: dlcore's CPU matmul uses NumPy's BLAS.",
              is_available=lambda: False)
openmp = _module("openmp", "OpenMP: Numba's parallel loops may use its OpenMP layer.",
                 is_available=lambda: True)
mkldnn = _module("mkldnn", "oneDNN: not used by dlcore.", is_available=lambda: False,
                 enabled=False)

__all__ = ["cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
for _m in (mps, cuda, cudnn, mkl, openmp, mkldnn):      # ``import torch.backends.cudnn as cudnn``
    sys.modules.setdefault(_m.__name__, _m)

