"""F.nll_loss's fast path and the backward shortcuts that came with it (issue 19: the
character-level RNN tutorials ran 1.6-2.1x PyTorch's time; nll_loss's forward took 54 us at
(1, 59) against PyTorch's 3.5).

* ``nn.functional._fast_nll_loss``: (N, C) float log-probabilities and int64 class indices in
  range, 'mean' or 'sum', through the eager lane in three nodes: the general path's values and
  gradients bit for bit, PyTorch's within rounding, PyTorch's errors for a target out of range.
* ``kernels.cpu.scan.scatter_add_along_axis`` with one index per row (the pick's gradient) by
  fancy indexing: the Numba loop's result, its error for an index out of range.
* ``autograd._buffer_pass._saved_vjp`` on an add whose own operand a later ``+=`` changed in
  place (``loss += l``, the tutorials' running loss): add's rule reads only shapes, so the
  node takes the buffer path instead of its Tensor path; same gradients as PyTorch.
* getitem's lazy cotangent checked inline in the buffer pass's loop."""

import numpy as np
import pytest

import dlcore_eager as T
import dlcore_eager.nn.functional as FM
from dlcore.errors import IndexOutOfBounds
from dlcore.kernels.cpu import scan as _scan
from dlcore_eager.autograd import _buffer_pass as BP


def _torch():
    return pytest.importorskip("torch")


def _case(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = np.log(rng.dirichlet(np.ones(shape[1]), shape[0])).astype(dtype)
    y = rng.integers(0, shape[1] - 1, shape[0])       # (class C-1 never drawn: see _general)
    return x, y


def _general(x, y, reduction):
    """The general path on the same values: an ``ignore_index`` inside [0, C) that no target
    holds (the fast path declines it; the general path then finds nothing ignored and takes
    its one-gather branch, the formulation before the fast path)."""
    a = T.tensor(x, requires_grad=True)
    loss = T.nn.functional.nll_loss(a, T.from_numpy(y), ignore_index=x.shape[1] - 1,
                                    reduction=reduction)
    return a, loss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(1, 59), (64, 10), (7, 2)])
def test_the_general_paths_values_and_gradients_bit_for_bit(dtype, reduction, shape):
    x, y = _case(shape, dtype)
    a = T.tensor(x, requires_grad=True)
    assert FM._fast_nll_loss(a, T.from_numpy(y), -100, reduction) is not None
    loss = T.nn.functional.nll_loss(a, T.from_numpy(y), reduction=reduction)
    b, ref = _general(x, y, reduction)
    assert loss.dtype == ref.dtype and loss.shape == ref.shape == ()
    np.testing.assert_array_equal(loss.detach().numpy(), ref.detach().numpy())
    assert loss.grad_fn.name() == "NllLossBackward0" == ref.grad_fn.name()
    loss.backward(T.tensor(np.asarray(3.0, dtype)))
    ref.backward(T.tensor(np.asarray(3.0, dtype)))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    want = np.zeros(shape, dtype)
    want[np.arange(shape[0]), y] = -3.0 / (shape[0] if reduction == "mean" else 1)
    np.testing.assert_allclose(a.grad.numpy(), want, rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_values_and_gradients_as_pytorchs(reduction):
    torch = _torch()
    x, y = _case((32, 10), "float32", seed=3)
    logits = x * 2.5
    a = T.tensor(logits, requires_grad=True)
    loss = T.nn.functional.nll_loss(T.nn.functional.log_softmax(a, dim=1), T.from_numpy(y),
                                    reduction=reduction)
    ta = torch.tensor(logits, requires_grad=True)
    tl = torch.nn.functional.nll_loss(torch.nn.functional.log_softmax(ta, dim=1),
                                      torch.from_numpy(y), reduction=reduction)
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-6)
    assert loss.grad_fn.name() == tl.grad_fn.name()
    loss.backward()
    tl.backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("bad", [10, -1])
def test_a_target_out_of_range_raises_pytorchs_error(bad):
    torch = _torch()
    x, y = _case((4, 10), "float32")
    y[2] = bad
    assert FM._fast_nll_loss(T.tensor(x), T.from_numpy(y), -100, "mean") is None
    with pytest.raises(IndexError) as want:
        torch.nn.functional.nll_loss(torch.tensor(x), torch.from_numpy(y))
    with pytest.raises(IndexError) as got:
        T.nn.functional.nll_loss(T.tensor(x), T.from_numpy(y))
    assert str(got.value) == str(want.value) == f"Target {bad} is out of bounds."


