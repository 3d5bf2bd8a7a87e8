"""``Session``: runs the part of a graph that the fetches need, with values fed in.

``sess.run(fetches, feed_dict)``:

1. flattens ``fetches`` (``fetches.FetchMapper``) and converts each feed with
   ``np.asarray(value, dtype=key.dtype)`` (so float64 data fed to a float32 placeholder is cast);
2. looks up the cached ``Plan`` for (fetch structure, fed tensors with their shapes; the dtypes
   are the fed tensors' own, since every feed is converted to its key's dtype); on a miss it
   checks the feeds against the static shapes (``None`` matches any size) and builds the plan
   (``plan.py``: prune, order, allocate, compile steps).  Feeds whose shapes keep changing
   (graphs of varying size, unpadded sequences) would build and compile a plan per shape:
   after ``MEGAMORPHIC_AFTER`` shapes for the same fetches and fed tensors, every new shape
   runs one plan built for any shape, not optimised per shape (as TensorFlow's XLA stops
   compiling a "megamorphic" cluster and runs it in the plain executor);
3. runs the plan's steps (``runtime.run_steps``, the one loop every execution path uses) over
   a flat list of value slots, so each tensor has exactly one value per run (a random op with
   two consumers gives both the same sample); a compiled plan (``plan.one_step``: one step that
   takes the feeds and returns the fetched values) is called directly, without the slot list
   and the loop (``_call_one_step``: 11.0 -> 7.6 us for a one-op graph, issue 19);
4. commits the run's variable writes (assign ops stage their values, reads consult the staged
   values first, and the staged values are committed only when the whole run succeeded: a
   failed or interrupted run leaves every variable as it was; ``variable_store.py``);
5. returns the values in the fetches' structure (a 0-d result is a NumPy scalar, a fetched
   Operation is None, a fed tensor fetched gives the fed value).

Variables live in the Session (``sess.variables``, a ``VariableStore``); a second Session on the
same graph has its own values and needs its own initializer run.  ``Session(device='cuda')``
(or ops under ``tf.device('/gpu:0')``) runs the numba.cuda kernels; feeds are copied to the
device and fetches back, and each copy is counted (``dlcore.transfer_stats()``).

Threads: several threads may call ``run`` on one Session.  Staging is per thread, and a plan
that assigns variables runs under the store's lock (from its first read to its commit), so
concurrent ``assign_add`` runs lose no update.

The compiler is not imported here: ``Session(passes=...)`` asks the pipeline factory that
``dlcore_static/__init__`` installs (``set_pipeline_factory``) for a pipeline, and every plan
built is handed to it (``Session(pipeline=...)`` takes one directly).

Seeing what ran: pass ``run_metadata=tf.RunMetadata()`` and read ``run_metadata.executed_ops``
(node names in execution order, including the nodes inside the branch a ``cond`` took) and
``run_metadata.step_stats`` ((name, op type, seconds) per node); each run overwrites them.
``sess.plan(fetches, feed_dict)`` returns the cached ``Plan`` itself.
"""

from __future__ import annotations

import logging

import numpy as np

from dlcore.device import CPU, as_device, is_cuda_array, to_device
from dlcore.device import cuda_available as _cuda_available

from . import _gc_pause
from . import plan as _plan
from ._direct_run import NOT_DIRECT, count_direct_run as _count_direct_run, direct_run
from ._feed_values import _check_feeds, _convert_feed_value
from .errors import InvalidArgumentError
from .fetches import FetchMapper, expands, fetch_key, final_reads, flat_feeds, with_values
from .graph import (Graph, Operation, Tensor, get_default_graph, get_default_session, graph_stack,
                    session_stack)
from .runtime import run_plan, run_steps, traced, wrap_error
from .variable_store import VariableStore

__all__ = ["ConfigProto", "InteractiveSession", "RunMetadata", "RunOptions", "Session",
           "get_default_session", "run_subplan", "set_pipeline_factory"]

# Made by ``Session(passes=...)`` when no ``pipeline=`` is given: ``dlcore_static/__init__``
# installs the compiler's (``dlcore_static.compiler.Pipeline``); this module never imports it.
_PIPELINE_FACTORY = None

