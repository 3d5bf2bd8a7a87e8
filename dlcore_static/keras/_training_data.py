"""From the user's arrays to a compiled model's feeds: ``ArrayFeeds``, a part of ``Model``.

``_standardize`` checks and shapes the inputs (or the targets) as Keras 2 does (a dict by
name, a list in order, 1-d arrays as columns; the messages Keras 2 gives for a wrong count,
rank or shape), ``_targets_of`` the targets of the outputs that have a loss, ``_weights_for``
their sample weights (``class_weight`` included) and ``_feed`` the feed dict of a batch, with
the learning phase fed while training.
"""

from __future__ import annotations

import numpy as np

from ..graph import Tensor
from . import _run_phase
from . import backend as K
from .engine import _as_list


class ArrayFeeds:
    """The data half of ``Model`` (it uses the model's ``inputs``, ``targets``,
    ``sample_weights``, ``outputs`` and ``graph``)."""

    inputs: list
    outputs: list
    targets: list
    sample_weights: list
    _target_names: list
    _target_outputs: list
    _target_losses: list
    _n_samples: int | None

    def _standardize(self, data, names, tensors, what: str, targets: bool = False) -> list:
        if isinstance(data, dict):
            keys = getattr(self, "_input_keys", None) if what == "input" else None
            names = keys or names               # (a model built on a dict of inputs)
            try:
                data = [data[k] for k in names]
            except KeyError as e:
                raise ValueError(f"No data provided for \"{e.args[0]}\". Need data for each "
                                 f"key in: {names}") from None
        arrays = _as_list(data) if isinstance(data, (list, tuple)) and not (
            len(tensors) == 1 and np.ndim(data) > 1 and not isinstance(data[0], np.ndarray)) \
            else [data]
        if len(arrays) != len(tensors):
            raise ValueError(f"Error when checking model {what}: the list of Numpy arrays that "
                             f"you are passing to your model is not the size the model expected."
                             f" Expected to see {len(tensors)} array(s), but instead got "
                             f"{len(arrays)} arrays.")
        out = []
        for a, t, nm in zip(arrays, tensors, names):
            if isinstance(a, Tensor):   # keras.ops on arrays (Keras 3: eager values): its value
                a = K._session_for(a.graph).run(a)
            a = np.asarray(a, dtype=np.float32 if t.aval.dtype.kind == "f" else t.aval.dtype)
            want = t.aval.shape
            if (targets and a.ndim == len(want) - 1) or (a.ndim == 1 and len(want) == 2):
                a = a.reshape(a.shape + (1,))   # Keras 2.2.4 expands 1-d arrays (a column)
            elif not targets and a.ndim == len(want) - 1 and want[-1] == 1:
                a = a.reshape(a.shape + (1,))   # Keras 3's _adjust_input_rank: (n, 28, 28)
            elif not targets and a.ndim == len(want) + 1 and a.shape[-1] == 1:  # for (28, 28, 1)
                a = a.reshape(a.shape[:-1])
            if a.ndim != len(want):
                raise ValueError(f"Error when checking {what}: expected {nm} to have "
                                 f"{len(want)} dimensions, but got array with shape {a.shape}")
            for d, (w, h) in enumerate(zip(want[1:], a.shape[1:]), 1):
                if w is not None and not targets and w != h:
                    raise ValueError(f"Error when checking {what}: expected {nm} to have shape "
                                     f"{tuple(want[1:])} but got array with shape "
                                     f"{a.shape}")
            out.append(a)
        n = {len(a) for a in out}
        if len(n) > 1:
            raise ValueError(f"All {what} arrays should have the same number of samples. Got "
                             f"array shapes: {[a.shape for a in out]}")
        if not targets:                 # (inputs are standardized first, then the targets)
            self._n_samples = len(out[0]) if out else None
        return out

    def _targets_of(self, y) -> list:
        """The target arrays of the outputs that have a loss (none with add_loss alone)."""
        if not self.targets:
            if y is not None and not (isinstance(y, (list, tuple, dict)) and not y):
                raise ValueError("Error when checking model target: expected no data, but "
                                 f"got: {type(y).__name__}")
            return []
        ys = self._standardize(y, self._target_names, self.targets, "target", True)
        from ._target_checks import check
        check(getattr(self, "_n_samples", None), ys,
              [self.outputs[i] for i in self._target_outputs], self._target_losses)
        return ys

    def _weights_for(self, ys, sample_weight, class_weight) -> list:
        from ._target_checks import sample_weights
        return sample_weights(self._target_names, ys, sample_weight, class_weight)

    def _feed(self, xs, ys=None, sws=None, training=None) -> dict:
        feed = dict(zip(self.inputs, xs))
        if ys is not None:
            feed.update(zip(self.targets, ys))
            feed.update(zip(self.sample_weights, sws))
        if training is not None:
            ph = self._learning_phase()
            if ph is not None:
                feed[ph] = training
            feed.update(_run_phase.feeds(self))     # (BatchNormalization's trainable; also
            #                                         under a fixed learning phase)
        return feed

    def _learning_phase(self):
        with self.graph.as_default():  # type: ignore[attr-defined]
            lp = K.learning_phase()
        return lp if not isinstance(lp, bool) else None
