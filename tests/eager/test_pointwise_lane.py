"""The no-grad in-place lanes of ``lerp_``, ``addcmul_`` and ``addcdiv_``
(``_pointwise_lane``): the general path's bits, PyTorch's values, the version bump, views
seeing the write, and the general path (and its errors) for everything else."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import _pointwise_lane

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(11)


def _run(lib, dtype, op, number, grad_param=False):
    a, b, c = (_RNG.standard_normal((6, 5)).astype(dtype) for _ in range(3))
    c = np.abs(c) + 0.5
    x = lib.tensor(a, requires_grad=grad_param)
    t1, t2 = lib.tensor(b), lib.tensor(c)
    view = x[1]
    with lib.no_grad():
        if op == "lerp_":
            out = x.lerp_(t1, number)
        else:
            out = getattr(x, op)(t1, t2, value=number)
    assert out is x
    return x.detach().numpy().copy(), view.detach().numpy().copy(), x._version


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,number", [("lerp_", 0.01), ("lerp_", 0.75), ("lerp_", -2.0),
                                       ("lerp_", 1), ("addcmul_", 0.1), ("addcmul_", -3),
                                       ("addcdiv_", -1e-3), ("addcdiv_", 2)])
def test_the_lane_has_the_general_paths_bits_and_pytorchs_values(monkeypatch, dtype, op,
                                                                  number):
    state = _RNG.bit_generator.state
    lane = _run(dt, dtype, op, number, grad_param=True)
    _RNG.bit_generator.state = state
    monkeypatch.setattr(_pointwise_lane, "_buffers", lambda *a: None)
    general = _run(dt, dtype, op, number, grad_param=True)
    _RNG.bit_generator.state = state
    want = _run(torch, dtype, op, number, grad_param=True)
    np.testing.assert_array_equal(lane[0], general[0])
    np.testing.assert_array_equal(lane[1], lane[0][1])          # (the view sees the write)
    tol = 1e-6 if dtype == "float32" else 1e-14         # (PyTorch's loops may fuse: an FMA)
    np.testing.assert_allclose(lane[0], want[0], rtol=tol, atol=tol)
    assert lane[2] == general[2] == want[2] == 1


def test_what_the_lane_leaves_to_the_general_path():
    calls = []
    real = _pointwise_lane._buffers
    _pointwise_lane._buffers = lambda *a: calls.append(real(*a)) or calls[-1]
    try:
        w = dt.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            w.lerp_(dt.zeros(3), 0.5)               # (grad mode: recorded, refused)
        x = dt.ones(2, 3)
        x.lerp_(dt.zeros(3), 0.25)                  # (broadcast end)
        np.testing.assert_allclose(x.numpy(), 0.75)
        y = dt.ones(3)
        y.addcmul_(y, dt.full((3,), 2.0), value=0.5)    # (shares y's memory)
        np.testing.assert_allclose(y.numpy(), 2.0)
        z = dt.ones(3, dtype=dt.float64)
        z.addcdiv_(dt.ones(3), dt.ones(3), value=1.0)   # (float32 operands of a float64 x)
        np.testing.assert_allclose(z.numpy(), 2.0)
        with pytest.raises(RuntimeError, match="value cannot be converted to type float "
                                               "without overflow"):
            dt.ones(3).addcmul_(dt.ones(3), dt.ones(3), value=1e300)
        assert calls == [None] * 5
    finally:
        _pointwise_lane._buffers = real
