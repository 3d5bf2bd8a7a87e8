"""Keras 3's ``eig``, ``polar``, ``view_as_complex``/``view_as_real``, ``view``, ``nextafter``
and ``vectorize`` on graph tensors.

dlcore's graphs hold no complex dtype (as in ``ops_signal``): a complex value is the pair
``(real, imag)`` of float tensors.

- ``polar(abs_, angle)``: the pair ``(abs_ * cos(angle), abs_ * sin(angle))``, differentiable.
- ``view_as_complex(x)``: ``x`` of shape ``(..., 2)`` as the pair ``(x[..., 0], x[..., 1])``
  in float32 (Keras 3 casts to complex64); ``view_as_real((re, im))``: ``stack([re, im], -1)``
  (a real tensor's imaginary part is zeros; a complex NumPy array is split as it is).
- ``eig(x)``: ``((w_re, w_im), (v_re, v_im))`` of ``np.linalg.eig`` (the same LAPACK routine
  as Keras 3's NumPy backend, so the same order and eigenvector phases) in one host node;
  no gradient (the real/imaginary split of a general eigenproblem has no registered vjp).
- ``view(x, dtype)``: NumPy's ``x.view(dtype)`` (TF's Bitcast), a host node, no gradient.
- ``nextafter(x1, x2)``: NumPy's ``nextafter`` computed in NumPy's common dtype and cast to
  Keras 3's (``result_type(x1, x2, float)``), as Keras 3's NumPy backend; a host node with no
  gradient (TF's NextAfter has none).
- ``vectorize(pyfunc, excluded=None, signature=None)``: Keras 3's ``vectorize_impl`` over
  ``ops.map``: each non-core batch axis (broadcast as NumPy) becomes one ``map`` level, so
  ``pyfunc`` builds its graph once per element; ``signature`` is a gufunc signature
  (``"(m,n),(n)->(m)"``); ``excluded`` positions or names are passed through unchanged.
  Unlike Keras 3, a keyword argument that is not excluded is refused (Keras vectorizes over
  it), and the batch axes must be static (``ops.map``'s limit).

Differences from Keras 3 in dtypes: a float64 input keeps float64 in ``eig`` and
``nextafter(float64, float32)`` (Keras 3's NumPy backend gives float32), and ``view_as_real``
of an int32 tensor gives float32 (Keras: int32).
"""

from __future__ import annotations

import functools
import re
import sys

import numpy as np

from ..graph import Tensor
from ..host_ops import host_op
from ..host_ops import register as _register
from .ops_base import FLOATX, check, dname, is_float, result_type, t, tf, to_float

__all__ = ["eig", "nextafter", "polar", "vectorize", "view", "view_as_complex",
           "view_as_real"]


# --------------------------------------------------------------------------- complex views
def polar(abs_, angle):
    a, th = to_float(abs_), to_float(angle)
    d = result_type(dname(a), dname(th))
    a, th = t(a, d), t(th, d)
    return a * tf().cos(th), a * tf().sin(th)


def view_as_complex(x):
    x = t(x)
    shape = x.shape.as_list()
    if not shape or shape[-1] != 2:
        raise ValueError("Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {tuple(shape)}")
    x = t(x, FLOATX)
    return x[..., 0], x[..., 1]


def view_as_real(x):
    if isinstance(x, (tuple, list)) and len(x) == 2 and any(
            isinstance(v, Tensor) for v in x):
        re_, im_ = to_float(x[0]), to_float(x[1])
        check(re_.shape.as_list() == im_.shape.as_list(), "view_as_real",
              f"the real and imaginary parts must have one shape, got "
              f"{tuple(re_.shape.as_list())} and {tuple(im_.shape.as_list())}")
        return tf().stack([re_, im_], axis=-1)
    if not isinstance(x, Tensor) and np.iscomplexobj(np.asarray(x)):
        a = np.asarray(x)
        return tf().constant(np.stack([a.real, a.imag], axis=-1))
    x = to_float(x)
    return tf().stack([x, tf().zeros_like(x)], axis=-1)


# --------------------------------------------------------------------------- eig
def _eig_impl(a, out_dtype):
    w, v = np.linalg.eig(a)
    w, v = w.astype(np.complex128), v.astype(np.complex128)
    return tuple(p.astype(out_dtype) for p in (w.real, w.imag, v.real, v.imag))


_register("KerasEig", _eig_impl)


def eig(x):
    x = to_float(x)
    shape = x.shape.as_list()
    if len(shape) < 2 or (None not in shape[-2:] and shape[-1] != shape[-2]):
        raise ValueError(f"keras.ops.eig: expected a tensor of shape (..., M, M), got "
                         f"{tuple(shape)}")
    d = np.dtype(dname(x))
    op = host_op("KerasEig", [x], [(tuple(shape[:-1]), d), (tuple(shape[:-1]), d),
                                   (tuple(shape), d), (tuple(shape), d)],
                 attrs={"out_dtype": d.name}, name="Eig")
    wr, wi, vr, vi = op.outputs
    return (wr, wi), (vr, vi)


# --------------------------------------------------------------------------- view / bitcast
def _view_impl(a, dtype):
    return np.array(a, order="C", copy=True).view(np.dtype(dtype))    # (0-d stays 0-d)


_register("KerasView", _view_impl)


