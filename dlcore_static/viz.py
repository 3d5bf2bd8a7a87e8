"""Pictures of static graphs: the graph you built, its gradient graph, what one run executes,
and a graph before and after the optimisation passes.

Everything here only *reads* the graph (``Graph.get_operations()``, each op's ``inputs``,
``control_inputs``, ``type`` and output shapes) and hands nodes and edges to ``dlcore.viz``,
which draws them with Graphviz's ``dot`` when it is installed and with matplotlib otherwise::

    import dlcore_static as tf
    from dlcore_static import viz
    viz.draw_graph(fetches=loss)                       # the graph that computes ``loss``
    viz.draw_gradients(loss, [w1, w2])                 # ... plus the nodes tf.gradients added
    viz.draw_run([loss, updates], feed_dict=values)    # which nodes a Session.run executes

``executed_ops`` answers "which nodes does this run execute?" with the Session's own pruning
rule (``dlcore_static.plan.prune``): walk back from the fetches through data and control
inputs, and stop at fed tensors.  Nodes off that walk do not run, which is why the seed notes'
``new_w1 = w1.assign(...)`` does nothing unless it is fetched (or grouped into a fetched op).
After a real run, ``draw_run(..., run_metadata=md)`` marks what that run actually executed
(``md.executed_ops``, filled by ``sess.run(..., run_metadata=md)``), including the nodes inside
the branch a ``cond`` took.

How the graph is shown: a Variable is one amber node (its ``VariableRead`` ops are drawn as
the variable itself, and each ``Assign`` to it hangs off it by a dashed edge); the ops built
inside a ``cond`` branch or a ``while_loop`` body are framed, with their outputs drawn into the
``Cond``/``While`` node; the initialisers of variables are left out unless asked for.  A large
picture folds each name scope into one node as TensorBoard does (``collapse=``, ``expand=``;
``draw_gradients`` shows one block per op's gradient).

Only public accessors are read: ``get_operations()``, ``as_graph_element``, each op's
``inputs``, ``control_inputs``, ``attrs``, ``control_flow_context`` and a plan's ``compiler``
report.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlcore.viz import Diagram, Edge, Node, side_by_side

from .graph import Graph, Operation, Tensor, get_default_graph
from .loop_history import unwrap_identity
from .plan import prune

KIND_BY_TYPE = {
    "Placeholder": "placeholder", "PlaceholderWithDefault": "placeholder",
    "VariableV2": "variable", "Variable": "variable", "VarHandleOp": "variable",
    "VariableRead": "variable", "Const": "constant", "NoOp": "control", "Assign": "control",
    "AssignAdd": "control", "AssignSub": "control", "Cond": "control_flow",
    "While": "control_flow", "If": "control_flow",
}
GRADIENT_SCOPE = "gradients"
#: graph_diagram folds name scopes by default above this many nodes.
AUTO_COLLAPSE = 30


def _flatten(fetches) -> list:
    if fetches is None:
        return []
    if isinstance(fetches, dict):
        return [x for v in fetches.values() for x in _flatten(v)]
    if isinstance(fetches, (list, tuple, set)):
        return [x for v in fetches for x in _flatten(v)]
    return [fetches]


def _element(graph: Graph, f) -> Tensor | Operation:
    """A fetch leaf (Tensor, Operation, Variable, or a name) as a Tensor or an Operation."""
    if isinstance(f, (Tensor, Operation)):
        return f
    if isinstance(f, str):
        return graph.as_graph_element(f)
    try:
        return graph.as_graph_element(f)              # a Variable (its read tensor)
    except TypeError:
        pass
    op = getattr(f, "op", None)
    if isinstance(op, Operation):
        return op.outputs[0] if op.outputs else op
    raise TypeError(f"dlcore_static.viz: cannot draw {f!r} (expected a Tensor, an Operation, a "
                    "Variable or a name)")


def _graph_of(fetches, graph: Graph | None) -> Graph:
    if graph is not None:
        return graph
    for f in _flatten(fetches):
        g = getattr(f, "graph", None)
        if isinstance(g, Graph):
            return g
    return get_default_graph()


def _split(graph: Graph, fetches) -> tuple[list[Tensor], list[Operation]]:
    els = [_element(graph, f) for f in _flatten(fetches)]
    return ([e for e in els if isinstance(e, Tensor)], [e for e in els if isinstance(e, Operation)])


def ancestors(fetches, graph: Graph | None = None) -> list[Operation]:
    """Every op that the fetches depend on through data or control inputs (feeds ignored),
    including ops inside control-flow bodies, in creation order."""
    graph = _graph_of(fetches, graph)
    tensors, ops = _split(graph, fetches)
    seen: set = set()
    stack = [t.op for t in tensors] + ops
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
        stack.extend(t.op for t, _ in _attr_tensors(op))
    return _in_creation_order(graph, seen)


def _in_creation_order(graph: Graph, ops) -> list[Operation]:
    """``ops`` sorted as ``graph.get_operations()`` lists them (the order they were made)."""
    rank = {op: i for i, op in enumerate(graph.get_operations())}
    return sorted(ops, key=lambda o: rank.get(o, len(rank)))


def executed_ops(fetches, feed_dict=None, graph: Graph | None = None) -> list[Operation]:
    """The ops one ``Session.run(fetches, feed_dict)`` executes, by the Session's own rule."""
    graph = _graph_of(fetches, graph)
    tensors, ops = _split(graph, fetches)
    fed = {_element(graph, k) for k in (feed_dict or {})}
    fed = {t for t in fed if isinstance(t, Tensor)}
    return list(prune(tensors, ops, fed))


