"""PyTorch's argument-parser words for the largest families of fidpt4's sweep rows where
dlcore raised torch's exception type with other text (867 rows -> 101): a missing required
dim, a dim that is not an int where one int is taken (with the position when given by
position), count_nonzero's and max/min's 'invalid combination of arguments', prod's named dim
when keepdim is given, and the broadcast error before a bitwise/gcd dtype refusal.  Each case
compares type and message with torch 2.13 itself; the last tests pin that a call that works
is untouched and that a dlcore error with no parser equivalent keeps its words."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _outcome(fn, L):
    try:
        fn(L)
    except Exception as e:          # noqa: BLE001 - compared with torch's as a whole
        return type(e).__name__, str(e)
    return "no error", ""


def _same(fn):
    got, want = _outcome(fn, dl), _outcome(fn, torch)
    assert got == want
    assert want[0] != "no error"


def X(L):
    return L.ones(2, 3)


MISSING_DIM = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "softmax",
               "log_softmax", "logsumexp"]


@pytest.mark.parametrize("name", MISSING_DIM)
@pytest.mark.parametrize("form", ["function", "method"])
def test_missing_dim(name, form):
    if form == "function":
        _same(lambda L: getattr(L, name)(X(L)))
    else:
        _same(lambda L: getattr(X(L), name)())


INT_DIM = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "softmax", "log_softmax",
           "argmax", "argmin", "median", "nanmedian", "mode"]


@pytest.mark.parametrize("name", INT_DIM)
@pytest.mark.parametrize("dim", [(0, 1), [0], "1", 1.0])
def test_dim_not_an_int(name, dim):
    _same(lambda L: getattr(L, name)(X(L), dim))              # (position 2)
    _same(lambda L: getattr(X(L), name)(dim))                 # (position 1)
    _same(lambda L: getattr(L, name)(X(L), dim=dim))          # keyword: no position


def test_dim_not_an_int_after_other_arguments_and_before_dtype_checks():
    _same(lambda L: L.topk(X(L), 1, (0, 1)))                  # (position 3)
    _same(lambda L: L.kthvalue(X(L), 1, [1]))
    _same(lambda L: L.cumsum(L.ones(2, 3, dtype=L.bool), (0, 1)))
    _same(lambda L: L.nanmedian(L.zeros(0, 3), (0, 1)))       # (an empty input)
    _same(lambda L: L.argmax(X(L), True))                     # (bool is not an int)


@pytest.mark.parametrize("call", [
    lambda L: L.count_nonzero(X(L), 0, keepdim=True),
    lambda L: L.count_nonzero(X(L), (0, 1), keepdim=False),
    lambda L: X(L).count_nonzero(0, keepdim=True),
    lambda L: L.count_nonzero(X(L), 0, True),
    lambda L: X(L).count_nonzero(dim=None, keepdim=True),
])
def test_count_nonzero_invalid_combination(call):
    _same(call)


@pytest.mark.parametrize("call", [
    lambda L: L.max(X(L), (0, 1), keepdim=True),
    lambda L: L.min(X(L), (0, 1), keepdim=False),
    lambda L: L.max(X(L), (0, 1)),
    lambda L: L.min(X(L), dim=(0, 1)),
    lambda L: X(L).max((0, 1), keepdim=False),
    lambda L: L.prod(X(L), (0, 1), keepdim=True),
    lambda L: L.prod(X(L), (0, 1), False),
    lambda L: L.prod(X(L), (0, 1)),                           # (the overload list: _int_dims)
])
def test_max_min_prod_tuple_dim(call):
    _same(call)


@pytest.mark.parametrize("call", [
    lambda L: L.bitwise_and(L.ones(3, 4), L.ones(2, 3)),
    lambda L: L.ones(3, 4).bitwise_or(L.ones(2, 3)),
    lambda L: L.ones(3, 4) ^ L.ones(2, 3),
    lambda L: L.gcd(L.ones(3, 4), L.ones(2, 3)),
    lambda L: L.lcm(L.ones(3, 4), L.ones(2, 3, dtype=L.int64)),
    lambda L: L.bitwise_and(L.ones(3, 4), L.ones(4)),         # (broadcasts: the dtype error)
])
def test_broadcast_error_before_the_dtype_refusal(call):
    _same(call)


@pytest.mark.parametrize("call", [
    lambda L: L.softmax(L.ones(2, 3, dtype=L.long), 5),
    lambda L: L.log_softmax(L.ones(2, 3, dtype=L.int8), -3),
    lambda L: L.logcumsumexp(L.ones(2, 3, dtype=L.long), 5),
    lambda L: L.median(L.ones(2, 3, dtype=L.bool), 5),
    lambda L: L.nanmedian(L.ones(2, 3, dtype=L.bool), 2),
    lambda L: L.mode(L.ones(2, 3, dtype=L.bool), 5),
    lambda L: L.softmax(L.tensor(1), 3),
    lambda L: L.argmax(L.ones(2, 3, dtype=L.bool), 5),        # (bool checked first there)
])
def test_dim_range_before_the_dtype_refusal(call):
    _same(call)


def test_working_calls_and_other_errors_are_unchanged():
    x = dl.arange(6.0).reshape(2, 3)
    assert x.cumsum(1).tolist() == [[0.0, 1.0, 3.0], [3.0, 7.0, 12.0]]
    assert dl.count_nonzero(x, dim=1).tolist() == [2, 3]
    assert x.max(1).indices.tolist() == [2, 2]
    assert dl.softmax(x, dim=-1).shape == (2, 3)
    # an int dim out of range keeps the IndexError's words
    _same(lambda L: L.cumsum(X(L), 5))
    _same(lambda L: X(L).softmax(-3))


@pytest.mark.parametrize("call", [
    lambda L: L.softmax(X(L), None),
    lambda L: X(L).softmax(None),
    lambda L: L.softmax(X(L), dim=None),
    lambda L: L.log_softmax(X(L), None),
    lambda L: X(L).log_softmax(dim=None),
    lambda L: L.cumsum(X(L), None),
    lambda L: X(L).cumprod(dim=None),
])
def test_none_dim_where_one_int_is_required(call):
    """torch.softmax/Tensor.softmax take an int (F.softmax's implicit dim is F's alone)."""
    _same(call)


def test_functional_softmax_keeps_its_implicit_dim():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn.functional.softmax(torch.arange(6.0).reshape(2, 3), None)
        got = dl.nn.functional.softmax(dl.arange(6.0).reshape(2, 3), None)
        assert dl.nn.Softmax()(dl.ones(2, 3)).shape == (2, 3)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
