"""``apply``: what "applying a dlcore primitive" means in eager mode.

``dlcore.registry.bind(prim, *args, **params)`` sees a ``Tensor`` among the arguments and calls
``EagerFrontend.apply(prim, args, params)``.  That does four things, and is kept lean because it
runs for every operation:

1. collect the buffers and the device; Python scalars become 0-d buffers of the tensors' dtype
   (weak scalars, as in PyTorch: ``float32_tensor * 2.0`` stays float32);
2. check shapes and dtypes with the primitive's shape rule, once per distinct signature:
   a signature (primitive, parameters, input shapes and dtypes) that passed before is not
   checked again;
3. run the primitive's kernel for the device (``prim.kernels['cpu' | 'cuda']``);
4. when grad mode is on and an input requires grad, record a ``Node`` (the tape entry) that
   saves the inputs and the output for the primitive's vjp rule.

Outputs of *view* primitives (reshape, transpose, slicing, ...) share their input's version
counter when the kernel returned a view, so an in-place change through either is seen by both.
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _dt
from dlcore.device import Device, to_device

from ._graph import Node, leaf_node
from ._state import STATE
from .tensor import Tensor, _new

_ndarray = np.ndarray
_SIG_OK: dict = {}          # signatures whose shape rule has passed
_SIG_LIMIT = 50_000
VIEW_PRIMS = frozenset({"transpose", "reshape", "reshape_like", "expand_dims", "squeeze",
                        "getitem", "broadcast_to", "broadcast_like"})
_MIXED = ("Expected all tensors to be on the same device, but found at least two devices, "
          "cuda:0 and cpu!")


def _signature(prim, params, bufs):
    sig = [prim]
    for b in bufs:
        sig.append(b.shape)
        sig.append(b.dtype)
    if params:
        sig.append(tuple(params.items()))
    return tuple(sig)


def _check_shapes(prim, params, bufs) -> None:
    try:
        sig = _signature(prim, params, bufs)
        if sig in _SIG_OK:
            return
    except TypeError:            # an unhashable parameter: check every time
        sig = None
    from dlcore.registry import AVal
    prim.shape_rule(*(AVal(tuple(b.shape), np.dtype(b.dtype)) for b in bufs), **params)
    if sig is not None:
        if len(_SIG_OK) > _SIG_LIMIT:
            _SIG_OK.clear()
        _SIG_OK[sig] = True


def _constant(buf) -> Tensor:
    return Tensor._wrap(buf)


class EagerFrontend:
    """The eager interpretation of dlcore primitives (see the module docstring)."""

    @staticmethod
    def apply(prim, args, params):
        bufs = []
        needs = False
        ctx = None
        dev = None
        plain = False
        mixed = False
        for a in args:
            if isinstance(a, Tensor):
                b = a._buf
                if a._rg:
                    needs = True
                if ctx is None:
                    ctx = b.dtype
                d = type(b) is _ndarray
                if dev is None:
                    dev = d
                elif dev is not d:
                    mixed = True
                bufs.append(b)
            else:
                plain = True
                bufs.append(a)
        if mixed:
            bufs, dev = _resolve_devices(args, bufs)
        if plain:
            _convert_plain(bufs, ctx, dev)
        _check_shapes(prim, params, bufs)
        kernel = prim.kernels.get("cpu" if dev is not False else "cuda")
        if kernel is None:
            raise NotImplementedError(f"dlcore: primitive '{prim.name}' has no "
                                      f"{'cpu' if dev else 'cuda'} kernel")
        out = kernel(*bufs, **params)
        if dev is not False and type(out) is not _ndarray:
            out = np.asarray(out)
        t = _new(Tensor)
        t._buf = out
        t._acc = None
        t._grad = None
        t._hooks = None
        version = None
        if prim.name in VIEW_PRIMS and dev is not False and out.base is not None \
                and isinstance(args[0], Tensor):
            version = args[0]._version
        if needs and STATE.enabled and prim.differentiable and out.dtype.kind == "f":
            parents = []
            inputs = []
            versions = []
            for a, b in zip(args, bufs):
                if isinstance(a, Tensor):
                    if a._rg:
                        n = a._node
                        parents.append(n if n is not None else leaf_node(a))
                    else:
                        parents.append(None)
                    inputs.append(a)
                    versions.append(a._version[0])
                else:
                    parents.append(None)
                    c = _constant(b)
                    inputs.append(c)
                    versions.append(0)
            if version is None:
                version = [0]
            t._version = version
            t._node = Node(prim, params, tuple(parents), tuple(inputs), tuple(versions), out,
                           version)
            t._rg = True
        else:
            t._version = [0] if version is None else version
            t._node = None
            t._rg = False
        return t


def _convert_plain(bufs, ctx, dev) -> None:
    """Python scalars -> 0-d buffers of the context dtype; NumPy values -> arrays."""
    for i, a in enumerate(bufs):
        if isinstance(a, _ndarray):
            b = a
        elif isinstance(a, np.generic):
            b = np.asarray(a)
        elif _dt.is_python_scalar(a):
            b = np.asarray(a, dtype=_dt.scalar_dtype(a, ctx))
        elif hasattr(a, "copy_to_host"):
            continue
        else:
            raise TypeError(f"dlcore_eager: cannot use a value of type {type(a).__name__} in an "
                            "operation on tensors")
        if dev is False:
            b = to_device(b, Device("cuda", 0))
        bufs[i] = b


def _resolve_devices(args, bufs):
    """PyTorch allows a 0-d CPU tensor in an op on CUDA tensors; anything else is an error."""
    for a, b in zip(args, bufs):
        if isinstance(a, Tensor) and type(b) is _ndarray and b.ndim != 0:
            raise RuntimeError(_MIXED)
    out = [to_device(b, Device("cuda", 0)) if isinstance(b, _ndarray) else b for b in bufs]
    return out, False


Tensor.__dlcore_frontend__ = EagerFrontend
