"""Gradient accumulation into the leaves' ``.grad``: the one ``_accumulate`` that both of the
eager engine's passes (``engine``'s ``on_grad`` and the buffer pass, ``_buffer_pass``) call for a
leaf's complete gradient, its in-place common case ``_add_in_place``, and the memory-order rule
of a new ``.grad`` (``_order_of``, ``_strays``: the parameter's order, as PyTorch's
AccumulateGrad).  Moved out of ``engine.py`` unchanged.
"""

from __future__ import annotations

import threading
from typing import Literal

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.kernels.cpu._fp_quiet import _FP
from dlcore.kernels.cpu.runtime import PARALLEL_THRESHOLD as _PARALLEL_THRESHOLD
from dlcore.ops.elementwise import add_p as _add_p
from dlcore.registry import check_rule

from .._graph import labelled
from .._sparse import SparseBuf, accumulate_sparse
from .._tensor_aux import write_buffer
from ..tensor import Tensor, _make

_ndarray = np.ndarray
_HALF = _dt.HALF
_F32, _F64 = _dt.float32, _dt.float64
_err_get, _err_set, _IGNORE = _FP     # (set inside a try, the old state written back)
_add_into = _add_p.kernels["cpu"].into


def _order_of(p) -> Literal["C", "F", "K"]:
    """The memory order a new ``.grad`` takes: the parameter's (C or Fortran), else NumPy's
    "K" (the gradient's own)."""
    if type(p) is _ndarray:
        fl = p.flags
        if fl.c_contiguous:
            return "C"
        if fl.f_contiguous:
            return "F"
    return "K"


def _strays(b, p) -> bool:
    """Whether the gradient buffer ``b`` is laid out otherwise than a dense parameter ``p`` (a
    Fortran-ordered gradient of a C-ordered 2-D weight, or the reverse; any other dense
    layout of ``p``, a channels_last weight's: ``_permuted``)."""
    if b.ndim < 2 or type(p) is not _ndarray:
        return False
    pf = p.flags
    if pf.c_contiguous:
        return not b.flags.c_contiguous
    if pf.f_contiguous:
        return not b.flags.f_contiguous
    return _permuted(p) and b.strides != p.strides and b.shape == p.shape


def _permuted(p) -> bool:
    """Whether ``p`` (neither C- nor Fortran-contiguous) is dense: a permutation of a
    contiguous array's axes (channels_last), whose layout NumPy's ``empty_like`` repeats: its
    axes of more than one element, in the order of their strides, have a contiguous array's
    strides (from the strides themselves: nothing allocated)."""
    if p.size <= 1:
        return False
    step = p.itemsize
    for st, n in sorted(zip(p.strides, p.shape)):
        if n == 1:
            continue
        if st != step:
            return False
        step *= n
    return True


def _add_in_place(old: Tensor, ob, gb, silenced: bool = False) -> bool:
    """``old.grad += g`` for the common case of ``_accumulate`` (add's rule holds: one shape,
    one float dtype, CPU buffers): what the add kernel's ``into`` runs below its parallel
    threshold, or NumPy's add into .grad for other layouts, without their tests (NumPy reads
    overlapping operands as copies: the same values as the computed-then-copied path).
    False, nothing done, for anything else.  ``silenced``: NumPy's floating-point warnings
    are silenced already (the buffer pass's loop), so NumPy's add runs as it is."""
    if type(ob) is _ndarray and type(gb) is _ndarray and gb.dtype is ob.dtype and \
            (gb.dtype is _F32 or gb.dtype is _F64) and gb.shape == ob.shape and \
            ob.flags.writeable and ob.size < _PARALLEL_THRESHOLD:
        if silenced:
            np.add(ob, gb, out=ob)
            old._vc[0] += 1
            return True
        before = _err_get()
        try:
            _err_set(_IGNORE)
            np.add(ob, gb, out=ob)
        finally:
            _err_set(before)
        old._vc[0] += 1
        return True
    return False


