"""Primitives whose parameters do not depend on the operand's rank, for TensorFlow 1 graphs
whose placeholders have unknown rank (``x = tf.placeholder(tf.float32)``): the rank is known
only when the graph runs, so the permutation or the index is completed by the kernel.

* ``reverse_axes``: ``tf.transpose(x)`` without ``perm`` (all axes reversed: ``x.T``); its vjp
  is itself.
* ``getitem_ellipsis``: ``x[head + (...,) + tail]`` (``x[..., 0]``), the Ellipsis standing for
  however many full slices the fed rank leaves; ``head`` and ``tail`` are dlcore canonical
  index items (see :mod:`.indexing`).  Its vjp, ``slice_scatter_ellipsis``, places the
  cotangent into zeros shaped like ``x`` at the same index.

The shape rules expand the index for the rank they are given (the static front end tries ranks
for an unknown one, see dlcore_static._unknown_apply), so a known rank gets an exact shape.
NumPy completes the Ellipsis in the CPU kernels; the CUDA kernels complete it for the device
array's rank and call the CUDA ``transpose``/``getitem``/``slice_scatter`` kernels."""

from __future__ import annotations

import numpy as np

from ..kernels.cuda import indexing as _cuda_index
from ..kernels.cuda import shape as _cuda_shape
from ..registry import AVal, Primitive, bind
from .indexing import _getitem_rule

_ELLIPSIS = ("ellipsis",)


# ----------------------------------------------------------------------------- reverse_axes
def _reverse_rule(x: AVal) -> AVal:
    return AVal(tuple(reversed(x.shape)), x.dtype)


def _reverse_kernel(x):
    return x.transpose()


def _reverse_cuda(x):
    return _cuda_shape.transpose(x, perm=tuple(range(len(x.shape) - 1, -1, -1)))


reverse_axes_p = Primitive(
    "reverse_axes", _reverse_rule, lambda g, y, x: (reverse_axes(g),),
    kind="shape", view=True, tf_type="Transpose",
    doc="y = x with all axes reversed (x.T, for any rank);  dx = g with its axes reversed",
    kernels={"cpu": _reverse_kernel, "cuda": _reverse_cuda})


def reverse_axes(x):
    """``x`` with its axes in reverse order, whatever its rank when it runs."""
    return bind(reverse_axes_p, x)


# ----------------------------------------------------------------------------- x[..., i]
def _expand(idx: tuple, ndim: int) -> tuple:
    """The canonical index ``idx`` (holding one Ellipsis marker) for an operand of ``ndim``
    dimensions: the marker becomes the full slices the other items leave."""
    k = idx.index(_ELLIPSIS)
    consumed = sum(1 for i in idx if i is not None and i != _ELLIPSIS)
    fill = [("slice", None, None, None)] * max(ndim - consumed, 0)
    return idx[:k] + tuple(fill) + idx[k + 1:]


def _numpy(idx: tuple) -> tuple:
    return tuple(Ellipsis if i == _ELLIPSIS else slice(*i[1:]) if isinstance(i, tuple) else i
                 for i in idx)


def _getitem_ellipsis_rule(x: AVal, *, idx) -> AVal:
    return _getitem_rule(x, idx=_expand(idx, x.ndim))


def _getitem_ellipsis_kernel(x, *, idx):
    return x[_numpy(idx)]


def _getitem_ellipsis_cuda(x, *, idx):
    return _cuda_index.getitem(x, idx=_expand(idx, len(x.shape)))


getitem_ellipsis_p = Primitive(
    "getitem_ellipsis", _getitem_ellipsis_rule,
    lambda g, y, x, *, idx: (slice_scatter_ellipsis(g, x, idx),),
    kind="index", view=True, tf_type="StridedSlice",
    doc="y = x[idx], idx holding an Ellipsis completed for x's rank when it runs;  "
        "dx = zeros like x with g placed at idx",
    kernels={"cpu": _getitem_ellipsis_kernel, "cuda": _getitem_ellipsis_cuda})


def _scatter_rule(g: AVal, ref: AVal, *, idx) -> AVal:
    return AVal(ref.shape, g.dtype)


def _scatter_kernel(g, ref, *, idx):
    out = np.zeros(ref.shape, g.dtype)
    out[_numpy(idx)] = g
    return out


def _scatter_cuda(g, ref, *, idx):
    return _cuda_index.slice_scatter(g, ref, idx=_expand(idx, len(ref.shape)))


slice_scatter_ellipsis_p = Primitive(
    "slice_scatter_ellipsis", _scatter_rule,
    lambda g, y, v, ref, *, idx: (getitem_ellipsis(g, idx), None), kind="index",
    doc="y = zeros(shape(ref)); y[idx] = v, idx holding an Ellipsis;  dv = g[idx]",
    kernels={"cpu": _scatter_kernel, "cuda": _scatter_cuda})


def slice_scatter_ellipsis(v, ref, idx):
    return bind(slice_scatter_ellipsis_p, v, ref, idx=idx)


def canonical_with_ellipsis(items: tuple) -> tuple:
    """A NumPy basic index with one Ellipsis as dlcore's canonical items, the Ellipsis kept as a
    marker for the kernels to complete."""
    from .indexing import canonical_index
    k = [i for i, v in enumerate(items) if v is Ellipsis]
    if len(k) != 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    head, tail = items[:k[0]], items[k[0] + 1:]
    n_head = sum(1 for i in head if i is not None)
    n_tail = sum(1 for i in tail if i is not None)
    return (canonical_index(tuple(head), n_head) + (_ELLIPSIS,)
            + canonical_index(tuple(tail), n_tail))


def getitem_ellipsis(x, idx):
    """``x[idx]`` for ``idx`` from :func:`canonical_with_ellipsis`."""
    return bind(getitem_ellipsis_p, x, idx=idx)
