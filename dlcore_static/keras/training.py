"""``Model``: a network of layers that is compiled and trained (Keras 2's ``Model`` API).

``compile`` builds, in the model's graph: one target placeholder and one sample-weight
placeholder per output, each output's loss (the per-sample loss times its weight, divided by
the mean of the non-zero weights, then averaged, as Keras does; the steps of an output with a
mask weighted by it), the total loss (weighted sum over the outputs plus the layers'
regularization losses), the metrics, and the optimizer's update op.  ``fit`` runs ``[update,
loss, metrics]`` per batch through the graph's Session; ``evaluate``/``predict`` run without
the update, in batches.  ``class_weight`` and ``sample_weight`` become the fed sample weights;
the learning-phase placeholder is fed True while training (Dropout).  The loops (``fit``,
``evaluate``, ``predict`` and their generator forms) are ``_fit_loops.FitLoops``'; the
arrays' checks and feeds ``_training_data.ArrayFeeds``'.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from dlcore import ops as _ops

from ..array_ops import placeholder
from ..graph import get_default_graph
from . import _custom_eval as _ce
from . import _custom_step as _step
from . import _evaluation as _ev
from . import _keras3_args, _layer_metrics, _run_phase
from . import _step_on_batch as _sob
from . import _weighted_metrics as _wm
from . import backend as K
from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optimizers
from . import subclassing as _sub
from ._fit_loops import FitLoops
from ._history import HISTORY, to_snake_case, unique_layer_name
from ._training_data import ArrayFeeds
from ._weighted_metrics import masked as _masked
from .engine import MASKS, InputLayer, Node, _accepts, _as_list
from .network import Network


class Model(ArrayFeeds, FitLoops, Network):
    """``Model(inputs, outputs)``: the layers between symbolic inputs and outputs."""

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        legacy = {"input": "inputs", "output": "outputs"}
        for old, new in legacy.items():
            if old in kwargs:
                warnings.warn(f"Update your `Model` call to the Keras 2 API: `Model({new}=...)`",
                              UserWarning, stacklevel=2)
                if new == "inputs":
                    inputs = kwargs.pop(old)
                else:
                    outputs = kwargs.pop(old)
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {sorted(kwargs)[0]}")
        self.name = name or _model_name(type(self).__name__)
        self.trainable = True
        self.built = True
        self._nodes = []
        self._weights = []
        self._compiled = False
        self._sess = None
        self.device = None
        self.history = None
        self.stop_training = False
        self.optimizer = None
        if inputs is not None and outputs is not None:
            self._init_graph(inputs, outputs, name)

    # Keras 3's Functional.input_shape/output_shape: its own inputs'/outputs' shapes (a list
    # when several), called as a layer or not (Layer's read its first call's node)
    input_shape = property(lambda self: _shapes(self._own("input")))
    output_shape = property(lambda self: _shapes(self._own("output")))

    def build(self, input_shape=None) -> None:
        if _sub.is_subclassed(self):            # tf.keras: call() on inputs of these shapes
            _sub.build_from_shape(self, input_shape)
        else:
            super().build(input_shape)

    def __getattr__(self, name):
        if name == "layers" and (_sub.is_subclassed(self) or _step.overridden(self)):  # tracked
            return _sub.tracked_layers(self)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # -- session
    @property
    def _session(self):
        if self._sess is None:
            if self.device is not None:
                from ..session import Session
                self._sess = Session(graph=self.graph, device=self.device)
                K.set_session(self._sess)
            else:
                self._sess = K._session_for(self.graph)
        K._initialize_new(self._sess, self.graph)
        return self._sess

    # -- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                **kwargs):
        _keras3_args.compile_rest(kwargs, weighted_metrics)    # (run_eagerly, ...: taken)
        if weighted_metrics and _step.overridden(self):
            raise NotImplementedError("compile: `weighted_metrics` with a custom train_step/"
                                      "test_step is not supported by dlcore")
        self.__dict__.pop("_custom_steps", None)   # (Keras 3: compile resets the steps)
        if _sub.defer_compile(self, {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                     "loss_weights": loss_weights,
                                     "weighted_metrics": weighted_metrics}):
            return                                 # built and compiled on the first data
        self._prepare()
        n = len(self.outputs)
        if loss is None and not self.losses:
            raise ValueError("The model cannot be compiled because it has no loss to optimize.")
        # outputs without a loss (loss=None with add_loss, or left out of a loss dict) get no
        # target and are not fed in fit/evaluate, as in Keras 2
        losses = [None] * n if loss is None else self._per_output(loss, "loss")
        lw = [1.0] * n if loss_weights is None else self._per_output(loss_weights,
                                                                    "loss_weights")
        specs = _wm.metric_names(self, metrics, weighted_metrics, losses)  # (clash: ValueError)
        self.optimizer = _optimizers.get(optimizer)
        self.loss = loss
        # as given, for the training configuration of Keras model files (keras/saving.py)
        self._compile_args = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                              "weighted_metrics": weighted_metrics}
        g = self.graph
        with g.as_default():
            self.targets, self.sample_weights, out_losses = [], [], []
            self._target_names, self._target_outputs, self._target_losses = [], [], []
            for i, (out, lf) in enumerate(zip(self.outputs, losses)):
                name = self.output_names[i]
                if lf is None:
                    continue
                self._target_names.append(name)
                self._target_outputs.append(i)
                fn = _losses.get(lf)
                self._target_losses.append(fn)
                nd = out.aval.ndim
                tshape = (None,) * nd
                self.targets.append(placeholder("float32", tshape, name=f"{name}_target"))
                self.sample_weights.append(placeholder("float32", (None,),
                                                       name=f"{name}_sample_weights"))
                with g.name_scope(f"loss/{name}_loss/"):
                    per = _masked(fn(self.targets[-1], out), MASKS.get(out))
                    if per.aval.ndim > 1:
                        per = _ops.mean(per, tuple(range(1, per.aval.ndim)))
                    w = self.sample_weights[-1]
                    nz = _ops.mean(_ops.cast(_ops.not_equal(w, 0.0), np.float32))
                    out_losses.append(_ops.mean(_ops.div(_ops.mul(per, w),
                                                         _ops.maximum(nz, 1e-7))))
            with g.name_scope("loss/"):
                total = None
                for wgt, t in zip([lw[i] for i in self._target_outputs], out_losses):
                    term = _ops.mul(t, float(wgt))
                    total = term if total is None else _ops.add(total, term)
                for reg in self.losses:            # regularizers and add_loss terms
                    reg = _ops.mean(reg) if reg.aval.ndim else reg
                    total = reg if total is None else _ops.add(total, reg)
            self.total_loss = total
            self.metrics_names = ["loss"]
            self._metric_specs: dict = {}          # name -> what compile got (callbacks' mode)
            self._metric_tensors = [total]
            if n > 1 and out_losses:
                for name, t in zip(self._target_names, out_losses):
                    self.metrics_names.append(f"{name}_loss")
                    self._metric_tensors.append(t)
            _wm.add_metrics(self, specs)
            _layer_metrics.add(self)           # (Keras 3: the metrics its layers update)
            with g.name_scope("training/"):
                self.train_function = self.optimizer.minimize(total, self.trainable_weights)
        self._compiled = True
        self._mode_flags = _run_phase.compile_snapshot(g, self)      # (BatchNormalization's mode)
        self._session  # noqa: B018 - creates the session, initialises new variables

    metrics = property(lambda self: _step.metrics(self) if _step.overridden(self) else (
        self.metrics_names[1:] if self._compiled else []))     # (train_step: Keras 3's)
    compute_loss = _step.compute_loss               # Keras 3's, for custom steps (_custom_eval)
    train_step = _ce.default_train_step              # Keras 3's steps, each a method
    test_step = _ce.default_test_step
    predict_step = _ce.default_predict_step
    compute_metrics = _ce.compute_metrics
    get_metrics_result = _ce.get_metrics_result
    compiled_metrics = property(_ce.compiled_metrics)
    compiled_loss = _ce.compiled_loss

    def to_json(self, **kwargs) -> str:
        """The model's architecture as JSON that Keras 3's and dlcore's ``model_from_json``
        rebuild (without weights): Sequential and functional models (``_json_config``)."""
        from ._json_config import to_json
        return to_json(self, **kwargs)

    def _prepare(self) -> None:
        """Hook: Sequential builds its graph here."""

    def _per_output(self, value, what: str) -> list:
        n = len(self.outputs)
        if isinstance(value, dict):
            missing = [k for k in value if k not in self.output_names]
            if missing:
                raise ValueError(f"Unknown entry in {what} dictionary: \"{missing[0]}\". Only "
                                 f"expected the following keys: {self.output_names}")
            return [value.get(k) for k in self.output_names]
        if isinstance(value, (list, tuple)):
            if len(value) != n:
                raise ValueError(f"When passing a list as {what}, it should have one entry per "
                                 f"model output. The model has {n} outputs, but you passed "
                                 f"{what}={list(value)}")
            return list(value)
        return [value] * n

    def _per_output_metrics(self, metrics) -> list:
        n = len(self.outputs)
        if metrics is None:
            return [[] for _ in range(n)]
        if isinstance(metrics, dict):
            return [_as_list(metrics.get(k, [])) for k in self.output_names]
        metrics = _as_list(metrics)
        if len(metrics) == n and all(                    # (n == 1: [["mae"]] too)
                m is None or isinstance(m, (list, tuple)) for m in metrics):
            return [list(m or []) for m in metrics]      # (one list per output, tf.keras 2)
        return [list(metrics) for _ in range(n)]

    @staticmethod
    def _metric_fn(m, loss, out):
        if m in ("accuracy", "acc"):
            lname = loss if isinstance(loss, str) else (
                getattr(loss, "__name__", "") or getattr(loss, "name", ""))   # (Loss objects)
            return m, _metrics.accuracy_for(lname, tuple(out.aval.shape))
        fn = _metrics.get(m)
        return (m if isinstance(m, str) and not hasattr(fn, "confusion") else fn.__name__), fn

    def _check_compiled(self) -> None:
        if not self._compiled:
            raise _step.not_compiled(self)

    # -- batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=None, return_dict=False):
        if _step.overridden(self):                 # Keras 3's train_step (None: running)
            return _sob.on_batch(self, "train_step", x, y, sample_weight, return_dict,
                                 class_weight, reset_metrics)
        reset_metrics = True if reset_metrics is None else reset_metrics    # (tf.keras 2's)
        _sub.build_on(self, x)
        self._check_compiled()
        xs = self._standardize(x, self.input_names, self.inputs, "input")
        ys = self._targets_of(y)
        sws = self._weights_for(ys, sample_weight, class_weight)
        _ev.begin_batch(self)
        out = self._session.run([self.train_function] + self._metric_tensors,
                                self._feed(xs, ys, sws, True))[1:]
        return _ev.on_batch_result(self, out, len(xs[0]), reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=None,
                      return_dict=False):
        if _step.overridden(self):                 # Keras 3's test_step (None: running)
            return _sob.on_batch(self, "test_step", x, y, sample_weight, return_dict, None,
                                 reset_metrics)
        reset_metrics = True if reset_metrics is None else reset_metrics    # (tf.keras 2's)
        _sub.build_on(self, x)
        self._check_compiled()
        xs = self._standardize(x, self.input_names, self.inputs, "input")
        ys = self._targets_of(y)
        _ev.begin_batch(self)
        out = self._session.run(self._metric_tensors, self._feed(
            xs, ys, self._weights_for(ys, sample_weight, None), False))
        return _ev.on_batch_result(self, out, len(xs[0]), reset_metrics, return_dict)

    def predict_on_batch(self, x):
        if _step.overridden(self, ("predict_step",)):
            return _ce.on_batch(self, "predict_step", x)
        _sub.build_on(self, x)
        xs = self._standardize(x, self.input_names, self.inputs, "input")
        out = self._session.run(list(self.outputs), self._feed(xs, training=False))
        return out[0] if len(out) == 1 else list(out)

    def reset_states(self) -> None:
        """Keras 2's: every stateful layer's states back to zeros."""
        for layer in self.layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def summary(self, *args, **kwargs) -> None:
        # (an unbuilt subclassed model prints its tracked layers, '?' and '0 (unbuilt)', as
        # Keras 3 does)
        super().summary(*args, **kwargs)

    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """``.h5``/``.hdf5``/``.keras``: configuration, weights and training configuration in
        Keras's formats (``keras/saving.py``); other paths: the weights (``save_weights``)."""
        from . import saving as _kfiles
        if _kfiles.is_keras_path(filepath) and not str(filepath).endswith(".weights.h5"):
            if self.__dict__.get("_raw_call"):
                raise NotImplementedError(
                    "Saving the model to HDF5 format requires the model to be a Functional "
                    "model or a Sequential model. It does not work for subclassed models, "
                    "because such models are defined via the body of a Python method, which "
                    "isn't safely serializable. Consider using `save_weights`.")
            return _kfiles.save_model(self, filepath, overwrite, include_optimizer)
        self.save_weights(filepath, overwrite)

    @property
    def input_shape_arg(self):
        """A built model's input shape without the batch (a Sequential's first layer)."""
        ins = self.__dict__.get("inputs")
        return tuple(ins[0].aval.shape[1:]) if ins else self.__dict__.get("_shape_arg")

    @input_shape_arg.setter
    def input_shape_arg(self, value) -> None:
        self.__dict__["_shape_arg"] = value

    def __call__(self, inputs, *args, training=None, **kwargs):
        """A model used as a layer: its layers applied again, in order, to new tensors (the
        same weights); the outputs are recorded as this model's, so an outer model sees it as
        one layer.  Its inputs come as one tensor or one list (then Keras 3's ``training``
        and ``mask``, which it takes positionally too: ``training`` a bool, None or a
        tensor, ``mask`` None; anything else is a TypeError, not dropped).

        ``training=True/False`` fixes the mode of this call's layers when the graph is built,
        as tf.keras 2 (the outer ``fit``/``predict`` does not override it; Keras 3 lets the
        outer call's mode win, keras-team/keras#20285: see ``_run_phase``)."""
        training = _keras3_args.model_call_training(self.name, args, training, kwargs)
        build = getattr(self, "_build", None)
        if build is not None:                      # a Sequential builds its graph lazily
            build()
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(v, numbers.Number) for v in inputs):
            inputs = np.asarray(inputs)  # (model([1, 10, 100]): one batch of numbers, as TF2)
        names = getattr(self, "input_names", None)
        if isinstance(inputs, dict) and names and set(inputs) == set(names):
            inputs = [inputs[n] for n in names]       # (Keras 3: a dict by the inputs' names)
        xs = [K._to_tensor(t) for t in _as_list(inputs)]
        if _sub.is_subclassed(self):     # first called on tensors (also in another's call())
            _sub.build_on_tensors(self, xs)
        if len(xs) != len(self.inputs):
            raise ValueError(f"Model {self.name} expects {len(self.inputs)} input(s), but it "
                             f"received {len(xs)} input tensors.")
        if self.__dict__.get("_raw_call"):        # a subclassed call() with TF ops in it
            kw = {"training": training} if training is not None and \
                _accepts(self.call, "training") else {}
            with _run_phase.calling(training, xs[0].graph):
                out = self.call(xs[0] if len(xs) == 1 else xs, **kw)
            outs = list(out) if isinstance(out, (list, tuple)) else [out]
            self._nodes.append(Node(self, xs, outs))
            for i, o in enumerate(outs):
                HISTORY[o] = (self, len(self._nodes) - 1, i)
            return outs[0] if len(outs) == 1 else outs
        mapping = dict(zip(self.inputs, xs))
        with _run_phase.calling(training, xs[0].graph):     # (the inputs' graph)
            for node in self._node_order:               # (training=False: inference mode)
                if isinstance(node.layer, InputLayer):
                    continue
                out = node.call_on([mapping[t] for t in node.inputs])
                for t, o in zip(node.outputs, _as_list(out)):
                    mapping[t] = o
        outs = [mapping[t] for t in self.outputs]
        self._nodes.append(Node(self, xs, outs, extra=_run_phase.node_extra(None, training)))
        for i, o in enumerate(outs):
            HISTORY[o] = (self, len(self._nodes) - 1, i)
        return outs[0] if len(outs) == 1 else outs


def _shapes(t):
    return [tuple(x.aval.shape) for x in t] if isinstance(t, list) else tuple(t.aval.shape)


def _model_name(cls: str) -> str:
    # (Keras 3: keras.Model(inputs, outputs) is a Functional, named "functional")
    return unique_layer_name("functional" if cls == "Model" else to_snake_case(cls))


def _default_graph():
    return get_default_graph()