def _shape_text(t: Tensor) -> str:
    try:
        return str(t.shape)
    except Exception:                                     # noqa: BLE001 - a picture never fails
        return ""


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else "…" + name[-(limit - 1):]


def op_kind(op: Operation) -> str:
    """The picture's kind for an op: placeholder, variable, constant, gradient, control, ..."""
    if op.name.split("/")[0].startswith(GRADIENT_SCOPE) and op.type not in ("Const",):
        return "gradient"
    return KIND_BY_TYPE.get(op.type, "op")


def op_label(op: Operation, shapes: bool = True) -> str:
    """The node's name, then its type (unless the name says it) and its output shape; a small
    constant shows its value instead."""
    base = op.name.rsplit("/", 1)[-1].split("_")[0]
    first = _short(op.name)
    value = getattr(op, "attrs", {}).get("value") if op.type == "Const" else None
    if value is not None and getattr(value, "size", 2) == 1:
        return f"{first}\n= {value.item() if hasattr(value, 'item') else value:g}"
    second = "" if base == op.type else op.type
    if shapes and len(op.outputs) == 1:
        second = (second + " " + _shape_text(op.outputs[0])).strip()
    return first + ("\n" + second if second else "")


def _group_of(op: Operation) -> str | None:
    ctx = op.control_flow_context
    if ctx is None:
        return None
    kind = getattr(ctx, "kind", "context")
    name = getattr(ctx, "name", "") or ""
    branch = getattr(ctx, "branch", None)
    return " ".join(str(p) for p in (kind, name, branch) if p not in (None, ""))


_RANK = {None: 0, "not run": 1, "ran": 2, "taken": 2, "gradient": 3, "fed": 4, "fetched": 5}
_SKIP_ATTRS = {"loop_vars", "variable", "branches", "context"}


def _rep(op: Operation) -> Operation:
    """The node an op is drawn as: a variable read is drawn as its variable."""
    if op.type == "VariableRead" and isinstance(op.attrs.get("variable"), Operation):
        return op.attrs["variable"]
    return op


def _attr_tensors(op: Operation) -> list[tuple[Tensor, str]]:
    """Tensors an op holds in its attributes (a cond's branch outputs, a loop's body outputs
    and predicate): the sub-graphs it runs, with a label for the edge."""
    out: list = []
    for key, value in getattr(op, "attrs", {}).items():
        if key in _SKIP_ATTRS:
            continue
        if key == "branch_outputs" and isinstance(value, (list, tuple)) and len(value) == 2:
            parts = [("true", value[0]), ("false", value[1])]
        else:
            parts = [(key.replace("_outputs", ""), value)]
        for label, v in parts:
            items = v if isinstance(v, (list, tuple)) else [v]
            out += [(t, label) for t in items if isinstance(t, Tensor)]
    return out


