"""``fit`` of a model whose class overrides Keras 3's ``train_step(data)`` (keras.io's
"Variational AutoEncoder", "Customizing what happens in fit"), on the static engine.

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
batch's (not an average), and ``model.metrics`` are reset as each epoch begins.  Not
supported (NotImplementedError): validation (it needs ``test_step``), datasets, generators.

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

_BUILTIN = "dlcore_static."


def overridden(model) -> bool:
    """Whether a user's class of ``model`` defines ``train_step``."""
    return any("train_step" in vars(c) for c in type(model).__mro__
               if not c.__module__.startswith(_BUILTIN))


def _arrays(v, what: str):
    if isinstance(v, dict):
        return {k: _arrays(a, what) for k, a in v.items()}
    if isinstance(v, (list, tuple)):
        return [_arrays(a, what) for a in v]
    if v is None or not hasattr(v, "__len__"):
        raise NotImplementedError(f"fit with a custom train_step: `{what}` must be arrays "
                                  f"(or lists/dicts of arrays); datasets and generators are "
                                  f"not supported, got {type(v).__name__}")
    return np.asarray(v)


def _leaves(v) -> list:
    if isinstance(v, dict):
        return [a for k in v for a in _leaves(v[k])]
    if isinstance(v, list):
        return [a for x in v for a in _leaves(x)]
    return [v]


def _like(v, phs: list):
    """Placeholders in ``v``'s structure (appended to ``phs`` in ``_leaves`` order)."""
    if isinstance(v, dict):
        return {k: _like(a, phs) for k, a in v.items()}
    if isinstance(v, list):
        return [_like(a, phs) for a in v]
    dt = "float32" if v.dtype.kind == "f" else v.dtype
    phs.append(placeholder(dt, (None,) + v.shape[1:], name=f"train_step_data_{len(phs)}"))
    return phs[-1]


def _ancestors_hit(t, targets: set) -> bool:
    seen, stack = set(), [t.op]
    while stack:
        op = stack.pop()
        if op in targets:
            return True
        for i in op.inputs:
            if i.op not in seen:
                seen.add(i.op)
                stack.append(i.op)
    return False


def not_compiled(model) -> Exception:
    """The error of evaluate/train_on_batch/... on a model that is not compiled; a compiled
    model with a custom train_step is only fit (Keras 3's test_step is not supported)."""
    if overridden(model) and model.__dict__.get("_deferred_compile") is not None:
        return NotImplementedError(f"{type(model).__name__} has a custom train_step: only fit "
                                   "runs it; evaluate and the *_on_batch methods (Keras 3's "
                                   "test_step) are not supported by dlcore")
    return RuntimeError("You must compile your model before training/testing. Use "
                        "`model.compile(optimizer, loss)`.")


def _spread(logs: Mapping) -> dict:
    out: dict = {}
    for k, v in logs.items():
        out.update(_spread(v) if isinstance(v, Mapping) else {k: v})
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
            per = _ops.mul(per, K._to_tensor(sample_weight))
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
        from . import metric_classes as _mc
        ups = []
        loss = _compiled(self._model).get("loss")
        for i, (name, yt, yp) in enumerate(_pairs(self._model, y_true, y_pred)):
            for j, m in enumerate(self._given):
                if len(self._made) <= i * len(self._given) + j:
                    label, fn = type(self._model)._metric_fn(m, loss, yp)
                    self._made.append(_mc.MeanMetricWrapper(fn, name=label))
                ups.append(self._made[i * len(self._given) + j].update_state(
                    yt, yp, sample_weight=sample_weight))
        return group(*ups)

    def result(self) -> dict:
        return {m.name: m.result() for m in self._made}

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


