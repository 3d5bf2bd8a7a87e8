"""``tf.gradients``: symbolic reverse mode that adds gradient nodes to the graph.

There is no gradient rule in this front end.  ``gradients`` runs the core's one reverse-mode
routine, ``dlcore.autodiff.reverse_pass``, in ``_graph_pass``: that routine's loop specialised
to graph tensors (as the eager front end's ``_buffer_pass`` specialises it to its tape; a graph
built per batch differentiates ~120 values a step, and the general callbacks were a third of
``tf.gradients``).  ``backprop_general`` runs ``reverse_pass`` itself and is the reference:
tests/static/test_graph_pass.py holds the two equal op for op (names, types, inputs, params,
values, errors).  The adapters, as ``reverse_pass`` takes them:

* ``parents(t)``: the inputs of the op that produced ``t`` (none for placeholders, constants,
  variable reads, non-differentiable primitives and integer tensors, which TensorFlow treats as
  constants);
* ``vjp(t, g)``: the primitive's own vjp rule, ``prim.vjp(g, t, *inputs, **params)``.  Because
  the rule is written with dlcore ops and ``g`` is a graph tensor, every op it uses goes through
  ``bind`` and becomes a new node: the gradient is itself a graph, so gradients of gradients are
  just ``gradients`` again.

Control-flow nodes (Cond, While) have sub-graphs instead of a primitive; their adapters in
``control_flow.py`` build the gradient sub-graphs with the same pass and the same vjp rules
(``GRAD_RULES``).  The result for each ``x`` is the sum over all ``ys`` and all paths.

Outside cond branches and loop bodies, a few cotangents stay unbuilt until they are summed or
used, as TensorFlow's IndexedSlices does for gathers: a slice of rows' (``RowSlices``, below),
and a matrix product's factors (``_grad_products``: a weight in several products gets one
MatMul of the stacked factors, a column concat that meets a matmul gets each piece's own
product).  A plain network's gradient graph is the one the vjp rules make, node for node.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from dlcore import ops as _ops
from dlcore.autodiff import _check, _Terms, reverse_pass
from dlcore.dtypes import is_floating
from dlcore.ops.accumulate import add_n as _add_n
from dlcore.ops.complex_ops import REAL_RULES as _REAL_RULES
from dlcore.ops.elementwise import _add_vjp, _tanh_vjp, tanh_grad_p
from dlcore.ops.elementwise import add_p as _ADD
from dlcore.ops.elementwise import tanh_p as _TANH
from dlcore.ops.gather import scatter_add as _scatter_add
from dlcore.ops.indexing import getitem_p, slice_scatter
from dlcore.ops.linalg import matmul_grads, matmul_p
from dlcore.ops.shape import concatenate_p
from dlcore.registry import AVAL_ATTR_TYPES, AVal, aval_of

from . import _gc_pause
from . import custom_gradient as _cg
from ._grad_products import LeftProduct, Products, complete, concat_rows, stack_rows
from ._grad_products import merge as _merge_products
from .custom_gradient import ATTR as _ATTR
from .custom_gradient import has_override, mark_overrides, override_parents, override_vjp
from .frontend import StaticFrontend, constant, share_transposes, to_tensor
from .graph import (
    Tensor,
    _user_location,
    fixed_location,
    get_default_graph,
    in_package,
    restore_location,
)

# a graph tensor's __dlcore_aval__() is its ``aval``: read directly by aval_of and bind_like
# (each gradient node's vjp rule asks for several)
AVAL_ATTR_TYPES.add(Tensor)

# op type -> rule(op, output_tensor, g) -> one cotangent (or None, or a thunk) per op input.
def _while_grad_grad(op, t, g):
    # TF1 (control_flow_ops): a gradient through a while loop's gradient is refused, as here,
    # rather than taken as unconnected (tf.hessians through tf.scan/while_loop/dynamic_rnn)
    raise TypeError("Second-order gradient for while loops not supported.")


GRAD_RULES: dict[str, Callable] = {
    "PlaceholderWithDefault": lambda op, t, g: (g,),
    "WhileGrad": _while_grad_grad,
}


def op_parents(t: Tensor):
    op = t.op
    if has_override(op):                    # RegisterGradient / custom_gradient
        return override_parents(op)
    prim = op.prim
    if prim is not None:
        return op.inputs if prim.differentiable else ()
    if op.type in GRAD_RULES:
        return op.inputs
    return ()


# op_vjp's direct cases make their nodes as ``bind`` makes them (``StaticFrontend.apply``)
_frontend_apply = StaticFrontend.apply


def op_vjp(t: Tensor, g):
    op = t.op
    tg = type(g)
    if tg is not Tensor:
        if tg is RowSlices:
            g = g.dense()
        elif tg is LeftProduct:
            if op.prim is concatenate_p and op.params["axis"] in (1, -1) and \
                    _ATTR not in op.attrs and op.type not in _cg._NOT_DIFFERENTIABLE:
                # a column concat (a piece may itself be one): each piece's own product
                # (_grad_products); a concat along rows inside it takes the dense product
                pieces = g.split(op.inputs)
                if pieces is not None:
                    return pieces
            elif op.prim is getitem_p and _ATTR not in op.attrs and \
                    op.type not in _cg._NOT_DIFFERENTIABLE and not op.graph._ctx_stack:
                rows = _row_range(op)           # a piece that is a slice of rows: its
                if rows is not None:            # product stays unbuilt in the RowSlices
                    return (RowSlices([g], rows, op.inputs[0], op.params["idx"]),)
            g = g.dense()
    prim = op.prim
    if (prim is _TANH or prim is _ADD) and type(g) is Tensor and not op.params and \
            _ATTR not in op.attrs and op.type not in _cg._NOT_DIFFERENTIABLE:
        # the two rules' graph cases (elementwise._tanh_vjp, _add_vjp: a tree net's 20 tanh
        # and bias adds per batch, issue 19), without the checks below, the rule's call and,
        # for tanh, tanh_grad's and bind's: the nodes the rules make
        if prim is _TANH:
            # (the rule tanh's registered vjp calls for a real output: complex_ops.REAL_RULES)
            if _REAL_RULES.get(prim.vjp) is _tanh_vjp and t.aval.dtype.kind != "c":
                return (_frontend_apply(tanh_grad_p, (g, t), {}),)     # TanhGrad(g, t)
        elif prim.vjp is _add_vjp:
            a, b = op.inputs
            gs = g.aval.shape
            if type(a) is Tensor and type(b) is Tensor and gs and None not in gs and \
                    a.aval.shape == gs and b.aval.shape == gs:
                return g, g
    if _ATTR in op.attrs or op.type in _cg._NOT_DIFFERENTIABLE:     # has_override(op)
        return _unfixed(override_vjp, t, g)
    if prim is not None:
        if prim is getitem_p and not op.graph._ctx_stack:
            rows = _row_range(op)
            if rows is not None:            # x[a:b]: its gradient stays rows until summed
                return (RowSlices([g], rows, op.inputs[0], op.params["idx"]),)
        if prim is matmul_p and not op.params and not op.graph._ctx_stack:
            a, b = op.inputs
            sa, sb = a.aval, b.aval
            if len(sa.shape) == 2 and len(sb.shape) == 2 and sa.dtype.kind != "c" and \
                    sb.dtype.kind != "c":
                # TensorFlow's _MatMulGrad: g @ b^T and a^T @ g as MatMuls with transpose
                # flags, no Transpose nodes (issue 19: 23 of a tree batch's 141 gradient
                # nodes).  Outside cond branches and loop bodies, whose compiled forms look
                # for the transposes (compiler.accumulators).  b's cotangent stays its factors
                # (_grad_products: a weight in several products gets one MatMul of them all)
                # The unbuilt products are made here, not in thunks: they make no node, and
                # the pass drops a cotangent whose input is not useful before it looks at it
                d = sb.dtype
                if sa.dtype is d and type(g) is Tensor and g.aval.dtype is d:
                    if a.op.prim is concatenate_p and a.op.params["axis"] == 1 and \
                            not op.graph._device_stack:
                        # a's cotangent stays g @ b^T for the concat to split
                        # (_grad_products.LeftProduct)
                        return LeftProduct(g, b, sa), Products([a], [g], sb)
                    return matmul_grads(g, a, b)[0], Products([a], [g], sb)
                return matmul_grads(g, a, b)
        vjp = prim.vjp
        if vjp in _PKG_RULES or _in_package(vjp):
            real = _REAL_RULES.get(vjp)     # (a holomorphic primitive's complex wrapper:
            if real is not None and t.aval.dtype.kind != "c":   # the rule it calls for a
                return real(g, t, *op.inputs, **op.params)      # real output, called here)
            return vjp(g, t, *op.inputs, **op.params)
        return _unfixed_all(_unfixed(vjp, g, t, *op.inputs, **op.params))
    rule = GRAD_RULES[op.type]
    if rule in _PKG_RULES or _in_package(rule):
        return rule(op, t, g)
    return _unfixed_all(_unfixed(rule, op, t, g))


# The vjp and gradient rules defined in dlcore and dlcore_static: they build their nodes
# under the location ``gradients`` fixed (graph.fixed_location); any other rule (a primitive
# or a gradient rule defined in the user's code) and custom gradients run with it unfixed, so
# their nodes are located in the user's code as before.
_PKG_RULES: set = set()


def _in_package(fn) -> bool:
    if in_package(fn):
        if len(_PKG_RULES) < 4096:
            _PKG_RULES.add(fn)
        return True
    return False


def _unfixed(fn, *args, **kwargs):
    old = fixed_location(None)
    shared = share_transposes(None)
    try:
        return fn(*args, **kwargs)
    finally:
        restore_location(old)
        share_transposes(shared)


def _unfixed_all(res):
    """A user rule's result, its deferred cotangents (zero-argument callables) unfixed too."""
    if not isinstance(res, (tuple, list)):
        return res
    return tuple(functools.partial(_unfixed, r) if callable(r) and not isinstance(r, Tensor)
                 else r for r in res)


