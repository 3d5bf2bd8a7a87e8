"""Keras 2 optimizers with Keras' own update rules (not TensorFlow's: Keras' RMSprop starts
its accumulator at 0 and adds epsilon outside the root).  ``g`` is the gradient (clipped by
``clipnorm``/``clipvalue`` when given), ``lr`` decays as ``lr / (1 + decay * iterations)``:

    SGD       v = momentum v - lr g;  w += v   (nesterov: w += momentum v - lr g)
    RMSprop   a = rho a + (1-rho) g^2;  w -= lr g / (sqrt(a) + eps)
    Adagrad   a += g^2;  w -= lr g / (sqrt(a) + eps)
    Adadelta  a = rho a + (1-rho) g^2;  u = g sqrt(d + eps) / sqrt(a + eps);  w -= lr u;
              d = rho d + (1-rho) u^2
    Adam      m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2  (amsgrad: vhat = max(vhat, v));
              w -= lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps)
    Adamax    m = b1 m + (1-b1) g;  u = max(b2 u, |g|);  w -= lr/(1-b1^t) m / (u + eps)
    Nadam     Adam with Nesterov momentum and the 0.96^(t*0.004) momentum schedule

Variables (``iterations``, ``lr`` and the slots) are created in the model's graph when the
model is compiled; ``optimizer.lr`` is then a variable that callbacks change with
``K.set_value``.  Keras 1 names (``lr``) are accepted with a warning; Keras 2's
``learning_rate`` too.

Keras 3's side (``optimizers_keras3``): its base arguments (``weight_decay``, ``clipnorm``
per gradient, ``global_clipnorm``, ``use_ema``, ``loss_scale_factor``,
``gradient_accumulation_steps``, ...), ``get_config``
with its keys, ``serialize``/``deserialize``/``get`` of its records, ``optimizer.variables``
in its order (the ``optimizer/vars`` of ``.keras`` files).  RMSprop also takes Keras 3's
``momentum`` and ``centered``, Adagrad its ``initial_accumulator_value``.  The update rules and
defaults stay Keras 2's: Adagrad/Adadelta/Adamax/Nadam default to 0.01/1.0/0.002/0.002 (Keras 3:
0.001), Adagrad's accumulator to 0 (Keras 3: 0.1), RMSprop and Adagrad add epsilon outside the
root (Keras 3: inside; ``sqrt(v) + eps`` is standalone Keras 2's, which ``Sequential`` code of
that era was tuned with; the two agree at ``epsilon=0``).  Adam/Adamax place epsilon as all
three Keras (``lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps)``) and equal Keras 3's steps.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlcore import ops as _ops

from ..graph import Tensor, get_default_graph
from ..variables import Variable
from . import backend as K
from . import legacy
from . import optimizers_keras3 as _k3


class Optimizer:
    _defaults: dict = {}
    _schedule = None                  # a keras.optimizers.schedules schedule given as the rate
    # Keras 3's base arguments (set per object by __init__; see optimizers_keras3)
    weight_decay = clipnorm = global_clipnorm = clipvalue = loss_scale_factor = None
    ema_overwrite_frequency = gradient_accumulation_steps = None
    use_ema, ema_momentum = False, 0.99

    def __init__(self, params: dict | None = None, **kwargs):
        """``params``: the subclass's named arguments; ``kwargs``: what else the user passed
        (``lr`` converted to ``learning_rate`` with a warning; Keras 3's base arguments,
        see ``optimizers_keras3``)."""
        kwargs = legacy.convert(type(self).__name__, kwargs, {"lr": "learning_rate"},
                                stacklevel=4)      # the user's line: SGD(...) -> here -> convert
        base = {k: kwargs.pop(k, d) for k, d in _k3.BASE_DEFAULTS.items()}
        name = kwargs.pop("name", None)
        unknown = {k: v for k, v in kwargs.items() if k != "learning_rate"}
        if unknown:
            raise ValueError(f"Argument(s) not recognized: {unknown}")
        _k3.check_base(self, base)
        cfg = dict(self._defaults)
        cfg.update(params or {})
        cfg.update(kwargs)
        lr = cfg.pop("learning_rate")
        from .lr_schedules import LearningRateSchedule
        if isinstance(lr, LearningRateSchedule):      # the rate follows the step in the graph
            self._schedule = lr
            lr = lr(0)
        elif isinstance(lr, bool) or not isinstance(lr, (numbers.Real, np.ndarray,
                                                         np.generic)):
            raise ValueError("Argument `learning_rate` should be float, or an instance of "  # noqa: TRY004
                             f"LearningRateSchedule. Received instead: learning_rate={lr}")
        self._lr0 = float(lr)
        self.initial_decay = float(cfg.pop("decay", 0.0) or 0.0)
        eps = cfg.pop("epsilon", None)
        self.epsilon = K.epsilon() if eps is None else float(eps)
        for k, v in cfg.items():
            setattr(self, k, v)
        self.name = name if name is not None else _k3.auto_name(type(self).__name__)
        self._lr_var: Variable | None = None
        self._iterations: Variable | None = None
        self.weights: list = []
        self._slots: dict = {}           # slot name -> [its variable for each parameter]
        self._slot_cache: dict = {}      # (id(parameter), slot name) -> (parameter, slot)
        self._ema: dict = {}             # id(parameter) -> (parameter, its moving average)
        self._wd_exclude: tuple = ((), None)

    # -- learning rate (a float until compiled, then a variable: its value read as Keras 3's,
    # float(np.array(optimizer.learning_rate)))
    @property
    def lr(self):
        return self._lr_var if self._lr_var is not None else self._lr0

    @lr.setter
    def lr(self, value):
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object "
                            "as its `learning_rate` constructor argument, hence its learning "
                            "rate is not settable.")
        if isinstance(value, (Variable, Tensor)):     # (optimizer.learning_rate itself: its value)
            value = K.get_value(value)
        if self._lr_var is not None:
            K.set_value(self._lr_var, value)
        else:
            self._lr0 = float(value)

    learning_rate = lr

    @property
    def iterations(self):
        """Keras 3's step counter: the variable, or ``iterations // n`` (a tensor) with
        ``gradient_accumulation_steps`` ``n``: the updates applied (optimizers_keras3)."""
        return _k3.iterations(self)

    @iterations.setter
    def iterations(self, value):
        self._iterations = value

    @property
    def decay(self):
        return self.initial_decay

    def _create(self) -> None:
        g = get_default_graph()
        if self._lr_var is not None and self._lr_var.graph is g:
            return
        with g.control_dependencies(None), g.name_scope(None), \
                g.name_scope(type(self).__name__):
            self._iterations = Variable(np.int64(0), trainable=False, name="iterations")
            # K.variable(lr): in floatx, as Keras (a float32 0.1 set float64 models off by
            # 1.5e-8 a step, which cancellation grew past 1e-6 in a nesterov test)
            self._lr_var = KerasVariable(np.asarray(self._lr0, K.floatx()), trainable=False,
                                    name="lr")

    def _slot(self, p, value=0.0, name="slot"):
        """``p``'s slot ``name``, made once per parameter (a ``train_step`` that applies the
        optimizer twice updates the same slots, as Keras 3), outside any control context."""
        g = get_default_graph()
        have = self._slot_cache.get((id(p), name))
        if have is not None and have[0] is p and have[1].graph is g:
            return have[1]
        with g.control_dependencies(None), g.name_scope(None), \
                g.name_scope(type(self).__name__):
            v = Variable(_ops.add(_ops.zeros_like(p.initial_value), float(value)),
                         trainable=False, name=name)
        self.weights.append(v)
        self._slots.setdefault(name, []).append(v)
        self._slot_cache[(id(p), name)] = (p, v)
        return v

    def get_gradients(self, loss, params) -> list:
        from ..gradients import gradients
        grads = gradients(self.scale_loss(loss), params)
        if any(g is None for g in grads):
            raise ValueError("An operation has `None` for gradient. Please make sure that all "
                             "of your ops have a gradient defined (i.e. are differentiable). "
                             "Common ops without gradient: K.argmax, K.round, K.eval.")
        return self._clipped(grads)

    def _clipped(self, grads: list) -> list:
        """Keras 3's order: the loss scale divided out, then clipnorm (each gradient by its
        norm) / global_clipnorm / clipvalue (with gradient_accumulation_steps: of the
        averaged gradients, in ``_apply_updates``)."""
        if self.loss_scale_factor is not None:
            grads = [_ops.div(g, float(self.loss_scale_factor)) for g in grads]
        return grads if self.gradient_accumulation_steps else _k3.clip(self, grads)

    def scale_loss(self, loss):
        """Keras 3's ``scale_loss``: the loss times ``loss_scale_factor`` when set."""
        if self.loss_scale_factor is None:
            return loss
        return _ops.mul(loss, float(self.loss_scale_factor))

    @staticmethod
    def _made(v: Variable | None) -> Variable:
        """A variable that _create made (compile time, before any update is built)."""
        assert v is not None
        return v

    def _lr_t(self, p):
        if self._schedule is not None:
            return _ops.cast(self._schedule(self._made(self._iterations).value()), p.aval.dtype)
        lr = _ops.cast(self._made(self._lr_var).value(), p.aval.dtype)
        if self.initial_decay > 0:
            it = _ops.cast(self._made(self._iterations).value(), p.aval.dtype)
            lr = _ops.div(lr, _ops.add(_ops.mul(it, self.initial_decay), 1.0))
        return lr

    def _t(self, p):
        return _ops.add(_ops.cast(_k3.step_count(self), p.aval.dtype), 1.0)

    def get_updates(self, loss, params) -> list:
        self._create()
        return self._apply_updates(self.get_gradients(loss, params), params)

    def apply_gradients(self, grads_and_vars):
        """Keras 3 / tf.keras: update each variable by its gradient (clipped by ``clipnorm``
        / ``clipvalue``), one step; on the static engine the op of the updates (a custom
        ``train_step`` runs it, see ``_custom_step.py``).  A None gradient is refused."""
        pairs = list(grads_and_vars)
        if any(g is None for g, _ in pairs):
            missing = [getattr(v, "name", v) for g, v in pairs if g is None]
            raise ValueError(f"apply_gradients: no gradient for the variables {missing}")
        from ..control_flow import group
        self._create()
        params = [v for _, v in pairs]
        op = group(*self._apply_updates(self._clipped([g for g, _ in pairs]), params))
        _k3.order_after(op, params + self.variables)   # (averages, slots, Nadam's schedule)
        return op

    def apply(self, grads, trainable_variables=None):
        """Keras 3's ``optimizer.apply(grads, variables)``: ``apply_gradients``."""
        return self.apply_gradients(zip(grads, trainable_variables))

    def _apply_updates(self, grads, params) -> list:
        updates = []
        self._extra_updates: list = []
        self._gate = None
        if self.gradient_accumulation_steps:       # (sets the gate of the update step)
            grads = _k3.accumulate(self, grads, params)
        for p, g in zip(params, grads):
            updates += self._update(p, g)
        updates += self._extra_updates
        assert self._iterations is not None              # made by _create
        updates.append(self._iterations.assign_add(np.int64(1)))
        return updates

    def _update(self, p, g) -> list:
        raise NotImplementedError

    _gate = None      # with gradient_accumulation_steps: true at an update step

    def _assign(self, v, value):
        """``v.assign(value)``, or with gradient accumulation at the other steps ``v``'s own
        value (Keras 3's ``ops.cond(is_update_step, update, accumulate)``)."""
        gate = self._gate
        return v.assign(value if gate is None else _ops.where(gate, value, v.value()))

    def _set(self, p, new_value=None, minus=None):
        """The update of ``p`` to ``new_value`` (or ``p - minus``) in Keras 3's order: weight
        decay (``- p lr weight_decay``), the moving average (``use_ema``; its assign kept for
        ``_apply_updates``, the average written over ``p`` every ``ema_overwrite_frequency``
        steps), then ``p.constraint`` when the weight has one (Keras 2: ``new_p =
        p.constraint(new_p)`` before ``K.update``)."""
        c = getattr(p, "constraint", None)
        decay = self._decays(p)
        if c is None and not decay and not self.use_ema and self._gate is None:
            return p.assign(new_value) if minus is None else p.assign_sub(minus)
        old = p.value()
        if minus is not None:
            new_value = _ops.sub(old, minus)
        if decay:
            new_value = _ops.sub(new_value, _ops.mul(old, _ops.mul(self._lr_t(p),
                                                                    float(self.weight_decay or 0))))
        if self._gate is not None:
            new_value = _ops.where(self._gate, new_value, old)
        if self.use_ema:
            new_value = self._moving_average(p, new_value)
        return p.assign(c(new_value) if c is not None else new_value)

    _moving_average = _k3.moving_average
    _decays = _k3.decays
    exclude_from_weight_decay = _k3.exclude_from_weight_decay
    finalize_variable_values = _k3.finalize_variable_values

    def minimize(self, loss, var_list):
        """The train op: one group of every update (what ``compile`` builds).  Variables the
        loss does not reach (an output compiled without a loss) are left out with tf.keras
        2's warning; when it reaches none, its ValueError."""
        from ..control_flow import group
        from ..gradients import gradients
        params = list(var_list)
        if type(self).get_gradients is not Optimizer.get_gradients or \
                type(self).get_updates is not Optimizer.get_updates:    # (a user's override)
            return group(*self.get_updates(loss, params))
        grads = gradients(self.scale_loss(loss), params) if params else []
        missing = [p.name for p, g in zip(params, grads) if g is None]
        if missing and len(missing) == len(params):
            raise ValueError(f"No gradients provided for any variable: {missing}.")
        if missing:
            import warnings
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If you're using `model.compile()`, did you forget to provide "
                          "a `loss` argument?", UserWarning, stacklevel=3)
            params, grads = [p for p, g in zip(params, grads) if g is not None], \
                [g for g in grads if g is not None]
        self._create()
        return group(*self._apply_updates(self._clipped(grads), params))

    def build(self):
        """Keras optimizers build their own updates (compatibility with older callers)."""
        return self

    _K3_KEYS: tuple = ()              # the class's own config keys, in Keras 3's order
    _K3_SLOTS: tuple = ()             # Keras 3's slot groups (see optimizers_keras3)

    def get_config(self) -> dict:
        """Keras 3's keys (``optimizers_keras3``); Keras 2's ``decay`` when it is not 0."""
        cfg = _k3.base_config(self)
        cfg.update({k: getattr(self, k) for k in self._K3_KEYS})
        if self.initial_decay:
            cfg["decay"] = self.initial_decay
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return _k3.from_config(cls, config, custom_objects)

    variables = property(_k3.variables)

    def _k3_tail(self) -> list:
        return []


