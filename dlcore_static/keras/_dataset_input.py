"""``model.fit/evaluate/predict`` on a ``tf.data.Dataset``, as tf.keras 1.15 (Keras 2.2+ on
TensorFlow) takes one.

Each element of the dataset is a batch: ``(x, y)`` or ``(x, y, sample_weight)`` (``x`` and ``y``
may be tuples or dicts for several inputs or outputs); ``predict`` also takes elements that are
just ``x``.  The dataset is read on the host through an initializable iterator run by a Session
of its own graph, and each batch is fed to the model like a NumPy batch.

Epochs as tf.keras: with ``steps_per_epoch`` given, one iterator runs across epochs (so the
dataset is usually ``repeat()``-ed; running out stops training with TensorFlow's warning);
without it, each epoch is one full pass and the iterator restarts (an infinitely repeating
dataset then needs ``steps_per_epoch``: TensorFlow's ``ValueError``).  ``evaluate`` and
``predict`` read ``steps`` batches, or the whole dataset.  ``y``, ``sample_weight`` and
``validation_split`` are refused with a dataset, with TensorFlow's messages.

A dataset *iterator* (``dataset.make_one_shot_iterator()``, or an initializable one the user
has initialised), as tf.keras 1.13+ takes one: its batches are read in the Session Keras uses
for the iterator's graph (the model's own when it is the model's graph, so
``K.get_session().run(it.initializer)`` starts the iterator ``fit`` reads), one ``get_next``
per iterator; it is never restarted, so ``fit`` needs ``steps_per_epoch`` (``evaluate``/
``predict``: ``steps``; an iterator as ``validation_data``: ``validation_steps``), TensorFlow's
``ValueError`` otherwise, and consecutive epochs and calls continue where it stopped.
"""

from __future__ import annotations

import warnings

import numpy as np


def is_dataset(x) -> bool:
    """A ``tf.data.Dataset`` or a dataset iterator (both are read here)."""
    from ..data.base import Dataset
    return isinstance(x, Dataset) or is_iterator(x)


def is_iterator(x) -> bool:
    from ..data.iterator import Iterator
    return isinstance(x, Iterator)


def check_steps(x, steps, steps_name: str) -> None:
    """TensorFlow's check: an iterator is read for a given number of steps."""
    if is_iterator(x) and steps is None:
        raise ValueError("When using a Dataset iterator as input to a model, you should "
                         f"specify the `{steps_name}` argument.")


def _infinite(ds) -> bool:
    from ..data import transforms as _t
    if is_iterator(ds):
        return True                     # read for the steps given (check_steps)
    if isinstance(ds, _t.RepeatDataset) and isinstance(ds._count, int) and ds._count < 0:
        return True
    if isinstance(ds, _t.TakeDataset) and isinstance(ds._count, int) and ds._count >= 0:
        return False
    return any(_infinite(c) for c in ds._children)


def _check_finite(ds, steps, steps_name: str = "steps") -> None:
    """tf.keras's error when ``ds`` repeats forever and no ``steps`` bound the pass."""
    if steps is None and _infinite(ds):
        raise ValueError("When passing an infinitely repeating dataset, you must specify the "
                         f"`{steps_name}` argument.")


class Feeder:
    """The dataset's batches as NumPy structures, read through a Session of its graph."""

    def __init__(self, ds, model=None):
        from ..session import Session
        self._own = not is_iterator(ds)
        if not self._own:               # the user's iterator, in Keras's Session of its graph
            self._it = ds
            self._next = ds.__dict__.get("_keras_next")
            if self._next is None:
                with ds.graph.as_default():
                    self._next = ds.__dict__["_keras_next"] = ds.get_next()
            from . import backend as K
            self._sess = model._session if model is not None and \
                ds.graph is model.graph else K._session_for(ds.graph)
            return
        with ds.graph.as_default():
            self._it = ds.make_initializable_iterator()
            self._next = self._it.get_next()
        self._sess = Session(graph=ds.graph)
        self.reset()

    def reset(self) -> None:
        if self._own:                   # an iterator is never restarted
            self._sess.run(self._it.initializer)

    def get(self):
        """The next element, or None at the end."""
        from ..errors import OutOfRangeError
        try:
            return self._sess.run(self._next)
        except OutOfRangeError:
            return None

    def count(self) -> int:
        """How many batches one pass gives (reads a pass, then restarts)."""
        self.reset()
        n = 0
        while self.get() is not None:
            n += 1
        self.reset()
        return n

    def close(self) -> None:
        if self._own:
            self._sess.close()


def read_all(ds, steps=None) -> list:
    """The elements of one pass over a dataset (or its first ``steps``) as NumPy structures:
    what a preprocessing layer's ``adapt`` reads."""
    _check_finite(ds, steps)
    feeder = Feeder(ds)
    out: list = []
    try:
        while steps is None or len(out) < steps:
            element = feeder.get()
            if element is None:
                break
            out.append(element)
    finally:
        feeder.close()
    return out