# dtype -> can a gradient flow through a tensor of it (``_is_float``): backprop's test, by dtype
_FLOWS: dict = {}


def _is_float(t) -> bool:
    """Can a gradient flow through ``t``: floating, or complex (a complex intermediate between
    real tensors, e.g. an FFT's output, carries one in PyTorch's convention)."""
    return is_floating(t.aval.dtype) or t.aval.dtype.kind == "c"


def backprop(ys, seeds, wanted, stop: Callable | None = None) -> dict:
    """reverse_pass over graph tensors (``_graph_pass``: its loop specialised to them); integer
    tensors are constants.  ``{id(x): cotangent}`` for the ``wanted`` tensors reached."""
    res = _graph_pass(ys, seeds, wanted, stop)
    for k, g in res.items():
        if type(g) is RowSlices:
            res[k] = g.dense()
    return res


def _parents_of(stop: Callable | None) -> Callable:
    """``parents(t)`` for ``reverse_pass``: the inputs of ``t``'s op that a gradient flows to
    (none for integer tensors, stopped ones, non-differentiable primitives)."""
    def parents(t):                 # (reverse_pass's ``stop``, without its extra call)
        d = t.aval.dtype
        flows = _FLOWS.get(d)       # _is_float(t), by dtype
        if flows is None:
            flows = _FLOWS[d] = is_floating(d) or d.kind == "c"
        if not flows or (stop is not None and stop(t)):
            return ()
        op = t.op                   # op_parents(t), its common case inline (issue 19)
        prim = op.prim
        if prim is not None and _ATTR not in op.attrs and op.type not in _cg._NOT_DIFFERENTIABLE:
            return op.inputs if prim.differentiable else ()
        return op_parents(t)
    return parents


