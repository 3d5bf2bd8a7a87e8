"""Reductions and linear-algebra composites with PyTorch's names (no kernels of their own).

    count_nonzero(x, axis)         sum(x != 0)                          (int64)
    aminmax(x, axis)               (min(x), max(x))
    vector_norm(x, ord, axis)      (sum |x|^p)^(1/p);  max|x| (inf), min|x| (-inf), count (0)
    dist(a, b, p)                  vector_norm(a - b, p)
    cdist(a, b, p)                 vector_norm(a[.., :, None, :] - b[.., None, :, :], p, -1)
    addmm(c, a, b, beta, alpha)    beta c + alpha a @ b       (baddbmm: batched)
    addbmm(c, a, b, beta, alpha)   beta c + alpha sum_i a[i] @ b[i]
    addmv(c, a, v, beta, alpha)    beta c + alpha a @ v
    addr(c, u, v, beta, alpha)     beta c + alpha outer(u, v)  (beta = 0: c ignored, NaN too)
    mv(a, v)                       a @ v
    diagonal(x, offset, d1, d2)    x[.., i, i + offset]  (the two axes moved last, flattened,
                                   read with a stride of n + 1: a getitem, so dx scatters back)
    diag(x, k)                     vector -> matrix (a scatter into zeros);  matrix -> diagonal
    trace(x)                       sum(diagonal(x))
    tril(x, k), triu(x, k)         where(col - row <= k, x, 0) (index grids from cumsums of ones)
    cross(a, b, axis)              the 3-vector cross product along ``axis``
Gradients come from the primitives.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..device import const_like
from ..errors import ShapeError
from ..registry import aval_of, bind
from . import _rules
from .elementwise import (abs, add, cast, equal, full_like, greater_equal, less_equal, mul,
                          not_equal, sub, where)
from .indexing import getitem
from .power import pow
from .linalg import addmm_p, matmul
from .norm2 import norm2_p
from .reduce import max_, min_, sum
from .scan import cumsum, scatter_add_along_axis
from .shape import broadcast_to, concatenate, expand_dims, reshape, transpose
from .triangle import tri as _tri_prim


def _ndim(x) -> int:
    return aval_of(x).ndim


def _shape(x) -> tuple:
    return tuple(aval_of(x).shape)


# ----------------------------------------------------------------------------- reductions
@exports({"torch": "count_nonzero", "Tensor": "count_nonzero"}, "args")
def count_nonzero(x, axis=None):
    """The number of non-zero elements (int64), over ``axis`` or all."""
    return sum(cast(not_equal(x, 0), _dt.int64), axis)


@exports({"torch": "prod", "Tensor": "prod"}, "reduce", int_to_int64=True, name="prod_torch")
def prod(x, axis=None, keepdims: bool = False):
    """The product over ``axis`` (all elements when None): dlcore's ``prod`` primitive."""
    from .reduce_extra import prod as _prod
    return _prod(x, axis, keepdims)


@exports({"torch": "aminmax", "Tensor": "aminmax"}, "args")
def aminmax(x, *, axis=None, keepdims: bool = False):
    """``(min, max)`` over ``axis`` (all elements when None)."""
    return min_(x, axis, keepdims), max_(x, axis, keepdims)


@exports({"torch.linalg": "vector_norm"}, "args", name="vector_norm", float_only=True)
def _torch_vector_norm(x, ord=2, axis=None, keepdims: bool = False, *, dtype=None):
    """``torch.linalg.vector_norm``: ``vector_norm``, an empty ``dim`` (``()``, ``[]``)
    reducing over all dims as PyTorch's (the core's empty ``axis``, TensorFlow's, reduces
    none)."""
    if isinstance(axis, (tuple, list)) and not axis:
        axis = None
    return vector_norm(x, ord, axis, keepdims, dtype=dtype)


