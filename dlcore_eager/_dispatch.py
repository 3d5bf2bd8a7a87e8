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


# The fast paths in ``apply`` look signatures of parameter-free one- and two-input calls up
# directly, as ``(prim, shape, dtype[, shape, dtype])``; ``_signature`` builds the same tuples.


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


class EagerFrontend:
    """The eager interpretation of dlcore primitives (see the module docstring)."""

    @staticmethod
    def apply(prim, args, params):
        n = len(args)
        # Fast path: one or two CPU tensors (most operations), no conversions needed.
        if n == 2:
            a, b = args
            if isinstance(a, Tensor) and isinstance(b, Tensor):
                ba, bb = a._buf, b._buf
                if type(ba) is _ndarray and type(bb) is _ndarray:
                    bufs = (ba, bb)
                    if params or (prim, ba.shape, ba.dtype, bb.shape, bb.dtype) not in _SIG_OK:
                        _check_shapes(prim, params, bufs)
                    out = prim.kernels["cpu"](ba, bb, **params)
                    return _finish(prim, args, bufs, params, out, a._rg or b._rg, True)
            elif type(b) in _NUM and isinstance(a, Tensor) and type(a._buf) is _ndarray \
                    and a._buf.dtype.kind == "f":
                return _apply_scalar(prim, args, params, a, 0, b)
            elif type(a) in _NUM and isinstance(b, Tensor) and type(b._buf) is _ndarray \
                    and b._buf.dtype.kind == "f":
                return _apply_scalar(prim, args, params, b, 1, a)
        elif n == 1:
            a = args[0]
            if isinstance(a, Tensor):
                ba = a._buf
                if type(ba) is _ndarray:
                    bufs = (ba,)
                    if params or (prim, ba.shape, ba.dtype) not in _SIG_OK:
                        _check_shapes(prim, params, bufs)
                    out = prim.kernels["cpu"](ba, **params)
                    return _finish(prim, args, bufs, params, out, a._rg, True)
        return _apply_general(prim, args, params)


_SCALARS: dict = {}
_NUM = frozenset({float, int})      # not bool: True is a valid key but kept on the slow path


def _scalar_buffer(value, dtype) -> np.ndarray:
    """A read-only 0-d array for a Python float, shared between calls (kernels never write
    their inputs)."""
    key = (value, dtype) if value else (value, dtype, str(value))   # -0.0 is not 0.0
    arr = _SCALARS.get(key)
    if arr is None:
        if len(_SCALARS) > 1024:
            _SCALARS.clear()
        arr = np.asarray(value, dtype=dtype)     # weak scalar: the tensor's float dtype
        arr.flags.writeable = False
        _SCALARS[key] = arr
    return arr


def _apply_scalar(prim, args, params, t: Tensor, pos: int, value: float):
    """A float tensor on the CPU with a Python float (``x * 2.0``, ``lr * g``)."""
    bt = t._buf
    bs = _scalar_buffer(value, bt.dtype)
    bufs = (bt, bs) if pos == 0 else (bs, bt)
    if params or (prim, bufs[0].shape, bt.dtype, bufs[1].shape, bt.dtype) not in _SIG_OK:
        _check_shapes(prim, params, bufs)
    out = prim.kernels["cpu"](*bufs, **params)
    return _finish(prim, args, bufs, params, out, t._rg, True)


def _apply_general(prim, args, params):
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
    kernel = prim.kernels.get("cpu" if dev else "cuda")
    if kernel is None:
        raise NotImplementedError(f"dlcore: primitive '{prim.name}' has no "
                                  f"{'cpu' if dev else 'cuda'} kernel")
    out = kernel(*bufs, **params)
    return _finish(prim, args, bufs, params, out, needs, dev)


def _finish(prim, args, bufs, params, out, needs: bool, on_cpu: bool) -> Tensor:
    """Wrap a kernel's output; record a tape node when a gradient will be needed."""
    if on_cpu and type(out) is not _ndarray:       # e.g. a NumPy scalar from x[0]
        out = np.asarray(out)
    t = _new(Tensor)
    t._buf = out
    t._acc = None
    t._grad = None
    t._hooks = None
    version = None
    if on_cpu and out.base is not None and prim.name in VIEW_PRIMS and isinstance(args[0], Tensor):
        version = args[0]._version
    if needs and STATE.enabled and prim.differentiable and out.dtype.kind == "f":
        if len(args) == 2:
            a, b = args
            if isinstance(a, Tensor) and isinstance(b, Tensor):    # the common case
                if version is None:
                    version = [0]
                t._version = version
                t._node = Node(prim, params,
                               ((a._node or leaf_node(a)) if a._rg else None,
                                (b._node or leaf_node(b)) if b._rg else None),
                               args, (a._version[0], b._version[0]), out, version)
                t._rg = True
                return t
        parents = []
        inputs = []
        versions = []
        for a, b in zip(args, bufs):
            if isinstance(a, Tensor):
                if a._rg:
                    p = a._node
                    parents.append(p if p is not None else leaf_node(a))
                else:
                    parents.append(None)
                inputs.append(a)
                versions.append(a._version[0])
            else:
                parents.append(None)
                inputs.append(Tensor._wrap(b))
                versions.append(0)
        if version is None:
            version = [0]
        t._version = version
        t._node = Node(prim, params, tuple(parents), tuple(inputs), tuple(versions), out, version)
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