def _first_recorded(leaf: Tensor, g: Tensor) -> Tensor:
    """``create_graph``'s first ``.grad``: a copy of ``g`` in the leaf's layout (its strides
    where it is dense, else C order), as PyTorch's AccumulateGrad under grad mode
    (``clone_obey_contract``), the copy recorded (PyTorch's CopyBackwards) where ``g`` requires grad; not
    the cotangent itself (a whole sum's is a read-only stride-0 view).  Other buffers (a
    device's, sparse): ``g`` itself."""
    p, b = leaf._buf, g._buf
    if type(p) is not _ndarray or type(b) is not _ndarray or b.shape != p.shape:
        return g
    if b.dtype == p.dtype and (p.flags.c_contiguous or p.flags.f_contiguous or _permuted(p)):
        nb = _ndarray(p.shape, p.dtype, np.empty(p.size, p.dtype), 0, p.strides)
    else:
        nb = np.empty(b.shape, b.dtype)
    if not g.requires_grad:
        np.copyto(nb, b)
        return _make(nb)
    t = _make(nb)
    t.copy_(g)
    return labelled(t, "CopyBackwards", g)   # (PyTorch's name: empty_strided(...).copy_(g))


class _Taken(threading.local):
    """The buffers a backward pass in this thread may not hand to a leaf as its new ``.grad``
    (``ids``: id -> buffer, None outside a pass): the seeds a caller gave (``y.backward(s)``:
    ``s`` stays the caller's), the gradients tensor hooks saw (a hook may keep them), and
    each buffer once a leaf took it: add's vjp hands one cotangent to both inputs, and
    ``(a + b).mean().backward()`` must not leave ``a.grad`` and ``b.grad`` one array (an
    in-place ``a.grad.mul_(c)``, a clip, would scale both).  PyTorch's AccumulateGrad steals a
    gradient only when nothing else holds it, and clones it otherwise."""
    ids: dict | None = None


_TAKEN = _Taken()


def begin_pass(seeds) -> dict | None:
    """A backward pass starts: its seeds (buffers) are held; returns what ``end_pass`` puts
    back (an enclosing pass's record: a hook may run backward)."""
    prev = _TAKEN.ids
    ids: dict = {}
    for s in seeds:                 # (no comprehension: its frame, on every backward())
        if s is not None:
            ids[id(s)] = s
            if type(s) is not _ndarray:
                ids[_memory_key(s)] = s
    _TAKEN.ids = ids
    return prev


def end_pass(prev: dict | None) -> None:
    _TAKEN.ids = prev


def hold(b) -> None:
    """``b`` may not become a leaf's ``.grad`` as it is in this pass (a hook saw it)."""
    ids = _TAKEN.ids
    if ids is not None:
        ids[id(b)] = b
        if type(b) is not _ndarray:
            ids[_memory_key(b)] = b


def _memory_key(b) -> tuple:
    """A key of the memory a buffer that is not a NumPy array lives in, the same for its
    views (held in ``_TAKEN.ids`` with the buffer, which keeps that memory alive): Numba's
    simulator's array wraps a NumPy array (its root base); a CUDA device array's
    ``gpu_data`` pointer has an ``owner`` (the allocation; a reshape shares the pointer)."""
    ary = getattr(b, "_ary", None)
    if type(ary) is _ndarray:
        while isinstance(ary.base, _ndarray):
            ary = ary.base
        return ("memory", id(ary))
    gd = getattr(b, "gpu_data", None)
    if gd is not None:
        return ("memory", id(getattr(gd, "owner", gd)))
    return ("memory", id(b))


# Backward passes in several threads into shared leaves (a model's parameters): each
# accumulation reads ``.grad`` and then sets or adds into it, and two threads between the two
# steps lost one's gradient (both saw no ``.grad`` and both set it; or NumPy's in-place add,
# which lets go of the GIL on large arrays, added both into the same elements at once): 3 of
# 200 runs of four threads' ``backward()`` into one Linear lost updates.  PyTorch's
# AccumulateGrad holds a mutex per variable; one lock here, held for the accumulation only
# (re-entrant: nothing in it runs a user's hook, but a conversion might record).
ACCUMULATION_LOCK = threading.RLock()


def _accumulate(leaf: Tensor, g, create_graph: bool, as_tensor) -> None:
    """The one gradient accumulation: ``leaf.grad = g`` the first time (a tensor of its own,
    unless ``create_graph``), then ``leaf.grad += g`` in place into the existing buffer (as
    PyTorch does: ``.data`` aliases see it), by the add kernel writing straight into it where
    the layout allows (``kernel.into``), else computed and copied in; under
    ``ACCUMULATION_LOCK`` (threads)."""
    with ACCUMULATION_LOCK:
        _accumulate_locked(leaf, g, create_graph, as_tensor)


