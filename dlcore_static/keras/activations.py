"""Keras activations by name: every Keras 2 name ('relu', 'elu', 'selu', 'softplus',
'softsign', 'sigmoid', 'hard_sigmoid', 'exponential', 'tanh', 'softmax', 'linear')."""

from __future__ import annotations

from collections.abc import Callable

from dlcore import ops as _ops


def linear(x):
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras' ``relu``: ``x`` where ``x > threshold`` else 0, clipped at ``max_value``, minus
    ``alpha * relu(threshold - x)`` (``leaky_relu`` when only ``alpha`` is given)."""
    if not threshold:
        y = _ops.leaky_relu(x, alpha) if alpha else _ops.relu(x)
        return _ops.minimum(y, float(max_value)) if max_value is not None else y
    thr = float(threshold)
    y = _ops.mul(x, _ops.cast(_ops.greater(x, thr), x.aval.dtype))
    if max_value is not None:
        y = _ops.minimum(_ops.maximum(y, 0.0), float(max_value))
    if alpha:
        y = _ops.sub(y, _ops.mul(_ops.relu(_ops.sub(thr, x)), float(alpha)))
    return y


def elu(x, alpha=1.0): return _ops.elu(x, alpha)
def selu(x): return _ops.selu(x)
def softplus(x): return _ops.softplus(x)
def softsign(x): return _ops.softsign(x)
def sigmoid(x): return _ops.sigmoid(x)
def tanh(x): return _ops.tanh(x)
def exponential(x): return _ops.exp(x)


def hard_sigmoid(x):
    """Keras 3's ``relu6(x + 3) / 6`` (``clip(x / 6 + 0.5, 0, 1)``).  Keras 2 and tf.keras
    named ``clip(0.2 x + 0.5, 0, 1)`` so; their model files are read with that formula
    (``_activation_files.keras2_hard_sigmoid``)."""
    return _ops.div(_ops.relu6(_ops.add(x, 3.0)), 6.0)


def softmax(x, axis=-1):
    if x.aval.ndim < 2 and x.aval.ndim != 1:
        raise ValueError("Cannot apply softmax to a tensor that is 1D")
    return _ops.softmax(x, axis)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return _ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """``x`` where positive, ``negative_slope * x`` elsewhere (Keras 3's default slope)."""
    return _ops.leaky_relu(x, float(negative_slope))


def gelu(x, approximate=False):
    """``x * Phi(x)`` (``0.5 x (1 + erf(x / sqrt 2))``), or its tanh approximation."""
    if approximate:
        inner = _ops.mul(_ops.add(x, _ops.mul(_ops.mul(_ops.square(x), x), 0.044715)),
                         0.7978845608028654)
        return _ops.mul(_ops.mul(x, 0.5), _ops.add(_ops.tanh(inner), 1.0))
    return _ops.mul(_ops.mul(x, 0.5), _ops.add(_ops.erf(_ops.mul(x, 0.7071067811865476)), 1.0))


def silu(x):
    """``x * sigmoid(x)`` (also ``swish``)."""
    return _ops.mul(x, _ops.sigmoid(x))


swish = silu


def mish(x):
    """``x * tanh(softplus(x))``."""
    return _ops.mul(x, _ops.tanh(_ops.softplus(x)))


def hard_silu(x):
    """``x * relu6(x + 3) / 6`` (also ``hard_swish``)."""
    return _ops.mul(x, _ops.div(_ops.relu6(_ops.add(x, 3.0)), 6.0))


hard_swish = hard_silu


def log_softmax(x, axis=-1):
    """``x - logsumexp(x, axis)``."""
    return _ops.log_softmax(x, axis)


_TABLE: dict[str | None, Callable] = {
    f.__name__: f for f in (linear, relu, elu, selu, softplus, softsign, sigmoid, tanh,
                            exponential, hard_sigmoid, softmax, relu6, leaky_relu, gelu, silu,
                            mish, hard_silu, log_softmax)}
_TABLE.update({"swish": silu, "hard_swish": hard_silu})
_TABLE[None] = linear


def get(identifier):
    if callable(identifier):
        return identifier
    try:
        return _TABLE[identifier]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown activation function:{identifier}") from None


def serialize(fn) -> str:
    return fn.__name__