# distinct feed shapes per (fetches, fed tensors) that get a plan of their own (optimised and
# compiled for those shapes); the shapes after them share one plan built for any shape.  The
# tf_graph_nets program (600 steps, graphs of random sizes: 139 shapes) took 10.9 s CPU with a
# plan per shape against 4.3 s with none compiled.
MEGAMORPHIC_AFTER = 8


def set_pipeline_factory(factory) -> None:
    """``factory(passes) -> pipeline``: what ``Session(passes=...)`` hands each built plan to.
    A pipeline is called as ``pipeline(session, plan, fetches, fed, feed_values)`` and returns
    the plan to run (the same one, or an optimised one)."""
    global _PIPELINE_FACTORY
    _PIPELINE_FACTORY = factory


class RunOptions:
    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3

    def __init__(self, trace_level: int = 0, output_partition_graphs: bool = False):
        self.trace_level = trace_level
        self.output_partition_graphs = output_partition_graphs


class RunMetadata:
    """Filled by ``Session.run(..., run_metadata=md)``: which nodes *that run* executed, and how
    long each took.  As in TensorFlow 1, each run overwrites it (reusing one ``RunMetadata``
    over many runs does not accumulate)."""

    def __init__(self):
        self.step_stats: list[tuple] = []
        self.partition_graphs: list = []

    @property
    def executed_ops(self) -> list[str]:
        return [name for name, _, _ in self.step_stats]


class GPUOptions:
    """``tf.GPUOptions``: TensorFlow's GPU memory options, accepted and kept (``allow_growth``,
    ``per_process_gpu_memory_fraction``, ``visible_device_list``).  dlcore allocates device
    arrays as it needs them (there is no pre-allocated pool), so they change nothing.

    Example::

        >>> import dlcore_static as tf
        >>> opts = tf.GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=0.5)
        >>> config = tf.ConfigProto(gpu_options=opts)
        >>> config.gpu_options.allow_growth
        True
    """

    _FIELDS = {"allow_growth": False, "per_process_gpu_memory_fraction": 0.0,
               "visible_device_list": "", "allocator_type": "", "deferred_deletion_bytes": 0,
               "polling_active_delay_usecs": 0, "polling_inactive_delay_msecs": 0,
               "force_gpu_compatible": False, "experimental": None}

    def __init__(self, **fields):
        for k, v in self._FIELDS.items():
            object.__setattr__(self, k, v)
        for k, v in fields.items():
            setattr(self, k, v)

    def __setattr__(self, key, value):
        if key not in self._FIELDS:              # protobuf's message for an unknown field
            raise ValueError(f'Protocol message GPUOptions has no "{key}" field.')
        if key == "per_process_gpu_memory_fraction":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one "
                                "of: int, long, float")
            value = float(value)
        object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        set_ = {k: getattr(self, k) for k, d in self._FIELDS.items() if getattr(self, k) != d}
        return "\n".join(f"{k}: {v!r}" for k, v in set_.items())


class ConfigProto:
    """Session options: ``device`` ('cpu', 'cuda', 'cuda:0') is the default placement;
    ``gpu_options`` (a :class:`GPUOptions`, also set as ``config.gpu_options.allow_growth =
    True``) and TensorFlow's other fields (thread counts, ``device_count``) are kept.
    ``allow_soft_placement`` is False unless set, as TF's: an op pinned to '/gpu:0' runs on the
    CPU of a machine without CUDA only with ``allow_soft_placement=True``; without it the run
    fails (TF: "Cannot assign a device for operation ..."), as with no config at all."""

    def __init__(self, device=None, log_device_placement: bool = False,
                 allow_soft_placement: bool = False, gpu_options=None, **_ignored):
        self.device = device
        self.log_device_placement = log_device_placement
        self.allow_soft_placement = allow_soft_placement
        if gpu_options is not None and not isinstance(gpu_options, GPUOptions):
            raise TypeError(f"Parameter to MergeFrom() must be instance of same class: expected "
                            f"GPUOptions got {type(gpu_options).__name__}.")
        self.gpu_options = gpu_options if gpu_options is not None else GPUOptions()
        for k, v in _ignored.items():
            setattr(self, k, v)