class SGD(Optimizer):
    # (set from the keyword arguments by Optimizer.__init__)
    momentum: float
    nesterov: bool
    _defaults = {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}
    _K3_KEYS = ("momentum", "nesterov")
    _K3_SLOTS = (("moment",),)

    def __init__(self, learning_rate=None, momentum=0.0, decay=0.0, nesterov=False, **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(momentum=momentum, decay=decay, nesterov=nesterov), **kw)

    def _update(self, p, g):
        lr = self._lr_t(p)
        if not self.momentum:
            return [self._set(p, minus=_ops.mul(g, lr))]
        m = self._slot(p, name="moment")
        v = _ops.sub(_ops.mul(m.value(), float(self.momentum)), _ops.mul(g, lr))
        new_p = _ops.add(_ops.add(p.value(), _ops.mul(v, float(self.momentum))),
                         _ops.neg(_ops.mul(g, lr))) if self.nesterov else _ops.add(p.value(), v)
        return [self._assign(m, v), self._set(p, new_p)]


class RMSprop(Optimizer):
    """Keras 2's rule; Keras 3's ``momentum`` (``mom = momentum mom + step; w -= mom``) and
    ``centered`` (``mg = rho mg + (1-rho) g``; ``sqrt(a - mg^2)`` in the denominator)."""

    # (set from the keyword arguments by Optimizer.__init__)
    rho: float
    momentum: float
    centered: bool
    _defaults = {"learning_rate": 0.001, "rho": 0.9}
    _K3_KEYS = ("rho", "momentum", "epsilon", "centered")
    _K3_SLOTS = (("accumulator",), ("momentum",), ("mg",))

    def __init__(self, learning_rate=None, rho=0.9, momentum=0.0, epsilon=None, centered=False,
                 decay=0.0, **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(rho=rho, momentum=momentum, epsilon=epsilon, centered=centered,
                              decay=decay), **kw)

    def _update(self, p, g):
        rho = float(self.rho)
        a = self._slot(p, name="accumulator")
        new_a = _ops.add(_ops.mul(a.value(), rho), _ops.mul(_ops.square(g), 1.0 - rho))
        ups = [self._assign(a, new_a)]
        denom = new_a
        if self.centered:
            mg = self._slot(p, name="mg")
            new_mg = _ops.add(_ops.mul(mg.value(), rho), _ops.mul(g, 1.0 - rho))
            ups.append(self._assign(mg, new_mg))
            denom = _ops.sub(new_a, _ops.square(new_mg))
        step = _ops.div(_ops.mul(g, self._lr_t(p)), _ops.add(_ops.sqrt(denom), self.epsilon))
        if self.momentum:
            mom = self._slot(p, name="momentum")
            step = _ops.add(_ops.mul(mom.value(), float(self.momentum)), step)
            ups.append(self._assign(mom, step))
        return ups + [self._set(p, minus=step)]


