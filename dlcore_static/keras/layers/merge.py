"""Keras merge layers: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum``, ``Concatenate``, ``Dot`` and their functional forms (``add([a, b])``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlcore import ops as _ops

from .. import backend as K
from ..engine import Layer


class _Merge(Layer):
    if TYPE_CHECKING:
        def _merge(self, a, b): ...        # each merge layer's pairwise op (the subclasses')

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """The inputs' masks combined: a step is kept where every input keeps it."""
        if mask is None:
            return None
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = _ops.logical_and(out, m)
        return out

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A merge layer should be called on a list of at least 2 inputs. "
                             f"Got {len(input_shape) if isinstance(input_shape, list) else 1} "
                             "inputs.")
        self.built = True

    def call(self, inputs):
        ranks = [len(x.shape) for x in inputs]
        if len(set(ranks)) > 1:
            # Keras 2's and 3's _Merge: inputs of different ranks are each expanded at axis 1
            # up to the highest rank ((None, 10) * (None, 1, 10) is (None, 1, 10)), not
            # broadcast from the right (which pairs the batch with the 1)
            top = max(ranks)
            inputs = list(inputs)
            for i, r in enumerate(ranks):
                for _ in range(top - r):
                    inputs[i] = _ops.expand_dims(inputs[i], 1)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return self._finish(out, len(inputs))

    def _finish(self, out, n):
        return out


class Add(_Merge):
    def _merge(self, a, b): return _ops.add(a, b)


class Subtract(_Merge):
    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs")
        self.built = True

    def _merge(self, a, b): return _ops.sub(a, b)


class Multiply(_Merge):
    def _merge(self, a, b): return _ops.mul(a, b)


class Average(_Merge):
    def _merge(self, a, b): return _ops.add(a, b)
    def _finish(self, out, n): return _ops.div(out, float(n))


class Maximum(_Merge):
    def _merge(self, a, b): return _ops.maximum(a, b)


class Minimum(_Merge):
    def _merge(self, a, b): return _ops.minimum(a, b)


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        super().build(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) > 1:
            raise ValueError("A `Concatenate` layer requires inputs with matching shapes except "
                             f"for the concat axis. Got inputs shapes: {input_shape}")

    def call(self, inputs):
        return K.concatenate(inputs, self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras': the masks (all-true for an unmasked input, a time mask widened to the
        feature axis) concatenated like the inputs, then kept where all features are."""
        if mask is None or all(m is None for m in mask):
            return None
        parts = []
        for x, m in zip(inputs, mask):
            if m is None:
                parts.append(_ops.full_like(x, True, bool))
            elif m.aval.ndim < x.aval.ndim:
                parts.append(_ops.expand_dims(m, -1))
            else:
                parts.append(m)
        return _ops.reduce_all(_ops.concatenate(parts, self.axis), -1)


class Dot(_Merge):
    """Dot product along ``axes`` of two batches of samples (``normalize``: cosine)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def call(self, inputs):
        a, b = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else [self.axes, self.axes]
        axes = [ax % t.aval.ndim for ax, t in zip(axes, (a, b))]
        if self.normalize:
            a, b = K.l2_normalize(a, axes[0]), K.l2_normalize(b, axes[1])
        return K.batch_dot(a, b, axes)

    def compute_mask(self, inputs, mask=None):
        return None


def add(inputs, **kw): return Add(**kw)(inputs)
def subtract(inputs, **kw): return Subtract(**kw)(inputs)
def multiply(inputs, **kw): return Multiply(**kw)(inputs)
def average(inputs, **kw): return Average(**kw)(inputs)
def maximum(inputs, **kw): return Maximum(**kw)(inputs)
def minimum(inputs, **kw): return Minimum(**kw)(inputs)
def concatenate(inputs, axis=-1, **kw): return Concatenate(axis=axis, **kw)(inputs)
def dot(inputs, axes, normalize=False, **kw): return Dot(axes, normalize, **kw)(inputs)
