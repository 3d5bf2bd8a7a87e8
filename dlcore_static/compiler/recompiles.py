"""Why did this Session build (and compile) a new plan?

A Session caches one plan per key: the fetches, the fed tensors with their shapes and dtypes,
and the passes.  A new key means a new plan (and, with the ``compile`` pass, new generated code:
seconds of Numba compilation on a cold cache).  TensorFlow only warns generically about
retracing; JAX (``jax_explain_cache_misses``) and PyTorch (``TORCH_LOGS=recompiles``) say which
guard failed.  This module does the same for Session plans: for each rebuild it finds the
previous key of the same Session closest to the new one and names what differs::

    dlcore_static: plan #2 built for Session 0x7f..: feed 'x:0' shape (64, 1000) -> (32, 1000)
    dlcore_static: plan #3 built for Session 0x7f..: fetches changed: +['loss:0'] -['y:0']

Switch it on with ``explain_recompiles(True)`` or ``DLCORE_LOG_RECOMPILES=1``; the lines go to
the ``dlcore_static.compiler`` logger and to stderr, and every Session keeps its own list in
``sess.recompile_log`` (also when logging is off) with a counter ``len(sess.recompile_log)``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any, NamedTuple

logger = logging.getLogger("dlcore_static.compiler")
_enabled: bool | None = None


def explain_recompiles(on: bool = True) -> None:
    """Log why each plan was (re)built; see the module docstring."""
    global _enabled
    _enabled = bool(on)


def enabled() -> bool:
    if _enabled is not None:
        return _enabled
    return os.environ.get("DLCORE_LOG_RECOMPILES", "") not in ("", "0", "false", "False")


def _name(x) -> str:
    name = getattr(x, "name", _NO_NAME)        # (repr only when there is no name: a tensor's
    return repr(x) if name is _NO_NAME else str(name)  # repr formats its shape, issue 19)


_NO_NAME = object()


class _Fed(NamedTuple):
    """A fed value's shape and dtype (a kept key holds no array)."""

    shape: tuple
    dtype: Any


def _key(fetches, fed, vals, passes) -> dict:
    leaves = fetches if isinstance(fetches, (list, tuple)) else [fetches]
    flat: list = []
    for f in leaves:
        if isinstance(f, dict):
            flat.extend(f.values())
        else:
            flat.append(f)
    return {"fetches": tuple(_name(f) for f in flat),
            "feeds": {t.name: (tuple(v.shape), str(v.dtype)) for t, v in zip(fed, vals)},
            "passes": tuple(passes)}


_LOCK = threading.Lock()          # (note_plan_built's: one Session's history at a time)


def diff(old: dict, new: dict) -> list[str]:
    """What differs between two keys, as short phrases."""
    out = []
    if old["fetches"] != new["fetches"]:
        plus = [f for f in new["fetches"] if f not in old["fetches"]]
        minus = [f for f in old["fetches"] if f not in new["fetches"]]
        out.append(f"fetches changed: +{plus} -{minus}" if plus or minus else
                   "fetches changed: same tensors in another structure or order")
    of, nf = old["feeds"], new["feeds"]
    for k in nf:
        if k not in of:
            out.append(f"feed '{k}' added")
        elif of[k][0] != nf[k][0]:
            out.append(f"feed '{k}' shape {of[k][0]} -> {nf[k][0]}")
        elif of[k][1] != nf[k][1]:
            out.append(f"feed '{k}' dtype {of[k][1]} -> {nf[k][1]}")
    for k in of:
        if k not in nf:
            out.append(f"feed '{k}' removed")
    if old["passes"] != new["passes"]:
        out.append(f"passes {list(old['passes'])} -> {list(new['passes'])}")
    return out


def note_plan_built(session, fetches, fed, vals, passes) -> str:
    """Record (and, when enabled, log) why this plan was built.  A Session's first key is
    kept as its parts and written out only when a second plan is built (a Session that builds
    one plan, e.g. one per graph built per batch, never reads it: issue 19)."""
    with _LOCK:     # (threads build plans of one Session at once: queue runners, a probe)
        history = session.__dict__.setdefault("_plan_keys", [])
        log = session.__dict__.setdefault("recompile_log", [])
        if not history:
            kept = list(fetches) if isinstance(fetches, (list, tuple)) else fetches
            key: Any = (kept, tuple(fed), [_Fed(v.shape, v.dtype) for v in vals], passes)
            reason = "first plan of this Session"
        else:
            for i, k in enumerate(history):     # (a key still in parts: the first one)
                if type(k) is tuple:
                    history[i] = _key(*k)
            key = _key(fetches, fed, vals, passes)
            best = min(history, key=lambda k: len(diff(k, key)))
            parts = diff(best, key)
            reason = "; ".join(parts) if parts else "same key as an earlier plan (cache cleared?)"
        history.append(key)
        line = (f"dlcore_static: plan #{len(history)} built for Session {id(session):#x}: "
                f"{reason}")
        log.append(line)
    if enabled():
        logger.info(line)
        print(line, file=sys.stderr)
    return line
