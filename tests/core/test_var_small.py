"""``var``'s small-operand form (dlcore/kernels/cpu/var.py ``_var_small``, the eager lanes' and
replay plans' run): the kernel's bits for every axis set, correction, keepdims and layout of
the planned shape; None where the kernel itself must run."""
import numpy as np
import pytest

from dlcore.kernels.cpu import var as V

CASES = [((8, 16), (0,)), ((8, 16), (1,)), ((8, 16), (0, 1)), ((2, 3, 4), (1,)),
         ((2, 3, 4), (0, 2)), ((2, 3, 4), (1, 2)), ((5,), (0,)), ((0, 3), (1,))]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("correction", [0, 1, 2.5, 9])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, axes", CASES)
def test_the_kernels_bits_in_every_layout(shape, axes, dtype, correction, keepdims):
    x = np.random.default_rng(len(shape)).standard_normal(shape).astype(dtype)
    x.flat[:1] = 1e30                  # (a large value: the same rounding, not just close)
    run = V._var_small(shape, np.dtype(dtype), axes=axes, correction=correction,
                       keepdims=keepdims)
    for xx in (x, np.asfortranarray(x), x[..., ::-1]):
        want = V.var(xx, axes=axes, correction=correction, keepdims=keepdims)
        got = run(xx)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()


def test_none_where_the_kernel_runs():
    assert V._var_small((3, 0), np.dtype("float32"), axes=(1,), correction=1,
                        keepdims=False) is None
    assert V._var_small((3, 4), np.dtype("float16"), axes=(1,), correction=1,
                        keepdims=False) is None
