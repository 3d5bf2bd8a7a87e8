"""``fit`` of a model whose class overrides Keras 3's ``train_step(data)`` (keras.io's
"Variational AutoEncoder", "Customizing what happens in fit"), or ``test_step`` or
``predict_step``, on the static engine.

``train_step`` is called once, on placeholders shaped like a batch (``data`` as Keras 3 packs
it: ``x`` alone, ``(x, y)`` or ``(x, y, sample_weight)``), and builds one step in the graph:
its ``tf.GradientTape`` gradients, ``optimizer.apply_gradients`` updates and
``metric.update_state`` calls.  Each batch then runs, in this order (Keras 3's eager order):

1. every op the call built that nothing else uses (the updates it made and dropped: the
   optimizer's, the metrics', a layer's), with the returned values that depend on the batch
   (computed before the updates, as in Keras 3, by the graph's dependencies);
2. the returned values that read only state (``tracker.result()``), after the updates.

The returned dict's values are the batch's logs (a dict value, as ``compile_metrics``'s
result, is spread into them, as Keras 3 does); as in Keras 3 the epoch's logs are the last
batch's (not an average), and ``model.metrics`` are reset as each epoch begins.  Validation
runs ``test_step`` (``_custom_eval``, which holds ``fit``, evaluate, predict and the ``*_on_batch`` methods;
a step the class does not override is Keras 3's default).  Not supported
(NotImplementedError): datasets and generators.

The compiled loss and metrics, as Keras 3's "Customizing what happens in fit" guide uses them
(``compile(optimizer, loss, metrics)`` recorded, nothing built): ``model.compute_loss(x, y,
y_pred, sample_weight)`` is the compiled loss (each output's mean loss times its weight, plus
the layers' losses), and ``model.metrics`` is ``[Mean(name="loss"), compile_metrics]``, the
latter updating every compiled metric from ``update_state(y, y_pred)`` and giving a dict.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..array_ops import placeholder
from ..graph import get_default_graph
from . import optimizers_keras3 as _k3

_BUILTIN = "dlcore_static."


STEPS = ("train_step", "test_step", "predict_step")
def overridden(model, names=STEPS + ("compute_loss",)) -> bool:
    """Whether a user's class of ``model`` defines one of ``names`` (any step, or Keras 3's
    ``compute_loss``, by default: such a model is compiled as Keras 3 compiles, and its loops
    run through the steps, the default ones calling its ``compute_loss``)."""
    return any(n in vars(c) for c in type(model).__mro__
               if not c.__module__.startswith(_BUILTIN) for n in names)


def step_fn(model, name: str):
    """The user's ``train_step``/``test_step``/``predict_step``, or Keras 3's default (the
    ``Model`` methods, which an override can call with ``super()``)."""
    return getattr(model, name)


def _arrays(v, what: str):
    if isinstance(v, dict):
        return {k: _arrays(a, what) for k, a in v.items()}
    if isinstance(v, (list, tuple)):
        return [_arrays(a, what) for a in v]
    if v is None or not hasattr(v, "__len__"):
        raise NotImplementedError(f"a model with custom steps: `{what}` must be arrays "
                                  f"(or lists/dicts of arrays); datasets and generators are "
                                  f"not supported, got {type(v).__name__}")
    return np.asarray(v)


def _signature(v):
    if isinstance(v, dict):
        return tuple((k, _signature(a)) for k, a in v.items())
    if isinstance(v, list):
        return tuple(_signature(a) for a in v)
    return None if v is None else (v.shape[1:], v.dtype.str)


def _leaves(v) -> list:
    if isinstance(v, dict):
        return [a for k in v for a in _leaves(v[k])]
    if isinstance(v, list):
        return [a for x in v for a in _leaves(x)]
    return [] if v is None else [v]


def _like(v, phs: list):
    """Placeholders in ``v``'s structure (appended to ``phs`` in ``_leaves`` order)."""
    if isinstance(v, dict):
        return {k: _like(a, phs) for k, a in v.items()}
    if isinstance(v, list):
        return [_like(a, phs) for a in v]
    if v is None:
        return None
    dt = "float32" if v.dtype.kind == "f" else v.dtype
    phs.append(placeholder(dt, (None,) + v.shape[1:], name=f"train_step_data_{len(phs)}"))
    return phs[-1]