def test_what_the_fast_path_declines_goes_the_general_way():
    x, y = _case((4, 5), "float32")
    a, t = T.tensor(x), T.from_numpy(y)
    assert FM._fast_nll_loss(a, t, -100, "none") is None
    assert FM._fast_nll_loss(a, t, 0, "mean") is None               # an ignore_index in range
    assert FM._fast_nll_loss(a, T.from_numpy(y.astype(np.int32)), -100, "mean") is None
    assert FM._fast_nll_loss(T.tensor(x[0]), T.from_numpy(y[:1]), -100, "mean") is None
    assert FM._fast_nll_loss(T.tensor(x.astype(np.float16)), t, -100, "mean") is None
    # and each still gives the general path's answer: 'none', an ignored class, the weight
    per = T.nn.functional.nll_loss(a, t, reduction="none").numpy()
    np.testing.assert_array_equal(per, -x[np.arange(4), y])
    ignored = T.nn.functional.nll_loss(a, t, ignore_index=int(y[0])).item()
    keep = y != y[0]
    np.testing.assert_allclose(ignored, -x[np.arange(4), y][keep].mean(), rtol=1e-6)
    w = np.linspace(0.5, 2.0, 5).astype(np.float32)
    weighted = T.nn.functional.nll_loss(a, t, weight=T.tensor(w)).item()
    picked = -x[np.arange(4), y] * w[y]
    np.testing.assert_allclose(weighted, picked.sum() / w[y].sum(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_scatter_of_one_index_per_row_equals_the_loop(dtype):
    rng = np.random.default_rng(1)
    ref = np.zeros((6, 5), dtype)
    v = rng.standard_normal((6, 1)).astype(dtype)
    v[3, 0] = -0.0
    i = np.array([[0], [4], [-1], [2], [-5], [1]])
    got = _scan.scatter_add_along_axis(v, i, ref, axis=1)
    want = np.zeros((6, 5), dtype)
    for r in range(6):
        want[r, i[r, 0] % 5] += v[r, 0]
    np.testing.assert_array_equal(got, want)
    assert got.dtype == dtype and not np.signbit(got[3, 2])    # 0.0 + -0.0, as the loop adds
    # two indices a row, and the same row twice, still take the loop (sums of colliding terms)
    i2 = np.array([[1, 1]] * 6)
    v2 = np.ones((6, 2), dtype)
    np.testing.assert_array_equal(_scan.scatter_add_along_axis(v2, i2, ref, axis=1)[:, 1], 2)
    with pytest.raises(IndexOutOfBounds, match="index 5 is out of bounds for dimension 1 with "
                                               "size 5"):
        _scan.scatter_add_along_axis(v, np.array([[0], [5], [0], [0], [0], [0]]), ref, axis=1)


def _running_loss(L, w0):
    w = L.tensor(w0, requires_grad=True)
    loss = L.Tensor([0])
    for k in range(4):
        loss += (w * (k + 1)).pow(2).sum()
    return w, loss


def test_a_running_loss_added_in_place_takes_the_buffer_path():
    w0 = np.array([0.5, -1.0, 2.0], np.float32)
    w, loss = _running_loss(T, w0)
    node = loss._node
    assert node.prim.name == "add"
    assert node.inputs[0]._vc[0] != node.versions[0]    # its own operand, changed by +=
    res = BP._saved_vjp(node, np.ones(1, np.float32), True, False)
    assert res is not None                          # (None: the node's Tensor path)
    loss.backward()
    want = 2 * w0 * (1 + 4 + 9 + 16)
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-6)
    torch = pytest.importorskip("torch")
    tw, tloss = _running_loss(torch, w0)
    tloss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())


def test_only_an_add_or_sub_of_unchanged_shape_and_dtype_takes_the_shortcut():
    """A stale operand replaced by a buffer of another shape or dtype (``.data = ...``) leaves
    the node to its Tensor path, as does any primitive whose rule reads values (mul)."""
    a = T.ones(3, requires_grad=True) * 1
    b = T.ones(3, requires_grad=True)
    for node in ((a + b)._node, (a - b)._node):
        out = node.out_buf
        assert BP._shapes_read(node.prim, [1, 2], out, (np.ones(3, np.float32), b._buf))
        assert not BP._shapes_read(node.prim, [2], out, (np.ones(2, np.float32), b._buf))
        assert not BP._shapes_read(node.prim, [2], out, (np.ones(3, np.float64), b._buf))
    mul = (a * b)._node
    assert not BP._shapes_read(mul.prim, [2], mul.out_buf, (np.ones(3, np.float32), b._buf))


def test_a_slice_gradient_is_checked_inline_and_a_wrong_one_still_raises(monkeypatch):
    """getitem's lazy cotangent (``SliceGrad``) is checked against its input's shape and dtype
    in the loop (it called the general ``_check``, which builds two AVals: the Bi-LSTM CRF
    tutorial's 2,816 calls); a wrong one still reaches ``_check`` and its error."""
    calls: list = []
    real = BP._check
    monkeypatch.setattr(BP, "_check", lambda *a: calls.append(1) or real(*a))
    leaf = T.arange(20.0, requires_grad=True)
    (leaf.reshape(4, 5)[1] * 2).sum().backward()
    want = np.zeros(20, np.float32)
    want[5:10] = 2.0
    np.testing.assert_array_equal(leaf.grad.numpy(), want)
    assert calls == []
    bad = BP._SliceGrad((3, 5), np.dtype(np.float32), (1, Ellipsis), np.ones(5, np.float32))
    monkeypatch.setattr(BP, "_getitem_rule", lambda node, g, out, bufs: (bad,))
    y = T.arange(20.0, requires_grad=True).reshape(4, 5)
    with pytest.raises(AssertionError, match=r"the gradient of a value of shape \(4, 5\) and "
                                             r"dtype float32 came out with shape \(3, 5\)"):
        y[1].sum().backward()
    assert calls
