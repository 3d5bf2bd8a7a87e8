"""The eager engine's passes on raw buffers (no ``create_graph``): the buffer pass
``_buffer_pass`` and the helpers it shares with ``engine._run_raw``.

Without ``create_graph`` nothing that backward computes is recorded, so a Tensor around each
intermediate cotangent buys nothing: the pass runs the vjp rules on the buffers themselves
(``bind`` computes directly on plain buffers, through the same kernels), and a Tensor is made
only where a user can see the gradient: hooks, ``retain_grad``, the leaves' ``.grad`` and the
results of ``grad()``.  A node whose rule needs the Tensor path (a custom Function, a copy
between devices, a CUDA node, a saved tensor changed in place, whose error is raised only when
the rule reads it) gets Tensors, and its results are unwrapped again.

Here: the tape callbacks ``reverse_pass`` gets (``_parents``, ``_name_of``), ``_unwrap``, a
primitive node's vjp on its saved CPU buffers (``_saved_vjp``, with ``_maybe_half`` and
getitem's slice rule ``_getitem_rule``), and ``_buffer_pass``: ``reverse_pass``'s loop with its
callbacks' common cases inline, which ``engine._run_raw`` calls for ``backward()`` (of every leaf
or of ``inputs``) and ``grad()`` without anomaly mode (through ``engine``'s global
``_buffer_pass``: tests/eager/test_backward_buffer_pass.py and test_grad_buffer_pass.py replace
it there), with its depth-first order ``_order``.
"""

from __future__ import annotations

import contextvars

import numpy as np

from dlcore import dtypes as _dt
from dlcore.autodiff import _check
from dlcore.kernels.cpu import indexing as _cpu_indexing
from dlcore.kernels.cpu.elementwise import _QUIET
from dlcore.kernels.cpu.runtime import PARALLEL_THRESHOLD as _PARALLEL_THRESHOLD
from dlcore.ops.elementwise import add_p as _add_p
from dlcore.ops.elementwise import div_p as _div_p
from dlcore.ops.elementwise import sub_p as _sub_p
from dlcore.ops.elementwise import where_p as _where_p
from dlcore.ops.indexing import getitem_p as _getitem_p
from dlcore.ops.indexing import slice_scatter_p as _slice_scatter_p
from dlcore.ops.reduce import _spread, _sum_vjp
from dlcore.ops.reduce import sum_p as _sum_p

from .._graph import EAGER_VJPS as _eager_vjps
from .._graph import LeafNode, Node, half_vjp, has_half
from ..tensor import Tensor
from ._accumulation import ACCUMULATION_LOCK as _ACCUMULATION_LOCK
from ._accumulation import _accumulate, _add_in_place
from .._code_reads import reads, real_rule
from ._slice_grad import SliceGrad as _SliceGrad

_ndarray = np.ndarray
_F32, _F64 = _dt.float32, _dt.float64
_add_kernel = _add_p.kernels["cpu"]
_cpu_scatter = _cpu_indexing.slice_scatter
_numpy_index = _cpu_indexing.numpy_index
_quiet, _loud, _SILENCED = _QUIET
try:                                        # NumPy's floating-point error state now
    from numpy._core.umath import _extobj_contextvar
    _errstate_now = _extobj_contextvar.get
except ImportError:                         # pragma: no cover - NumPy 1.x: never silenced
    _SILENCED = None


def _as_user(fn, user: list, node, g):
    """``fn(node, g)`` (a callback that may run user code: hooks, a custom Function's
    backward) under the caller's NumPy error state ``user[0]``, not the pass's silenced one.
    A state the callback sets (``np.seterr`` in a hook) becomes ``user[0]``: the pass ends in
    it, as it would have without the silencing."""
    state = user[0]
    token = _quiet(state)
    try:
        return fn(node, g)
    finally:
        now = _errstate_now()
        _loud(token)
        if now is not state:
            user[0] = now
            user[1] = True


def _parents(node):
    return node.parents


