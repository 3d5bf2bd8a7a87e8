"""``Tensor``: an n-dimensional array that remembers how it was made.

A Tensor is deliberately small (``__slots__``):

* ``_buf``      the data: a ``numpy.ndarray`` on the CPU, a numba.cuda device array on a GPU;
* ``_rg``       ``requires_grad``;
* ``_node``     ``grad_fn``: the tape node that produced it (None for a leaf);
* ``_acc``      a weak reference to a leaf's gradient accumulator (see ``_graph.LeafNode``);
* ``_grad``     the accumulated gradient of a leaf (``.grad``);
* ``_vc``       the version counter ``[count, ...]`` shared by every tensor that views the same
                memory; each in-place operation bumps it, so backward can tell whether a saved
                tensor changed (``t._version``: the count, an int, as PyTorch's);
* ``_hooks``    gradient hooks of a leaf (non-leaf hooks live on its node).

The maths lives in dlcore.  An operator such as ``a + b`` calls ``dlcore.ops.add``, which calls
``dlcore.registry.bind``; because ``Tensor`` has ``__dlcore_frontend__``, bind hands the op to
``dlcore_eager._dispatch.apply``, which runs the kernel and records a node when a gradient is
needed.  This module holds the Tensor itself: properties, devices, autograd state and hooks.
It imports nothing above it; the modules above attach the methods that need them: arithmetic
and operators (``_methods``, ``_api``), conversions (``_conversions``), in-place updates
(``_inplace_ops``), indexing (``_indexing``), the constructor (``creation``), ``backward``
(``autograd.engine``), ``type`` (``legacy_types``) and ``__dlcore_frontend__`` (``_dispatch``).
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import numpy as np

import dlcore
from dlcore import ops as _ops
from dlcore.device import CPU, Device, InvalidDevice, as_device, to_device
from dlcore.dtypes import is_floating
from dlcore.registry import AVal

from . import _dtype as D
from . import _graph as _graph_module
from . import _tensor_aux as _aux
from ._graph import ERR_BACKWARD_TWICE, CopyNode, Node, _HookHandle, leaf_node  # noqa: F401
from ._size import Size
from ._state import INFERENCE_ON, STATE, DetachedInference, InferenceVersion, fresh_version

_ndarray = np.ndarray
_BY_NP = D._BY_NP                  # NumPy dtype -> dtype object (the table from_numpy_dtype reads)
_CUDA0 = Device("cuda", 0)
_tuple_new = tuple.__new__


def _empty_strides(shape) -> tuple:
    """PyTorch's contiguous strides of an empty tensor: ``zeros(0, 3).stride()`` is (3, 1)."""
    st, step = [], 1
    for n in reversed(shape):
        st.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(st))


