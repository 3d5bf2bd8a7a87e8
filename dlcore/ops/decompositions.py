"""Matrix inverse and singular value decomposition (primitives), and what is built on them:
``svd``/``svdvals``, ``matrix_norm`` (``'fro'``, ``'nuc'``, 1, -1, 2, -2, inf, -inf),
``torch.linalg.norm`` (vector or matrix norm) and ``matrix_power`` (negative powers through
``inv``).  Batched over leading dimensions.

Primitives (kernels in dlcore/kernels/{cpu,cuda}/decompositions.py)::

    inv(x)                     y = x^-1;   dx = -y^T g y^T
    svd(x, part, full)         x = U diag(S) Vh (S descending; ``part`` picks U, S or Vh; full:
                               U m x m and Vh n x n, else m x k and k x n, k = min(m, n))
        dx from gS:            U diag(gS) Vh
        dx from gU:            U [(skew(U^T gU) / E) S] Vh + (I - U U^T) gU S^-1 Vh   (m > k)
        dx from gVh:           U [S (skew(V^T gV) / E)] Vh + U S^-1 gVh (I - V V^T)   (n > k)
                               skew(A) = A - A^T, E_jk = S_k^2 - S_j^2 (1 on the diagonal),
                               gV = gVh^T; with ``full`` only the first k columns of U and
                               rows of Vh take part (PyTorch's rule).

Each part is its own call of the primitive, so ``svd(x)`` runs the decomposition once per part
it returns (three times for U, S, Vh; once for ``svdvals``); the vjps call it again for the
parts they need.  Gradients through repeated singular values are undefined (E has zeros), as
in PyTorch.
"""

from __future__ import annotations

from ..api import exports
from ..dtypes import is_floating
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import decompositions as _cpu
from ..kernels.cuda import decompositions as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .elementwise import add, div, equal, mul, neg, sub
from .indexing import getitem
from .linalg import matmul
from .shape import expand_dims, matrix_transpose


def _float_matrices(op: str, x: AVal) -> None:
    if not is_floating(x.dtype):
        raise DTypeNotImplemented(op, f"{op}: Expected a floating point tensor as input. Got "
                                      f"{x.dtype.name}", [x.dtype])
    if x.ndim < 2:
        raise ShapeError(op, f"{op}: The input tensor A must have at least 2 dimensions.",
                         [x.shape])


# ----------------------------------------------------------------------------- inverse
def _inv_rule(x: AVal) -> AVal:
    _float_matrices("linalg.inv", x)
    m, n = x.shape[-2:]
    if m is not None and n is not None and m != n:
        raise ShapeError("linalg.inv", f"linalg.inv: A must be batches of square matrices, but "
                                       f"they are {m} by {n} matrices", [x.shape])
    return AVal(tuple(x.shape), x.dtype)


def _inv_vjp(g, y, x):
    yt = matrix_transpose(y)
    return (neg(matmul(yt, matmul(g, yt))),)


inv_p = Primitive(
    "inv", _inv_rule, _inv_vjp, kind="linalg",
    doc="y = x^-1 (batched square matrices; a singular one raises LinAlgError);  "
        "dx = -y^T g y^T",
    kernels={"cpu": _cpu.inv, "cuda": _cuda.inv})


@exports({"torch.linalg": "inv", "torch": "inverse", "Tensor": "inverse", "tf.linalg": "inv",
          "tf": "matrix_inverse"}, "linalg", prim=inv_p)
def inv(x):
    """The inverse of each square matrix in the last two axes."""
    return bind(inv_p, x)


# ----------------------------------------------------------------------------- svd
def _svd_rule(x: AVal, *, part, full_matrices) -> AVal:
    _float_matrices("linalg.svd", x)
    m, n = x.shape[-2:]
    k = None if m is None or n is None else min(m, n)
    batch = tuple(x.shape[:-2])
    if part == "S":
        return AVal(batch + (k,), x.dtype)
    if part == "U":
        return AVal(batch + (m, m if full_matrices else k), x.dtype)
    if part == "Vh":
        return AVal(batch + (n if full_matrices else k, n), x.dtype)
    raise ValueError(f"svd: part must be 'U', 'S' or 'Vh', not {part!r}")


