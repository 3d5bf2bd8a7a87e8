"""The float32 constants of PyTorch's AVX2 ``log256_ps`` and ``sincos256_ps`` (ATen's
``avx_mathfun.h``), shared by the Numba kernel (``_jit_torch_rng.box_muller_avx2``) and its
NumPy twin (``dlcore_eager/_box_muller_numpy.py``); importing them imports no Numba."""

from __future__ import annotations

import math

import numpy as np

LOGP = np.array([7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                 1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                 3.3333331174E-1], dtype=np.float32)
F32C = np.array([0.707106781186547524,            # 0 SQRTHF
                 -2.12194440e-4, 0.693359375,     # 1, 2 log q1, q2
                 1.27323954473516,                # 3 4/pi
                 -0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8,  # 4-6 DP
                 2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002,
                 -1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1,              # 7-12
                 2.0 * math.pi, 1.17549435e-38], dtype=np.float32)                   # 13, 14