def _accumulate_locked(leaf: Tensor, g, create_graph: bool, as_tensor) -> None:
    old = leaf._grad
    if type(g._buf if isinstance(g, Tensor) else g) is SparseBuf or \
            (old is not None and type(old._buf) is SparseBuf):
        accumulate_sparse(leaf, as_tensor(g))     # sparse gradients (nn.Embedding(sparse=True))
        return
    if old is None:
        if create_graph:
            leaf._grad = _first_recorded(leaf, as_tensor(g))
            return
        if isinstance(g, Tensor):
            g = g.detach()
            b = g._buf
        else:
            b = g
        taken = _TAKEN.ids
        if type(b) is _ndarray and (b.base is not None or not b.flags.writeable or
                                    (taken is not None and id(b) in taken) or
                                    _strays(b, leaf._buf)):
            fl = b.flags
            # A dense view (a reshape) or a gradient in another memory order than the
            # parameter's (a transposed matmul result: a Linear/LSTM weight's) is copied by
            # NumPy's copy into the parameter's order, as PyTorch's AccumulateGrad keeps
            # .grad's strides those of the parameter (clone_obey_contract): a C-ordered weight
            # gets a C-ordered gradient (weight.grad.is_contiguous(), and the optimizers' one
            # pass over contiguous buffers); anything else (broadcast views) by the kernel.
            p = leaf._buf
            if type(p) is _ndarray and not (p.flags.c_contiguous or p.flags.f_contiguous) and \
                    b.shape == p.shape and b.dtype == p.dtype and _permuted(p):
                # a dense parameter in a permuted layout (channels_last): the gradient in it,
                # as PyTorch's AccumulateGrad (its layout contract), its strides p's own (a
                # size-1 axis's too, which empty_like would choose itself)
                nb = _ndarray(p.shape, p.dtype, np.empty(p.size, p.dtype), 0, p.strides)
                np.copyto(nb, b)
                b = nb
            else:
                b = b.copy(order=_order_of(p)) if fl.c_contiguous or fl.f_contiguous or \
                    b.dtype in _HALF else _ops.identity(b)
            leaf._grad = _make(b)
            return
        if taken is not None and type(b) is not _ndarray:
            # any other buffer (a CUDA device array) whose memory another leaf, a hook or the
            # caller holds, a view of it too (the gradient of b.view(3) beside a's): a copy by
            # the identity kernel on its own device, so that no two .grad share memory (a
            # .grad.mul_(5) after (a + b).sum().backward() changed b.grad on CUDA too)
            key = _memory_key(b)
            if id(b) in taken or key in taken:
                leaf._grad = _make(_ops.identity(b))
                return
            taken[key] = b
        if taken is not None:
            taken[id(b)] = b             # (this leaf's now: no other leaf takes it as it is)
        leaf._grad = g if isinstance(g, Tensor) else as_tensor(g)
        return
    if create_graph:
        leaf._grad = old + as_tensor(g)
        return
    # (without create_graph grad mode is off: PyTorch's AccumulateGrad adds in place into the
    # existing .grad even when that requires grad (a create_graph backward's result): the same
    # tensor object, still requiring grad, its version bumped)
    ob = old._buf
    gb = g._buf if isinstance(g, Tensor) else g
    if _add_in_place(old, ob, gb):
        return
    if type(ob) is _ndarray and type(gb) is _ndarray and ob.dtype not in _HALF:
        check_rule(_add_p, (ob, gb), {})
        if _add_into(ob, ob, gb):
            old._vc[0] += 1
            return
        if gb.shape == ob.shape and gb.dtype is ob.dtype and (gb.dtype is _F32 or
                                                             gb.dtype is _F64) and \
                ob.flags.writeable and not np.may_share_memory(ob, gb):
            # layouts the flat loop does not take (a transposed matmul gradient added into a
            # C-ordered .grad): NumPy's add writes into .grad directly, the same sums without
            # a temporary and its copy (2000x100 float32: 234 -> 182 us, 1 thread CPU time)
            before = _err_get()          # (inf + -inf: NaN without a NumPy warning)
            try:
                _err_set(_IGNORE)
                np.add(ob, gb, out=ob)
            finally:
                _err_set(before)
            old._vc[0] += 1
            return
    elif type(ob) is not _ndarray and type(gb) is not _ndarray and ob.dtype not in _HALF and \
            getattr(_add_p.kernels.get("cuda"), "into", None) is not None and \
            _add_p.kernels["cuda"].into(ob, ob, gb):
        old._vc[0] += 1                 # (a CUDA .grad: the add kernel writes into it)
        return
    new = _ops.add(old, as_tensor(g))._buf if type(ob) is not _ndarray or \
        type(gb) is not _ndarray or ob.dtype in _HALF else _ops.add(ob, gb)
    write_buffer(ob, new)
    old._vc[0] += 1
