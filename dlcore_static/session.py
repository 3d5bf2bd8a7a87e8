"""``Session``: runs the part of a graph that the fetches need, with values fed in.

``sess.run(fetches, feed_dict)``:

1. flattens ``fetches`` (``fetches.FetchMapper``) and converts each feed with
   ``np.asarray(value, dtype=key.dtype)`` (so float64 data fed to a float32 placeholder is cast);
2. looks up the cached ``Plan`` for (fetch structure, fed tensors with their shapes; the dtypes
   are the fed tensors' own, since every feed is converted to its key's dtype); on a miss it
   checks the feeds against the static shapes (``None`` matches any size) and builds the plan
   (``plan.py``: prune, order, allocate, compile steps);
3. runs the plan's steps in one interpreter loop over a flat list of value slots, so each tensor
   has exactly one value per run (a random op with two consumers gives both the same sample);
4. commits the run's variable writes (assign ops write to a staging dict that reads consult, and
   it is merged into the Session's variables only when the whole run succeeded: a failed run
   leaves every variable as it was);
5. returns the values in the fetches' structure (a 0-d result is a NumPy scalar, a fetched
   Operation is None, a fed tensor fetched gives the fed value).

Variables live in the Session (``sess._variables``: {VariableV2 op: buffer}); a second Session on
the same graph has its own values and needs its own initializer run.  ``Session(device='cuda')``
(or ops under ``tf.device('/gpu:0')``) runs the numba.cuda kernels; feeds are copied to the
device and fetches back, and each copy is counted (``dlcore.transfer_stats()``).

One call at a time: the staging dict of variable writes is per Session, so concurrent
``run`` calls on one Session from several threads are not supported (use one Session per
thread).

Seeing what ran: pass ``run_metadata=tf.RunMetadata()`` and read ``run_metadata.executed_ops``
(node names in execution order, including the nodes inside the branch a ``cond`` took) and
``run_metadata.step_stats`` ((name, op type, seconds) per node).  ``sess.plan(fetches,
feed_dict)`` returns the cached ``Plan`` itself.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from dlcore.device import CPU, as_device, is_cuda_array, to_device

from . import dtypes as _dtypes
from . import plan as _plan
from .errors import InvalidArgumentError, OpError, UnimplementedError, node_suffix
from .fetches import FetchMapper, fetch_key
from .graph import Graph, Operation, Tensor, get_default_graph

_TRACE: list | None = None          # set while a traced run executes (see RunMetadata)


class RunOptions:
    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3

    def __init__(self, trace_level: int = 0, output_partition_graphs: bool = False):
        self.trace_level = trace_level
        self.output_partition_graphs = output_partition_graphs


class RunMetadata:
    """Filled by ``Session.run(..., run_metadata=md)``: which nodes ran, and how long each took."""

    def __init__(self):
        self.step_stats: list[tuple] = []
        self.partition_graphs: list = []

    @property
    def executed_ops(self) -> list[str]:
        return [name for name, _, _ in self.step_stats]


class ConfigProto:
    """Session options: ``device`` ('cpu', 'cuda', 'cuda:0') is the default placement."""

    def __init__(self, device=None, log_device_placement: bool = False,
                 allow_soft_placement: bool = True, **_ignored):
        self.device = device
        self.log_device_placement = log_device_placement


class Session:
    """A TensorFlow-1 Session.  Use it as a context manager (it becomes the default session)."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None, *,
                 device=None, passes=None):
        self.graph = graph if graph is not None else get_default_graph()
        self.passes = passes            # graph passes and compiler: see dlcore_static.compiler
        dev = device if device is not None else getattr(config, "device", None)
        if dev is None and target and target not in ("", "local"):
            dev = target
        self.device = CPU if dev is None else as_device(dev)
        if self.device.type == "cuda":
            from dlcore.device import cuda_module
            cuda_module()                                   # clear error when CUDA is missing
        self._closed = False
        self._variables: dict[Operation, object] = {}
        self._staged: dict[Operation, object] = {}
        self._rngs: dict = {}
        self._cache: dict = {}
        self._default_ctx = None

    # -- context manager / default session
    def __enter__(self) -> Session:
        self._default_ctx = self.graph.as_default()
        self._default_ctx.__enter__()
        _session_stack().append(self)
        return self

    def __exit__(self, *exc) -> None:
        _session_stack().pop()
        self._default_ctx.__exit__(*exc)
        self.close()

    def as_default(self):
        sess = self

        class _Ctx:
            def __enter__(self_inner):
                _session_stack().append(sess)
                return sess

            def __exit__(self_inner, *exc):
                _session_stack().pop()
        return _Ctx()

    def close(self) -> None:
        self._closed = True
        self._variables.clear()
        self._cache.clear()

    @property
    def graph_def(self):
        from .saving import graph_to_json
        return graph_to_json(self.graph)

    # -- run
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        fkey = fetch_key(fetches)
        if feed_dict:
            fed, vals, feed_key = self._convert_feeds(feed_dict)
        else:
            fed, vals, feed_key = (), (), ()
        entry = self._cache.get((fkey, feed_key)) if fkey is not None else None
        if entry is None:
            entry = self._make_entry(fetches, fed, vals)
            if fkey is not None:
                self._cache[(fkey, feed_key)] = entry
        plan, mapper = entry
        slots = [None] * plan.nslots
        if self.device.type == "cpu":
            for s, v in zip(plan.feed_slots, vals):
                slots[s] = v
        else:
            for s, v in zip(plan.feed_slots, vals):
                slots[s] = to_device(v, self.device)
        if run_metadata is None:
            self._execute(plan, slots)
        else:
            self._execute_traced(plan, slots, run_metadata)
        out = []
        for s in plan.fetch_slots:
            if s is None:
                out.append(None)
                continue
            v = slots[s]
            if type(v) is np.ndarray:
                if v.ndim == 0:
                    v = v[()]
                elif not v.flags.writeable:
                    v = v.copy()
            elif is_cuda_array(v):
                v = to_device(v, CPU)
                v = v[()] if v.ndim == 0 else v
            out.append(v)
        return mapper.rebuild(out) if mapper is not None else out[0]

    def _make_entry(self, fetches, fed, vals):
        if not self.graph._ops:
            raise RuntimeError("The Session graph is empty.  Add operations to the graph before "
                               "calling run().")
        if type(fetches) is Tensor and fetches.graph is self.graph:
            mapper, leaves = None, [fetches]
        else:
            mapper = FetchMapper(self.graph, fetches)
            leaves = mapper.leaves
        for t, v in zip(fed, vals):
            if not t.shape.is_compatible_with(v.shape):
                raise ValueError(f"Cannot feed value of shape {v.shape!r} for Tensor "
                                 f"{t.name!r}, which has shape {str(t.shape)!r}")
            if t.op.attrs.get("unfeedable"):
                raise ValueError(f"Tensor {t.name} may not be fed.")
        plan = _plan.build_plan(self, leaves, list(fed))
        from .compiler import session_hook  # passes, recompile log (issue 5)
        plan = session_hook(self, plan, fetches, fed, vals)
        return plan, mapper

    def _convert_feeds(self, feed_dict):
        fed, vals, key = [], [], []
        for k, v in feed_dict.items():
            t = k if type(k) is Tensor else self._feed_key(k)
            dt = t.aval.dtype
            if type(v) is not np.ndarray or v.dtype != dt:
                v = _convert_feed_value(v, t, k)
            fed.append(t)
            vals.append(v)
            key.append(t)
            key.append(v.shape)
        return fed, vals, tuple(key)

    def _feed_key(self, k) -> Tensor:
        try:
            if isinstance(k, str):
                t = self.graph.get_tensor_by_name(k)
            elif hasattr(k, "_as_graph_element"):
                t = k._as_graph_element()
            else:
                raise TypeError
        except (TypeError, KeyError, ValueError) as e:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: "
                            f"{e.args[0] if e.args else k!r}" if isinstance(k, str) else
                            f"Cannot interpret feed_dict key as Tensor: Can not convert a "
                            f"{type(k).__name__} into a Tensor.") from None
        if t.graph is not self.graph:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: Tensor {t!r} is not an "
                            "element of this graph.")
        return t

    # -- the interpreter
    def _execute(self, plan, vals) -> None:
        staged = self._staged
        try:
            for fn, ins, out, params, op in plan.steps:
                # Arity-specialised calls: no argument list is built for the common cases.
                n = len(ins)
                if params:
                    vals[out] = fn(*[vals[i] for i in ins], **params)
                elif n == 2:
                    vals[out] = fn(vals[ins[0]], vals[ins[1]])
                elif n == 1:
                    vals[out] = fn(vals[ins[0]])
                elif n == 0:
                    vals[out] = fn()
                else:
                    vals[out] = fn(*[vals[i] for i in ins])
        except BaseException as e:
            staged.clear()
            raise _wrap_error(e, op) from None
        if plan.writes_state:
            self._commit()

    def _execute_traced(self, plan, vals, md: RunMetadata) -> None:
        global _TRACE
        old, _TRACE = _TRACE, md.step_stats
        try:
            _run_steps_traced(plan, vals, md.step_stats)
        except BaseException:
            self._staged.clear()
            raise
        finally:
            _TRACE = old
        md.partition_graphs.append(plan)
        if plan.writes_state:
            self._commit()

    def _commit(self) -> None:
        staged = self._staged
        if staged:
            self._variables.update(staged)
            staged.clear()

    # -- tools
    def plan(self, fetches, feed_dict=None) -> _plan.Plan:
        """The (cached) execution plan for these fetches and feeds, without running it."""
        fkey = fetch_key(fetches)
        fed, vals, feed_key = self._convert_feeds(feed_dict) if feed_dict else ((), (), ())
        entry = self._cache.get((fkey, feed_key))
        if entry is None:
            entry = self._make_entry(fetches, fed, vals)
            if fkey is not None:
                self._cache[(fkey, feed_key)] = entry
        return entry[0]

    def subplan(self, fetch_tensors, captured, ctx) -> _plan.Plan:
        """A cond branch's or loop body's plan: ops of ``ctx`` only, ``captured`` handed in."""
        return _plan.build_plan(self, list(fetch_tensors), [], ctx=ctx, captured=list(captured))

    def list_devices(self) -> list:
        return [self.device]


