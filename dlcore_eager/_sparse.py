"""Sparse COO tensors (``torch.sparse_coo_tensor``), as sparse gradients need them.

A sparse tensor of ``size`` holds ``indices`` (int64, ``(sparse_dim, nnz)``) and ``values``
(``(nnz, *dense_dims)``); the dense tensor it stands for is zero except
``dense[indices[:, k]] += values[k]``.  Duplicate indices are allowed ("uncoalesced") and sum;
``coalesce()`` sorts the indices and sums the duplicates, as PyTorch does.

``SparseTensor`` is a ``Tensor`` subclass, so ``isinstance(p.grad, torch.Tensor)`` holds, with
``layout == torch.sparse_coo`` and ``is_sparse``; its ``_buf`` is a ``SparseBuf`` (shape,
dtype, indices, values), never an array, and dense primitives refuse it with PyTorch's
"Could not run ... 'SparseCPU' backend" error.  What it supports, with PyTorch's semantics:
``_indices``/``_values`` (any), ``indices``/``values`` (coalesced only), ``coalesce``,
``is_coalesced``, ``_nnz``, ``sparse_dim``/``dense_dim``, ``to_dense``, ``clone``/``detach``,
``sparse * scalar``, ``sparse / scalar``, ``-sparse``, ``sparse + sparse`` (indices
concatenated), ``dense + sparse`` (dense), ``mul_``/``div_``/``zero_`` in place; on dense
tensors ``to_sparse()``, ``sparse_mask(sparse)`` and ``is_sparse`` (False).  Sparse tensors do
not take part in autograd themselves (``requires_grad=True`` is refused); they arise as the
gradients of ``nn.Embedding(sparse=True)`` (see ``nn.sparse``), which ``backward`` accumulates
(``autograd.engine``) and SGD, Adagrad and SparseAdam consume.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from dlcore.registry import AVal

from . import _dtype as D
from ._long_tail import layout
from .tensor import Size, Tensor, _make

sparse_coo = layout("sparse_coo")


class SparseBuf:
    """The storage of a sparse COO tensor (what ``SparseTensor._buf`` is)."""

    __slots__ = ("coalesced", "csr", "dtype", "indices", "shape", "values")

    def __init__(self, indices: np.ndarray, values: np.ndarray, shape: tuple,
                 coalesced: bool) -> None:
        self.indices = indices
        self.values = values
        self.shape = tuple(int(d) for d in shape)
        self.dtype = values.dtype
        self.coalesced = coalesced
        self.csr: dict = {}         # dlcore_eager.sparse's CSR forms, by transpose flag

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __dlcore_aval__(self) -> AVal:
        return AVal(self.shape, self.dtype)

    def __getattr__(self, name: str):
        # A dense kernel or check reached a sparse tensor's storage: refuse it clearly.
        raise NotImplementedError(f"Could not run this operation with arguments from the "
                                  f"'SparseCPU' backend (it needs the dense {name!r} of a sparse "
                                  "tensor); call .to_dense() first")


def apply(prim, args, params):
    """A primitive applied to a sparse tensor (the eager dispatch sends it here): ``sparse @
    dense`` (``torch.mm``, ``torch.matmul``, ``@``) is computed; anything else is refused."""
    if prim.name == "matmul" and len(args) == 2 and isinstance(args[0], SparseTensor) and \
            isinstance(args[1], Tensor) and not isinstance(args[1], SparseTensor):
        return MATMUL[0](args[0], args[1])
    raise NotImplementedError(f"Could not run 'aten::{prim.name}' with arguments from the "
                              "'SparseCPU' backend.")


class _SparseFrontend:
    apply = staticmethod(apply)


class SparseTensor(Tensor):
    """A sparse COO tensor (see the module docstring)."""

    __slots__ = ()
    __dlcore_frontend__ = _SparseFrontend

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._buf.shape)

    def size(self, dim: int | None = None):
        return Size(self._buf.shape) if dim is None else self._buf.shape[dim]

    @property
    def device(self):
        from dlcore.device import CPU
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_sparse(self) -> bool:
        return True

    @property
    def layout(self):
        return sparse_coo

    @property  # type: ignore[misc]
    def data(self) -> SparseTensor:  # type: ignore[override]
        return self.detach()

    def is_contiguous(self) -> bool:
        raise RuntimeError("Tensors of type SparseTensorImpl do not have is_contiguous")

    def _nnz(self) -> int:
        return int(self._buf.indices.shape[1])

    def sparse_dim(self) -> int:
        return int(self._buf.indices.shape[0])

    def dense_dim(self) -> int:
        return self._buf.values.ndim - 1

    def is_coalesced(self) -> bool:
        return self._buf.coalesced

    def _indices(self) -> Tensor:
        return Tensor._wrap(self._buf.indices)

    def _values(self) -> Tensor:
        return Tensor._wrap(self._buf.values)

    def indices(self) -> Tensor:
        if not self._buf.coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return self._indices()

    def values(self) -> Tensor:
        if not self._buf.coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return self._values()

    # ------------------------------------------------------------------ conversions
    def coalesce(self) -> SparseTensor:
        b = self._buf
        if b.coalesced:
            return self
        idx, vals = _coalesce(b.indices, b.values, b.shape)
        return _sparse(idx, vals, b.shape, True)

    def to_dense(self, dtype=None, *, masked_grad=None) -> Tensor:
        b = self._buf
        out = np.zeros(b.shape, dtype=b.dtype)
        if b.indices.shape[1]:
            np.add.at(out, tuple(b.indices), b.values)
        t = Tensor._wrap(out)
        return t if dtype is None else t.to(dtype)

    def clone(self, *, memory_format=None) -> SparseTensor:
        b = self._buf
        return _sparse(b.indices.copy(), b.values.copy(), b.shape, b.coalesced)

    def detach(self) -> SparseTensor:
        b = self._buf
        return _sparse(b.indices, b.values, b.shape, b.coalesced)

    def cpu(self) -> SparseTensor:
        return self

    def numpy(self, *, force: bool = False):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() "
                        "first.")

    def to(self, *args, **kwargs):
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
        b = self._buf
        if dtype is None or dtype.np_dtype == b.dtype:
            return self
        return _sparse(b.indices, b.values.astype(dtype.np_dtype), b.shape, b.coalesced)

    # ------------------------------------------------------------------ arithmetic
    def _scaled(self, s) -> SparseTensor:
        b = self._buf
        return _sparse(b.indices, (b.values * np.asarray(s, b.dtype)).astype(b.dtype), b.shape,
                       b.coalesced)

    def __mul__(self, other):
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return self._scaled(other)
        raise NotImplementedError("mul of a 'SparseCPU' tensor and a tensor is not supported "
                                  "by dlcore; multiply by a Python number")

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            b = self._buf
            return _sparse(b.indices, (b.values / np.asarray(other, b.dtype)).astype(b.dtype),
                           b.shape, b.coalesced)
        raise NotImplementedError("div of a 'SparseCPU' tensor by a tensor is not supported "
                                  "by dlcore; divide by a Python number")

    def __neg__(self):
        return self._scaled(-1)

    def __add__(self, other):
        if isinstance(other, SparseTensor):
            return add_sparse(self, other)
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                           "instead.")

    def __radd__(self, other):               # dense + sparse (tried first: a subclass)
        if isinstance(other, Tensor) and not isinstance(other, SparseTensor):
            return add_dense(other, self)
        return NotImplemented

    def __sub__(self, other):
        if isinstance(other, SparseTensor):
            return add_sparse(self, -other)
        raise RuntimeError("sub(sparse, dense) is not supported. Use sub(dense, sparse) "
                           "instead.")

    def __rsub__(self, other):
        if isinstance(other, Tensor) and not isinstance(other, SparseTensor):
            return add_dense(other, self, -1.0)
        return NotImplemented

    def add(self, other, *, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def mul_(self, other):
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            raise NotImplementedError("sparse mul_ takes a Python number in dlcore")
        b = self._buf
        b.values *= np.asarray(other, b.dtype)       # in place: a detached alias sees it
        self._vc[0] += 1
        return self

    def div_(self, other):
        return self.mul_(1.0 / other)

    def zero_(self):
        b = self._buf
        b.indices = np.zeros((b.indices.shape[0], 0), np.int64)
        b.values = np.zeros((0, *b.values.shape[1:]), b.dtype)
        b.coalesced = True
        self._vc[0] += 1
        return self

    def t(self) -> SparseTensor:
        """The transpose of a 2-D sparse matrix (indices swapped, uncoalesced order kept)."""
        b = self._buf
        if len(b.shape) != 2 or b.indices.shape[0] != 2:
            raise RuntimeError(f"t() expects a 2-D sparse matrix, but self is {len(b.shape)}D")
        return _sparse(b.indices[::-1].copy(), b.values, b.shape[::-1], False)

    def mm(self, mat2):
        return MATMUL[0](self, mat2)

    def __repr__(self) -> str:
        b = self._buf
        ind = repr(Tensor._wrap(b.indices)).replace("\n", "\n" + " " * 15)
        val = repr(Tensor._wrap(b.values)).replace("\n", "\n" + " " * 14)
        return (f"tensor(indices={ind},\n       values={val},\n       size={b.shape}, "
                f"nnz={b.indices.shape[1]}, layout=torch.sparse_coo)")

    __str__ = __repr__


def _sparse(indices, values, shape, coalesced: bool) -> SparseTensor:
    return cast(SparseTensor, _make(SparseBuf(indices, values, shape, coalesced),
                                    cls=SparseTensor))


def _coalesce(indices: np.ndarray, values: np.ndarray, shape: tuple):
    """Sorted unique indices and the summed values (PyTorch's coalesce)."""
    sd = indices.shape[0]
    if indices.shape[1] == 0:
        return indices.copy(), values.copy()
    flat = np.ravel_multi_index(tuple(indices), shape[:sd]) if sd else \
        np.zeros(indices.shape[1], np.int64)
    uniq, inv = np.unique(flat, return_inverse=True)
    out = np.zeros((uniq.size, *values.shape[1:]), dtype=values.dtype)
    np.add.at(out, inv.reshape(-1), values)
    idx = np.stack(np.unravel_index(uniq, shape[:sd])).astype(np.int64) if sd else \
        np.zeros((0, uniq.size), np.int64)
    return idx.reshape(sd, uniq.size), out


def add_sparse(a: SparseTensor, b: SparseTensor) -> SparseTensor:
    """``a + b`` of two sparse tensors of one size: the entries of both (uncoalesced)."""
    x, y = a._buf, b._buf
    if x.shape != y.shape:
        raise RuntimeError(f"sizes do not match: {list(x.shape)} vs {list(y.shape)}")
    if x.indices.shape[0] != y.indices.shape[0]:
        raise RuntimeError("add: expected both sparse tensors to have the same sparse_dim")
    dtype = np.promote_types(x.dtype, y.dtype)
    return _sparse(np.concatenate([x.indices, y.indices], 1),
                   np.concatenate([x.values.astype(dtype), y.values.astype(dtype)]), x.shape,
                   y.indices.shape[1] == 0 and x.coalesced or
                   x.indices.shape[1] == 0 and y.coalesced)


def add_dense(d: Tensor, s: SparseTensor, alpha: float = 1.0) -> Tensor:
    """``d + alpha * s`` as a new dense tensor."""
    b = s._buf
    if tuple(d.shape) != b.shape:
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has "
                           f"size {list(d.shape)} but other has size {list(b.shape)}")
    out = np.array(d.detach().cpu()._buf, dtype=np.promote_types(d._buf.dtype, b.dtype))
    if b.indices.shape[1]:
        vals = b.values if alpha == 1.0 else (b.values * np.asarray(alpha, b.dtype))
        np.add.at(out, tuple(b.indices), vals.astype(out.dtype))
    return Tensor._wrap(out)


