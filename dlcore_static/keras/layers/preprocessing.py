"""Keras 3's numeric and image preprocessing layers, on the static graph.

    Normalization   y = (x - mean) / max(sqrt(var), epsilon); ``invert``: x * max(..) + mean.
                    ``adapt(data)`` sets mean and variance (NumPy's, over every axis not in
                    ``axis``; batches of an iterable merged as Keras merges them); weights
                    ``[mean, variance, count]`` as Keras 3 holds them
    Discretization  y = number of ``bin_boundaries`` <= x (int32, as Keras 3); ``adapt`` with ``num_bins``
                    picks approximate quantile boundaries with Keras's summary algorithm
    CategoryEncoding  one_hot / multi_hot / count of integer ids in ``[0, num_tokens)``
    Resizing        bilinear (half-pixel centres) or nearest resampling to (height, width),
                    ``crop_to_aspect_ratio`` cropping the centre first
    CenterCrop      the centred (height, width) window (resized when the image is smaller)
    RandomFlip      training: each image flipped with probability 1/2 (one draw per image
                    for both axes in "horizontal_and_vertical", as Keras 3); otherwise x
    RandomContrast  training: (x - mean_hw) * f + mean_hw, f ~ U[1 - lower, 1 + upper] per
                    image, clipped to ``value_range``; otherwise x

Images are NHWC unless ``data_format='channels_first'``.  The random layers follow the learning
phase (``training=``, else ``K.learning_phase()``) as Dropout does: ``fit`` augments, ``predict``
and ``evaluate`` do not.  The state ``adapt`` computes is kept in NumPy until the layer is built,
so a layer adapted before it joins a model starts with the adapted values.
"""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops as _ops

from ... import image as _image
from ...array_api import reverse
from .. import backend as K
from ..engine import Layer
from .noise_norm import _phase

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Normalization", "RandomContrast",
           "RandomFlip", "Resizing"]


def _const(value, dtype):
    return lambda shape, dtype=dtype: np.asarray(value, dtype=dtype).reshape(shape)


def _batches(data):
    """``data`` (an array or an iterable of arrays / (x, y) tuples) as a list of arrays."""
    if hasattr(data, "shape"):
        return [np.asarray(data)]
    from .._dataset_input import is_dataset, read_all
    if is_dataset(data):                  # a tf.data.Dataset: one pass, read in its graph
        data = read_all(data)
    out = [np.asarray(b[0] if isinstance(b, tuple) else b) for b in data]
    if not out:
        raise ValueError("adapt() received an empty iterable (no batches). Expected at least one "
                         "batch. Pass a non-empty iterable of arrays or tensors, e.g. "
                         "layer.adapt([x]) or layer.adapt(list_of_batches).")
    return out


