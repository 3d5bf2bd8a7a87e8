"""``tf.estimator``: ``Estimator`` with ``EstimatorSpec``, ``ModeKeys``, ``RunConfig``,
``train_and_evaluate``, ``inputs.numpy_input_fn`` and the canned ``DNNClassifier``,
``DNNRegressor``, ``LinearClassifier``, ``LinearRegressor`` (see ``core.py`` for how a call
runs: a fresh graph per call, state in ``model_dir``'s checkpoints)."""

from __future__ import annotations

from . import inputs
from .canned import DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor
from .core import Estimator, EstimatorSpec, ModeKeys, RunConfig
from .training import EvalSpec, TrainSpec, train_and_evaluate

__all__ = ["DNNClassifier", "DNNRegressor", "Estimator", "EstimatorSpec", "EvalSpec",
           "LinearClassifier", "LinearRegressor", "ModeKeys", "RunConfig", "TrainSpec",
           "inputs", "train_and_evaluate"]
