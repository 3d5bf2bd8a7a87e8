"""``backward`` and ``grad``: the eager front end's use of dlcore's one reverse-mode routine.

Both call ``dlcore.autodiff.reverse_pass`` on the tape, with:

* values  = tape nodes (``grad_fn`` of non-leaf tensors, the accumulator of leaves);
* parents = ``node.parents``; vjp = ``node.vjp(g)``, which calls the primitive's vjp rule on the
  saved tensors (so the same rule serves the static front end and higher-order gradients);
* on_grad = the eager extras, called once a node's gradient is complete: tensor hooks,
  ``retain_grad`` and, for ``backward``, accumulation into the leaves' ``.grad``.

Without ``create_graph`` the pass runs under ``no_grad``: gradients are plain values and nothing
new is recorded.  With ``create_graph=True`` the vjp rules' own operations are recorded, so the
gradients have a ``grad_fn`` and can be differentiated again.  Unless ``retain_graph`` is true,
each node drops its saved tensors once used: the forward pass's memory is freed, and a second
backward through the same graph raises PyTorch's error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.autodiff import _check, reverse_pass
from dlcore.kernels.cpu import indexing as _cpu_indexing
from dlcore.kernels.cpu.elementwise import _QUIET
from dlcore.kernels.cpu.runtime import PARALLEL_THRESHOLD as _PARALLEL_THRESHOLD
from dlcore.ops.elementwise import add_p as _add_p
from dlcore.ops.indexing import getitem_p as _getitem_p
from dlcore.ops.indexing import slice_scatter_p as _slice_scatter_p
from dlcore.registry import check_rule

from .. import _autocast
from .._graph import ERR_BACKWARD_TWICE, LeafNode, Node, half_vjp, has_half, leaf_node
from .._sparse import SparseBuf, SparseTensor, accumulate_sparse, add_any
from .._state import STATE
from ..creation import tensor as _tensor
from ..tensor import PostAccumulateGradHook as _PostHook
from ..tensor import Tensor, _make, write_buffer
from ._slice_grad import SliceGrad as _SliceGrad
from .anomaly_mode import checked_vjp as _checked_vjp

_ndarray = np.ndarray
_HALF = _dt.HALF
_F32, _F64 = _dt.float32, _dt.float64
_quiet, _loud, _IGNORE = _QUIET
_add_kernel = _add_p.kernels["cpu"]
_add_into = _add_kernel.into
_cpu_scatter = _cpu_indexing.slice_scatter
_numpy_index = _cpu_indexing.numpy_index


def _node_of(t: Tensor):
    return t._node if t._node is not None else leaf_node(t)


_ONES: dict = {}      # (shape, dtype) -> a read-only one-element array of ones: seeds copy it


def _seed(i: int, t: Tensor, g, create_graph: bool) -> Tensor:
    if g is None:
        if t.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        b = t._buf
        if b.dtype.kind == "c":
            raise RuntimeError("grad can be implicitly created only for real scalar outputs but "
                               f"got {t.dtype}")
        if type(b) is _ndarray:              # one element: a copy of a cached one (0.1 us
            one = _ONES.get((b.shape, b.dtype))  # against np.ones' 0.65), no kernel call
            if one is None:
                one = _ONES[(b.shape, b.dtype)] = np.ones(b.shape, b.dtype)
                one.flags.writeable = False
            return _make(one.copy())
        return _make(_ops.ones_like(t.detach())._buf)
    if not isinstance(g, Tensor):
        g = _tensor(g, dtype=t.dtype, device=t.device)
    if tuple(g.shape) != tuple(t.shape):
        raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                           f"output[{i}] has a shape of {t.shape}.")
    return g if create_graph else g.detach()


def _roots(tensors, grad_tensors, create_graph):
    roots, seeds = [], []
    for i, t in enumerate(tensors):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
        roots.append(_node_of(t))
        seeds.append(_seed(i, t, grad_tensors[i] if grad_tensors is not None else None,
                           create_graph))
    return roots, seeds


def _run(roots, seeds, wanted, retain_graph, create_graph, accumulate):
    if not create_graph:
        return _run_raw(roots, seeds, wanted, retain_graph, accumulate)

    def vjp(node, g):
        return node.vjp(g, retain_graph)

    prev, depth = STATE.enabled, _autocast.TLS.depth    # (restored even if interrupted
    try:                                                #  between the two switches)
        STATE.enabled = True
        _autocast.suspend()
        return reverse_pass(roots, seeds, parents=_parents, vjp=_checked_vjp(vjp, _name_of),
                            add=_ops.add,
                            wanted=wanted, name_of=_name_of,
                            on_grad=_on_grad(accumulate, True, _same, _same))
    finally:
        STATE.enabled = prev
        _autocast.resume(depth)


def _same(g):
    return g


def _on_grad(accumulate: bool, create_graph: bool, as_tensor, unwrap):
    """The one ``on_grad`` of both passes, called once a node's gradient ``g`` is complete:
    tensor hooks (which may replace it), ``retain_grad`` and, for ``backward``, accumulation into
    the leaves' ``.grad``.  ``g`` is a Tensor with ``create_graph`` and a buffer otherwise;
    ``as_tensor``/``unwrap`` convert where a user sees it (only when hooks or retain_grad do)."""
    def on_grad(node, g):
        if type(g) is not _ndarray:
            if type(g) is _SliceGrad:
                g = g.dense()            # (the buffer pass's slice cotangents: _slice_grad)
            elif isinstance(g, np.generic):
                g = np.asarray(g)        # a kernel's NumPy scalar, as the Tensor path keeps it
        leaf = type(node) is LeafNode
        if leaf:
            hooks = node.tensor._hooks
            if not hooks:
                if accumulate:
                    _accumulate(node.tensor, g, create_graph, as_tensor)
                return g
        else:
            hooks = node.hooks
            if not hooks and node.retain is None:
                return g
        gt = as_tensor(g)
        if hooks:
            for h in list(hooks):
                if type(h) is _PostHook:
                    continue
                r = h(gt)
                if r is not None:
                    gt = r
        if leaf:
            if accumulate:
                _accumulate(node.tensor, gt, create_graph, as_tensor)
                for h in list(hooks):
                    if type(h) is _PostHook:
                        h.fn(node.tensor)
        elif node.retain is not None:
            t = node.retain()
            if t is not None:
                gg = gt if create_graph else gt.detach()
                t._grad = gg if t._grad is None else t._grad + gg
        return unwrap(gt)
    return on_grad


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
    Fortran-ordered gradient of a C-ordered 2-D weight, or the reverse)."""
    if b.ndim < 2 or type(p) is not _ndarray:
        return False
    pf = p.flags
    return (pf.c_contiguous and not b.flags.c_contiguous) or \
        (pf.f_contiguous and not pf.c_contiguous and not b.flags.f_contiguous)


