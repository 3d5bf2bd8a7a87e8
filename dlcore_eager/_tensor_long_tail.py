"""Tensor methods from PyTorch's long tail: metadata (``itemsize``, ``nbytes``, ``layout``,
``ndimension``), the conjugate transposes ``H``/``mH`` and a checked ``mT``, ``unfold``,
``sum_to_size``, in-place shape changes (``t_``, ``transpose_``, ``squeeze_``, ``unsqueeze_``,
``resize_``, ``resize_as_``), ``fill_diagonal_``, Python callables (``apply_``, ``map_``),
memory (``pin_memory``, ``share_memory_``) and the in-place samplers (``exponential_``,
``geometric_``, ``cauchy_``, ``log_normal_``, ``random_``, ``bernoulli_``).

``H``/``mH`` are the conjugate transposes (plain transposes of real tensors).  ``unfold`` is a
true view (sliding windows over the tensor's memory) when nothing is recorded and a gather of
the same elements when autograd records it (overlapping windows' gradients sum, as PyTorch's).
The in-place shape changes replace the tensor's buffer with the view and, when recorded, make
the tensor the view's output (an alias of the old tensor keeps the node's input as it was).
``share_memory_`` moves a CPU tensor into an anonymous shared mapping that processes forked
later see (other tensors that viewed the old memory keep it, as dlcore has no storage object).
``pin_memory`` raises PyTorch's error without CUDA; with CUDA it returns a copy (page-locked
memory is not used, so ``is_pinned()`` stays False).  The samplers draw from NumPy's generator
(``generator=`` a ``torch.Generator``): PyTorch's distributions and checks, not its streams.
"""

from __future__ import annotations

import builtins
import mmap

import numpy as np

from dlcore.device import CPU, to_device

from . import _dtype as D
from ._host import host as _host
from ._keyword_names import from_to
from ._long_tail import _storage, strided
from ._graph import ERR_VIEW_OF_LEAF, labelled
from ._state import ERR_INFERENCE_INPLACE, STATE, InferenceVersion, inference_write
from .tensor import Tensor, _make


# ----------------------------------------------------------------------------- metadata
def _mt(self) -> Tensor:
    if self.dim() < 2:
        if self.dim() == 0:
            import warnings
            warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the "
                          "identity in these cases.", UserWarning, stacklevel=2)
            return self
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _mh(self) -> Tensor:
    """The conjugate transpose of the last two dimensions (``x.transpose(-2, -1).conj()``);
    a tensor of fewer than 2 dimensions raises PyTorch's RuntimeError."""
    if self.dim() < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return _conj(self.transpose(-2, -1))


def _conj(x: Tensor) -> Tensor:
    return x.conj() if x._buf.dtype.kind == "c" else x


def _h(self) -> Tensor:
    """The conjugate transpose of a matrix (2-D only, as PyTorch; ``mH`` for batches)."""
    if self.dim() == 0:
        import warnings
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return _conj(self)
    if self.dim() != 2:
        extra = " For batches of matrices, consider using tensor.mH" if self.dim() > 2 else ""
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.dim()}-D tensor.{extra}")
    return _conj(self.transpose(0, 1))


def ndimension(self) -> builtins.int:
    """The number of dimensions (``dim()``)."""
    return self.dim()


# ----------------------------------------------------------------------------- views
def _dim(d: builtins.int, n: builtins.int) -> builtins.int:
    m = builtins.max(n, 1)
    if not -m <= d < m:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-m}, {m - 1}], "
                         f"but got {d})")
    return d % m


