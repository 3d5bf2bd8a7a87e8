"""``tf.random_gamma`` (``tf.random.gamma``): samples of Gamma(alpha, beta) per run, as
TensorFlow 1.15's ``random_ops.random_gamma``.

    y[s..., a...] ~ Gamma(concentration=alpha[a...], rate=beta[a...]),  y = max(tiny, g / beta)

``shape`` (Python ints) is prepended to the broadcast shape of ``alpha`` and ``beta``.  A
graph-level random node like ``random_extra.multinomial``: one value per run shared by all its
consumers, seeded from the graph seed and ``seed=`` (a new Session repeats the sequence), drawn
on the host with NumPy.  No gradient: ``tf.gradients`` through it gives None (TensorFlow 1.15
differentiates the sample implicitly with respect to ``alpha``; that is not implemented here, so
``tf.distributions.Beta``'s samples carry no gradient to its concentrations).
"""

from __future__ import annotations

import numpy as np

from dlcore.device import to_device, to_host
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import plan as _plan
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
    ins = [a]
    bshape = a.aval.shape
    if beta is not None:
        b = to_tensor(beta, g, dt)
        bshape = _broadcast(a.aval.shape, b.aval.shape, nm)
        ins.append(b)
    for t in ins:
        if t.aval.dtype != dt:
            raise TypeError(f"random_gamma: alpha and beta must be {dt}, got {t.aval.dtype}")
    op = Operation(g, "RandomGamma", g.unique_name(nm), ins, [AVal(dims + tuple(bshape), dt)],
                   attrs={"seed": seed, "shape": dims})
    return op.outputs[0]


def _gamma_factory(op: Operation, session, device):
    on_host = device.type == "cpu"
    dims = op.attrs["shape"]
    dt = op.outputs[0].aval.dtype
    tiny = np.finfo(dt).tiny

    def run(*xs):
        vals = [np.asarray(x if on_host else to_host(x), dtype=np.float64) for x in xs]
        alpha = vals[0]
        beta = vals[1] if len(vals) > 1 else np.ones((), np.float64)
        alpha, beta = np.broadcast_arrays(alpha, beta)
        rng = _rng_for(op, session)
        with np.errstate(invalid="ignore", divide="ignore"):
            good = alpha > 0
            draw = rng.standard_gamma(np.where(good, alpha, 1.0), size=dims + alpha.shape)
            out = np.where(good, draw, np.nan) / beta
        out = np.maximum(tiny, out).astype(dt)
        return out if on_host else to_device(out, device)
    return run, {}


_plan.EXECUTORS["RandomGamma"] = _gamma_factory