def initializer_ops(graph: Graph) -> set:
    """Ops that only serve to initialise variables (``v.initializer`` and what it reads, and
    ``global_variables_initializer``'s group)."""
    inits = [v.initializer for v in graph.get_collection("variables")
             if getattr(v, "initializer", None) is not None]
    if not inits:
        return set()
    init_set = set(ancestors(inits, graph))
    init_set |= {op for op in graph.get_operations()
                 if op.type == "NoOp" and op.control_inputs
                 and all(c in init_set for c in op.control_inputs)}
    others = [op for op in graph.get_operations() if op not in init_set]
    return init_set - set(ancestors(others, graph))


def graph_diagram(fetches=None, graph: Graph | None = None, *, ops: Iterable | None = None,
                  title: str = "", shapes: bool = True, highlight: dict | None = None,
                  initializers: bool = False, notes: dict | None = None,
                  rankdir: str = "TB", collapse: bool | None = None,
                  expand: Iterable[str] | bool = ()) -> Diagram:
    """A Diagram of ``graph``: all of it, only what ``fetches`` depend on, or the given ``ops``.

    ``highlight`` maps ops (or op names) to a highlight name ('ran', 'not run', 'fed', ...);
    ``notes`` maps op names to an extra label line (a time, a device); ``initializers=True``
    also draws the variables' initialisers.

    Name scopes (``tf.name_scope``, the ``gradients`` scope of ``tf.gradients``) are folded into
    one node each, as TensorBoard does, when ``collapse=True``, or by default when the picture
    has more than ``AUTO_COLLAPSE`` nodes; ``expand`` names scopes to open (``"gradients"``
    shows one block per op's gradient), ``expand=True`` opens all.  Ops inside a ``cond`` or
    ``while_loop`` keep their frame and are never folded.
    """
    graph = _graph_of(fetches, graph)
    if ops is None:
        ops = ancestors(fetches, graph) if fetches is not None else graph.get_operations()
    ops = list(ops)
    if not initializers:
        hidden = initializer_ops(graph)
        ops = [op for op in ops if op not in hidden]
    marks: dict = {}
    for k, v in (highlight or {}).items():
        op = _rep(k if isinstance(k, Operation) else graph.get_operation_by_name(str(k)))
        if _RANK.get(v, 2) >= _RANK.get(marks.get(op.name), 0):
            marks[op.name] = v
    shown: dict = {}
    for op in ops:
        shown.setdefault(_rep(op), None)
        if op.type.startswith("Assign") and isinstance(op.attrs.get("variable"), Operation):
            shown.setdefault(op.attrs["variable"], None)
    d = Diagram(title=title, rankdir=rankdir)
    for op in _in_creation_order(graph, shown):
        label = op_label(op, shapes)
        if op.type == "VariableV2":
            shape = op.attrs.get("shape")
            label = f"{_short(op.name)}\nVariable {tuple(shape) if shape is not None else ''}"
        note = (notes or {}).get(op.name)
        if note:
            label += "\n" + note
        group = _group_of(op)
        scope = op.name.rsplit("/", 1)[0] if "/" in op.name and group is None else None
        d.add_node(Node(op.name, label, op_kind(op), marks.get(op.name), group,
                        f"{op.type} defined at {getattr(op, 'defined_at', '?')}", scope))
    for op in shown:
        me = op.name
        for t in op.inputs:
            src = _rep(t.op)
            if src in shown:
                kind = "gradient" if op_kind(op) == "gradient" else "data"
                d.add_edge(Edge(src.name, me, f":{t.value_index}" if t.value_index else "",
                                kind))
        for c in op.control_inputs:
            if _rep(c) in shown:
                d.add_edge(Edge(_rep(c).name, me, "", "control"))
        for t, label in _attr_tensors(op):
            if _rep(t.op) in shown:
                d.add_edge(Edge(_rep(t.op).name, me, label, "data"))
        var = op.attrs.get("variable") if op.type.startswith("Assign") else None
        if isinstance(var, Operation) and var in shown:
            d.add_edge(Edge(var.name, me, "writes", "ref"))
    if collapse or (collapse is None and len(d.nodes) > AUTO_COLLAPSE and expand is not True):
        d = d.collapse_scopes(expand)
    return d


def draw_graph(fetches=None, graph: Graph | None = None, **kw) -> Diagram:
    """The graph (or the part of it that ``fetches`` need).  Displays itself in Jupyter."""
    kw.setdefault("title", "the graph" if fetches is None else "the graph the fetches need")
    return graph_diagram(fetches, graph, **kw)


