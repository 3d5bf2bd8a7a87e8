"""The backward pass's short-cuts (issue 19) keep their semantics.

* reverse_pass checks a NumPy cotangent against its tape node's shape and dtype inline: a wrong
  one still raises the core's AssertionError naming the op;
* the raw pass sums two cotangents of one node with the add kernel directly: values equal
  PyTorch's for a value used several times (float32 and float64);
* a node whose saved inputs are not all float32/float64 (integer indices, float16) takes the
  general half test, and its gradients equal PyTorch's;
* ``registry.bind``'s inline rule lookup on raw buffers still refuses bad shapes and promotes
  mixed dtypes;
* ``sum_to`` of a NumPy buffer of the reference's shape is the buffer itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore import ops
from dlcore.autodiff import reverse_pass
from dlcore.errors import ShapeError
from dlcore.ops.broadcast import sum_to
from dlcore.registry import AVal

torch = pytest.importorskip("torch")


class _Node:
    __slots__ = ("dtype", "parents", "shape")

    def __init__(self, parents, shape=(2,), dtype=np.float32):
        self.parents = parents
        self.shape = shape
        self.dtype = np.dtype(dtype)

    def name(self):
        return "FakeBackward0"

    def __dlcore_aval__(self):
        return AVal(self.shape, self.dtype)


@pytest.mark.parametrize("bad", [np.ones(3, np.float32), np.ones(2, np.float64),
                                 np.ones((2, 1), np.float32)])
@pytest.mark.parametrize("thunk", [False, True])
def test_wrong_cotangent_is_refused(bad, thunk):
    leaf = _Node(())
    root = _Node((leaf,))
    seed = np.ones(2, np.float32)

    def vjp(v, g):
        return ((lambda: bad),) if thunk else (bad,)

    with pytest.raises(AssertionError, match=r"dlcore autodiff: the gradient of a value of "
                       r"shape \(2,\) and dtype float32 came out with shape .* \(flowing out "
                       r"of FakeBackward0\); this is a bug in a vjp rule"):
        reverse_pass([root], [seed], parents=lambda v: v.parents, vjp=vjp,
                     add=np.add, name_of=lambda v: v.name())


def test_right_cotangent_passes_and_accumulates():
    leaf = _Node(())
    root = _Node((leaf, leaf, None))
    seed = np.full(2, 2.0, np.float32)
    res = reverse_pass([root], [seed], parents=lambda v: v.parents,
                       vjp=lambda v, g: (g, lambda: g * 3, None), add=np.add)
    np.testing.assert_array_equal(res[id(leaf)], np.full(2, 8.0, np.float32))


def _program(lib, dtype):
    x = lib.tensor(np.linspace(-1.5, 2.0, 6).reshape(2, 3), dtype=dtype, requires_grad=True)
    w = lib.tensor(np.linspace(0.5, 1.0, 3), dtype=dtype)
    y = x
    for _ in range(4):
        y = y * w + y.relu() - y * 0.5       # y used three times: cotangents summed
    (y * y).sum().backward()
    g1 = x.grad.clone()
    (x * x + x).sum().backward()             # accumulated into the existing .grad
    return g1.detach().numpy(), x.grad.detach().numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_summed_cotangents_equal_torch(dtype):
    d1, d2 = _program(dl, getattr(dl, dtype))
    t1, t2 = _program(torch, getattr(torch, dtype))
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(d1, t1, rtol=tol, atol=tol)
    np.testing.assert_allclose(d2, t2, rtol=tol, atol=tol)
    assert d1.dtype == t1.dtype


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_integer_and_half_saved_inputs_equal_torch(dtype):
    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 3) / 4, dtype=getattr(lib, dtype),
                       requires_grad=True)
        idx = lib.tensor([2, 0, 2])
        y = x.index_select(1, idx) * x[:, :1]
        (y * y).sum().backward()
        return x.grad.float().numpy()
    np.testing.assert_allclose(run(dl), run(torch), rtol=1e-3 if dtype == "float16" else 1e-6)


def test_raw_bind_still_checks_and_promotes():
    a32, b32 = np.ones(2, np.float32), np.ones(3, np.float32)
    with pytest.raises(ShapeError, match=r"Dimensions must be equal, but are 2 and 3 for 'mul' "
                       r"with input shapes: \[2\], \[3\]"):
        ops.mul(a32, b32)
    assert ops.mul(a32, np.ones(2, np.float64)).dtype == np.float64
    np.testing.assert_array_equal(ops.add(a32, np.full((), 2, np.float32)), [3, 3])
    with pytest.raises(ShapeError):
        ops.add(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32))


def test_sum_to_same_shape_is_identity_and_sums_otherwise():
    g = np.arange(6.0).reshape(2, 3)
    assert sum_to(g, np.zeros((2, 3))) is g
    np.testing.assert_array_equal(sum_to(g, np.zeros((1, 3))), g.sum(0, keepdims=True))
    np.testing.assert_array_equal(sum_to(g, np.zeros(3)), g.sum(0))
