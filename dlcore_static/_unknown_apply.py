"""``StaticFrontend.apply`` for inputs of unknown rank (``tf.placeholder(tf.float32)`` with no
shape; their avals are 0-d stand-ins marked ``op.attrs["unknown_rank"]``): the shape rule is
tried with each stand-in replaced by shapes of unknown dimensions of ranks 0..8, as
TensorFlow's shape functions see an unknown shape (``dlcore_static.unknown_rank`` has the ops
whose parameters depend on the rank: axes, permutations, indices)."""

from __future__ import annotations

import numpy as np

from dlcore.errors import DTypeError, ShapeError
from dlcore.registry import AVal, Primitive

from . import frontend as _frontend
from .frontend import _node_message, constant, type_name
from .graph import Graph, Operation, Tensor, _user_location, new_op, setup_op


# The ranks tried for an input of unknown rank (TensorFlow's shape functions see an unknown
# shape; dlcore's rules see shapes): 0 through 8 dimensions, each unknown.
_TRIED_RANKS = range(9)


def unknown_rank_apply(prim: Primitive, inputs, avals: list, params, graph: Graph,
                        depth: int) -> Tensor:
    """``prim`` on inputs some of which have unknown rank (their avals are 0-d stand-ins), as
    TensorFlow's shape functions see them: the rule runs with each stand-in replaced by a shape
    of unknown dimensions of each rank in ``_TRIED_RANKS``; when every rank it accepts gives
    one output, that is the output (``reshape(x, [-1, 2])``: (?, 2); ``matmul(x, w)``: (?, 4));
    when they differ, the output has unknown rank (a stand-in too); when it accepts none, the
    rule's error for the first rank tried is the build-time error.  The kernels run on the fed
    arrays, so the run-time shapes are the real ones (a bad feed: the kernel's error)."""
    op_type = type_name(prim)
    which = [i for i, t in enumerate(inputs)
             if not avals[i].shape and t.op.attrs.get("unknown_rank")]
    # TF1's Select with a condition of unknown rank (``tf.where(is_training, a, b)``): the
    # output is the branches' shape (the condition is a scalar, a batch vector or their shape)
    tried = (0,) if prim.name == "where" and which == [0] else _TRIED_RANKS
    outs, accepted, first_error = _trials(prim, avals, which, params, tried)
    if len(accepted) == 1 and accepted[0] != 0:
        # one rank fits (a transpose by perm, a 2-D-only op): the inputs are given that rank,
        # checked when the graph runs, and the op is an ordinary one (its vjp sees real ranks)
        ranked = list(inputs)
        for i in which:
            ranked[i] = _as_rank(inputs[i], i, accepted[0], graph, op_type)
        return prim.bind(*ranked, **params)
    name = graph.unique_name(op_type)
    if not outs:
        assert first_error is not None
        if not isinstance(first_error, (ShapeError, DTypeError)):
            raise first_error
        shown = [_UnknownShape(a.dtype) if i in which else a for i, a in enumerate(avals)]
        msg = _node_message(first_error, first_error.op, name, prim, shown)
        raise (TypeError if isinstance(first_error, DTypeError) else ValueError)(msg) from None
    out, known = _merged(outs)
    if len(accepted) < len(tried):      # the fed ranks are checked when the graph runs
        checks = [_rank_check(inputs[i], i, accepted, name, op_type) for i in which]
        with graph.control_dependencies(checks):
            t = setup_op(new_op(Operation), graph, op_type, name, inputs, (out,), prim, params,
                         None, _user_location(depth))
    else:
        t = setup_op(new_op(Operation), graph, op_type, name, inputs, (out,), prim, params, None,
                     _user_location(depth))
    if not known:
        t.op.attrs["unknown_rank"] = True
    return t


