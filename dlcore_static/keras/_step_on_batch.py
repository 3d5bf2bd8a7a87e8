"""``train_on_batch``/``test_on_batch`` of a model with Keras 3 steps (``train_step``/
``test_step`` overridden), with the arguments Keras 3 and tf.keras 2 give them:

- ``class_weight`` (train_on_batch): Keras 3's ``class_weight_to_sample_weights``: each
  sample weighs its class's weight (the argmax of a one-hot target, the rounded value of
  one column), 1.0 for a class not in the dict; with ``sample_weight`` too, Keras 3's
  ValueError; a model of several outputs (a list/dict ``y``) is refused as Keras 3's ``fit``
  refuses it;
- ``reset_metrics``: ``None`` (not given) as Keras 3 (which has no such argument): the
  metrics run on over the calls until ``model.reset_metrics()``; ``True`` as tf.keras 2: the
  batch's logs returned, then the metrics reset; ``False``: they run on.
"""

from __future__ import annotations

import numpy as np

from . import _custom_eval as _ce


def class_weight_to_sample_weights(y, class_weight: dict) -> np.ndarray:
    """Keras 3's: ``class_weight[class of each sample]``, 1.0 for an absent class."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    y = np.asarray(y)
    out = np.ones((y.shape[0],), np.float32)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    cls = np.round(y).astype("int32")
    for i in range(cls.shape[0]):
        out[i] = class_weight.get(int(cls[i]), 1.0)
    return out


def on_batch(model, name: str, x, y=None, sample_weight=None, return_dict: bool = False,
             class_weight=None, reset_metrics=None):
    """The logs of one ``name`` step (``"train_step"``/``"test_step"``) on ``(x, y,
    sample_weight)`` (see the module docstring for ``class_weight`` and ``reset_metrics``)."""
    if class_weight is not None:
        if sample_weight is not None:
            raise ValueError("Arguments `sample_weight` and `class_weight` cannot be specified "
                             f"at the same time. Received: sample_weight={sample_weight}, "
                             f"class_weight={class_weight}")
        sample_weight = class_weight_to_sample_weights(y, class_weight)
    out = _ce.on_batch(model, name, x, y, sample_weight, return_dict)
    if reset_metrics:
        _ce.reset_metrics(model)
    return out
