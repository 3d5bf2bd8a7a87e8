"""The Keras layer and the functional graph of layers (Keras 2 on the TF1 backend).

* ``Layer``: configured when constructed, *built* (weights created by ``build(input_shape)``
  through ``add_weight``) on its first call, and called on symbolic tensors of the default graph
  (or of its model's graph).  Each call records a *node*: the input tensors and the outputs, so
  ``layer.input``/``layer.output`` work and a model can walk from its outputs back to its inputs.
  A layer called twice shares its weights (a shared layer).  ``Input(shape)``: a placeholder.
* ``Network`` (``network.py``): the layers between ``inputs`` and
  ``outputs`` in topological order, their weights, files and summary.  Training is in
  ``training.py``; operations between
  layers (``x + y``) are ``_op_layers``' nodes, which it installs as ``OP_NODES`` here."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..graph import Tensor, get_default_graph
from ..variables import Variable
from . import _keras3_args, _run_phase, _tracking, _weight_assign
from . import backend as K
from ._auto_config import AutoConfig
from ._history import HISTORY as _HISTORY
from ._history import to_snake_case, unique_layer_name
from ._layer_config import check_dtype

#: symbolic tensor -> its Keras mask (bool, (batch, time) for sequences), set by the layers that
#: make or pass on masks (``compute_mask``) and read by the next layer's ``__call__``.
MASKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: every node gets the next number, so a layer's call knows which nodes were made inside it
_NODE_SEQ = itertools.count()
OP_NODES: tuple = ()      # (attach, is_op_layer, unique_names): set by _op_layers


def _as_list(x) -> list: return list(x) if isinstance(x, (list, tuple)) else [x]
def _shape_of(t) -> tuple: return tuple(t.aval.shape)


class Node:
    """One call of a layer: its input tensors and output tensors.

    ``call_args`` records a call with several positional arguments (``layer(y_true, y_pred)``,
    tf.keras style): per argument, ``None`` for a value that is not a tensor (kept in
    ``extra``), ``-1`` for one tensor, ``n`` for a list of ``n`` tensors; the tensors of all
    arguments are ``inputs`` in order.  It is ``None`` for the usual one-argument call."""

    def __init__(self, layer, inputs: list, outputs: list, call_args=None, extra=None):
        self.layer, self.inputs, self.outputs = layer, inputs, outputs
        self.call_args = call_args
        self.extra = extra or {}
        self.seq = next(_NODE_SEQ)

    def call_on(self, tensors: list):
        """Call the node's layer again on ``tensors`` (new tensors for ``inputs``), with the
        same argument structure (and the ``training=`` it was given: ``extra["training"]``)."""
        kw = {"training": self.extra["training"]} if "training" in self.extra else {}
        if self.call_args is None:
            return self.layer(tensors[0] if len(tensors) == 1 else tensors, **kw)
        args, k = [], 0
        for i, n in enumerate(self.call_args):
            if n is None:
                args.append(self.extra[i])
            elif n < 0:
                args.append(tensors[k])
                k += 1
            else:
                args.append(list(tensors[k:k + n]))
                k += n
        return self.layer(*args, **kw)


class Layer(AutoConfig):
    """Base class of Keras layers: override ``build``, ``call`` and (for shape inference
    without running) ``compute_output_shape``; create weights with ``add_weight``."""

    _model: Any                 # the Sequential model it was added to (set by its add())

    def __init__(self, name: str | None = None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, trainable: bool = True, dtype=None,
                 **kwargs):
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        kwargs = _keras3_args.absorb(self, kwargs)  # Keras 3 arguments at values it honours
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {', '.join(sorted(kwargs))}")
        check_dtype(type(self).__name__, dtype)
        self.name = name or unique_layer_name(to_snake_case(type(self).__name__))
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        #: the fixed batch size a first layer gives its model's input (stateful RNNs need it)
        self._batch_size_arg = batch_size
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape[1:])
            self._batch_size_arg = batch_input_shape[0]
        self.input_shape_arg = None if input_shape is None else tuple(
            input_shape if isinstance(input_shape, (list, tuple)) else (input_shape,))
        self.trainable = trainable
        self.built = False
        self._weights: list[Variable] = []
        self._nodes: list[Node] = []
        self._own_losses: list = []
        self.supports_masking = False
        from . import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # -- weights: its own, then its sublayers' (``_tracking.py``)
    weights = property(lambda self: _tracking.collect(self, "weights"))
    trainable_weights = property(lambda self: _tracking.collect(self, "trainable_weights"))
    non_trainable_weights = property(
        lambda self: _tracking.collect(self, "non_trainable_weights"))
    variables = property(lambda self: self.weights)
    losses = property(lambda self: _tracking.layer_losses(self),    # its own, its sublayers'
                      lambda self, v: self.__dict__.__setitem__("_own_losses", list(v)))
    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)
    trainable = property(lambda self: self.__dict__.get("_trainable", True),
                         lambda self, v: _tracking.set_trainable(self, v))

    def add_weight(self, name=None, shape=None, dtype=None, initializer=None,
                   regularizer=None, trainable=True, constraint=None, **kwargs) -> Variable:
        """A new variable ``<layer name>/<name>`` initialised by ``initializer`` (a name like
        ``'glorot_uniform'``, an initializer object or a callable ``(shape, dtype)``)."""
        from .. import initializers as _init
        init = _init.get(initializer if initializer is not None else "glorot_uniform")
        shape = tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else (shape,)))
        dt = K.floatx() if dtype is None else dtype
        g = get_default_graph()
        with g.control_dependencies(None), g.name_scope(None):   # (Keras' init_scope)
            with g.name_scope(self.name + "/"):
                v = Variable(lambda: init(shape, dtype=dt), name=name or "weight",
                             trainable=bool(trainable), dtype=dt)
        self._weights.append(v)
        if constraint is not None:
            from . import constraints
            v.constraint = constraints.get(constraint)
        if regularizer is not None:
            from . import regularizers
            with get_default_graph().name_scope(self.name + "/"):
                self._own_losses.append(regularizers.get(regularizer)(v))
        return v

    def count_params(self) -> int:
        return int(sum(np.prod(v.aval.shape) for v in self.weights))

    def get_weights(self) -> list:
        ws = self.weights
        if not ws:
            return []
        return K.batch_get_value(ws)

    def set_weights(self, weights) -> None:
        _weight_assign.set_weights(self, "layer", weights)     # (checked, copied, all or none)

    # -- building and calling
    def build(self, input_shape) -> None:
        self.built = True

    if TYPE_CHECKING:
        # each layer's call takes the inputs and the keywords it declares (training=, mask=):
        # __call__ passes only those (_accepts), so the subclasses' signatures differ
        call: Callable[..., Any]
    else:
        def call(self, inputs, **kwargs):
            return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def add_loss(self, losses, inputs=None):
        """Add loss tensors (a scalar, or a tensor averaged into one) to the total loss a model
        made of this layer trains on, as Keras 2: ``self.add_loss(kl)`` in ``call``, or
        ``model.add_loss(vae_loss)`` on a functional model."""
        for loss in _as_list(losses):
            self._own_losses.append(K._to_tensor(loss() if callable(loss) else loss))

    def compute_mask(self, inputs, mask=None):
        """The output's mask: the input's when the layer supports masking, None otherwise (a
        mask reaching a layer that does not support masking is an error, as in Keras 2)."""
        if not self.supports_masking:
            if any(m is not None for m in _as_list(mask)):
                raise TypeError(f"Layer {self.name} does not support masking, but was passed "
                                f"an input_mask: {mask}")
            return None
        return mask

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Call the layer on symbolic tensors: ``layer(x)``, ``layer([a, b])``, or, as tf.keras,
        with several positional arguments ``layer(y_true, y_pred)`` passed on to ``call``
        (the layer is built on the first one's shape; every tensor argument is an input of the
        recorded node, so a model's topology reaches all of them).  Keras 3's
        ``layer(logits=x, targets=t)`` (no positional argument) is turned into positional
        arguments by ``leading_keywords``, in ``_op_layers``' wrapper of this method."""
        xs = [K._to_tensor(t) for t in _as_list(inputs)]
        single = not isinstance(inputs, (list, tuple))
        call_args: list[int | None] | None = None
        extra: dict | None = None
        more: list = []
        if args:
            call_args, extra = [-1 if single else len(xs)], {}
            rest = []
            for i, a in enumerate(args, start=1):
                if isinstance(a, Tensor):
                    a = K._to_tensor(a)
                    call_args.append(-1)
                    more.append(a)
                elif isinstance(a, (list, tuple)) and a and \
                        all(isinstance(t, Tensor) for t in a):
                    a = [K._to_tensor(t) for t in a]
                    call_args.append(len(a))
                    more.extend(a)
                else:
                    call_args.append(None)
                    extra[i] = a
                rest.append(a)
            args = tuple(rest)
        masks = [MASKS.get(t) for t in xs]
        previous_mask = masks[0] if single else masks
        g = xs[0].graph if xs else get_default_graph()
        start = next(_NODE_SEQ)
        with g.as_default(), g.name_scope(self.name):
            if not self.built:
                shapes = _shape_of(xs[0]) if single else [_shape_of(t) for t in xs]
                self.build(shapes)
                _keras3_args.after_build(self)          # built; weights= given if any
            arg = xs[0] if single else xs
            if training is not None and _accepts(self.call, "training"):
                kwargs["training"] = training       # (the layers inside read it: _run_phase)
            if any(m is not None for m in masks) and "mask" not in kwargs and \
                    _accepts(self.call, "mask"):
                kwargs["mask"] = previous_mask
            with _run_phase.calling(training, g), _run_phase.call_updates(g) as done:
                out = done(self.call(arg, *args, **kwargs))
            out_mask = self.compute_mask(arg, previous_mask)
        outs = [K._to_tensor(o) for o in _as_list(out)]
        xs = xs + more
        if any(o is x for o in outs for x in xs):
            # a layer that returns an input as it is (a pass-through that only adds a loss)
            # still owns its output, so the model's topology includes it (as tf.keras does)
            from ..array_ops import identity
            with g.as_default(), g.name_scope(self.name):
                outs = [identity(o) if any(o is x for x in xs) else o for o in outs]
            out = outs if isinstance(out, (list, tuple)) else outs[0]
        out_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outs)
        for o, m in zip(outs, out_masks):
            if m is not None and not isinstance(m, (list, tuple)):
                MASKS[o] = m
        if self.activity_regularizer is not None:
            from .regularizers import activity_loss  # (divided by the batch size)
            with g.as_default(), g.name_scope(self.name + "/activity_regularizer/"):
                self._own_losses.extend(activity_loss(self.activity_regularizer, o) for o in outs)
        node = Node(self, xs, outs, call_args, _run_phase.node_extra(extra, training))
        self._nodes.append(node)
        for i, o in enumerate(outs):
            # an output a sublayer made inside this call is this layer's (Keras: the model
            # sees the outer layer, not the layers it calls)
            h = _HISTORY.get(o)
            if h is None or h[0]._nodes[h[1]].seq > start:
                _HISTORY[o] = (self, len(self._nodes) - 1, i)
        return outs[0] if not isinstance(out, (list, tuple)) else outs

    # -- node accessors
    def _node(self, what: str) -> Node:
        if not self._nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        if len(self._nodes) > 1 and what in ("input", "output"):
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes, hence the "
                                 f"notion of \"layer {what}\" is ill-defined. Use "
                                 f"`get_{what}_at(node_index)` instead.")
        return self._nodes[0]

    @property
    def input(self):
        n = self._node("input")
        return n.inputs[0] if len(n.inputs) == 1 else n.inputs

    @property
    def output(self):
        n = self._node("output")
        return n.outputs[0] if len(n.outputs) == 1 else n.outputs

    def get_input_at(self, i):
        n = self._nodes[i]
        return n.inputs[0] if len(n.inputs) == 1 else n.inputs

    def get_output_at(self, i):
        n = self._nodes[i]
        return n.outputs[0] if len(n.outputs) == 1 else n.outputs

    @property
    def input_shape(self):
        x = self._node("input_shape").inputs
        return _shape_of(x[0]) if len(x) == 1 else [_shape_of(t) for t in x]

    @property
    def output_shape(self):
        x = self._node("output_shape").outputs
        return _shape_of(x[0]) if len(x) == 1 else [_shape_of(t) for t in x]

    def get_config(self) -> dict:
        """Keras 3's configuration: name, trainable, dtype policy and the constructor
        arguments of a built-in layer (``_layer_config.py``)."""
        from ._layer_config import get_config
        return get_config(self)

    @classmethod
    def from_config(cls, config: dict):
        from ._layer_config import from_config
        return from_config(cls, config)

    @classmethod
    def _object_kwargs(cls, config: dict, given: dict) -> dict:
        from ._layer_config import object_kwargs
        return object_kwargs(cls, config, given)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def leading_keywords(layer, kwargs: dict) -> tuple:
    """``(args, kwargs)`` of a layer called with keywords only (Keras 3's ``layer(logits=x,
    targets=t)``): ``layer.call``'s leading positional parameters taken from ``kwargs`` in
    order, up to the first one not given (``training`` and ``mask`` stay keywords); a
    TypeError when that leaves no inputs."""
    args, kwargs = _leading_keywords(layer.call, kwargs)
    if not args:
        raise TypeError(f"Layer {layer.name}: __call__() missing the inputs (the first "
                        "argument of call())")
    return args, kwargs