def vector_norm(x, ord=2, axis=None, keepdims: bool = False, *, dtype=None):
    """The vector p-norm over ``axis`` (all elements when None).  Its gradient at a zero norm
    is 0, and for p < 1 a zero element gets 0, as PyTorch's (``sqrt``/``pow`` alone would
    give 0 * inf = NaN there): the root is taken of ``where(s == 0, 1, s)``.  ``dtype``
    (PyTorch's): ``x`` is cast to it first (a complex dtype gives its real counterpart)."""
    if dtype is not None:
        x = cast(x, dtype)
    if isinstance(axis, list):
        axis = tuple(axis)
    av = aval_of(x)
    if av.dtype.kind == "c":                # complex: the norms of the moduli (real results)
        x = abs(x)
        av = aval_of(x)
    if ord == 2:
        if av.dtype.kind == "f":            # one primitive (norm2.py): y and its gradient
            return bind(norm2_p, x, axes=_rules.normalize_axes("sum", axis, av.ndim, av.shape),
                        keepdims=bool(keepdims))
        from .elementwise import sqrt
        return _root(sum(mul(x, x), axis, keepdims), sqrt)
    if ord == 0:
        # the count of nonzeros, connected to x with a zero gradient as PyTorch's (its result
        # requires grad: backward() through it worked there and raised here); the sum of x is
        # never selected, so an inf or NaN in it reaches neither the value nor the gradient
        c = sum(cast(not_equal(x, 0), aval_of(x).dtype), axis, keepdims)
        return where(equal(c, c), c, sum(x, axis, keepdims))
    a = abs(x)
    if ord == float("inf"):
        return max_(a, axis, keepdims)
    if ord == -float("inf"):
        return min_(a, axis, keepdims)
    if ord == 1:
        return sum(a, axis, keepdims)
    p = float(ord)
    if p < 1:                   # |0|^p is 0 (p > 0) or inf (p < 0), its gradient taken as 0
        nz = not_equal(a, 0)
        powered = where(nz, pow(where(nz, a, 1), p), 0.0 if p > 0 else float("inf"))
    else:
        powered = pow(a, p)
    s = sum(powered, axis, keepdims)
    return _root(s, lambda v: pow(v, 1.0 / p)) if p > 0 else pow(s, 1.0 / p)


def _root(s, root):
    """``root(s)``, 0 where ``s`` is 0, with a zero (not NaN) gradient there."""
    zero = equal(s, 0)
    return where(zero, 0, root(where(zero, 1, s)))


@exports({"torch": "dist", "Tensor": "dist"}, "args", float_only=True)
def dist(a, b, p=2):
    """``||a - b||_p`` over all elements (broadcasting)."""
    return vector_norm(sub(a, b), p)


@exports({"torch": "cdist"}, "args", float_only=True)
def cdist(a, b, p=2.0):
    """Pairwise distances between the rows of ``a`` (.., P, M) and ``b`` (.., R, M)."""
    return vector_norm(sub(expand_dims(a, -2), expand_dims(b, -3)), p, -1)


# ----------------------------------------------------------------------------- products
@exports({"torch": "addmm", "Tensor": "addmm"}, "args")
def addmm(c, a, b, *, beta=1, alpha=1):
    """``beta c + alpha a @ b``: the ``addmm`` primitive (one node, PyTorch's) for float
    matrices of one dtype and a bias that broadcasts to the product, else matmul, mul, add."""
    vc, va, vb = aval_of(c), aval_of(a), aval_of(b)
    # PyTorch checks the dtypes first (no promotion: self against mat2, then mat1 against mat2)
    for who, v in (("self", vc), ("mat1", va)):
        if v.dtype != vb.dtype and not _dt.is_python_scalar(c if who == "self" else a):
            raise RuntimeError(f"{who} and mat2 must have the same dtype, but got "
                               f"{_SCALAR_NAMES.get(v.dtype.name, v.dtype.name)} and "
                               f"{_SCALAR_NAMES.get(vb.dtype.name, vb.dtype.name)}")
    if va.ndim == 2 and vb.ndim == 2 and None not in va.shape + vb.shape:
        (m, k), (k2, n) = va.shape, vb.shape
        if k != k2:                             # (PyTorch's words)
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({m}x{k} and "
                               f"{k2}x{n})")
        if None not in vc.shape:
            _expand_check(c, (m, n))
        if beta == 1 and alpha == 1 and vc.ndim <= 2 and va.dtype.kind == "f" and \
                vc.dtype == va.dtype == vb.dtype and _broadcasts(vc.shape, (m, n)):
            return addmm_p.bind(c, a, b)
    ab = matmul(a, b)
    ab = ab if alpha == 1 else mul(ab, alpha)
    return add(c if beta == 1 else mul(c, beta), ab) if beta != 0 else ab


def _broadcasts(s: tuple, target: tuple) -> bool:
    """Does shape ``s`` broadcast to ``target`` (known sizes only)?"""
    if None in s or None in target or len(s) > len(target):
        return False
    return all(d == 1 or d == t for d, t in zip(s[::-1], target[::-1]))