def _add_in_place(old: Tensor, ob, gb) -> bool:
    """``old.grad += g`` for the common case of ``_accumulate`` (add's rule holds: one shape,
    one float dtype, CPU buffers): what the add kernel's ``into`` runs below its parallel
    threshold, or NumPy's add into .grad for other layouts, without their tests (NumPy reads
    overlapping operands as copies: the same values as the computed-then-copied path).
    False, nothing done, for anything else."""
    if type(ob) is _ndarray and type(gb) is _ndarray and gb.dtype is ob.dtype and \
            (gb.dtype is _F32 or gb.dtype is _F64) and gb.shape == ob.shape and \
            ob.flags.writeable and ob.size < _PARALLEL_THRESHOLD:
        token = _quiet(_IGNORE)
        try:
            np.add(ob, gb, out=ob)
        finally:
            _loud(token)
        old._version[0] += 1
        return True
    return False


def _accumulate(leaf: Tensor, g, create_graph: bool, as_tensor) -> None:
    """The one gradient accumulation: ``leaf.grad = g`` the first time (a tensor of its own,
    unless ``create_graph``), then ``leaf.grad += g`` in place into the existing buffer (as
    PyTorch does: ``.data`` aliases see it), by the add kernel writing straight into it where
    the layout allows (``kernel.into``), else computed and copied in."""
    old = leaf._grad
    if type(g._buf if isinstance(g, Tensor) else g) is SparseBuf or \
            (old is not None and type(old._buf) is SparseBuf):
        accumulate_sparse(leaf, as_tensor(g))     # sparse gradients (nn.Embedding(sparse=True))
        return
    if old is None:
        if create_graph:
            leaf._grad = as_tensor(g)
            return
        if isinstance(g, Tensor):
            g = g.detach()
            b = g._buf
        else:
            b = g
        if type(b) is _ndarray and (b.base is not None or not b.flags.writeable or
                                    _strays(b, leaf._buf)):
            fl = b.flags
            # A dense view (a reshape) or a gradient in another memory order than the
            # parameter's (a transposed matmul result: a Linear/LSTM weight's) is copied by
            # NumPy's copy into the parameter's order, as PyTorch's AccumulateGrad keeps
            # .grad's strides those of the parameter (clone_obey_contract): a C-ordered weight
            # gets a C-ordered gradient (weight.grad.is_contiguous(), and the optimizers' one
            # pass over contiguous buffers); anything else (broadcast views) by the kernel.
            b = b.copy(order=_order_of(leaf._buf)) if fl.c_contiguous or fl.f_contiguous or \
                b.dtype in _HALF else _ops.identity(b)
            leaf._grad = _make(b)
            return
        leaf._grad = g if isinstance(g, Tensor) else as_tensor(g)
        return
    if create_graph or old._rg:
        leaf._grad = old + as_tensor(g)
        return
    ob = old._buf
    gb = g._buf if isinstance(g, Tensor) else g
    if _add_in_place(old, ob, gb):
        return
    if type(ob) is _ndarray and type(gb) is _ndarray and ob.dtype not in _HALF:
        check_rule(_add_p, (ob, gb), {})
        if _add_into(ob, ob, gb):
            old._version[0] += 1
            return
        if gb.shape == ob.shape and gb.dtype is ob.dtype and (gb.dtype is _F32 or
                                                             gb.dtype is _F64) and \
                ob.flags.writeable and not np.may_share_memory(ob, gb):
            # layouts the flat loop does not take (a transposed matmul gradient added into a
            # C-ordered .grad): NumPy's add writes into .grad directly, the same sums without
            # a temporary and its copy (2000x100 float32: 234 -> 182 us, 1 thread CPU time)
            token = _quiet(_IGNORE)          # (inf + -inf: NaN without a NumPy warning)
            try:
                np.add(ob, gb, out=ob)
            finally:
                _loud(token)
            old._version[0] += 1
            return
    elif type(ob) is not _ndarray and type(gb) is not _ndarray and ob.dtype not in _HALF and \
            getattr(_add_p.kernels.get("cuda"), "into", None) is not None and \
            _add_p.kernels["cuda"].into(ob, ob, gb):
        old._version[0] += 1                 # (a CUDA .grad: the add kernel writes into it)
        return
    new = _ops.add(old, as_tensor(g))._buf if type(ob) is not _ndarray or \
        type(gb) is not _ndarray or ob.dtype in _HALF else _ops.add(ob, gb)
    write_buffer(ob, new)
    old._version[0] += 1