def unfold(self, dimension: builtins.int, size: builtins.int, step: builtins.int) -> Tensor:
    """All windows of ``size`` elements along ``dimension``, ``step`` apart, in a new last
    dimension: shape ``(..., (n - size) // step + 1, ..., size)``."""
    d = _dim(dimension, self.dim())
    length = self.shape[d] if self.dim() else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")

    def windows(arr: np.ndarray) -> np.ndarray:
        a = arr.reshape(1) if arr.ndim == 0 else arr
        shape = list(a.shape)
        strides = list(a.strides)
        shape[d] = (length - size) // step + 1
        strides[d] = a.strides[d] * step
        shape_, strides_ = tuple(shape) + (size,), tuple(strides) + (a.strides[d],)
        root, own = (a, 0) if a.flags.c_contiguous else _storage(a)
        if not root.flags.c_contiguous:
            return np.lib.stride_tricks.as_strided(a, shape_, strides_,
                                                   writeable=a.flags.writeable)
        v = np.ndarray(shape_, a.dtype, buffer=root, offset=own * a.dtype.itemsize,
                       strides=strides_)          # (4x quicker to make than as_strided)
        if not a.flags.writeable:
            v.flags.writeable = False
        return v
    if self.dim() == 0:                      # a 0-d tensor: its one window, shape (size,)
        return self.reshape(1).clone() if self._rg and STATE.enabled else \
            Tensor._wrap(self._buf.reshape(1), self._vc)
    if self._rg and STATE.enabled:           # recorded: a gather of the same elements
        idx = windows(np.arange(self.numel(), dtype=np.int64).reshape(self.shape))
        index = Tensor._wrap(np.ascontiguousarray(idx).ravel())
        flat = self.reshape(-1).index_select(0, index.cuda() if self.is_cuda else index)
        return flat.reshape(idx.shape)
    if self.is_cuda:
        return Tensor._wrap(np.ascontiguousarray(windows(self.cpu()._buf))).cuda()
    return Tensor._wrap(windows(self._buf), self._vc)


def sum_to_size(self, *sizes, size=None) -> Tensor:
    """The sum of this tensor down to ``size`` (``2, 3``, ``(2, 3)`` or ``size=(2, 3)``), which
    must be expandable to its shape."""
    if size is not None:
        if sizes:
            raise TypeError("sum_to_size() got multiple values for argument 'size'")
        size = tuple(size)
    else:
        size = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], builtins.int) \
            else sizes
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return self
    out = self.sum(tuple(range(lead))) if lead else self
    dims = tuple(i for i, (s, n) in enumerate(zip(size, shape[lead:])) if s == 1 and n != 1)
    return out.sum(dims, keepdim=True) if dims else out


#: the grad_fn of the out-of-place view -> PyTorch's for the in-place method
_INPLACE_NAMES = {"UnsqueezeBackward0": "UnsqueezeBackward1", "SqueezeBackward0":
                  "SqueezeBackward3", "SqueezeBackward1": "SqueezeBackward4",
                  "TBackward0": "TBackward1", "TransposeBackward0": "TransposeBackward1"}


def _meta_inplace(name: str, op):
    """``t_``/``transpose_``/``squeeze_``/``unsqueeze_``: this tensor becomes the view."""
    def method(self, *args, **kwargs):
        self._check_inplace()
        if self._rg and STATE.enabled:
            alias = _make(self._buf, self._vc, self._node)
            r = op(alias, *args, **kwargs)
            if r._node is not None and r._node is not alias._node:
                inplace = _INPLACE_NAMES.get(r._node.name())    # (PyTorch's in-place node)
                if inplace is not None:
                    labelled(r, inplace, alias)
            self._node = r._node
        else:
            r = op(Tensor._wrap(self._buf, self._vc), *args, **kwargs)
        self._buf = r._buf
        self._vc[0] += 1                # (an in-place change of its metadata: PyTorch's bump)
        return self
    method.__name__ = name
    return method


def _t(x):
    if x.dim() > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{x.dim()}D")
    return x.t()


def _squeeze(x, dim=None):
    return x.squeeze() if dim is None else x.squeeze(dim)


def resize_(self, *sizes, size=None, memory_format=None) -> Tensor:
    """Give the tensor the shape ``sizes`` (or ``size=``): the first elements of its storage
    are kept (the same memory when it is large enough), new ones are uninitialised."""
    if size is not None:
        if sizes or isinstance(size, builtins.int):
            raise TypeError(f"resize_(): argument 'size' must be tuple of ints, not "
                            f"{type(size if not sizes else sizes[0]).__name__}")
        sizes = (size,)
    shape = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], builtins.int) \
        else tuple(sizes)
    if inference_write(self):
        raise RuntimeError(ERR_INFERENCE_INPLACE)
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    n = builtins.int(np.prod(shape, dtype=np.int64))
    dev = self.device
    b = self._buf if not self.is_cuda else to_device(self._buf, CPU)
    root, off = _storage(b)
    item = b.dtype.itemsize
    if not self.is_cuda and b.flags.c_contiguous and root.flags.c_contiguous and \
            (off + n) * item <= root.nbytes:
        new = np.ndarray(shape, dtype=b.dtype, buffer=root, offset=off * item)
    else:
        flat = np.zeros(n, dtype=b.dtype)       # (PyTorch: uninitialised; zeros are safe)
        keep = builtins.min(n, b.size)
        flat[:keep] = b.reshape(-1)[:keep]
        new = flat.reshape(shape)
    self._buf = new if dev == CPU else to_device(new, dev)
    self._vc[0] += 1
    return self


