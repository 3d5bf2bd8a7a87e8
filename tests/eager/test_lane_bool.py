"""any/all/count_nonzero's lane (``dlcore_eager._lane_bool``): every call form it takes gives
PyTorch 2.13's values, dtypes and shapes (NaN, empty tensors and dims, negative dims,
keepdim, every dtype kind), the same as the general entry; the calls it refuses reach the
general entry, so their results and errors are PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _lane_bool

torch = pytest.importorskip("torch")

ARRAYS = [
    np.array([[0.0, 1.0, np.nan], [0.0, 0.0, 0.0]], np.float32),
    np.array([[0.0, -0.0], [0.0, 0.0]], np.float64),
    np.array([[True, False], [True, True]]),
    np.array([[1, 0, 3], [4, 5, 6]], np.int64),
    np.array([[1, 0], [2, 3]], np.int32),
    np.array([[1, 0], [0, 0]], np.uint8),
    np.array([[1 + 0j, 0j], [1j, 0j]], np.complex64),
    np.array([[0.0, 1.0]], np.float16),
    np.zeros((0, 3), np.float32),
    np.zeros((2, 0), np.int64),
    np.array([1.0, 0.0], np.float32),
    np.array(0.0, np.float32),
    np.array(2, np.int64),
]
CALLS = [((), {}), ((0,), {}), ((1,), {}), ((-1,), {}), ((0, True), {}), ((), {"dim": 1}),
         ((-2,), {"keepdim": True}), ((), {"dim": 0, "keepdim": False})]


def _outcome(lib, arr, name, args, kw, as_function):
    x = lib.from_numpy(arr.copy())
    try:
        r = getattr(lib, name)(x, *args, **kw) if as_function else \
            getattr(x, name)(*args, **kw)
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return type(e).__name__
    return str(r.dtype).split(".")[-1], tuple(r.shape), r.numpy().tolist()


@pytest.mark.parametrize("name", ["any", "all", "count_nonzero"])
@pytest.mark.parametrize("as_function", [False, True])
def test_values_dtypes_and_errors_are_torch_s(name, as_function):
    for arr in ARRAYS:
        for args, kw in CALLS:
            if name == "count_nonzero" and (len(args) > 1 or "keepdim" in kw):
                continue
            want = _outcome(torch, arr, name, args, kw, as_function)
            got = _outcome(dl, arr, name, args, kw, as_function)
            assert got == want, (name, arr.dtype, arr.shape, args, kw)


def _parse_of(name):
    from dlcore_eager import _lane
    return _lane._parses()[name]


@pytest.mark.parametrize("name", ["any", "all", "count_nonzero"])
def test_the_lane_takes_the_common_calls_and_matches_the_general_entry(name):
    parse = _parse_of(name)
    general = getattr(dl.Tensor, name).__wrapped__
    x = dl.tensor([[0.0, 2.0, float("nan")], [0.0, 0.0, 1.0]])
    for args in [(), (0,), (1,), (-1,)]:
        got = parse((x, *args), {})
        assert got is not None
        want = general(x, *args)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert not got.requires_grad


@pytest.mark.parametrize("args, kw", [((), {"keepdim": True}), (((0, 1),), {}), ((5,), {}),
                                      ((0, 1), {}), ((0,), {"dim": 0}), ((0, False, 1), {})])
def test_the_lane_hands_on_what_the_general_entry_decides(args, kw):
    x = dl.tensor([[1.0, 0.0], [1.0, 1.0]])
    for name in ("any", "all"):
        assert _parse_of(name)((x, *args), kw) is None
    assert _parse_of("any")((dl.tensor([1, 0], dtype=dl.uint8),), {}) is None
    assert _parse_of("count_nonzero")((x,), {"keepdim": True}) is None
    assert _lane_bool._axis(np.zeros(()), 0) is False


def test_a_tensor_that_requires_grad_and_a_view():
    w = dl.tensor([[1.0, -1.0], [0.0, 2.0]], requires_grad=True)
    r = (w > 0).any(1)
    assert r.tolist() == [True, True] and r.grad_fn is None
    assert w.t()[0].all().item() is False and w.t()[1].all().item() is True
    assert w.detach()[:, 1].count_nonzero().item() == 2


TESTED = [np.array([np.nan, np.inf, -np.inf, 0.0, -1.5], np.float32),
          np.array([[np.nan, 1.0], [-np.inf, 2.0]], np.float64),
          np.array([np.nan, np.inf, 1.0], np.float16), np.array([1, -2], np.int64),
          np.array([3], np.uint8), np.array([True, False]), np.array(np.nan, np.float32),
          np.zeros((0, 2), np.float32),
          np.array([1 + 1j, complex(np.nan, 0), complex(0, np.inf)], np.complex64),
          np.arange(6, dtype=np.float32).reshape(2, 3)[:, ::2]]


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_isnan_isinf_isfinite_are_torch_s(name):
    for arr in TESTED:
        for as_function in (False, True):
            want = _outcome(torch, arr, name, (), {}, as_function)
            got = _outcome(dl, arr, name, (), {}, as_function)
            assert got == want, (name, arr)
    x = dl.tensor([float("nan"), 1.0], requires_grad=True)
    r = getattr(dl, name)(x)
    assert _parse_of(name)((x,), {}) is not None and not r.requires_grad
    assert _parse_of(name)((x, 1), {}) is None and _parse_of(name)((x,), {"out": x}) is None
    b = dl.tensor([float("nan"), 1.0], dtype=dl.bfloat16)
    assert _parse_of(name)((b,), {}) is None
    tb = torch.tensor([float("nan"), 1.0], dtype=torch.bfloat16)
    assert getattr(b, name)().tolist() == getattr(tb, name)().tolist()
