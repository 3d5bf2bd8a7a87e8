"""Keras's loss classes (``keras.losses.MeanSquaredError()``, ``SparseCategoricalCrossentropy(
from_logits=True)``, ``Huber(delta)``, ...) and the functions Keras 2.3+/3 added (``huber``,
``log_cosh``, ``kl_divergence``, ``cosine_similarity``).

(The classes of the losses defined in ``losses.py``, such as ``MeanSquaredError``, are made
there with this module's ``_wrapper``.)  A ``Loss`` holds its arguments and a per-sample function ``call(y_true, y_pred)`` (one value per
sample: the mean over the last axis, as Keras).  Called, it reduces as Keras does::

    "sum_over_batch_size" (default; "auto" and "mean" too): sum(loss * sample_weight) / size(loss)
    "sum": sum(loss * sample_weight)          "none" (or None): loss * sample_weight

``model.compile(loss=SomeLoss(...))`` uses ``call`` per sample, so the model's sample weights
and masks apply as for a loss given by name; the loss's ``name`` picks the metric that
``'accuracy'`` means (``sparse_categorical_crossentropy`` -> the sparse accuracy).
"""

from __future__ import annotations

from dlcore import ops as _ops

from . import backend as K

_REDUCTIONS = ("sum_over_batch_size", "auto", "mean", "sum", "none", None)


def _t(x):
    return K._to_tensor(x)


def _float(x, like):
    x = _t(x)
    return x if x.aval.dtype == like.aval.dtype else _ops.cast(x, like.aval.dtype)


def _smooth(y_true, ls: float, classes):
    if not ls:
        return y_true
    return _ops.add(_ops.mul(y_true, 1.0 - ls), ls / classes)