def _parents(node):
    return node.parents


def _name_of(node) -> str:
    return node.name()


# ----------------------------------------------------------------------------- raw buffers
# Without ``create_graph`` nothing that backward computes is recorded, so a Tensor around each
# intermediate cotangent buys nothing: the pass runs the vjp rules on the buffers themselves
# (``bind`` computes directly on plain buffers, through the same kernels), and a Tensor is made
# only where a user can see the gradient: hooks, ``retain_grad``, the leaves' ``.grad`` and the
# results of ``grad()``.  A node whose rule needs the Tensor path (a custom Function, a copy
# between devices, a CUDA node, a saved tensor changed in place, whose error is raised only when
# the rule reads it) gets Tensors, and its results are unwrapped again.

def _unwrap(r):
    if isinstance(r, Tensor):
        return r._buf
    if callable(r):
        return lambda: _unwrap(r())
    return r


def _maybe_half(out, bufs) -> bool:
    """``has_half`` with float32/float64 buffers (nearly all) recognised by identity first."""
    d = out.dtype
    if d is _F32 or d is _F64:
        for b in bufs:
            d = b.dtype
            if d is not _F32 and d is not _F64:
                return has_half(out, bufs)
        return False
    return has_half(out, bufs)


def _getitem_rule(node, g, out, bufs):
    """getitem's rule on buffers (``g`` of the output's shape, float32/float64 or no 16-bit
    type): slice_scatter(g, x, idx) of a slice of at most a quarter of x with its zeros left
    unwritten (_slice_grad); g copied now, as the kernel would read it now (a larger slice,
    whose copy would cost about what the zeros save, takes the kernel)."""
    d = out.dtype
    if d is g.dtype and g.size * 4 <= bufs[0].size and \
            _slice_scatter_p.kernels["cpu"] is _cpu_scatter:
        return (_SliceGrad(bufs[0].shape, d, _numpy_index(node.params["idx"]) + (Ellipsis,),
                           g.copy()),)
    return node.prim.vjp(g, out, *bufs, **node.params)


