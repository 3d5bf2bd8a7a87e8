"""Random ops on tensors: ``tf.random_shuffle`` (``tf.random.shuffle``) and ``tf.multinomial``
(``tf.random.categorical``).

Both are graph-level source-like nodes, as in ``random_ops.py``: sampled anew on every run, one
value per run shared by all consumers, and seeded the same way (graph seed from
``tf.set_random_seed`` and/or ``seed=``; a new Session repeats the sequence).  They run on the
host with NumPy (a value on a GPU is copied over and back) and have no gradient, as in
TensorFlow: ``tf.gradients`` through them gives None.

    shuffle:      y = value[perm] along the first dimension, perm a fresh permutation per run
    categorical:  y[b, j] ~ Categorical(softmax(logits[b])), j < num_samples (int64 by default)
"""

from __future__ import annotations

import numpy as np

from dlcore.device import to_device, to_host
from dlcore.dtypes import is_floating
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import plan as _plan
from .frontend import to_tensor
from .graph import Operation, Tensor, TensorShape, get_default_graph
from .random_ops import _rng_for

__all__ = ["categorical", "multinomial", "random_shuffle"]


def random_shuffle(value, seed=None, name=None) -> Tensor:
    """``value`` with its first dimension randomly permuted (a new permutation each run).

    Example::

        >>> import dlcore_static as tf
        >>> y = tf.random_shuffle([1, 2, 3, 4], seed=1)
        >>> with tf.Session() as sess:
        ...     sorted(sess.run(y).tolist())
        [1, 2, 3, 4]
    """
    g = get_default_graph()
    x = to_tensor(value, g)
    op = Operation(g, "RandomShuffle", g.unique_name(name or "RandomShuffle"), [x], [x.aval],
                   attrs={"seed": seed})
    if x.op.attrs.get("unknown_rank"):
        op.attrs["unknown_rank"] = True
    return op.outputs[0]


def _num_samples(num_samples) -> int:
    if isinstance(num_samples, Tensor) or hasattr(num_samples, "_as_graph_element"):
        t = to_tensor(num_samples)
        if t.op.type != "Const":
            raise NotImplementedError("multinomial: num_samples must be known when the graph "
                                      f"is built, got the tensor {t.name}")
        num_samples = t.op.attrs["value"]
    n = int(np.asarray(num_samples))
    if n < 0:
        raise ValueError(f"num_samples should be nonnegative, got {n}")
    return n


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None) -> Tensor:
    """``num_samples`` class indices per row of ``logits`` [batch, classes], drawn from the
    categorical distribution ``softmax(logits[b])`` (int64 unless ``output_dtype``).

    Example::

        >>> import dlcore_static as tf
        >>> s = tf.multinomial([[0.0, -1e9, -1e9]], 4, seed=3)
        >>> with tf.Session() as sess:
        ...     sess.run(s).tolist()
        [[0, 0, 0, 0]]
    """
    g = get_default_graph()
    x = to_tensor(logits, g)
    nm = name or "Multinomial"
    if x.aval.ndim != 2 or x.op.attrs.get("unknown_rank"):
        raise ValueError(f"Shape must be rank 2 but is rank {x.aval.ndim} for '{nm}' (op: "
                         f"'Multinomial') with input shapes: {TensorShape(x.aval.shape)}, [].")
    if not is_floating(x.aval.dtype):
        raise TypeError(f"Value passed to parameter 'logits' has DataType "
                        f"{_dtypes.as_dtype(x.aval.dtype).name} not in list of allowed values: "
                        "float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, "
                        "half, uint32, uint64")
    n = _num_samples(num_samples)
    dt = _dtypes.as_np(output_dtype if output_dtype is not None else _dtypes.int64)
    if dt not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"multinomial: output_dtype must be int32 or int64, got {dt}")
    op = Operation(g, "Multinomial", g.unique_name(nm), [x],
                   [AVal((x.aval.shape[0], n), dt)], attrs={"seed": seed, "num_samples": n})
    return op.outputs[0]


def categorical(logits, num_samples, dtype=None, seed=None, name=None) -> Tensor:
    """``tf.random.categorical``: :func:`multinomial` with ``dtype`` for ``output_dtype``.

    Example::

        >>> import dlcore_static as tf
        >>> s = tf.random.categorical([[-1e9, 0.0]], 3, seed=0)
        >>> with tf.Session() as sess:
        ...     sess.run(s).tolist()
        [[1, 1, 1]]
    """
    return multinomial(logits, num_samples, seed=seed, name=name, output_dtype=dtype)


def _shuffle_factory(op: Operation, session, device):
    on_host = device.type == "cpu"

    def run(x):
        v = np.asarray(x if on_host else to_host(x))
        rng = _rng_for(op, session)
        out = v[rng.permutation(v.shape[0])] if v.ndim else v.copy()
        return out if on_host else to_device(np.ascontiguousarray(out), device)
    return run, {}


def _multinomial_factory(op: Operation, session, device):
    on_host = device.type == "cpu"
    n = op.attrs["num_samples"]
    dt = op.outputs[0].aval.dtype

    def run(x):
        z = np.asarray(x if on_host else to_host(x), dtype=np.float64)
        rng = _rng_for(op, session)
        z = z - np.max(z, axis=1, keepdims=True)
        p = np.exp(z)
        cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
        u = rng.random((z.shape[0], n))
        out = np.empty((z.shape[0], n), dtype=dt)
        for b in range(z.shape[0]):        # side="right": a class of probability 0 is never hit
            out[b] = np.minimum(np.searchsorted(cdf[b], u[b], side="right"), z.shape[1] - 1)
        return out if on_host else to_device(out, device)
    return run, {}


_plan.EXECUTORS["RandomShuffle"] = _shuffle_factory
_plan.EXECUTORS["Multinomial"] = _multinomial_factory