class Session:
    """A TensorFlow-1 Session.  Use it as a context manager (it becomes the default session).

    ``passes`` chooses the graph passes and compiler (see ``dlcore_static.compiler``);
    ``pipeline`` hands in the object that transforms each built plan directly (it wins over
    ``passes``).  Public parts other modules use: ``variables`` (the ``VariableStore``),
    ``random_stream(key, make)``, ``subplan(...)``, ``plan(...)``.
    """

    def __init__(self, target: str = "", graph: Graph | None = None, config=None, *,
                 device=None, passes=None, pipeline=None):
        self.graph = graph if graph is not None else get_default_graph()
        self.passes = passes            # graph passes and compiler: see dlcore_static.compiler
        if pipeline is None and _PIPELINE_FACTORY is not None:
            pipeline = _PIPELINE_FACTORY(passes)
        self.pipeline = pipeline
        dev = device if device is not None else getattr(config, "device", None)
        if dev is None and target and target not in ("", "local"):
            dev = target
        self.device = CPU if dev is None else as_device(dev)
        if self.device.type == "cuda":
            from dlcore.device import cuda_module
            cuda_module()                                   # clear error when CUDA is missing
        # soft placement (ConfigProto(allow_soft_placement=True)) without CUDA: ops placed on
        # a GPU by tf.device run on the CPU, as TensorFlow places them (plan.placed)
        self._soft_cpu = bool(getattr(config, "allow_soft_placement", False)) and \
            self.device.type == "cpu" and not _cuda_available()
        self._closed = False
        self.variables = VariableStore()
        self._rngs: dict = {}
        self._cache: dict = {}
        self._shapes_seen: dict = {}     # (fetch key, fed tensors) -> plans built for shapes
        self._default_ctx = False        # this Session's graph pushed as the default one

    # -- context manager / default session
    def __enter__(self) -> Session:
        # graph.as_default()'s push and pop without its generator (a Session per graph built
        # per batch, issue 19)
        if self._default_ctx:
            raise RuntimeError("Session context managers are not re-entrant. Use "
                               "`Session.as_default()` if you want to enter a session multiple "
                               "times.")
        graph_stack().append(self.graph)
        _gc_pause.begin_building()      # (its graph the default one, as in as_default())
        self._default_ctx = True
        session_stack().append(self)
        return self

    def __exit__(self, *exc) -> None:
        session_stack().pop()
        if self._default_ctx:
            self._default_ctx = False
            graph_stack().pop()
            _gc_pause.end_building()
        self.close()

    def as_default(self):
        sess = self

        class _Ctx:
            def __enter__(self_inner):
                session_stack().append(sess)
                return sess

            def __exit__(self_inner, *exc):
                session_stack().pop()
        return _Ctx()

    def close(self) -> None:
        self._closed = True
        self.variables.clear()
        self._cache.clear()
        self._shapes_seen.clear()

    @property
    def graph_def(self):
        """``Session.graph_def``: the graph's ``tf.GraphDef`` (graph_def.py)."""
        from .graph_def import as_graph_def
        return as_graph_def(self.graph)

    def random_stream(self, key, make):
        """The random generator of ``key`` (a random op, or None for the Session-wide one),
        made by ``make()`` on first use and kept for the Session's life."""
        rng = self._rngs.get(key)
        if rng is None:
            rng = self._rngs.setdefault(key, make())
        return rng

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
            if not self._cache and run_metadata is None and "_direct" not in self.__dict__:
                # the Session's first run: without a plan where it can (_direct_run)
                self._direct: set = set()
                res = direct_run(self, fetches, fed, vals, _check_feeds)
                if res is not NOT_DIRECT:
                    self._direct.add((fkey, feed_key))
                    self._count_shape(fkey, feed_key, 1)    # (as a plan built for it)
                    return res
            entry = self._entry(fkey, feed_key, fetches, fed, vals)
        plan, mapper = entry
        if plan.one_step and run_metadata is None and self.device is CPU:
            # a compiled (or tiered) plan: one step, the feeds in, the fetched values out
            # (plan.py), called without the slot list and the interpreter loop (issue 19)
            if plan.writes_state:
                with self.variables.lock:
                    res = _call_one_step(plan.steps[0][0], vals, self.variables)
                    after = final_reads(plan, self.variables)
                if after:
                    res = with_values(res, after)
            else:
                res = _call_one_step(plan.steps[0][0], vals, self.variables)
            if mapper is None:
                return _host_value(res[0])
            return mapper.rebuild([_host_value(v) for v in res])
        slots = [None] * plan.nslots
        if self.device.type == "cpu":
            for s, v in zip(plan.feed_slots, vals):
                slots[s] = v
        else:
            for s, v in zip(plan.feed_slots, vals):      # strings stay on the host
                slots[s] = v if v.dtype.kind == "O" else to_device(v, self.device)
        finals: list = []
        if plan.writes_state:       # read-modify-write of variables: one such run at a time
            with self.variables.lock:
                self._execute(plan, slots, run_metadata)
                finals = final_reads(plan, self.variables)
        else:
            self._execute(plan, slots, run_metadata)
        out: list = []
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
        for i, v in finals:
            out[i] = _host_value(v)
        return mapper.rebuild(out) if mapper is not None else out[0]

    def _execute(self, plan, slots, md: RunMetadata | None) -> None:
        """Run the steps; commit the staged variable writes only if everything succeeded."""
        store = self.variables
        try:
            if md is None:
                run_steps(plan.steps, slots)
            else:
                stats: list = []
                with traced(stats):
                    run_steps(plan.steps, slots, stats)
                md.step_stats = stats
                md.partition_graphs = [plan]
            store.commit()
        except BaseException:
            store.discard()
            raise

    def _entry(self, fkey, feed_key, fetches, fed, vals):
        """``_new_entry``'s; a key that ``direct_run`` ran has had its first run."""
        direct = self.__dict__.get("_direct")
        if direct and (fkey, feed_key) in direct:
            direct.clear()
            self._count_shape(fkey, feed_key, -1)   # (counted again as its plan is built)
            entry = self._new_entry(fkey, feed_key, fetches, fed, vals)
            _count_direct_run(entry[0])
            return entry
        return self._new_entry(fkey, feed_key, fetches, fed, vals)

    def _count_shape(self, fkey, feed_key, n: int) -> None:
        """A key run without a plan counts among its family's shapes (``_new_entry``)."""
        if fkey is not None and feed_key:
            family = (fkey, feed_key[0::2])
            self._shapes_seen[family] = self._shapes_seen.get(family, 0) + n

    def _new_entry(self, fkey, feed_key, fetches, fed, vals):
        """The plan for a key the cache does not hold: one per feed shape up to
        ``MEGAMORPHIC_AFTER`` shapes of the same fetches and fed tensors, then the one plan for
        any shape (built without the pipeline's per-shape optimisation)."""
        if fkey is None:
            return self._make_entry(fetches, fed, vals)
        family = (fkey, feed_key[0::2])
        seen = self._shapes_seen.get(family, 0)
        if seen < MEGAMORPHIC_AFTER or not feed_key:
            entry = self._make_entry(fetches, fed, vals)
            self._shapes_seen[family] = seen + 1
            self._cache[(fkey, feed_key)] = entry
            return entry
        entry = self._cache.get(family)
        if entry is None:
            entry = self._make_entry(fetches, fed, vals, per_shape=False)
            self._cache[family] = entry
            line = (f"dlcore_static: Session {id(self):#x}: feeds of more than "
                    f"{MEGAMORPHIC_AFTER} shapes for the same fetches: one plan for any shape "
                    "from here on, not optimised per shape (megamorphic)")
            self.__dict__.setdefault("recompile_log", []).append(line)
            logging.getLogger("dlcore_static.compiler").info(line)
        return entry

    def _make_entry(self, fetches, fed, vals, per_shape: bool = True):
        if not self.graph._ops:
            raise RuntimeError("The Session graph is empty.  Add operations to the graph before "
                               "calling run().")
        if type(fetches) is Tensor and fetches.graph is self.graph:
            mapper, leaves = None, [fetches]
        else:
            mapper = FetchMapper(self.graph, fetches)
            leaves = mapper.leaves
        _check_feeds(fed, vals)
        # the cyclic collector paused (_gc_pause.py, issue 19)
        plan = _gc_pause.call(_plan.build_with_pipeline, self, leaves, fed, fetches, vals, per_shape)
        return plan, mapper

    def _convert_feeds(self, feed_dict):
        fed, vals, key = [], [], []
        graph = self.graph
        for k, v in feed_dict.items():
            if type(k) is Tensor and k.op.graph is graph:
                t = k
            else:
                if expands(k):          # a tuple of tensors, a SparseTensor: fed element-wise
                    return self._convert_feeds(flat_feeds(feed_dict))
                t = self._feed_key(k)
            dt = t.aval.dtype
            if type(v) is not np.ndarray or v.dtype is not dt and v.dtype != dt or \
                    dt.kind == "O":
                # (an object array fed to a tf.string tensor may hold str: made bytes there)
                v = _convert_feed_value(v, t, k)
            fed.append(t)
            vals.append(v)
            key.append(t)
            key.append(v.shape)
        return fed, vals, tuple(key)

    def _feed_key(self, k) -> Tensor:
        try:
            if isinstance(k, Tensor):
                t = k
            elif isinstance(k, str):
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

    # -- tools
    def plan(self, fetches, feed_dict=None) -> _plan.Plan:
        """The (cached) execution plan for these fetches and feeds, without running it."""
        fkey = fetch_key(fetches)
        fed, vals, feed_key = self._convert_feeds(feed_dict) if feed_dict else ((), (), ())
        entry = self._cache.get((fkey, feed_key)) if fkey is not None else None
        if entry is None:
            entry = self._entry(fkey, feed_key, fetches, fed, vals)
        return entry[0]

    def subplan(self, fetch_tensors, captured, ctx) -> _plan.Plan:
        """A cond branch's or loop body's plan: ops of ``ctx`` only, ``captured`` handed in."""
        return _plan.build_plan(self, list(fetch_tensors), [], ctx=ctx, captured=list(captured))

    def list_devices(self) -> list:
        from .python.client.device_lib import session_devices
        return session_devices(self)


