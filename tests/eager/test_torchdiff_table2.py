"""Calls run through dlcore_eager and torch 2.13 side by side, second table (found by the
differential run in /tmp/torchdiff2): the same value, dtype, shape, requires_grad, grad_fn
name and gradients, or the same exception type and words.  One row per call: ``(id, f)`` with
``f(lib)`` the call on ``lib`` (``dlcore_eager`` or ``torch``)."""

import math

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")
NAN = float("nan")


def _run(f, lib):
    try:
        r = f(lib)
    except Exception as e:                  # noqa: BLE001 (compared with PyTorch's)
        return ("raises", type(e).__name__, str(e))
    return ("value", _describe(r))


def _describe(r):
    if isinstance(r, (tuple, list)):
        return tuple(_describe(v) for v in r)
    if hasattr(r, "grad_fn") and hasattr(r, "dtype"):
        g = r.grad_fn
        return ("tensor", tuple(r.shape), str(r.dtype), r.requires_grad,
                None if g is None else type(g).__name__,
                _rounded(np.asarray(r.detach().tolist())))
    if isinstance(r, float) and math.isnan(r):
        return "nan"
    return r


def _rounded(a):
    if a.dtype.kind in "bc":
        return a.tolist()
    a = a.round(5)
    # NaN never equals itself: as a word; -0.0 keeps its sign
    return [str(v) for v in a.ravel().tolist()] + [str(a.shape)]


def _grads(f, dtype=None, create_graph=False):
    """``f(lib, x, y)`` summed and differentiated: its result and x's, y's gradients (with
    ``create_graph``: the first gradients and the second ones through them)."""
    def call(t):
        d = dtype and getattr(t, dtype)
        x = t.tensor([[1., 2., NAN, 3.], [0., 1., 1., 5.]], requires_grad=True, dtype=d)
        y = t.tensor([1., 1., 1., NAN], requires_grad=True, dtype=d)
        out = f(t, x, y)
        if create_graph:
            gx, gy = t.autograd.grad((out * out).sum(), (x, y), create_graph=True)
            (gx.sum() + gy.sum()).backward()
            return out, gx.detach(), gy.detach(), x.grad, y.grad
        out.sum().backward()
        return out, x.grad, y.grad
    return call


_MINMAX = {
    "maximum": lambda t, x, y: t.maximum(x, y), "minimum": lambda t, x, y: t.minimum(x, y),
    "Tmaximum": lambda t, x, y: x.maximum(y), "Tminimum": lambda t, x, y: y.minimum(x),
    "max2": lambda t, x, y: t.max(x, y), "min2": lambda t, x, y: t.min(y, x),
    "Tmax2": lambda t, x, y: x.max(y), "max_other": lambda t, x, y: t.max(x, other=y),
    "maximum_out": lambda t, x, y: t.maximum(x, y, out=t.empty(2, 4)),
    # composites keep a tie's gradient on their input (PyTorch's clamp / fmax rules)
    "clamp_t": lambda t, x, y: t.clamp(x.nan_to_num(0.5), min=y.nan_to_num(1.0)),
    "clamp_n": lambda t, x, y: x.clamp(1.0, 2.0), "clamp_min": lambda t, x, y: x.clamp(min=1),
    "fmax": lambda t, x, y: t.fmax(x, y), "fmin": lambda t, x, y: t.fmin(x, y),
    "hinge": lambda t, x, y: t.nn.functional.hinge_embedding_loss(
        x - 2, -t.ones(2, 4), margin=1.0, reduction="none"),
}

ROWS = [
    # torch.maximum/minimum at a tie: the cotangent split 0.5/0.5; a NaN sends it to both
    *[(f"{k}-{d}-{cg}", _grads(f, d, cg)) for k, f in _MINMAX.items()
      for d in (None, "float64", "float16") for cg in (False, True)
      if not (cg and d == "float16")],
]


@pytest.mark.parametrize("f", [r[1] for r in ROWS], ids=[r[0] for r in ROWS])
def test_same_as_torch(f):
    assert _run(f, dl) == _run(f, torch)


def test_static_maximum_keeps_tensorflows_tie_rule():
    # TF's _MaximumGrad: a tie's gradient all to x (the eager rule is PyTorch's, eager only)
    import dlcore_static as tf
    a = tf.constant([1.0, 2.0, 0.0])
    b = tf.constant([1.0, 1.0, 1.0])
    ga, gb = tf.gradients(tf.reduce_sum(tf.maximum(a, b)), [a, b])
    gc, gd = tf.gradients(tf.reduce_sum(tf.minimum(a, b)), [a, b])
    with tf.Session() as s:
        got = s.run([ga, gb, gc, gd])
    assert [v.tolist() for v in got] == [[1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 0]]
