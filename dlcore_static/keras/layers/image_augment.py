"""Keras 3's geometric augmentation layers: ``RandomRotation``, ``RandomZoom``,
``RandomTranslation`` (training only; otherwise the input as it is).

Each image gets its own affine map, drawn in the graph (one uniform draw per image and
parameter) and applied by a host op as Keras's NumPy backend applies it: the output pixel
``(y, x)`` reads the input at ``x' = a0 x + a1 y + a2``, ``y' = b0 x + b1 y + b2``, resampled
with ``scipy.ndimage.map_coordinates`` (``bilinear``: order 1, ``nearest``: order 0) after the
image is padded to cover every coordinate read (``fill_mode`` reflect / wrap / nearest /
constant with ``fill_value``), so a given angle, zoom or shift gives Keras's pixels.

    rotation     angle = 360 u degrees, u ~ U[lower, upper] (``factor`` f: [-f, f]), about
                 the centre ((w-1)/2, (h-1)/2): a0 = cos, a1 = -sin, b0 = sin, b1 = cos
    zoom         z ~ U[1 + lower, 1 + upper] per axis (width = height unless
                 ``width_factor``): a0 = z_w, a2 = (w-1)/2 (1 - z_w), b1 = z_h, ...
                 (a positive factor zooms out)
    translation  shifts ~ U[lower, upper] times h and w: a2 = -dx, b2 = -dy

The host op has no gradient: these layers sit on the input, before any weight.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlcore import ops as _ops

from ... import host_ops
from .noise_norm import _phase
from .preprocessing import _ImageLayer, _per_image_uniform

__all__ = ["RandomRotation", "RandomTranslation", "RandomZoom"]

_PAD: dict[str, Any] = {"nearest": "edge", "reflect": "symmetric", "wrap": "wrap", "constant": "constant"}


def _transforms(kind: str, params: np.ndarray, h: int, w: int) -> np.ndarray:
    """``(batch, 6)`` rows ``a0, a1, a2, b0, b1, b2`` from the drawn parameters."""
    p = params.astype(np.float64)
    n = len(p)
    zero, one = np.zeros(n), np.ones(n)
    if kind == "rotation":
        t = p[:, 0] * 360.0 * math.pi / 180.0
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        a0, a1, b0, b1 = np.cos(t), -np.sin(t), np.sin(t), np.cos(t)
        return np.stack([a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1], 1)
    if kind == "zoom":
        hz, wz = p[:, 0], p[:, -1]
        return np.stack([wz, zero, (w - 1.0) / 2.0 * (1.0 - wz), zero, hz,
                         (h - 1.0) / 2.0 * (1.0 - hz)], 1)
    dy, dx = p[:, 0] * h, p[:, 1] * w
    return np.stack([one, zero, -dx, zero, one, -dy], 1)


def _sample(image: np.ndarray, coords: list, order: int, fill_mode: str, cval: float):
    """``image`` (h, w, c) read at ``coords`` (3 arrays) after padding it to cover them."""
    from scipy import ndimage
    pads = [(max(-int(np.floor(c.min())) + 1, 0), max(int(np.ceil(c.max())) + 1 - n, 0))
            for c, n in zip(coords, image.shape)]
    if fill_mode == "constant":
        padded = np.pad(image, pads, mode="constant", constant_values=cval)
    else:
        padded = np.pad(image, pads, mode=_PAD[fill_mode])
    shifted = [c + p[0] for c, p in zip(coords, pads)]
    return ndimage.map_coordinates(padded.astype(np.float32), shifted, order=order,
                                   mode=fill_mode, cval=cval)


def _affine(x: np.ndarray, params: np.ndarray, *, kind: str, order: int, fill_mode: str,
            fill_value: float) -> np.ndarray:
    b, h, w, c = x.shape
    rows = _transforms(kind, params.reshape(b, -1), h, w).astype(np.float32)
    ys, xs, cs = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    out = np.empty(x.shape, np.float32)
    for i, (a0, a1, a2, b0, b1, b2) in enumerate(rows):
        coords = [ys * b1 + xs * b0 + b2, ys * a1 + xs * a0 + a2, cs.astype(np.float32)]
        out[i] = _sample(x[i].astype(np.float32), coords, order, fill_mode, fill_value)
    return out


host_ops.register("KerasAffineAugment", _affine)


def _factor(value, name: str, low: float = -1.0):
    message = (f"The `{name}` argument should be a number (or a list of two numbers) in the "
               f"range [-1.0, 1.0]. Received: {name}={value}")
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or any(v > 1.0 or v < -1.0 for v in value):
            raise ValueError(message)
        return tuple(sorted(float(v) for v in value))
    if not isinstance(value, (int, float)) or value > 1.0 or value < -1.0:
        raise ValueError(message)
    return (max(-abs(float(value)), low), abs(float(value)))


class _Affine(_ImageLayer):
    _kind = ""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if fill_mode not in _PAD:
            raise ValueError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                             f"{tuple(_PAD)}.")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"Unknown `interpolation` {interpolation}. Expected of one "
                             "('nearest', 'bilinear').")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.seed, self.fill_value = seed, float(fill_value)

    def _ranges(self) -> list:
        raise NotImplementedError

    def call(self, x, training=None):
        def noisy():
            y, back = self._nhwc(x)
            draws = []
            for k, (lo, hi) in enumerate(self._ranges()):
                seed = None if self.seed is None else self.seed + k
                u = _per_image_uniform(y, seed, lo, hi)
                draws.append(_ops.reshape(u, (-1, 1)))
            params = draws[0] if len(draws) == 1 else _ops.concatenate(draws, 1)
            out = host_ops.host_op(
                "KerasAffineAugment", [y, params], [(tuple(y.aval.shape), np.float32)],
                {"kind": self._kind, "order": 1 if self.interpolation == "bilinear" else 0,
                 "fill_mode": self.fill_mode, "fill_value": self.fill_value},
                name=self.name).outputs[0]
            return back(out)
        return _phase(x, noisy, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}


class RandomRotation(_Affine):
    _kind = "rotation"

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor(factor, "factor")

    def _ranges(self) -> list:
        return [self.factor]

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": tuple(self.factor)}     # (Keras 3's)


class RandomZoom(_Affine):
    _kind = "zoom"

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self._given = (height_factor, width_factor)        # (get_config: Keras 3 writes them)
        self.height_factor = _factor(height_factor, "height_factor")
        self.width_factor = None if width_factor is None else _factor(width_factor,
                                                                      "width_factor")
        if min(self.height_factor) <= -1.0 or (self.width_factor and
                                               min(self.width_factor) <= -1.0):
            raise ValueError("RandomZoom: a factor of -1 zooms an image to nothing; use "
                             "factors in (-1, 1]")

    def _ranges(self) -> list:
        h = (1.0 + self.height_factor[0], 1.0 + self.height_factor[1])
        if self.width_factor is None:              # one draw: the same zoom on both axes
            return [h]
        return [h, (1.0 + self.width_factor[0], 1.0 + self.width_factor[1])]

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self._given[0],
                "width_factor": self._given[1]}


class RandomTranslation(_Affine):
    _kind = "translation"

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self._given = (height_factor, width_factor)        # (get_config: Keras 3 writes them)
        self.height_factor = _factor(height_factor, "height_factor")
        self.width_factor = _factor(width_factor, "width_factor")

    def _ranges(self) -> list:
        return [self.height_factor, self.width_factor]

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self._given[0],
                "width_factor": self._given[1]}