class _Step:
    """The graph of one ``train_step`` and its two runs per batch."""

    def __init__(self, model, data):
        from ..control_flow import group
        from . import backend as K
        g = get_default_graph()
        first = len(g.get_operations())
        phs: list = []
        with g.as_default():
            packed = tuple(_like(d, phs) for d in data)
            logs = model.train_step(packed[0] if len(packed) == 1 else packed)
            if not isinstance(logs, Mapping):
                raise TypeError("train_step must return a dict of logs (name -> value), got "
                                f"{type(logs).__name__}")
            logs = _spread(logs)
            new = g.get_operations()[first:]
            used = {i.op for op in new for i in op.inputs} | \
                {c for op in new for c in op.control_inputs}
            inits = {v.initializer for v in g._variables_by_op.values()}
            self.names = list(logs)
            vals = [K._to_tensor(v) for v in logs.values()]
            out_ops = {t.op for t in vals}
            updates = [op for op in new if op not in used and op not in inits and
                       op not in out_ops]
            self.update = group(*updates)
        fed = {p.op for p in phs}
        self.first = [i for i, t in enumerate(vals) if _ancestors_hit(t, fed)]
        self.after = [i for i in range(len(vals)) if i not in self.first]
        self.vals, self.phs, self.graph = vals, phs, g

    def run(self, sess, batch: list) -> list:
        feed = dict(zip(self.phs, batch))
        got = sess.run([self.update] + [self.vals[i] for i in self.first], feed)[1:]
        later = sess.run([self.vals[i] for i in self.after]) if self.after else []
        out: list = [None] * len(self.vals)
        for i, v in zip(self.first, got):
            out[i] = float(np.mean(v))
        for i, v in zip(self.after, later):
            out[i] = float(np.mean(v))
        return out


def fit(model, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
        shuffle, sample_weight, initial_epoch):
    """``model.fit`` through the user's ``train_step`` (see the module docstring)."""
    from . import backend as K
    from . import callbacks as _cb
    from . import optimizers as _optimizers
    if validation_data is not None or validation_split:
        raise NotImplementedError("fit with a custom train_step: validation is not supported "
                                  "by dlcore (it needs test_step)")
    data = [_arrays(v, n) for v, n in ((x, "x"), (y, "y"), (sample_weight, "sample_weight"))
            if v is not None]
    if model.optimizer is None:
        args = getattr(model, "_deferred_compile", None)
        if args is None:
            raise RuntimeError("You must call `compile()` before using the model.")
        model.optimizer = _optimizers.get(args["optimizer"])
    step = model.__dict__.get("_custom_step")
    if step is None:
        step = model._custom_step = _Step(model, data)
    sess = K._session_for(step.graph)                  # (initialises the step's variables)
    flat = [a for d in data for a in _leaves(d)]
    n = len(flat[0])
    bs = 32 if batch_size is None else int(batch_size)
    model.metrics_names = list(step.names)
    model._stateful_logs = set(step.names)            # (the epoch logs the last batch's)

    def batches(epoch):
        order = np.random.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            yield [a[idx] for a in flat], len(idx)

    class _Reset(_cb.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            for m in getattr(model, "metrics", None) or []:
                m.reset_state()

    history = _cb.History()
    cbs: list = [_Reset(), _cb.BaseLogger()]
    if verbose:
        cbs.append(_cb.ProgbarLogger(verbose, count_mode="samples"))
    cbl = _cb.CallbackList(cbs + list(callbacks or []) + [history])
    params = {"batch_size": bs, "epochs": epochs, "steps": -(-n // bs), "samples": n,
              "verbose": verbose, "do_validation": False, "metrics": list(step.names)}
    cbl.set_model(model)
    cbl.set_params(params)
    model.stop_training = False
    cbl.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        cbl.on_epoch_begin(epoch)
        for b, (batch, size) in enumerate(batches(epoch)):
            cbl.on_batch_begin(b, {"batch": b, "size": size})
            logs: dict = dict(zip(step.names, step.run(sess, batch)))
            logs.update(batch=b, size=size)
            cbl.on_batch_end(b, logs)
            if model.stop_training:
                break
        cbl.on_epoch_end(epoch, {})
        if model.stop_training:
            break
    cbl.on_train_end()
    history.params, history.model = params, model
    model.history = history
    return history
