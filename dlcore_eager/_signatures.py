"""PyTorch's keyword names and ``out=`` for the ``torch.*`` functions that are still written by
hand in ``_tensor_ops``/``_shape_ops`` (the generated ones get them from their convention, see
``_api``).  ``torch.matmul(input=a, other=b)``, ``torch.mm(a, b, out=c)``,
``torch.cat(tensors, dim=1, out=o)``: each wrapper renames nothing but the arguments and writes
the result into ``out`` (PyTorch's rules: resized if needed, no autograd).  Tensor methods keep
calling the fast functions directly."""

from __future__ import annotations

from . import _arg_checks as _checks
from . import _dispatch as _D
from . import _shape_ops as S
from . import _tensor_ops as O
from . import return_types
from ._api import write_out
from ._autocast import entry
from ._graph import labelled
from ._shown_saved import show_var
from .tensor import Tensor


# torch.matmul, torch.mm and torch.bmm test autocast's flag themselves: outside autocast and
# without ``out=`` they are the op, one call (the ``_autocast.entry`` layer, its ``*args``/
# ``**kwargs`` packing, and ``write_out``'s) instead of three; otherwise the entry as
# ``_autocast.install`` would make it, of the general function (``__autocast_original__``:
# install leaves the function as it is).  torch.matmul(1x32, 32x32) with grad: ~0.2 us less.
def _matmul(input, other, *, out=None):
    return write_out(O.matmul(input, other), out, "matmul")


def _mm(input, mat2, *, out=None):
    return write_out(O.mm(input, mat2), out, "mm")


def _bmm(input, mat2, *, out=None):
    return write_out(O.bmm(input, mat2), out, "bmm")


_matmul_entry, _mm_entry, _bmm_entry = (entry(_matmul, "lower"), entry(_mm, "lower"),
                                        entry(_bmm, "lower"))


def matmul(input, other, *, out=None):
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        _checks.tensors("matmul", False, ("input", "other"), (input, other))
    if out is None and not _D._AUTOCAST:
        return O.matmul(input, other)
    return _matmul_entry(input, other, out=out)


