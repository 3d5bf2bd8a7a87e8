"""Keras 3's evaluation and prediction through the model's steps, and its default steps.

A model whose class overrides ``train_step``, ``test_step`` or ``predict_step`` (keras.io's
"Customizing what happens in fit()" and "... in evaluate()") is compiled as Keras 3 compiles
(``_custom_step``: ``compute_loss``, ``metrics`` = the loss tracker and ``compile_metrics``)
and its loops run the steps, built once per structure of data in the graph (``_Step``):

- ``evaluate`` resets the metrics, runs ``test_step`` on each batch, and returns the last
  batch's logs: a dict with ``return_dict=True``, else a list in the order of
  ``model.metrics`` (a ``compile_metrics``' metrics in their order) then the other names
  sorted, a single value alone (Keras 3's ``_flatten_metrics_in_order``);
- ``predict`` runs ``predict_step`` on each batch and concatenates what it returns (an array,
  a list, tuple or dict of them);
- ``test_on_batch``, ``train_on_batch`` (data ``(x, y, sample_weight)``) and
  ``predict_on_batch`` (data ``(x,)``), as Keras 3 calls the steps; the metrics are not reset;
- ``fit``'s validation (``validation_data``/``validation_split``) is ``evaluate`` on the
  validation data after each epoch, logged as ``val_<name>``.

The steps a class does not override are Keras 3's: ``train_step`` (the loss under a
``GradientTape``, ``optimizer.apply`` of its gradients), ``test_step`` (the compiled loss into
the loss tracker, weighted by the batch size, then ``compute_metrics``), ``predict_step``
(``self(x, training=False)``).  ``verbose`` prints Keras 3's progress bar (``_progbar``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from dlcore import ops as _ops

from . import _custom_step as _cs
from . import subclassing as _sub


def _unpack(data):
    """Keras 3's ``unpack_x_y_sample_weight``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def _call(model, x, training: bool):
    if not _sub.is_subclassed(model) and not getattr(model, "_is_graph_network", False):
        raise NotImplementedError(
            f"{type(model).__name__} has a custom train_step and no call(): Keras 3's default "
            "test_step and predict_step call the model; override test_step (evaluate, "
            "validation) or predict_step (predict) to use them")
    if _sub.is_subclassed(model):       # (never built as a graph of layers: its call() on the
        from . import backend as K      # step's tensors, as Keras 3's __call__ runs it)
        from .engine import _accepts
        with K.phase_fixed(training):
            return model.call(x, training=training) if _accepts(model.call, "training") \
                else model.call(x)
    return model(x, training=training)


def _batch_size(x):
    first = x
    while isinstance(first, (list, tuple, Mapping)):
        first = list(first.values())[0] if isinstance(first, Mapping) else first[0]
    from . import backend as K
    return _ops.cast(_ops.shape_of(K._to_tensor(first))[0], np.float32)


def default_train_step(model, data):
    from ..gradient_tape import GradientTape
    x, y, sample_weight = _unpack(data)
    with GradientTape() as tape:
        y_pred = _call(model, x, True)
        from .engine import _accepts     # (Keras 3's trainer passes training=True where taken)
        kw = {"training": True} if _accepts(model.compute_loss, "training") else {}
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, **kw)
    variables = list(model.trainable_weights)
    model.optimizer.apply(tape.gradient(loss, variables), variables)
    loss_tracker(model).update_state(loss, sample_weight=_batch_size(x))
    return compute_metrics(model, x, y, y_pred, sample_weight)


def default_test_step(model, data):
    x, y, sample_weight = _unpack(data)
    y_pred = _call(model, x, False)
    from .engine import _accepts         # (keras.io's compute_loss overrides take no training)
    kw = {"training": False} if _accepts(model.compute_loss, "training") else {}
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, **kw)
    loss_tracker(model).update_state(loss, sample_weight=_batch_size(x))
    return compute_metrics(model, x, y, y_pred, sample_weight)


def default_predict_step(model, data):
    x, _, _ = _unpack(data)
    return _call(model, x, False)


def loss_tracker(model):
    return _cs.metrics(model)[0]


def compute_metrics(model, x, y, y_pred, sample_weight=None):
    """Keras 3's ``Model.compute_metrics``: update the compiled metrics, then their results
    (``get_metrics_result``)."""
    for m in _cs.metrics(model):
        if isinstance(m, _cs.CompileMetrics):      # (an op the step runs before the results)
            m.update_state(y, y_pred, sample_weight)
    return get_metrics_result(model)