def _ancestors_hit(t, targets: set) -> bool:
    """Whether ``t`` depends on ``targets`` (through inputs or control inputs: a value read
    after an optimizer update, ``order_after``, runs with the batch)."""
    seen, stack = set(), [t.op]
    while stack:
        op = stack.pop()
        if op in targets:
            return True
        for dep in [i.op for i in op.inputs] + list(op.control_inputs):
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return False


def _reads(op, placeholders: set) -> bool:
    """Whether ``op`` computes from one of ``placeholders``."""
    return any(_ancestors_hit(t, placeholders) for t in op.inputs) or op in placeholders


def not_compiled(model) -> Exception:
    """The error of a loop on a model that is not compiled; a compiled model with custom
    steps runs fit, evaluate, predict and the *_on_batch methods through them, not the
    Keras 2 generator loops."""
    if overridden(model) and model.__dict__.get("_deferred_compile") is not None:
        return NotImplementedError(f"{type(model).__name__} has custom steps: fit, evaluate, "
                                   "predict and the *_on_batch methods run them; the Keras 2 "
                                   "generator loops (fit_generator, ...) are not supported")
    return RuntimeError("You must compile your model before training/testing. Use "
                        "`model.compile(optimizer, loss)`.")


def _spread(logs: Mapping) -> dict:
    out: dict = {}
    for k, v in logs.items():
        out.update(_spread(v) if isinstance(v, Mapping) else {k: v})
    return out


def _keras3_order(logs: Mapping) -> list:
    """The log names in the order Keras 3's ``pythonify_logs`` leaves them: sorted keys, a
    nested dict (``compile_metrics``) spread where its key sorts."""
    out: list = []
    for k in sorted(logs):
        for name in (_keras3_order(logs[k]) if isinstance(logs[k], Mapping) else [k]):
            if name not in out:
                out.append(name)
    return out


def _compiled(model) -> dict:
    args = model.__dict__.get("_deferred_compile")
    if args is None:
        raise RuntimeError("You must call `compile()` before using the model.")
    return args


def _pairs(model, y, y_pred) -> list:
    """(output name, y, y_pred) per output, y and y_pred given as one tensor, a list or a
    dict keyed by the output names."""
    names = list(getattr(model, "output_names", None) or ["output"])
    if isinstance(y_pred, Mapping):
        return [(k, y[k] if isinstance(y, Mapping) else y, y_pred[k]) for k in y_pred]
    if isinstance(y_pred, (list, tuple)):
        return [(names[i] if i < len(names) else str(i), y[i], p)
                for i, p in enumerate(y_pred)]
    return [(names[0], y, y_pred)]


def _same_rank(a, b):
    """Keras 3's ``squeeze_or_expand_to_same_rank``: ranks one apart meet by squeezing a
    last axis of size 1 of the larger, else expanding the smaller."""
    from dlcore import ops as _ops
    ra, rb = a.aval.ndim, b.aval.ndim
    if ra == rb + 1:
        return (_ops.squeeze(a, -1), b) if a.aval.shape[-1] == 1 else \
            (a, _ops.expand_dims(b, -1))
    if rb == ra + 1:
        return (a, _ops.squeeze(b, -1)) if b.aval.shape[-1] == 1 else \
            (_ops.expand_dims(a, -1), b)
    return a, b


def compute_loss(model, x=None, y=None, y_pred=None, sample_weight=None, training=True):
    """Keras 3's ``Model.compute_loss``: the compiled loss of ``y_pred`` against ``y``."""
    from dlcore import ops as _ops

    from . import backend as K
    from . import losses as _losses
    args = _compiled(model)
    loss, weights = args.get("loss"), args.get("loss_weights")
    total = None
    for name, yt, yp in _pairs(model, y, y_pred):
        fn = loss.get(name) if isinstance(loss, Mapping) else loss
        if fn is None:
            continue
        per = _losses.get(fn)(K._to_tensor(yt), K._to_tensor(yp))
        if sample_weight is not None:
            per, sw = _same_rank(per, K._to_tensor(sample_weight))
            per = _ops.mul(per, sw)
        term = _ops.mean(per)
        w = weights.get(name, 1.0) if isinstance(weights, Mapping) else 1.0
        term = _ops.mul(term, float(w)) if w != 1.0 else term
        total = term if total is None else _ops.add(total, term)
    for extra in getattr(model, "losses", None) or []:
        extra = _ops.mean(extra) if extra.aval.ndim else extra
        total = extra if total is None else _ops.add(total, extra)
    if total is None:
        raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
    return total


