"""``pool_params`` and ``conv_params`` work a call with plain arguments out once per operand
shape (``dlcore/ops/_params_memo.py``, issue 19): the memo gives the same parameters as a fresh
computation, a fresh dict every call (avg_pool edits it), refuses what the first call refused
(a float kernel size), and leaves calls with lists or pairs to the full computation."""

import numpy as np
import pytest

import dlcore_eager as E
from dlcore.ops import pool
from dlcore.ops.conv import _conv_params, conv_params
from dlcore.ops._params_memo import plain


def test_the_memo_gives_fresh_equal_dicts():
    x = np.zeros((1, 3, 9, 9), np.float32)
    pool._POOL_PARAMS.clear()
    a = pool.pool_params(x, 3, 2, 1, 1, True)
    b = pool.pool_params(x, 3, 2, 1, 1, True)
    assert a == b and a is not b
    assert a == pool._pool_params(pool.aval_of(x), 3, 2, 1, 1, True, "max_pool", None)
    del a["dilation"]                                  # (avg_pool's edit)
    assert "dilation" in pool.pool_params(x, 3, 2, 1, 1, True)
    assert pool.pool_params(x, [3, 3], (2, 2), 1) == pool.pool_params(x, 3, 2, 1)
    assert pool.pool_params(np.zeros((1, 3, 8, 8), np.float32), 3, 2, 1)["out_size"] == (4, 4)


def test_refusals_are_not_memoised():
    x = np.zeros((1, 3, 9, 9), np.float32)
    pool.pool_params(x, 2)
    with pytest.raises(TypeError):
        pool.pool_params(x, 2.0)
    for _ in range(2):
        with pytest.raises(pool.PoolPaddingError, match="pad should be at most half"):
            pool.pool_params(x, 2, padding=2)


def test_pooling_values_are_torchs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 9, 9)).astype(np.float32)
    for _ in range(2):                                 # (the second call from the memo)
        for k, s, p, c in [(2, None, 0, False), (3, 2, 1, True), (3, 2, 1, False)]:
            np.testing.assert_array_equal(
                E.nn.functional.max_pool2d(E.tensor(a), k, s, p, ceil_mode=c).numpy(),
                torch.nn.functional.max_pool2d(torch.tensor(a), k, s, p, ceil_mode=c).numpy())
            np.testing.assert_allclose(
                E.nn.functional.avg_pool2d(E.tensor(a), k, s, p, ceil_mode=c).numpy(),
                torch.nn.functional.avg_pool2d(torch.tensor(a), k, s, p, ceil_mode=c).numpy(),
                rtol=1e-6, atol=1e-7)


def test_conv_params_memo():
    x, w = np.zeros((1, 3, 9, 9), np.float32), np.zeros((4, 3, 3, 3), np.float32)
    a = conv_params(x, w, 2, "SAME", 1, 1)
    b = conv_params(x, w, 2, "SAME", 1, 1)
    assert a == b and a is not b
    assert a == _conv_params(pool.aval_of(x), pool.aval_of(w), 2, "SAME", 1, 1, "conv")
    assert conv_params(x, w, [2, 2], "SAME") == a                 # (a list: computed)
    assert conv_params(np.zeros((1, 3, 8, 8), np.float32), w, 2, "SAME") != a
    for _ in range(2):
        with pytest.raises(ValueError, match="non-positive stride"):
            conv_params(x, w, 0)
    assert plain(True) and plain((1, 2)) and not plain((1.0, 2)) and not plain([1])