class Tensor:
    """A multi-dimensional array with autograd, on the CPU or a CUDA device."""

    __slots__ = ("__weakref__", "_acc", "_buf", "_grad", "_hooks", "_node", "_rg", "_vc",
                 "_view")   # _view: set only on a recorded view (see _view_rebase)
    __array_priority__ = 1000          # ndarray + Tensor -> Tensor.__radd__

    # the slots' types (set by ``_fill``); annotations only, no class attributes
    _buf: Any                          # numpy.ndarray or a numba.cuda device array
    _rg: builtins.bool
    _node: Any                         # None, a _graph.Node, CopyNode, FunctionNode ...
    _acc: Any
    _grad: Tensor | None
    _vc: list[Any]                     # [count, weakrefs of views to remake]: _view_rebase
    _hooks: list | None
    _view: tuple | None                # (base, prim, params, other inputs, ...) of a recorded view

    if TYPE_CHECKING:
        # What the modules above install at import time (see the module docstring), declared
        # for type checkers.  Those assigned by name are class variables, so the assignment
        # type-checks; the operators and methods generated from the registry by ``_api``
        # (``x + y``, ``x.exp()``, ``x.sum(dim)``, ...) are declared as methods, the rest of
        # the generated methods through ``__getattr__``.
        def __init__(self, *args: Any, **kwargs: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...
        __dlcore_frontend__: ClassVar[Any]
        # _methods
        __matmul__: ClassVar[Callable[[Tensor, Any], Tensor]]
        __rmatmul__: ClassVar[Callable[[Tensor, Any], Tensor]]
        __pos__: ClassVar[Callable[[Tensor], Tensor]]
        __invert__: ClassVar[Callable[[Tensor], Tensor]]
        __and__: ClassVar[Callable[[Tensor, Any], Tensor]]
        __or__: ClassVar[Callable[[Tensor, Any], Tensor]]
        __xor__: ClassVar[Callable[[Tensor, Any], Tensor]]
        logical_and: ClassVar[Callable[[Tensor, Any], Tensor]]
        logical_or: ClassVar[Callable[[Tensor, Any], Tensor]]
        logical_not: ClassVar[Callable[[Tensor], Tensor]]
        T: ClassVar[Any]                   # properties
        mT: ClassVar[Any]
        addcmul: ClassVar[Callable[..., Tensor]]
        addcdiv: ClassVar[Callable[..., Tensor]]
        lerp: ClassVar[Callable[..., Tensor]]
        addcmul_: ClassVar[Callable[..., Tensor]]
        addcdiv_: ClassVar[Callable[..., Tensor]]
        lerp_: ClassVar[Callable[..., Tensor]]
        uniform_: ClassVar[Callable[..., Tensor]]
        normal_: ClassVar[Callable[..., Tensor]]
        # _indexing
        __getitem__: ClassVar[Callable[[Tensor, Any], Tensor]]
        __setitem__: ClassVar[Callable[[Tensor, Any, Any], None]]
        # _conversions
        numpy: ClassVar[Callable[..., np.ndarray]]
        __array__: ClassVar[Callable[..., np.ndarray]]
        item: ClassVar[Callable[[Tensor], Any]]
        tolist: ClassVar[Callable[[Tensor], Any]]
        __dlpack__: ClassVar[Callable[..., Any]]
        __dlpack_device__: ClassVar[Callable[[Tensor], tuple[builtins.int, builtins.int]]]
        __cuda_array_interface__: ClassVar[Any]    # a property
        __bool__: ClassVar[Callable[[Tensor], builtins.bool]]
        __float__: ClassVar[Callable[[Tensor], builtins.float]]
        __int__: ClassVar[Callable[[Tensor], builtins.int]]
        __index__: ClassVar[Callable[[Tensor], builtins.int]]
        __len__: ClassVar[Callable[[Tensor], builtins.int]]
        __iter__: ClassVar[Callable[[Tensor], Iterator[Tensor]]]
        # _inplace_ops
        _check_inplace: ClassVar[Callable[[Tensor], None]]
        _resize_storage: ClassVar[Callable[[Tensor, tuple], None]]
        _commit: ClassVar[Callable[[Tensor, Tensor], Tensor]]
        _into: ClassVar[Callable[[Tensor, Any, Any, Any], builtins.bool]]
        _inplace: ClassVar[Callable[..., Tensor]]
        _original: ClassVar[Callable[..., Tensor]]
        zero_: ClassVar[Callable[[Tensor], Tensor]]
        fill_: ClassVar[Callable[[Tensor, Any], Tensor]]
        copy_: ClassVar[Callable[[Tensor, Any], Tensor]]
        # autograd.engine, legacy_types
        backward: ClassVar[Callable[..., None]]
        type: ClassVar[Callable[..., Any]]
        type_as: ClassVar[Callable[..., Any]]
        # operators generated from the registry (dlcore_eager._api)
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __iadd__(self, other: Any) -> Self: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Self: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Self: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Self: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __ifloordiv__(self, other: Any) -> Self: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __imod__(self, other: Any) -> Self: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __ipow__(self, other: Any) -> Self: ...
        def __rand__(self, other: Any) -> Tensor: ...
        def __ror__(self, other: Any) -> Tensor: ...
        def __rxor__(self, other: Any) -> Tensor: ...
        def __iand__(self, other: Any) -> Self: ...
        def __ior__(self, other: Any) -> Self: ...
        def __ixor__(self, other: Any) -> Self: ...
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        # elementwise ==/!= give a bool tensor (as PyTorch's), not object's bool
        def __eq__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: object) -> Tensor: ...  # type: ignore[override]

    # ------------------------------------------------------------------ construction helpers
    @staticmethod
    def _wrap(buf, version=None) -> Tensor:
        """A tensor around an existing buffer (no copy), with no autograd history."""
        return _make(buf, version)

    def __dlcore_aval__(self) -> AVal:
        b = self._buf
        # AVal(shape, dtype) without the namedtuple constructor's overhead; the simulator's
        # device arrays have a shape object that is not a tuple.
        return _tuple_new(AVal, (b.shape if type(b) is _ndarray else tuple(b.shape), b.dtype))

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        """The size of each dimension, a ``torch.Size`` (a tuple): ``x.shape == (64, 1000)``."""
        return Size(self._buf.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._buf.shape)
        shape = self._buf.shape
        if type(dim) is not int or not 0 < len(shape) > dim >= -len(shape):
            _aux.check_dim("size", len(shape), dim)     # (PyTorch's errors)
        return shape[dim]

    @property
    def dtype(self) -> D.dtype:
        # the table's lookup inline (0.175 -> ~0.08 us); an unsupported dtype: its TypeError
        d = _BY_NP.get(self._buf.dtype)
        return d if d is not None else D.from_numpy_dtype(self._buf.dtype)

    @property
    def device(self) -> Device:
        return CPU if type(self._buf) is _ndarray else _CUDA0

    @property
    def is_cuda(self) -> bool:
        return type(self._buf) is not _ndarray

    @property
    def ndim(self) -> int:
        return len(self._buf.shape)

    def dim(self) -> int:
        return len(self._buf.shape)

    def numel(self) -> int:
        b = self._buf
        if type(b) is _ndarray:
            return b.size
        return int(np.prod(b.shape, dtype=np.int64))

    nelement = numel

    def element_size(self) -> int:
        return self._buf.dtype.itemsize

    def is_floating_point(self) -> bool:
        return is_floating(self._buf.dtype)

    def is_complex(self) -> bool:
        """Whether the dtype is complex64 or complex128."""
        return self._buf.dtype.kind == "c"

    def is_contiguous(self) -> bool:
        b = self._buf
        return bool(b.flags.c_contiguous) if type(b) is _ndarray else True

    def stride(self, dim: int | None = None):
        """Steps in elements between neighbours along each dimension (``dim``: one of them)."""
        b = self._buf
        item = b.dtype.itemsize
        st = tuple(int(s) // item for s in b.strides) if b.ndim else ()
        if b.size == 0 and not any(st):  # (NumPy gives a new empty array zero steps; PyTorch
            st = _empty_strides(b.shape)  # its contiguous ones, a size 0 counted as 1)
        if dim is None:
            return st
        if type(dim) is not int or not 0 < b.ndim > dim >= -b.ndim:
            _aux.check_dim("stride", b.ndim, dim)
        return st[dim]

    def data_ptr(self) -> int:
        b = self._buf
        return b.ctypes.data if type(b) is _ndarray else id(b)

    # ------------------------------------------------------------------ autograd attributes
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for ``backward()``.  Settable on
        leaves only (``w.requires_grad = True``); a result of such operations has it set."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._node is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables." + (
                    "" if flag else " If you want to use a computed variable in a subgraph that "
                    "doesn't require differentiation use var_no_grad = var.detach()."))
        if flag and (isinstance(self._vc, InferenceVersion) or not (
                is_floating(self._buf.dtype) or self._buf.dtype.kind == "c")):
            _aux.check_requires_grad(self)      # (dtype; an inference tensor outside the mode)
        if not flag and getattr(self, "_view", None) is not None and \
                _aux.rebase().base_requires_grad(self):
            return      # (a view made in no_grad mode requires grad as its base: PyTorch's)
        was, self._rg = self._rg, bool(flag)
        if flag and not was:
            _aux.rebase().follow_base(self)     # (its no_grad-mode views follow it)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def _version(self) -> builtins.int:
        """PyTorch's ``t._version``: how many in-place changes this memory has seen, an int."""
        if type(self._vc) is InferenceVersion:     # (detach()'s counts: DetachedInference)
            raise RuntimeError(  # noqa: TRY004 - PyTorch's type
                "Inference tensors do not track version counter.")
        return self._vc[0]

    @property
    def is_leaf(self) -> bool:
        if self._node is None and getattr(self, "_view", None) is not None:
            _aux.rebase().check_no_grad_view(self)  # (made in no_grad mode, then changed)
        return self._node is None

    @property
    def grad_fn(self):
        node = self._node
        if node is None and getattr(self, "_view", None) is not None:
            _aux.rebase().check_no_grad_view(self)
        # (the node's class named after its backward, as PyTorch's: _graph.public)
        return node if node is None or node._named else _graph_module.public(node)

    @property
    def grad(self):
        if self._node is not None and not self._retains_grad():
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed "
                "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
                "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more information.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if tuple(value._buf.shape) != tuple(self._buf.shape):
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value._buf.shape)}' to a tensor of size "
                                   f"'{list(self._buf.shape)}'. Please ensure that the gradient "
                                   "and the tensor are the same size")
            if value._buf.dtype != self._buf.dtype:
                names = D.C_TYPE_NAMES
                a, b = value._buf.dtype.name, self._buf.dtype.name
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{names.get(a, a)}' to a tensor "
                    f"with grad_dtype '{names.get(b, b).split()[0].capitalize()}'. The gradient "
                    "must match the tensor's grad_dtype (defaults to the tensor's dtype).")
        self._grad = value

    def _retains_grad(self) -> bool:
        n = self._node
        return n is not None and getattr(n, "retain", None) is not None and \
            n.retain() is self

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad()

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._node is not None:
            import weakref
            self._node.retain = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever the gradient w.r.t. this tensor is computed; it may return
        a replacement gradient.  Returns a handle whose ``remove()`` unregisters the hook."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self._node.hooks is None:
                self._node.hooks = []
            hooks = self._node.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after ``backward`` has accumulated this leaf's gradient into
        ``.grad`` (DistributedDataParallel all-reduces ``.grad`` from here).  Returns a handle
        whose ``remove()`` unregisters the hook."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._hooks is None:
            self._hooks = []
        wrapped = PostAccumulateGradHook(hook)
        self._hooks.append(wrapped)
        return _HookHandle(self._hooks, wrapped)

    def detach(self) -> Tensor:
        """The same data and version counter, cut from the graph (``_state.DetachedInference``)."""
        vc = self._vc
        if type(vc) is InferenceVersion and not STATE.inference:
            vc = DetachedInference(vc)
        return Tensor._wrap(self._buf, vc)

    def detach_(self) -> Tensor:
        self._node = None
        self._rg = False
        return self

    @property
    def data(self) -> Tensor:
        """The same storage as a tensor that autograd does not track (its own version counter;
        an inference tensor's: ``detach()``'s kind)."""
        return Tensor._wrap(self._buf, DetachedInference(self._vc) if isinstance(
            self._vc, InferenceVersion) else None)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._buf = value._buf

    # ------------------------------------------------------------------ devices and types
    def to(self, *args, **kwargs) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(other_tensor)`` or ``to(device, dtype)``."""
        dev, dt = kwargs.pop("device", None), kwargs.pop("dtype", None)
        copy, _ = kwargs.pop("copy", False), kwargs.pop("non_blocking", None)
        fmt = kwargs.pop("memory_format", None)         # (_memory_format)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        try:                        # (a bad device string: PyTorch's plain RuntimeError)
            for a in args:
                if isinstance(a, Tensor):
                    dev, dt = a.device, a.dtype
                elif isinstance(a, D.dtype) or _aux.is_py_type(a):
                    dt = a                              # (x.to(float): PyTorch's float64)
                elif a is not None:
                    dev = _aux.to_device_arg(a)
            dev = dev if dev is None else as_device(dev)
        except InvalidDevice as e:
            raise (RuntimeError(str(e)) if type(e) is InvalidDevice else e) from None
        out = self if dt is None else self._cast(dt)
        if dev is not None:
            out = out._to_device(dev)
        if copy and out is self:
            out = out.clone()
        return out if fmt is None else out.contiguous(memory_format=fmt)

    def _to_device(self, dev: Device) -> Tensor:
        if dev == self.device:
            return self
        if dev.type == "cuda" and dev.index:
            count = 1 if dlcore.cuda_available() else 0
            if dev.index >= count:                  # PyTorch's error; never a silent cuda:0
                raise RuntimeError(f"CUDA error: invalid device ordinal (device {dev} requested, "
                                   f"{count} CUDA device(s) available)")
        buf = to_device(self._buf, dev)
        t = Tensor._wrap(buf)
        if self._rg and STATE.enabled:
            parent = self._node if self._node is not None else leaf_node(self)
            t._node = CopyNode(parent, self.device, buf)
            t._rg = True
        return t

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        return self._to_device(as_device("cuda" if device is None else (
            f"cuda:{device}" if isinstance(device, int) else device)))

    def cpu(self) -> Tensor:
        return self._to_device(CPU)

    def _cast(self, dt) -> Tensor:
        npd = D.to_numpy_dtype(dt)
        if npd == self._buf.dtype:
            return self
        if self._buf.dtype.kind == "c" and npd.kind not in "cb":
            warnings.warn("Casting complex values to real discards the imaginary part",
                          UserWarning, stacklevel=3)
        return _ops.cast(self, npd)

    def float(self) -> Tensor: return self._cast(D.float32)
    def double(self) -> Tensor: return self._cast(D.float64)
    def long(self) -> Tensor: return self._cast(D.int64)
    def int(self) -> Tensor: return self._cast(D.int32)
    def bool(self) -> Tensor: return self._cast(D.bool_)


_new = Tensor.__new__


def _fill(t: Tensor, buf, version, node) -> None:
    """Initialise every field of ``t`` (``Tensor()``, creation functions; ``_make`` inlines it)."""
    t._buf = buf
    t._rg = node is not None
    t._node = node
    t._acc = None
    t._grad = None
    t._vc = [0] if version is None and not INFERENCE_ON[0] else version or fresh_version()
    t._hooks = None
    t._view = None


def _make(buf, version=None, node=None, cls=Tensor) -> Tensor:
    """A new tensor around ``buf`` (no copy): the one way tensors are made.  ``version`` is a
    shared version counter (a view's base's) or None for a fresh one; ``node`` the grad_fn of a
    recorded result (which then requires grad)."""
    t = _new(cls)
    # ``_fill``'s body, inline: one call less per operation (0.59 -> 0.48 us measured)
    t._buf = buf
    t._rg = node is not None
    t._node = node
    t._acc = None
    t._grad = None
    t._vc = [0] if version is None and not INFERENCE_ON[0] else version or fresh_version()
    t._hooks = None
    t._view = None
    return t


class PostAccumulateGradHook:
    """A leaf's hook that runs after accumulation (kept in the leaf's ``_hooks`` list, which the
    engine reads only when it is not empty, so leaves without hooks pay nothing)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


