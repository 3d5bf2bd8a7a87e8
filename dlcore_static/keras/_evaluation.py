"""Keras' one evaluation loop: ``Model.evaluate`` of arrays or of a dataset,
``evaluate_generator`` and ``fit``'s validation all read batches ``(xs, ys, sws)`` (inputs,
targets and sample weights, standardised) and run the compiled loss and metrics on each, in
the model's Session with the learning phase off.  Each value is averaged over the samples
(a batch counts by its size), except the confusion metrics (Precision, AUC, ...): their counts
are zeroed first and their last value is the evaluation's, as Keras 2 does.
"""

from __future__ import annotations

import numpy as np

from .confusion_metrics import last_for_stateful, reset, stateful_names


def on_batch_result(model, out, n: int, reset_metrics: bool, return_dict: bool):
    """``train_on_batch``/``test_on_batch``'s value for a batch of ``n`` samples: its loss and
    metrics (a float, a list in ``metrics_names``' order, or with ``return_dict`` a dict name
    -> float).  With ``reset_metrics=False`` the metrics run on as tf.keras 2's trackers do:
    each value is the mean over the samples of this call and of the calls before it since the
    last reset (the stateful ones, Precision, AUC, ..., count them all); ``reset_metrics=True``
    (the default) resets them after the batch, as ``fit`` at each epoch and ``evaluate`` do."""
    vals = np.array([float(v) for v in out])
    acc = model.__dict__.get("_batch_means")
    if acc is not None and len(acc[0]) == len(vals):
        sums, count = acc[0] + vals * n, acc[1] + n
        stateful = stateful_names(model)
        vals = np.array([v if k in stateful else s / count
                         for k, v, s in zip(model.metrics_names, vals, sums)])
    else:
        sums, count = vals * n, n
    if reset_metrics:
        reset(model)
        model.__dict__["_metrics_zeroed"] = True   # (the next *_on_batch needs no reset)
    else:
        model.__dict__["_batch_means"] = (sums, count)
    if return_dict:
        return dict(zip(model.metrics_names, (float(v) for v in vals)))
    return scalar_or_list(vals)


def begin_batch(model) -> None:
    """Before ``train_on_batch``/``test_on_batch``: unless the calls before ran on with
    ``reset_metrics=False``, the stateful metrics start from zero (``evaluate`` or ``fit``
    leave their counts of the last epoch: a Precision or weighted mean of the next batch
    alone would have counted them too).  After a ``*_on_batch`` that reset them (and no
    ``reset`` since, which a loop calls before running them) they are zero already."""
    if "_batch_means" not in model.__dict__ and \
            not model.__dict__.pop("_metrics_zeroed", False):
        reset(model)


def scalar_or_list(vals):
    vals = [float(v) for v in vals]
    return vals[0] if len(vals) == 1 else vals


def evaluate_batches(model, batches, verbose=0, steps=None, cbl=None) -> list:
    """The loss and metrics over ``batches`` (per ``model.metrics_names``); with ``verbose``,
    Keras 3's progress bar over the ``steps`` batches (``None``: counted as they come).  A
    batch generator is closed at the end, also on an error (a dataset's feeder).  ``cbl``: the
    ``CallbackList`` of ``evaluate(callbacks=...)`` or of fit's validation (``on_test_*``)."""
    from ._progbar import StepBar
    sums, total, out = np.zeros(len(model._metric_tensors)), 0, None
    bar = StepBar(verbose, steps) if verbose else None
    stateful = stateful_names(model) if verbose else set()
    if cbl is not None:
        cbl.on_test_begin()
    try:
        reset(model)
        for b, (xs, ys, sws) in enumerate(batches):
            if cbl is not None:
                cbl.on_test_batch_begin(b)
            out = model._session.run(model._metric_tensors, model._feed(xs, ys, sws, False))
            if cbl is not None:
                cbl.on_test_batch_end(b, dict(zip(model.metrics_names, (float(v) for v in out)),
                                              size=len(xs[0])))
            sums += np.array([float(v) for v in out]) * len(xs[0])
            total += len(xs[0])
            if bar is not None:
                bar.step({k: float(v) if k in stateful else s / total
                          for k, v, s in zip(model.metrics_names, out, sums)})
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    res = last_for_stateful(model, (sums / max(total, 1)).tolist(), out)
    if bar is not None:
        bar.end(dict(zip(model.metrics_names, res)))
    if cbl is not None:
        cbl.on_test_end(dict(zip(model.metrics_names, res)))
    return res


def array_batches(xs: list, ys: list, sws: list, batch_size: int):
    """Consecutive batches of ``batch_size`` samples of standardised arrays."""
    for s in range(0, len(xs[0]), batch_size):
        sl = slice(s, s + batch_size)
        yield [a[sl] for a in xs], [a[sl] for a in ys], [w[sl] for w in sws]


def generator_batches(model, generator, steps: int):
    """``steps`` items ``(x, y)`` or ``(x, y, sample_weight)`` of a Python generator or a
    ``keras.utils.Sequence``, standardised as ``test_on_batch`` does (a subclassed model is
    built on the first)."""
    from . import subclassing as _sub
    from .utils import Sequence
    it = None if isinstance(generator, Sequence) else iter(generator)
    for s in range(steps):
        item = generator[s] if it is None else next(it)
        _sub.build_on(model, item[0])
        model._check_compiled()
        xs = model._standardize(item[0], model.input_names, model.inputs, "input")
        ys = model._targets_of(item[1])
        yield xs, ys, model._weights_for(ys, item[2] if len(item) > 2 else None, None)
