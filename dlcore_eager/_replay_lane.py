"""The replay lane (issue 19): the long tail of PyTorch's functions as a replayed plan.

A call of ``x.flip(0)``, ``x.roll(1, 0)``, ``F.pad(x, (1, 1))``, ``x.lerp(y, 0.5)`` or
``torch.trace(x)`` goes through the PyTorch-facing entry's argument handling, the ``dlcore.ops``
function (a composite of one or a few primitives), ``bind`` and ``EagerFrontend.apply`` per
primitive: 10-30 us of Python on a small tensor where PyTorch takes 2-4.  Such an entry is
wrapped here (``install``): the call's *signature* (each tensor's shape, dtype and
contiguity; every other argument's type and value) keys a *plan*, the primitives the general
path ran, in order, with their params and where each one's inputs come from (an argument,
an earlier step, or a constant the composite made: lerp's weight as a 0-d buffer).  A later
call with the signature runs each step's CPU kernel (its small-operand form where it has
one) and records each step's node as ``apply`` would (over the inputs that require grad,
their versions saved), the last one named and given its ``next_functions`` as the general
path named it: the same primitives, kernels, values, gradients and grad_fn.

A plan is made on a signature's second call (a shape met once costs one dict entry), from the
graph the general path records when run on new leaves, copies of the arguments that require
grad (the real call's result is the general path's own, errors included); it is kept only
where that graph is primitives' nodes alone whose inputs are the arguments, earlier steps or
0-d constants made inside, the result is one new array (no view, no tuple, no ``_saved_*``
record, no multi-output node), and the plan replayed gives the general path's result bit for
bit, on the arguments and on normal draws of their shapes (so a constant computed from a
tensor's values is never frozen into a plan), and no argument was written (a batch norm's
running statistics, an embedding's ``max_norm``: the replay would skip the write).
Anything else (no plan, autocast, a trace or
forward AD, saved-tensor hooks, a CUDA, 16-bit, complex or inference tensor, a Tensor
subclass, an argument the signature cannot hold) takes the general path, so results, errors
and devices are the general path's.  Only the functions listed in ``_replay_entries.NAMES``
are wrapped: ones that draw no random numbers, whose general path reads shapes, dtypes and
argument values only, warns never and writes no argument, or is replayed only behind a check
of the call (``_replay_entries.CHECKS``: an index's range, ``std``'s degrees of freedom, a
loss of one shape, no running statistics); each listed one is measured faster replayed
(tests/eager/test_replay_lane.py checks each makes a plan).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from . import _dispatch as _D
from ._graph import Node, _edge, leaf_node
from ._lane import small_form
from ._state import SAVED_HOOKS_ON, STATE
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)

#: ``(entry, signature) -> plan``; False for a signature called once, None for one with no
#: plan (bounded: cleared past 4096 signatures)
PLANS: dict = {}


def _value_key(v):
    """An argument other than a tensor as a key: its type and value (``1``, ``1.0`` and
    ``True`` apart, ``-0.0`` apart from ``0.0``); a list or tuple of such values; None for
    anything else, a NaN included (no plan: a NaN key is never found again)."""
    t = type(v)
    if t is int or t is bool or t is str or v is None:
        return (t, v)
    if t is float:
        if v != v:
            return None
        return (t, v, math.copysign(1.0, v)) if v == 0.0 else (t, v)
    if t is tuple or t is list:
        out: list = [t]
        for e in v:
            te = type(e)
            if te is not int and te is not bool:
                k = _value_key(e)
                if k is None:
                    return None
                out.append(k)
            else:
                out.append((te, e))
        return tuple(out)
    return None


def _signature(args, kw):
    """The key of a call (see the module docstring), or None where it has none."""
    key: list = []
    for a in args:
        ta = type(a)
        if ta is Tensor or ta is _PARAMETER:
            b = a._buf
            if type(b) is not _ndarray or type(a._vc) is not list:
                return None
            key.append((b.shape, b.dtype, b.flags.c_contiguous))
        else:
            k = _value_key(a)
            if k is None:
                return None
            key.append(k)
    if kw:
        for name in kw:
            k = _value_key(kw[name])
            if k is None:
                return None
            key.append((name, k))
    return tuple(key)


def replayed(general, tag: str, check=None):
    """``general`` (a PyTorch function or method entry) with the replay lane in front;
    ``check(args, kw)``: whether a call may be replayed, for a general path that reads a
    tensor's values (``index_select``'s range) or warns for some arguments."""
    plans = PLANS

    def replay_entry(*args, **kw):
        if _RECORDERS or _D._AUTOCAST or SAVED_HOOKS_ON[0] or \
                (check is not None and not check(args, kw)):
            return general(*args, **kw)
        sig = _signature(args, kw)
        if sig is None:
            return general(*args, **kw)
        k = (tag, sig)
        plan = plans.get(k)
        if not plan:
            if plan is False:           # (a signature's second call makes its plan)
                return _first(general, plans, k, args, kw)
            if plan is None and k not in plans:
                if len(plans) > 4096:
                    plans.clear()
                plans[k] = False        # (seen once: a shape met once makes no plan)
            return general(*args, **kw)
        one = plan[3]
        if one is None:
            for prim, kernel in plan[5]:
                if prim.kernels["cpu"] is not kernel:   # (a kernel replaced: a new plan)
                    plans.pop(k, None)
                    return general(*args, **kw)
            return _run(plan, args)
        # one step over arguments (flip, roll, pad, prod, tril): no loop, no lists
        run, prim, params, pos, label, edges, shown, kernel = one
        if prim.kernels["cpu"] is not kernel:
            plans.pop(k, None)
            return general(*args, **kw)
        if len(pos) == 1:
            t = args[pos[0]]
            ob = run(t._buf)
            if type(ob) is not _ndarray:
                ob = np.asarray(ob)
            if not t._rg or not STATE.enabled:
                return _make(ob)
            v = [0]
            node = Node(prim, params, (t._node or leaf_node(t),), (t,), (t._vc[0],), ob, v)
        elif len(pos) == 2:
            t = args[pos[0]]
            u = args[pos[1]]
            ob = run(t._buf, u._buf)
            if type(ob) is not _ndarray:
                ob = np.asarray(ob)
            if not STATE.enabled or not (t._rg or u._rg):
                return _make(ob)
            v = [0]
            node = Node(prim, params, ((t._node or leaf_node(t)) if t._rg else None,
                                       (u._node or leaf_node(u)) if u._rg else None),
                        (t, u), (t._vc[0], u._vc[0]), ob, v)
        else:
            ts = tuple([args[i] for i in pos])
            ob = run(*[t._buf for t in ts])
            if type(ob) is not _ndarray:
                ob = np.asarray(ob)
            if not STATE.enabled or not any([t._rg for t in ts]):
                return _make(ob)
            v = [0]
            node = Node(prim, params, tuple([(t._node or leaf_node(t)) if t._rg else None
                                             for t in ts]),
                        ts, tuple([t._vc[0] for t in ts]), ob, v)
        if label is not None:
            node.label = label
            if edges is not None:
                node.edges = (_edge(args[edges[0]]),) if len(edges) == 1 and \
                    edges[0] is not None else \
                    tuple([None if i is None else _edge(args[i]) for i in edges])
            if shown is not None:
                x = args[shown[0]]
                node.shown = {"self": x, "version": x._vc[0], **shown[1]}
        return _make(ob, v, node)

    replay_entry.__name__ = replay_entry.__qualname__ = general.__name__
    replay_entry.__doc__ = general.__doc__
    replay_entry.__wrapped__ = general  # type: ignore[attr-defined]
    replay_entry.__replayed__ = True  # type: ignore[attr-defined]
    original = getattr(general, "__autocast_original__", None)
    if original is not None:            # (bmm's: the autocast entries' own)
        replay_entry.__autocast_original__ = original  # type: ignore[attr-defined]
    return replay_entry


def _run(plan, args):
    """The plan's steps on the call's arguments (see the module docstring): each step's
    inputs are indices into the arguments, then the plan's constants, then the steps'
    results."""
    steps, _, edges, _, consts, _ = plan     # (the last step's label is its own)
    vals = [*args, *consts] if consts else list(args)
    grad = STATE.enabled
    for run, prim, params, refs, view, step_label, shown in steps:
        if len(refs) == 1:
            t = vals[refs[0]]
            ob = run(t._buf)
            if type(ob) is not _ndarray:
                ob = np.asarray(ob)
            if grad and t._rg:
                v = t._vc if view else [0]      # (an inner view: its input's counter)
                node = Node(prim, params, (t._node or leaf_node(t),), (t,), (t._vc[0],), ob, v)
            else:
                vals.append(_make(ob, t._vc if view else None))
                continue
        elif len(refs) == 2:
            t = vals[refs[0]]
            u = vals[refs[1]]
            ob = run(t._buf, u._buf)
            if type(ob) is not _ndarray:
                ob = np.asarray(ob)
            if grad and (t._rg or u._rg):
                v = t._vc if view else [0]
                node = Node(prim, params, ((t._node or leaf_node(t)) if t._rg else None,
                                           (u._node or leaf_node(u)) if u._rg else None),
                            (t, u), (t._vc[0], u._vc[0]), ob, v)
            else:
                vals.append(_make(ob, t._vc if view else None))
                continue
        else:
            ts = tuple([vals[r] for r in refs])
            ob = run(*[t._buf for t in ts])
            if type(ob) is not _ndarray:
                ob = np.asarray(ob)
            if grad and any([t._rg for t in ts]):
                v = ts[0]._vc if view else [0]
                node = Node(prim, params, tuple([(t._node or leaf_node(t)) if t._rg else None
                                                 for t in ts]),
                            ts, tuple([t._vc[0] for t in ts]), ob, v)
            else:
                vals.append(_make(ob, ts[0]._vc if view else None))
                continue
        if step_label is not None:
            node.label = step_label
            if shown is not None:               # (its ``_saved_*``: _shown_saved.show)
                x = vals[shown[0]]
                node.shown = {"self": x, "version": x._vc[0], **shown[1]}
        vals.append(_make(ob, v, node))
    out = vals[-1]
    node = out._node
    if node is not None and edges is not None:
        node.edges = tuple([None if i is None else _edge(args[i]) for i in edges])
    return out


def _first(general, plans, k, args, kw):
    """A signature's first call: the general path's result; the plan made beside it."""
    out = general(*args, **kw)
    if STATE.inference:                 # (inference_mode: the plan is made outside it)
        return out
    try:
        plans[k] = _make_plan(general, args, kw, out)
    except Exception:  # noqa: BLE001 - no plan: the general path, which raises its own errors
        plans[k] = None
    return out


def _leaves(args, fresh):
    """The call's arguments with each tensor a new leaf over its buffer (a float one requiring
    grad), or over a copy of normal draws where ``fresh`` (a NumPy Generator); None where a
    tensor is complex or 16-bit."""
    leaves = list(args)
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            b = a._buf
            if b.dtype is _F32 or b.dtype is _F64:
                b = np.copy(b, order="K") if fresh is None else \
                    fresh.standard_normal(b.shape).astype(b.dtype)
                leaves[i] = _make(b).requires_grad_()
            elif b.dtype.kind in "fc":
                return None             # (16-bit and complex: the general path's own rules)
            elif fresh is not None and b.size and b.dtype.kind in "iu":
                # (an index: other entries in the same range, so that a value read from it
                # into a param would be seen)
                leaves[i] = _make(fresh.integers(b.min(), b.max(), b.shape, b.dtype,
                                                 endpoint=True))
            elif fresh is not None and b.size and b.dtype.kind == "b":
                leaves[i] = _make(fresh.random(b.shape) < 0.5)
            else:
                leaves[i] = _make(np.copy(b, order="K"))
    return leaves


def _make_plan(general, args, kw, out):
    """The plan of ``general(*args, **kw)`` whose result was ``out``, or None.  Checked twice:
    replayed on the arguments and on normal draws of their shapes, it must give the general
    path's bits (a 0-d constant computed from a tensor's values would fail the second)."""
    if type(out) is not Tensor or type(out._buf) is not _ndarray:
        return None
    from .autograd.grad_mode import enable_grad
    leaves = _leaves(args, None)
    if leaves is None:
        return None
    tensors = [t for t in leaves if isinstance(t, Tensor)]
    before = [(t._vc[0], t._buf.tobytes()) for t in tensors]
    with enable_grad():
        trial = general(*leaves, **kw)
    if type(trial) is not Tensor or type(trial._node) is not Node or \
            [(t._vc[0], t._buf.tobytes()) for t in tensors] != before:
        return None                     # (an argument written: running stats, a renorm)
    last = trial._node
    if trial._buf is not last.out_buf:
        return None
    steps: list = []
    consts: list = []
    position = {id(t): i for i, t in enumerate(leaves) if isinstance(t, Tensor)}
    if _walk(last, steps, {}, position, consts, len(leaves)) is None:
        return None
    if last.prim.view and steps[-1][3][0] >= 0:
        return None                     # (a view of an argument: the general path's views)
    base = len(leaves) + len(consts)    # (step j's value: index base + j)
    for step in steps:
        step[3] = tuple([r if r >= 0 else base - 1 - r for r in step[3]])

    edges = getattr(last, "edges", None)
    if edges is not None:
        where: list = []
        for e in edges:
            for i, t in enumerate(leaves):
                if e is not None and isinstance(t, Tensor) and t._rg and leaf_node(t) is e:
                    where.append(i)
                    break
            else:
                if e is not None:
                    return None         # (an edge that is no argument's leaf)
                where.append(None)
        edges = tuple(where)
    label = getattr(last, "label", None)
    if edges is not None and label is None:
        return None
    one = None
    if len(steps) == 1 and all(r < len(leaves) for r in steps[0][3]):
        run, prim, params, refs, _, _, shown = steps[0]
        one = (run, prim, params, refs, label, edges, shown, prim.kernels["cpu"])
    kernels = tuple({(step[1], step[1].kernels["cpu"]) for step in steps})
    plan = (tuple([tuple(step) for step in steps]), label, edges, one, tuple(consts), kernels)
    fresh = _leaves(args, np.random.default_rng(0x9E3779B9))   # (no test's seed)
    with _quiet():
        if not _same(_run(plan, args), out) or not _same(_run(plan, fresh), general(*fresh,
                                                                                    **kw)):
            return None                 # (not the general path's bits: never replayed)
    return plan


def _shown(shown, position):
    """A node's ``_saved_*`` record (``_shown_saved.show``: an argument as ``self``, its
    version, the call's params) as ``(the argument's position, the params)``; None for no
    record, False for one a plan cannot make again."""
    if shown is None:
        return None
    x = shown.get("self")
    i = position.get(id(x))
    if i is None or shown.get("version") != x._vc[0]:
        return False
    rest = {k: v for k, v in shown.items() if k not in ("self", "version")}
    for v in rest.values():
        if _value_key(v) is None:
            return False                # (a tensor, or a value a plan would share)
    return i, rest


def _same(a, b) -> bool:
    a, b = a._buf, b._buf
    return type(b) is _ndarray and a.shape == b.shape and a.dtype == b.dtype and \
        a.tobytes() == b.tobytes()


class _quiet:
    """No gradient recorded while the plan is checked against the general path's result."""

    def __enter__(self):
        self.was = STATE.enabled
        STATE.enabled = False

    def __exit__(self, *exc):
        STATE.enabled = self.was


