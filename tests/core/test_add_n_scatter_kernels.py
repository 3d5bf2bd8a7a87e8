"""The CPU kernels of AddN and ScatterAdd that ``tf.gradients`` builds for a graph made per
batch (issue 19): AddN sums left to right as a chain of adds would, with floating-point
warnings silenced during the call only (and on its errors too); ScatterAdd adds rows in
index order, repeated rows summed, against NumPy's ``add.at``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dlcore.kernels.cpu import gather
from dlcore.ops.accumulate import _cpu_add_n


def test_add_n_is_the_chain_of_adds_left_to_right():
    rng = np.random.default_rng(3)
    xs = [(rng.standard_normal((2, 5)) * 10.0 ** rng.integers(-6, 6)).astype(np.float32)
          for _ in range(9)]
    chain = xs[0] + xs[1]
    for x in xs[2:]:
        chain = chain + x
    got = _cpu_add_n(*xs)
    assert got.dtype == np.float32 and got.shape == (2, 5)
    np.testing.assert_array_equal(got, chain)
    assert not any(got is x for x in xs)
    zero_d = _cpu_add_n(np.array(1.5), np.array(2.0), np.array(-0.25))
    assert type(zero_d) is np.ndarray and zero_d.shape == () and zero_d == 3.25


def test_add_n_is_silent_on_inf_and_overflow_and_restores_the_error_state():
    a = np.array([np.inf, 3e38], np.float32)
    b = np.array([-np.inf, 3e38], np.float32)
    with np.errstate(all="warn"), warnings.catch_warnings():   # (loud outside the kernel)
        warnings.simplefilter("error")
        before = np.geterr()
        out = _cpu_add_n(a, b, b)
        assert np.isnan(out[0]) and out[1] == np.inf
        with pytest.raises(RuntimeWarning):         # (the state outside the call: loud)
            np.add(a, b)
        assert np.geterr() == before
        with pytest.raises(ValueError):             # shapes that do not broadcast
            _cpu_add_n(a, np.ones(3, np.float32), a)
        assert np.geterr() == before


def test_scatter_add_rows_against_add_at():
    rng = np.random.default_rng(4)
    ref = np.zeros((50, 3), np.float32)
    idx = np.array([7, 0, 49, 7, -1, 3, 7], np.int32)
    v = rng.standard_normal((7, 3)).astype(np.float32)
    want = np.zeros_like(ref)
    np.add.at(want, idx, v)
    for _ in range(2):                              # (the second call: the loaded loop)
        got = gather.scatter_add(v, idx, ref)
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert gather._ROWS and gather._ROWS[0] is sys_rows()
    with pytest.raises(Exception, match="index 50 is out of bounds for dimension 0 with size 50"):
        gather.scatter_add(v, np.array([0, 1, 2, 3, 4, 5, 50], np.int32), ref)


def sys_rows():
    from dlcore.kernels.cpu._jit_index import scatter_add_rows
    return scatter_add_rows


class _Interrupting:
    """An object whose sum raises KeyboardInterrupt (a Ctrl-C inside the ufunc call)."""

    def __add__(self, other):
        raise KeyboardInterrupt

    __radd__ = __add__


def test_a_ctrl_c_leaves_the_error_state_as_it_was(monkeypatch):
    # review22 PB1: an interrupt as the silencing set returns (token-style reset unbound) or
    # inside the call must not leave NumPy ignoring floating-point errors process-wide
    from dlcore.kernels.cpu.known_shapes import _quiet_call
    from dlcore.ops import accumulate
    silence = accumulate._silence

    def interrupted(state):
        silence(state)
        raise KeyboardInterrupt

    obj = np.array([_Interrupting()], dtype=object)
    with np.errstate(all="warn"):
        before = np.geterr()
        with pytest.raises(KeyboardInterrupt):
            _cpu_add_n(obj, obj, obj)
        assert np.geterr() == before
        with pytest.raises(KeyboardInterrupt):
            _quiet_call(np.add)(obj, obj)
        assert np.geterr() == before
        monkeypatch.setattr(accumulate, "_silence", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _cpu_add_n(np.ones(2), np.ones(2), np.ones(2))
        assert np.geterr() == before


def test_tanh_grads_numpy_form_leaves_the_error_state_on_a_ctrl_c(monkeypatch):
    # review22 PB1 follow-up: transcendental._quiet (TanhGrad/SigmoidGrad's NumPy form)
    from dlcore.kernels.cpu import transcendental
    get, put, ignore = transcendental._FP

    def interrupted(state):
        put(state)
        if state is ignore:
            raise KeyboardInterrupt

    g = np.ones(3, np.float64)
    with np.errstate(all="warn"):
        before = np.geterr()
        monkeypatch.setattr(transcendental, "_FP", (get, interrupted, ignore))
        with pytest.raises(KeyboardInterrupt):
            transcendental.tanh_grad(g, g)
        assert np.geterr() == before
        monkeypatch.setattr(transcendental, "_FP", (get, put, ignore))
        big = np.array([3e308, 0.0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = transcendental.tanh_grad(big, big)    # (overflow in t * t: silent)
        assert np.isinf(out[0]) and np.geterr() == before
