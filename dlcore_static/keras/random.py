"""``keras.random``: Keras 3's random operations on the static engine (graph tensors out).

The ``seed`` argument as Keras 3 reads it (``keras/src/random/seed_generator.draw_seed``):

- an int: the same values every time, for every call and every run of the graph (a stateless
  draw; NumPy's ``default_rng([seed, 0])``, which is Keras 3's NumPy backend's, so ``normal``,
  ``uniform`` and ``randint`` give its very values);
- a ``SeedGenerator``: each call draws from the generator's next seed and each run of the
  graph anew (Keras 3's generator state advances on every draw, e.g. every training step of a
  layer holding one); reproducible: a generator made with the same seed gives the same
  sequence in a new Session;
- None: the session's random stream (``keras.utils.set_random_seed`` / the graph seed).

``shuffle`` permutes whole slices along ``axis`` (Keras 3's TensorFlow, JAX and PyTorch
backends; its NumPy backend permutes each line independently).  Not provided: ``gamma``,
``binomial``, ``beta``.
"""

from __future__ import annotations

import itertools
import numbers
import sys

import numpy as np

from .. import dtypes as _dtypes
from ..graph import Tensor

__all__ = ["SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]

_NAMES = itertools.count()


def _tf():
    return sys.modules["dlcore_static"]


class SeedGenerator:
    """Keras 3's ``keras.random.SeedGenerator(seed=None, name=None)``: a source of seeds,
    one per draw (``next()``)."""

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or ("seed_generator" + (f"_{n}" if (n := next(_NAMES)) else ""))
        self._initial_seed = seed
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self._seed, self._count = seed, 0

    def next(self) -> int:
        """The op seed of the next draw (each run of the graph then draws anew from it)."""
        self._count += 1
        return (self._seed & 0xFFFFFFFF) * 1_000_003 + self._count

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}


def _seed(seed) -> tuple:
    """(op seed, stateless) of Keras 3's ``seed`` argument."""
    if isinstance(seed, SeedGenerator):
        return seed.next(), False
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed & 0xFFFFFFFF, True
    if seed is None:
        return None, False
    raise ValueError("Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")


def _stateless(t: Tensor, stateless: bool) -> Tensor:
    if stateless:
        t.op.attrs["stateless"] = True
    return t


def _draw(kind: str, shape, dtype, seed, like=None, **params) -> Tensor:
    from ..random_ops import _random
    op_seed, stateless = _seed(seed)
    if like is None and isinstance(shape, (list, tuple)) and any(
            isinstance(d, Tensor) for d in shape):
        like = _tf().zeros(shape, dtype)        # a shape known at run time (ops.shape(x)[0])
    t = _random(kind, None if like is not None else shape, dtype, op_seed, None, like=like,
                **params)
    return _stateless(t, stateless)


def _float(fn: str, dtype) -> np.dtype:
    from . import backend as K
    dt = np.dtype(_dtypes.as_np(dtype or K.floatx()))
    if dt.kind != "f":
        raise ValueError(f"`keras.random.{fn}` requires a floating point `dtype`. Received: "
                         f"dtype={dtype} ")
    return dt


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Samples of N(mean, stddev**2)."""
    return _draw("RandomStandardNormal", shape, _float("normal", dtype), seed,
                 mean=float(mean), stddev=float(stddev))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Samples of U[minval, maxval)."""
    return _draw("RandomUniform", shape, _float("uniform", dtype), seed, minval=float(minval),
                 maxval=float(maxval))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Samples of N(mean, stddev**2) within two deviations of the mean (drawn again beyond)."""
    return _draw("TruncatedNormal", shape, _float("truncated_normal", dtype), seed,
                 mean=float(mean), stddev=float(stddev))


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Integers uniform in [minval, maxval)."""
    dt = np.dtype(_dtypes.as_np(dtype))
    if dt.kind not in "iu":
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: "
                         f"dtype={dtype} ")
    return _draw("RandomUniform", shape, dt, seed, minval=int(minval), maxval=int(maxval),
                 keras=True)


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """``inputs`` with each value (each of ``noise_shape``'s, broadcast) zeroed with
    probability ``rate`` and the rest divided by ``1 - rate`` (always: no training flag)."""
    from . import ops
    x = ops.convert_to_tensor(inputs)
    rate = float(rate)
    if rate == 1.0:
        return _tf().zeros_like(x)
    if rate == 0.0:
        return x
    like = x
    if noise_shape is not None:
        dims = ops.shape(x)
        noise_shape = tuple(dims[i] if n is None else n for i, n in enumerate(noise_shape))
        like = _tf().zeros(noise_shape, x.dtype)
    u = _draw("RandomUniform", None, x.dtype, seed, like=like, minval=0.0, maxval=1.0)
    keep = _tf().cast(_tf().less(u, 1.0 - rate), x.dtype)
    return _tf().multiply(x, keep) / (1.0 - rate)


def shuffle(x, axis=0, seed=None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order."""
    from ..random_extra import random_shuffle
    from . import ops
    x = ops.convert_to_tensor(x)
    nd = x.shape.ndims
    axis = int(axis) % nd
    perm = [axis] + [i for i in range(nd) if i != axis]
    op_seed, stateless = _seed(seed)
    y = _stateless(random_shuffle(_tf().transpose(x, perm), seed=op_seed), stateless)
    return _tf().transpose(y, list(np.argsort(perm)))


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """``num_samples`` class indices per row of ``logits`` (batch, classes), drawn from
    ``softmax(logits[b])``."""
    from ..random_extra import categorical as _categorical
    from . import ops
    logits = ops.convert_to_tensor(logits)
    if logits.shape.ndims != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits={logits}")
    if not isinstance(num_samples, numbers.Integral):
        raise ValueError(f"`num_samples` must be an integer. Received: {num_samples}")
    op_seed, stateless = _seed(seed)
    return _stateless(_categorical(logits, int(num_samples), dtype=dtype, seed=op_seed),
                      stateless)