def backprop_general(ys, seeds, wanted, stop: Callable | None = None) -> dict:
    """``backprop`` through the core's general ``reverse_pass`` and callbacks: the reference
    ``_graph_pass`` must agree with node for node (tests/static/test_graph_pass.py)."""
    res = reverse_pass(ys, seeds, parents=_parents_of(stop), vjp=op_vjp, add=_ops.add,
                       wanted=wanted, name_of=_name_of, add_n=add_n, on_grad=_wanted_complete(wanted))
    for k, g in res.items():
        if type(g) is RowSlices:
            res[k] = g.dense()
    return res


def _wanted_complete(wanted) -> Callable:
    """reverse_pass's ``on_grad``: ``_grad_products.complete`` (``_graph_pass``, inline)."""
    ids = {id(w) for w in wanted}
    return lambda v, g: complete(g, id(v) in ids)


def _name_of(t) -> str:
    return f"node '{t.op.name}'"


def _graph_pass(roots, seeds, wanted, stop: Callable | None) -> dict:
    """``reverse_pass(roots, seeds, parents=_parents_of(stop), vjp=op_vjp, add=_ops.add,
    wanted=wanted, name_of=_name_of, add_n=add_n, on_grad=_wanted_complete(wanted))`` (``{id(x): cotangent}``), its loop
    specialised to graph tensors, as the eager front end's ``_buffer_pass`` is to its tape:
    a tensor is its own key (identity hash: no ``id`` call per edge, no parallel lists of
    keys), ``parents`` is inline in the depth-first sort, and a cotangent's check compares
    the two AVals first.  Same order, nodes, sums and checks (a graph built per batch
    differentiates ~120 values a step, issue 19: the callbacks and key lists were a third of
    ``tf.gradients``)."""
    flows_of = _FLOWS
    not_diff = _cg._NOT_DIFFERENTIABLE
    lazy = _COTANGENT_TYPES
    # -- the sort: each value after its parents (``autodiff._sort``'s walk and order)
    order: list = []
    pars: list = []
    want = set(wanted)
    # values from which a wanted one is reachable, found as the sort emits each value after
    # its parents (``reverse_pass``'s ``useful``; None is never in it)
    useful: set = set()
    isdisjoint, make_useful = useful.isdisjoint, useful.add
    seen: set = {None}              # (a None parent, e.g. a custom gradient's, is never walked)
    see = seen.add
    stack: list = []
    push, pop = stack.append, stack.pop
    for node in roots:
        if node in seen:
            continue
        see(node)
        while node is not None:     # ``node`` entered: its parents (``_parents_of``, inline)
            d = node.aval.dtype
            flows = flows_of.get(d)
            if flows is None:
                flows = flows_of[d] = is_floating(d) or d.kind == "c"
            if not flows or (stop is not None and stop(node)):
                ps: tuple = ()
            else:
                op = node.op
                prim = op.prim
                if prim is not None and _ATTR not in op.attrs and op.type not in not_diff:
                    ps = op.inputs if prim.differentiable else ()
                else:
                    ps = op_parents(node)
            it = iter(ps)
            while True:
                for p in it:
                    if p not in seen:
                        see(p)
                        push((node, ps, it))
                        node = p
                        break
                else:
                    order.append(node)
                    pars.append(ps)
                    if node in want or not isdisjoint(ps):
                        make_useful(node)
                    if stack:
                        node, ps, it = pop()
                        continue
                    node = None
                break
    grads: dict = {}
    for r, s in zip(roots, seeds):
        if s is None or r not in useful:
            continue
        grads[r] = s if r not in grads else _ops.add(grads[r], s)
    # -- the reverse pass
    result: dict = {}
    take, get = grads.pop, grads.get
    for v, ps in zip(reversed(order), reversed(pars)):
        g = take(v, None)
        if g is None:                    # not useful, or no cotangent reached it
            continue
        tg = type(g)
        if tg is not Tensor:
            if tg is _Terms:
                g = add_n(g)
                tg = type(g)
            if tg is Products or (tg is LeftProduct and v in want):
                g = g.dense()           # (_grad_products.complete, inline)
        if v in want:
            result[id(v)] = g
            if isdisjoint(ps):
                continue                 # nothing wanted above it: its graph is left intact
        if not ps:
            continue
        in_grads = op_vjp(v, g)
        if len(in_grads) != len(ps):
            raise AssertionError(f"dlcore autodiff: vjp returned {len(in_grads)} cotangents for "
                                 f"{len(ps)} inputs")
        for p, pg in zip(ps, in_grads):
            if pg is None or p not in useful:
                continue
            tp: type | None = type(pg)
            if tp not in lazy:          # (Tensor or one of the unbuilt cotangents)
                if tp is _FUNCTION or (tp is not np.ndarray and callable(pg)):
                    pg = pg()           # a thunk: computed only because this input needs it
                    if pg is None:
                        continue
                    tp = type(pg)
                if tp not in lazy:
                    _check_other(p, pg, v)
                    tp = None           # (checked)
            if tp is not None:
                own = p.aval                # reverse_pass's check, its common case first
                if own is not pg.aval and own != pg.aval:
                    _check(p, pg, v, _name_of)
            terms = get(p)
            if terms is None:
                grads[p] = pg
            elif type(terms) is _Terms:
                terms.append(pg)
            else:
                grads[p] = _Terms((terms, pg))
    return result


