"""``torch.amp``: ``autocast`` and ``GradScaler``, so mixed-precision training loops run.

``GradScaler`` is PyTorch's dynamic loss scaling, exactly: ``scale(loss)`` multiplies by the
scale, ``step(optimizer)`` unscales the gradients (once; ``unscale_`` may do it earlier, e.g. to
clip them) and skips the step when any is inf or NaN, ``update()`` halves the scale after a
skipped step (``backoff_factor``) and doubles it after ``growth_interval`` clean ones.  It is
disabled, as in PyTorch, when asked for CUDA where there is none.

``autocast('cpu')`` (also ``torch.cpu.amp.autocast``) does what PyTorch's CPU autocast does:
inside it, ops of PyTorch's lower-precision list (matmul, linear, conv, ...) compute in bfloat16
(or the float16 asked for) and return it, ops of its float32 list (losses, prod, linalg, ...)
compute in float32, and the others run on the dtypes they get; gradients reach float32
parameters in float32 (the lists and how they are applied, per op: ``_autocast``).  The state
is per thread, as PyTorch's: a region in one thread changes nothing in another.
``is_autocast_enabled()`` without a device asks about CUDA, as in PyTorch 2.13.  ``autocast('cuda')`` with a GPU is tracked
but its ops still compute and return float32; asked for CUDA where there is none it warns and
disables itself, as PyTorch does.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from . import _autocast as A
from . import _dtype as D
from .autograd import no_grad


def _cuda_ok() -> bool:
    from . import cuda
    return cuda.is_available()


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Is an ``autocast`` region for ``device_type`` active on this thread (no argument: CUDA,
    as PyTorch)?"""
    st = A.TLS
    return bool(st.cpu if device_type == "cpu" else st.cuda if device_type in (None, "cuda")
                else False)


def get_autocast_dtype(device_type: str):
    """The dtype ``autocast`` uses for ``device_type`` on this thread (the innermost region's;
    outside one bfloat16 for the CPU, float16 for CUDA)."""
    st = A.TLS
    d = st.cpu_dtype if device_type == "cpu" else st.cuda_dtype
    if d is not None:
        return d
    return D.float16 if device_type == "cuda" else D.bfloat16 if hasattr(D, "bfloat16") \
        else D.float16


class autocast:
    """``with torch.autocast(device_type='cuda', dtype=torch.float16):`` (also a decorator)."""

    def __init__(self, device_type: str = "cuda", dtype=None, enabled: bool = True,
                 cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device_type = device_type.split(":")[0]
        if self.device_type not in ("cuda", "cpu"):
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{self.device_type}'")
        # as PyTorch: the thread's current dtype and cache setting unless given (read here)
        self.fast_dtype = dtype if dtype is not None else get_autocast_dtype(self.device_type)
        self._enabled = bool(enabled)
        self._cache_enabled = A.TLS.cache_enabled if cache_enabled is None else \
            bool(cache_enabled)
        if self._enabled and self.device_type == "cuda" and not _cuda_ok():
            warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                          "Disabling", stacklevel=2)
            self._enabled = False
        if self._enabled and self.device_type == "cpu" and \
                self.fast_dtype not in (getattr(D, "bfloat16", None), D.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", stacklevel=2)
            self._enabled = False

    def __enter__(self):
        self._saved = A.enter(self.device_type, self.fast_dtype, self._enabled,
                              self._cache_enabled)
        return self

    def __exit__(self, *exc):
        A.leave(self._saved)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self._enabled,
                          self._cache_enabled):
                return fn(*args, **kwargs)
        return wrapped


def is_autocast_cpu_enabled() -> bool:
    """Deprecated spelling of ``is_autocast_enabled('cpu')``."""
    warnings.warn("torch.is_autocast_cpu_enabled() is deprecated. Please use "
                  "torch.is_autocast_enabled('cpu') instead.", DeprecationWarning, stacklevel=2)
    return is_autocast_enabled("cpu")