@exports({"torch": "baddbmm", "Tensor": "baddbmm"}, "args")
def baddbmm(c, a, b, *, beta=1, alpha=1):
    """``beta c + alpha a @ b`` over a batch of matrices."""
    if _ndim(a) != 3 or _ndim(b) != 3:
        raise ShapeError("baddbmm", "batch1 and batch2 must be 3-D tensors", [_shape(a),
                                                                              _shape(b)])
    sa, sb = _shape(a), _shape(b)
    if None not in sa + sb and (sa[0] != sb[0] or sa[2] != sb[1]):      # (PyTorch's words)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    return addmm(c, a, b, beta=beta, alpha=alpha)


def _scalar_name(x) -> str:
    d = aval_of(x).dtype
    return _SCALAR_NAMES.get(d.name, d.name)


def _expand_check(c, target: tuple) -> None:
    """PyTorch's ``expand`` refusal of ``c`` to ``target`` (addbmm's and addr's ``input``)."""
    s = _shape(c)
    if len(s) > len(target):
        raise RuntimeError(f"expand(torch.{_scalar_name(c)}Tensor{{{list(s)}}}, size="
                           f"{list(target)}): the number of sizes provided ({len(target)}) "
                           f"must be greater or equal to the number of dimensions in the tensor "
                           f"({len(s)})")
    lead = len(target) - len(s)
    for i in reversed(range(len(s))):
        if s[i] != 1 and s[i] != target[i + lead]:
            raise RuntimeError(f"The expanded size of the tensor ({target[i + lead]}) must match "
                               f"the existing size ({s[i]}) at non-singleton dimension "
                               f"{i + lead}.  Target sizes: {list(target)}.  Tensor sizes: "
                               f"{list(s)}")


def _combine(c, prod, beta, alpha, shape):
    """``beta c + alpha prod`` shaped ``shape``; ``beta == 0`` ignores ``c`` (NaN included)."""
    prod = prod if alpha == 1 else mul(prod, alpha)
    if beta == 0:
        return prod
    out = add(c if beta == 1 else mul(c, beta), prod)
    return out if _shape(out) == tuple(shape) else broadcast_to(out, tuple(shape))


def _torch_promote(*xs):
    """PyTorch's promotion of tensors of the same rank: the widest dtype of the highest
    category (bool < integer < floating < complex), so int64 and float32 give float32."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}
    dts = [aval_of(x).dtype for x in xs]
    top = max(order.get(d.kind, 2) for d in dts)
    return _dt.result_type(*[d for d in dts if order.get(d.kind, 2) == top])


def _dim_out_of_range(x, dim: int) -> IndexError:
    nd = _ndim(x)
    if nd == 0:
        return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                      f"but got {dim})")


@exports({"torch": "addbmm", "Tensor": "addbmm"}, "args")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta c + alpha sum_i a[i] @ b[i]`` (c, a, b: ``input``, ``batch1``, ``batch2``; ``a``
    (B, n, m), ``b`` (B, m, p), ``c`` broadcastable to (n, p)); the batch sum is one matmul,
    ``a`` laid out as (n, B m) and ``b`` as (B m, p).  ``beta == 0`` ignores ``c`` (NaN
    included), as PyTorch does."""
    c, a, b = input, batch1, batch2
    # PyTorch's order: the output size (n, p) is read from batch1.size(1) and batch2.size(2),
    # input is expanded to it, then the 3-D, batch, size and dtype checks
    if _ndim(a) < 2:
        raise _dim_out_of_range(a, 1)
    if _ndim(b) < 3:
        raise _dim_out_of_range(b, 2)
    _expand_check(c, (_shape(a)[1], _shape(b)[2]))
    for x, label in ((a, "batch1"), (b, "batch2")):
        if _ndim(x) != 3:
            raise RuntimeError(f"{label} must be a 3D tensor")
    (nb, n, m), (nb2, m2, p) = _shape(a), _shape(b)
    if nb != nb2:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {nb} and "
                           f"{nb2}")
    if m != m2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{m} and {m2}x{p})")
    if aval_of(a).dtype != aval_of(b).dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_scalar_name(a)} "
                           f"and {_scalar_name(b)}")
    if aval_of(c).dtype != aval_of(b).dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_scalar_name(c)} "
                           f"and {_scalar_name(b)}")
    prod = matmul(reshape(transpose(a, (1, 0, 2)), (n, nb * m)), reshape(b, (nb * m, p)))
    return _combine(c, prod, beta, alpha, (n, p))