def _name_of(node) -> str:
    return node.name()


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
    the output NumPy arrays.  A saved input or output changed in place since it was saved is
    passed all the same where the rule never reads it (``_unread``: an in-place activation's
    ``x.relu_()`` after a linear leaves addmm's output stale, which addmm's rule does not
    read, as PyTorch saves nothing of it); else this returns None and ``vjp`` raises PyTorch's
    error through the node's Tensor path.  16-bit floats go to ``half_vjp`` when ``half``
    (the buffer pass's loop too: its silenced NumPy state is the one each kernel sets for
    itself, and the rule runs on buffers), else this returns None, as it does for any
    other case; the node's
    buffers are released unless ``retain``.  One and two inputs are read without a loop (no
    ``zip`` object: ~1k instructions a node, issue 19)."""
    out = node.out_buf
    if type(out) is not _ndarray:
        return None
    stale = None if node.out_version[0] == node.out_ver0 else [1]   # (the rule's positions)
    ins = node.inputs
    vers = node.versions
    n = len(ins)
    if n == 1 and len(vers) == 1:
        t = ins[0]
        b = t._buf
        if type(b) is not _ndarray:
            return None
        if t._vc[0] != vers[0]:
            stale = [2] if stale is None else stale + [2]
        d = b.dtype
        wide = d is _F32 or d is _F64    # (_maybe_half's test)
        bufs: tuple | list = (b,)
    elif n == 2 and len(vers) == 2:
        t = ins[0]
        b = t._buf
        t1 = ins[1]
        b1 = t1._buf
        if type(b) is not _ndarray or type(b1) is not _ndarray:
            return None
        if t._vc[0] != vers[0] or t1._vc[0] != vers[1]:
            stale = [] if stale is None else stale
            if t._vc[0] != vers[0]:
                stale.append(2)
            if t1._vc[0] != vers[1]:
                stale.append(3)
        d = b.dtype
        wide = d is _F32 or d is _F64
        d = b1.dtype
        if d is not _F32 and d is not _F64:
            wide = False
        bufs = (b, b1)
    else:
        bufs = []
        wide = True                      # every buffer float32/float64 (_maybe_half's test)
        for i, (t, v) in enumerate(zip(ins, vers)):
            b = t._buf
            if type(b) is not _ndarray:
                return None
            if t._vc[0] != v:
                stale = [2 + i] if stale is None else stale + [2 + i]
            d = b.dtype
            if d is not _F32 and d is not _F64:
                wide = False
            bufs.append(b)
    d = out.dtype
    prim = node.prim
    if stale is not None and prim.view and stale[-1] != 1:
        # a view's rule reads only its inputs' shapes, as node.vjp's Tensor path passes them:
        # their current buffers (PyTorch's view nodes save sizes: masked_softmax's write into
        # a reshape of its scores, 840 nodes a d2l seq2seq run took the Tensor path)
        stale = [1] if stale[0] == 1 else None
    if (not wide or (d is not _F32 and d is not _F64)) and _maybe_half(out, bufs):
        if not half or stale is not None:
            return None
        res = half_vjp(prim, g, out, bufs, node.params, bufs)
    elif stale is not None and (prim is _getitem_p or not _unread(prim, d, stale)) and \
            not _shapes_read(prim, stale, out, bufs):
        return None
    elif prim is _getitem_p:
        res = _getitem_rule(node, g, out, bufs)
    elif node.params:                    # (_graph.eager_vjp's lookup, inline: EAGER_VJPS' rule
        # where it has one, relu's, PyTorch's at a NaN; else the primitive's)
        res = (_eager_vjps.get(prim) or prim.vjp)(g, out, *bufs, **node.params)
    elif n == 1:
        res = (_eager_vjps.get(prim) or prim.vjp)(g, out, bufs[0])
    else:
        res = (_eager_vjps.get(prim) or prim.vjp)(g, out, *bufs)
    if not retain and (stale is None or prim not in _SHAPES_ONLY):
        # (a stale add or sub keeps them, as the node's Tensor path did: a backward stopped
        # further up by PyTorch's in-place error raises that error again when run again)
        node.inputs = None
        node.out_buf = None
    return res


#: primitives whose rule reads nothing of its output and inputs but their shapes and dtypes
#: (add's and sub's: g, and -g for sub's second, each summed back to its input's shape; as
#: PyTorch's AddBackward0 and SubBackward0, which save no tensor), with the positions that
#: holds for (None: every one; where's rule reads its condition's values, not its branches':
#: a masked write ``X[~mask] = v`` of a tensor that requires grad, d2l's sequence_mask, saves
#: the X that its commit then overwrites)
_SHAPES_ONLY = {_add_p: None, _sub_p: None, _where_p: frozenset({1, 3, 4})}


def _shapes_read(prim, stale, out, bufs) -> bool:
    """Whether ``prim``'s rule (its own: no eager rule in its place) reads only the shapes and
    dtypes of its arguments at ``stale`` (1: the output, 2...: the inputs), every stale input
    still of the output's shape and dtype: a tutorial's running ``loss += l``, whose own
    operand the next ``+=`` changes in place (char-level RNNs, seq2seq decoders: one node a
    step took the node's Tensor path, issue 19).  A buffer replaced by one of another shape or
    dtype takes that path, as before."""
    if prim not in _SHAPES_ONLY or prim in _eager_vjps:
        return False
    only = _SHAPES_ONLY[prim]
    shape, d = out.shape, out.dtype
    for i in stale:
        if only is not None and i not in only:
            return False
        if i >= 2:
            b = bufs[i - 2]
            if b.shape != shape or b.dtype is not d:
                return False
    return True


def _unread(prim, d, positions) -> bool:
    """Whether ``prim``'s eager rule (as ``_saved_vjp`` calls it, for an output of dtype ``d``)
    reads none of its arguments at ``positions`` (1: the output ``y``, 2...: the inputs), by
    ``_code_reads._reads_out``'s conservative reading of its code (a holomorphic primitive's
    complex wrapper looked through for a real output, as it calls the rule so)."""
    rule = _eager_vjps.get(prim) or prim.vjp
    if d is _F32 or d is _F64:
        rule = real_rule(rule)
    for i in positions:
        if reads(rule, i):
            return False
    return True


def _whole_mean(node, g, retain: bool, wanted, grads, order, i):
    """A div node of a sum by a number (a mean's ``MeanBackward0/1``, a loss's 'mean'
    reduction) and its sum node in one step, when this div is the sum's one consumer in this
    pass (the buffer pass's common case): ``g`` divided by the count as the div's rule computes
    it (NumPy's true_divide, as the rule or the CPU kernel's entry runs it, the warnings
    silenced by the loop; the kernel itself above its parallel threshold), then the sum's rule
    (for a 0-d cotangent ``_spread``'s: x's shape, contiguous if small).  Returns ``(the sum's
    parents, (that cotangent,))`` for the loop to deliver, both nodes' saved tensors released
    unless ``retain`` (the sum node is then never reached: no cotangent is left for it), or
    None where any of that does not hold (the nodes go their own way).  ``order[i]`` is this
    div node (the loop runs ``order`` from its end)."""
    p = node.parents[0]
    if node.parents[1] is not None or type(p) is not Node and not isinstance(p, Node) or \
            p.prim is not _sum_p or p.hooks or p.retain is not None or p in grads or \
            (wanted is not None and p in wanted) or p.inputs is None:
        return None
    # The sum's other consumers in this pass: a consumer already run has put its cotangent in
    # ``grads`` (tested above); one yet to run comes before this div in ``order`` and after
    # the sum (_order emits a node after its parents): those nodes are scanned for the sum as
    # a parent, whatever their kind (a custom Function's, a host op's that keeps no input)
    j = i - 1
    while j >= 0:
        n = order[j]
        if n is p:
            break
        ps = n.parents
        if ps and p in ps:
            return None
        j -= 1
    (s, c), (x,) = node.inputs, p.inputs
    cb, xb, d = c._buf, x._buf, g.dtype
    if type(cb) is not _ndarray or type(xb) is not _ndarray or cb.dtype is not d or \
            cb.ndim or xb.dtype is not d or not xb.ndim or (d is not _F32 and d is not _F64) or \
            s._vc[0] != node.versions[0] or c._vc[0] != node.versions[1] or \
            node.out_version[0] != node.out_ver0 or x._vc[0] != p.versions[0] or \
            p.out_version[0] != p.out_ver0:
        return None
    if g.ndim and g.size >= _PARALLEL_THRESHOLD:
        q = _div_p.kernels["cpu"](g, cb)     # (the rule's kernel call: _ufunc_now declines)
    else:
        q = np.true_divide(g, cb)
        if type(q) is not _ndarray:
            q = np.asarray(q)
    if g.ndim:                               # (a mean over some axes: the sum's own rule)
        dx = _sum_vjp(q, p.out_buf, xb, **p.params)[0]
    else:                                    # (the sum's rule's value: ``_spread``)
        dx = _spread(q, xb.shape, xb.size)
    if not retain:
        node.inputs = node.out_buf = p.inputs = p.out_buf = None
    return p.parents, (dx,)


def _nothing_wanted_above(parents, useful) -> bool:
    """Whether none of a wanted node's parents leads to a wanted node (grad()/inputs=: the
    pass stops there, as reverse_pass does)."""
    for p in parents:
        if p is not None and p in useful:
            return False
    return True


def _order(roots, wanted):
    """reverse_pass's depth-first sort (``autodiff._sort``) of the nodes reachable from
    ``roots``, keyed by the nodes themselves (their identity), with each node's usefulness
    decided as it is emitted: a wanted node (every leaf when ``wanted`` is None), or one with a
    useful parent.  A node from which nothing wanted is reachable is left out of the order;
    ``dropped`` says whether any was (nearly never for ``backward()`` of every leaf: the pass
    then skips the test per input)."""
    order: list = []
    useful: set = set()
    seen: set = set()
    dropped = False
    every_leaf = wanted is None
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
                        if every_leaf or p in wanted:
                            useful.add(p)
                            order.append(p)
                        else:
                            dropped = True
                        continue
                    stack.append((p, iter(pps)))
                    break
            else:
                stack.pop()
                if every_leaf or node not in wanted:
                    ps = node.parents
                    if ps or not every_leaf:
                        for p in ps:
                            if p is not None and p in useful:
                                break
                        else:
                            dropped = True       # nothing wanted above it: never visited
                            continue
                useful.add(node)
                order.append(node)
    return order, useful, dropped


#: ``{(roots, wanted): _order's result}`` set by a caller that runs many passes over one
#: retained graph (``func.vjp``'s ``vjp_fn``: a jacrev's rows, an NTK's products), so that the
#: sort runs once per graph (jacobians_hessians: 6% of its CPU); None elsewhere.  The caller's
#: dict holds the nodes it keys by, and lives as long as its graph does.
ORDERS: contextvars.ContextVar = contextvars.ContextVar("dlcore_orders", default=None)


def _sorted(roots, wanted, retain):
    """``_order(roots, wanted)``, from ``ORDERS`` where a caller set one and the graph is
    retained (a pass without ``retain`` frees the nodes' inputs: no later pass reads them)."""
    cache = ORDERS.get()
    if cache is None or not retain:
        return _order(roots, wanted)
    key = (tuple(roots), None if wanted is None else frozenset(wanted))
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = _order(roots, wanted)
    return hit


def _buffer_pass(roots, seeds, retain, vjp, add, on_grad, as_tensor, wanted=None,
                 accumulate=True, silence=True) -> dict:
    """``reverse_pass(roots, seeds, parents=_parents, vjp=vjp, add=add, wanted=wanted,
    on_grad=on_grad, name_of=_name_of)`` on buffers: the same nodes visited in the same order,
    the same sums in the same order and the same checks, with the common case of each callback
    written inline: a primitive's node on float32/float64 CPU buffers with no hooks,
    ``retain_grad`` or in-place change (``vjp``'s first branch), a leaf without hooks
    (``on_grad``'s, which accumulates into ``.grad`` when ``accumulate``: ``backward()``);
    anything else calls the callback itself.  ``wanted``: a set of nodes (``grad()``'s inputs,
    ``backward(inputs=...)``), or None for every leaf.  It returns reverse_pass's
    ``{id(node): cotangent}`` of the wanted nodes reached (empty when ``wanted`` is None:
    ``backward`` uses no result).  With ``create_graph`` (``silence`` False) the cotangents are
    Tensors, the vjp rules' ops recorded: every node takes the callbacks, nothing is silenced.
    tests/eager/test_backward_buffer_pass.py and test_grad_buffer_pass.py hold it to
    reverse_pass's gradients bit for bit.  The order: ``_order``."""
    order, useful, dropped = _sorted(roots, wanted, retain)
    if _SILENCED is None or not silence:    # (NumPy 1.x: the vjp rules call the kernels)
        return _loop(order, useful, dropped, roots, seeds, retain, vjp, add, on_grad,
                     as_tensor, wanted, accumulate, None)
    # NumPy's floating-point warnings silenced for the whole loop, as each CPU kernel silences
    # them for its call: the vjp rules then call NumPy's ufuncs themselves (``_ufunc_now``),
    # and the cotangents' sums too; hooks and custom Functions run under the caller's state.
    user = [_errstate_now(), False]      # (the caller's state; whether a callback set one)
    token = _quiet(_SILENCED)
    try:
        return _loop(order, useful, dropped, roots, seeds, retain, vjp, add, on_grad,
                     as_tensor, wanted, accumulate, user)
    finally:
        _loud(token)
        if user[1]:
            _quiet(user[0])


def _loop(order, useful, dropped, roots, seeds, retain, vjp, add, on_grad, as_tensor, wanted,
          accumulate, user) -> dict:
    """``_buffer_pass``'s loop over ``order`` (``user``: ``_as_user``'s record of the caller's
    NumPy error state, None when the pass does not silence it)."""
    silenced = user is not None
    result: dict = {}
    fresh: dict = {}                     # node -> the sum of its cotangents this loop made

    grads: dict = {}
    for r, s in zip(roots, seeds):
        if s is None or r not in useful:
            continue
        grads[r] = s if r not in grads else add(grads[r], s)

    pop = grads.pop
    i = len(order)
    for node in reversed(order):
        i -= 1                           # (node is order[i])
        g = pop(node, None)
        if g is None:                    # no cotangent reached it
            continue
        cls = type(node)
        if cls is LeafNode:
            t = node.tensor
            if accumulate and type(g) is _ndarray and not t._hooks:
                old = t._grad
                if old is not None and not old._rg:
                    with _ACCUMULATION_LOCK:         # (threads: _accumulation's lock)
                        done = _add_in_place(old, old._buf, g, silenced)
                    if done:
                        continue         # (_accumulate's common case, without its tests)
                _accumulate(t, g, False, as_tensor)
            elif not accumulate and (type(g) is _ndarray or type(g) is Tensor) and \
                    not t._hooks:
                result[id(node)] = g     # (on_grad's leaf without hooks: g itself)
            else:
                g = _as_user(on_grad, user, node, g) if silenced else on_grad(node, g)
                if wanted is not None:   # (a leaf is useful only when wanted)
                    result[id(node)] = g
            continue
        ps = node.parents
        in_grads = None
        if cls is Node or isinstance(node, Node):
            if (type(g) is not _ndarray and type(g) is not Tensor) or node.hooks or \
                    node.retain is not None:
                # (on_grad returns any other g as it is: a Tensor is create_graph's)
                g = _as_user(on_grad, user, node, g) if silenced else on_grad(node, g)
            if wanted is not None and node in wanted:
                result[id(node)] = g
                if _nothing_wanted_above(ps, useful):
                    continue             # its graph is left intact
            if not ps:
                continue
            if node.inputs is not None and type(g) is _ndarray and not node.hooks:
                if node.prim is _div_p and silenced:
                    mean = _whole_mean(node, g, retain, wanted, grads, order, i)
                    if mean is not None:         # (the sum's node done here, with the div's)
                        ps, in_grads = mean
                if in_grads is None:
                    # vjp's common case, 16-bit floats included (half_vjp: an autocast
                    # step's 12 nodes 266 -> 225 us a backward); buffers changed in place:
                    # vjp itself, which raises PyTorch's error; a node's own hooks: vjp's
                    in_grads = _saved_vjp(node, g, retain, True)
        else:
            g = _as_user(on_grad, user, node, g) if silenced else on_grad(node, g)
            if wanted is not None and node in wanted:
                result[id(node)] = g
                if _nothing_wanted_above(ps, useful):
                    continue
            if not ps:
                continue
        if in_grads is None:
            in_grads = _as_user(vjp, user, node, g) if silenced else vjp(node, g)
        if len(in_grads) != len(ps):
            raise AssertionError(f"dlcore autodiff: vjp returned {len(in_grads)} cotangents for "
                                 f"{len(ps)} inputs")
        j = 0                            # (in_grads[j] with ps' j-th: no zip object)
        for p in ps:
            pg = in_grads[j]
            j += 1
            if pg is None or p is None or (dropped and p not in useful):
                continue
            if type(pg) is not _ndarray:
                if callable(pg):
                    pg = pg()       # a thunk: computed only because this input needs it
                    if pg is None:
                        continue
                if type(pg) is Tensor:    # (create_graph: _check's AVal test on its buffer)
                    b = pg._buf
                    if type(b) is not _ndarray or b.shape != p.shape or b.dtype != p.dtype:
                        _check(p, pg, node, _name_of)
                elif type(pg) is _SliceGrad:    # (getitem's rows not yet written: its shape
                    shape = p.shape             # and dtype checked as an array's below)
                    if type(shape) is not tuple or shape != pg.shape or \
                            (p.dtype is not pg.dtype and p.dtype != pg.dtype):
                        _check(p, pg, node, _name_of)
                elif type(pg) is not _ndarray:
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
                # (add's first case: both checked above; NumPy's add itself where the kernel's
                # entry would run it, the warnings silenced: _ufunc_now's case, and into a sum
                # this loop made for ``p``, which nothing else holds: a weight used at every
                # step of an RNN)
                if silenced and pg.ndim and pg.size < _PARALLEL_THRESHOLD:
                    if fresh.get(p) is prev:
                        np.add(prev, pg, out=prev)  # type: ignore[arg-type]
                    else:
                        grads[p] = fresh[p] = np.add(prev, pg)
                else:
                    grads[p] = _add_kernel(prev, pg)
            else:
                grads[p] = add(prev, pg)
    return result
