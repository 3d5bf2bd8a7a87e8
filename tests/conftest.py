"""Test-suite set-up.

Numba's CUDA simulator must be switched on before numba is first imported, so it is done here,
at the top of the first file pytest loads.  On a machine with a real NVIDIA GPU, set
``DLCORE_TEST_REAL_GPU=1`` to run the CUDA tests on the device instead.
"""

import os

if os.environ.get("DLCORE_TEST_REAL_GPU") != "1":
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