def get_metrics_result(model) -> dict:
    """Keras 3's: each of ``model.metrics``' results by name (a dict result spread)."""
    out: dict = {}
    for m in model.metrics:
        r = m.result()
        if isinstance(r, Mapping):
            out.update(r)
        else:
            out[m.name] = r
    return out


class _CompiledMetrics:
    """Keras 3's ``model.compiled_metrics`` (TensorFlow backend's shim for tf.keras code):
    ``update_state(y, y_pred)`` updates each of ``model.metrics``, a ``Mean`` (the loss
    tracker too) with ``y_pred``, the others with ``(y, y_pred)``; it warns."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y, y_pred, sample_weight=None):
        from . import metric_classes as _mc
        warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g.:\n```\n"
                      "for metric in self.metrics:\n    metric.update_state(y, y_pred)\n```\n",
                      stacklevel=2)
        for m in self._model.metrics:
            if isinstance(m, _mc.Mean):
                m.update_state(y_pred, sample_weight=sample_weight)
            else:
                m.update_state(y, y_pred, sample_weight=sample_weight)


def compiled_metrics(model) -> _CompiledMetrics:
    return _CompiledMetrics(model)


def compiled_loss(model, y, y_pred, sample_weight=None, regularization_losses=None):
    """Keras 3's ``model.compiled_loss`` shim: ``compute_loss`` (the layers' losses are in
    it already; ``regularization_losses`` is not used), with its warning."""
    warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                  "`model.compute_loss(x, y, y_pred, sample_weight, training)`.", stacklevel=2)
    return model.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)


def reset_metrics(model) -> None:
    for m in getattr(model, "metrics", None) or []:
        if hasattr(m, "reset_state"):
            m.reset_state()


def flatten_in_order(model, logs: dict):
    """Keras 3's ``_flatten_metrics_in_order``."""
    names: list = []
    for m in model.metrics:
        if isinstance(m, _cs.CompileMetrics):
            names += [s.name for s in m._made]
        else:
            names.append(m.name)
    out = [logs[k] for k in names if k in logs] + \
        [logs[k] for k in sorted(logs) if k not in names]
    return out[0] if len(out) == 1 else out


def _session(step):
    from . import backend as K
    return K._session_for(step.graph)