def _walk(node, steps, index, position, consts, n):
    """``node``'s step, appended after the steps of its inputs, or None where the graph is not
    a plan's (see the module docstring).  An input is an index among the plan's values:
    ``n`` arguments, then ``consts``, then the steps (step j as ``-1 - j`` until the
    constants are all known)."""
    j = index.get(id(node))
    if j is not None:
        return j
    if type(node) is not Node or node.hooks is not None or node.retain is not None or \
            getattr(node, "out_index", None) or \
            node.inputs is None or len(node.inputs) != len(node.parents):
        return None
    refs = []
    for t, p in zip(node.inputs, node.parents):
        if type(t) is not Tensor or type(t._buf) is not _ndarray:
            return None
        i = position.get(id(t))
        if i is not None:
            if (p is None) == t._rg:
                return None
            refs.append(i)
            continue
        inner = t._node
        if type(inner) is Node and t._buf is inner.out_buf and inner is p:
            j = _walk(inner, steps, index, position, consts, n)
            if j is None:
                return None
            refs.append(-1 - j)         # (step j: its value's index once consts are known)
        elif inner is None and p is None and not t._rg and t._buf.ndim == 0 and \
                type(t._vc) is list:
            position[id(t)] = n + len(consts)   # (a number the composite made a 0-d tensor)
            refs.append(n + len(consts))
            consts.append(t)
        else:
            return None
    prim = node.prim
    kernel = prim.kernels.get("cpu")
    if kernel is None or (prim.view and not _views_input(node)) or \
            not all([_frozen(v) for v in node.params.values()]):
        return None
    shown = _shown(getattr(node, "shown", None), position)
    label = getattr(node, "label", None)
    if shown is False or (shown is not None and label is None):
        return None
    steps.append([_runner(prim, kernel, node.params, [t._buf for t in node.inputs]), prim,
                  node.params, tuple(refs), bool(prim.view), label, shown])
    index[id(node)] = len(steps) - 1
    return len(steps) - 1