def mm(input, mat2, *, out=None):
    if not (isinstance(input, Tensor) and isinstance(mat2, Tensor)):
        _checks.tensors("mm", False, ("input", "mat2"), (input, mat2))
    if out is None and not _D._AUTOCAST:
        return O.mm(input, mat2)
    return _mm_entry(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    if not (isinstance(input, Tensor) and isinstance(mat2, Tensor)):
        _checks.tensors("bmm", False, ("input", "mat2"), (input, mat2))
    if out is None and not _D._AUTOCAST:
        return O.bmm(input, mat2)
    return _bmm_entry(input, mat2, out=out)


matmul.__autocast_original__ = _matmul      # type: ignore[attr-defined]
mm.__autocast_original__ = _mm              # type: ignore[attr-defined]
bmm.__autocast_original__ = _bmm            # type: ignore[attr-defined]


def dot(input, tensor, *, out=None):
    _checks.tensors("dot", False, ("input", "tensor"), (input, tensor))
    return write_out(O.dot(input, tensor), out, "dot")


def outer(input, vec2, *, out=None):
    _checks.tensors("outer", False, ("input", "vec2"), (input, vec2))
    return write_out(O.outer(input, vec2), out, "outer")


ger = outer


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002 - PyTorch's names
    return write_out(O.clamp(input, min, max), out, "clamp", (input, min, max))


clip = clamp


def _pair_out(result, out, name):
    if out is None:
        return result
    if not isinstance(result, tuple):
        return write_out(result, out, name)
    for o, r in zip(out, result):
        write_out(r, o, name)
    return return_types.values_indices(name, *out)


def max(input, dim=None, keepdim=False, *, out=None, other=None):  # noqa: A001
    return _pair_out(O.max(input, dim, keepdim, other=other), out, "max")


def min(input, dim=None, keepdim=False, *, out=None, other=None):  # noqa: A001
    return _pair_out(O.min(input, dim, keepdim, other=other), out, "min")


def argmax(input, dim=None, keepdim=False, *, out=None):
    return write_out(O.argmax(input, dim, keepdim), out, "argmax")


def argmin(input, dim=None, keepdim=False, *, out=None):
    return write_out(O.argmin(input, dim, keepdim), out, "argmin")


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None, out=None):
    return write_out(O.var(input, dim, unbiased, keepdim, correction=correction), out, "var")


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None, out=None):
    return write_out(O.std(input, dim, unbiased, keepdim, correction=correction), out, "std")


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    from dlcore import ops as _ops
    v = labelled(O._var(input, dim, unbiased, keepdim, correction, None),    # (warning: its own)
                 "VarMeanBackward0", input, edges=(input,))
    m = labelled(_ops.mean(O._float(input), O._dims(dim), keepdim), "VarMeanBackward0",
                 input, edges=(input,))
    if input._buf.dtype.kind == "f":    # (the mean's node: PyTorch's one node's attributes)
        show_var(m, input, False, dim, keepdim,
                 (1 if unbiased else 0) if correction is None else correction, correction,
                 unbiased)
    return v, m


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    v, m = var_mean(input, dim, unbiased, keepdim, correction=correction)
    from dlcore.ops.std_root import std_root_p       # (a zero deviation's gradient 0)
    from dlcore.registry import bind
    s = labelled(bind(std_root_p, v) if v._buf.dtype.kind == "f" else v.sqrt(),
                 "StdMeanBackward0", input, edges=(input,))
    m = labelled(m, "StdMeanBackward0", input, edges=(input,))
    if input._buf.dtype.kind == "f":    # (PyTorch's one node saves input, std: _saved_result0)
        corr = (1 if unbiased else 0) if correction is None else correction
        for t, r in ((s, True), (m, s)):     # (s's own node: its output; no cycle)
            show_var(t, input, False, dim, keepdim, corr, correction, unbiased, result0=r)
    return s, m


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    x = input if dtype is None else input.to(dtype)
    if isinstance(p, str) and (p != "fro" or not (dim is None or isinstance(dim, int) or
                                                  len(dim) <= 2)):
        # PyTorch's: the nuclear norm (or matrix_norm's error) over dim, default all dims
        from .linalg import matrix_norm
        dims = tuple(range(x.dim())) if dim is None else dim
        return write_out(matrix_norm(x, p, dims, keepdim), out, "norm")
    return write_out(O.norm(x, 2 if p in ("fro", None) else p, dim, keepdim), out, "norm")


def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return write_out(O.all(input, dim, keepdim), out, "all")


def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return write_out(O.any(input, dim, keepdim), out, "any")


def masked_fill(input, mask, value):
    return O.masked_fill(input, mask, value)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return O.allclose(input, other, rtol, atol, equal_nan)


def equal(input, other) -> bool:
    return O.equal(input, other)


def stack(tensors, dim=0, *, out=None):
    return write_out(S.stack(tensors, dim), out, "stack")


def cat(tensors, dim=0, *, out=None):
    return write_out(S.cat(tensors, dim), out, "cat")


concat = concatenate = cat


def split(tensor, split_size_or_sections, dim=0):
    return S.split(tensor, split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return S.chunk(input, chunks, dim)


def unbind(input, dim=0):
    return S.unbind(input, dim)


def squeeze(input, dim=None):
    return S.squeeze(input, dim)


def unsqueeze(input, dim):
    return S.unsqueeze(input, dim)


def transpose(input, dim0, dim1):
    return S.transpose(input, dim0, dim1)


def swapaxes(input, axis0, axis1):
    return S.transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    return S.transpose(input, dim0, dim1)


def reshape(input, shape):
    return S.reshape(input, *shape) if isinstance(shape, (tuple, list)) else \
        S.reshape(input, shape)


def flatten(input, start_dim=0, end_dim=-1):
    return S.flatten(input, start_dim, end_dim)


def permute(input, dims):
    return S.permute(input, *dims)


def t(input):
    return S.t(input)