# ----------------------------------------------------------------------------- functions
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per sample: the mean over ``axis`` of the elementwise binary cross-entropy (``y_pred``
    probabilities clipped to [eps, 1 - eps], or logits); labels smoothed towards 0.5."""
    p = _t(y_pred)
    t = _smooth(_float(y_true, p), float(label_smoothing), 2.0)
    return _ops.mean(K.binary_crossentropy(t, p, from_logits=from_logits), axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per sample: ``-sum(y_true * log(p))`` over ``axis`` (``p``: ``y_pred`` renormalised and
    clipped, or the softmax of logits); labels smoothed towards ``1 / classes``."""
    p = _t(y_pred)
    t = _float(y_true, p)
    if label_smoothing:
        t = _smooth(t, float(label_smoothing), float(p.aval.shape[axis]))
    return K.categorical_crossentropy(t, p, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Per sample: the categorical cross-entropy of integer class ids.  ``ignore_class``
    (Keras 3's): entries whose id is that class count for nothing, and the others are scaled
    by ``total / valid`` (Keras 3's ``apply_mask``), so that the mean over the batch is the
    mean over the valid entries."""
    if ignore_class is None:
        return K.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                 axis=axis)
    p = _t(y_pred)
    y = _t(y_true)
    if y.aval.ndim == p.aval.ndim:               # (ids of shape (..., 1))
        y = _ops.squeeze(y, (-1,))
    valid = _ops.not_equal(y, _ops.cast(float(ignore_class), y.aval.dtype))
    safe = _ops.where(valid, y, _ops.zeros_like(y))
    res = K.sparse_categorical_crossentropy(safe, p, from_logits=from_logits, axis=axis)
    w = _ops.cast(valid, res.aval.dtype)
    total = _ops.sum(_ops.ones_like(w))
    return _ops.mul(_ops.mul(res, w), _ops.div(total, _ops.add(_ops.sum(w), K.epsilon())))


def huber(y_true, y_pred, delta=1.0):
    """Per sample: the mean of ``0.5 x^2`` where ``|x| <= delta``, else
    ``delta * (|x| - 0.5 delta)``, with ``x = y_pred - y_true``."""
    p = _t(y_pred)
    a = _ops.abs(_ops.sub(p, _float(y_true, p)))
    d = float(delta)
    quad = _ops.minimum(a, d)
    return _ops.mean(_ops.add(_ops.mul(_ops.square(quad), 0.5),
                              _ops.mul(_ops.sub(a, quad), d)), -1)


def log_cosh(y_true, y_pred):
    """Per sample: the mean of ``log(cosh(y_pred - y_true))``, as
    ``x + softplus(-2x) - log 2``."""
    p = _t(y_pred)
    x = _ops.sub(p, _float(y_true, p))
    return _ops.mean(_ops.sub(_ops.add(x, _ops.softplus(_ops.mul(x, -2.0))),
                              0.6931471805599453), -1)


def kl_divergence(y_true, y_pred):
    """Per sample: ``sum(t * log(t / p))`` with both clipped to [eps, 1]."""
    p = _t(y_pred)
    t = K.clip(_float(y_true, p), K.epsilon(), 1.0)
    p = K.clip(p, K.epsilon(), 1.0)
    return _ops.sum(_ops.mul(t, _ops.log(_ops.div(t, p))), -1)


def poisson(y_true, y_pred):
    """Per sample: the mean of ``p - t * log(p + eps)``."""
    p = _t(y_pred)
    t = _float(y_true, p)
    return _ops.mean(_ops.sub(p, _ops.mul(t, _ops.log(_ops.add(p, K.epsilon())))), -1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per sample: minus the cosine similarity along ``axis`` (Keras 2.3+'s loss: -1 for the
    same direction)."""
    p = _t(y_pred)
    t = K.l2_normalize(_float(y_true, p), axis)
    return _ops.neg(_ops.sum(_ops.mul(t, K.l2_normalize(p, axis)), axis))


# ----------------------------------------------------------------------------- classes
class Loss:
    """Base of the loss classes: ``call(y_true, y_pred)`` per sample, reduced on ``__call__``.
    A subclass that overrides ``call`` is a custom loss, as in Keras."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                             f"{list(_REDUCTIONS)}. Received: reduction={reduction}")
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__}.call: a subclass of Loss defines "
                                  "call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(_t(y_true), _t(y_pred))
        if sample_weight is not None:
            w = _float(sample_weight, losses)
            # Keras 3's squeeze_or_expand_to_same_rank: (n,) losses and (n, 1) weights are
            # multiplied as (n, 1) (they broadcast to an (n, n) outer product before)
            if w.aval.ndim == losses.aval.ndim + 1 and w.aval.shape[-1] == 1:
                if losses.aval.ndim == 1:
                    losses = _ops.expand_dims(losses, -1)
                else:
                    w = _ops.squeeze(w, -1)
            while w.aval.ndim < losses.aval.ndim:
                w = _ops.expand_dims(w, -1)
            losses = _ops.mul(losses, w)
        if self.reduction in (None, "none"):
            return losses
        if self.reduction == "sum":
            return _ops.sum(losses)
        return _ops.mean(losses)                # sum / number of elements

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out.replace("k_l_", "kl_")


class LossFunctionWrapper(Loss):
    """A loss class around a per-sample function and its keyword arguments."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


def _bind_params(class_name: str, params: tuple, args: tuple, kwargs: dict,
                 positional_note: str = "") -> dict:
    """The keyword arguments of a generated wrapper class (here and in ``metric_classes``):
    ``params``' ``(keyword, default)`` pairs overridden by ``args`` then ``kwargs``."""
    if len(args) > len(params):
        raise TypeError(f"{class_name}() takes at most {len(params)} positional arguments"
                        f"{positional_note}")
    values = dict(params)
    for (key, _), v in zip(params, args):
        values[key] = v
    for key, v in kwargs.items():
        if key not in values:
            raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument "
                            f"'{key}'")
        values[key] = v
    return values


def _wrapper(class_name: str, fn, default_name: str, params: tuple = ()):
    """A ``LossFunctionWrapper`` subclass with Keras's signature: ``params`` are
    ``(keyword, default)`` pairs passed on to ``fn``."""
    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None,
                 **kwargs):
        values = _bind_params(class_name, params, args, kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)
    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__,
                                                    "__doc__": f"Keras's ``{class_name}``: "
                                                    f"the per-sample ``{fn.__name__}``."})


BinaryCrossentropy = _wrapper("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                              (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", categorical_crossentropy,
                                   "categorical_crossentropy",
                                   (("from_logits", False), ("label_smoothing", 0.0),
                                    ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy",
                                         sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy",
                                         (("from_logits", False), ("ignore_class", None)))
Huber = _wrapper("Huber", huber, "huber_loss", (("delta", 1.0),))
LogCosh = _wrapper("LogCosh", log_cosh, "log_cosh")
KLDivergence = _wrapper("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", poisson, "poisson")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            (("axis", -1),))



def per_sample(loss: Loss):
    """``compile``'s per-sample function of a loss object, named as the loss (so that
    ``'accuracy'`` picks the sparse accuracy for ``SparseCategoricalCrossentropy``)."""
    def fn(y_true, y_pred):
        return loss.call(y_true, y_pred)
    fn.__name__ = loss.name
    return fn