def draw_gradients(ys, grads=None, graph: Graph | None = None, **kw) -> Diagram:
    """The forward graph of ``ys`` together with the gradient nodes that ``tf.gradients`` added
    (ops under the ``gradients`` name scope, drawn in purple; the returned gradients get a
    purple border).  Pass the gradient tensors as ``grads`` to draw exactly what computes them;
    otherwise every gradient op in the graph is shown."""
    graph = _graph_of(ys, graph)
    forward = set(ancestors(ys, graph))
    if grads is not None:
        ops = set(ancestors(grads, graph)) | forward
    else:
        grad_ops = [op for op in graph.get_operations()
                    if op.name.split("/")[0].startswith(GRADIENT_SCOPE)]
        ops = forward | set(ancestors(grad_ops, graph))
    ordered = _in_creation_order(graph, ops)
    marks = {}
    for g in _flatten(grads):
        if g is not None:
            el = _element(graph, g)
            marks[el.op if isinstance(el, Tensor) else el] = "gradient"
    kw.setdefault("title", f"forward graph ({len(forward)} nodes) + gradient graph "
                           f"({len(ordered) - len(forward)} nodes)")
    kw.setdefault("expand", (GRADIENT_SCOPE,))           # one block per op's gradient
    return graph_diagram(None, graph, ops=ordered, highlight=marks, **kw)


def draw_run(fetches, feed_dict=None, graph: Graph | None = None, *, run_metadata=None,
             whole_graph: bool = True, **kw) -> Diagram:
    """Which nodes ``Session.run(fetches, feed_dict)`` executes: green = ran, grey dashed = not
    run, blue = fed (its value comes from ``feed_dict``, so its producer does not run), thick
    black = fetched.

    Without ``run_metadata`` nothing is run: the Session's pruning rule is applied to the graph
    (ops inside ``cond`` branches are then left unmarked: which branch runs is only known at run
    time).  With the ``tf.RunMetadata`` of a real ``sess.run(..., run_metadata=md)``, the
    nodes it executed are marked, including those of the branch a ``cond`` took, and each shows
    the time it took (``md.step_stats``).
    """
    graph = _graph_of(fetches, graph)
    if run_metadata is not None:
        names = set(run_metadata.executed_ops)
        ran = {op for op in graph.get_operations() if op.name in names}
    else:
        ran = set(executed_ops(fetches, feed_dict, graph))
    # The identities that cond/while put on branch and body outputs are not copied at run time
    # (the runners read their inputs: loop_history.unwrap_identity); one whose input ran was
    # part of the branch taken, as an alias.
    for op in graph.get_operations():
        if (op not in ran and op.control_flow_context is not None and op.outputs
                and unwrap_identity(op.outputs[0]) is not op.outputs[0]
                and op.inputs[0].op in ran):
            ran.add(op)
    fed_ops = set()
    for k in feed_dict or {}:
        el = _element(graph, k)
        if isinstance(el, Tensor):
            fed_ops.add(el.op)
    tensors, ops = _split(graph, fetches)
    fetched = {t.op for t in tensors} | set(ops)
    shown = graph.get_operations() if whole_graph else _in_creation_order(
        graph, set(ancestors(fetches, graph)) | fed_ops)
    marks: dict = {}
    for op in shown:
        if op in fetched:
            marks[op] = "fetched"
        elif op in fed_ops and op not in ran:
            marks[op] = "fed"
        elif op in ran:
            marks[op] = "ran"
        elif run_metadata is not None or op.control_flow_context is None:
            marks[op] = "not run"
    notes: dict = {}
    for name, _, seconds in getattr(run_metadata, "step_stats", None) or []:
        try:
            key = _rep(graph.get_operation_by_name(name)).name
        except KeyError:                                     # a fused step, a copy
            key = name
        notes[key] = notes.get(key, 0.0) + seconds          # loop bodies: summed over iterations
    notes = {k: f"{1e3 * v:.2f} ms" for k, v in notes.items()}
    title = kw.pop("title", None)
    d = graph_diagram(None, graph, ops=shown, highlight=marks, notes=notes, **kw)
    n_ran = sum(n.highlight in ("ran", "fetched") for n in d.nodes.values())
    d.title = title if title is not None else (
        f"one Session.run: {n_ran} of the {len(d.nodes)} nodes shown run")
    return d