def _check_other(p, pg, v) -> None:
    """``reverse_pass``'s check of a cotangent that is neither a graph tensor nor rows."""
    if type(pg) is np.ndarray:
        shape = getattr(p, "shape", None)
        if type(shape) is not tuple or shape != pg.shape or \
                (p.dtype is not pg.dtype and p.dtype != pg.dtype):
            _check(p, pg, v, _name_of)
    else:
        own = getattr(p, "aval", None)
        if own is None or own != getattr(pg, "aval", None):
            _check(p, pg, v, _name_of)


# ============================================================================ sums of cotangents
# A value read by several slices (an embedding's rows ``E[w:w+1]`` in a graph built per batch,
# issue 19) gets one cotangent per slice, each a dense ``SliceScatter`` of the whole value:
# summed, n slices made n scatters and n - 1 adds of full-size arrays.  As TensorFlow's
# IndexedSlices, the gradient of a slice of rows stays its rows (``RowSlices``) until it is
# summed or used: the rows of several slices become one ``scatter_add`` of their concatenated
# values, in the order they arrived (each element sums its terms as the chain of adds did, so
# the result is the same), and a single slice is its ``SliceScatter``, as before.  Outside
# cond branches and loop bodies only: their compiled forms keep the scatters they know.
class RowSlices:
    """The cotangent of ``ref``: ``values[i]`` (a tensor, or a piece's product not yet built,
    ``_grad_products.LeftProduct``) added at rows ``rows[i]`` (a ``range`` of ``ref``'s first
    axis); ``idx`` is the one slice's index (for ``dense``)."""

    __slots__ = ("_dense", "aval", "idx", "ref", "rows", "values")

    def __init__(self, values: list, rows: list | range, ref: Tensor, idx):
        self.values, self.rows, self.ref, self.idx = values, rows, ref, idx
        self._dense: Tensor | None = None
        # its AVal as an attribute, as a graph tensor's: reverse_pass's check of a cotangent
        # against its value compares the two without a call (ref's own when the dtypes agree)
        v = values[0]               # (a graph tensor or a LeftProduct: its aval attribute)
        ra, d = ref.aval, (v.aval if type(v) in _COTANGENT_TYPES else aval_of(v)).dtype
        self.aval = ra if ra.dtype is d else AVal(ra.shape, d)

    def __dlcore_aval__(self) -> AVal:
        return self.aval

    def dense(self) -> Tensor:
        """The cotangent as graph nodes, made once: a wanted value with a wanted ancestor
        is both a result and its op's vjp's input (one set of nodes serves both)."""
        made = self._dense
        if made is None:
            made = self._dense = self._make_dense()
        return made

    def _make_dense(self) -> Tensor:
        values, rows = self.values, self.rows
        if len(values) == 1:
            v = values[0]
            return slice_scatter(v if type(v) is Tensor else v.dense(), self.ref, self.idx)
        for v in values:
            if type(v) is not Tensor:   # products of pieces (_grad_products.LeftProduct):
                stacked = stack_rows(values, list(rows))    # one MatMul per right factor
                if stacked is None:
                    values = [v if type(v) is Tensor else v.dense() for v in values]
                else:
                    values, rows = stacked
                break
        at = np.fromiter(rows, np.int64, len(rows))
        index = constant(at.astype(np.int32), name="indices", graph=self.ref.graph)
        return _scatter_add(concat_rows(values), index, self.ref)


