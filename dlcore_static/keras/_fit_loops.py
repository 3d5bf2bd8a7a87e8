"""The loops of a compiled Keras ``Model``: ``FitLoops``, a part of ``Model`` (training.py).

``fit`` runs ``[update, loss, metrics]`` per batch through the model's Session (arrays in
batches, a ``tf.data`` Dataset, a generator or a ``Sequence``; ``validation_split`` /
``validation_data``; callbacks and the History), ``fit_generator`` is its Keras 2 generator
form, ``evaluate``/``predict`` (and their generator forms) run without the update, in
batches.  The feeds are ``ArrayFeeds``' (``_training_data.py``), one batch's step
``train_on_batch``/``test_on_batch``/``predict_on_batch``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from . import _custom_eval as _ce
from . import _custom_step as _step
from . import _dataset_input as _ds
from . import _evaluation as _ev
from . import callbacks as _cb
from . import config as _config
from . import subclassing as _sub
from ._history import structured
from .confusion_metrics import reset as _reset_counts
from .engine import _as_list

_FIT_KEYS = {"batch_size", "epochs", "verbose", "callbacks", "validation_split",
             "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
             "steps_per_epoch", "validation_steps", "validation_freq", "max_queue_size",
             "workers", "use_multiprocessing"}



class FitLoops:
    """``fit``/``fit_generator``/``evaluate``/``evaluate_generator``/``predict``/
    ``predict_generator`` of ``Model`` (they use the model's compiled graph and Session)."""

    history: _cb.History | None                     # (the last fit's; None before)

    if TYPE_CHECKING:
        def __getattr__(self, name: str): ...       # (the rest of Model's attributes)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            **kwargs):
        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          UserWarning, stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        unknown = {k: v for k, v in kwargs.items() if k not in _FIT_KEYS}
        if unknown:
            raise TypeError(f"Unrecognized keyword arguments: {unknown}")
        epochs = _config.limit_epochs(epochs)      # keras.config.set_max_epochs
        if _step.overridden(self):                 # Keras 3's custom train_step
            return _ce.fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                           validation_data, shuffle, sample_weight, initial_epoch, class_weight)
        _sub.build_on(self, x)
        self._check_compiled()
        if _ds.is_dataset(x):                      # tf.data batches (tf.keras 1.15)
            return _ds.fit(self, x, y, sample_weight, validation_split, epochs, verbose,
                           callbacks, validation_data, steps_per_epoch, validation_steps,
                           initial_epoch, class_weight)
        from .utils import Sequence
        if isinstance(x, Sequence):                # tf.keras: fit takes a keras.utils.Sequence
            if y is not None or sample_weight is not None or validation_split:
                raise ValueError("`y`, `sample_weight` and `validation_split` are not "
                                 "supported when `x` is a keras.utils.Sequence: its batches "
                                 "hold them")
            return self.fit_generator(x, steps_per_epoch, epochs, verbose, callbacks,
                                      validation_data, validation_steps, class_weight,
                                      shuffle=shuffle, initial_epoch=initial_epoch)
        xs = self._standardize(x, self.input_names, self.inputs, "input")
        ys = self._targets_of(y)
        sws = self._weights_for(ys, sample_weight, class_weight)
        bs = 32 if batch_size is None else int(batch_size)
        val = None
        if validation_data is not None:
            vx, vy = validation_data[0], validation_data[1]
            vsw = validation_data[2] if len(validation_data) > 2 else None
            val = (vx, vy, vsw)
        elif validation_split and 0.0 < validation_split < 1.0:
            at = int(len(xs[0]) * (1.0 - validation_split))     # the last samples, unshuffled
            val = ([a[at:] for a in xs], [a[at:] for a in ys], [w[at:] for w in sws])
            xs, ys, sws = [a[:at] for a in xs], [a[:at] for a in ys], [w[:at] for w in sws]
        n = len(xs[0])

        def batches(epoch):
            order = np.random.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                yield [a[idx] for a in xs], [a[idx] for a in ys], [w[idx] for w in sws], len(idx)

        return self._loop(batches, n, bs, -(-n // bs), epochs, verbose, callbacks, val,
                          initial_epoch, "samples")

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Batches from a Python generator (``(x, y)`` or ``(x, y, sample_weight)``) or a
        ``keras.utils.Sequence``; ``steps_per_epoch`` batches per epoch."""
        self._check_compiled()
        from .utils import Sequence
        is_seq = isinstance(generator, Sequence)
        if steps_per_epoch is None:
            if not is_seq:
                raise ValueError("`steps_per_epoch=None` is only valid for a generator based "
                                 "on the `keras.utils.Sequence` class.")
            steps_per_epoch = len(generator)
        it = None if is_seq else iter(generator)

        def batches(epoch):
            order = np.random.permutation(len(generator)) if is_seq and shuffle else None
            for s in range(steps_per_epoch):
                item = generator[int(order[s]) if order is not None else s] if it is None \
                    else next(it)
                bx, by = item[0], item[1]
                bsw = item[2] if len(item) > 2 else None
                xs_ = self._standardize(bx, self.input_names, self.inputs, "input")
                ys_ = self._targets_of(by)
                yield xs_, ys_, self._weights_for(ys_, bsw, class_weight), len(xs_[0])
            if is_seq:
                generator.on_epoch_end()

        val = None
        if validation_data is not None:
            if isinstance(validation_data, tuple):
                val = validation_data
            else:
                val = ("generator", validation_data, validation_steps)
        return self._loop(batches, None, None, steps_per_epoch, epochs, verbose, callbacks,
                          val, initial_epoch, "steps")

    def _loop(self, batches, n, bs, steps, epochs, verbose, callbacks, val, initial_epoch,
              count_mode):
        history = self.history = _cb.History()      # (Keras 3: set when fit starts)
        # Keras 3's order: (BaseLogger,) the user's callbacks, History, the progress bar last
        # (History and the bar see what the others add to the logs, such as "lr").
        cbs: list = [_cb.BaseLogger()] + list(callbacks or []) + [history]
        if verbose and not any(isinstance(c, _cb.ProgbarLogger) for c in cbs):
            cbs.append(_cb.ProgbarLogger())       # (one the user gave stays where it is)
        cbl = _cb.CallbackList(cbs)
        params = {"batch_size": bs, "epochs": epochs, "steps": steps, "samples": n,
                  "verbose": verbose, "do_validation": val is not None,
                  "metrics": list(self.metrics_names) + (
                      [f"val_{m}" for m in self.metrics_names] if val is not None else [])}
        cbl.set_model(self)
        cbl.set_params(params)
        self.stop_training = False
        cbl.on_train_begin()
        fetches = [self.train_function] + self._metric_tensors
        logs: dict = {}
        for epoch in range(initial_epoch, epochs):
            _reset_counts(self)               # Precision, AUC, ...: counts of this epoch
            cbl.on_epoch_begin(epoch)
            for b, (bx, by, bw, size) in enumerate(batches(epoch)):
                cbl.on_batch_begin(b, {"batch": b, "size": size})
                out = self._session.run(fetches, self._feed(bx, by, bw, True))[1:]
                logs = dict(zip(self.metrics_names, (float(v) for v in out)))
                logs.update(batch=b, size=size)
                cbl.on_batch_end(b, logs)
                if self.stop_training:
                    break
            logs = {}
            if val is not None:
                if isinstance(val[0], str) and val[0] == "generator":
                    v = self.evaluate_generator(val[1], val[2])
                elif isinstance(val[0], str) and val[0] == "dataset":
                    v = _ev.evaluate_batches(
                        self, _ds.eval_batches(self, val[1], None, None, val[2]))
                else:
                    v = self.evaluate(val[0], val[1], batch_size=bs or 32, verbose=0,
                                      sample_weight=val[2] if len(val) > 2 else None,
                                      callbacks=cbl)
                for k, vv in zip(self.metrics_names, _as_list(v)):
                    logs[f"val_{k}"] = vv
            cbl.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        fin = getattr(self.optimizer, "finalize_variable_values", None)
        if fin is not None and epochs > 0:  # (Keras 3: use_ema's averages, before on_train_end)
            fin(self.trainable_weights)
        cbl.on_train_end(logs)              # (Keras 3: the last epoch's logs)
        history.params = params
        history.model = self
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, **kwargs):
        """The loss and metrics averaged over the samples, in batches (``_evaluation``);
        through Keras 3's ``test_step`` for a model with custom steps (``_custom_eval``)."""
        if _step.overridden(self):
            return _ce.evaluate(self, x, y, batch_size, sample_weight, verbose=verbose, **kwargs)
        _sub.build_on(self, x)
        self._check_compiled()
        if _ds.is_dataset(x):
            out = _ev.evaluate_batches(
                self, _ds.eval_batches(self, x, y, sample_weight, steps), verbose, steps)
        else:
            xs = self._standardize(x, self.input_names, self.inputs, "input")
            ys = self._targets_of(y)
            sws = self._weights_for(ys, sample_weight, None)
            bs = 32 if batch_size is None else int(batch_size)
            out = _ev.evaluate_batches(self, _ev.array_batches(xs, ys, sws, bs), verbose,
                                       -(-len(xs[0]) // bs),
                                       _cb.callback_list(self, kwargs.get("callbacks")))
        if kwargs.get("return_dict"):                  # name -> value (Keras >= 2.2)
            return dict(zip(self.metrics_names, _as_list(out)))
        return _ev.scalar_or_list(out)

    def evaluate_generator(self, generator, steps=None, **kwargs):
        steps = len(generator) if steps is None else steps
        return _ev.scalar_or_list(_ev.evaluate_batches(
            self, _ev.generator_batches(self, generator, steps)))

    def predict(self, x, batch_size=None, verbose="auto", steps=None, **kwargs):
        """The outputs for ``x``, computed in batches (an array, or a list for several);
        through ``predict_step`` where the model's class overrides it (``_custom_eval``).
        Prints Keras 3's progress bar unless ``verbose=0`` (``"auto"`` is 1, as Keras 3)."""
        from ._progbar import StepBar
        if _step.overridden(self, ("predict_step",)):
            return _ce.predict(self, x, batch_size, verbose)
        _sub.build_on(self, x)
        if _ds.is_dataset(x):
            return _ds.predict(self, x, steps, verbose)
        xs = self._standardize(x, self.input_names, self.inputs, "input")
        bs = 32 if batch_size is None else int(batch_size)
        n = len(xs[0])
        bar = StepBar(verbose, -(-n // bs)) if verbose else None
        cbl = _cb.callback_list(self, kwargs.get("callbacks"))
        if cbl is not None:
            cbl.on_predict_begin()
        parts = []
        for s in range(0, n, bs):
            if cbl is not None:
                cbl.on_predict_batch_begin(s // bs)
            parts.append(self._session.run(list(self.outputs), self._feed(
                [a[s:s + bs] for a in xs], training=False)))
            if cbl is not None:
                cbl.on_predict_batch_end(s // bs, {"outputs": structured(self, parts[-1])})
            if bar is not None:
                bar.step()
        if cbl is not None:
            cbl.on_predict_end()
        if bar is not None:
            bar.end()
        outs = [np.concatenate([p[i] for p in parts]) if parts else
                np.zeros((0,) + tuple(d or 0 for d in o.aval.shape[1:]), np.float32)
                for i, o in enumerate(self.outputs)]
        return structured(self, outs)                  # (a dict for Keras 3's dict outputs)

    def predict_generator(self, generator, steps=None, **kwargs):
        from .utils import Sequence
        if steps is None:
            steps = len(generator)
        it = None if isinstance(generator, Sequence) else iter(generator)
        parts = []
        for s in range(steps):
            item = generator[s] if it is None else next(it)
            bx = item[0] if isinstance(item, tuple) else item
            parts.append(_as_list(self.predict_on_batch(bx)))
        outs = [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
        return outs[0] if len(outs) == 1 else outs
