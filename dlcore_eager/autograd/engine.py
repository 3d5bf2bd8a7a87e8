"""``backward`` and ``grad``: the eager front end's use of dlcore's one reverse-mode routine.

Both run ``dlcore.autodiff.reverse_pass`` on the tape (in anomaly mode that routine itself,
else ``_buffer_pass``: its loop with the callbacks' common cases inline, the same order, sums
and checks), with:

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

Here: ``backward``, ``grad``, the seeds, the ``create_graph`` pass and the pass on raw buffers
(``_run_raw``) with the one ``on_grad``; ``t.backward()``'s common call goes straight to the
raw pass with its seed as a buffer (``_backward_implicit``: no seed Tensor, no callbacks made
per call), and ``grad()``'s raw results come detached from ``_grad_raw``.  Moved out by
concept: the buffer pass and its helpers (``_buffer_pass.py``: ``_buffer_pass``, ``_saved_vjp``, ``_unwrap``, the tape callbacks
``_parents``/``_name_of``) and the accumulation into ``.grad`` (``_accumulation.py``:
``_accumulate``, ``_add_in_place``); ``engine`` imports them under the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.autodiff import reverse_pass
from dlcore.deferred_interrupt import urgent_deferred_interrupt as _urgent_deferred
from dlcore.ops.elementwise import add_p as _add_p

from .. import _autocast
from .._graph import ERR_BACKWARD_TWICE, LeafNode, Node, NodeHook, leaf_node
from .._sparse import SparseBuf, SparseTensor, add_any
from .._state import STATE
from ..creation import tensor as _tensor
from ..tensor import PostAccumulateGradHook as _PostHook
from ..tensor import Tensor, _make
from ._accumulation import _accumulate
from ._accumulation import begin_pass as _begin_pass
from ._accumulation import end_pass as _end_pass
from ._accumulation import hold as _hold
from ._buffer_pass import _buffer_pass, _name_of, _parents, _saved_vjp, _unwrap
from ._cg_rules import cg_add as _cg_add
from ._cg_rules import cg_vjp as _cg_vjp
from ._cg_rules import refresh as _cg_refresh
from ._passes import FRAMES as _FRAMES
from ._passes import finish as _finish_pass
from ._passes import queue_callback as _queue_callback
from ._slice_grad import SliceGrad as _SliceGrad
from .anomaly_mode import checked_vjp as _checked_vjp

_ndarray = np.ndarray
_HALF = _dt.HALF
_F32, _F64 = _dt.float32, _dt.float64
_add_kernel = _add_p.kernels["cpu"]


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

    vjp = _CG_VJP[bool(retain_graph)]          # (made once: no closures per call)
    _cg_refresh()
    prev, depth = STATE.enabled, _autocast.TLS.depth    # (restored even if interrupted
    frames = _FRAMES.stack                              #  between the two switches)
    frames.append(None)                 # (this pass's frame: _passes, for queue_callback)
    try:
        STATE.enabled = True
        _autocast.suspend()
        checked = _checked_vjp(vjp, _name_of)
        on_grad = _CG_ON_GRAD[bool(accumulate)]
        if checked is vjp:
            # anomaly mode off: reverse_pass's loop with its callbacks inline (_buffer_pass;
            # every cotangent a Tensor here, so each takes the callbacks: the vjp rules' own
            # ops are recorded), NumPy's error state left as it is
            res = _buffer_pass(roots, seeds, retain_graph, vjp, _cg_add, on_grad, _same,
                               None if wanted is None else set(wanted), accumulate,
                               silence=False)
        else:
            res = reverse_pass(roots, seeds, parents=_parents, vjp=checked, add=_ops.add,
                               wanted=wanted, name_of=_name_of, on_grad=on_grad)
        if frames[-1] is not None:
            _finish_pass(frames[-1])    # (end-of-pass callbacks, in the pass's grad mode)
        return res
    finally:
        frames.pop()
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
            seen = False
            for h in list(hooks):
                if type(h) is _PostHook or type(h) is NodeHook:
                    continue
                seen = True
                r = h(gt)
                if r is not None:
                    gt = r
            if seen:
                # a tensor hook saw (and may keep) g and what it returned: a leaf reached by
                # either, here or through add's vjp above, takes a copy (``_hold``)
                _hold(g)
                _hold(gt._buf)
        if leaf:
            if accumulate:
                _accumulate(node.tensor, gt, create_graph, as_tensor)
                for h in list(hooks):
                    if type(h) is _PostHook:
                        h.fn(node.tensor)
        else:
            if node.retain is not None:
                t = node.retain()
                if t is not None:
                    if t._grad is None:
                        t._grad = _retained(gt, create_graph)
                    else:
                        t._grad = t._grad + (gt if create_graph else gt.detach())
            if hooks:                   # the node's pre-hooks, after the tensor's (PyTorch)
                for h in list(hooks):
                    if type(h) is NodeHook and h.pre:
                        r = h.fn((gt,))
                        if r is not None:
                            gt = r[0]
        return unwrap(gt)
    return on_grad


def _retained(gt, create_graph: bool):
    """A non-leaf's first retained gradient, as PyTorch's ``retain_grad`` hook keeps it: a
    C-contiguous clone (not the pass's own buffer, which a hook saw and a whole sum's gradient
    is a stride-0 view of; recorded as CloneBackward0 under create_graph); a sparse gradient's
    plain clone."""
    from .._memory_format import contiguous_format
    from .._shape_ops import clone
    b = gt._buf
    if create_graph:
        return clone(gt, memory_format=None if type(b) is SparseBuf else contiguous_format)
    if type(b) is _ndarray:
        return _make(np.array(b, order="C"))            # (a copy, always)
    if type(b) is SparseBuf:
        return gt.detach().clone()
    return clone(gt.detach(), memory_format=contiguous_format)


def _post_hooks(node, res, g, as_tensor, unwrap):
    """``res`` (a node's vjp results) after the node's post-hooks ``fn(grad_inputs,
    grad_outputs)``, which may replace grad_inputs (None where an input needs no gradient,
    thunks computed first); ``res`` itself when the node has none."""
    posts = [h for h in node.hooks if type(h) is NodeHook and not h.pre]
    if not posts:
        return res
    gi = []
    for p, r in zip(node.parents, res):
        if r is not None and type(r) is not _ndarray and not isinstance(r, Tensor) and \
                callable(r):
            r = r()
        if type(r) is _SliceGrad:
            r = r.dense()
        gi.append(None if p is None or r is None else as_tensor(r))
    go = (as_tensor(g),)
    for h in posts:
        keep = h.keep                   # (PyTorch's edges: _graph._edge_index)
        r = h.fn(tuple(gi) if keep is None else tuple(gi[i] for i in keep), go)
        if r is not None:
            r = tuple(r)
            if keep is None:
                gi = list(r)
            else:
                for i, x in zip(keep, r):
                    gi[i] = x
    return tuple(None if x is None else unwrap(x) for x in gi)


def _cg_vjp_of(retain: bool):
    """The create_graph pass's ``vjp`` callback: a primitive's node through ``_cg_rules``
    where a lean rule takes it, else the node's own vjp; then the node's post-hooks."""
    def vjp(node, g):
        res = _cg_vjp(node, g, retain) if isinstance(node, Node) else None
        if res is None:
            res = node.vjp(g, retain)
        return _post_hooks(node, res, g, _same, _same) if node.hooks else res
    return vjp


_CG_VJP = {r: _cg_vjp_of(r) for r in (False, True)}
_CG_ON_GRAD = {a: _on_grad(a, True, _same, _same) for a in (False, True)}


# ----------------------------------------------------------------------------- raw buffers
# Without ``create_graph`` the pass runs the vjp rules on the buffers themselves, and makes a
# Tensor only where a user can see the gradient (_buffer_pass.py's docstring; that module holds
# the buffer pass and the helpers _run_raw shares with it).

def _as_tensor_plain(g):
    """``_run_raw``'s ``as_tensor`` without seed Tensors (backward()'s implicit seed): a Tensor
    around the buffer ``g``."""
    if type(g) is SparseBuf:
        return _make(g, cls=SparseTensor)
    return Tensor._wrap(g)


def _raw_callbacks(as_tensor, retain):
    """The raw pass's ``vjp`` and ``add`` for ``as_tensor`` (called only off the buffer pass's
    inline common cases)."""
    def vjp(node, g):
        if (type(node) is Node or isinstance(node, Node)) and type(g) is _ndarray:
            if node.inputs is None:
                raise RuntimeError(ERR_BACKWARD_TWICE)
            res = _saved_vjp(node, g, retain, True)
            if res is not None:
                return _post_hooks(node, res, g, as_tensor, _unwrap) if node.hooks else res
        res = node.vjp(g if isinstance(g, Tensor) else as_tensor(g), retain)
        res = tuple(_unwrap(r) for r in res)
        return _post_hooks(node, res, g, as_tensor, _unwrap) if node.hooks else res

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
    return vjp, add


# backward()'s implicit seeds need no seed Tensor: their callbacks are made once, by retain and
# accumulate (no closures built per call)
_PLAIN_CALLBACKS = {r: _raw_callbacks(_as_tensor_plain, r) for r in (False, True)}
_PLAIN_ON_GRAD = {a: _on_grad(a, False, _as_tensor_plain, _unwrap) for a in (False, True)}


def _run_raw(roots, seeds, wanted, retain, accumulate, raw_seeds=None):
    """The pass on buffers; ``raw_seeds``: the seeds' buffers themselves, given instead of
    ``seeds`` (``_backward_implicit``'s ones, no Tensor made).  A backward's seeds given by
    the caller are held (``_accumulation.begin_pass``): a leaf reached by one gets a copy."""
    held = ()
    if raw_seeds is None:
        # The seeds' own Tensors, so that a leaf seeded directly gets the very tensor it was
        # given.
        seed_of = {}
        raw_seeds = []
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
            return _as_tensor_plain(g)

        vjp, add = _raw_callbacks(as_tensor, retain)
        on_grad = _on_grad(accumulate, False, as_tensor, _unwrap)
        held = raw_seeds
    else:
        as_tensor = _as_tensor_plain
        vjp, add = _PLAIN_CALLBACKS[bool(retain)]
        on_grad = _PLAIN_ON_GRAD[bool(accumulate)]

    prev, depth = STATE.enabled, _autocast.TLS.depth
    taken = _begin_pass(held) if accumulate else None
    frames = _FRAMES.stack
    frames.append(None)                 # (this pass's frame: _passes, for queue_callback)
    try:            # both switches inside: a KeyboardInterrupt at suspend()'s call left grad
        STATE.enabled = False            # mode off for the rest of the program
        _autocast.suspend()              # backward ops keep their forward ops' dtypes
        checked = _checked_vjp(vjp, _name_of)
        if checked is vjp:
            # anomaly mode off: reverse_pass's loop with its callbacks' common cases inline
            # (_buffer_pass), for backward() (of every leaf or of ``inputs``) and grad()
            res = _buffer_pass(roots, raw_seeds, retain, vjp, add, on_grad, as_tensor,
                               None if wanted is None else set(wanted), accumulate)
        else:
            res = reverse_pass(roots, raw_seeds, parents=_parents, vjp=checked, add=add,
                               wanted=wanted, name_of=_name_of, on_grad=on_grad)
        if frames[-1] is not None:
            _finish_pass(frames[-1])    # (end-of-pass callbacks, after every .grad written)
    finally:
        frames.pop()
        STATE.enabled = prev
        _autocast.resume(depth)
        if accumulate:
            _end_pass(taken)
    if accumulate:                       # backward(): the results are not used
        return res
    return {k: as_tensor(g) for k, g in res.items()}


def _grad_raw(roots, seeds, wanted, retain_graph, grad_outputs) -> dict:
    """``grad()``'s results without ``create_graph``, detached: a buffer the pass made gets
    one new Tensor (what ``.detach()`` of its wrapper would give), any other result
    ``.detach()``; an input's gradient that is a ``grad_outputs`` Tensor as it was given (an
    output differentiated with respect to itself: PyTorch returns that very tensor, even one
    that requires grad)."""
    given = {}
    for i, s in enumerate(seeds):
        if s is not None:
            o = grad_outputs[i] if grad_outputs is not None else None
            given[id(s)] = o if isinstance(o, Tensor) and o._buf is s._buf else s.detach()
    return _detached(_run_raw(roots, seeds, wanted, retain_graph, False), given)


def _detached(res: dict, given: dict) -> dict:
    """``res`` with each Tensor ``.detach()``ed, but for a NumPy Tensor the pass itself made
    (not one of the seeds' in ``given``: what to return for each), which nothing else holds:
    it is its own detached copy."""
    for k, t in res.items():
        if id(t) in given:
            res[k] = given[id(t)]
        elif type(t) is not Tensor or t._rg or t._node is not None or \
                type(t._buf) is not _ndarray:
            res[k] = t.detach()
    return res


def _implicit_seed(t: Tensor):
    """The buffer of ``_seed``'s implicit seed of ``t`` (a copy of a cached one-element array
    of ones) where ``t`` requires grad and is a one-element real NumPy tensor, else None (the
    caller then takes the general path, which raises the errors)."""
    b = t._buf
    if not t._rg or type(b) is not _ndarray or b.size != 1 or b.dtype.kind == "c":
        return None
    one = _ONES.get((b.shape, b.dtype))
    if one is None:
        one = _ONES[(b.shape, b.dtype)] = np.ones(b.shape, b.dtype)
        one.flags.writeable = False
    return one.copy()


def _backward_implicit(t: Tensor, retain_graph, inputs=None) -> None:
    """``backward([t], None, retain_graph, inputs=inputs)`` (``t.backward()``'s common call: no
    gradient, no ``create_graph``), its one-element NumPy seed passed as a buffer."""
    _autocast.drop_cache()
    seed = _implicit_seed(t)
    if seed is None:
        backward([t], None, retain_graph, inputs=inputs)   # (its errors, or another seed)
        return
    wanted = None
    if inputs is not None:
        inputs = _backward_inputs(inputs)
        wanted = [_node_of(i) for i in inputs]
    # A Ctrl-C during the pass is held back until it ends (a second one gets through), so
    # that every leaf's .grad has this backward's gradient or none has, as after PyTorch's one
    # C++ call (a torn .grad moved the next step's parameters by 1 or 2 grads).  Its cost,
    # measured (process_time, taskset -c 1, median of 5): the with-block 0.85 us; a 4x8
    # mean().backward() 9.9 -> 10.8 us, a 1x32 (v * 2).tanh().sum().backward() 28.3 -> 30.1 us
    with _urgent_deferred():
        _run_raw([t._node if t._node is not None else leaf_node(t)], None, wanted,
                 False if retain_graph is None else retain_graph, True, [seed])


ERR_NO_INPUTS = "`inputs` argument to `{}()` cannot be empty."


def _backward_inputs(inputs) -> list:
    """backward()'s ``inputs`` as a list, checked as PyTorch does once the seeds are made: not
    empty, and each kept by ``retain_grad`` (which raises PyTorch's error for a tensor that
    does not require grad; a leaf's is a no-op)."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError(ERR_NO_INPUTS.format("backward"))
    for t in inputs:
        t.retain_grad()
    return inputs


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
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError(ERR_NO_INPUTS.format("backward"))
    roots, seeds = _roots(list(tensors), grad_tensors, create_graph)
    wanted = None
    if inputs is not None:
        inputs = _backward_inputs(inputs)
        wanted = [_node_of(t) for t in inputs]
    with _urgent_deferred():            # (every .grad written, or none: see _backward_implicit)
        _run(roots, seeds, wanted, retain_graph, create_graph, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    _autocast.drop_cache()
    single = isinstance(outputs, Tensor)
    outputs = [outputs] if single else list(outputs)
    inputs_t = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs_t:
        raise RuntimeError(ERR_NO_INPUTS.format("grad"))
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs_t:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    wanted = [_node_of(t) for t in inputs_t]
    if grad_outputs is None and not create_graph and len(outputs) == 1:
        seed = _implicit_seed(outputs[0])
        if seed is not None:                # (the common call: its seed a buffer)
            res = _detached(_run_raw([_node_of(outputs[0])], None, wanted, retain_graph, False,
                                     [seed]), {})
            return _grad_results(res, inputs_t, wanted, allow_unused, materialize_grads)
    roots, seeds = _roots(outputs, grad_outputs, create_graph)
    if create_graph:
        res = _run(roots, seeds, wanted, retain_graph, True, accumulate=False)
    else:                               # (already detached)
        res = _grad_raw(roots, seeds, wanted, retain_graph, grad_outputs)
    return _grad_results(res, inputs_t, wanted, allow_unused, materialize_grads)


def _grad_results(res, inputs_t, wanted, allow_unused, materialize_grads) -> tuple:
    """``grad()``'s tuple from the pass's ``{id(node): Tensor}`` (detached already)."""
    out = []
    for i, (t, n) in enumerate(zip(inputs_t, wanted)):
        g = res.get(id(n))
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = _ops.zeros_like(t.detach())
        out.append(g)
    return tuple(out)


def roots_require_grad(tensors: Sequence[Tensor]) -> bool:
    return any(t._rg for t in tensors)


def _tensor_backward(self: Tensor, gradient=None, retain_graph=None, create_graph=False,
                     inputs=None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
    if gradient is None and not create_graph:
        _backward_implicit(self, retain_graph, inputs)
        return
    if isinstance(gradient, Tensor) and gradient._buf.dtype != self._buf.dtype:
        gradient = gradient.to(self.dtype)          # PyTorch casts a gradient's dtype
    backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
             inputs=inputs)


_tensor_backward.__name__ = _tensor_backward.__qualname__ = "backward"
Tensor.backward = _tensor_backward      # the engine is above tensor.py, which does not import it


class ExecutionEngine:
    """``torch.autograd.Variable._execution_engine`` (PyTorch's ``_EngineBase``):
    ``queue_callback``, ``run_backward`` and ``is_checkpoint_valid``."""

    def queue_callback(self, callback: Callable[[], object]) -> None:
        _queue_callback(callback)

    def run_backward(self, tensors, grad_tensors, keep_graph, create_graph, inputs=(),
                     allow_unreachable=True, accumulate_grad=True):
        """PyTorch's entry of ``backward`` (``accumulate_grad``) and ``grad`` (returns the
        gradients of ``inputs``)."""
        grads = None if grad_tensors is None or all(g is None for g in grad_tensors) \
            else list(grad_tensors)
        if accumulate_grad:
            backward(list(tensors), grads, keep_graph, create_graph,
                     inputs=list(inputs) or None)
            return None
        return grad(list(tensors), list(inputs), grads, keep_graph, create_graph,
                    allow_unused=allow_unreachable)

    def is_checkpoint_valid(self) -> bool:
        return True


#: ``torch.autograd.Variable._execution_engine``
ENGINE = ExecutionEngine()
