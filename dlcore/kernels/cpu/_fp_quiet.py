"""NumPy's floating-point warnings silenced around a kernel's NumPy call, as the Numba loops
(error_model='numpy') are silent: ``_QUIET`` (set, reset, the ignoring state) and ``_FP``
(get, set, the ignoring state).  A kernel sets the state inside its ``try`` and writes back
what ``get`` gave in its ``finally`` (review22 EG2: with ``token = set(...)`` before the
``try``, a Ctrl-C as the set returned left NumPy ignoring every error for the rest of the
process, the token unbound); ``_QUIET``'s set/reset pair stays for per-thread contexts
(``Context.run``) and callers that keep the token themselves."""

from __future__ import annotations

import numpy as np

# NumPy >= 2 keeps its error state in a context variable: setting it directly costs 0.2 us,
# np.errstate's keyword parsing 5 us (more than a small ufunc call itself).
try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
    _IGNORE = _make_extobj(all="ignore")

    def _quiet_fp():
        """Silence NumPy's floating-point warnings (overflow, 0/0) until ``_loud_fp``, as the
        Numba loops (error_model='numpy') are silent."""
        return _extobj_contextvar.set(_IGNORE)

    _loud_fp = _extobj_contextvar.reset
    #: (set, reset, state): the same as ``_quiet_fp``/``_loud_fp`` without the function call,
    #: for the small-array hot paths
    _QUIET: tuple = (_extobj_contextvar.set, _extobj_contextvar.reset, _IGNORE)
    _FP: tuple = (_extobj_contextvar.get, _extobj_contextvar.set, _IGNORE)
except ImportError:                         # pragma: no cover - NumPy 1.x
    def _quiet_fp():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def _loud_fp(state):
        state.__exit__(None, None, None)

    _QUIET = (lambda _: _quiet_fp(), _loud_fp, None)

    def _fp_set(state):
        np.seterr(**state)

    _FP = (np.geterr, _fp_set, {"all": "ignore"})