def view(x, dtype=None):
    x = t(x)
    old = np.dtype(dname(x))
    new = old if dtype is None else np.dtype(tf().as_dtype(dtype).as_numpy_dtype)
    if new == old:
        return tf().identity(x)
    shape = x.shape.as_list()
    last = shape[-1] if shape else -1
    if (last == -1 and old.itemsize != new.itemsize) or (
            last is not None and last * old.itemsize % new.itemsize != 0):
        raise ValueError(f"Cannot view array of shape {tuple(shape)} and dtype {old.name} "
                         f"as dtype {new.name} because the total number of bytes is not "
                         f"divisible by the new itemsize.")
    out = list(shape)
    if out and out[-1] is not None:
        out[-1] = out[-1] * old.itemsize // new.itemsize
    op = host_op("KerasView", [x], [(tuple(out), new)], attrs={"dtype": new.name},
                 name="Bitcast")
    return op.outputs[0]


# --------------------------------------------------------------------------- nextafter
def _nextafter_impl(a, b, out_dtype):
    common = np.result_type(a.dtype, b.dtype)
    return np.nextafter(a.astype(common), b.astype(common)).astype(out_dtype)


_register("KerasNextAfter", _nextafter_impl)


def _broadcast_dims(s1: list, s2: list, op: str) -> tuple:
    n = max(len(s1), len(s2))
    s1, s2 = [1] * (n - len(s1)) + s1, [1] * (n - len(s2)) + s2
    out = []
    for a, b in zip(s1, s2):
        if a == 1 or b == 1:
            out.append(b if a == 1 else a)
        elif a is None or b is None:
            out.append(a if b is None else b)
        else:
            check(a == b, op, f"shapes {tuple(s1)} and {tuple(s2)} do not broadcast")
            out.append(a)
    return tuple(out)


def nextafter(x1, x2):
    a, b = t(x1), t(x2)
    out = np.dtype(result_type(dname(a), dname(b), "float32")
                   if not (is_float(a) or is_float(b)) else result_type(dname(a), dname(b)))
    shape = _broadcast_dims(a.shape.as_list(), b.shape.as_list(), "nextafter")
    op = host_op("KerasNextAfter", [a, b], [(shape, out)], attrs={"out_dtype": out.name},
                 name="NextAfter")
    return op.outputs[0]


# --------------------------------------------------------------------------- vectorize
_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARGS = rf"\({_CORE}\)(?:,\({_CORE}\))*"
_SIGNATURE = rf"^{_ARGS}->{_ARGS}$"


def _parse_signature(signature: str):
    sig = signature.replace(" ", "")
    if not re.match(_SIGNATURE, sig):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    ins, outs = sig.split("->")
    parse = (lambda s: [tuple(re.findall(_DIM, a)) for a in re.findall(rf"\(({_CORE})\)", s)])
    return parse(ins), parse(outs)


def _shape(x) -> list:
    return x.shape.as_list()


def _mapped(f, map_fn):
    """``f`` of each slice of its arguments along their leading axis (one ``map`` level)."""
    return lambda *xs: map_fn(lambda e: f(*e), tuple(xs))


def vectorize(pyfunc, *, excluded=None, signature=None):
    if not callable(pyfunc):
        raise ValueError("Expected argument `pyfunc` to be a callable. "  # noqa: TRY004
                         f"Received: pyfunc={pyfunc}")
    excluded = set(excluded or ())

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        fixed = {i: a for i, a in enumerate(args) if i in excluded or a is None}
        fixed_kw = {k: v for k, v in kwargs.items() if k in excluded}
        free_kw = {k: v for k, v in kwargs.items() if k not in excluded}
        if free_kw:
            raise ValueError(f"keras.ops.vectorize: keyword arguments {sorted(free_kw)} must "
                             f"be listed in `excluded`")
        live = [t(a) for i, a in enumerate(args) if i not in fixed]
        if signature is not None:
            in_core, out_core = _parse_signature(signature)
            check(len(in_core) == len(args) - len(fixed), "vectorize",
                  f"wrong number of positional arguments: expected {len(in_core)}, got "
                  f"{len(args) - len(fixed)}")
        else:
            in_core, out_core = [()] * len(live), None
        sizes: dict = {}
        for x, core in zip(live, in_core):
            s = _shape(x)
            check(len(s) >= len(core), "vectorize",
                  f"input with shape {tuple(s)} does not have enough dimensions for its core "
                  f"dimensions {core}")
            for name, n in zip(core, s[len(s) - len(core):]):
                check(sizes.setdefault(name, n) == n, "vectorize",
                      f"inconsistent size for core dimension {name!r}: {n} vs "
                      f"{sizes[name]}")
        batch: tuple = ()
        for x, core in zip(live, in_core):
            s = _shape(x)
            batch = _broadcast_dims(list(batch), s[:len(s) - len(core)], "vectorize")
        check(None not in batch, "vectorize",
              f"the batch dimensions must be known when the graph is built, got {batch}")
        # each argument broadcast to the full batch shape, then one ``map`` level per axis
        full = []
        for x, core in zip(live, in_core):
            s = _shape(x)
            core_shape = s[len(s) - len(core):]
            target = list(batch) + core_shape
            if s != target:
                x = tf().broadcast_to(x, target)
            full.append(x)

        def call(*xs):
            it = iter(xs)
            call_args = [fixed[i] if i in fixed else next(it) for i in range(len(args))]
            out = pyfunc(*call_args, **fixed_kw)
            if out_core is not None:
                outs = out if isinstance(out, tuple) else (out,)
                check(len(outs) == len(out_core), "vectorize",
                      f"wrong number of outputs from pyfunc: expected {len(out_core)}, got "
                      f"{len(outs)}")
                for o, core in zip(outs, out_core):
                    s = _shape(t(o))
                    check(len(s) == len(core) and all(
                        sizes.setdefault(n, d) == d for n, d in zip(core, s)), "vectorize",
                        f"output shape {tuple(s)} does not match core dimensions {core}")
            return out

        fn = call
        for _ in batch:
            fn = _mapped(fn, sys.modules[__package__ + ".ops"].map)   # (keras.ops.map)
        return fn(*full)
    return wrapped

