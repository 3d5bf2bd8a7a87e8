"""A picture of the autograd tape: the backward graph that eager operations recorded.

In define-by-run mode there is no graph object to draw until you compute something.  Each
operation on a tensor that requires grad records a node (its ``grad_fn``); following
``grad_fn.next_functions`` from the loss walks the whole tape back to the leaves, whose
gradients are *accumulated* into ``.grad`` (the ``AccumulateGrad`` nodes)::

    import dlcore_eager as torch
    from dlcore_eager import viz
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    viz.draw_tape(loss, params={"w1": w1, "w2": w2})

Only the public autograd structure is read (``grad_fn``, ``next_functions``, ``name()``,
``AccumulateGrad.variable``), the same one PyTorch exposes, so the picture works for any node
type, including custom ``autograd.Function`` nodes.  With ``saved=True`` each node also shows
what it saved for backward with each tensor's version (``v0->v1`` and an orange border when it
was modified in place since, which makes backward fail), and "freed" once a backward pass
without ``retain_graph`` has released it (read from the node's public ``saved_versions()`` when
it has one).
"""

from __future__ import annotations

from dlcore.viz import Diagram, Edge, Node


def _shape(obj) -> str:
    shape = getattr(obj, "shape", None)
    return "" if shape is None else _shape_text(shape)


def _shape_text(shape) -> str:
    try:
        return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    except TypeError:
        return str(shape)


def _node_name(fn) -> str:
    name = getattr(fn, "name", None)
    if callable(name):
        try:
            return str(name())
        except Exception:                                 # noqa: BLE001 - a picture never fails
            return type(fn).__name__
    return type(fn).__name__


def _next(fn) -> list:
    """The parent nodes of a grad_fn (None entries skipped: inputs that need no gradient)."""
    nxt = getattr(fn, "next_functions", None)
    if nxt is None:
        nxt = [(p, 0) for p in getattr(fn, "parents", ()) or ()]
    return [p for p, *_ in nxt if p is not None]


STALE = "saved tensor modified in place since (backward will fail)"


def _saved_text(fn) -> tuple[str, bool]:
    """What a dlcore tape node saved for backward (shape and version of each tensor, and
    whether one was modified in place since), or 'freed' after backward released it; read from
    the node's public ``saved_versions()`` (nodes without it, e.g. custom Functions, show
    nothing)."""
    saved_versions = getattr(fn, "saved_versions", None)
    if not callable(saved_versions):
        return "", False
    saved = saved_versions()
    if saved is None:
        return "saved: freed", False
    parts, stale = [], False
    *inputs, (_, out0, out_now) = saved
    for shape, v, now in inputs:
        parts.append(f"{_shape_text(shape)} v{v}" + (f"->v{now}" if now != v else ""))
        stale |= now != v
    if out0 != out_now:
        parts.append(f"output v{out0}->v{out_now}")
        stale = True
    return ("saved: " + ", ".join(parts) if parts else ""), stale


def tape_diagram(*roots, params: dict | None = None, saved: bool = False, title: str = "",
                 rankdir: str = "TB", max_nodes: int = 500) -> Diagram:
    """A Diagram of the tape behind ``roots`` (tensors with a ``grad_fn``).

    ``params`` names leaf tensors (``dict(model.named_parameters())``) so they are labelled.
    Leaves that require grad are drawn as parameters (amber), backward nodes in purple, the
    root tensors in green.  Arrows follow the data of the forward pass (leaf -> ... -> loss),
    i.e. the reverse of the order backward visits them.
    """
    names = {id(t): n for n, t in (params or {}).items()}
    d = Diagram(title=title, rankdir=rankdir)
    ids: dict[int, str] = {}
    stack: list = []

    def node_id(fn) -> str:
        key = id(fn)
        if key in ids:
            return ids[key]
        nid = f"n{len(ids)}"
        ids[key] = nid
        var = getattr(fn, "variable", None)
        if var is not None:                               # AccumulateGrad: show the leaf
            label = f"{names.get(id(var), 'leaf')}\n{_shape(var)}\n(AccumulateGrad)"
            d.add_node(Node(nid, label, "parameter", tooltip="a leaf; its gradient is "
                            "accumulated into .grad"))
        else:
            label = _node_name(fn)
            extra, stale = _saved_text(fn) if saved else ("", False)
            if extra:
                label += "\n" + extra
            how = STALE if stale else "freed" if extra == "saved: freed" else None
            d.add_node(Node(nid, label, "grad_fn", how, tooltip=repr(fn)))
        stack.append(fn)
        return nid

    for i, r in enumerate(roots):
        fn = getattr(r, "grad_fn", None)
        rid = f"root{i}"
        label = f"{names.get(id(r), 'output')}\n{_shape(r)}"
        if fn is None:
            label += "\n(no grad_fn: nothing recorded)"
        d.add_node(Node(rid, label, "output"))
        if fn is not None:
            d.add_edge(Edge(node_id(fn), rid))
    seen: set = set()
    while stack and len(d.nodes) < max_nodes:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        me = ids[id(fn)]
        for p in _next(fn):
            d.add_edge(Edge(node_id(p), me))
    return d


def draw_tape(*roots, **kw) -> Diagram:
    """The autograd tape behind ``roots``.  Displays itself in Jupyter."""
    kw.setdefault("title", "the tape recorded by the forward pass (backward walks it upwards)")
    return tape_diagram(*roots, **kw)


def tape_size(root) -> int:
    """How many backward nodes the tape behind ``root`` holds (leaves' accumulators included)."""
    fn = getattr(root, "grad_fn", None)
    seen: set = set()
    stack = [fn] if fn is not None else []
    while stack:
        f = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        stack.extend(_next(f))
    return len(seen)


__all__ = ["draw_tape", "tape_diagram", "tape_size"]