def _saved_vjp(node, g, retain: bool, half: bool):
    """A primitive node's vjp on its saved CPU buffers, the raw passes' common case: ``g`` and
    the output NumPy arrays, no input or output changed in place since it was saved (``vjp``
    then raises PyTorch's error through the node's Tensor path).  16-bit floats go to
    ``half_vjp`` when ``half``, else (the buffer pass) this returns None, as it does for any
    other case; the node's buffers are released unless ``retain``."""
    out = node.out_buf
    if type(out) is not _ndarray or node.out_version[0] != node.out_ver0:
        return None
    bufs = []
    wide = True                          # every buffer float32/float64 (_maybe_half's test)
    for t, v in zip(node.inputs, node.versions):
        b = t._buf
        if t._version[0] != v or type(b) is not _ndarray:
            return None
        d = b.dtype
        if d is not _F32 and d is not _F64:
            wide = False
        bufs.append(b)
    d = out.dtype
    prim = node.prim
    if (not wide or (d is not _F32 and d is not _F64)) and _maybe_half(out, bufs):
        if not half:
            return None
        res = half_vjp(prim, g, out, bufs, node.params, bufs)
    elif prim is _getitem_p:
        res = _getitem_rule(node, g, out, bufs)
    elif node.params:
        res = prim.vjp(g, out, *bufs, **node.params)
    else:
        res = prim.vjp(g, out, *bufs)
    if not retain:
        node.inputs = None
        node.out_buf = None
    return res