@exports({"torch": "addmv", "Tensor": "addmv"}, "args")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta c + alpha a @ v`` (``a`` (n, m), ``v`` (m,), ``c`` of shape (), (1,) or (n,));
    ``beta == 0`` ignores ``c`` (NaN included).  (c, a, v: ``input``, ``mat``, ``vec``.)"""
    c, a, v = input, mat, vec
    if _ndim(c) > 1 or _ndim(a) != 2 or _ndim(v) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {_ndim(c)}, {_ndim(a)}, "
                           f"{_ndim(v)}")
    (n, m), (k,), sc = _shape(a), _shape(v), _shape(c)
    if m != k or (sc and sc[0] not in (1, n)):
        if not sc:                        # (PyTorch's message reads input.size(0))
            raise _dim_out_of_range(c, 0)
        raise RuntimeError(f"size mismatch, got input ({sc[0]}), mat ({n}x{m}), vec ({k})")
    if not aval_of(c).dtype == aval_of(a).dtype == aval_of(v).dtype:
        names = [_scalar_name(x) for x in (c, a, v)]
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {names[0]}, "
                           f"{names[1]}, and {names[2]}")
    prod = reshape(matmul(a, expand_dims(v, 1)), (n,))
    return _combine(c, prod, beta, alpha, (n,))


@exports({"torch": "addr", "Tensor": "addr"}, "args")
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta c + alpha outer(u, v)`` (``u`` (n,), ``v`` (m,), ``c`` broadcastable to (n, m)),
    the dtypes promoted; boolean results read ``beta``/``alpha`` as truth values
    (``(beta and c) or (alpha and outer(u, v))``); ``beta == 0`` ignores ``c``.  (c, u, v:
    ``input``, ``vec1``, ``vec2``.)"""
    c, u, v = input, vec1, vec2
    for x, label in ((u, "vec1"), (v, "vec2")):
        if _ndim(x) != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {label}, but got {_ndim(x)}-D")
    n, m = _shape(u)[0], _shape(v)[0]
    _expand_check(c, (n, m))
    dtype = _torch_promote(c, u, v)
    kind = dtype.kind
    for val, label in ((beta, "beta"), (alpha, "alpha")):
        if isinstance(val, bool) and kind != "b":
            raise RuntimeError(f"Boolean {label} only supported for Boolean results.")
        if isinstance(val, float) and kind in "biu":
            raise RuntimeError(f"For integral input tensors, argument {label} must not be a "
                               "floating point number.")
    c, u, v = (x if aval_of(x).dtype == dtype else cast(x, dtype) for x in (c, u, v))
    outer = mul(expand_dims(u, 1), expand_dims(v, 0))
    if kind == "b":
        from .math_composites import logical_or
        out = outer if alpha else full_like(outer, False)
        if beta:
            out = logical_or(c, out)
        return out if _shape(out) == (n, m) else broadcast_to(out, (n, m))
    return _combine(c, outer, beta, alpha, (n, m))


@exports({"torch": "mv", "Tensor": "mv"}, "args")
def mv(a, v):
    """Matrix times vector."""
    if _ndim(a) != 2 or _ndim(v) != 1:                      # (PyTorch's words)
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {_ndim(a)}, {_ndim(v)}")
    (n, m), (k,) = _shape(a), _shape(v)
    if None not in (m, k) and m != k:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{m}), vec ({k})")
    if aval_of(a).dtype != aval_of(v).dtype:     # (PyTorch's mv is addmv into a vec-typed out)
        na, nv = _scalar_name(a), _scalar_name(v)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {nv}, {na}, "
                           f"and {nv}")
    return reshape(matmul(a, expand_dims(v, 1)), (-1,))


