"""The ``index_add`` primitive (``torch.index_add``/``Tensor.index_add_``): one
IndexAddBackward0 node, PyTorch's CPU order of the sums (each contribution added into ``x``'s
running value: the same bits where an index repeats), its gradient, the recorded in-place lane
(``_add_at_lane._recorded_index_add``) against the general path and against PyTorch, and the
ONNX export (ScatterND's add, or a one-hot MatMul before opset 16)."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import _add_at_lane, _dispatch

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(7)


def _case(lib, x, axis, i, v, alpha, inplace):
    xt = lib.tensor(x, requires_grad=True)
    vt = lib.tensor(v, requires_grad=True)
    w = lib.tensor(np.cos(np.arange(x.size, dtype=x.dtype)).reshape(x.shape))
    kw = {"alpha": alpha} if alpha != 1 else {}
    if inplace:
        out = (xt * 1.0).index_add_(axis, lib.tensor(i), vt, **kw)
    else:
        out = lib.index_add(xt, axis, lib.tensor(i), vt, **kw)
    (out * w).sum().backward()
    names = [None if f is None else f.name() for f, _ in out.grad_fn.next_functions]
    return out.detach().numpy(), xt.grad.numpy(), vt.grad.numpy(), out.grad_fn.name(), names


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("shape,axis,idx,alpha", [
    ((5,), 0, [0, 2, 2, 4, 0, 2], 1), ((4, 3), 0, [3, 1, 3, 3, 0], 1),
    ((3, 4), 1, [0, 3, 3], 2.5), ((2, 3, 4), 1, [2, 2, 0, 2], 1), ((2, 3, 4), 2, [1, 1], 1),
    ((6, 5), 0, [], 1)])
def test_values_gradients_and_nodes_are_pytorchs(dtype, inplace, shape, axis, idx, alpha):
    x = _RNG.standard_normal(shape).astype(dtype)
    i = np.array(idx, dtype=np.int64)
    vshape = shape[:axis] + (len(idx),) + shape[axis + 1:]
    v = (_RNG.standard_normal(vshape) * 1e3).astype(dtype)      # (rounding that shows order)
    got = _case(dt, x, axis, i, v, alpha, inplace)
    want = _case(torch, x, axis, i, v, alpha, inplace)
    for g, w in zip(got[:3], want[:3]):
        if alpha == 1:
            np.testing.assert_array_equal(g, w)
        else:                   # (PyTorch fuses x + alpha * v (an FMA); dlcore rounds twice)
            np.testing.assert_allclose(g, w, rtol=1e-6)
    assert got[3:] == want[3:]


def test_the_in_place_lane_is_taken_and_matches_the_general_path(monkeypatch):
    x = _RNG.standard_normal((7, 4)).astype("float32")
    v = _RNG.standard_normal((9, 4)).astype("float32")
    i = np.array([6, 0, 0, 3, 6, 6, 1, 2, 0])
    taken = []
    real = _add_at_lane._recorded_index_add
    monkeypatch.setattr(_add_at_lane, "_recorded_index_add",
                        lambda *a: taken.append(real(*a)) or taken[-1])
    lane = _case(dt, x, 0, i, v, 1, True)
    assert taken == [True]
    monkeypatch.setattr(_dispatch, "_small_many", lambda *a: None)     # the lane declines
    general = _case(dt, x, 0, i, v, 1, True)
    assert taken == [True, False]
    for a, b in zip(lane[:3], general[:3]):
        np.testing.assert_array_equal(a, b)
    assert lane[3:] == general[3:] == ("IndexAddBackward0", ["MulBackward0",
                                                             "torch::autograd::AccumulateGrad"])


def test_the_in_place_lane_keeps_pytorchs_errors_and_versions():
    leaf = dt.zeros(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        leaf.index_add_(0, dt.tensor([1]), dt.ones(1, requires_grad=True))
    base = dt.zeros(4, requires_grad=True) * 1.0
    e = dt.ones(2, requires_grad=True)
    with pytest.raises(IndexError, match="index out of range in self"):
        base.index_add_(0, dt.tensor([1, 4]), e)
    with pytest.raises(IndexError, match="index out of range in self"):
        base.index_add_(0, dt.tensor([-1, 0]), e)
    np.testing.assert_array_equal(base.detach().numpy(), np.zeros(4))    # nothing written
    h = dt.ones(4, requires_grad=True) * 2.0
    y = h.exp()                 # (saves its output: the add into it is caught at backward)
    y.index_add_(0, dt.tensor([0, 0]), e)
    assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("opset", [15, 17])
def test_index_add_exports_to_onnx(opset):
    ort = pytest.importorskip("onnxruntime")
    x = _RNG.standard_normal((3, 5)).astype("float32")
    v = _RNG.standard_normal((3, 4)).astype("float32")
    i = np.array([4, 0, 4, 1])

    def f(a, b):
        return a.index_add(1, dt.tensor(i), b) * 2.0

    proto = dt.onnx.export(f, (dt.tensor(x), dt.tensor(v)), opset_version=opset)
    assert ("ScatterND" in {n.op_type for n in proto.graph.node}) == (opset >= 16)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [a.name for a in sess.get_inputs()]
    got, = sess.run(None, dict(zip(names, (x, v))))
    np.testing.assert_allclose(got, f(dt.tensor(x), dt.tensor(v)).numpy(), rtol=1e-6)


def test_a_0d_index_is_one_position_as_in_pytorch():
    x = _RNG.standard_normal((3, 2)).astype("float32")
    v = _RNG.standard_normal((3, 1)).astype("float32")
    got = _case(dt, x, 1, np.array(1), v, 1, True)
    want = _case(torch, x, 1, np.array(1), v, 1, True)
    for g, w in zip(got[:3], want[:3]):
        np.testing.assert_array_equal(g, w)


def _scatter_case(lib, x, dim, i, v):
    xt, vt = lib.tensor(x, requires_grad=True), lib.tensor(v, requires_grad=True)
    out = (xt * 1.0).scatter_add_(dim, lib.tensor(i), vt)
    (out * lib.tensor(np.sin(np.arange(x.size, dtype=x.dtype)).reshape(x.shape))).sum().backward()
    names = [None if f is None else f.name() for f, _ in out.grad_fn.next_functions]
    return out.detach().numpy(), xt.grad.numpy(), vt.grad.numpy(), out.grad_fn.name(), names


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_recorded_scatter_add_takes_its_lane_with_the_general_paths_nodes(monkeypatch, dim):
    x = _RNG.standard_normal((4, 5)).astype("float64")
    shape = (6, 5) if dim == 0 else (4, 7)
    v = _RNG.standard_normal(shape)
    i = _RNG.integers(0, x.shape[dim], shape)
    taken = []
    real = _add_at_lane._recorded_scatter_add
    monkeypatch.setattr(_add_at_lane, "_recorded_scatter_add",
                        lambda *a: taken.append(real(*a)) or taken[-1])
    lane = _scatter_case(dt, x, dim, i, v)
    monkeypatch.setattr(_dispatch, "_small_many", lambda *a: None)     # the lane declines
    general = _scatter_case(dt, x, dim, i, v)
    assert taken == [True, False]
    want = _scatter_case(torch, x, dim, i, v)
    for a, b, w in zip(lane[:3], general[:3], want[:3]):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, w, rtol=1e-12)
    assert lane[3:] == general[3:] == want[3:]
