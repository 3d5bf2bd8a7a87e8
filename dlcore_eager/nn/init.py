"""``nn.init``: fill a tensor in place with initial values, without recording on the tape.

The default initialisation of ``nn.Linear`` is ``kaiming_uniform_(w, a=sqrt(5))``, which works
out to ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and the same bound for the bias.
"""

from __future__ import annotations

import math
import warnings

from .._state import STATE
from ..tensor import Tensor


def _no_grad_fill(t: Tensor, fill) -> Tensor:
    prev, STATE.enabled = STATE.enabled, False
    try:
        fill(t)
    finally:
        STATE.enabled = prev
    return t


def calculate_gain(nonlinearity: str, param=None) -> float:
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    if t.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for d in t.shape[2:]:
        receptive *= d
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fan(t: Tensor, mode: str) -> int:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    return _no_grad_fill(t, lambda x: x.uniform_(a, b, generator=generator))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    return _no_grad_fill(t, lambda x: x.normal_(mean, std, generator=generator))


def constant_(t: Tensor, val: float) -> Tensor:
    return _no_grad_fill(t, lambda x: x.fill_(val))


def zeros_(t: Tensor) -> Tensor:
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    return constant_(t, 1.0)


def xavier_uniform_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _zero_element(t: Tensor) -> bool:
    """PyTorch's kaiming_* leave a tensor with a zero-size dimension as it is, with a warning
    (``nn.Conv2d(0, 3, 3)``, ``nn.Linear(0, 3)``: fan_in 0 would divide by zero)."""
    if 0 in tuple(t.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    if _zero_element(t):
        return t
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    if _zero_element(t):
        return t
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode))
    return normal_(t, 0.0, std, generator)


def _write(t: Tensor, values) -> Tensor:
    """Copy NumPy ``values`` into ``t`` in place, unrecorded."""
    import numpy as np

    from ..creation import tensor
    arr = np.asarray(values, dtype=t._buf.dtype if hasattr(t._buf, "dtype") else None)
    return _no_grad_fill(t, lambda x: x.copy_(tensor(arr)))


def trunc_normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Normal(mean, std) truncated to ``[a, b]`` (absolute bounds), drawn as PyTorch 2.13 does
    (same draws): when ``[a, b]`` holds more than 0.3 of the mass, ``normal_`` with rejected
    values redrawn (a whole ``normal_`` of the tensor's size per round); otherwise uniform
    candidates on ``[a, b]`` accepted when ``log U <= log pdf - log peak``."""
    import warnings

    from .._tensor_ops import where
    from ..creation import empty_like

    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)

    def fill(x):
        if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
            lo, hi = x.new_tensor(a).item(), x.new_tensor(b).item()
            res = x.normal_(mean, std, generator=generator)
            while True:
                mask = (res < lo) | (res > hi)
                if not mask.any():
                    break
                res = where(mask, empty_like(res).normal_(mean, std, generator=generator), res)
            return x.copy_(res) if res is not x else x
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        cand, buf = empty_like(x), empty_like(x)
        x.uniform_(a, b, generator=generator)
        cand.copy_(x)
        cand.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)
        pending = buf.uniform_(generator=generator).log_().gt(cand)
        res = x
        while pending.any():
            cand.uniform_(a, b, generator=generator)
            res = where(pending, cand, res)
            cand.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)
            pending = where(pending, buf.uniform_(generator=generator).log_().gt(cand), pending)
        return x.copy_(res) if res is not x else x
    return _no_grad_fill(t, fill)


def orthogonal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one (Saxe et al.), the
    trailing dimensions flattened, as PyTorch's."""
    import numpy as np
    if t.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if t.numel() == 0:
        return t
    rows = t.shape[0]
    cols = t.numel() // rows
    # PyTorch: new_empty((rows, cols)).normal_(0, 1) in the tensor's dtype, then QR
    flat = t.new_empty((rows, cols)).normal_(0, 1, generator=generator).numpy()
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(t, (gain * q).reshape(tuple(t.shape)))


def eye_(t: Tensor) -> Tensor:
    """The identity matrix (2-D only)."""
    import numpy as np
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(t, np.eye(*tuple(t.shape)))


def dirac_(t: Tensor, groups: int = 1) -> Tensor:
    """A convolution kernel that preserves its input (a 1 at each kernel's centre), as
    PyTorch's, for 3-, 4- and 5-D weights."""
    import numpy as np
    if t.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    shape = tuple(t.shape)
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per = shape[0] // groups
    w = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(out_per, shape[1])):
            w[(g * out_per + d, d) + centre] = 1.0
    return _write(t, w)


def sparse_(t: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Normal(0, std) values with a fraction ``sparsity`` of each column zeroed (2-D), drawn as
    PyTorch: ``normal_(0, std)`` then one ``randperm(rows)`` per column."""
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    from ..creation import randperm
    rows, cols = tuple(t.shape)
    w = t.new_empty((rows, cols)).normal_(0.0, std, generator=generator).numpy()
    zeros = math.ceil(sparsity * rows)
    for c in range(cols):                 # PyTorch draws these from the default generator
        w[randperm(rows).numpy()[:zeros], c] = 0.0
    return _write(t, w)


def _make_deprecate(meth):
    """PyTorch's old names without the trailing underscore (``nn.init.xavier_uniform(w)``, as
    pre-0.4 tutorials write): the in-place initialiser, with PyTorch's FutureWarning."""
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        import warnings
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__name__ = old_name
    deprecated_init.__doc__ = f"Deprecated form of ``nn.init.{new_name}``."
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
