"""Keras 3's side of ``keras.optimizers``: the arguments every Keras 3 optimizer takes, its
configuration records and its variables in Keras 3's order (used by ``optimizers.py``).

Arguments (Keras 3's ``BaseOptimizer``), with Keras 3's checks and words:

- ``name`` (default: the class name in snake case, numbered as Keras 3 numbers them:
  ``adam``, ``adam_1``, ...; ``RMSprop`` -> ``rm_sprop``);
- ``weight_decay``: ``w -= w * weight_decay * lr`` before each update (every optimizer; not
  for variables excluded with ``exclude_from_weight_decay``);
- ``clipnorm`` (each gradient by its own norm), ``global_clipnorm`` (all by their global
  norm), ``clipvalue``: at most one of them;
- ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``: a moving average of each trained
  variable after each update, ``a = m a + (1 - m) w`` (``m`` 0 at the first step), written
  over the variables every ``ema_overwrite_frequency`` steps and at the end of ``fit``
  (``finalize_variable_values``);
- ``loss_scale_factor``: ``scale_loss`` multiplies the loss, each update divides the gradients;
- ``gradient_accumulation_steps`` (``n``): each step adds its gradients to a
  ``gradient_accumulator`` per variable; every ``n``-th step updates with ``(g + acc) / n``
  (clipped, weight decay) and zeroes the accumulators (``accumulate``): the other steps leave
  the variables and slots as they are (``where``, not a ``cond``: the update is computed and
  dropped).  The update rules count ``iterations // n`` steps (Adam's bias correction, the
  moving average), a schedule and Keras 2's ``decay`` the real steps, as Keras 3.
  ``optimizer.iterations`` is Keras 3's property: ``iterations // n``, the updates applied
  (the variable counting every step is in ``optimizer.variables``).

Records: ``get_config`` has Keras 3's keys in Keras 3's order (the base keys, then the
class's), a schedule as its ``keras.optimizers.schedules`` record; ``serialize`` is
``{"module": "keras.optimizers", "class_name", "config", "registered_name": None}``;
``deserialize``/``get`` read it back (also Keras 2's ``{"class_name": "adam", "config":
{...}}``), ``from_config`` rebuilds the schedule.  Keras 2's ``decay`` (``lr / (1 + decay t)``,
which Keras 3 ignores with a warning) is written only when it is not 0.

Variables, Keras 3's ``optimizer.variables`` and the ``optimizer/vars`` of a ``.keras`` file:
``iterations``, the learning rate (not with a schedule), the moving averages, the gradient
accumulators, then the class's slots, per variable in each group of ``_K3_SLOTS`` (Adam: momentum and velocity of the
first variable, of the second, ..., then every velocity_hat).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from dlcore import ops as _ops

from ..graph import get_default_graph
from ..variables import Variable
from . import backend as K

BASE_KEYS = ("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
             "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency",
             "loss_scale_factor", "gradient_accumulation_steps")
#: the base arguments (other than learning_rate and name) and their defaults
BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                 "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                 "ema_overwrite_frequency": None, "loss_scale_factor": None,
                 "gradient_accumulation_steps": None}


def check_base(opt, kw: dict) -> None:
    """Keras 3's checks of the base arguments, then set on ``opt``."""
    steps = kw["gradient_accumulation_steps"]
    if steps and (isinstance(steps, bool) or not float(steps).is_integer() or not steps >= 2):
        raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. "
                         f"Received: gradient_accumulation_steps={steps}")
    if kw["use_ema"]:
        m, f = kw["ema_momentum"], kw["ema_overwrite_frequency"]
        if m > 1 or m < 0:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: "
                             f"ema_momentum={m}")
        if f and (not isinstance(f, int) or f < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={f}")
    clips = [kw["clipnorm"], kw["clipvalue"], kw["global_clipnorm"]]
    if sum(c is not None for c in clips) > 1:
        raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                         f"set. Received: clipnorm={clips[0]}, clipvalue={clips[1]}, "
                         f"global_clipnorm={clips[2]}")
    for k, v in kw.items():
        setattr(opt, k, v)


def auto_name(cls_name: str) -> str:
    from ._history import to_snake_case, unique_layer_name
    return unique_layer_name(to_snake_case(cls_name))


