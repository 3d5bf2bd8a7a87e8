"""The vjp rules' NumPy-ufunc paths (issue 19) against their kernel/op paths, bit for bit.

Eager backward's buffer pass silences NumPy's floating-point warnings for its loop; inside it
the ``_plain`` vjp rules call NumPy's ufuncs themselves (``elementwise._ufunc_now``), and
``where``'s rule NumPy's select, where the kernels would run the same IEEE operations.  Each
rule runs here on the same buffers (with inf, nan, -0.0 and values that overflow) inside the
silenced state and outside it (the kernels' path, or the ops' path for ``where``), and the
results must be the same bits, dtypes and shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu.elementwise import _QUIET
from dlcore.ops import elementwise as ew
from dlcore.ops import power
from dlcore.ops import softmax_prims as sp

_quiet, _loud, _SILENCED = _QUIET


def _values(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype) * 3
    flat = x.reshape(-1)
    flat[:4] = [np.inf, -np.inf, np.nan, -0.0]
    flat[4:6] = [np.finfo(dtype).max, np.finfo(dtype).tiny]
    return x


def _force(res):
    return [r() if callable(r) else r for r in res]


def _both_ways(rule, *args, **params):
    token = _quiet(_SILENCED)
    try:
        fast = _force(rule(*args, **params))
    finally:
        _loud(token)
    with np.errstate(all="ignore"):            # (not the silenced state: the kernels' path)
        assert not ew._ufunc_now(args[0])
        slow = _force(rule(*args, **params))
    return fast, slow


def _same(fast, slow):
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        if a is None or b is None:
            assert a is None and b is None
            continue
        assert type(a) is np.ndarray and type(b) is np.ndarray
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 8), (7,), (2, 3, 5)])
def test_elementwise_rules_ufunc_vs_kernel(dtype, shape):
    rng = np.random.default_rng(0)
    g, x, y = (_values(rng, shape, dtype) for _ in range(3))
    pos = np.abs(x) + dtype(0.5)
    two = np.array(2.0, dtype)
    with np.errstate(all="ignore"):
        cases = _cases(g, x, y, pos, two)
    for rule, args in cases:
        fast, slow = _both_ways(rule, *args)
        if rule is power.pow_p.vjp:
            fast, slow = fast[:1], slow[:1]      # (the exponent's: the general ops, both)
        _same(fast, slow)


def _cases(g, x, y, pos, two):
    return [
        (ew.neg_p.vjp, (g, -x, x)),
        (ew.log_p.vjp, (g, np.log(pos), pos)),
        (ew.exp_p.vjp, (g, y, x)),
        (ew.sqrt_p.vjp, (g, np.sqrt(pos), pos)),
        (ew.mul_p.vjp, (g, x * y, x, y)),
        (ew.div_p.vjp, (g, x / pos, x, pos)),
        (ew.sub_p.vjp, (g, x - y, x, y)),
        (power.pow_p.vjp, (g, x * x, x, two)),
        (ew.tanh_grad_p.vjp, (g, x, y, np.tanh(x))),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_rules_ufunc_vs_kernel(dtype, axis):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 8)).astype(dtype)
    g = _values(rng, (4, 8), dtype)
    e = np.exp(x - x.max(axis, keepdims=True))   # (y: a softmax)
    y = e / e.sum(axis, keepdims=True)
    _same(*_both_ways(sp.softmax_p.vjp, g, y, x, axis=axis))
    _same(*_both_ways(sp.log_softmax_p.vjp, g, np.log(y), x, axis=axis))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_where_rule_select_vs_ops(dtype):
    rng = np.random.default_rng(2)
    g = _values(rng, (3, 5), dtype)
    c = rng.standard_normal((3, 5)) > 0
    a, b = rng.standard_normal((2, 3, 5)).astype(dtype)
    fast = _force(ew.where_p.vjp(g, None, c, a, b))
    slow = [None, ew.where(c, g, 0), ew.where(c, 0, g)]
    _same(fast, slow)
    assert not np.signbit(fast[1][~c]).any() and not np.signbit(fast[2][c]).any()
    # broadcasting (a 0-d branch) keeps the general rule, summed back to the branch's shape
    with np.errstate(all="ignore"):
        (_, da, db) = _force(ew.where_p.vjp(g, None, c, a, np.array(1.0, dtype)))
    assert db.shape == () and da.shape == (3, 5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [1, 3])
def test_addmm_bias_cotangent_of_a_batch_of_one(dtype, rows):
    """addmm's bias cotangent: a batch of one is the row itself, copied (sum_to's kernel's
    values, -0.0 and nan included); other batches keep sum_to; the two products the ops'
    path's, bit for bit."""
    from dlcore.ops.broadcast import sum_to
    from dlcore.ops.linalg import addmm_p
    rng = np.random.default_rng(3)
    g = _values(rng, (rows, 6), dtype)
    a, b = rng.standard_normal((rows, 4)).astype(dtype), rng.standard_normal((4, 6)).astype(dtype)
    c = rng.standard_normal(6).astype(dtype)
    from dlcore.ops import shape as sh
    from dlcore.ops.linalg import matmul
    with np.errstate(all="ignore"):
        got = _force(addmm_p.vjp(g, None, c, a, b))
        want = [sum_to(g, c), matmul(g, sh.matrix_transpose(b)), matmul(sh.matrix_transpose(a), g)]
    _same(got[1:], want[1:])
    assert got[0].tobytes() == want[0].tobytes() and got[0].shape == (6,)
    assert not np.shares_memory(got[0], g)
    if rows == 1:
        assert got[0].base is None and got[0].flags.writeable


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gshape, ashape", [((1, 6), (6,)), ((1, 1, 6), (1, 6)), ((1,), ()),
                                            ((3, 6), (6,)), ((2, 1, 6), (1, 6)),
                                            ((1, 6), (1, 6))])
