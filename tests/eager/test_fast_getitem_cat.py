"""The fast paths of ``x[a:b]``, ``x[i]`` and ``torch.cat`` (dlcore_eager/_fast_paths.py) give
what PyTorch gives: values, gradients, grad_fn names, views sharing their base's version, and
the general entry's errors for what they do not take."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

KEYS = [slice(1, 3), slice(None, 2), slice(-2, None), slice(None), slice(2, 1), 0, -1, 2,
        slice(1, 3, 2), (1, slice(None, 2)), (slice(0, 2), 1), (-1, -2), (slice(1, None),),
        (0, slice(1, 3, 2)), (None, 1)]


def _pair(a: np.ndarray):
    return dt.from_numpy(a.copy()).requires_grad_(True), \
        torch.from_numpy(a.copy()).requires_grad_(True)


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_slice_and_int_keys_as_torch(key):
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    x, tx = _pair(a)
    y, ty = x[key], tx[key]
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__ or \
        y.grad_fn.name() == ty.grad_fn.name()
    g = np.random.default_rng(0).standard_normal(ty.shape).astype(np.float32)
    (y * dt.from_numpy(g)).sum().backward()
    (ty * torch.from_numpy(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_slice_is_a_view_sharing_the_version():
    x = dt.zeros(4, 3)
    v = x[1:3]
    v.add_(1.0)
    assert float(x.sum()) == 6.0 and x._vc is v._vc
    r = x[2]
    r.mul_(5.0)
    assert float(x[2].sum()) == 15.0


def test_int_key_out_of_bounds_is_the_general_error():
    x = dt.zeros(3, 2)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match="index -4 is out of bounds"):
        x[-4]


def test_tuple_key_out_of_bounds_raises_as_the_general_entry():
    x = dt.zeros(3, 2)
    general = type(x).__getitem__.__wrapped__
    for key in [(5, 0), (0, 2), (1, 0, 0)]:
        with pytest.raises(Exception) as fast:
            x[key]
        with pytest.raises(Exception) as slow:
            general(x, key)
        assert type(fast.value) is type(slow.value) and str(fast.value) == str(slow.value)
        assert isinstance(fast.value, IndexError)


def test_no_grad_and_plain_tensors():
    x = dt.ones(5, 2, requires_grad=True)
    with dt.no_grad():
        # (PyTorch 2.13: a view made in no_grad mode requires grad as its base, a leaf)
        assert x[1:2].grad_fn is None and x[1:2].requires_grad and x[1:2].is_leaf
        assert not (x[1:2] * 2).requires_grad
    assert dt.ones(5)[3].grad_fn is None


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_cat_as_torch(dim):
    rng = np.random.default_rng(1)
    shapes = [(2, 3), (2, 3)] if dim in (0, -2) else [(2, 1), (2, 4)]
    if dim in (0, -2):
        shapes = [(1, 3), (2, 3), (3, 3)]
    pairs = [_pair(rng.standard_normal(s).astype(np.float64)) for s in shapes]
    y = dt.cat([p[0] for p in pairs], dim)
    ty = torch.cat([p[1] for p in pairs], dim)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    assert y.grad_fn.name() == "CatBackward0"
    g = rng.standard_normal(ty.shape)
    (y * dt.from_numpy(g)).sum().backward()
    (ty * torch.from_numpy(g)).sum().backward()
    for p in pairs:
        np.testing.assert_array_equal(p[0].grad.numpy(), p[1].grad.numpy())


def test_cat_tuple_mixed_requires_grad_and_out():
    a = dt.ones(1, 2, requires_grad=True)
    b = dt.zeros(1, 2)
    y = dt.cat((a, b), 0)
    assert y.requires_grad and y.shape == (2, 2)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones((1, 2), np.float32))
    out = dt.empty(2, 2)
    dt.cat([b, b], out=out)
    assert float(out.sum()) == 0.0


def test_cat_falls_back_for_mixed_dtypes_and_reports_mismatches():
    y = dt.cat([dt.ones(2, dtype=dt.float32), dt.ones(2, dtype=dt.float64)])
    assert str(y.dtype) == str(torch.cat(
        [torch.ones(2, dtype=torch.float32), torch.ones(2, dtype=torch.float64)]).dtype)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 1. "
                       "Expected size 2 but got size 3 for tensor number 1 in the list."):
        dt.cat([dt.ones(2, 2), dt.ones(3, 2)], 1)
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions"):
        dt.cat([dt.ones(2, 2), dt.ones(2)], 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        dt.cat([dt.ones(2, 2), dt.ones(2, 2)], 2)


def test_a_trace_records_the_slices_and_concatenations_the_fast_paths_would_take():
    # tracing.trace (ONNX export, jit.trace) records every primitive through
    # EagerFrontend.apply: a slice or cat taken by a fast path was missing from the trace and
    # its output frozen into the exported model as a constant (x[: x.shape[0] - 1] under
    # dynamic axes was refused as "a constant ... depends on the dynamic axes")
    from dlcore_eager.tracing import trace

    def f(x):
        return dt.cat([x[1:3], x[0:1]], 0) * x[2]

    x = dt.randn(3, 4)
    tr = trace(f, (x,))
    names = [r.prim.name for r in tr.records]
    assert names.count("getitem") == 3 and names.count("concatenate") == 1, names
    assert all(r.inputs[0] == ("input", 0) for r in tr.records if r.prim.name == "getitem")
    fn = dt.jit.trace(f, (x,))
    z = dt.randn(3, 4)
    np.testing.assert_allclose(fn(z).numpy(), f(z).numpy(), rtol=1e-6)