def _plain(v):
    if isinstance(v, (np.generic,)):
        return v.item()
    return v


def learning_rate_value(opt):
    """The config's ``learning_rate``: a schedule's record, else the rate as the float32
    variable Keras 3 keeps holds it."""
    sched = getattr(opt, "_schedule", None)
    if sched is not None:
        return schedule_record(sched)
    lr = opt._lr_var
    value = K.get_value(lr) if lr is not None else opt._lr0
    return float(np.float32(value))


def schedule_record(sched) -> dict:
    cfg = {k: _plain(list(v) if isinstance(v, tuple) else v)
           for k, v in sched.get_config().items()}
    return {"module": "keras.optimizers.schedules", "class_name": type(sched).__name__,
            "config": cfg, "registered_name": None}


def base_config(opt) -> dict:
    cfg = {"name": opt.name, "learning_rate": learning_rate_value(opt)}
    for k in BASE_KEYS[2:]:
        cfg[k] = _plain(getattr(opt, k, BASE_DEFAULTS[k]))
    return cfg


def from_config(cls, config: dict, custom_objects=None):
    config = dict(config)
    lr = config.get("learning_rate")
    if isinstance(lr, dict):
        from . import lr_schedules
        from .saving_training import _make
        config["learning_rate"] = _make(lr_schedules, lr_schedules.LearningRateSchedule, lr,
                                        ValueError)
    return cls(**config)


# --------------------------------------------------------------------------- records
#: filled by ``optimizers.py`` when it is imported (this module imports no optimizer class):
#: "base" -> Optimizer, "tf" -> TFOptimizer, "classes" -> {name: class}
REGISTRY: dict = {}


def serialize(optimizer) -> dict:
    if not isinstance(optimizer, REGISTRY["base"]) or not hasattr(optimizer, "name"):
        raise TypeError(f"keras.optimizers.serialize: expected a keras optimizer, got "
                        f"{type(optimizer).__name__}")
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def _classes() -> dict:
    table = dict(REGISTRY["classes"])
    table.update({k.lower(): c for k, c in table.items()})
    return table