# ----------------------------------------------------------------------------- diagonals
@exports({"torch": "diagonal", "Tensor": "diagonal"}, "args", name="diagonal")
def _diagonal(x, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal ``x[.., i, i + offset]`` of the matrices in axes ``dim1``, ``dim2``
    (appended as the last axis)."""
    nd = _ndim(x)
    d1 = _rules.normalize_axis("diagonal", dim1, nd, _shape(x))
    d2 = _rules.normalize_axis("diagonal", dim2, nd, _shape(x))
    if d1 == d2:
        raise ShapeError("diagonal", "diagonal dimensions cannot be identical", [_shape(x)])
    rest = [d for d in range(nd) if d not in (d1, d2)]
    xt = transpose(x, tuple(rest + [d1, d2])) if rest + [d1, d2] != list(range(nd)) else x
    s = _shape(xt)
    m, n = s[-2], s[-1]
    if offset >= 0:
        length, start = max(0, min(m, n - offset)), offset
    else:
        length, start = max(0, min(m + offset, n)), -offset * n
    flat = reshape(xt, s[:-2] + (m * n,))
    if length == 0:
        return getitem(flat, (Ellipsis, slice(0, 0)))
    return getitem(flat, (Ellipsis, slice(start, start + (length - 1) * (n + 1) + 1, n + 1)))


@exports({"torch": "diag", "Tensor": "diag"}, "args")
def diag(x, diagonal: int = 0):
    """A vector -> the square matrix with it on diagonal ``diagonal``; a matrix -> that
    diagonal."""
    nd = _ndim(x)
    if nd == 2:             # (a copy, as PyTorch's: diagonal()'s strided view is not one)
        from .elementwise_cast import identity
        return identity(_diagonal(x, diagonal))
    if nd != 1:
        raise ShapeError("diag", f"diag(): Supports 1D or 2D tensors. Got {nd}D", [_shape(x)])
    n, k = _shape(x)[0], diagonal
    size = n + (k if k >= 0 else -k)
    if n == 0:
        if not size:
            return reshape(x, (0, 0))
        from .spatial import pad            # (zeros that depend on x: a (|k|, |k|) matrix, as
        return reshape(pad(x, (0, size * size)), (size, size))  # PyTorch's, with a gradient too)
    # x[j] goes to the flat position (j + r0) size + (j + c0) of a zero (size, size) matrix:
    # a scatter, so dx is the matching gather.  Indices and zeros are made from x (its device).
    j = sub(cumsum(full_like(x, 1, _dt.int64), 0), 1)
    r0, c0 = (0, k) if k >= 0 else (-k, 0)
    pos = add(mul(add(j, r0), size), add(j, c0))
    zeros = broadcast_to(full_like(getitem(x, (slice(0, 1),)), 0), (size * size,))
    return reshape(scatter_add_along_axis(x, pos, zeros, 0), (size, size))


@exports({"torch": "trace", "Tensor": "trace"}, "unary", float_only=False)
def trace(x):
    """The sum of the main diagonal of a matrix."""
    if _ndim(x) != 2:
        raise ShapeError("trace", f"trace: expected a matrix, but got tensor with dim "
                                  f"{_ndim(x)}", [_shape(x)])
    return sum(_diagonal(x))


def _tri(x, k, lower):
    if type(x) is np.ndarray and x.ndim >= 2 and type(k) is int:
        # concrete NumPy values (eager backward's buffers: cholesky's rule, issue 19): NumPy's
        # own triangle, the composite's values (zeros outside it, whatever x holds there)
        # without its nine kernel calls (a Gaussian-process tutorial 93 -> 83 ms, PyTorch 40)
        return np.tril(x, k) if lower else np.triu(x, k)
    s = _shape(x)
    if len(s) < 2:
        op = "tril" if lower else "triu"
        raise ShapeError(op, f"{op}: input tensor must have at least 2 dimensions", [s])
    if type(k) is int and not getattr(x, "_dlcore_unknown_rank", False):
        return _tri_prim(x, k, lower)       # (one node: .triangle)
    row, col = _grid(x)             # (a diagonal known only when the graph runs)
    off = sub(col, row)
    return where(less_equal(off, k) if lower else greater_equal(off, k), x, full_like(x, 0))


def _grid(x):
    """Row and column indices (int64, shaped like ``x``) of its last two axes, made on x's
    device (cumulative sums of ones)."""
    ones = full_like(x, 1, _dt.int64)
    return sub(cumsum(ones, _ndim(x) - 2), 1), sub(cumsum(ones, _ndim(x) - 1), 1)


@exports({"torch": "tril", "Tensor": "tril"}, "args")
def tril(x, diagonal: int = 0):
    """The lower triangle (on and below diagonal ``diagonal``), zeros above."""
    return _tri(x, diagonal, True)


@exports({"torch": "triu", "Tensor": "triu"}, "args")
def triu(x, diagonal: int = 0):
    """The upper triangle (on and above diagonal ``diagonal``), zeros below."""
    return _tri(x, diagonal, False)


@exports({"torch": "cross", "Tensor": "cross"}, "args")
def cross(a, b, axis: int | None = None):
    """The cross product of 3-vectors along ``axis`` (default: the first axis of size 3 for
    ``torch.cross``, -1 for ``torch.linalg.cross``; given explicitly it is used as is)."""
    sa, sb = _shape(a), _shape(b)
    if axis is None:
        axis = next((i for i, d in enumerate(sa) if d == 3), None)
        if axis is None:
            raise ShapeError("cross", "no dimension of size 3 in input", [sa, sb])
    nd = max(len(sa), len(sb))
    ax = _rules.normalize_axis("cross", axis, nd, sa)
    if (sa[ax - nd + len(sa)] if len(sa) == nd else 3) != 3:
        got = [s[ax - nd + len(s)] if len(s) == nd else 1 for s in (sa, sb)]
        raise ShapeError("cross", f"linalg.cross: inputs dimension {axis} must have length 3. "
                                  f"Got {got[0]} and {got[1]}", [sa, sb])     # (PyTorch's)

    def comp(x, i):
        idx = [slice(None)] * _ndim(x)
        idx[ax - nd + _ndim(x)] = slice(i, i + 1)
        return getitem(x, tuple(idx))

    a0, a1, a2 = comp(a, 0), comp(a, 1), comp(a, 2)
    b0, b1, b2 = comp(b, 0), comp(b, 1), comp(b, 2)
    return concatenate([sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)),
                        sub(mul(a0, b1), mul(a1, b0))], ax)


@exports({"torch.linalg": "cross"}, "args", name="linalg_cross")
def linalg_cross(a, b, axis: int = -1):
    """``torch.linalg.cross``: the cross product along ``axis`` (default the last)."""
    return cross(a, b, axis)


diagonal = _diagonal


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                 "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
                 "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _householder_check(a, tau) -> None:
    name = "torch.linalg.householder_product"
    sa, st = _shape(a), _shape(tau)
    if len(sa) < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if sa[-2] < sa[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if len(st) == 0 or sa[-1] < st[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if len(st) != len(sa) - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {len(st)} and input.ndim is equal to "
                           f"{len(sa)}")
    if tuple(st[:-1]) != tuple(sa[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(st[:-1])}")
    da, dt = aval_of(a).dtype, aval_of(tau).dtype
    if da != dt:
        raise RuntimeError(f"{name}: tau dtype {_SCALAR_NAMES.get(dt.name, dt.name)} does not "
                           f"match input dtype {_SCALAR_NAMES.get(da.name, da.name)}")
    if da not in (_dt.float32, _dt.float64):
        raise NotImplementedError(f'"orgqr_cpu" not implemented for '
                                  f"'{_SCALAR_NAMES.get(da.name, da.name)}'")


@exports({"torch.linalg": "householder_product", "torch": "orgqr", "Tensor": "orgqr"}, "args")
def householder_product(a, tau):
    """The first n columns of ``H_1 H_2 ... H_k`` (LAPACK's orgqr, as ``geqrf`` leaves them):
    ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` column i of ``a`` below the diagonal, 1 on it
    and 0 above; ``a`` is (.., m, n), ``tau`` (.., k), k <= n <= m.  A composite: starting
    from the m x n identity, ``Q <- Q - tau_i v_i (v_i^T Q)`` for i = k-1, ..., 0, so both
    gradients (``a`` and ``tau``, as PyTorch has) come from matmul, mul and sub."""
    import numpy as np

    from ..device import const_like
    _householder_check(a, tau)
    sa = _shape(a)
    m, n, k = sa[-2], sa[-1], _shape(tau)[-1]
    dtype = aval_of(a).dtype
    eye = const_like(np.eye(m, n, dtype=dtype), a)
    q = broadcast_to(eye, tuple(sa))
    if k == 0:
        return add(q, mul(sum(a, -1, keepdims=True), 0.0))   # (a's device and batch shape)
    v_all = add(tril(getitem(a, (Ellipsis, slice(None), slice(0, k))), -1),
                const_like(np.eye(m, k, dtype=dtype), a))
    for i in reversed(range(k)):
        v = getitem(v_all, (Ellipsis, slice(None), slice(i, i + 1)))             # (.., m, 1)
        t = expand_dims(getitem(tau, (Ellipsis, slice(i, i + 1))), -1)          # (.., 1, 1)
        q = sub(q, mul(t, matmul(v, matmul(transpose(v, _perm_last2(_ndim(v))), q))))
    return q


def _perm_last2(nd: int) -> tuple:
    return tuple(range(nd - 2)) + (nd - 1, nd - 2)