class Adagrad(Optimizer):
    """Keras 2's rule; the accumulator starts at ``initial_accumulator_value`` (Keras 3's
    argument; 0 by default here as in Keras 2, Keras 3's default is 0.1)."""

    initial_accumulator_value: float
    _defaults = {"learning_rate": 0.01}
    _K3_KEYS = ("initial_accumulator_value", "epsilon")
    _K3_SLOTS = (("accumulator",),)

    def __init__(self, learning_rate=None, initial_accumulator_value=0.0, epsilon=None,
                 decay=0.0, **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(initial_accumulator_value=initial_accumulator_value,
                              epsilon=epsilon, decay=decay), **kw)

    def _update(self, p, g):
        a = self._slot(p, float(self.initial_accumulator_value), name="accumulator")
        new_a = _ops.add(a.value(), _ops.square(g))
        step = _ops.div(_ops.mul(g, self._lr_t(p)), _ops.add(_ops.sqrt(new_a), self.epsilon))
        return [self._assign(a, new_a), self._set(p, minus=step)]


class Adadelta(Optimizer):
    # (set from the keyword arguments by Optimizer.__init__)
    rho: float
    _defaults = {"learning_rate": 1.0, "rho": 0.95}
    _K3_KEYS = ("rho", "epsilon")
    _K3_SLOTS = (("accumulator", "delta_accumulator"),)

    def __init__(self, learning_rate=None, rho=0.95, epsilon=None, decay=0.0, **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(rho=rho, epsilon=epsilon, decay=decay), **kw)

    def _update(self, p, g):
        a, d = self._slot(p, name="accumulator"), self._slot(p, name="delta_accumulator")
        rho, eps = float(self.rho), self.epsilon
        new_a = _ops.add(_ops.mul(a.value(), rho), _ops.mul(_ops.square(g), 1.0 - rho))
        u = _ops.div(_ops.mul(g, _ops.sqrt(_ops.add(d.value(), eps))),
                     _ops.sqrt(_ops.add(new_a, eps)))
        new_d = _ops.add(_ops.mul(d.value(), rho), _ops.mul(_ops.square(u), 1.0 - rho))
        return [self._assign(a, new_a), self._set(p, minus=_ops.mul(u, self._lr_t(p))),
                self._assign(d, new_d)]