def _runner(prim, kernel, params, bufs):
    """A step's kernel on buffers like ``bufs`` (the plan's shapes and dtypes): a binary
    ufunc's NumPy ufunc with floating-point warnings off, as ``small_binary`` runs it; the
    kernel's small-operand form, as the lanes run it (``_lane``); else the kernel."""
    quiet = _D._QUIET_RUN
    if len(bufs) == 2 and not params and quiet is not None:
        a, b = bufs
        small = _D._SMALL.get(kernel)
        if small is None:
            small = _D._small_ufunc(prim, kernel)
        if small and a.dtype is b.dtype and a.dtype in small[1] and a.size < _D._PT and \
                b.size < _D._PT:
            ufunc = small[0]

            def binary(x, y):
                return _D._QUIET_RUN.run(ufunc, x, y)  # type: ignore[union-attr]
            return binary
    run = small_form(kernel, bufs, params)
    if type(run) is tuple:              # (an ndarray method and its one argument)
        method, arg = run
        return partial(_method, method, arg)
    return run or (partial(kernel, **params) if params else kernel)


def _method(method, arg, b):
    return method(b, arg)


_FROZEN = (int, float, bool, str, type(None), type(Ellipsis), np.dtype, np.generic)


def _frozen(v) -> bool:
    """Whether a param is a value a plan may keep: numbers, strings, dtypes, slices and
    tuples of them (an array or tensor in a param, an index's entries, is not)."""
    if isinstance(v, _FROZEN):
        return True
    if type(v) is tuple:
        return all([_frozen(e) for e in v])
    if type(v) is slice:
        return _frozen(v.start) and _frozen(v.stop) and _frozen(v.step)
    return False


def _views_input(node) -> bool:
    """Whether a view step's output views its first input (whose version counter it shares)."""
    base = node.out_buf.base
    first = node.inputs[0]._buf
    return base is not None and (base is first or base is first.base)


_PARAMETER: type = Tensor               # (nn.Parameter, set by install)

def install(module) -> None:
    """Wrap the entries of ``_replay_entries.NAMES`` (once), each behind its ``CHECKS``."""
    global _PARAMETER
    from . import _replay_entries as E
    from .nn import functional
    from .nn.module import Parameter
    _PARAMETER = Parameter
    owners = {"Tensor": Tensor, "torch": module, "functional": functional}
    for where, names in E.NAMES:
        owner = owners[where]
        for name in names:
            f = getattr(owner, name, None)
            if f is None or getattr(f, "__replayed__", False):
                continue
            setattr(owner, name, replayed(f, where + "." + name, E.CHECKS.get(name)))