class InteractiveSession(Session):
    """A Session that installs itself as the default session on construction."""

    def __init__(self, target: str = "", graph=None, config=None, **kw):
        super().__init__(target, graph, config, **kw)
        session_stack().append(self)
        # TF1: a graph given explicitly is also the default graph until close() (what
        # Hvass-Labs' style transfer builds after InteractiveSession(graph=model.graph))
        self._explicit_graph = graph
        if graph is not None:
            graph_stack().append(graph)

    def close(self) -> None:
        if self in session_stack():
            session_stack().remove(self)
        g, self._explicit_graph = getattr(self, "_explicit_graph", None), None
        if g is not None:
            stack = graph_stack()
            for i in range(len(stack) - 1, -1, -1):     # (not nested: TF's enforce_nesting off)
                if stack[i] is g:
                    del stack[i]
                    break
        super().close()


def _call_one_step(fn, vals, store: VariableStore) -> tuple:
    """``fn(*vals)`` of a one-step plan, as ``Session._execute`` runs any plan: the step's
    error as ``runtime.run_steps`` raises it, the staged variable writes committed only when
    it succeeded."""
    try:
        try:
            res = fn(*vals)
        except BaseException as e:  # noqa: BLE001 - re-raised as run_steps does
            raise wrap_error(e, None) from None
        store.commit()
    except BaseException:
        store.discard()
        raise
    return res


def _host_value(v):
    """A fetched value as ``Session.run`` returns it: a 0-d array as a NumPy scalar, a
    read-only array copied, a CUDA array copied to the host."""
    if type(v) is np.ndarray:
        if v.ndim == 0:
            return v[()]
        if not v.flags.writeable:
            return v.copy()
        return v
    if v is None or isinstance(v, np.generic):
        return v
    if is_cuda_array(v):
        v = to_device(v, CPU)
        return v[()] if v.ndim == 0 else v
    return v


def run_subplan(session: Session, plan, captured_values) -> list:
    """Run a sub-plan (cond branch, loop body) with the captured outer values (traced when the
    calling run is)."""
    return run_plan(plan, captured_values)


_wrap_error = wrap_error        # the old private name, for callers outside the package


# ============================================================================ simple executors
def _const_factory(op: Operation, session: Session, device):
    value = op.attrs["value"]
    if device.type != "cpu" and value.dtype.kind != "O":       # strings stay on the host
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
