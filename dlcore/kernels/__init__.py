"""Kernels: ``cpu`` (Numba njit over NumPy buffers) and ``cuda`` (numba.cuda over device arrays).

Each primitive's definition block in ``dlcore.ops`` names its kernels; this package holds their
code.  Elementwise kernels are generated from the primitive's scalar expression, once per device.
"""
