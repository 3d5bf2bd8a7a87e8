"""CPU kernels (Numba ``@njit``, compiled on first use and cached on disk)."""
