"""PyTorch's behaviour on complex tensors for functions written before dlcore had complex
dtypes (each in its own module, where a complex input would otherwise be computed on its real
part or cast silently): installed over them by :func:`install`, so the original functions keep
their real-input paths untouched.

* refused as PyTorch refuses them, with its exception type and message (``nansum``,
  ``deg2rad``, ``isposinf``, ``unique``, ``bernoulli``, ...), or refused with a clear
  NotImplementedError where PyTorch computes but dlcore does not yet (``cov``, ``corrcoef``,
  in-place ``normal_``/``uniform_`` of a complex tensor);
* computed as PyTorch defines them: ``var_mean``/``std_mean`` of complex values
  (real results: ``var z = var Re z + var Im z``), ``isreal`` (``Im z == 0``), ``full`` with a
  complex fill value (the default complex dtype), and the random creators with a complex dtype
  (``rand``: both parts uniform in [0, 1); ``randn``: both parts normal with variance 1/2, so
  ``E|z|^2 = 1``).
"""

from __future__ import annotations

import math

from dlcore import ops as _ops

from . import _dtype as D
from .tensor import Tensor

_REFUSED = {
    "bernoulli": (NotImplementedError, ('"bernoulli_tensor_cpu_self_" not implemented for '
                                        "'{name}'")),
    "deg2rad": (RuntimeError, "deg2rad is not supported for complex tensors."),
    "rad2deg": (RuntimeError, "rad2deg is not supported for complex tensors."),
    "isneginf": (RuntimeError, "isneginf does not support complex inputs."),
    "isposinf": (RuntimeError, "isposinf does not support complex inputs."),
    "nansum": (RuntimeError, "nansum on CPU does not support complex inputs"),
    "nanmean": (RuntimeError, "nansum on CPU does not support complex inputs"),
    "unique": (NotImplementedError, "\"unique\" not implemented for '{name}'"),
    "unique_consecutive": (NotImplementedError, "\"unique\" not implemented for '{name}'"),
    "cov": (NotImplementedError, "dlcore_eager: cov of complex tensors is not supported"),
    "corrcoef": (NotImplementedError, ("dlcore_eager: corrcoef of complex tensors is not "
                                       "supported")),
    "normal_": (NotImplementedError, ("dlcore_eager: normal_ of a complex tensor is not "
                                      "supported (use torch.randn(..., dtype=torch.cfloat))")),
    "uniform_": (NotImplementedError, ("dlcore_eager: uniform_ of a complex tensor is not "
                                       "supported (use torch.rand(..., dtype=torch.cfloat))")),
}


def _is_complex(x) -> bool:
    return isinstance(x, Tensor) and x._buf.dtype.kind == "c"


def _refusing(orig, name):
    exc, msg = _REFUSED[name]

    def f(*args, **kwargs):
        x = args[0] if args else kwargs.get("input")
        if isinstance(x, Tensor) and x._buf.dtype.kind == "c":
            legacy = D.from_numpy_dtype(x._buf.dtype)._legacy
            raise exc(msg.format(name=legacy))
        return orig(*args, **kwargs)
    f.__name__, f.__doc__ = getattr(orig, "__name__", name), orig.__doc__
    return f


def _parts(orig, combine):
    """``orig`` on a complex input: applied to its real and imaginary parts, then combined."""
    def f(*args, **kwargs):
        if args and _is_complex(args[0]):
            z = args[0]
            return combine(orig(_ops.real(z), *args[1:], **kwargs),
                           orig(_ops.imag(z), *args[1:], **kwargs))
        return orig(*args, **kwargs)
    f.__name__, f.__doc__ = getattr(orig, "__name__", "f"), orig.__doc__
    return f


def _with_mean(kind: str):
    def combine(a, b):
        spread = a[0] + b[0]
        return (spread if kind == "var" else spread.sqrt()), _ops.complex_(a[1], b[1])
    return combine


def _complex_or(real_fn, complex_fn):
    """``complex_fn`` for a complex first argument, ``real_fn`` (unchanged) otherwise."""
    def f(*args, **kwargs):
        if args and _is_complex(args[0]):
            return complex_fn(*args, **kwargs)
        return real_fn(*args, **kwargs)
    f.__name__, f.__doc__ = getattr(real_fn, "__name__", "f"), real_fn.__doc__
    return f


