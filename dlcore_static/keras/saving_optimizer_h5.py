"""The optimizer's state in a Keras 2 ``.h5`` model file (``model.save('m.h5')``,
``load_model``), as tf.keras 2's ``hdf5_format.save_optimizer_weights_to_hdf5_group``: a root
group ``optimizer_weights`` with attribute ``weight_names`` and one dataset per name (a name
with ``/`` makes nested groups, as h5py does for Keras).  No pickle.

Order and names are tf.keras 2's ``optimizer.weights``: ``iterations`` (``Adam/iter:0``),
Nadam's ``momentum_cache``, then each slot kind for every variable in turn (Adam: every ``m``,
then every ``v``, then every ``vhat``), named ``<Optimizer>/<variable>/<slot>:0`` with
tf.keras 2's slot names (RMSprop ``rms``, SGD ``momentum``, Adadelta ``accum_grad`` and
``accum_var``, Adamax ``m`` and ``v``).  Keras 3's extras (the moving averages of
``use_ema``, the ``gradient_accumulator`` of ``gradient_accumulation_steps``) follow, so
that dlcore's own files restore every variable the updates read.  The learning rate is not
a weight: its current value is the ``training_config``'s.

A file Keras 3 wrote (its legacy ``.h5``: ``optimizer.variables`` by their paths,
``adam/iteration``, ``adam/learning_rate``, ...; names without ``:0``) is read in Keras 3's
order (``optimizers_keras3.variables``).

Loading reads the values by the ``weight_names`` order after the model is compiled, checks
the count and every shape first, then sets them all; a file whose optimizer does not fit (a
different optimizer or model, standalone Keras 2.2's layout with its ``vhat`` placeholders)
loads with a fresh optimizer and Keras 2's warning ``Error in loading the saved optimizer
state. As a result, your model is starting with a freshly initialized optimizer.``, as Keras
2 does.  A name listed but missing from the file is a damaged file (``KerasFileError``).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..variables import Variable
from . import backend as K

#: dlcore's slot names -> tf.keras 2's, per optimizer class (others keep dlcore's name)
_K2_SLOT_NAMES = {"SGD": {"moment": "momentum"},
                  "RMSprop": {"accumulator": "rms"},
                  "Adadelta": {"accumulator": "accum_grad", "delta_accumulator": "accum_var"},
                  "Adamax": {"u": "v"}}
_FRESH = ("Error in loading the saved optimizer state. As a result, your model is starting "
          "with a freshly initialized optimizer.")


def _base(name: str) -> str:
    return name.split(":")[0]


def keras2_weights(opt) -> list:
    """``[(tf.keras 2's weight name, variable)]`` in tf.keras 2's order; empty for an
    optimizer without Keras variables (not built, a wrapped ``tf.train`` optimizer)."""
    it = getattr(opt, "_iterations", None)     # (the variable: not Keras 3's // n)
    if it is None:
        it = getattr(opt, "iterations", None)
    if not isinstance(it, Variable):
        return []
    cls = type(opt).__name__
    out = [(f"{cls}/iter:0", it)]
    ms = getattr(opt, "_m_schedule", None)
    if isinstance(ms, Variable):
        out.append((f"{cls}/momentum_cache:0", ms))
    owner = {id(v): p for p, v in getattr(opt, "_slot_cache", {}).values()}
    rename = _K2_SLOT_NAMES.get(cls, {})
    kinds = [n for group in getattr(opt, "_K3_SLOTS", ()) for n in group]
    kinds += [n for n in getattr(opt, "_slots", {}) if n not in kinds
              and n != "gradient_accumulator"]
    for kind in kinds:
        for v in opt._slots.get(kind, []):
            p = owner.get(id(v))
            where = _base(p.name) if p is not None else _base(v.name)
            out.append((f"{cls}/{where}/{rename.get(kind, kind)}:0", v))
    for p, avg in getattr(opt, "_ema", {}).values():
        out.append((f"{cls}/{_base(p.name)}/average:0", avg))
    for v in opt._slots.get("gradient_accumulator", []):
        p = owner.get(id(v))
        where = _base(p.name if p is not None else v.name)
        out.append((f"{cls}/{where}/gradient_accumulator:0", v))
    return out


def write(f, opt) -> None:
    """``optimizer_weights`` of an ``.h5`` model file (nothing when the optimizer has no
    weights, as Keras 2)."""
    pairs = keras2_weights(opt)
    if not pairs:
        return
    group = f.create_group("optimizer_weights")
    names = [n.encode("utf8") for n, _ in pairs]
    group.attrs["weight_names"] = np.array(names, dtype="S")
    for name, value in zip(names, K.batch_get_value([v for _, v in pairs])):
        group.create_dataset(name.decode("utf8"), data=np.asarray(value))


def read(f, opt, path: str, error) -> None:
    """Set ``opt``'s weights from the file's ``optimizer_weights`` (after the compile); see
    the module's docstring for what does not fit."""
    from ._files import _h5py
    h5py = _h5py()
    group = f.get("optimizer_weights")
    if group is None:
        return
    raw = group.attrs.get("weight_names", []) if isinstance(group, h5py.Group) else None
    if raw is None or np.ndim(raw) != 1 or not all(isinstance(n, (bytes, str)) for n in raw):
        raise error(f"load_model: {path!r} has an optimizer_weights that is not a group with "
                    "a list of weight_names (a damaged file)")
    names = [n.decode("utf8", "replace") if isinstance(n, bytes) else n for n in raw]
    missing = [n for n in names if not isinstance(group.get(n), h5py.Dataset)]
    if missing:
        raise error(f"load_model: {path!r} lists the optimizer weights {missing[:3]} in "
                    "optimizer_weights/weight_names but has no such datasets (a damaged file)")
    for n in names:
        if group[n].dtype.kind not in "biuf":
            raise error(f"load_model: {path!r}: optimizer weight {n!r} has dtype "
                        f"{group[n].dtype}, not a number (a damaged file)")
    if all(n.endswith(":0") for n in names):
        pairs = keras2_weights(opt)
    else:                              # Keras 3's .h5 (its variables' paths, in its order)
        pairs = [(None, v) for v in opt.variables]
    shapes = [tuple(group[n].shape) for n in names]
    want = [tuple(v.shape.as_list()) for _, v in pairs]
    if shapes != want:
        why = (f"the file has {len(names)} optimizer weights, {type(opt).__name__} has "
               f"{len(pairs)}" if len(names) != len(pairs) else
               next(f"{n} has shape {s} in the file, {w} in the optimizer"
                    for n, s, w in zip(names, shapes, want) if s != w))
        warnings.warn(f"{_FRESH} ({why})", UserWarning, stacklevel=4)
        return
    values = [np.asarray(group[n][()]).astype(v.dtype.as_numpy_dtype)
              for n, (_, v) in zip(names, pairs)]
    K.batch_set_value([(v, a) for (_, v), a in zip(pairs, values)])
