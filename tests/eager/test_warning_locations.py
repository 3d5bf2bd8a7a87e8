"""PyTorch's UserWarnings name the user's line (``warnings``' filters and its once-per-place
default key on it): each of these calls warns at this file's line under dlcore as under
torch, whichever wrappers (replay lane, dtype guards, lanes, scalar-dims entries) lie between;
and ``torch.cross`` without ``dim`` warns once a process, as ATen's TORCH_WARN_ONCE."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import _torch_warnings

A = np.arange(9, dtype=np.float32).reshape(3, 3) / 5

# (warnings given once a process, scatter's reduce= and x.T's, are left out: an earlier test
# in the process may have had them)
CALLS = {
    "softmin without dim": lambda m, a, b: m.nn.functional.softmin(a),
    "softmax without dim": lambda m, a, b: m.nn.functional.softmax(a),
    "log_softmax without dim": lambda m, a, b: m.nn.functional.log_softmax(a),
    "var_mean with no degree of freedom": lambda m, a, b: m.var_mean(m.ones(1)),
    "std with no degree of freedom": lambda m, a, b: m.ones(1).std(),
    "tensor of a tensor": lambda m, a, b: m.tensor(a),
    "mse_loss of another shape": lambda m, a, b: m.nn.functional.mse_loss(a, b[0]),
    "l1_loss of another shape": lambda m, a, b: m.nn.functional.l1_loss(a, b[0]),
    "kl_div's mean": lambda m, a, b: m.nn.functional.kl_div(a, b),
}


def _where(m, name, times=1):
    a, b = m.tensor(A), m.tensor(A[::-1].copy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for _ in range(times):
            CALLS[name](m, a, b)
    return [(x.filename, x.category) for x in w]


@pytest.mark.parametrize("name", list(CALLS))
def test_a_warning_names_the_callers_line(name):
    got = _where(dt, name)
    assert got and all(f == __file__ and c is UserWarning for f, c in got), got


@pytest.mark.parametrize("name", list(CALLS))
def test_every_call_warns_once(name):
    # (a lane that replays a call, or makes its plan from trial runs, must not swallow or
    # repeat a warning the call gives: F.softmin without dim did both)
    assert len(_where(dt, name, times=5)) == 5


def test_the_same_places_as_torch():
    torch = pytest.importorskip("torch")
    for name in CALLS:
        assert [f for f, _ in _where(torch, name)] == [f for f, _ in _where(dt, name)], name


def test_cross_without_dim_warns_once_a_process():
    _torch_warnings._ONCE.discard("cross")
    a, b = dt.tensor(A), dt.tensor(A.T.copy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        dt.cross(a, b, dim=1)                # (dim given: no warning)
        dt.linalg.cross(a, b)
        assert not w
        got = dt.cross(a, b)
        a.cross(b)
        dt.cross(a, b)
    assert [(x.filename, str(x.message).splitlines()[0]) for x in w] == [
        (__file__, "Using torch.cross without specifying the dim arg is deprecated.")]
    np.testing.assert_allclose(got.numpy(), np.cross(A, A.T, axis=0), rtol=1e-6)
