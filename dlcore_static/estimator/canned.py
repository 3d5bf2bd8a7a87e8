"""The canned Estimators of TensorFlow 1.15: ``DNNClassifier``, ``DNNRegressor``,
``LinearClassifier``, ``LinearRegressor``, with TensorFlow's variable names, defaults and
heads.

Model (``features`` through ``tf.feature_column``)::

    DNN:    x = input_layer(features)  (scope dnn/input_from_feature_columns)
            h_i = activation_fn(h_{i-1} W_i + b_i)     dnn/hiddenlayer_i/{kernel,bias}
            logits = h W + b                            dnn/logits/{kernel,bias}
            optimizer 'Adagrad', learning rate 0.05 (a name, an instance or a callable)
    Linear: logits = linear_model(features, units)     linear/linear_model/...
            optimizer 'Ftrl', learning rate min(0.2, 1 / sqrt(number of columns))

Heads (the loss is summed over the batch, TensorFlow 1's ``Reduction.SUM``)::

    n_classes = 2   logits (batch, 1); loss = sigmoid cross-entropy; predictions 'logits',
                    'logistic', 'probabilities', 'class_ids', 'classes', 'all_class_ids',
                    'all_classes'; metrics
                    'accuracy', 'average_loss', 'loss', 'accuracy_baseline', 'auc',
                    'label/mean', 'prediction/mean', 'precision', 'recall'
    n_classes > 2   logits (batch, n); loss = sparse softmax cross-entropy; predictions
                    'logits', 'probabilities', 'class_ids', 'classes', 'all_class_ids',
                    'all_classes'; metrics
                    'accuracy', 'average_loss', 'loss'
    regression      logits (batch, label_dimension); loss = squared error; predictions
                    'predictions'; metrics 'average_loss', 'loss', 'label/mean',
                    'prediction/mean'

Classifiers also predict 'classes' and 'all_classes' (the class ids as strings, or the
``label_vocabulary`` entries, whose strings are then the labels).  ``auc_precision_recall``
(TensorFlow's careful interpolation) is absent.
"""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops as _ops

from .core import Estimator, EstimatorSpec, ModeKeys

_OPTIMIZERS = {"Adagrad": "AdagradOptimizer", "Adam": "AdamOptimizer",
               "Ftrl": "FtrlOptimizer", "RMSProp": "RMSPropOptimizer",
               "SGD": "GradientDescentOptimizer"}


def _optimizer(opt, default_lr: float):
    from .. import train
    if isinstance(opt, str):
        if opt not in _OPTIMIZERS:
            raise ValueError(f"Unsupported optimizer name: {opt}. Supported names are: "
                             f"{tuple(sorted(_OPTIMIZERS))}")
        return getattr(train, _OPTIMIZERS[opt])(learning_rate=default_lr)
    if callable(opt) and not hasattr(opt, "minimize"):
        opt = opt()
    if not hasattr(opt, "minimize"):
        raise ValueError(f"The given object is not an Optimizer instance. Given: {opt}")
    return opt


def _labels(labels, n: int, dtype):
    from ..frontend import to_tensor
    from ..array_ops import reshape
    if labels is None:
        raise ValueError("You must provide a labels Tensor. Given: None. Suggested "
                         "troubleshooting steps: Check that your data contain your label "
                         "feature. Check that your input_fn properly parses and returns "
                         "labels.")
    y = to_tensor(labels)
    if y.aval.ndim == 1:
        y = reshape(y, (-1, 1))
    if y.aval.ndim != 2 or y.aval.shape[1] not in (None, n):
        raise ValueError(f"Mismatched label shape. Expected labels dimension={n}.  Received "
                         f"{y.aval.shape[1] if y.aval.ndim == 2 else y.aval.shape}")
    return y if y.aval.dtype == dtype else _ops.cast(y, dtype)