def _row_range(op) -> range | None:
    """The rows ``x[a:b]`` reads (a slice of the first axis with step 1, the others whole),
    or None for any other index."""
    idx = op.params["idx"]
    first = idx[0] if idx else None
    if type(first) is not tuple or first[3] not in (None, 1):
        return None
    for e in idx[1:]:
        if e != _WHOLE:
            return None
    shape = op.inputs[0].aval.shape
    if not shape or shape[0] is None:
        return None
    return range(*slice(first[1], first[2]).indices(shape[0]))


_WHOLE = ("slice", None, None, None)
_FUNCTION = type(_row_range)        # (a vjp rule's thunk is most often a lambda)
# a cotangent checked against its value by the AVals alone: graph tensors, and the
# cotangents kept unbuilt (RowSlices, _grad_products' Products and LeftProduct)
_COTANGENT_TYPES = frozenset({Tensor, RowSlices, Products, LeftProduct})


def add_n(terms: list):
    """The sum of one value's cotangents, in their order: rows of slices stay rows (one
    ``RowSlices``) when every term is; else one ``AddN`` node (``dlcore.ops.accumulate``) of
    three or more terms of one shape and floating dtype outside cond branches and loop bodies
    (whose compiled forms look for the chains of adds); else adds, as before."""
    first = terms[0]
    if all(type(t) is RowSlices and t.ref is first.ref for t in terms):
        values: list = []
        rows: list = []
        for t in terms:
            values += t.values
            rows += t.rows
        return RowSlices(values, rows, first.ref, None)
    if type(first) is Products:
        merged = _merge_products(terms)
        if merged is not None:          # one value's terms: its products, all of them
            return merged
    dense = [t if type(t) is Tensor else t.dense() for t in terms]
    aval = dense[0].aval
    if len(dense) > 2 and aval.dtype in _ADD_N_DTYPES and not dense[0].graph._ctx_stack and \
            all(type(t) is Tensor and t.aval == aval for t in dense):
        return _add_n(dense)
    total = dense[0]
    for t in dense[1:]:
        total = _ops.add(total, t)
    return total