def _leading_keywords(fn, kwargs: dict) -> tuple:
    import inspect
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return (), kwargs
    kwargs, args = dict(kwargs), []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or \
                p.name not in kwargs or p.name in ("training", "mask"):
            break
        args.append(kwargs.pop(p.name))
    return tuple(args), kwargs


def _accepts(fn, arg: str) -> bool:
    import inspect
    try:
        return arg in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class InputLayer(Layer):
    """The layer that produces a model's input placeholder."""

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None, shape=None, batch_shape=None,
                 **kwargs):                 # (shape, batch_shape: Keras 3's names)
        super().__init__(name=name or unique_layer_name("input_layer"), **kwargs)
        input_shape = shape if input_shape is None else input_shape       # (() is a shape)
        batch_input_shape = batch_shape if batch_input_shape is None else batch_input_shape
        if batch_input_shape is None:
            if input_shape is None and input_tensor is None:
                raise ValueError("An Input layer should be passed either a `batch_input_shape` "
                                 "or an `input_shape`.")
            batch_input_shape = (batch_size,) + tuple(input_shape or ())
        from ..array_ops import placeholder
        if input_tensor is None:
            with get_default_graph().name_scope(None):
                input_tensor = placeholder(dtype or K.floatx(), tuple(batch_input_shape),
                                           name=self.name)
        self.built = True
        self.batch_input_shape = tuple(input_tensor.aval.shape)
        self.input_shape_arg = self.batch_input_shape[1:]
        self._nodes.append(Node(self, [input_tensor], [input_tensor]))
        _HISTORY[input_tensor] = (self, 0, 0)


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None):
    """A symbolic input: a placeholder of shape ``(None,) + shape``."""
    shape = (shape,) if shape is not None and not isinstance(shape, (list, tuple)) else shape
    return InputLayer(input_shape=shape, batch_input_shape=batch_shape, name=name,
                      dtype=dtype, input_tensor=tensor)._nodes[0].outputs[0]

