"""Wrapping a kernel's output and recording its tape node: ``_finish`` and ``view1``.

Every path of ``_dispatch.apply`` ends here (or in a spelled-out copy of one of ``_finish``'s
cases): the kernel's output becomes a new ``Tensor`` (``tensor._make``); when grad mode is on
and an input requires grad, a ``Node`` is recorded that saves the inputs and the output for the
primitive's vjp rule.  Outputs of *view* primitives (reshape, transpose, slicing, ...) share
their input's version counter when the kernel returned a view, so an in-place change through
either is seen by both, and keep their recipe for ``_view_rebase``.  ``_tape_inputs`` gives a
node's parents, inputs and versions (a Python number becomes a 0-d input).
"""

from __future__ import annotations

import weakref

import numpy as np

from dlcore.dtypes import is_inexact

from ._graph import Node, leaf_node
from ._state import STATE
from ._view_rebase import NO_GRAD as _NO_GRAD
from ._view_rebase import NO_GRAD_MARK as _MARK
from ._view_rebase import _prune
from ._view_rebase import record_view as _record_view
from .tensor import Tensor, _make

_ndarray = np.ndarray
_ref = weakref.ref


def _finish(prim, args, params, out, needs: bool, bufs=None) -> Tensor:
    """Wrap a kernel's output (a new Tensor, through ``tensor._make``); record a tape node when
    a gradient will be needed.  ``bufs`` (the input buffers) is needed only when an argument
    is not a Tensor (a Python scalar's buffer becomes a saved input)."""
    if type(out) is not _ndarray and isinstance(out, np.generic):
        out = np.asarray(out)               # a NumPy scalar from a kernel (``x[0]``)
    version = None
    # a view of args[0]'s memory (a reshape that had to copy returns a view of its fresh copy:
    # that is no view of the input, and must not share its version counter)
    if prim.view and isinstance(args[0], Tensor) and type(out) is _ndarray and \
            out.base is not None and (out.base is args[0]._buf or
                                      out.base is getattr(args[0]._buf, "base", None)):
        version = args[0]._vc          # a view shares its base's version counter
        if needs and STATE.enabled and prim.differentiable and is_inexact(out.dtype):
            # recorded, with its recipe (its node is remade when its base changes in place)
            if len(args) == 1:              # (most views; ``args[0]`` requires grad)
                a = args[0]
                node = Node(prim, params, (a._node or leaf_node(a),), args, (a._vc[0],),
                            out, version)
            else:
                parents, inputs, versions = _tape_inputs(args, bufs)
                node = Node(prim, params, parents, inputs, versions, out, version)
            return _record_view(prim, params, out, version, node)
        # its recipe (an in-place op with an operand that requires grad writes CopySlices
        # into its base: ``buf[0].copy_(h)``) and, when it can get a history later (its base
        # or another view changed in place by a recorded op), its weak reference; see
        # _view_rebase
        t = _make(out, version)
        a = args[0]
        if not STATE.enabled:               # (made in no_grad mode: not remade later)
            t._view = (a, prim, params, (), _NO_GRAD, version[0])
            t._rg = a._rg                   # (PyTorch's: a view requires grad as its base)
            if not t._rg and version[-1] is not _MARK:
                version.append(_MARK)       # (and follows it: _view_rebase.follow_base)
        elif prim.differentiable and (len(args) == 1 or _all_tensors(args)) and \
                (out.dtype.kind in "fc" or is_inexact(out.dtype)):
            t._view = (a, prim, params, args[1:], _NO_GRAD if a._rg else None)
            n = len(version)                # (``_view_rebase.register``, inline)
            if n >= 16 and not n & (n - 1):
                _prune(version)
            version.append(_ref(t))
        else:
            t._view = (a, prim, params, (), _NO_GRAD if a._rg else None)
        return t
    if not (needs and STATE.enabled and prim.differentiable and is_inexact(out.dtype)):
        return _make(out, version)
    if version is None:
        version = [0]
    n = len(args)
    if n == 2:                              # the common cases, spelled out
        a, b = args
        if isinstance(a, Tensor):
            if isinstance(b, Tensor):
                return _make(out, version, Node(
                    prim, params, ((a._node or leaf_node(a)) if a._rg else None,
                                   (b._node or leaf_node(b)) if b._rg else None),
                    args, (a._vc[0], b._vc[0]), out, version))
            if bufs is not None:            # a tensor and a Python number (``x * 0.5``)
                return _make(out, version, Node(
                    prim, params, ((a._node or leaf_node(a)) if a._rg else None, None),
                    (a, _make(bufs[1])), (a._vc[0], 0), out, version))
    elif n == 1:
        a = args[0]
        if isinstance(a, Tensor):           # (it requires grad: ``needs``)
            return _make(out, version, Node(prim, params, (a._node or leaf_node(a),), args,
                                            (a._vc[0],), out, version))
    parents, inputs, versions = _tape_inputs(args, bufs)
    return _make(out, version, Node(prim, params, parents, inputs, versions, out, version))


def view1(prim, a, params, out, inexact=None) -> Tensor:
    """``_finish(prim, (a,), params, out, a._rg)`` spelled out for a differentiable one-input
    view primitive whose CPU kernel returned a view (``out.base is not None``) of ``a``'s
    buffer: the fast paths' slices and reshapes (issue 19: two calls and the general tests
    less, ~1 us of a 3 us slice).  The same node, recipe and weak reference as ``_finish``
    and ``_view_rebase.record_view``/``register`` make.  ``inexact``: whether ``out``'s dtype
    is (the lane's plan knows it), None to look."""
    version = a._vc
    t = _make(out, version)
    if not STATE.enabled:
        t._view = (a, prim, params, (), _NO_GRAD, version[0])
        t._rg = a._rg
        if not t._rg and version[-1] is not _MARK:
            version.append(_MARK)
        return t
    if inexact if inexact is not None else (out.dtype.kind in "fc" or is_inexact(out.dtype)):
        if a._rg:
            t._rg = True
            t._node = Node(prim, params, (a._node or leaf_node(a),), (a,), (version[0],), out,
                           version)
        t._view = (a, prim, params, (), None)
        n = len(version)
        if n >= 16 and not n & (n - 1):
            _prune(version)
        version.append(_ref(t))
        return t
    t._view = (a, prim, params, (), _NO_GRAD if a._rg else None)
    return t


def _all_tensors(args) -> bool:
    for a in args:
        if not isinstance(a, Tensor):
            return False
    return True


def _tape_inputs(args, bufs) -> tuple[tuple, tuple, tuple]:
    """A Node's parents, inputs and input versions for ``prim(*args)``: a Tensor is kept (its
    node, or its accumulator, as parent when it requires grad); a number becomes a 0-d input
    of its buffer ``bufs[i]`` (no parent, version 0)."""
    parents: list = []
    inputs: list = []
    versions: list = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._rg:
                p = a._node
                parents.append(p if p is not None else leaf_node(a))
            else:
                parents.append(None)
            inputs.append(a)
            versions.append(a._vc[0])
        else:
            parents.append(None)
            inputs.append(_make(bufs[i]))
            versions.append(0)
    return tuple(parents), tuple(inputs), tuple(versions)