def resize_as_(self, the_template: Tensor, *, memory_format=None) -> Tensor:
    return resize_(self, tuple(the_template.shape))


# ----------------------------------------------------------------------------- values
def _write(self, host: np.ndarray) -> Tensor:
    """Commit host values (this tensor's shape) into the tensor, in place."""
    # (np.require, not ascontiguousarray: that makes a 0-d array 1-d, and random_ of a 0-d
    # tensor failed)
    src = Tensor._wrap(np.require(host.astype(self._buf.dtype, copy=False), requirements="C"))
    return self._commit(src if not self.is_cuda else src.cuda())


def fill_diagonal_(self, fill_value, wrap: builtins.bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal (all dimensions equal, or a 2-D matrix; with
    ``wrap`` the diagonal of a tall matrix restarts every ``cols + 1`` rows)."""
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if self._rg and self._node is None and STATE.enabled:    # (PyTorch writes through a view)
        raise RuntimeError(ERR_VIEW_OF_LEAF)
    self._check_inplace()
    n = builtins.int(np.prod(shape))
    step = builtins.int(sum(np.cumprod((1,) + shape[:0:-1])))      # sum of C strides
    if len(shape) == 2 and wrap:
        stop = n
    else:
        stop = builtins.min(shape) * step
    mask = np.zeros(n, dtype=np.bool_)
    mask[0:stop:step] = True
    main = builtins.min(shape)          # (ATen fills the diagonal, then the wrapped part)
    wrapped = -(-n // step) - main if len(shape) == 2 and wrap and shape[0] > shape[1] + 1 else 0
    if main <= 1 and wrapped <= 1 and not isinstance(fill_value, complex):  # (one element each)
        from ._scalar_convert import fill_scalar
        fill_value = fill_scalar(fill_value, self._buf.dtype, 1)
    m = Tensor._wrap(mask.reshape(shape))
    if self.is_cuda:
        m = m.cuda()
    return self._commit(self._original().masked_fill(m, fill_value))


def _callable_check(self, name: str) -> None:
    if self._rg:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    if self.is_cuda:
        raise TypeError(f"{name} is only implemented on CPU tensors")


def apply_(self, callable) -> Tensor:
    """Replace each element ``v`` by ``callable(v)`` (a Python function; CPU only; slow)."""
    _callable_check(self, "apply_")
    vals = [callable(v) for v in self._buf.reshape(-1).tolist()]
    np.copyto(self._buf, np.asarray(vals, dtype=self._buf.dtype).reshape(self._buf.shape))
    self._vc[0] += 1
    return self


def map_(self, tensor: Tensor, callable) -> Tensor:
    """Replace each element ``a`` by ``callable(a, b)``, ``b`` from ``tensor`` broadcast to
    this tensor's shape (CPU only; slow)."""
    _callable_check(self, "map_")
    other = tensor.expand(self.shape)._buf.reshape(-1).tolist()
    vals = [callable(a, b) for a, b in zip(self._buf.reshape(-1).tolist(), other)]
    np.copyto(self._buf, np.asarray(vals, dtype=self._buf.dtype).reshape(self._buf.shape))
    self._vc[0] += 1
    return self


# ----------------------------------------------------------------------------- memory
def pin_memory(self, device=None) -> Tensor:
    """A copy in page-locked memory for faster host-to-GPU copies: PyTorch raises without an
    accelerator, and so does this; with one, dlcore returns a copy (numba.cuda's transfers
    stage through their own pinned buffers)."""
    import dlcore
    if not dlcore.cuda_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if self.is_cuda:
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    return self.clone()


def is_pinned(self, device=None) -> builtins.bool:
    """Whether the tensor lives in page-locked memory: never in dlcore (``pin_memory`` copies)."""
    return False


def share_memory_(self) -> Tensor:
    """Move a CPU tensor's storage into an anonymous shared memory mapping (kept by processes
    forked afterwards), as PyTorch moves the storage: every tensor viewing it (its views, its
    base, ``detach()``es: those sharing its version counter) is rebased onto the mapping, so
    they stay aliased.  A no-op for CUDA tensors and tensors already shared."""
    if self.is_cuda or is_shared(self):
        return self
    b = self._buf
    root = _storage(b)[0]
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        raise RuntimeError("share_memory_: the tensor's storage is not contiguous memory "
                           "(a NumPy view from outside); share a .clone() instead")
    mem = mmap.mmap(-1, builtins.max(root.nbytes, 1))
    np.ndarray(root.shape, root.dtype, buffer=mem, strides=root.strides)[...] = root
    start = root.__array_interface__["data"][0]
    for t in _sharers(self):
        tb = t._buf
        if type(tb) is not np.ndarray or _storage(tb)[0] is not root:
            continue
        off = tb.__array_interface__["data"][0] - start
        nb = np.ndarray(tb.shape, tb.dtype, buffer=mem, offset=off, strides=tb.strides)
        if not tb.flags.writeable:
            nb.flags.writeable = False
        t._buf = nb
    return self


def _sharers(self) -> list:
    """The tensors sharing ``self``'s version counter (its views, its bases, detach()es),
    ``self`` first: found through the garbage collector (share_memory_ is a rare call)."""
    import gc
    import sys
    version = self._vc
    if sys.getrefcount(version) <= 3:       # (self's slot, the local, the call's argument)
        return [self]
    return [self] + [r for r in gc.get_referrers(version)
                     if isinstance(r, Tensor) and r is not self and r._vc is version]


def is_shared(self) -> builtins.bool:
    """Whether the values live in shared memory (after ``share_memory_``; CUDA tensors always)."""
    if self.is_cuda:
        return True
    base = _storage(self._buf)[0].base
    return isinstance(getattr(base, "obj", base), mmap.mmap)      # (memoryview of an mmap)


# ----------------------------------------------------------------------------- samplers
def _sampler(name: str, draw, floating_only: str | None = None):
    def method(self, *args, generator=None, **kwargs):
        from .creation import _rng
        if floating_only and not self.is_floating_point():
            d = self._buf.dtype.name
            label = D.from_numpy_dtype(d)._legacy if floating_only == "legacy" \
                else D.C_TYPE_NAMES.get(d, d)
            kind = "Exponential" if name == "exponential_" else "Cauchy"
            if name == "log_normal_":
                raise NotImplementedError(f"\"log_normal_cpu\" not implemented for "
                                          f"'{D.from_numpy_dtype(d)._legacy}'")
            raise RuntimeError(f"{kind} distribution is a continuous probability distribution."
                               f" dtype must be a floating point but you specified {label}")
        if name == "random_":
            args, kwargs = from_to(name, args, kwargs)
        elif name == "geometric_" and self._buf.dtype.kind == "b":
            raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
        host = draw(self, _rng(generator), tuple(self.shape), *args, **kwargs)
        self._check_inplace()
        return _write(self, host)
    method.__name__ = name
    return method


def _exponential(self, g, shape, lambd=1.0):
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return g._e.exponential(builtins.int(np.prod(shape, dtype=np.int64)), lambd).reshape(shape)


def _geometric(self, g, shape, p):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return g._e.geometric(builtins.int(np.prod(shape, dtype=np.int64)), p).reshape(shape)


def _cauchy(self, g, shape, median=0.0, sigma=1.0):
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    n = builtins.int(np.prod(shape, dtype=np.int64))
    return g._e.cauchy(n, median, sigma).reshape(shape)


def _log_normal(self, g, shape, mean=1.0, std=2.0):
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return g._e.log_normal(builtins.int(np.prod(shape, dtype=np.int64)), mean, std).reshape(shape)


def _bernoulli(self, g, shape, p=0.5):
    if isinstance(p, Tensor):
        pa = _host(p).astype(np.float64)
        if pa.size and (pa.min() < 0 or pa.max() > 1):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                               "(Could this error message be improved?  If so, please report "
                               "an enhancement request to PyTorch.)")
        pt = _host(p)                  # one uniform per element, double for a float64 p
        return g._e.bernoulli_tensor(np.broadcast_to(pt if pt.dtype.kind == "f" else pa, shape))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return g._e.bernoulli_scalar(builtins.int(np.prod(shape, dtype=np.int64)), p).reshape(shape)