def add_into_(d: Tensor, s: SparseTensor, alpha: float = 1.0) -> None:
    """``d += alpha * s`` in place (the optimizers' ``p.add_(sparse, alpha=...)``)."""
    b = s._buf
    buf = d._buf
    if type(buf) is not np.ndarray:
        raise RuntimeError("sparse gradients are supported for CPU parameters only")
    if b.indices.shape[1]:
        vals = b.values if alpha == 1.0 else (b.values * np.asarray(alpha, b.dtype))
        np.add.at(buf, tuple(b.indices), vals.astype(buf.dtype))
    d._vc[0] += 1


def mask(self: Tensor, mask: SparseTensor) -> SparseTensor:
    """``self.sparse_mask(mask)``: this dense tensor's values at ``mask``'s (coalesced)
    indices."""
    s = mask.coalesce()
    b = s._buf
    vals = np.asarray(self.detach().cpu()._buf)[tuple(b.indices)]
    return _sparse(b.indices, np.array(vals), b.shape, True)


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None,
                      pin_memory=False, requires_grad: bool = False, check_invariants=None,
                      is_coalesced=None) -> SparseTensor:
    """``torch.sparse_coo_tensor(indices, values, size)`` (the size inferred when omitted)."""
    if requires_grad:
        raise NotImplementedError("dlcore: sparse tensors do not take part in autograd "
                                  "(requires_grad=True)")
    idx: np.ndarray = np.asarray(indices.detach().cpu()._buf if isinstance(indices, Tensor)
                                 else indices)
    if idx.dtype.kind not in "iu" and idx.size:
        raise RuntimeError(f"indices must be an int64 tensor, got {idx.dtype}")
    idx = idx.astype(np.int64)
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if isinstance(values, Tensor):
        vals = np.array(values.detach().cpu()._buf)
    elif isinstance(values, np.ndarray):
        vals = np.array(values)
    else:                                  # Python numbers: floats in the default dtype
        vals = np.array(values)
        if vals.dtype.kind == "f":
            vals = vals.astype(D.get_default_dtype().np_dtype)
    if dtype is not None:
        vals = vals.astype(dtype.np_dtype)
    if vals.ndim == 0 or vals.shape[0] != idx.shape[1]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{idx.shape[1]}, nnz from values: "
                           f"{vals.shape[0] if vals.ndim else 0}")
    sd = idx.shape[0]
    if size is None:
        sparse_sizes = [int(idx[i].max()) + 1 if idx.shape[1] else 0 for i in range(sd)]
        shape = tuple(sparse_sizes) + tuple(vals.shape[1:])
    else:
        shape = tuple(int(s) for s in size)
        if len(shape) != sd + vals.ndim - 1:
            raise RuntimeError(f"number of dimensions must be sparse_dim ({sd}) + dense_dim "
                               f"({vals.ndim - 1}), but got {len(shape)}")
        if tuple(vals.shape[1:]) != shape[sd:]:
            raise RuntimeError(f"values has incorrect size, expected {[vals.shape[0], *shape[sd:]]}"
                               f", got {list(vals.shape)}")
        for i in range(sd):
            if idx.shape[1] and (idx[i].max() >= shape[i] or idx[i].min() < 0):
                bad = int(idx[i].max()) if idx[i].max() >= shape[i] else int(idx[i].min())
                raise RuntimeError(f"size is inconsistent with indices: for dim {i}, size is "
                                   f"{shape[i]} but found index {bad}")
    return _sparse(idx, vals, shape, bool(is_coalesced) or idx.shape[1] <= 1)


