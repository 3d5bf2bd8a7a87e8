"""The 0-d entries of an optimizer's per-parameter state as PyTorch keeps them: the step count
(``state['step']``, ``tensor(12.)`` in a checkpoint), NAdam's ``mu_product`` and ASGD's ``eta``
and ``mu`` are 0-d tensors of the default scalar dtype (``torch.optim.optimizer.
_get_scalar_dtype``); the updates read them as Python numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor


def scalar_dtype() -> type:
    """The dtype of PyTorch's 0-d optimizer state (``step``, NAdam's ``mu_product``, ASGD's
    ``eta`` and ``mu``): float64 when that is the default dtype, float32 otherwise."""
    return np.float64 if D.get_default_dtype().np_dtype == np.float64 else np.float32


def scalar_tensor(x: float) -> Tensor:
    """A 0-d state tensor of ``scalar_dtype()`` on the host (PyTorch's ``state['step']``)."""
    return Tensor._wrap(np.array(x, scalar_dtype()))


def advance_step(state: dict, t: int) -> None:
    """``state['step'] = t`` as PyTorch's ``step_t += 1``: the step tensor already in the state
    (a host 0-d tensor) is written in place, so a reference to it sees the new count and an
    update that keeps every other state buffer in place allocates nothing; anything else (no
    step yet, a number from an older checkpoint) gets a new 0-d tensor."""
    s = state.get("step")
    b = s._buf if isinstance(s, Tensor) else None
    if s is not None and type(b) is np.ndarray and b.shape == () and b.flags.writeable:
        b[()] = t
        s._vc[0] += 1
    else:
        state["step"] = scalar_tensor(t)


def state_value(x) -> float:
    """A 0-d state entry's value (a tensor, or a number from an older checkpoint)."""
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def step_count(state: dict) -> int:
    """The number of steps a parameter's state has taken (0 for a fresh state)."""
    s = state.get("step")
    if s is None:
        return 0
    b = getattr(s, "_buf", None)
    if type(b) is np.ndarray:             # the usual host tensor: no item() round trip
        return int(b)
    return int(state_value(s))


def _same_device_array(ob, vb) -> bool:
    """Both C-contiguous device arrays (Numba's) of one type, shape and dtype."""
    return ob is not None and type(ob) is type(vb) and hasattr(ob, "copy_to_device") and \
        ob.shape == vb.shape and ob.dtype == vb.dtype and ob.size > 0 and \
        ob.is_c_contiguous() and vb.is_c_contiguous()


def install(state: dict, new: dict) -> None:
    """Put an update's new state values (computed aside from the old ones, so that a step
    that raises changes nothing) into ``state`` as PyTorch's in-place updates
    (``exp_avg.lerp_``, ``step_t += 1``) leave them: a host tensor already in the state with
    the new value's shape and dtype keeps its identity and gets the new values written into
    it (a reference taken before the step, ``state_dict()``'s entries, an optimizer that
    loaded this one's state without a copy all see them); anything else (no value yet, another
    shape or dtype, a read-only buffer, a non-contiguous device array) is replaced; a C-contiguous
device array is written device to device.  Every decision is made before
    the first write, and the writes (same shape and dtype) cannot fail."""
    writes: list[tuple[Tensor, Any, Any]] = []
    replace = {}
    for k, v in new.items():
        old = state.get(k)
        if old is v:
            continue
        ob = old._buf if isinstance(old, Tensor) else None
        vb = v._buf if isinstance(v, Tensor) else None
        if isinstance(old, Tensor) and type(ob) is np.ndarray and type(vb) is np.ndarray and \
                ob.shape == vb.shape and ob.dtype == vb.dtype and ob.flags.writeable:
            writes.append((old, ob, vb))
        elif isinstance(old, Tensor) and _same_device_array(ob, vb):
            writes.append((old, ob, vb))
        else:
            replace[k] = v
    for old, ob, vb in writes:
        if type(ob) is not np.ndarray:
            ob.copy_to_device(vb)              # device to device, one C-contiguous block
        elif ob.ndim:
            ob[...] = vb                       # (cheaper than np.copyto's casting checks)
        else:
            ob[()] = vb
        old._vc[0] += 1
    if replace:
        state.update(replace)                  # one C call


__all__ = ["advance_step", "install", "scalar_dtype", "scalar_tensor", "state_value", "step_count"]