class CompileMetrics:
    """Keras 3's ``compile_metrics``: the compiled metrics as one metric (result: a dict)."""

    name = "compile_metrics"

    def __init__(self, model, metrics):
        self._model, self._given = model, list(metrics)
        self._made: list = []

    def update_state(self, y_true, y_pred, sample_weight=None):
        from ..control_flow import group
        from . import _metric_state as _ms
        from . import metric_classes as _mc
        ups = []
        loss = _compiled(self._model).get("loss")
        for i, (name, yt, yp) in enumerate(_pairs(self._model, y_true, y_pred)):
            for j, m in enumerate(self._given):
                if len(self._made) <= i * len(self._given) + j and _ms.is_user_metric(m):
                    self._made.append(m)            # (a user's Metric: its own state)
                elif len(self._made) <= i * len(self._given) + j:
                    label, fn = type(self._model)._metric_fn(m, loss, yp)
                    self._made.append(_mc.MeanMetricWrapper(fn, name=label))
                ups.append(self._made[i * len(self._given) + j].update_state(
                    yt, yp, sample_weight=sample_weight))
        return group(*ups)

    def result(self) -> dict:
        from ._metric_state import _as_tensor
        return {m.name: _as_tensor(m.result()) for m in self._made}

    def reset_state(self) -> None:
        for m in self._made:
            m.reset_state()


def metrics(model) -> list:
    """``model.metrics`` of a compiled model with a custom train_step: Keras 3's loss tracker
    and, with compiled metrics, ``compile_metrics``."""
    args = model.__dict__.get("_deferred_compile")
    if args is None:
        return []
    made = model.__dict__.get("_step_metrics")
    if made is None:
        from . import metric_classes as _mc
        made = [_mc.Mean(name="loss")]
        if args.get("metrics"):
            made.append(CompileMetrics(model, args["metrics"]))
        model.__dict__["_step_metrics"] = made
    return list(made)


def _pack(parts: list, mode: str):
    """``data`` as Keras 3 hands it to a step: ``"drop"`` (fit, evaluate, predict) the given
    parts, ``x`` alone when only it; ``"full"`` (``*_on_batch``) ``(x, y, sample_weight)``
    with None where not given; ``"x"`` (``predict_on_batch``) ``(x,)``."""
    if mode == "full":
        return tuple(parts)
    if mode == "x":
        return (parts[0],)
    given = tuple(p for p in parts if p is not None)
    return given[0] if len(given) == 1 else given


def _flat(out) -> tuple[list, object]:
    """The tensors of a predict step's result and its structure (to rebuild it)."""
    if isinstance(out, Mapping):
        keys = list(out)
        return [out[k] for k in keys], ("dict", keys)
    if isinstance(out, (list, tuple)):
        return list(out), (type(out).__name__, len(out))
    return [out], None


def rebuild(values: list, structure):
    if structure is None:
        return values[0]
    kind, info = structure
    if kind == "dict":
        return dict(zip(info, values))
    return tuple(values) if kind == "tuple" else list(values)