def deserialize(config, custom_objects=None):
    """An optimizer from its record (Keras 3's or Keras 2's ``class_name``/``config``); a
    class of ``custom_objects`` by its name."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret optimizer identifier: {config}")  # noqa: TRY004
    name = config["class_name"]
    table = {**_classes(), **(custom_objects or {})}
    cls = table.get(name) or table.get(name.lower())
    if not isinstance(cls, type):
        raise ValueError(f"Could not interpret optimizer identifier: {name}")  # noqa: TRY004
    conf = config.get("config") or {}
    if not isinstance(conf, dict):
        raise ValueError(f"Could not interpret optimizer identifier: {config}")  # noqa: TRY004
    make: Any = getattr(cls, "from_config")  # noqa: B009 (mypy: cls is a type)
    return make(conf, custom_objects=custom_objects) if _takes_objects(cls) else make(conf)


def _takes_objects(cls) -> bool:
    import inspect
    try:
        return "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        return False


def get(identifier):
    from .. import train as _train
    if identifier is None:
        return None
    if isinstance(identifier, REGISTRY["base"]):
        return identifier
    if isinstance(identifier, _train.Optimizer):
        return REGISTRY["tf"](identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _classes().get(identifier) or _classes().get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


# --------------------------------------------------------------------------- clipping
def clip(opt, grads: list) -> list:
    """Keras 3's ``_clip_gradients``: clipnorm per gradient, global_clipnorm over all,
    clipvalue elementwise."""
    if opt.clipnorm is not None and opt.clipnorm > 0:
        c = float(opt.clipnorm)
        out = []
        for g in grads:
            l2sum = _ops.sum(_ops.square(g), None, True) if g.aval.ndim else _ops.square(g)
            norm = _ops.sqrt(l2sum)        # (0 gives 0: c / max(0, c) keeps g)
            out.append(_ops.div(_ops.mul(g, c), _ops.maximum(norm, c)))
        return out
    if getattr(opt, "global_clipnorm", None) is not None and opt.global_clipnorm > 0:
        from ..math_api import clip_by_global_norm
        return list(clip_by_global_norm(grads, float(opt.global_clipnorm))[0])
    if opt.clipvalue is not None and opt.clipvalue > 0:
        c = float(opt.clipvalue)
        return [_ops.minimum(_ops.maximum(g, -c), c) for g in grads]
    return grads


# --------------------------------------------------------------------------- accumulation
def iterations(opt):
    """Keras 3's ``optimizer.iterations``: the step variable (None before it is built), or
    with ``gradient_accumulation_steps`` ``n`` the updates applied, ``iterations // n`` (one
    FloorDiv node per variable, made on first use)."""
    it = opt.__dict__.get("_iterations")
    n = opt.gradient_accumulation_steps
    if it is None or not n:
        return it
    hit = opt.__dict__.get("_iterations_div")
    if hit is None or hit[0] is not it:
        g = it.graph
        with g.as_default(), g.control_dependencies(None), g.name_scope(None):
            hit = opt.__dict__["_iterations_div"] = (
                it, _ops.floor_divide(it.value(), np.int64(n)))
    return hit[1]


def step_count(opt):
    """The steps the update rules count: ``iterations``, or ``iterations // n`` with
    ``gradient_accumulation_steps`` ``n`` (Keras 3's ``optimizer.iterations``)."""
    it = opt._made(opt._iterations).value()
    n = opt.gradient_accumulation_steps
    return _ops.floor_divide(it, np.int64(n)) if n else it


def accumulate(opt, grads: list, params: list) -> list:
    """Keras 3's gradient accumulation (``_backend_apply_gradients``): sets ``opt._gate``
    (this step updates: ``(iterations + 1) % n == 0``), adds each accumulator's assign
    (zero at an update step, else ``acc + g``) to the step's updates and returns the
    gradients an update step applies, ``(g + acc) / n`` clipped."""
    n = int(opt.gradient_accumulation_steps)
    it = opt._made(opt._iterations).value()
    gate = _ops.equal(_ops.remainder(_ops.add(it, np.int64(1)), np.int64(n)), np.int64(0))
    out = []
    for p, g in zip(params, grads):
        acc = opt._slot(p, name="gradient_accumulator")
        total = _ops.add(g, acc.value())
        opt._extra_updates.append(acc.assign(_ops.where(gate, _ops.zeros_like(total), total)))
        out.append(_ops.div(total, float(n)))
    opt._gate = gate
    return clip(opt, out)


# --------------------------------------------------------------------------- methods
def moving_average(self, p, new_value):
    dt = p.aval.dtype
    g = get_default_graph()
    have = self._ema.get(id(p))
    if have is not None and have[0] is p and have[1].graph is g:
        avg = have[1]                      # (applied again in one train_step: the same one)
    else:
        with g.control_dependencies(None), g.name_scope(None), \
                g.name_scope(type(self).__name__):
            avg = Variable(_ops.zeros_like(p.initial_value), trainable=False,
                           name=f"{p.name.split(':')[0].replace('/', '_')}_average")
        self._ema[id(p)] = (p, avg)
    it = step_count(self)
    m = _ops.mul(_ops.cast(_ops.not_equal(it, np.int64(0)), dt), float(self.ema_momentum))
    new_avg = _ops.add(_ops.mul(m, avg.value()), _ops.mul(_ops.sub(1.0, m), new_value))
    self._extra_updates.append(avg.assign(new_avg))
    f = self.ema_overwrite_frequency
    if f:
        due = _ops.equal(_ops.remainder(_ops.add(it, np.int64(1)), np.int64(f)),
                         np.int64(0))
        new_value = _ops.where(due, new_avg, new_value)
    return new_value


def decays(self, p) -> bool:
    if not self.weight_decay:
        return False
    ids, pattern = self._wd_exclude
    if id(p) in ids:
        return False
    return pattern is None or pattern.search(p.name) is None


def exclude_from_weight_decay(self, var_list=None, var_names=None):
    """Keras 3's: no weight decay for the variables of ``var_list`` nor for those whose
    name contains one of ``var_names``; before the optimizer is built."""
    if self._iterations is not None:
        raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                         "optimizer is built.")
    import re
    pattern = re.compile("|".join(set(var_names))) if var_names else None
    self._wd_exclude = (tuple(id(v) for v in var_list or ()), pattern)