def _to_sparse(self: Tensor, sparse_dim: int | None = None) -> SparseTensor:
    """``dense.to_sparse()``: the nonzero entries (all dimensions sparse by default)."""
    a = np.asarray(self.detach().cpu()._buf)
    sd = a.ndim if sparse_dim is None else int(sparse_dim)
    lead = a.reshape(*a.shape[:sd], -1) if sd < a.ndim else a[..., None]
    nz = np.nonzero(np.any(lead != 0, axis=-1))
    idx = np.stack(nz).astype(np.int64) if sd else np.zeros((0, 1), np.int64)
    vals = a[nz] if sd else a[None]
    return _sparse(idx.reshape(sd, -1), np.array(vals), a.shape, True)


def _dense_is_sparse(self) -> bool:
    """Whether the tensor is sparse (a ``sparse_coo_tensor``): False for a dense tensor."""
    return False


def install() -> None:
    """``is_sparse`` (False), ``to_sparse`` and ``sparse_mask`` on dense tensors."""
    for name, value in (("is_sparse", property(_dense_is_sparse)), ("to_sparse", _to_sparse),
                        ("sparse_mask", mask)):
        if name not in Tensor.__dict__:
            setattr(Tensor, name, value)





# ----------------------------------------------------------------------------- sparse @ dense
#: ``torch.sparse.mm`` (set by ``dlcore_eager.sparse`` when it is imported, which the package
#: does: it needs autograd, which imports this module).
MATMUL: list = []