def _steps(data: list, batch_size) -> int:
    bs = 32 if batch_size is None else int(batch_size)
    return -(-len(_cs._leaves(data[0])[0]) // bs)


def run_test(model, data: list, batch_size=None, verbose=0) -> dict:
    """The logs of ``evaluate`` (after resetting the metrics) over ``data``; with
    ``verbose``, Keras 3's progress bar (``_progbar``)."""
    from ._progbar import StepBar
    step = _cs.step_for(model, data, "test_step")
    sess = _session(step)
    reset_metrics(model)
    bar = StepBar(verbose, _steps(data, batch_size), step.shown) if verbose else None
    logs: dict = {}
    for batch, _ in _cs.batches(data, batch_size):
        logs = dict(zip(step.names or [], step.run(sess, batch)))
        if bar is not None:
            bar.step(logs)
    if bar is not None:
        bar.end(logs)
    return logs


def evaluate(model, x, y, batch_size, sample_weight, return_dict: bool = False,
             callbacks=None, verbose="auto", **kwargs):
    if kwargs:
        raise ValueError(f"Arguments not recognized: {kwargs}")
    if callbacks:
        raise NotImplementedError("evaluate(callbacks=...) with custom steps: dlcore's "
                                  "callbacks have no on_test_* events")
    _cs._compiled(model)
    logs = run_test(model, _cs.arrays(x, y, sample_weight), batch_size, verbose)
    return logs if return_dict else flatten_in_order(model, logs)


def predict(model, x, batch_size=None, verbose="auto"):
    from ._progbar import StepBar
    data = _cs.arrays(x, None, None)
    step = _cs.step_for(model, data, "predict_step")
    sess = _session(step)
    bar = StepBar(verbose, _steps(data, batch_size)) if verbose else None
    parts = []
    for batch, _ in _cs.batches(data, batch_size):
        parts.append(step.run_arrays(sess, batch))
        if bar is not None:
            bar.step()
    if bar is not None:
        bar.end()
    values = [np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(len(step.vals))]
    return _cs.rebuild(values, step.structure)


def on_batch(model, name: str, x, y=None, sample_weight=None, return_dict: bool = False):
    """``train_on_batch``/``test_on_batch``/``predict_on_batch`` through the step."""
    if name != "predict_step":
        _cs._compiled(model)
    if name == "train_step":
        _cs.optimizer_of(model)
    data = _cs.arrays(x, y, sample_weight)
    step = _cs.step_for(model, data, name, "x" if name == "predict_step" else "full")
    batch = [a for d in data for a in _cs._leaves(d)]
    if name == "predict_step":
        return _cs.rebuild([np.asarray(v) for v in step.run_arrays(_session(step), batch)],
                           step.structure)
    logs = dict(zip(step.names or [], step.run(_session(step), batch)))
    return logs if return_dict else flatten_in_order(model, logs)


def _class_weights(y, sample_weight, class_weight):
    """Keras 3's ``class_weight`` as the sample weights of ``y``'s classes (its argmax, or
    its rounded value for one column; a class not in ``class_weight`` weighs 1.0, as Keras 3's
    ``class_weight_to_sample_weights``; it weighed 0 here)."""
    if class_weight is None:
        return sample_weight
    if sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    if not isinstance(y, np.ndarray):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    cls = np.argmax(y, -1) if y.ndim > 1 and y.shape[-1] > 1 else \
        np.round(y.reshape(len(y), -1)[:, 0]).astype(int)
    return np.array([class_weight.get(int(c), 1.0) for c in cls], np.float32)


def fit(model, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
        shuffle, sample_weight, initial_epoch, class_weight=None):
    """``model.fit`` through ``train_step`` (the user's or Keras 3's), with validation through
    ``test_step`` (see the module docstring)."""
    from . import _dataset_input as _ds
    from . import backend as K
    from . import callbacks as _cb
    elements = None
    if _ds.is_dataset(x):               # each element a batch: x, (x, y) or (x, y, weights)
        _ds._refuse(y, sample_weight, validation_split)
        elements = [_cs.arrays(*_ds.unpack(e, False)) for e in _ds.read_all(x)]
        if not elements:
            raise ValueError("fit: the dataset is empty")
        data, val = elements[0], _cs._split(elements[0], 0.0, validation_data)[1]
    else:
        sample_weight = _class_weights(None if y is None else np.asarray(y) if not isinstance(
            y, (list, dict)) else y, sample_weight, class_weight)
        data, val = _cs._split(_cs.arrays(x, y, sample_weight), validation_split,
                               validation_data)
    _cs.optimizer_of(model)
    step = _cs.step_for(model, data, "train_step")
    sess = K._session_for(step.graph)                  # (initialises the step's variables)
    n = len(_cs._leaves(data[0])[0]) * (len(elements) if elements else 1)
    bs = 32 if batch_size is None else int(batch_size)

    def epoch_batches(epoch: int):
        if elements is None:
            return _cs.batches(data, bs, shuffle)
        each = elements if epoch == initial_epoch else \
            [_cs.arrays(*_ds.unpack(e, False)) for e in _ds.read_all(x)]   # (reshuffled)
        return (([a for d in el for a in _cs._leaves(d)], len(_cs._leaves(el[0])[0]))
                for el in each)
    model.metrics_names = list(step.names or [])
    model._stateful_logs = set(step.names or [])       # (the epoch logs the last batch's)
    model._log_order = tuple(step.shown)                     # (the progress bar's, Keras 3's)

    class _Reset(_cb.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            reset_metrics(model)

    history = _cb.History()
    cbs: list = [_Reset(), _cb.BaseLogger()] + list(callbacks or []) + [history]
    if verbose and not any(isinstance(c, _cb.ProgbarLogger) for c in cbs):
        cbs.append(_cb.ProgbarLogger())                # (Keras 3's order: the bar last)
    cbl = _cb.CallbackList(cbs)
    params = {"batch_size": bs, "epochs": epochs,
              "steps": len(elements) if elements else -(-n // bs), "samples": n,
              "verbose": verbose, "do_validation": val is not None,
              "metrics": list(step.names or [])}
    cbl.set_model(model)
    cbl.set_params(params)
    model.stop_training = False
    cbl.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        cbl.on_epoch_begin(epoch)
        for b, (batch, size) in enumerate(epoch_batches(epoch)):
            cbl.on_batch_begin(b, {"batch": b, "size": size})
            logs: dict = dict(zip(step.names or [], step.run(sess, batch)))
            logs.update(batch=b, size=size)
            cbl.on_batch_end(b, logs)
            if model.stop_training:
                break
        val_logs = {} if val is None else {
            "val_" + k: v for k, v in run_test(model, val, bs).items()}
        cbl.on_epoch_end(epoch, val_logs)
        if model.stop_training:
            break
    cbl.on_train_end()
    history.params, history.model = params, model
    model.history = history
    return history