def _run_raw(roots, seeds, wanted, retain, accumulate):
    # The seeds' own Tensors, so that a leaf seeded directly gets the very tensor it was given.
    seed_of = {}
    raw_seeds: list = []
    for s in seeds:
        if s is None:
            raw_seeds.append(None)
        else:
            seed_of[id(s._buf)] = s
            raw_seeds.append(s._buf)

    def as_tensor(g):
        t = seed_of.get(id(g))
        if t is not None and t._buf is g:
            return t
        if type(g) is SparseBuf:
            return _make(g, cls=SparseTensor)
        return Tensor._wrap(g)

    def vjp(node, g):
        if (type(node) is Node or isinstance(node, Node)) and type(g) is _ndarray:
            if node.inputs is None:
                raise RuntimeError(ERR_BACKWARD_TWICE)
            res = _saved_vjp(node, g, retain, True)
            if res is not None:
                return res
        res = node.vjp(g if isinstance(g, Tensor) else as_tensor(g), retain)
        return tuple(_unwrap(r) for r in res)

    def add(a, b):
        if type(a) is _SliceGrad:
            if type(b) is _SliceGrad and a.dtype is b.dtype and a.shape == b.shape:
                return a.join(b)
            a = a.dense()
        if type(b) is _SliceGrad:
            b = b.dense()
        if type(a) is _ndarray and type(b) is _ndarray:
            d = a.dtype
            if (d is _F32 or d is _F64) and d is b.dtype and a.shape == b.shape:
                # two cotangents of one node, both checked against its shape and dtype by
                # reverse_pass: add's rule holds, its kernel runs directly
                return _add_kernel(a, b)
            if d not in _HALF and b.dtype not in _HALF:
                return _ops.add(a, b)      # (16-bit floats: computed in float32 by dispatch)
        if type(a) is SparseBuf or type(b) is SparseBuf:
            return _unwrap(add_any(as_tensor(a), as_tensor(b)))
        return _unwrap(_ops.add(as_tensor(a), as_tensor(b)))

    prev, depth = STATE.enabled, _autocast.TLS.depth
    try:            # both switches inside: a KeyboardInterrupt at suspend()'s call left grad
        STATE.enabled = False            # mode off for the rest of the program
        _autocast.suspend()              # backward ops keep their forward ops' dtypes
        checked = _checked_vjp(vjp, _name_of)
        on_grad = _on_grad(accumulate, False, as_tensor, _unwrap)
        if wanted is None and accumulate and checked is vjp:
            # backward() of every leaf, anomaly mode off: reverse_pass's loop with its
            # callbacks' common cases inline (_buffer_pass)
            res = _buffer_pass(roots, raw_seeds, retain, vjp, add, on_grad, as_tensor)
        else:
            res = reverse_pass(roots, raw_seeds, parents=_parents, vjp=checked, add=add,
                               wanted=wanted, name_of=_name_of, on_grad=on_grad)
    finally:
        STATE.enabled = prev
        _autocast.resume(depth)
    if accumulate:                       # backward(): the results are not used
        return res
    return {k: as_tensor(g) for k, g in res.items()}


