"""Keras's confusion-matrix metrics, accumulated over the whole epoch: ``TruePositives``,
``FalsePositives``, ``TrueNegatives``, ``FalseNegatives``, ``Precision``, ``Recall`` and ``AUC``.

Their value is not a mean of per-sample values (a batch-averaged precision is not the epoch's
precision), so they keep counts in local variables, one per threshold: a prediction counts as
positive when ``y_pred > threshold`` (0.5 unless ``thresholds`` is given), a label when it is
non-zero.  ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)`` (0 when empty);
``AUC`` sums the ROC (or PR) curve over ``num_thresholds`` thresholds ``-eps, 1/(n-1), ...,
1+eps`` with Keras's Riemann sums (``interpolation``: trapezoids, PR with Davis & Goadrich's
interpolation; ``minoring``/``majoring``).  ``AUC(multi_label=True)`` keeps counts of shape
``(thresholds, labels)`` and returns the mean of the labels' areas (``label_weights``: their
weighted mean); without it, ``label_weights`` weight each label's entries in the flattened counts.

In ``model.compile(metrics=[Precision(), AUC()])`` the fetched value is the running result
after the batch's update; ``fit`` resets the counts when an epoch begins and logs the value
after its last batch, ``evaluate`` resets them first and returns the value after its last
batch (Keras's stateful metrics), so the History holds the epoch's precision, not an average
of batch precisions.  On their own (graph mode) ``update_state`` returns the update op,
``result()`` the value tensor and ``reset_state()`` zeroes the counts in the Keras session.
"""

from __future__ import annotations

import weakref

import numpy as np

from dlcore import ops as _ops

from .. import metrics as _tf_metrics
from ..graph import control_dependencies, get_default_graph
from . import backend as K
from . import loss_classes as _lc

__all__ = ["AUC", "FalseNegatives", "FalsePositives", "Precision", "Recall", "TrueNegatives",
           "TruePositives"]

#: graph -> the confusion metrics whose counts live in it (reset by fit and evaluate)
_REGISTRY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KINDS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _f32(x):
    return _ops.cast(x, np.float32)


class _Confusion:
    """Counts of the confusion matrix at ``self._thresholds`` (sorted, a 1-d array)."""

    _kinds: tuple = _KINDS
    _thresholds: np.ndarray         # set by each metric's __init__
    _scalar = True                  # one threshold given as a number: a scalar result
    _multi_label = False            # AUC(multi_label=True): counts per label, (k, num_labels)
    _num_labels: int | None = None
    _label_weights: np.ndarray | None = None

    def __init__(self, name=None, dtype=None):
        self.name = name or _lc._snake(type(self).__name__)
        self.dtype = dtype or "float32"
        self._vars: dict | None = None
        self._class_id = None

    def _counts(self) -> dict:
        if self._vars is None:
            g = get_default_graph()
            shape: int | tuple = len(self._thresholds)
            if self._multi_label:
                if self._num_labels is None:
                    raise ValueError("AUC(multi_label=True): the number of labels is not "
                                     "known before the first update_state; pass num_labels")
                shape = (shape, self._num_labels)
            with g.control_dependencies(None), g.name_scope(self.name + "/"):
                self._vars = {k: _tf_metrics._local_vec(k, shape) for k in self._kinds}
            _REGISTRY.setdefault(g, []).append(self)
        return self._vars

    @property
    def variables(self) -> list:
        return [] if self._vars is None else list(self._vars.values())

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = K._to_tensor(y_pred)
        t = K._to_tensor(y_true)
        if self._class_id is not None:
            pick = (Ellipsis, slice(self._class_id, self._class_id + 1))
            p, t = _ops.getitem(p, pick), _ops.getitem(t, pick)
        flat: tuple = (1, -1)                                            # (1, N)
        thr: np.ndarray = self._thresholds.astype(np.float32).reshape(-1, 1)   # (k, 1)
        if self._multi_label:                    # (1, N, L): one count per label
            labels = p.aval.shape[-1] if p.aval.shape else None
            if self._num_labels is None and labels is not None:
                self._num_labels = int(labels)
            if labels is None or labels != self._num_labels:
                raise ValueError(f"AUC(multi_label=True): predictions of shape "
                                 f"{tuple(p.aval.shape)} for {self._num_labels} labels")
            flat, thr = (1, -1, self._num_labels), thr.reshape(-1, 1, 1)
        w = None if sample_weight is None else _f32(K._to_tensor(sample_weight))
        if w is not None and len(w.aval.shape) == len(p.aval.shape) - 1:
            w = _ops.expand_dims(w, -1)          # (batch,) weights for (batch, labels): as Keras
        if self._label_weights is not None and not self._multi_label:
            lw = self._label_weights.astype(np.float32)
            w = lw if w is None else _ops.mul(_ops.broadcast_like(w, _f32(p)), lw)
        p = _ops.reshape(_f32(p), flat)
        label = _ops.reshape(_f32(_ops.not_equal(t, 0)), flat)
        if w is not None:
            w = _ops.reshape(_ops.broadcast_like(_f32(K._to_tensor(w)),
                                                 _f32(K._to_tensor(y_pred))), flat)
        pos = _f32(_ops.greater(p, thr))                                 # (k, N[, L])
        neg = _ops.sub(1.0, pos)
        nlabel = _ops.sub(1.0, label)
        pairs = {"true_positives": (pos, label), "false_positives": (pos, nlabel),
                 "true_negatives": (neg, nlabel), "false_negatives": (neg, label)}
        from ..control_flow import group
        ops = []
        for k, v in self._counts().items():
            a, b = pairs[k]
            hit = _ops.mul(a, b) if w is None else _ops.mul(_ops.mul(a, b), w)
            ops.append(v.assign_add(_ops.sum(hit, 1)))
        return group(*ops)

    def _value(self, kind):
        return self._counts()[kind].value()

    def result(self):
        raise NotImplementedError

    def reset_state(self) -> None:
        if self._vars is not None:
            K.batch_set_value([(v, np.zeros(v.aval.shape, np.float32))
                               for v in self._vars.values()])

    reset_states = reset_state

    def __call__(self, y_true, y_pred, sample_weight=None):
        with control_dependencies([self.update_state(y_true, y_pred, sample_weight)]):
            return _ops.add(self.result(), 0.0)

    def _squeeze(self, v):
        return _ops.reshape(v, ()) if self._scalar else v

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


