"""Index writes and addmm/linear dtype checks as PyTorch 2.13 makes them (compared with the real
torch where it is installed): ``y[key] = v`` on a tensor with a history names its node CopySlices
(basic keys) or IndexPutBackward0 (masks, integer arrays), with torch's gradients; a value that
does not broadcast to the indexed shape raises torch's RuntimeError; ``addmm`` and ``F.linear``
promote nothing and raise torch's messages, in torch's order of checks."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as T

torch = pytest.importorskip("torch")


def _write(L, case):
    x = L.arange(6.0, requires_grad=True)
    y = x * 2 if case != "view" else (x * 2).reshape(2, 3)
    if case != "view":
        y = y.reshape(2, 3).clone()
    key, val = {
        "basic": (0, 5.0), "slice": ((slice(None), 1), L.ones(2)),
        "mask scalar": ("mask", 0.0), "int list": ([0, 1], L.zeros(3)),
        "mask tensor": ("mask", "fit"), "view": ((slice(None), 2), 7.0),
    }[case]
    if key == "mask":
        key = y > 3
    if isinstance(val, str):
        val = L.arange(float(int((y > 3).sum()))) + 10
    y[key] = val
    (y * L.arange(6.0).reshape(2, 3)).sum().backward()
    return type(y.grad_fn).__name__, y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("case", ["basic", "slice", "mask scalar", "int list", "mask tensor",
                                  "view"])
def test_index_writes_name_their_node_and_differentiate_as_torch(case):
    name_t, y_t, g_t = _write(torch, case)
    name_d, y_d, g_d = _write(T, case)
    assert name_d == name_t
    np.testing.assert_array_equal(y_d, y_t)
    np.testing.assert_array_equal(g_d, g_t)


def test_a_value_that_does_not_broadcast_raises_torchs_error():
    for L in (torch, T):
        y = L.arange(6.0).reshape(2, 3)
        before = y.clone()
        with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[2\] "
                                               r"cannot be broadcast to indexing result of "
                                               r"shape \[4\]"):
            y[y > 1] = L.zeros(2)
        np.testing.assert_array_equal(y.numpy(), before.numpy())     # nothing written


def _errors(L, fn, cases):
    out = []
    for args in cases(L):
        try:
            out.append(str(fn(L)(*args).dtype).replace("torch.", ""))
        except RuntimeError as e:
            out.append(str(e))
    return out


def _addmm_cases(L):
    a, b = L.ones(2, 2), L.ones(2, 2, dtype=L.float64)
    return [(a, a, b), (b, a, a), (a, b, a), (a, b, b), (a, a, a), (L.ones(2), a, a)]


def _linear_cases(L):
    a, b = L.ones(2, 2), L.ones(2, 2, dtype=L.float64)
    return [(a, b, L.ones(2)), (a, b, None), (b, a, None), (a, a, L.ones(2, dtype=L.float64)),
            (b, a, L.ones(2)), (L.ones(2), b, L.ones(2)), (L.ones(3, 2, 2), b, L.ones(2))]


def test_addmm_promotes_nothing_and_says_so_as_torch():
    got = _errors(T, lambda L: L.addmm, _addmm_cases)
    assert got == _errors(torch, lambda L: L.addmm, _addmm_cases)
    assert got[0] == "self and mat2 must have the same dtype, but got Float and Double"
    assert got[2] == "mat1 and mat2 must have the same dtype, but got Double and Float"


def test_linear_checks_dtypes_in_addmm_order_as_torch():
    got = _errors(T, lambda L: L.nn.functional.linear, _linear_cases)
    assert got == _errors(torch, lambda L: L.nn.functional.linear, _linear_cases)
    assert got[4] == "mat1 and mat2 must have the same dtype, but got Double and Float"
