"""User functions of ``map``, ``filter``, ``flat_map`` and ``interleave``: traced once, run per
element.

TensorFlow traces a dataset function into a graph function.  Here ``TracedFunction`` calls the
user's function once, at build time, on placeholders shaped like one element (under a name
scope such as ``map_fn``), so it builds ordinary graph ops.  Running it for an element is a
small Session plan: the ops between those placeholders and the returned tensors, built once per
Session with ``plan.build_plan`` (fed: the element placeholders, then the placeholders of the
outer graph the function reads, whose values were captured when the iterator was initialised)
and run with ``runtime.run_plan`` per element.

Per element rather than per batch, because that is TensorFlow's meaning of ``map`` (a function
may reduce over its element, or return a different shape each time).  Measured here (2 shared
cores, 20,000 elements of shape (8,), batched into one array): slicing and batching cost
3.2 us per element; a 1-op ``map`` adds 1.5 us, a 3-op ``map`` (``relu(v * 2 + 1)``) adds
3.5 us.  Written after ``batch(32)`` the same 3-op function runs once per batch, and a whole
``Session.run`` of ``get_next`` then takes about 90 us per batch (2.8 us per element).

Outer tensors the function uses that are not placeholders (a ``tf.constant``, a variable's
value) are computed by the function's plan itself; random ops inside it draw a new sample per
element from the Session's streams.  A function may also return a ``Dataset`` (``flat_map``):
then its plan computes the inner dataset's captured tensors, and the inner dataset is iterated
with those values.
"""

from __future__ import annotations

import inspect
import weakref

import numpy as np

from dlcore.device import CPU, to_device

from .. import plan as _plan
from ..array_ops import placeholder
from ..frontend import to_tensor
from ..graph import Tensor, get_default_graph
from ..host_ops import as_array
from ..runtime import run_plan
from .base import Context, Dataset
from .structure import Spec, Structure, flatten


def _call_user(fn, spec: Spec, args: list, what: str, fname: str):
    """``fn(*element)`` for a tuple element (TensorFlow unpacks it), else ``fn(element)``; a
    function that cannot take that many arguments is told so in the element's terms."""
    nested = spec.structure.pack(args)
    call_args = tuple(nested) if spec.structure.kind == "tuple" else (nested,)
    try:
        inspect.signature(fn).bind(*call_args)
    except TypeError as e:
        n = len(call_args)
        how = (f"a tuple of {n} components, passed as {n} arguments"
               if spec.structure.kind == "tuple" else "one value, passed as one argument")
        raise TypeError(f"{what}: `{fname}` cannot be called with the dataset's element "
                        f"{spec.describe_types()} ({how}): {e}") from None
    except ValueError:                          # no signature (a builtin): just call it
        pass
    return fn(*call_args)


def _leaf_tensor(v, what: str, fname: str) -> Tensor:
    if isinstance(v, Tensor):
        return v
    if hasattr(v, "_as_graph_element"):
        return v._as_graph_element()
    if v is None or isinstance(v, (str, bytes, set, Dataset)) or callable(v):
        raise TypeError(f"{what}: `{fname}` must return a tensor or a nested tuple/dict of "
                        f"tensors, but one of the returned components is "
                        f"{type(v).__name__} {v!r}")
    try:
        return to_tensor(v, get_default_graph())
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what}: `{fname}` returned a component that cannot be converted "
                        f"to a tensor ({type(v).__name__}): {e}") from None


class TracedFunction:
    """``fn`` traced on placeholders shaped like an element of ``spec``; see the module
    docstring.  ``out_spec`` (tensor results) or ``dataset`` (a returned Dataset)."""

    def __init__(self, fn, spec: Spec, what: str, fname: str = "map_func",
                 returns_dataset: bool = False):
        if not callable(fn):
            raise TypeError(f"{what}: `{fname}` must be callable, got {type(fn).__name__}")
        g = get_default_graph()
        self.what = what
        with g.name_scope(f"{what}_fn"):
            self.args = [placeholder(dt, shape, name="arg")
                         for dt, shape in zip(spec.dtypes, spec.shapes)]
            ret = _call_user(fn, spec, list(self.args), what, fname)
        self.dataset: Dataset | None = None
        self.out_spec: Spec | None = None
        if returns_dataset:
            if not isinstance(ret, Dataset):
                raise TypeError(f"{what}: `{fname}` must return a `Dataset` object, got "
                                f"{type(ret).__name__}")
            self.dataset = ret
            self.outs = ret._captures()
        else:
            if isinstance(ret, list):               # TF 1.15 turns a returned list into a tuple
                ret = tuple(ret)
            if isinstance(ret, Dataset):
                raise TypeError(f"{what}: `{fname}` returned a Dataset; use flat_map or "
                                "interleave to flatten datasets")
            with g.name_scope(f"{what}_fn"):
                self.outs = [_leaf_tensor(v, what, fname) for v in flatten(ret)]
            self.out_spec = Spec(Structure.of(ret), tuple(t.aval.dtype for t in self.outs),
                                 tuple(t.shape.dims for t in self.outs))
        fed = set(self.args)
        ops = _plan.prune(self.outs, [], fed)
        self.captures = [op.outputs[0] for op in ops if op.type == "Placeholder"]
        self._plans: dict = {}          # session -> Plan (weakly: sessions are short-lived)

    def spec(self) -> Spec:
        """The element spec of the function's tensor results."""
        assert self.out_spec is not None, "a function returning a Dataset has no tensor spec"
        return self.out_spec

    def inner(self) -> Dataset:
        """The dataset a ``flat_map`` function returned (traced on the placeholders)."""
        assert self.dataset is not None, "this function returns tensors, not a Dataset"
        return self.dataset

    def _plan_for(self, session):
        key = id(session)
        entry = self._plans.get(key)
        if entry is None or entry[0]() is not session:
            plan = _plan.build_plan(session, self.outs, self.args + self.captures)
            entry = self._plans[key] = (weakref.ref(session), plan)
        return entry[1]

    def __call__(self, ctx: Context, element: tuple) -> list:
        """The function's flat results for one element (NumPy arrays on the host)."""
        plan = self._plan_for(ctx.session)
        inputs = list(element) + [ctx.values[c] for c in self.captures]
        dev = ctx.session.device
        if dev != CPU:
            inputs = [v if np.asarray(v).dtype.kind == "O" else to_device(np.asarray(v), dev)
                      for v in inputs]
            return [as_array(to_device(v, CPU)) for v in run_plan(plan, inputs, False)]
        return [as_array(v) for v in run_plan(plan, inputs, False)]

    def inner_context(self, ctx: Context, element: tuple) -> Context:
        """For a function returning a dataset: the context to iterate it for ``element``."""
        vals = self(ctx, element) if self.outs else []
        return ctx.with_values(dict(zip(self.outs, vals)))