def _isreal(orig):
    def isreal(input):
        if _is_complex(input):
            return _ops.equal(_ops.imag(input), 0)
        return orig(input)
    isreal.__doc__ = orig.__doc__
    return isreal


def _full(orig):
    def full(size, fill_value, *, dtype=None, **kwargs):
        if dtype is None and isinstance(fill_value, complex):
            dtype = D.from_numpy_dtype(D.default_complex())
        return orig(size, fill_value, dtype=dtype, **kwargs)
    full.__doc__ = orig.__doc__
    return full


def _random(orig, normal: bool, like: bool):
    """``rand``/``randn`` (``*_like``) with a complex dtype: PyTorch's, one real draw of shape
    ``(*shape, 2)`` (its real view: real and imaginary parts interleaved in draw order), times
    sqrt(1/2) for randn."""
    def f(*args, dtype=None, requires_grad=False, **kwargs):
        if not like and not args and "size" not in kwargs:     # (PyTorch's parser: no 0-d)
            raise TypeError(f"{orig.__name__}() received an invalid combination of arguments - "
                            "got (), but expected one of:\n * (tuple of ints size, ...)")
        target = dtype if dtype is not None else (args[0].dtype if like and args and
                                                  isinstance(args[0], Tensor) else None)
        if target is None or not getattr(target, "is_complex", False):
            return orig(*args, dtype=dtype, requires_grad=requires_grad, **kwargs)
        real = D.from_numpy_dtype(D._dt.to_real(target.np_dtype))
        from . import creation
        if like:
            x = args[0]
            base = creation.empty(*x.shape, 2, dtype=real, device=kwargs.get("device") or
                                  x.device)
            pair = orig(base, *args[1:], dtype=real, **kwargs)
        else:
            shape = creation._size_arg(orig.__name__, args, kwargs.pop("size", None))
            pair = orig(*shape, 2, dtype=real, **kwargs)
        re, im = pair[..., 0], pair[..., 1]
        if normal:
            re, im = re * (1 / math.sqrt(2)), im * (1 / math.sqrt(2))   # (std / sqrt(2))
        out = _ops.complex_(re, im)
        return out.requires_grad_(True) if requires_grad else out
    f.__name__, f.__doc__ = getattr(orig, "__name__", "f"), orig.__doc__
    return f


def _vdot(orig):
    def vdot(input, other, *, out=None):
        if _is_complex(input):
            input = _ops.conj(input)
        return orig(input, other, out=out) if out is not None else orig(input, other)
    vdot.__doc__ = orig.__doc__
    return vdot


def install(torch) -> None:
    for name in _REFUSED:
        for target in (torch, Tensor):
            orig = getattr(target, name, None)
            if orig is not None:
                setattr(target, name, _refusing(orig, name))
    # (the spread of each part is its variance, so a part of zero variance keeps std finite)
    # (var and std refuse integers and split complex values themselves: _tensor_ops.var)
    combine = {"var_mean": ("var_mean", _with_mean("var")),
               "std_mean": ("var_mean", _with_mean("std"))}
    for target in (torch, Tensor):
        base = {n: getattr(target, n, None) for n in ("var", "var_mean")}
        for name, (of, how) in combine.items():
            orig = getattr(target, name, None)
            if orig is not None and base[of] is not None:
                setattr(target, name, _complex_or(orig, _parts(base[of], how)))
    torch.isreal = _isreal(torch.isreal)
    if hasattr(Tensor, "isreal"):
        Tensor.isreal = _isreal(Tensor.isreal)
    torch.full = _full(torch.full)
    # (sign/sgn of complex values: checked by their bindings, _dtype_guards.POLICY)
    for target in (torch, Tensor):
        if hasattr(target, "vdot"):
            target.vdot = _vdot(target.vdot)
    for name, normal, like in (("rand", False, False), ("randn", True, False),
                               ("rand_like", False, True), ("randn_like", True, True)):
        setattr(torch, name, _random(getattr(torch, name), normal, like))