def _buffer_pass(roots, seeds, retain, vjp, add, on_grad, as_tensor) -> dict:
    """``reverse_pass(roots, seeds, parents=_parents, vjp=vjp, add=add, on_grad=on_grad)`` for
    ``backward()`` without ``inputs`` (every leaf wanted) on buffers: the same nodes visited in
    the same order, the same sums in the same order and the same checks, with the common case
    of each callback written inline: a primitive's node on float32/float64 CPU buffers with no
    hooks, ``retain_grad`` or in-place change (``vjp``'s first branch), a leaf without hooks
    (``on_grad``'s); anything else calls the callback itself.  It returns an empty dict
    (``backward`` uses no result).  tests/eager/test_backward_buffer_pass.py holds it to
    reverse_pass's gradients bit for bit.

    The sort is reverse_pass's depth-first one (``autodiff._sort``), keyed by the nodes
    themselves (their identity), with each node's usefulness (a leaf, or a useful parent)
    decided as it is emitted: a node from which no leaf is reachable is left out of the order,
    and when none is (nearly always) the loop skips the test per input."""
    order: list = []
    useful: set = set()
    seen: set = set()
    dropped = False
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.parents))]
        while stack:
            node, it = stack[-1]
            for p in it:
                if p is not None and p not in seen:
                    seen.add(p)
                    pps = p.parents
                    if not pps:          # a leaf: emitted at once, as its push and pop would
                        useful.add(p)
                        order.append(p)
                        continue
                    stack.append((p, iter(pps)))
                    break
            else:
                stack.pop()
                ps = node.parents
                if ps:
                    for p in ps:
                        if p is not None and p in useful:
                            break
                    else:
                        dropped = True       # no leaf above it: never visited
                        continue
                useful.add(node)
                order.append(node)

    grads: dict = {}
    for r, s in zip(roots, seeds):
        if s is None or r not in useful:
            continue
        grads[r] = s if r not in grads else add(grads[r], s)

    pop = grads.pop
    for node in reversed(order):
        g = pop(node, None)
        if g is None:                    # no cotangent reached it
            continue
        cls = type(node)
        if cls is LeafNode:
            t = node.tensor
            if type(g) is _ndarray and not t._hooks:
                old = t._grad
                if old is not None and not old._rg and _add_in_place(old, old._buf, g):
                    continue             # (_accumulate's common case, without its tests)
                _accumulate(t, g, False, as_tensor)
            else:
                on_grad(node, g)
            continue
        ps = node.parents
        in_grads = None
        if cls is Node or isinstance(node, Node):
            if type(g) is not _ndarray or node.hooks or node.retain is not None:
                g = on_grad(node, g)
            if not ps:
                continue
            if node.inputs is not None and type(g) is _ndarray:
                # vjp's common case (16-bit floats and buffers changed in place: vjp itself,
                # which raises PyTorch's error for the latter)
                in_grads = _saved_vjp(node, g, retain, False)
        else:
            g = on_grad(node, g)
            if not ps:
                continue
        if in_grads is None:
            in_grads = vjp(node, g)
        if len(in_grads) != len(ps):
            raise AssertionError(f"dlcore autodiff: vjp returned {len(in_grads)} cotangents for "
                                 f"{len(ps)} inputs")
        for p, pg in zip(ps, in_grads):
            if pg is None or p is None or (dropped and p not in useful):
                continue
            if type(pg) is not _ndarray:
                if callable(pg):
                    pg = pg()       # a thunk: computed only because this input needs it
                    if pg is None:
                        continue
                if type(pg) is not _ndarray:
                    _check(p, pg, node, _name_of)
            if type(pg) is _ndarray:    # (reverse_pass's check of a tape node's shape, inline)
                shape = p.shape
                if type(shape) is not tuple or shape != pg.shape or \
                        (p.dtype is not pg.dtype and p.dtype != pg.dtype):
                    _check(p, pg, node, _name_of)
            prev = grads.get(p)
            if prev is None:
                grads[p] = pg
            elif type(prev) is _ndarray and type(pg) is _ndarray and prev.dtype is pg.dtype \
                    and (pg.dtype is _F32 or pg.dtype is _F64):
                grads[p] = _add_kernel(prev, pg)     # (add's first case: both checked above)
            else:
                grads[p] = add(prev, pg)
    return {}


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves of their graph
    (or only of ``inputs``)."""
    _autocast.drop_cache()                # casts cached by autocast: made again after this
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds = _roots(list(tensors), grad_tensors, create_graph)
    wanted = None
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        wanted = [_node_of(t) for t in inputs]
        for t in inputs:
            if t._node is not None:
                t.retain_grad()
    _run(roots, seeds, wanted, retain_graph, create_graph, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    _autocast.drop_cache()
    single = isinstance(outputs, Tensor)
    outputs = [outputs] if single else list(outputs)
    inputs_t = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs_t:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots, seeds = _roots(outputs, grad_outputs, create_graph)
    wanted = [_node_of(t) for t in inputs_t]
    res = _run(roots, seeds, wanted, retain_graph, create_graph, accumulate=False)
    out = []
    for t, n in zip(inputs_t, wanted):
        g = res.get(id(n))
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = _ops.zeros_like(t.detach())
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return tuple(out)


def roots_require_grad(tensors: Sequence[Tensor]) -> bool:
    return any(t._rg for t in tensors)


def _tensor_backward(self: Tensor, gradient=None, retain_graph=None, create_graph=False,
                     inputs=None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
    if isinstance(gradient, Tensor) and gradient._buf.dtype != self._buf.dtype:
        gradient = gradient.to(self.dtype)          # PyTorch casts a gradient's dtype
    backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
             inputs=inputs)


_tensor_backward.__name__ = _tensor_backward.__qualname__ = "backward"
Tensor.backward = _tensor_backward      # the engine is above tensor.py, which does not import it
