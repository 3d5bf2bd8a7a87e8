"""review22 EG2: the elementwise kernel entries silence NumPy's floating-point warnings around
their NumPy call by setting the error state inside their ``try`` and writing back what it was
in their ``finally``: an interrupt inside the call, or one delivered just as the silencing set
returns, leaves ``np.geterr()`` as it was (with the reset token taken before the ``try``, the
second left every error ignored for the rest of the process)."""

import types

import numpy as np
import pytest

from dlcore.kernels.cpu import elementwise as ew


def _kern():
    return types.SimpleNamespace(name="t", expr="f(x)", module=None, into=None, __name__="t")


def _interrupting_set(real_set):
    calls = []

    def set_(state):
        real_set(state)
        calls.append(state)
        if len(calls) == 1:             # (the silencing set, interrupted as it returns)
            raise KeyboardInterrupt
    return set_


@pytest.mark.parametrize("where", ["inside the call", "as the set returns"])
def test_unary_entry_keeps_the_error_state(monkeypatch, where):
    get, real_set, ignore = ew._FP
    if where == "as the set returns":
        monkeypatch.setattr(ew, "_FP", (get, _interrupting_set(real_set), ignore))

    def simd(x):
        raise KeyboardInterrupt
    entry = ew._simd_entry(_kern(), simd if where == "inside the call" else np.exp)
    with np.errstate(all="warn"):
        before = np.geterr()
        with pytest.raises(KeyboardInterrupt):
            entry(np.ones(3, np.float32))
        assert np.geterr() == before
    with np.errstate(all="warn"), pytest.warns(RuntimeWarning, match="overflow"):
        np.exp(np.float32(1000.0))          # (warnings are on again here)


def test_binary_entry_silences_overflow_and_keeps_the_error_state():
    add = ew.UFUNC_BINARY and ew._binary_entry(_kern_for_add(), np.add, "fc")
    big = np.full(3, 3e38, np.float32)
    with np.errstate(all="raise"):
        before = np.geterr()
        assert np.isinf(add(big, big)).all()        # (no FloatingPointError: silenced)
        assert np.geterr() == before


def _kern_for_add():
    k = _kern()
    k.policy = "input"
    k._flat_fn = None
    k._flat = {}
    return k