def get_autocast_cpu_dtype():
    """Deprecated spelling of ``get_autocast_dtype('cpu')``."""
    warnings.warn("torch.get_autocast_cpu_dtype() is deprecated. Please use "
                  "torch.get_autocast_dtype('cpu') instead.", DeprecationWarning, stacklevel=2)
    return get_autocast_dtype("cpu")


def is_autocast_cache_enabled() -> bool:
    """Whether the open region caches its casts of weights (``cache_enabled``; True outside)."""
    return bool(A.TLS.cache_enabled)


def clear_autocast_cache() -> None:
    """Forget this thread's cached casts."""
    A.TLS.cache = {}


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` accepts ``device_type`` ("cpu" and "cuda")."""
    return device_type in ("cpu", "cuda")


def _cast_inputs(value, device_type: str, dtype):
    from .tensor import Tensor
    if isinstance(value, Tensor):
        ok = value.is_floating_point() and value.device.type == device_type
        return value.to(dtype) if ok else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, device_type, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_inputs(v, device_type, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """``@torch.amp.custom_fwd(device_type=..., cast_inputs=None)`` on a custom Function's
    ``forward``: inside an autocast region it either records the region for backward
    (``cast_inputs=None``) or casts the floating inputs to ``cast_inputs`` and runs with autocast
    disabled, as PyTorch does."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        on = is_autocast_enabled(device_type)
        if cast_inputs is None or not on:
            ctx._fwd_used_autocast = on and cast_inputs is None
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast_inputs(args, device_type, cast_inputs),
                       **_cast_inputs(kwargs, device_type, cast_inputs))
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """``@torch.amp.custom_bwd(device_type=...)`` on ``backward``: it runs under the autocast
    state its forward ran under."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=getattr(ctx, "_fwd_used_autocast", False),
                      dtype=getattr(ctx, "_dtype", None)):
            return bwd(*args, **kwargs)
    return decorate_bwd


class GradScaler:
    """Dynamic loss scaling (``torch.amp.GradScaler``)."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda" and not _cuda_ok():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=2)
            self._enabled = False
        if growth_factor <= 1.0:
            raise ValueError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise ValueError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs):
        """``outputs * scale`` (a tensor, or every tensor of a list/tuple)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _state(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False,
                                                              "stepped": False,
                                                              "found_inf": False})

    def unscale_(self, optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale (once per step)."""
        if not self._enabled:
            return
        st = self._state(optimizer)
        if st["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        if st["stepped"]:
            raise RuntimeError("unscale_() is being called after step().")
        inv = 1.0 / self._scale
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inv)
                    g = p.grad._values() if p.grad.is_sparse else p.grad   # sparse: its values
                    if not bool(np.isfinite(np.asarray(g.detach().cpu()._buf)).all()):
                        found = True
        st["unscaled"] = True
        st["found_inf"] = found

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` unless an unscaled gradient is inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        st = self._state(optimizer)
        if st["stepped"]:
            raise RuntimeError("step() has already been called since the last update().")
        if not st["unscaled"]:
            self.unscale_(optimizer)
        st["stepped"] = True
        if st["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        """Back off after a skipped step, grow after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        else:
            found = any(st["found_inf"] for st in self._per_optimizer.values())
            if not self._per_optimizer:
                raise AssertionError("No inf checks were recorded prior to update.")
            if found:
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
            if not math.isfinite(self._scale):
                self._scale = float(np.finfo(np.float32).max)
        self._per_optimizer = {}

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state: dict) -> None:
        if not self._enabled:
            return
        if len(state) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["_growth_tracker"])


__all__ = ["GradScaler", "autocast", "clear_autocast_cache", "custom_bwd", "custom_fwd",
           "get_autocast_cpu_dtype", "get_autocast_dtype", "is_autocast_available",
           "is_autocast_cache_enabled", "is_autocast_cpu_enabled", "is_autocast_enabled"]