def _thresholds(thresholds, default=0.5):
    if thresholds is None:
        return np.array([default]), True
    scalar = np.ndim(thresholds) == 0
    t = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if ((t < 0) | (t > 1)).any():
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {list(t)}")
    return t, scalar


class _Count(_Confusion):
    _kind = "true_positives"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.thresholds = thresholds
        self._thresholds, self._scalar = _thresholds(thresholds)
        self._kinds = (self._kind,)

    def result(self):
        return self._squeeze(self._value(self._kind))

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.thresholds}


class TruePositives(_Count):
    _kind = "true_positives"


class FalsePositives(_Count):
    _kind = "false_positives"


class TrueNegatives(_Count):
    _kind = "true_negatives"


class FalseNegatives(_Count):
    _kind = "false_negatives"


class _Ratio(_Confusion):
    _other = "false_positives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None:
            raise ValueError(f"{type(self).__name__}: top_k is not supported by dlcore")
        self.thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self._thresholds, self._scalar = _thresholds(thresholds)
        self._class_id = class_id
        self._kinds = ("true_positives", self._other)

    def result(self):
        tp = self._value("true_positives")
        return self._squeeze(_tf_metrics._safe_div(tp, _ops.add(tp, self._value(self._other))))

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_Ratio):
    """``tp / (tp + fp)`` over everything seen since the last reset."""

    _other = "false_positives"


class Recall(_Ratio):
    """``tp / (tp + fn)`` over everything seen since the last reset."""

    _other = "false_negatives"