class _Step:
    """The graph of one ``train_step``/``test_step``/``predict_step`` and its two runs per
    batch (``data``: x, y and sample weights, None where not given; ``mode``: ``_pack``'s)."""

    def __init__(self, model, data: list, name: str = "train_step", mode: str = "drop"):
        from ..control_flow import group
        from . import backend as K
        g = get_default_graph()
        first = len(g.get_operations())
        phs: list = []
        self.model = model
        self.structure = None
        self.shown: list = []
        with g.as_default():
            ordered = _k3.ORDERED                 # (optimizer updates ordered: order_after)
            ordered.append([])
            try:
                out = step_fn(model, name)(_pack([_like(d, phs) for d in data], mode))
            finally:
                for v, read in reversed(ordered.pop()):
                    v._read = read
            if name == "predict_step":
                self.names: list | None = None
                vals, self.structure = _flat(out)
                vals = [K._to_tensor(v) for v in vals]
            else:
                if not isinstance(out, Mapping):
                    raise TypeError(f"{name} must return a dict of logs (name -> value), got "
                                    f"{type(out).__name__}")
                logs = _spread(out)
                self.names = list(logs)
                self.shown = _keras3_order(out)     # (the order Keras 3's progress bar shows)
                vals = [K._to_tensor(v) for v in logs.values()]
            new = g.get_operations()[first:]
            used = {i.op for op in new for i in op.inputs} | \
                {c for op in new for c in op.control_inputs}
            inits = {v.initializer for v in g._variables_by_op.values()}
            out_ops = {t.op for t in vals}
            fed = {p.op for p in phs}
            # (not the graph of a model built lazily in the step, a Sequential called there
            # first: it reads that model's own input placeholder, which nothing feeds)
            others = {op for op in new if op.type == "Placeholder" and op not in fed}
            # (not the step's own unused inputs and variables: a step ignoring y, rv19 K2)
            updates = [op for op in new if op not in used and op not in inits and
                       op not in out_ops and op.type not in ("Placeholder", "VariableV2")
                       and not (others and _reads(op, others))]
            self.update = group(*updates)
        self.first = [i for i, t in enumerate(vals) if _ancestors_hit(t, fed)]
        self.after = [i for i in range(len(vals)) if i not in self.first]
        self.vals, self.phs, self.graph = vals, phs, g

    def run_arrays(self, sess, batch: list) -> list:
        """The step's values for one batch (the leaves of ``data``, in ``_leaves`` order)."""
        from . import _run_phase
        feed = dict(zip(self.phs, batch))
        feed.update(_run_phase.feeds(self.model))      # (BatchNormalization's trainable)
        got = sess.run([self.update] + [self.vals[i] for i in self.first], feed)[1:]
        later = sess.run([self.vals[i] for i in self.after]) if self.after else []
        out: list = [None] * len(self.vals)
        for i, v in zip(self.first + self.after, list(got) + list(later)):
            out[i] = v
        return out

    def run(self, sess, batch: list) -> list:
        return [float(np.mean(v)) for v in self.run_arrays(sess, batch)]


def step_for(model, data: list, name: str, mode: str = "drop") -> _Step:
    """The step built for data of this structure, shapes and dtypes (built once, kept)."""
    steps = model.__dict__.setdefault("_custom_steps", {})
    key = (name, mode, tuple(_signature(d) for d in data))
    if key not in steps:
        steps[key] = _Step(model, data, name, mode)
    return steps[key]


def optimizer_of(model):
    if model.optimizer is None:
        from . import optimizers as _optimizers
        model.optimizer = _optimizers.get(_compiled(model)["optimizer"])
    return model.optimizer


def arrays(x, y, sample_weight) -> list:
    """``[x, y, sample_weight]`` as arrays (None where not given)."""
    return [None if v is None else _arrays(v, n)
            for v, n in ((x, "x"), (y, "y"), (sample_weight, "sample_weight"))]


def _split(data: list, validation_split, validation_data):
    """The training data and the validation data (None) as Keras 3 takes them: the last
    ``validation_split`` of the samples, unshuffled, or ``validation_data``."""
    if validation_data is not None:
        parts = list(validation_data) if isinstance(validation_data, (tuple, list)) else \
            [validation_data]                      # (Keras 3 reads a list as a tuple)
        return data, arrays(*(parts + [None] * (3 - len(parts)))[:3])
    if not validation_split:
        return data, None
    n = len(_leaves(data[0])[0])
    at = int(n * (1.0 - validation_split))

    def cut(v, sl):
        if isinstance(v, dict):
            return {k: cut(a, sl) for k, a in v.items()}
        if isinstance(v, list):
            return [cut(a, sl) for a in v]
        return None if v is None else v[sl]
    return [cut(d, slice(0, at)) for d in data], [cut(d, slice(at, None)) for d in data]


def batches(data: list, batch_size, shuffle: bool = False):
    """The leaves of ``data`` in batches: (arrays, size)."""
    flat = [a for d in data for a in _leaves(d)]
    n = len(flat[0])
    bs = 32 if batch_size is None else int(batch_size)
    order = np.random.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, bs):
        idx = order[start:start + bs]
        yield [a[idx] for a in flat], len(idx)
