"""``_inplace_ops._quick_into``: ``w -= lr * g``, ``p.mul_(0.9)``, ``x += y`` written straight
into the tensor by the kernel's NumPy ufunc; PyTorch's values, versions and aliasing results
(a tensor updated by itself or by a whole view of itself).  (A partial overlap, ``x.sub_(x[0,
0])``, which PyTorch refuses, takes the full path, which computes it: see
test_a_partial_overlap_takes_the_full_path.)"""
import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _a(seed, shape=(4, 5), dtype="float32"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


CASES = {
    "w -= lr * g": lambda L, x, y: x.__isub__(0.01 * y),
    "x += y": lambda L, x, y: x.__iadd__(y),
    "x.mul_(0.9)": lambda L, x, y: x.mul_(0.9),
    "x.div_(y)": lambda L, x, y: x.div_(y),
    "x -= x": lambda L, x, y: x.__isub__(x),
    "x.add_(x.view)": lambda L, x, y: x.add_(x.view(x.shape)),
    "x.sub_(y[1, 2])": lambda L, x, y: x.sub_(y[1, 2]),
    "x.mul_(0-d)": lambda L, x, y: x.mul_(L.tensor(0.5, dtype=x.dtype)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_versions_as_torch(name, dtype):
    got = []
    for L in (dl, torch):
        x, y = L.tensor(_a(1, dtype=dtype)), L.tensor(_a(2, dtype=dtype))
        with L.no_grad():
            w = L.tensor(_a(3, dtype=dtype), requires_grad=True)
            v0 = x._version
            r = CASES[name](L, x, y)
            w -= 0.5 * w                 # (a leaf that requires grad, under no_grad)
        got.append((np.asarray(x.tolist()), x._version - v0, r is x or r is None,
                    np.asarray(w.detach().tolist()), w.requires_grad))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    np.testing.assert_array_equal(got[0][3], got[1][3])
    assert got[0][1:3] == got[1][1:3] and got[0][4] == got[1][4]


def test_grad_mode_refusals_remain():
    for L in (dl, torch):
        w = L.tensor(_a(4), requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            w -= 0.1 * w.detach()
        x = L.tensor(_a(5))
        x += w                          # (records: x now requires grad)
        assert x.requires_grad


def test_a_partial_overlap_is_refused_as_pytorch_refuses_it():
    # x.sub_(x[0, 0]): the operand shares memory with x, so the quick path declines it and
    # the full path raises PyTorch's error before writing anything
    a = _a(6)
    x = dl.tensor(a)
    with dl.no_grad(), pytest.raises(RuntimeError, match="refer to a single memory location"):
        x.sub_(x[0, 0])
    np.testing.assert_array_equal(x.numpy(), a)