class InteractiveSession(Session):
    """A Session that installs itself as the default session on construction."""

    def __init__(self, target: str = "", graph=None, config=None, **kw):
        super().__init__(target, graph, config, **kw)
        _session_stack().append(self)

    def close(self) -> None:
        if self in _session_stack():
            _session_stack().remove(self)
        super().close()


def run_subplan(session: Session, plan, captured_values) -> list:
    """Run a sub-plan (cond branch, loop body) with the captured outer values."""
    vals = [None] * plan.nslots
    for i, v in enumerate(captured_values):
        vals[i] = v
    if _TRACE is None:
        for fn, ins, out, params, op in plan.steps:
            try:
                vals[out] = fn(*[vals[i] for i in ins], **params)
            except BaseException as e:
                raise _wrap_error(e, op) from None
    else:
        _run_steps_traced(plan, vals, _TRACE)
    return [vals[s] for s in plan.fetch_slots]


def _run_steps_traced(plan, vals, stats: list) -> None:
    perf = time.perf_counter
    for fn, ins, out, params, op in plan.steps:
        t0 = perf()
        try:
            vals[out] = fn(*[vals[i] for i in ins], **params)
        except BaseException as e:
            raise _wrap_error(e, op) from None
        if op is not None:
            stats.append((op.name, op.type, perf() - t0))