class Normalization(Layer):
    """Feature-wise standardisation with a mean and variance given or learnt by ``adapt``."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self.supports_masking = True
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError("When setting values directly, `mean` and `variance` must have the "
                             f"same shape. Received: mean shape {np.shape(mean)} and variance "
                             f"shape {np.shape(variance)}")
        self._adapted: tuple | None = None
        self._build_input_shape = None

    def _layout(self, input_shape) -> None:
        nd = len(input_shape)
        if any(a < -nd or a >= nd for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={nd}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % nd for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError("All `axis` values to be kept must have a known shape. Received "
                                 f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with "
                                 f"unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(nd) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(nd)]
        self._stat_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._build_input_shape = tuple(input_shape)

    def build(self, input_shape) -> None:
        self._layout(input_shape)
        if self.input_mean is None:
            mean, var, count = self._adapted or (np.zeros(self._stat_shape),
                                                 np.ones(self._stat_shape), 0)
            self.adapt_mean = self.add_weight("mean", self._stat_shape,
                                              initializer=_const(mean, K.floatx()),
                                              trainable=False)
            self.adapt_variance = self.add_weight("variance", self._stat_shape,
                                                  initializer=_const(var, K.floatx()),
                                                  trainable=False)
            self.count = self.add_weight("count", (), dtype="int32",
                                         initializer=_const(count, "int32"), trainable=False)
        self.built = True

    def adapt(self, data) -> None:
        batches = _batches(data)
        shape = batches[0].shape
        if self._build_input_shape is None:
            self._layout(shape)
        else:
            for d in self._keep_axis:
                if shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"The layer was built with input_shape="
                                     f"{self._build_input_shape}, but adapt() is being called "
                                     f"with data with an incompatible shape, data.shape={shape}")
        if len(batches) == 1:
            mean = np.mean(batches[0], axis=self._reduce_axis)
            var = np.var(batches[0], axis=self._reduce_axis)
        else:
            mean, var, seen = np.zeros(self._stat_shape), np.zeros(self._stat_shape), 0
            for b in batches:
                n = math.prod(b.shape[d] for d in self._reduce_axis)
                seen += n
                w = n / seen
                bm, bv = np.mean(b, axis=self._reduce_axis), np.var(b, axis=self._reduce_axis)
                new = mean * (1 - w) + bm * w
                var = (var + (mean - new) ** 2) * (1 - w) + (bv + (bm - new) ** 2) * w
                mean = new
        self._adapted = (mean, var, 0)
        if self.input_shape_arg is None and len(shape) > 1:   # Keras 3 builds the layer here:
            self.input_shape_arg = tuple(shape[1:])          # Sequential([norm, ...]) works
        if not self.built:                     # (Keras 3: adapt builds; .mean then reads)
            self.build(shape)
        elif self.input_mean is None:
            K.batch_set_value([(self.adapt_mean, mean), (self.adapt_variance, var)])

    def _stats(self, dtype):
        if self.input_mean is not None:
            mean, var = np.asarray(self.input_mean), np.asarray(self.input_variance)
            if mean.ndim:
                expanded = [1] * len(self._broadcast_shape)
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, var = mean.reshape(expanded), var.reshape(expanded)
            shape = tuple(self._broadcast_shape)
            return (np.broadcast_to(mean, shape).astype(dtype),
                    np.broadcast_to(var, shape).astype(dtype))
        return (_ops.reshape(self.adapt_mean, tuple(self._broadcast_shape)),
                _ops.reshape(self.adapt_variance, tuple(self._broadcast_shape)))

    def _stat(self, i: int, name: str):
        if not self.built:      # (Keras 3: None, or the mean / variance given, until built)
            return None if self.input_mean is None else (self.input_mean, self.input_variance)[i]
        v = self._stats(np.dtype(K.floatx()))[i]
        return v if hasattr(v, "op") else K.constant(np.ascontiguousarray(v))

    @property
    def mean(self):
        """Keras 3's ``layer.mean`` once built: the mean in the broadcast shape (a tensor)."""
        return self._stat(0, "mean")

    @property
    def variance(self):
        return self._stat(1, "variance")

    def call(self, x):
        if x.aval.dtype != np.dtype(K.floatx()):
            x = _ops.cast(x, np.dtype(K.floatx()))
        mean, var = self._stats(x.aval.dtype)
        scale = _ops.maximum(_ops.sqrt(var), K.epsilon())
        if self.invert:
            return _ops.add(mean, _ops.mul(x, scale))
        return _ops.div(_ops.sub(x, mean), scale)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}


def _summarize(values, epsilon):
    """Keras's quantile summary of a batch: every ``step``-th sorted value, weighted ``step``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) * epsilon, 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge(prev, new, epsilon):
    merged = np.concatenate((prev, new), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


def _compress(summary, epsilon):
    """The summary re-binned at cumulative-weight fractions ``epsilon, 2 epsilon, ..., 1``."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    bins = np.interp(percents, frac, summary[0])
    cum = np.interp(percents, frac, cum)
    return np.stack((bins, cum - np.concatenate((np.array([0]), cum[:-1])))).astype("float32")


class Discretization(Layer):
    """Buckets of ``bin_boundaries``: ``y = sum(x >= b for b in bin_boundaries)`` (int32)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode != "int":
            raise ValueError(f"Discretization: output_mode={output_mode!r} is not supported "
                             "here (only 'int'); follow it with CategoryEncoding")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon, self.output_mode = num_bins, epsilon, output_mode

    def adapt(self, data) -> None:
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        summary = np.array([[], []], dtype="float32")
        for b in _batches(data):
            summary = _merge(_summarize(b.astype("float32"), self.epsilon), summary,
                             self.epsilon)
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, x):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can call "
                             "the layer.")
        b = np.asarray(self.bin_boundaries, dtype=np.float64)
        if x.aval.dtype.kind != "f":
            x = _ops.cast(x, np.float64)
        ge = _ops.greater_equal(_ops.expand_dims(x, -1), b.astype(x.aval.dtype))
        return _ops.sum(_ops.cast(ge, np.int32), -1)

    def get_config(self) -> dict:
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": False}


class CategoryEncoding(Layer):
    """Integer ids in ``[0, num_tokens)`` as one-hot, multi-hot or count vectors."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens "
                             "is not known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported here")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    def call(self, x, count_weights=None):
        ids = _ops.cast(x, np.int64)
        if self.output_mode == "one_hot" and (x.aval.ndim == 0 or x.aval.shape[-1] != 1):
            ids = _ops.expand_dims(ids, -1)
        hot = _ops.one_hot(ids, self.num_tokens, np.dtype(K.floatx()))  # (..., n, tokens)
        if self.output_mode == "count":
            return _ops.sum(hot, -2)
        return _ops.max(hot, -2)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": False}


def _hw_axes(data_format, ndim):
    first = (data_format or K.image_data_format()) == "channels_first"
    return (ndim - 2, ndim - 1) if first else (ndim - 3, ndim - 2)