def unpack(element, need_targets: bool):
    """(x, y, sample_weight) of one element, as tf.keras unpacks it."""
    if isinstance(element, (list, tuple)):
        if len(element) not in (2, 3):
            raise ValueError("Please provide model inputs as a list or tuple of 2 or 3 "
                             "elements: (input, target) or (input, target, sample_weights) "
                             f"Received {element}")
        return element[0], element[1], element[2] if len(element) == 3 else None
    if need_targets:
        raise ValueError("Please provide model inputs as a list or tuple of 2 or 3 elements: "
                         "(input, target) or (input, target, sample_weights) Received "
                         f"{element}")
    return element, None, None


def _refuse(y, sample_weight, validation_split=0.0) -> None:
    if y is not None:
        raise ValueError("You passed a dataset or dataset iterator (<DatasetV1Adapter>) as "
                         "input `x` to your model. In that case, you should not specify a "
                         "target (`y`) argument, since the dataset or dataset iterator "
                         "generates both input data and target data. Received: "
                         f"{y}")
    if sample_weight is not None:
        raise ValueError("`sample_weight` argument is not supported when input `x` is a "
                         "dataset or a dataset iterator. Instead, you can provide "
                         "sample_weight as the third element  of your dataset, i.e. (inputs, "
                         "targets, sample_weight).")
    if validation_split:
        raise ValueError("`validation_split` argument is not supported when input `x` is a "
                         "dataset or a dataset iterator. Please use `validation_data` "
                         "instead.")


def fit(model, ds, y, sample_weight, validation_split, epochs, verbose, callbacks,
        validation_data, steps_per_epoch, validation_steps, initial_epoch, class_weight):
    _refuse(y, sample_weight, validation_split)
    check_steps(ds, steps_per_epoch, "steps_per_epoch")
    if is_iterator(validation_data):
        check_steps(validation_data, validation_steps, "validation_steps")
    _check_finite(ds, steps_per_epoch, "steps_per_epoch")
    feeder = Feeder(ds, model)
    per_epoch = steps_per_epoch is None
    steps = feeder.count() if per_epoch else int(steps_per_epoch)

    def batches(epoch):
        if per_epoch and epoch > initial_epoch:
            feeder.reset()
        for _ in range(steps):
            el = feeder.get()
            if el is None:
                if not per_epoch:
                    warnings.warn("Your dataset iterator ran out of data; interrupting "
                                  "training. Make sure that your iterator can generate at "
                                  "least `steps_per_epoch * epochs` batches (in this case, "
                                  f"{steps * epochs} batches). You may need to use the "
                                  "repeat() function when building your dataset.",
                                  UserWarning, stacklevel=2)
                    model.stop_training = True
                return
            bx, by, bsw = unpack(el, bool(model.targets))   # x alone: add_loss models
            xs = model._standardize(bx, model.input_names, model.inputs, "input")
            ys = model._targets_of(by)
            yield xs, ys, model._weights_for(ys, bsw, class_weight), len(xs[0])

    val = None
    if validation_data is not None:
        if is_dataset(validation_data):
            val = ("dataset", validation_data, validation_steps)
        else:
            vx, vy = validation_data[0], validation_data[1]
            val = (vx, vy, validation_data[2] if len(validation_data) > 2 else None)
    try:
        return model._loop(batches, None, None, steps, epochs, verbose, callbacks, val,
                           initial_epoch, "steps")
    finally:
        feeder.close()


def eval_batches(model, ds, y, sample_weight, steps):
    """The batches ``(xs, ys, sws)`` that ``evaluate`` reads (``_evaluation``): ``steps`` of
    them, or the whole dataset.  The arguments are checked now, before anything runs; the
    feeder opens on the first batch and closes when the generator ends or is closed."""
    _refuse(y, sample_weight)
    check_steps(ds, steps, "steps")
    _check_finite(ds, steps)
    return _eval_batches(model, ds, steps)


def _eval_batches(model, ds, steps):
    feeder = Feeder(ds, model)
    k = 0
    try:
        while steps is None or k < steps:
            el = feeder.get()
            if el is None:
                return
            bx, by, bsw = unpack(el, bool(model.targets))   # x alone: add_loss models
            xs = model._standardize(bx, model.input_names, model.inputs, "input")
            ys = model._targets_of(by)
            yield xs, ys, model._weights_for(ys, bsw, None)
            k += 1
    finally:
        feeder.close()


def predict(model, ds, steps, verbose=0):
    """The outputs for ``steps`` batches (or the whole dataset), concatenated; with
    ``verbose``, Keras 3's progress bar."""
    from ._progbar import StepBar
    check_steps(ds, steps, "steps")
    _check_finite(ds, steps)
    feeder = Feeder(ds, model)
    bar = StepBar(verbose, steps) if verbose else None
    parts, k = [], 0
    try:
        while steps is None or k < steps:
            el = feeder.get()
            if el is None:
                break
            bx = unpack(el, False)[0]
            xs = model._standardize(bx, model.input_names, model.inputs, "input")
            parts.append(model._session.run(list(model.outputs), model._feed(xs,
                                                                              training=False)))
            k += 1
            if bar is not None:
                bar.step()
    finally:
        feeder.close()
    if bar is not None:
        bar.end()
    outs = [np.concatenate([p[i] for p in parts]) if parts else
            np.zeros((0,) + tuple(d or 0 for d in o.aval.shape[1:]), np.float32)
            for i, o in enumerate(model.outputs)]
    return outs[0] if len(outs) == 1 else outs