def _part(x, part, full_matrices=False):
    return bind(svd_p, x, part=part, full_matrices=full_matrices)


def _reduced(x):
    """U (.., m, k), S (.., k), Vh (.., k, n) of x."""
    return _part(x, "U"), _part(x, "S"), _part(x, "Vh")


def _eye_like(a):
    """The identity shaped like the square matrices ``a`` (made on a's device)."""
    from .linalg_extra import _grid
    row, col = _grid(a)
    return cast_like(equal(row, col), a)


def cast_like(b, a):
    from .elementwise import cast
    return cast(b, aval_of(a).dtype)


def _narrow(t, axis, k):
    idx = [slice(None)] * aval_of(t).ndim
    idx[axis] = slice(0, k)
    return getitem(t, tuple(idx))


def _svd_vjp(g, y, x, *, part, full_matrices):
    m, n = aval_of(x).shape[-2:]
    k = min(m, n)
    u, s, vh = _reduced(x)
    if part == "S":
        return (matmul(mul(u, expand_dims(g, -2)), vh),)
    if full_matrices:
        g = _narrow(g, -1, k) if part == "U" else _narrow(g, -2, k)
    s2 = mul(s, s)
    e = sub(expand_dims(s2, -2), expand_dims(s2, -1))           # E_jk = S_k^2 - S_j^2
    e = add(e, _eye_like(e))
    if part == "U":
        j = matmul(matrix_transpose(u), g)
        inner = mul(div(sub(j, matrix_transpose(j)), e), expand_dims(s, -2))
        dx = matmul(matmul(u, inner), vh)
        if m > k:
            proj = sub(g, matmul(u, j))
            dx = add(dx, matmul(div(proj, expand_dims(s, -2)), vh))
        return (dx,)
    v = matrix_transpose(vh)
    j = matmul(vh, matrix_transpose(g))                         # V^T gV, gV = gVh^T
    inner = mul(expand_dims(s, -1), div(sub(j, matrix_transpose(j)), e))
    dx = matmul(matmul(u, inner), vh)
    if n > k:
        proj = sub(g, matmul(matmul(g, v), vh))
        dx = add(dx, matmul(div(u, expand_dims(s, -2)), proj))
    return (dx,)


svd_p = Primitive(
    "svd", _svd_rule, _svd_vjp, kind="linalg",
    doc="x = U diag(S) Vh, y = the `part` U, S or Vh;  dx = U diag(gS) Vh (S), "
        "U [(skew(U^T gU)/E) S] Vh + (I - UU^T) gU S^-1 Vh (U), "
        "U [S (skew(V^T gV)/E)] Vh + U S^-1 gVh (I - VV^T) (Vh)",
    kernels={"cpu": _cpu.svd, "cuda": _cuda.svd})


@exports({"torch.linalg": "svd", "torch": "svd", "Tensor": "svd", "tf.linalg": "svd",
          "tf": "svd"}, "linalg")
def svd(x, full_matrices: bool = False):
    """``(U, S, Vh)`` with ``x = U diag(S) Vh``, singular values descending."""
    return tuple(_part(x, p, bool(full_matrices)) for p in ("U", "S", "Vh"))


@exports({"torch.linalg": "svdvals"}, "linalg")
def svdvals(x):
    """The singular values of each matrix, descending."""
    return _part(x, "S")