_FLOAT_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _random(self, g, shape, *args):
    if any(not isinstance(a, (builtins.int, type(None))) or isinstance(a, builtins.bool)
           for a in args) or len(args) > 2 or (len(args) == 1 and args[0] is None):
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"random_() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:\n * (*, torch.Generator generator = "
                        "None)\n * (int from, int to, *, torch.Generator generator = None)\n * "
                        "(int to, *, torch.Generator generator = None)\n")
    dtype = self._buf.dtype
    name = dtype.name
    if name == "bool":
        top = 1
    elif name in _FLOAT_DIGITS:
        top = 2 ** _FLOAT_DIGITS[name]
    else:
        top = builtins.int(np.iinfo(dtype).max)
    lo, hi = (0, top + 1) if not args else (0, args[0]) if len(args) == 1 else \
        (args[0], top + 1 if args[1] is None else args[1])
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= "
                           f"to={hi}")
    if name not in _FLOAT_DIGITS and name != "bool":
        info = np.iinfo(dtype)
        cname = D.C_TYPE_NAMES.get(name, name)
        if not info.min <= lo <= info.max:
            raise RuntimeError(f"from is out of bounds for {cname}")
        if not info.min <= hi - 1 <= info.max:
            raise RuntimeError(f"to - 1 is out of bounds for {cname}")
    n = builtins.int(np.prod(shape, dtype=np.int64))          # PyTorch's random_(from, to)
    return g._e.random_from_to(n, dtype, lo, hi).reshape(shape)


