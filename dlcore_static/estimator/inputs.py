"""``tf.estimator.inputs.numpy_input_fn``: an ``input_fn`` over NumPy arrays.

TensorFlow 1 feeds the arrays through a queue; here they go through ``tf.data`` (slices,
``shuffle`` over the whole data each epoch, ``repeat(num_epochs)``, ``batch``), which yields the
same batches up to shuffle order: ``batch_size`` rows each, the last batch of the last epoch
smaller when the data does not divide evenly, and ``OutOfRangeError`` after ``num_epochs``
(never, with ``num_epochs=None``).
"""

from __future__ import annotations

import numpy as np


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000,
                   num_threads=1):
    """An ``input_fn`` returning ``(features, labels)`` (features alone when ``y`` is None):
    ``x`` a dict of arrays (features a dict of tensors) or one array; ``y`` an array or a dict
    of arrays."""
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be provided explicitly as a bool, got {shuffle}")
    if isinstance(x, dict) and isinstance(y, dict) and set(x) & set(y):
        raise ValueError(f"{sorted(set(x) & set(y))} duplicate keys are found in both x and y:"
                         f" {sorted(x)}, {sorted(y)}")

    def arrays(v, what):
        if isinstance(v, dict):
            if not v:
                raise ValueError(f"{what} cannot be an empty dict")
            return {k: np.asarray(a) for k, a in v.items()}
        return np.asarray(v)

    xs = arrays(x, "x")
    ys = None if y is None else arrays(y, "y")
    lengths = {}
    for what, v in (("x", xs), ("y", ys)):
        if v is None:
            continue
        for k, a in (v.items() if isinstance(v, dict) else [(None, v)]):
            if a.ndim == 0:
                raise ValueError(f"{what}{'' if k is None else f'[{k!r}]'} must have a batch "
                                 "dimension")
            lengths[f"{what}" if k is None else f"{what}[{k!r}]"] = a.shape[0]
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Length of tensors in x and y is mismatched. All elements in x and y "
                         f"must have the same length: {lengths}")
    n = next(iter(lengths.values()))

    def input_fn():
        from ..data import Dataset
        ds = Dataset.from_tensor_slices(xs if ys is None else (xs, ys))
        if shuffle:
            ds = ds.shuffle(max(n, 1))
        ds = ds.repeat(num_epochs).batch(batch_size)
        return ds.make_one_shot_iterator().get_next()

    return input_fn


__all__ = ["numpy_input_fn"]