# ----------------------------------------------------------------------------- autograd
def add_any(a: Tensor, b: Tensor) -> Tensor:
    """The sum of two cotangents where one or both are sparse (backward's ``add``)."""
    if isinstance(a, SparseTensor) and isinstance(b, SparseTensor):
        return add_sparse(a, b)
    if isinstance(a, SparseTensor):
        return add_dense(b, a)
    return add_dense(a, cast(SparseTensor, b))


def accumulate_sparse(leaf: Tensor, g: Tensor) -> None:
    """``leaf.grad`` accumulation when a sparse gradient is involved, as PyTorch's
    AccumulateGrad: the first sparse gradient is stored (a tensor of its own), a later one is
    appended to a sparse ``.grad`` (after its entries), and added into a dense one in place; a
    dense gradient on a sparse ``.grad`` makes it dense."""
    old = leaf._grad
    if old is None:
        leaf._grad = g.clone() if isinstance(g, SparseTensor) else g.detach().clone()
    elif isinstance(old, SparseTensor):
        leaf._grad = add_sparse(old, g) if isinstance(g, SparseTensor) else add_dense(g, old)
    else:
        add_into_(old, cast(SparseTensor, g))
__all__ = ["SparseTensor", "sparse_coo", "sparse_coo_tensor"]