def draw_passes(before: Graph | Diagram, after: Graph | Diagram, *,
                titles: tuple[str, str] = ("before", "after"), title: str = "") -> Diagram:
    """Two graphs (or diagrams) side by side, e.g. a graph before and after an optimisation
    pass.  Node counts go in the panel titles."""
    d1 = before if isinstance(before, Diagram) else graph_diagram(graph=before)
    d2 = after if isinstance(after, Diagram) else graph_diagram(graph=after)
    names = [f"{t} ({len(d.nodes)} nodes)" for t, d in zip(titles, (d1, d2))]
    return side_by_side(d1, d2, titles=names, title=title)


_IR_KINDS = {"feed": "placeholder", "const": "constant", "prim": "op", "fused": "fused"}


def program_diagram(prog, title: str = "", shapes: bool = True, highlight: dict | None = None,
                    rankdir: str = "TB") -> Diagram:
    """A picture of the graph compiler's IR (``dlcore_static.compiler.ir.Program``): what one
    Session plan looks like at some stage of the passes.  Fused nodes list the ops they hold."""
    d = Diagram(title=title, rankdir=rankdir)
    nodes = list(getattr(prog, "feeds", [])) + list(prog.nodes)
    ids = {id(n): f"n{i}" for i, n in enumerate(nodes)}
    fetched = {id(v.node) for v in getattr(prog, "fetches", []) if v is not None}
    fetched |= {id(n) for n in getattr(prog, "targets", [])}
    marks = highlight or {}
    for n in nodes:
        kind = _IR_KINDS.get(n.kind) or (op_kind(n.op) if n.op is not None else "op")
        if n.kind == "fused":
            members = [getattr(m, "type", str(m)) for m in n.members]
            label = "Fused: " + " ".join(members[:4]) + (" ..." if len(members) > 4 else "")
        else:
            label = _short(n.name) + ("" if n.name.split("/")[-1].split("_")[0] == n.type
                                      else f"\n{n.type}")
        if n.kind == "const" and getattr(n.value, "size", 2) == 1:
            label += f"\n= {float(n.value):g}"
        elif shapes and n.avals:
            label += f"\n{tuple(n.avals[0].shape)}"
        how = marks.get(n.name) or ("fetched" if id(n) in fetched else None)
        d.add_node(Node(ids[id(n)], label, kind, how, tooltip=n.name))
    for n in nodes:
        for v in n.inputs:
            if id(v.node) in ids:
                d.add_edge(Edge(ids[id(v.node)], ids[id(n)], f":{v.index}" if v.index else ""))
        for c in n.control:
            if id(c) in ids:
                d.add_edge(Edge(ids[id(c)], ids[id(n)], "", "control"))
    return d


def draw_compiler_passes(session, fetches, feed_dict=None, stages=("input", None)) -> Diagram:
    """The program of ``session.run(fetches, feed_dict)`` before and after the Session's graph
    passes (``tf.Session(passes=...)``), side by side, with node counts.  Nodes that a pass
    added are marked in cyan.  ``None`` as a stage means the last pass."""
    report = getattr(session.plan(fetches, feed_dict), "compiler", None)  # the passes' report
    programs = getattr(report, "programs", None) or {}
    if not programs:
        raise ValueError("this Session ran no graph passes; create it with "
                         "tf.Session(passes='all') (or a list of pass names)")
    names = list(programs)
    chosen = [names[-1] if s is None else s for s in stages]
    seen: set = set()
    panels = []
    for i, stage in enumerate(chosen):
        prog = programs[stage]
        here = {n.name for n in list(prog.feeds) + list(prog.nodes)}
        added = {} if i == 0 else {name: "added" for name in here - seen}
        seen |= here
        panels.append(program_diagram(prog, highlight=added))
    titles = [f"{s} ({len(p.nodes)} nodes)" for s, p in zip(chosen, panels)]
    return side_by_side(*panels, titles=titles,
                        title="the program one Session.run executes, through the passes")


def count_by_type(graph: Graph | None = None) -> dict[str, int]:
    """How many ops of each type a graph holds: a quick before/after summary."""
    out: dict[str, int] = {}
    for op in (graph or get_default_graph()).get_operations():
        out[op.type] = out.get(op.type, 0) + 1
    return out


__all__ = ["ancestors", "count_by_type", "draw_compiler_passes", "draw_gradients", "draw_graph",
           "draw_passes", "draw_run", "executed_ops", "graph_diagram", "op_kind", "op_label",
           "program_diagram"]
