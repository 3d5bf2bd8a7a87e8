"""Device placement errors, as TensorFlow 1.15's placer raises them.

An op pinned by ``tf.device('/gpu:0')`` in a process without CUDA (no driver or GPU, or
numba-cuda missing) cannot run where it was asked to.  With
``ConfigProto(allow_soft_placement=True)`` the Session runs it on the CPU (``plan.placed``);
without it TF 1.15's placer (``Placer::Run`` around ``ColocationGraph::GetDevicesForNode``)
refuses the run before any node executes::

    InvalidArgumentError: Cannot assign a device for operation mul: node mul (defined at
    f.py:3)  was explicitly assigned to /device:GPU:0 but available devices are
    [ /job:localhost/replica:0/task:0/device:CPU:0,
    /job:localhost/replica:0/task:0/device:XLA_CPU:0 ]. Make sure the device specification
    refers to a valid device.
    	 [[node mul (defined at f.py:3) ]]

The devices listed are TF 1.15's on a machine without a GPU (the CPU and XLA's CPU device,
sorted by name).  The default ``tensorflow`` 1.15 wheel is built with CUDA and says no more;
``tensorflow-cpu`` adds " The requested device appears to be a GPU, but CUDA is not enabled.",
as dlcore does when numba-cuda is not installed (``_cuda_built``).  The node named is the one TF's placer meets first in the whole graph: the ops in
creation order, the *generator* ops (no input, one output that is not a variable's: a Const, a
Placeholder) after all the others, as the placer leaves them for its second pass.

When: TF 1.15's DirectSession places the whole graph when a run first extends the Session with
it (``ExtendSessionGraphHelper``: every run after nodes were added), not at ``Session()``; a
failed placement leaves the Session unextended, so every later run fails the same way, needed
by its fetches or not.  dlcore checks the whole graph on each plan it builds
(``check_graph``: only graphs where a device was ever pinned, ``mark_pinned``, and each op
looked at once) and a plan that holds a GPU-pinned op (``check_placement``).  A plan cached
*before* a GPU-pinned op was added must not run either (TF re-places the grown graph and fails
it): ``check_graph`` notes each Session that builds a plan of the graph (``_placed_sessions``,
weakly), and when a ``tf.device`` scope closes (or an imported op is pinned, ``mark_pinned``;
or, in a GPU scope opened after a Session ran the graph, as each op is made there:
``_device_functions.apply_device_functions``) ``regrown`` empties the plan caches of those
Sessions that would refuse the graph now, so their next run builds its plan again and fails
as TF's (no check on a cached run); the GPU scopes already open when a Session first plans
the graph switch to that marker then (``WATCH_OPEN_SCOPES``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from dlcore.device import cuda_available

from .errors import InvalidArgumentError, node_suffix

#: the process's devices as TF 1.15 names them when CUDA cannot be used (python/client/device_lib)
LOCAL_DEVICES = ("/job:localhost/replica:0/task:0/device:CPU:0",
                 "/job:localhost/replica:0/task:0/device:XLA_CPU:0")

# dlcore op types with no graph input whose TF counterparts are not generator nodes (a
# VariableV2 has a ref output; a variable's read is an Identity of it)
_NOT_GENERATORS = frozenset({"VariableV2", "VariableRead", "VarHandleOp", "ReadVariableOp"})


def _is_generator(op) -> bool:
    return not op.inputs and len(op.outputs) == 1 and op.type not in _NOT_GENERATORS


def _requested(op) -> str:
    """The op's device as its NodeDef writes it ('/device:GPU:0')."""
    d = op.device
    return f"/device:{'GPU' if d.type == 'cuda' else 'CPU'}:{d.index or 0}"


def unplaceable(ops) -> Any:
    """The op TF's placer would name first among ``ops`` placed on a GPU, or None."""
    pinned = sorted((op for op in ops if op.device is not None and op.device.type == "cuda"),
                    key=lambda op: op._id)
    for op in pinned:
        if not _is_generator(op):
            return op
    return pinned[0] if pinned else None


def _cuda_built() -> bool:
    """Is numba-cuda installed?  dlcore's counterpart of a TF wheel built with CUDA (the
    default ``tensorflow`` 1.15 wheel; ``tensorflow-cpu`` is not): only without it does TF's
    placer add "The requested device appears to be a GPU, but CUDA is not enabled."."""
    import importlib.util
    try:
        return importlib.util.find_spec("numba.cuda") is not None
    except (ImportError, ValueError):
        return False