_ADD_N_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


@_gc_pause.pausing
def gradients(ys, xs, grad_ys=None, name: str = "gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none") -> list:
    """d(sum of ys)/d(x) for each x, as graph tensors; None (or zeros) where unconnected."""
    if unconnected_gradients not in ("none", "zero") and \
            getattr(unconnected_gradients, "value", None) not in ("none", "zero"):
        raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
    mode = getattr(unconnected_gradients, "value", unconnected_gradients)
    if aggregation_method not in (None, 0, 1, 2):     # TF1's AggregationMethod values
        raise ValueError(f"Invalid aggregation_method specified {aggregation_method}.")
    ys_l = [to_tensor(y) for y in _as_list(ys)]
    xs_l = _as_list(xs)
    g = get_default_graph() if not ys_l else ys_l[0].graph
    mark_overrides(g)
    targets: list[list[Tensor]] = []
    for x in xs_l:
        reads = getattr(x, "_reads", None)
        if reads is not None:                       # a Variable: every read of it
            targets.append(list(reads))
        elif isinstance(x, Tensor):
            targets.append([x])
        else:
            raise TypeError(f"tf.gradients: xs must be Tensors or Variables, not {x!r}")
    stops = {id(to_tensor(s)) for s in _as_list(stop_gradients)} if stop_gradients else set()
    # every node below is built by dlcore's code on behalf of this call: located once
    old = fixed_location(_user_location(1))
    shared = share_transposes({})           # (frontend.share_transposes)
    try:
        return _gradients(g, ys_l, xs_l, targets, grad_ys, name, mode, stops)
    finally:
        restore_location(old)
        share_transposes(shared)


def _gradients(g, ys_l, xs_l, targets, grad_ys, name, mode, stops) -> list:
    with g.name_scope(name):
        if grad_ys is None:
            seeds = [_ops.ones_like(y) if _is_float(y) else None for y in ys_l]
        else:
            gys = _as_list(grad_ys)
            if len(gys) != len(ys_l):
                raise ValueError(f"Passed {len(gys)} grad_ys for {len(ys_l)} ys")
            # a None entry is ones_like(y), as TF1's _DefaultGradYs (it gave y no gradient)
            seeds = [(_ops.ones_like(y) if _is_float(y) else None) if gy is None else
                     to_tensor(gy, g, y.aval.dtype) for gy, y in zip(gys, ys_l)]
            for s, y in zip(seeds, ys_l):
                if s is not None and s.aval.dtype != y.aval.dtype:
                    yk, sk = y.aval.dtype.kind, s.aval.dtype.kind
                    if yk in "fiu" and sk not in "fiu":
                        raise TypeError(f"Gradient type {s.dtype.name} generated for real or "
                                        f"integer-valued tensor {y} with type {y.dtype.name} "
                                        f"must be real or integer")
                    raise TypeError(f"grad_ys has type {s.dtype.name} that does not match type "
                                    f"{y.dtype.name} of the tensor {y.name} it is the gradient of")
                if s is not None and not s.shape.is_compatible_with(y.shape):
                    raise ValueError(f"Incompatible shapes between op input and calculated input "
                                     f"gradient: grad_ys {s.shape} for y {y.shape} ({y.name})")
        wanted = [t for ts in targets for t in ts]
        res = backprop(ys_l, seeds, wanted, (lambda t: id(t) in stops) if stops else None)
        out = []
        for x, ts in zip(xs_l, targets):
            parts = [res[id(t)] for t in ts if id(t) in res]
            if not parts:
                out.append(_ops.zeros_like(ts[0]) if mode == "zero" else None)
                continue
            total = parts[0]
            for p in parts[1:]:
                total = _ops.add(total, p)
            if total is ts[0] or any(total is t for t in ys_l):
                total = _ops.identity(total)        # a gradient is a node of its own
            out.append(total)
    return out