def finalize_variable_values(self, var_list):
    """Keras 3's: with ``use_ema``, each variable takes its moving average (``fit`` calls
    it when it ends)."""
    if not self.use_ema:
        return
    pairs = [self._ema[id(v)] for v in var_list if id(v) in self._ema]
    if pairs:
        K.batch_set_value([(p, v) for (p, _), v in
                           zip(pairs, K.batch_get_value([a for _, a in pairs]))])


def variables(self) -> list:
    """Keras 3's ``optimizer.variables``: iterations, the learning rate (not with a
    schedule), the moving averages, then the slots by Keras 3's groups (empty before the
    optimizer is built, by ``compile`` or the first ``apply_gradients``)."""
    if self._iterations is None:
        return []
    out = [self._iterations] + ([self._lr_var] if self._schedule is None else [])
    out += [a for _, a in self._ema.values()] + self._slots.get("gradient_accumulator", [])
    for group in self._K3_SLOTS:
        lists = [self._slots.get(n, []) for n in group]
        out += [v for per in zip(*lists) for v in per] if len(lists) > 1 else lists[0]
    return out + self._k3_tail()


# --------------------------------------------------------------------------- .keras files
def write_state(group, opt) -> None:
    """``optimizer/vars/<i>`` of a ``.keras`` weights file, as Keras 3's
    ``save_own_variables`` (the group's ``name`` attribute the optimizer's name)."""
    variables = opt.variables if isinstance(getattr(type(opt), "variables", None),
                                            property) else []
    g = group.create_group("optimizer").create_group("vars")
    g.attrs["name"] = getattr(opt, "name", type(opt).__name__)
    for i, v in enumerate(K.batch_get_value(variables) if variables else []):
        g.create_dataset(str(i), data=np.asarray(v))


def read_state(group, opt, error) -> None:
    """The optimizer's variables from ``optimizer/vars``, all checked before any is set; a
    different count skips them with Keras 3's warning (as Keras 3 does)."""
    variables = opt.variables if isinstance(getattr(type(opt), "variables", None),
                                            property) else []
    store = group.get("optimizer/vars")
    if store is None:
        return
    keys = [str(i) for i in range(len(store))]
    if len(store) != len(variables) or any(k not in store for k in keys):
        msg = (f"Skipping variable loading for optimizer '{getattr(opt, 'name', '?')}', "
               f"because it has {len(variables)} variables whereas the saved optimizer has "
               f"{len(store)} variables. ")
        if not variables:
            msg += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(msg, stacklevel=3)
        return
    values = []
    for k, v in zip(keys, variables):
        ds = store[k]
        want = tuple(v.shape.as_list())
        if tuple(ds.shape) != want:
            raise error(f"load_model: optimizer variable {k} ({v.name}) has shape {want}, the "
                        f"file's optimizer/vars/{k} has {tuple(ds.shape)}")
        values.append(np.asarray(ds[()]).astype(v.dtype.as_numpy_dtype
                                                 if hasattr(v.dtype, "as_numpy_dtype")
                                                 else np.asarray(K.get_value(v)).dtype))
    K.batch_set_value(list(zip(variables, values)))


# --------------------------------------------------------------------------- train_step order
#: one list per ``train_step`` being built (``_custom_step``): (variable, its read before) for
#: each read ``order_after`` replaced
ORDERED: list = []


def order_after(update, variables) -> None:
    """In a step being built, the ``variables`` an ``optimizer.apply_gradients`` update
    changes are read, by what the step builds next, after ``update`` (a fresh read with it as
    control input becomes each variable's read until the step is built), as Keras 3's eager
    step reads them: a WGAN's critic applied three times in one ``train_step`` takes its
    second gradient at the once-updated weights, and the generator's step sees the critic's
    new weights.  Other reads (metrics) are not ordered."""
    if not ORDERED:
        return
    from ..variables import _read_op
    g = get_default_graph()
    with g.control_dependencies([update]):
        for v in variables:
            r = _read_op(v, g.unique_name(v.op.name + "/read"), control_free=False)
            v._reads.append(r)                       # (gradients sum over every read)
            ORDERED[-1].append((v, v._read))
            v._read = r
