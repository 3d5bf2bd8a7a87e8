"""CUDA kernels (numba.cuda): grid-stride elementwise kernels generated from each primitive's
scalar expression, a shared-memory tiled matmul and block reductions.  numba.cuda is imported on
first use only."""