# ----------------------------------------------------------------------------- stale saved tensors
def tensor_type_name(t: Tensor) -> str:
    legacy = D.from_numpy_dtype(t.__dlcore_aval__().dtype)._legacy
    return f"torch.{'cuda.' if t.is_cuda else ''}{legacy}Tensor"


class _StaleTensor(Tensor):
    """A saved tensor that was changed in place after it was saved.  Its shape and dtype can
    still be read; reading its values (which a vjp rule does only when it needs them) raises
    PyTorch's version-counter error."""

    __slots__ = ("_aval", "_msg")
    _aval: AVal
    _msg: str

    @property
    def _buf(self):
        raise RuntimeError(self._msg)

    @_buf.setter
    def _buf(self, value) -> None:       # _fill's write: a stale tensor keeps no buffer
        pass

    def __dlcore_aval__(self) -> AVal:
        return self._aval

    def _stale_recast(self, dtype) -> _StaleTensor:
        """This stale tensor as one of ``dtype`` (a 16-bit vjp's float32 operands: still
        raising only when its values are read)."""
        s = cast(_StaleTensor, _make(None, self._vc, cls=_StaleTensor))
        s._msg = self._msg
        s._aval = AVal(self._aval.shape, np.dtype(dtype))
        return s


def _version_error_name(node) -> str:
    """How PyTorch 2.13's in-place error names a node: its name without ``Backward<n>``
    (``Exp``, ``Add``, a custom Function ``F``), CopySlices by its C++ name."""
    name = node.name()
    if name.endswith("CopySlices"):
        return "torch::autograd::CopySlices"
    base = name.rstrip("0123456789")
    return base[:-8] if base.endswith("Backward") and len(base) > 8 else name


def stale_tensor(t: Tensor, expected: int, node, current: bool = False) -> Tensor:
    aval = t.__dlcore_aval__()
    if current:            # a saved input: name the grad_fn it has now, as PyTorch does
        node = t._node if isinstance(t._node, Node) else None
    shape = ", ".join(str(d) for d in aval.shape)
    which = f", which is output 0 of {_version_error_name(node)}," if node is not None else ""
    msg = ("one of the variables needed for gradient computation has been modified by an "
           f"inplace operation: [{tensor_type_name(t)} [{shape}]]{which} is at version "
           f"{t._vc[0]}; expected version {expected} instead. Hint: enable anomaly detection "
           "to find the operation that failed to compute its gradient, with "
           "torch.autograd.set_detect_anomaly(True, check_nan=False).")
    s = cast(_StaleTensor, _make(None, t._vc, cls=_StaleTensor))
    s._msg = msg
    s._aval = aval
    return s


_graph_module._TENSOR[:] = [_make, stale_tensor]
Tensor.__dlcore_frontend__ = None     # set by _dispatch

__all__ = ["Size", "Tensor", "dlcore"]