def test_add_and_sub_cotangents_summed_back_as_sum_to(dtype, gshape, ashape):
    """add's and sub's first cotangent: a batch of one (leading axes of one) is the values
    themselves, copied; anything else sum_to's own path; the same bits either way."""
    from dlcore.ops.broadcast import sum_to
    rng = np.random.default_rng(4)
    g = _values(rng, gshape, dtype) if int(np.prod(gshape)) >= 6 else \
        np.full(gshape, -0.0, dtype)
    a = np.ones(ashape, dtype)
    b = np.ones(gshape, dtype)
    with np.errstate(all="ignore"):
        want = sum_to(g, a)
        for rule in (ew.add_p.vjp, ew.sub_p.vjp):
            got = _force(rule(g, None, a, b))[0]
            assert got.shape == want.shape and got.dtype == want.dtype
            assert got.tobytes() == want.tobytes()
            assert got is g if gshape == ashape else not np.shares_memory(got, g)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mkn", [(1, 32, 32), (8, 16, 32), (3, 1, 5), (2, 7, 1)])
def test_matmul_rule_on_matrices_as_its_ops(dtype, mkn):
    """matmul's vjp on two float matrices (the kernel on transposed views) against the ops'
    path it stands for, bit for bit; a stack takes the ops' path."""
    from dlcore.ops import shape as sh
    from dlcore.ops.linalg import matmul, matmul_p
    m, k, n = mkn
    rng = np.random.default_rng(5)
    g = _values(rng, (m, n), dtype) if m * n >= 6 else rng.standard_normal((m, n)).astype(dtype)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    with np.errstate(all="ignore"):
        got = _force(matmul_p.vjp(g, None, a, b))
        want = [matmul(g, sh.matrix_transpose(b)), matmul(sh.matrix_transpose(a), g)]
    _same(got, want)
    g3, a3 = np.stack([g, g]), np.stack([a, a])
    with np.errstate(all="ignore"):
        da3, db3 = _force(matmul_p.vjp(g3, None, a3, b))
    assert da3.shape == (2, m, k) and db3.shape == (k, n)