class Adam(Optimizer):
    # (set from the keyword arguments by Optimizer.__init__)
    beta_1: float
    beta_2: float
    amsgrad: bool
    _defaults = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "amsgrad": False}
    _K3_KEYS = ("beta_1", "beta_2", "epsilon", "amsgrad")
    _K3_SLOTS = (("m", "v"), ("vhat",))

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                 amsgrad=False, **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, decay=decay,
                         amsgrad=amsgrad), **kw)

    def _update(self, p, g):
        b1, b2 = float(self.beta_1), float(self.beta_2)
        t = self._t(p)
        lr_t = _ops.mul(self._lr_t(p), _ops.div(_ops.sqrt(_ops.sub(1.0, _ops.pow(b2, t))),
                                                _ops.sub(1.0, _ops.pow(b1, t))))
        m, v = self._slot(p, name="m"), self._slot(p, name="v")
        m_t = _ops.add(_ops.mul(m.value(), b1), _ops.mul(g, 1.0 - b1))
        v_t = _ops.add(_ops.mul(v.value(), b2), _ops.mul(_ops.square(g), 1.0 - b2))
        ups = [self._assign(m, m_t), self._assign(v, v_t)]
        denom = v_t
        if self.amsgrad:
            vh = self._slot(p, name="vhat")
            denom = _ops.maximum(vh.value(), v_t)
            ups.append(self._assign(vh, denom))
        step = _ops.div(_ops.mul(m_t, lr_t), _ops.add(_ops.sqrt(denom), self.epsilon))
        return ups + [self._set(p, minus=step)]


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras 3's ``AdamW``: ``w -= lr * weight_decay * w``
    before each Adam step; defaults ``learning_rate=0.001``, ``weight_decay=0.004``)."""

    def __init__(self, learning_rate=None, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=None, amsgrad=False, **kw):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, 0.0, amsgrad,
                         weight_decay=weight_decay, **kw)


class Adamax(Optimizer):
    # (set from the keyword arguments by Optimizer.__init__)
    beta_1: float
    beta_2: float
    _defaults = {"learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999}
    _K3_KEYS = ("beta_1", "beta_2", "epsilon")
    _K3_SLOTS = (("m", "u"),)

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                 **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, decay=decay), **kw)

    def _update(self, p, g):
        b1, b2 = float(self.beta_1), float(self.beta_2)
        lr_t = _ops.div(self._lr_t(p), _ops.sub(1.0, _ops.pow(b1, self._t(p))))
        m, u = self._slot(p, name="m"), self._slot(p, name="u")
        m_t = _ops.add(_ops.mul(m.value(), b1), _ops.mul(g, 1.0 - b1))
        u_t = _ops.maximum(_ops.mul(u.value(), b2), _ops.abs(g))
        step = _ops.div(_ops.mul(m_t, lr_t), _ops.add(u_t, self.epsilon))
        return [self._assign(m, m_t), self._assign(u, u_t), self._set(p, minus=step)]


class Nadam(Optimizer):
    # (set from the keyword arguments by Optimizer.__init__)
    beta_1: float
    beta_2: float
    schedule_decay: float
    _defaults = {"learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999,
                 "schedule_decay": 0.004}
    _K3_KEYS = ("beta_1", "beta_2", "epsilon")
    _K3_SLOTS = (("m", "v"),)
    _m_schedule: Variable | None = None

    def get_config(self) -> dict:
        """Keras 3's (no ``schedule_decay``: Keras 3's is 0.004, written when another)."""
        cfg = super().get_config()
        if float(self.schedule_decay) != 0.004:
            cfg["schedule_decay"] = self.schedule_decay
        return cfg

    def _k3_tail(self) -> list:
        return [self._m_schedule] if self._m_schedule is not None else []    # (u_product)

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None,
                 schedule_decay=0.004, **kw):
        if learning_rate is not None:
            kw["learning_rate"] = learning_rate
        super().__init__(dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         schedule_decay=schedule_decay), **kw)
        self._m_schedule: Variable | None = None

    def _apply_updates(self, grads, params) -> list:
        g = get_default_graph()
        if self._m_schedule is None or self._m_schedule.graph is not g:
            with g.control_dependencies(None), g.name_scope(None), g.name_scope("Nadam"):
                self._m_schedule = Variable(np.float32(1.0), trainable=False,
                                            name="m_schedule")
        ups = super()._apply_updates(grads, params)
        return ups + [self._assign(self._m_schedule, self._ms_new)]

    def _update(self, p, g):
        b1, b2, sd = float(self.beta_1), float(self.beta_2), float(self.schedule_decay)
        t = self._t(p)
        mct = _ops.mul(_ops.sub(1.0, _ops.mul(_ops.pow(0.96, _ops.mul(t, sd)), 0.5)), b1)
        mct1 = _ops.mul(_ops.sub(1.0, _ops.mul(_ops.pow(0.96, _ops.mul(_ops.add(t, 1.0), sd)),
                                               0.5)), b1)
        msched = _ops.cast(self._made(self._m_schedule).value(), p.aval.dtype)
        ms_new = _ops.mul(msched, mct)
        ms_next = _ops.mul(ms_new, mct1)
        self._ms_new = ms_new
        m, v = self._slot(p, name="m"), self._slot(p, name="v")
        g_prime = _ops.div(g, _ops.sub(1.0, ms_new))
        m_t = _ops.add(_ops.mul(m.value(), b1), _ops.mul(g, 1.0 - b1))
        m_t_prime = _ops.div(m_t, _ops.sub(1.0, ms_next))
        v_t = _ops.add(_ops.mul(v.value(), b2), _ops.mul(_ops.square(g), 1.0 - b2))
        v_t_prime = _ops.div(v_t, _ops.sub(1.0, _ops.pow(b2, t)))
        m_bar = _ops.add(_ops.mul(_ops.sub(1.0, mct), g_prime), _ops.mul(mct1, m_t_prime))
        step = _ops.div(_ops.mul(m_bar, self._lr_t(p)),
                        _ops.add(_ops.sqrt(v_t_prime), self.epsilon))
        return [self._assign(m, m_t), self._assign(v, v_t), self._set(p, minus=step)]


class TFOptimizer(Optimizer):
    """A ``tf.train`` optimizer used by a Keras model."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self._lr_var = None
        self._iterations = None
        self.weights = []
        self._lr0 = getattr(optimizer, "learning_rate", 0.0)
        self.initial_decay = 0.0
        self.name = type(optimizer).__name__
        self._slots, self._ema, self._slot_cache = {}, {}, {}

    def minimize(self, loss, var_list):
        return self.optimizer.minimize(loss, var_list=list(var_list))


sgd, rmsprop, adagrad, adadelta, adam, adamax, nadam = (SGD, RMSprop, Adagrad, Adadelta, Adam,
                                                        Adamax, Nadam)
_TABLE = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
          "adam": Adam, "adamax": Adamax, "nadam": Nadam, "adamw": AdamW}
class KerasVariable(Variable):
    """A Keras variable that NumPy and ``float`` read as its value in the Keras session, as
    Keras 3's ``np.array(optimizer.learning_rate)``."""

    def __array__(self, dtype=None, copy=None):
        return np.asarray(K.get_value(self), dtype=dtype)

    def __float__(self):
        return float(K.get_value(self))


from . import lr_schedules as schedules  # noqa: F401 - keras.optimizers.schedules

_k3.REGISTRY.update(base=Optimizer, tf=TFOptimizer, classes={
    c.__name__: c for c in (SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Adamax, Nadam)})
get = _k3.get
serialize = _k3.serialize
deserialize = _k3.deserialize
