"""``tf.random_gamma`` (``tf.random.gamma``): samples of Gamma(alpha, beta) per run, as
TensorFlow 1.15's ``random_ops.random_gamma``.

    y[s..., a...] ~ Gamma(concentration=alpha[a...], rate=beta[a...]),  y = max(tiny, g / beta)

``shape`` (Python ints) is prepended to the broadcast shape of ``alpha`` and ``beta``.  The
standard draw g ~ Gamma(alpha, 1) is a graph-level random node like ``random_extra.multinomial``
(one value per run shared by all its consumers, seeded from the graph seed and ``seed=``, a new
Session repeats the sequence, drawn on the host with NumPy); ``/ beta`` and the ``max`` are
graph ops, so the gradient to ``beta`` is theirs.  The gradient to ``alpha`` is TensorFlow's
implicit reparameterisation (its ``RandomGammaGrad``), registered as the node's gradient::

    dg/dalpha = -(dP(alpha, g)/dalpha) / p(g; alpha)       P: the regularised lower incomplete
                                                           gamma function, p: the density

with dP/dalpha by central differences of ``scipy.special.gammainc`` (float64) on the host.
"""

from __future__ import annotations

import sys

import numpy as np

from dlcore.device import to_device, to_host
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import host_ops as _host
from . import plan as _plan
from .custom_gradient import ATTR as _GRAD_ATTR
from .custom_gradient import RegisterGradient
from .frontend import to_tensor
from .graph import Operation, Tensor, TensorShape, get_default_graph
from .random_ops import _rng_for

__all__ = ["random_gamma"]


def _broadcast(a: tuple, b: tuple, name: str) -> tuple:
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1 or x is None and y not in (None, 1):
            out.append(y)
        elif y == 1 or y is None or x == y:
            out.append(x)
        else:
            raise ValueError(f"{name}: alpha of shape {TensorShape(a)} and beta of shape "
                             f"{TensorShape(b)} are not broadcastable")
    return tuple(out)


def random_gamma(shape, alpha, beta=None, dtype=_dtypes.float32, seed=None,
                 name=None) -> Tensor:
    """Samples of shape ``shape + broadcast(alpha, beta).shape`` from Gamma(alpha, beta)
    (``beta`` is the rate, 1 by default).

    Example::

        >>> import dlcore_static as tf
        >>> g = tf.random_gamma([2], [1.0, 5.0], seed=1)
        >>> with tf.Session() as sess:
        ...     sess.run(g).shape
        (2, 2)
    """
    g = get_default_graph()
    nm = name or "random_gamma"
    dt = _dtypes.as_np(dtype)
    if dt.kind != "f":
        raise TypeError(f"random_gamma: dtype must be a floating type, got {dt}")
    if isinstance(shape, Tensor):
        raise NotImplementedError("random_gamma: shape must be Python ints (a list or tuple), "
                                  "not a Tensor")
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else \
        tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"random_gamma: Shape [{','.join(map(str, dims))}] has negative "
                         "dimensions")
    a = to_tensor(alpha, g, dt)
    if a.aval.dtype != dt:
        raise TypeError(f"random_gamma: alpha must be {dt}, got {a.aval.dtype}")
    b = None
    bshape = a.aval.shape
    if beta is not None:
        b = to_tensor(beta, g, dt)
        if b.aval.dtype != dt:
            raise TypeError(f"random_gamma: beta must be {dt}, got {b.aval.dtype}")
        bshape = _broadcast(a.aval.shape, b.aval.shape, nm)
    tf = sys.modules["dlcore_static"]
    with g.name_scope(nm):
        if tuple(bshape) != tuple(a.aval.shape):
            a = a + tf.zeros_like(b)                            # alpha broadcast against beta
        op = Operation(g, "RandomGamma", g.unique_name("RandomGamma"), [a],
                       [AVal(dims + tuple(bshape), dt)],
                       attrs={"seed": seed, "shape": dims, _GRAD_ATTR: "RandomGamma"})
        out = op.outputs[0]
        if b is not None:
            out = tf.maximum(out / b, float(np.finfo(dt).tiny))
    return out


@RegisterGradient("RandomGamma")
def _random_gamma_grad(op: Operation, grad):
    """TF's _RandomGammaGrad: sum over the sample dimensions of grad * dg/dalpha."""
    from dlcore import ops as _ops
    alpha, sample = op.inputs[0], op.outputs[0]
    n = len(op.attrs["shape"])
    partial = _host.host_op("RandomGammaGrad", [alpha, sample],
                            [(sample.aval.shape, sample.aval.dtype)]).outputs[0]
    total = _ops.mul(grad, partial)
    return [_ops.sum(total, tuple(range(n))) if n else total]


def _gamma_sample_grad(alpha, sample):
    """dg/dalpha of Gamma(alpha, 1) samples ``sample`` (alpha broadcast from the right)."""
    from scipy import special
    a = np.broadcast_to(np.asarray(alpha, np.float64), sample.shape)
    x = np.asarray(sample, np.float64)
    h = 1e-4 * np.maximum(a, 1.0)
    with np.errstate(all="ignore"):
        dp = (special.gammainc(a + h, x) - special.gammainc(np.maximum(a - h, 1e-12), x)) / \
            (a + h - np.maximum(a - h, 1e-12))
        log_pdf = (a - 1) * np.log(x) - x - special.gammaln(a)
        out = -dp / np.exp(log_pdf)
    return np.where(np.isfinite(out), out, 0.0).astype(sample.dtype)


_host.register("RandomGammaGrad", _gamma_sample_grad)


def _gamma_factory(op: Operation, session, device):
    on_host = device.type == "cpu"
    dims = op.attrs["shape"]
    dt = op.outputs[0].aval.dtype
    tiny = np.finfo(dt).tiny

    def run(x):
        alpha = np.asarray(x if on_host else to_host(x), dtype=np.float64)
        rng = _rng_for(op, session)
        with np.errstate(invalid="ignore"):
            good = alpha > 0
            draw = rng.standard_gamma(np.where(good, alpha, 1.0), size=dims + alpha.shape)
            out = np.where(good, draw, np.nan)
        out = np.maximum(tiny, out).astype(dt)
        return out if on_host else to_device(out, device)
    return run, {}


_plan.EXECUTORS["RandomGamma"] = _gamma_factory