def _wrap_error(e: BaseException, op) -> BaseException:
    """Kernel errors become TensorFlow executor errors naming the node and where it was made."""
    if isinstance(e, OpError) or not isinstance(e, Exception):
        return e
    if isinstance(e, NotImplementedError):
        return UnimplementedError(None, op, f"{e}{node_suffix(op)}")
    return InvalidArgumentError(None, op, f"{type(e).__name__}: {e}{node_suffix(op)}")


def _convert_feed_value(v, t: Tensor, key):
    if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
        raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable feed "
                        "values include Python scalars, strings, lists, numpy ndarrays, or "
                        f"TensorHandles. For reference, the tensor object was {v!r} which was "
                        f"passed to the feed with key {key!r}.")
    dt = t.aval.dtype
    if is_cuda_array(v):
        v = to_device(v, CPU)
    try:
        src = np.asarray(v)
        if dt.kind in "iu" and src.dtype.kind in "iu" and src.size:
            info = np.iinfo(dt)
            if src.min() < info.min or src.max() > info.max:
                raise OverflowError
        return np.asarray(src, dtype=dt)
    except OverflowError:
        raise TypeError(f"Type of feed value {v!r} with type {type(v)!r} is not compatible with "
                        f"Tensor type {_dtypes.as_dtype(dt)!r}. Try explicitly setting the type "
                        "of the feed tensor to a larger type (e.g. int64).") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"Cannot convert the value fed for Tensor {t.name!r} to "
                         f"{dt.name}: {e}") from None


# ============================================================================ default session
_local = threading.local()


def _session_stack() -> list:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def get_default_session() -> Session:
    s = _session_stack()
    if not s:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit session "
                         "to `eval(session=sess)`")
    return s[-1]


# ============================================================================ simple executors
def _const_factory(op: Operation, session: Session, device):
    value = op.attrs["value"]
    if device.type != "cpu":
        value = to_device(value, device)

    def const():
        return value
    return const, {}


def _placeholder_factory(op: Operation, session: Session, device):
    msg = _plan.missing_feed_message(op)

    def placeholder():
        raise InvalidArgumentError(None, op, msg)
    return placeholder, {}


def _identity(x):
    return x


def _noop(*_):
    return ()


_plan.EXECUTORS["Const"] = _const_factory
_plan.EXECUTORS["Placeholder"] = _placeholder_factory
_plan.EXECUTORS["PlaceholderWithDefault"] = lambda op, s, d: (_identity, {})
_plan.EXECUTORS["NoOp"] = lambda op, s, d: (_noop, {})