class AUC(_Confusion):
    """The area under the ROC or PR curve, from counts at ``num_thresholds`` thresholds."""

    _scalar = False

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name or "auc", dtype=dtype)
        if str(curve).upper() not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC"]')
        if str(summation_method).lower() not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self.multi_label = self._multi_label = bool(multi_label)
        self._num_labels = None if num_labels is None else int(num_labels)
        if label_weights is not None:
            self._label_weights = np.asarray(label_weights, np.float32).reshape(-1)
            if (self._label_weights < 0).any():
                raise ValueError("All values of `label_weights` must be non-negative. Received: "
                                 f"label_weights={label_weights}")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = len(inner) + 2
        self._given_thresholds = inner if thresholds is not None else None
        self._thresholds = np.array([0.0 - K.epsilon()] + inner + [1.0 + K.epsilon()])
        self.curve, self.summation_method = str(curve).upper(), str(summation_method).lower()
        self.from_logits = from_logits

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = K._to_tensor(y_pred)
        if self.from_logits:
            p = _ops.sigmoid(p)
        return _Confusion.update_state(self, y_true, p, sample_weight)

    def result(self):
        tp, fp, tn, fn = (self._value(k) for k in _KINDS)
        div = _tf_metrics._safe_div
        n = self.num_thresholds
        head, tail = (slice(0, n - 1),), (slice(1, n),)
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = _ops.sub(_ops.getitem(tp, head), _ops.getitem(tp, tail))
            p = _ops.add(tp, fp)
            p0, p1 = _ops.getitem(p, head), _ops.getitem(p, tail)
            slope = div(dtp, _ops.maximum(_ops.sub(p0, p1), 0.0))
            intercept = _ops.sub(_ops.getitem(tp, tail), _ops.mul(slope, p1))
            both = _ops.mul(_f32(_ops.greater(p0, 0.0)), _f32(_ops.greater(p1, 0.0)))
            ratio = _ops.where(_ops.greater(both, 0.0), div(p0, _ops.maximum(p1, 0.0)),
                               _ops.ones_like(p1))
            num = _ops.mul(slope, _ops.add(dtp, _ops.mul(intercept, _ops.log(ratio))))
            den = _ops.maximum(_ops.add(_ops.getitem(tp, tail), _ops.getitem(fn, tail)), 0.0)
            return self._total(div(num, den))
        recall = div(tp, _ops.add(tp, fn))
        if self.curve == "ROC":
            x, y = div(fp, _ops.add(fp, tn)), recall
        else:
            x, y = recall, div(tp, _ops.add(tp, fp))
        y0, y1 = _ops.getitem(y, head), _ops.getitem(y, tail)
        if self.summation_method == "interpolation":
            heights = _ops.mul(_ops.add(y0, y1), 0.5)
        elif self.summation_method == "minoring":
            heights = _ops.minimum(y0, y1)
        else:
            heights = _ops.maximum(y0, y1)
        return self._total(_ops.mul(_ops.sub(_ops.getitem(x, head), _ops.getitem(x, tail)),
                                    heights))

    def _total(self, terms):
        """The sum over thresholds; with ``multi_label`` per label, then their mean (weighted
        by ``label_weights``: ``sum(auc * w) / sum(w)``, 0 when the weights sum to 0)."""
        if not self._multi_label:
            return _ops.sum(terms)
        by_label = _ops.sum(terms, 0)
        if self._label_weights is None:
            return _ops.mean(by_label)
        lw = self._label_weights
        total = float(lw.sum())
        return _ops.mul(_ops.sum(_ops.mul(by_label, lw)), np.float32(1.0 / total if total else 0.0))

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self._num_labels,
                  "label_weights": None if self._label_weights is None else
                  self._label_weights.tolist(), "from_logits": self.from_logits}
        if self._given_thresholds is not None:      # (as Keras: explicit thresholds kept)
            config["thresholds"] = list(self._given_thresholds)
        return config


CLASSES = {c.__name__: c for c in (AUC, FalseNegatives, FalsePositives, Precision, Recall,
                                   TrueNegatives, TruePositives)}


def compiled(identifier):
    """``compile``'s function of a confusion metric (an object, its class or its class name):
    ``fn(y_true, y_pred)`` = the running result after the batch's update, named as the
    metric; an object used for a second output is copied (each output counts its own)."""
    if isinstance(identifier, str):
        identifier = CLASSES[identifier]
    metric = identifier() if isinstance(identifier, type) else identifier

    def fn(y_true, y_pred, sample_weight=None):        # (weighted_metrics: the weights)
        m = metric if metric._vars is None else type(metric)(**metric.get_config())
        return m(y_true, y_pred, sample_weight)
    fn.__name__ = metric.name
    fn.confusion = metric            # type: ignore[attr-defined] # (History key: its name)
    return fn


def is_confusion(identifier) -> bool:
    return isinstance(identifier, _Confusion) or identifier in CLASSES.values() or (
        isinstance(identifier, str) and identifier in CLASSES)


def _of(model) -> list:
    return list(_REGISTRY.get(getattr(model, "graph", None), ())) if hasattr(model, "graph") \
        else []


def reset(model) -> None:
    """Zero the counts of the confusion metrics in ``model``'s graph (an epoch or an
    evaluation begins), and the running means of ``*_on_batch(reset_metrics=False)``."""
    if model is not None:
        model.__dict__.pop("_batch_means", None)
        model.__dict__.pop("_metrics_zeroed", None)    # (a loop runs them next: not zero)
    for m in _of(model):
        m.reset_state()


def stateful_names(model) -> set:
    """The entries of ``model.metrics_names`` that are confusion metrics (their last value is
    the epoch's, not an average)."""
    names = {m.name for m in _of(model)}
    return {k for k in getattr(model, "metrics_names", []) or []
            if k in names or any(k.endswith("_" + n) for n in names)} | \
        set(model.__dict__.get("_stateful_logs", ()) if model is not None else ())


def last_for_stateful(model, averaged: list, last) -> list:
    """``averaged`` (per metrics_names) with the confusion metrics' entries taken from
    ``last`` (the values fetched with the last batch)."""
    if last is None:
        return averaged
    names = stateful_names(model)
    return [float(v) if k in names else a
            for k, a, v in zip(model.metrics_names, averaged, last)]