METHODS = {
    "ndimension": ndimension, "unfold": unfold, "sum_to_size": sum_to_size,
    "t_": _meta_inplace("t_", _t),
    "transpose_": _meta_inplace("transpose_", lambda x, dim0, dim1: x.transpose(dim0, dim1)),
    "squeeze_": _meta_inplace("squeeze_", _squeeze),
    "unsqueeze_": _meta_inplace("unsqueeze_", lambda x, dim: x.unsqueeze(dim)),
    "resize_": resize_, "resize_as_": resize_as_, "fill_diagonal_": fill_diagonal_,
    "apply_": apply_, "map_": map_, "pin_memory": pin_memory, "is_pinned": is_pinned,
    "share_memory_": share_memory_, "is_shared": is_shared,
    "exponential_": _sampler("exponential_", _exponential, "legacy"),
    "geometric_": _sampler("geometric_", _geometric),
    "cauchy_": _sampler("cauchy_", _cauchy, "c"),
    "log_normal_": _sampler("log_normal_", _log_normal, "legacy"),
    "bernoulli_": _sampler("bernoulli_", _bernoulli),
    "random_": _sampler("random_", _random),
}
def _itemsize(self) -> int:
    """Bytes per element (4 for float32)."""
    return self._buf.dtype.itemsize


def _nbytes(self) -> int:
    """Bytes of the tensor's elements (``numel() * itemsize``)."""
    return self.numel() * self._buf.dtype.itemsize


def _layout(self):
    """The memory layout: ``torch.strided`` for every dense tensor."""
    return strided


def _is_cpu(self) -> bool:
    """Whether the tensor lives in host memory (``not is_cuda``)."""
    return not self.is_cuda


def get_device(self) -> int:
    """The CUDA device index, -1 for a CPU tensor (PyTorch's convention)."""
    return 0 if self.is_cuda else -1


def is_signed(self) -> bool:
    """Whether the dtype has a sign: every floating and complex type and int8-int64 (not
    uint8 or bool)."""
    return self._buf.dtype.kind in "fci" or self.dtype.is_floating_point


def is_same_size(self, other: Tensor) -> bool:
    """Whether ``self`` and ``other`` have the same shape (PyTorch's ``Tensor.is_same_size``)."""
    return tuple(self.shape) == tuple(other.shape)


def is_inference(self) -> bool:
    """True for a tensor made inside ``inference_mode()``, its views and ``detach()``
    (they share its ``_state.InferenceVersion`` counter), as PyTorch's."""
    return isinstance(self._vc, InferenceVersion)


METHODS.update({"get_device": get_device, "is_signed": is_signed, "is_same_size": is_same_size,
                "is_inference": is_inference})
PROPERTIES = {"itemsize": _itemsize, "nbytes": _nbytes, "layout": _layout, "H": _h, "mH": _mh,
              "is_cpu": _is_cpu}


def install() -> None:
    """Attach the methods and properties (never over an existing name) and PyTorch's checked
    ``mT`` (a 1-D tensor raises PyTorch's RuntimeError, not transpose's IndexError)."""
    for name, fn in METHODS.items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
    for name, fn in PROPERTIES.items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, property(fn))
    Tensor.mT = property(_mt)
