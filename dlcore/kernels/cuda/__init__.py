"""CUDA kernels (numba.cuda), one per primitive, with the CPU kernels' names and signatures.

Buffers are numba.cuda device arrays (real, or simulated under ``NUMBA_ENABLE_CUDASIM=1``); every
kernel returns a fresh C-contiguous device array (or a zero-copy reshaped view of its input), so
a chain of kernels never moves data to the host.  numba.cuda is imported on first use only:
``import dlcore`` does not load it.

    _support.py     launch configuration (256-thread blocks, grid-stride loops), strides,
                    contiguity, generated-source loading
    _kernels.py     the fixed kernels: strided copy (transpose, broadcast, slicing, concatenate),
                    fill, one_hot, take / scatter_add
    elementwise.py  grid-stride kernels generated from each primitive's scalar expression, with
                    broadcasting by strides (no copies) and strided inputs read in place
    reduce.py       block reductions (shared-memory trees) over any axes; argmax; sum_to
    linalg.py       the shared-memory tiled matmul, 2-D and batched
    shape.py        views where possible, strided copies otherwise
    indexing.py     getitem / slice_scatter / index_update as strided regions; one_hot; full_like
    gather.py       take / scatter_add (atomic adds)

Host scalars (a Python scalar becomes a 0-d NumPy value at dispatch) are taken as kernel
arguments, not copied.  ``tests/cuda/ptx_check.py`` compiles every kernel for sm_90 without a
GPU; the tests in ``tests/cuda`` run every kernel under the simulator against the CPU kernels.
"""