# ----------------------------------------------------------------------------- matrix norms
@exports({"torch.linalg": "norm"}, "args", float_only=True)
def norm(x, ord=None, axis=None, keepdims: bool = False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: a vector norm (over one axis, or all of a tensor with ord None),
    or a matrix norm (two axes; a 2-D tensor with ord given; see ``matrix_norm``); ``x`` cast
    to ``dtype`` first when given (PyTorch's; it was refused)."""
    if dtype is not None:
        from .elementwise import cast
        x = cast(x, dtype)
    if isinstance(axis, list):
        axis = tuple(axis)
    nd = aval_of(x).ndim
    if axis is None and ord is not None:
        if nd not in (1, 2):
            raise ShapeError("linalg.norm", f"linalg.norm: If dim is not specified but ord is, "
                             f"the input must be 1D or 2D. Got {nd}D.", [aval_of(x).shape])
        if nd == 2:
            return matrix_norm(x, ord, (0, 1), keepdims)
    if isinstance(axis, tuple) and len(axis) == 2:
        return matrix_norm(x, "fro" if ord is None else ord, axis, keepdims)
    if isinstance(ord, str):
        raise ShapeError("linalg.norm", f"linalg.vector_norm: Order {ord} not supported.",
                         [aval_of(x).shape])
    from .linalg_extra import vector_norm
    return vector_norm(x, 2 if ord is None else ord, axis, keepdims)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf"))


@exports({"torch.linalg": "matrix_norm"}, "linalg")
def matrix_norm(x, ord="fro", axis=(-2, -1), keepdims: bool = False):  # noqa: A002
    """A matrix norm over the two axes ``axis``: Frobenius, nuclear (sum of singular values),
    1 / -1 (max / min column sum of |x|), 2 / -2 (largest / smallest singular value),
    inf / -inf (max / min row sum)."""
    from .linalg_extra import vector_norm
    from .reduce import max_, min_, sum
    from .shape import transpose
    from .elementwise import abs as _abs
    nd = aval_of(x).ndim
    if nd < 2:
        raise ShapeError("linalg.matrix_norm", "linalg.matrix_norm: The input tensor A must "
                         "have at least 2 dimensions.", [aval_of(x).shape])
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    if len(axis) != 2:
        raise ShapeError("linalg.matrix_norm", f"linalg.matrix_norm: dim must be a 2-tuple. "
                         f"Got {' '.join(str(a) for a in axis)}", [aval_of(x).shape])
    from . import _rules
    d0, d1 = (_rules.normalize_axis("linalg.matrix_norm", int(a), nd, aval_of(x).shape)
              for a in axis)
    if d0 == d1:
        raise ShapeError("linalg.matrix_norm", f"linalg.matrix_norm: dims must be different. "
                         f"Got ({axis[0]}, {axis[1]})", [aval_of(x).shape])
    if ord not in _MATRIX_ORDS:
        raise ShapeError("linalg.matrix_norm", f"linalg.matrix_norm: Order {ord} not "
                         "supported.", [aval_of(x).shape])
    if ord == "fro":
        return vector_norm(x, 2, (d0, d1), keepdims)
    if ord in (1, -1, float("inf"), -float("inf")):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = sum(_abs(x), inner, keepdims=True)
        pick = max_ if ord > 0 else min_
        out = pick(sums, outer, keepdims=True)
        return out if keepdims else _squeeze2(out, d0, d1)
    rest = [d for d in range(nd) if d not in (d0, d1)]
    s = svdvals(transpose(x, tuple(rest + [d0, d1])))
    if ord == "nuc":
        out = sum(s, -1)
    else:
        out = (max_ if ord == 2 else min_)(s, -1)
    if keepdims:
        out = expand_dims(out, tuple(sorted((d0, d1))))
    return out


def _squeeze2(x, d0, d1):
    from .shape import squeeze
    return squeeze(x, (d0, d1))




# ----------------------------------------------------------------------------- powers
@exports({"torch": "matrix_power", "Tensor": "matrix_power", "torch.linalg": "matrix_power"},
         "args")
def matrix_power(a, n: int):
    """``a`` multiplied by itself ``n`` times (``n = 0``: the identity; ``n < 0``: the inverse
    multiplied by itself ``-n`` times)."""
    s = tuple(aval_of(a).shape)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ShapeError("matrix_power", "expects a batch of square matrices", [s])
    if n < 0:
        a, n = inv(a), -n
    if n == 0:
        return _eye_like(a)
    result, base = None, a
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result