def _trials(prim: Primitive, avals: list, which: list, params, tried) -> tuple:
    """The shape rule's outputs for the stand-ins ``which`` given each rank of ``tried``:
    (outputs, the ranks accepted, the first error)."""
    outs: list = []
    accepted: list = []
    first_error: Exception | None = None
    for r in tried:
        trial = list(avals)
        for i in which:
            trial[i] = AVal((None,) * r, avals[i].dtype)
        try:
            outs.append(prim.abstract_eval(*trial, **params))
            accepted.append(r)
        except (ValueError, IndexError, TypeError) as e:   # ShapeError, DTypeError, AxisError
            if first_error is None:
                first_error = e
    return outs, accepted, first_error


def _merged(outs: list) -> tuple[AVal, bool]:
    """One output for all the ranks accepted (dimensions that differ unknown), and whether its
    rank is known (else the output is a 0-d stand-in of unknown rank)."""
    out = outs[0]
    for o in outs:
        if o.ndim != out.ndim or o.dtype != out.dtype:
            return AVal((), out.dtype), False
        if o.shape != out.shape:        # one rank, some dimensions differ: those are unknown
            out = AVal(tuple(d if d == e else None for d, e in zip(out.shape, o.shape)),
                       out.dtype)
    return out, True


def derive_unknown_rank(prim: Primitive, avals: list, which: list, params) -> tuple[AVal, bool]:
    """The output ``unknown_rank_apply`` gives ``prim`` for the stand-ins ``which`` (a graph
    file's op re-derived when it is loaded: saving.py), and whether its rank is known; the
    rule's first error when no rank fits."""
    tried = (0,) if prim.name == "where" and which == [0] else _TRIED_RANKS
    outs, _, first_error = _trials(prim, avals, which, params, tried)
    if not outs:
        assert first_error is not None
        raise first_error
    return _merged(outs)


def _rank_check(x: Tensor, index: int, accepted: list, name: str, op_type: str):
    """An ``Assert`` that ``x`` (of unknown rank when built) is fed with a rank the node
    ``name`` takes (``accepted``; the last tried rank stands for all above it), raising
    TensorFlow's run-time InvalidArgumentError naming the node and the fed shape."""
    from dlcore import ops as _ops

    from .debug_ops import Assert
    graph = x.op.graph
    with graph.name_scope(f"{name}_rank_check"):
        shape = _ops.shape_of(x)
        rank = _ops.getitem(_ops.shape_of(shape), 0)
        ok = _ops.reduce_any(_ops.equal(rank, constant(np.asarray(accepted, np.int32))))
        top = _TRIED_RANKS[-1]
        if top in accepted:
            ok = _ops.logical_or(ok, _ops.greater(rank, top))
        ranks = ", ".join(map(str, accepted)) + (" or more" if top in accepted else "")
        return Assert(ok, [f"{op_type} '{name}': input {index} (of unknown rank when the graph "
                           f"was built) must have rank {ranks}; it was fed with shape", shape])


def _as_rank(x: Tensor, index: int, rank: int, graph: Graph, op_type: str) -> Tensor:
    """``x`` (of unknown rank) as a tensor of rank ``rank`` (its dimensions unknown), after a
    run-time check that it is fed with that rank (a reshape to its own shape: the vjp hands
    the gradient back in ``x``'s run-time shape)."""
    from dlcore import ops as _ops
    name = graph.unique_name(op_type, mark_as_used=False)
    check = _rank_check(x, index, [rank], name, op_type)
    with graph.control_dependencies([check]):
        if rank == 1:
            y = _ops.reshape(x, (-1,))
            y.aval = AVal((None,), y.aval.dtype)    # its length is known at run time
            return y
        s = _ops.shape_of(x)
        return _ops.reshape_dynamic(x, [_ops.getitem(s, j) for j in range(rank)])


class _UnknownShape:
    """An input of unknown rank as a build-time error shows it (``<unknown>``)."""

    shape = None

    def __init__(self, dtype):
        self.dtype = dtype


_frontend.UNKNOWN_RANK_APPLY[:] = [unknown_rank_apply]
