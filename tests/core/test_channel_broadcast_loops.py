"""The binary kernels' per-channel loops (``elementwise.col_op``, ``_jit_rows.*_cols``): a
tensor and a value per leading index broadcast over its trailing axes, either order, give
NumPy's ufunc bit for bit (NaN, inf and signed zeros included), and other shapes still do."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.ops.elementwise import add_p, div_p, mul_p, sub_p

PAIRS = [(add_p, np.add), (sub_p, np.subtract), (mul_p, np.multiply), (div_p, np.true_divide)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_random_channel_broadcasts_equal_numpy(dtype):
    rng = np.random.default_rng(0)
    for _ in range(200):
        nd = int(rng.integers(2, 5))
        sa = tuple(int(v) for v in rng.integers(1, 24, nd))
        k = int(rng.integers(1, nd))
        sb = tuple(sa[j] if rng.random() < 0.6 else 1 for j in range(k)) + (1,) * (nd - k)
        a = rng.standard_normal(sa).astype(dtype)
        b = rng.standard_normal(sb).astype(dtype)
        a.flat[0], b.flat[0] = np.nan, -0.0
        for prim, ufunc in PAIRS:
            for x, y in ((a, b), (b, a)):
                with np.errstate(all="ignore"):
                    want = ufunc(x, y)
                got = prim.kernels["cpu"](x, y)
                assert got.shape == want.shape and got.dtype == want.dtype
                np.testing.assert_array_equal(got, want)


def test_large_plane_and_non_contiguous_operands():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 3, 64, 64)).astype(np.float32)
    for b in (rng.standard_normal((1, 3, 1, 1)).astype(np.float32),
              rng.standard_normal((4, 3, 1, 1)).astype(np.float32)):
        for prim, ufunc in PAIRS:
            np.testing.assert_array_equal(prim.kernels["cpu"](a, b), ufunc(a, b))
            np.testing.assert_array_equal(prim.kernels["cpu"](a[:, :, ::2], b),
                                          ufunc(a[:, :, ::2], b))


def test_eager_lane_takes_the_channel_loop_with_numpys_values():
    """The eager binary lane (``_dispatch.small_binary``) runs the same loop: values and the
    tape node as the ufunc's."""
    import dlcore_eager as dt
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 16, 16, 16)).astype(np.float32)
    w = rng.standard_normal((1, 16, 1, 1)).astype(np.float32)
    a, b = dt.tensor(x, requires_grad=True), dt.tensor(w, requires_grad=True)
    for y, want in ((a * b, x * w), (b + a, w + x), (a - b, x - w), (a / b, x / w)):
        np.testing.assert_array_equal(y.detach().numpy(), want)
    (a * b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), x.sum((0, 2, 3), keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(a.grad.numpy(), np.broadcast_to(w, x.shape))