class _Head:
    """Loss, predictions and metrics from logits, for one of the three kinds of head."""

    def __init__(self, kind: str, n: int, weight_column=None, vocabulary=None):
        self.kind, self.n, self.weight_column = kind, n, weight_column
        self.vocabulary = vocabulary
        self.logits_dimension = 1 if kind == "binary" else n

    def _weights(self, features):
        from ..frontend import to_tensor
        from ..array_ops import reshape
        if self.weight_column is None:
            return None
        key = getattr(self.weight_column, "key", self.weight_column)
        return reshape(_ops.cast(to_tensor(features[key]), np.float32), (-1, 1))

    def predictions(self, logits) -> dict:
        if self.kind == "regression":
            return {"predictions": logits}
        if self.kind == "binary":
            logistic = _ops.sigmoid(logits)
            from ..array_ops import concat
            probs = concat([_ops.sub(1.0, logistic), logistic], 1)
            ids = _ops.cast(_ops.greater(logits, 0.0), np.int64)
            out = {"logits": logits, "logistic": logistic, "probabilities": probs,
                   "class_ids": ids}
        else:
            probs = _ops.softmax(logits, -1)
            ids = _ops.expand_dims(_ops.argmax(logits, 1), 1)
            out = {"logits": logits, "probabilities": probs, "class_ids": ids}
        from ..frontend import constant
        row = constant(np.arange(self.n, dtype=np.int64).reshape(1, -1))
        out["all_class_ids"] = _ops.add(_ops.cast(_ops.zeros_like(probs), np.int64), row)
        out["classes"] = self._class_names(ids)
        out["all_classes"] = self._class_names(out["all_class_ids"])
        return out

    def _class_names(self, ids):
        """Class ids as strings: the label vocabulary's entries, else the ids as text."""
        if self.vocabulary is None:
            from ..strings import as_string
            return as_string(ids)
        from ..frontend import constant
        from ..sequence_ops import gather
        vocab = np.empty(len(self.vocabulary), dtype=object)
        vocab[:] = self.vocabulary
        return gather(constant(vocab), ids)

    def unweighted_loss(self, logits, labels):
        from ..nn import sparse_softmax_cross_entropy_with_logits
        from ..nn_extra import sigmoid_cross_entropy_with_logits
        if self.kind == "regression":
            y = _labels(labels, self.n, np.float32)
            d = _ops.sub(logits, y)
            return y, _ops.mul(d, d)
        labels = self._label_ids(labels)
        if self.kind == "binary":
            y = _labels(labels, 1, np.float32)
            return y, sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
        y = _labels(labels, 1, np.int64)
        loss = sparse_softmax_cross_entropy_with_logits(labels=_ops.reshape(y, (-1,)),
                                                        logits=logits)
        return y, _ops.expand_dims(loss, 1)

    def _label_ids(self, labels):
        """String labels as their positions in the label vocabulary."""
        if self.vocabulary is None or labels is None:
            return labels
        from ..feature_column import _vocab_lookup
        from ..frontend import to_tensor
        y = to_tensor(labels)
        if y.aval.dtype != np.dtype(object):
            raise ValueError(f"Labels dtype should be string if there is a vocabulary. "
                             f"Given: {y.dtype.name}")
        ids = _vocab_lookup(y, self.vocabulary, -1)
        from .. import debug_ops
        from ..array_ops import identity
        from ..graph import control_dependencies
        check = debug_ops.Assert(_ops.reduce_all(_ops.greater_equal(ids, 0)),
                                 ["Labels must be <= n_classes - 1 (a label is not in "
                                  "label_vocabulary)"])
        with control_dependencies([check]):
            return identity(ids)

    def spec(self, features, mode, logits, labels, optimizer) -> EstimatorSpec:
        from ..train import get_global_step
        preds = self.predictions(logits)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=preds)
        y, per = self.unweighted_loss(logits, labels)           # y: class ids
        w = self._weights(features)
        loss = _ops.sum(per if w is None else _ops.mul(per, w))
        if mode == ModeKeys.TRAIN:
            train_op = optimizer.minimize(loss, global_step=get_global_step())
            return EstimatorSpec(mode, predictions=preds, loss=loss, train_op=train_op)
        return EstimatorSpec(mode, predictions=preds, loss=loss,
                             eval_metric_ops=self.metrics(y, per, w, preds))

    def metrics(self, y, per, w, preds) -> dict:
        from .. import metrics as M
        out = {"average_loss": M.mean(per, w)}
        if self.kind == "regression":
            out["label/mean"] = M.mean(y, w)
            out["prediction/mean"] = M.mean(preds["predictions"], w)
            return out
        out["accuracy"] = M.accuracy(_ops.cast(y, np.int64), preds["class_ids"], w)
        if self.kind == "binary":
            label_mean = M.mean(y, w)
            out["label/mean"] = label_mean
            out["prediction/mean"] = M.mean(preds["logistic"], w)
            v, u = label_mean
            out["accuracy_baseline"] = (_ops.maximum(v, _ops.sub(1.0, v)),
                                        _ops.maximum(u, _ops.sub(1.0, u)))
            out["auc"] = M.auc(y, preds["logistic"], w)
            out["precision"] = M.precision(y, preds["class_ids"], w)
            out["recall"] = M.recall(y, preds["class_ids"], w)
        return out