def placement_message(op) -> str:
    where = f"node {op.name} (defined at {op.defined_at}) "
    gpu_msg = "" if _cuda_built() else \
        " The requested device appears to be a GPU, but CUDA is not enabled."
    return (f"Cannot assign a device for operation {op.name}: {where} was explicitly assigned "
            f"to {_requested(op)} but available devices are [ {', '.join(LOCAL_DEVICES)} ]. "
            "Make sure the device specification refers to a valid device." + gpu_msg +
            node_suffix(op))


def mark_pinned(graph) -> None:
    """Note that ``graph`` may hold ops placed by name (a ``tf.device`` scope, an imported
    graph's devices): ``check_graph`` looks at its ops from then on."""
    graph.__dict__["_pinned_scan"] = graph.__dict__.get("_pinned_scan") or [0, None, None]
    regrown(graph)


#: ``_device_functions.watch_open_scopes`` (set by that module, which imports this one): the
#: open GPU scopes of a graph a Session starts to plan place their later ops through the
#: device-function marker, so that those ops call ``regrown`` as they are made
WATCH_OPEN_SCOPES: Callable[[Any], None] | None = None


def _note(sessions: dict, session) -> None:
    if len(sessions) >= 64:             # (Sessions gone: dropped)
        for k in [k for k, r in sessions.items() if r() is None]:
            del sessions[k]
    sessions[id(session)] = weakref.ref(session)


def regrown(graph) -> None:
    """``graph`` may have gained ops pinned to a GPU: the Sessions that built plans of it and
    would refuse it now forget their plans (see the module docstring)."""
    sessions = graph.__dict__.get("_placed_sessions")
    if not sessions or cuda_available() or _graph_unplaceable(graph) is None:
        return
    for ref in list(sessions.values()):
        session = ref()
        if session is not None and not getattr(session, "_soft_cpu", False):
            session._cache.clear()
            session._shapes_seen.clear()


def _graph_unplaceable(graph) -> Any:
    """``unplaceable(graph._ops)``, kept up to date incrementally: each op is looked at once
    (a graph that grows by a layer per run is not rescanned)."""
    scan = graph.__dict__.get("_pinned_scan")
    if scan is None:
        return None
    ops = graph._ops
    n, first, first_gen = scan
    for i in range(n, len(ops)):
        op = ops[i]
        d = op.device
        if d is not None and d.type == "cuda":
            if not _is_generator(op):
                if first is None:
                    first = op
            elif first_gen is None:
                first_gen = op
    scan[:] = [len(ops), first, first_gen]
    return first if first is not None else first_gen


def check_graph(session) -> None:
    """TF 1.15's placement of the Session's whole graph: ``InvalidArgumentError`` for the
    first op pinned to a GPU this process cannot use, when ``session`` has no soft placement,
    whatever the run's fetches; nothing otherwise (at the cost of a dict lookup for a graph
    where no device was ever pinned)."""
    graph = session.graph
    # (regrown: a plan cached before a GPU op was added) id -> weak reference, a dict lookup
    # once noted (a WeakSet's add makes a reference each time: 1.8 us)
    sessions = graph.__dict__.get("_placed_sessions")
    if sessions is None:
        sessions = graph.__dict__["_placed_sessions"] = {}
    ref = sessions.get(id(session))
    if ref is None or ref() is not session:
        _note(sessions, session)
        if graph._device_stack and WATCH_OPEN_SCOPES is not None:
            WATCH_OPEN_SCOPES(graph)    # (GPU scopes open now: their ops tell the Sessions)
    if "_pinned_scan" not in graph.__dict__:
        return
    if getattr(session, "_soft_cpu", False) or cuda_available():
        return
    op = _graph_unplaceable(graph)
    if op is not None:
        raise InvalidArgumentError(None, op, placement_message(op))


def check_placement(ops, session) -> None:
    """Raise TF's ``InvalidArgumentError`` when one of ``ops`` is pinned to a GPU that this
    process cannot use and ``session`` has no soft placement; nothing otherwise."""
    if getattr(session, "_soft_cpu", False) or cuda_available():
        return
    op = unplaceable(ops)
    if op is not None:
        # TF 1.15 places the whole graph: the op named is the first of the graph
        op = unplaceable(op.graph._ops) or op
        raise InvalidArgumentError(None, op, placement_message(op))
