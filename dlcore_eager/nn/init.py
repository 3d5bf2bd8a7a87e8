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


def _host_rng(generator):
    from ..creation import _rng
    return _rng(generator)


def trunc_normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Normal(mean, std) values redrawn until they fall in ``[a, b]`` (absolute bounds, as
    PyTorch's)."""
    rng = _host_rng(generator)
    shape = tuple(t.shape)
    out = rng.normal(mean, std, shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _write(t, out)


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
    flat = _host_rng(generator).standard_normal((rows, cols))
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
    """Normal(0, std) values with a fraction ``sparsity`` of each column zeroed (2-D)."""
    import numpy as np
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rng = _host_rng(generator)
    rows, cols = tuple(t.shape)
    w = rng.normal(0.0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        w[rng.permutation(rows)[:zeros], c] = 0.0
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