def _classifier_head(n_classes, weight_column, label_vocabulary):
    if n_classes is None or n_classes < 2:
        raise ValueError(f"n_classes must be > 1: {n_classes}")
    vocab = None
    if label_vocabulary is not None:
        if not isinstance(label_vocabulary, (list, tuple)):
            raise ValueError(f"label_vocabulary should be a list or a tuple. Given type: "
                             f"{type(label_vocabulary)}")
        if len(label_vocabulary) != n_classes:
            raise ValueError(f"Length of label_vocabulary must be n_classes ({n_classes}). "
                             f"Given: {len(label_vocabulary)}")
        vocab = [v.encode() if isinstance(v, str) else bytes(v) for v in label_vocabulary]
    return _Head("binary" if n_classes == 2 else "multi", n_classes, weight_column, vocab)


def _dnn_logits(features, mode, hidden_units, feature_columns, n_out, activation_fn, dropout,
                batch_norm):
    from ..feature_column import input_layer
    from ..layers import batch_normalization, dense
    from ..layers import dropout as dropout_layer
    from ..variable_scopes import variable_scope
    with variable_scope("dnn"):
        with variable_scope("input_from_feature_columns"):
            h = input_layer(features, feature_columns)
        for i, units in enumerate(hidden_units):
            h = dense(h, units, activation=activation_fn, name=f"hiddenlayer_{i}")
            if dropout is not None and mode == ModeKeys.TRAIN:
                h = dropout_layer(h, rate=dropout, training=True)
            if batch_norm:
                h = batch_normalization(h, training=mode == ModeKeys.TRAIN,
                                        name=f"hiddenlayer_{i}/batchnorm_{i}")
        return dense(h, n_out, name="logits")


def _dnn_model_fn(hidden_units, feature_columns, head, optimizer, activation_fn, dropout,
                  batch_norm):
    def model_fn(features, labels, mode, config):
        logits = _dnn_logits(features, mode, hidden_units, feature_columns,
                             head.logits_dimension, activation_fn, dropout, batch_norm)
        opt = _optimizer(optimizer, 0.05) if mode == ModeKeys.TRAIN else None
        return head.spec(features, mode, logits, labels, opt)
    return model_fn


def _linear_model_fn(feature_columns, head, optimizer):
    def model_fn(features, labels, mode, config):
        from ..feature_column import linear_model
        from ..variable_scopes import variable_scope
        with variable_scope("linear"):
            logits = linear_model(features, feature_columns, units=head.logits_dimension)
        lr = min(0.2, 1.0 / math.sqrt(len(list(feature_columns))))
        opt = _optimizer(optimizer, lr) if mode == ModeKeys.TRAIN else None
        return head.spec(features, mode, logits, labels, opt)
    return model_fn


def _check_hidden(hidden_units, feature_columns):
    if not hidden_units:
        raise ValueError("hidden_units must be a non-empty list of layer sizes")
    if not feature_columns:
        raise ValueError("feature_columns must not be empty.")


def _relu():
    from ..nn import relu
    return relu


class DNNClassifier(Estimator):
    """A feed-forward classifier over ``feature_columns`` (see the module docstring)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, optimizer="Adagrad",
                 activation_fn=None, dropout=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=None, batch_norm=False):
        _check_hidden(hidden_units, feature_columns)
        head = _classifier_head(n_classes, weight_column, label_vocabulary)
        super().__init__(_dnn_model_fn(list(hidden_units), list(feature_columns), head,
                                       optimizer, activation_fn or _relu(), dropout,
                                       batch_norm), model_dir, config)


class DNNRegressor(Estimator):
    """A feed-forward regressor over ``feature_columns``."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1,
                 weight_column=None, optimizer="Adagrad", activation_fn=None, dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction=None, batch_norm=False):
        _check_hidden(hidden_units, feature_columns)
        head = _Head("regression", int(label_dimension), weight_column)
        super().__init__(_dnn_model_fn(list(hidden_units), list(feature_columns), head,
                                       optimizer, activation_fn or _relu(), dropout,
                                       batch_norm), model_dir, config)


class LinearClassifier(Estimator):
    """A linear (logistic or softmax) classifier over ``feature_columns``."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Ftrl", config=None, partitioner=None,
                 warm_start_from=None, loss_reduction=None, sparse_combiner="sum"):
        if not feature_columns:
            raise ValueError("feature_columns must not be empty.")
        head = _classifier_head(n_classes, weight_column, label_vocabulary)
        super().__init__(_linear_model_fn(list(feature_columns), head, optimizer), model_dir,
                         config)


class LinearRegressor(Estimator):
    """A linear regressor over ``feature_columns``."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None,
                 loss_reduction=None, sparse_combiner="sum"):
        if not feature_columns:
            raise ValueError("feature_columns must not be empty.")
        head = _Head("regression", int(label_dimension), weight_column)
        super().__init__(_linear_model_fn(list(feature_columns), head, optimizer), model_dir,
                         config)


__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor"]