class _ImageLayer(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or K.image_data_format()

    def _nhwc(self, x):
        """``x`` as a float NHWC batch, and the function that gives back the input's layout."""
        if x.aval.dtype.kind != "f":
            x = _ops.cast(x, np.dtype(K.floatx()))
        single = x.aval.ndim == 3
        if x.aval.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected an image of rank 3 or a batch of "
                             f"rank 4, got shape {tuple(x.aval.shape)}")
        if single:
            x = _ops.expand_dims(x, 0)
        first = self.data_format == "channels_first"
        if first:
            x = _ops.transpose(x, (0, 2, 3, 1))

        def back(y):
            y = _ops.transpose(y, (0, 3, 1, 2)) if first else y
            return _ops.reshape(y, tuple(y.aval.shape[1:])) if single else y
        return x, back

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Resizing(_ImageLayer):
    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing: interpolation={interpolation!r} is not supported here "
                             "(bilinear, nearest)")
        if antialias:
            raise ValueError("Resizing: antialias is not supported here")
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                             "`True`.")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode={fill_mode!r} is not supported here "
                             "(constant)")
        self.height, self.width = int(height), int(width)
        self.interpolation, self.crop_to_aspect_ratio = interpolation, bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio, self.fill_value = bool(pad_to_aspect_ratio), float(fill_value)

    def call(self, x):
        x, back = self._nhwc(x)
        _, h, w, _ = x.aval.shape
        if self.crop_to_aspect_ratio:
            ch = max(min(h, int(float(w * self.height) / self.width)), 1)
            cw = max(min(w, int(float(h * self.width) / self.height)), 1)
            top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
            x = _ops.getitem(x, (slice(None), slice(top, top + ch), slice(left, left + cw)))
        elif self.pad_to_aspect_ratio:
            # as Keras: the same band of fill_value above and below (or left and right)
            if h is None or w is None:
                raise ValueError("Resizing(pad_to_aspect_ratio=True) needs a known image size, "
                                 f"got {x.aval.shape[1:3]}")
            ph = max(h, int(float(w * self.height) / self.width))
            pw = max(w, int(float(h * self.width) / self.height))
            top, left = int(float(ph - h) / 2), int(float(pw - w) / 2)
            if top > 0:
                x = _ops.pad(x, ((0, 0), (top, top), (0, 0), (0, 0)), value=self.fill_value)
            elif left > 0:
                x = _ops.pad(x, ((0, 0), (0, 0), (left, left), (0, 0)), value=self.fill_value)
        y = _image._resize(x, (self.height, self.width), self.interpolation, False, True,
                           "Resizing", True)
        return back(y)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        hi, wi = _hw_axes(self.data_format, len(s))
        s[hi], s[wi] = self.height, self.width
        return tuple(s)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": "constant",
                "fill_value": self.fill_value,
                "antialias": False}


class CenterCrop(_ImageLayer):
    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, x):
        x, back = self._nhwc(x)
        _, h, w, _ = x.aval.shape
        if h >= self.height and w >= self.width:
            top, left = (h - self.height) // 2, (w - self.width) // 2
            return back(_ops.getitem(x, (slice(None), slice(top, top + self.height),
                                         slice(left, left + self.width))))
        return back(Resizing(self.height, self.width, crop_to_aspect_ratio=True,
                             data_format="channels_last").call(x))

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


def _per_image_uniform(x, seed, lo=0.0, hi=1.0):
    """Uniform draws shaped (batch, 1, 1, 1) of an NHWC batch (its batch size may be unknown)."""
    from ...random_ops import random_uniform_like
    one = _ops.getitem(x, (slice(None), slice(0, 1), slice(0, 1), slice(0, 1)))
    return random_uniform_like(one, minval=lo, maxval=hi, seed=seed)


class RandomFlip(_ImageLayer):
    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {kwargs.get('name')} received an unknown mode "
                             f"argument {mode}")
        self.mode, self.seed = mode, seed

    def call(self, x, training=None):
        def noisy():
            y, back = self._nhwc(x)
            flip = _ops.less_equal(_per_image_uniform(y, self.seed), 0.5)
            if self.mode != "vertical":
                y = _ops.where(flip, reverse(y, [2]), y)
            if self.mode != "horizontal":
                y = _ops.where(flip, reverse(y, [1]), y)
            return back(y)
        return _phase(x, noisy, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


class RandomContrast(_ImageLayer):
    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        message = ("The `factor` argument should be a number (or a list of two numbers) in the "
                   f"range [0, 1]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > 1 or factor[1] < 0:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and 0 <= factor <= 1:
            lower = upper = abs(factor)
        else:
            raise ValueError(message)
        self.factor, self.value_range, self.seed = (lower, upper), tuple(value_range), seed

    def call(self, x, training=None):
        def noisy():
            y, back = self._nhwc(x)
            f = _per_image_uniform(y, self.seed, 1.0 - self.factor[0], 1.0 + self.factor[1])
            m = _ops.mean(y, (1, 2), keepdims=True)
            out = _ops.add(_ops.mul(_ops.sub(y, m), f), m)
            return back(_ops.clip(out, float(self.value_range[0]), float(self.value_range[1])))
        return _phase(x, noisy, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
