"""An int64 tensor and a Python int under add, sub and mul (index arithmetic: ``inds - 1``,
``3 * ones_like(i)``) by NumPy's ufunc in the operator's frame (issue 19: 22 us against
PyTorch's 6 through the general path; ``_binary._int64_number``): the general path's values
and dtype, PyTorch's wrapping on overflow; anything else goes the general way."""

import operator

import numpy as np
import pytest

import dlcore_eager as T
from dlcore_eager import _binary

_BIG = 9223372036854775807
_OPS = [operator.add, operator.sub, operator.mul, lambda x, n: n - x, lambda x, n: n * x,
        lambda x, n: n + x]


@pytest.mark.parametrize("n", [1, -3, 0, _BIG, -_BIG - 1])
@pytest.mark.parametrize("f", _OPS)
def test_the_general_paths_values_and_pytorchs(monkeypatch, f, n):
    values = np.array([[0, 1, -7], [_BIG, -_BIG - 1, 12345]], np.int64)
    calls: list = []
    real = _binary._int64_number
    monkeypatch.setattr(_binary, "_int64_number", lambda *a: calls.append(1) or real(*a))
    got = f(T.tensor(values), n)
    assert calls and got.dtype == T.int64 and not got.requires_grad
    monkeypatch.setattr(_binary, "_int64_number", lambda *a: None)
    want = f(T.tensor(values), n)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(got.numpy(), f(torch.tensor(values), n).numpy())


def test_what_it_leaves_to_the_general_path():
    i32 = T.tensor([1, 2], dtype=T.int32)
    assert _binary._int64_number(np.subtract, i32, 1, False) is None
    assert (i32 - 1).dtype == T.int32
    i64 = T.tensor([1, 2])
    assert _binary._int64_number(np.add, i64, 2 ** 63, False) is None
    assert (i64 + True).tolist() == [2, 3]                   # (a bool: promotion rules)
    assert (i64 * 2.5).dtype == T.float32                    # (a float: promoted)
    step = T.tensor(0)                                       # (0-d: BatchNorm's counter)
    step.add_(1)
    assert step.tolist() == 1 and type(step._buf) is np.ndarray and (step * 3).tolist() == 3
    with T.inference_mode():
        r = T.tensor([1, 2]) - 1
    assert r.is_inference() and r.tolist() == [0, 1]
