"""``tf.io.parse_single_sequence_example`` / ``tf.parse_single_sequence_example``: one
serialized ``tf.train.SequenceExample`` parsed into ``(context, sequences)`` dicts.

``context_features`` are read from the message's ``context`` (``FixedLenFeature`` -> a dense
tensor, ``VarLenFeature`` -> a ``SparseTensor``, as ``parse_single_example``);
``sequence_features`` from its ``feature_lists``, one ``Feature`` per time step:
``FixedLenSequenceFeature(shape)`` -> ``[steps, *shape]`` (every step must hold
``prod(shape)`` values; a missing list is an error unless ``allow_missing``, then it has 0
steps), ``VarLenFeature`` -> a ``SparseTensor`` of dense shape ``[steps, longest step]``.
A host op (``host_ops.py``), as the other parsers in ``parsing.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..frontend import to_tensor
from ..graph import get_default_graph
from ..host_ops import host_op, register
from ..sparse import SparseTensor
from .example_proto import DecodeError, SequenceExample
from .parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    _tf,
    _values,
    assemble,
    feature_specs,
    parse_features,
)

OBJ = np.dtype(object)
_KINDS = ("object", "float32", "int64")

__all__ = ["parse_single_sequence_example"]


def _sequence_specs(features: dict, what: str) -> list:
    """[(key, 'seq'|'sparse', dtype name, shape, allow_missing)], keys sorted."""
    out: list = []
    for key in sorted(features):
        f = features[key]
        if isinstance(f, FixedLenFeature) or not isinstance(
                f, (FixedLenSequenceFeature, VarLenFeature)):
            raise ValueError(f"{what}: sequence feature {key!r} must be a "
                             f"FixedLenSequenceFeature or a VarLenFeature, got "
                             f"{type(f).__name__}")
        dt = _dtypes.as_dtype(f.dtype).np
        if dt.name not in _KINDS:
            raise ValueError(f"{what}: Unsupported dtype {_dtypes.as_dtype(f.dtype).name} for "
                             f"feature {key!r}: use tf.string, tf.int64 or tf.float32")
        if isinstance(f, VarLenFeature):
            out.append((key, "sparse", dt.name, None, True))
            continue
        given: Any = f.shape
        shape = tuple(int(d) for d in ([given] if isinstance(given, int) else given))
        out.append((key, "seq", dt.name, shape, bool(f.allow_missing)))
    return out


def _sequence_values(lists: dict, specs: list) -> list:
    outs: list = []
    for key, kind, dt, shape, allow_missing in specs:
        fl = lists.get(key)
        steps = [] if fl is None else list(fl.feature)
        if fl is None and kind == "seq" and not allow_missing:
            raise InvalidArgumentError(
                None, None, f"Name: <unknown>, Feature list '{key}' is required but could not "
                "be found.  Did you mean to include it in feature_list_dense_missing_assumed_"
                "empty or feature_list_dense_defaults?")
        per = [list(_values(f, dt, key, t)) for t, f in enumerate(steps)]
        if kind == "seq":
            size = int(np.prod(shape))
            for t, v in enumerate(per):
                if len(v) != size:
                    raise InvalidArgumentError(
                        None, None, f"Name: <unknown>, Key: {key}, Index: {t}.  Number of "
                        f"{_tf(dt)} values != expected.  values size: {len(v)} but output "
                        f"shape: {list(shape)}")
            a = np.empty(len(per) * size, dtype=np.dtype(dt))
            a[:] = [x for v in per for x in v]
            outs.append(a.reshape((len(per),) + shape))
        else:
            idx = [(t, j) for t, v in enumerate(per) for j in range(len(v))]
            vals = np.empty(len(idx), dtype=np.dtype(dt))
            vals[:] = [x for v in per for x in v]
            outs += [np.asarray(idx, np.int64).reshape(len(idx), 2), vals,
                     np.asarray([len(per), max((len(v) for v in per), default=0)], np.int64)]
    return outs


def _parse_sequence_impl(serialized, *, context, sequence):
    data = serialized.item()
    try:
        ex = SequenceExample.FromString(data)
    except DecodeError:
        raise InvalidArgumentError(None, None, "Could not parse example input, value: "
                                   f"'{data[:64].decode('latin-1')}'") from None
    ctx = assemble([parse_features(dict(dict.items(ex.context.feature)), context, 0)],
                   context, True) if context else ()
    seq = _sequence_values(dict(dict.items(ex.feature_lists.feature_list)), sequence)
    return tuple(ctx) + tuple(seq)


register("ParseSequenceExample", _parse_sequence_impl)


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None) -> tuple:
    """``(context, sequences)``: dicts of tensors parsed from one serialized
    ``SequenceExample`` (a scalar string); see the module docstring.

    Example::

        >>> import dlcore_static as tf
        >>> ex = tf.train.SequenceExample()
        >>> ex.context.feature["n"].int64_list.value.append(2)
        >>> for t in range(2):
        ...     ex.feature_lists.feature_list["w"].feature.add().int64_list.value.append(t)
        >>> ctx, seq = tf.io.parse_single_sequence_example(
        ...     ex.SerializeToString(), {"n": tf.io.FixedLenFeature([], tf.int64)},
        ...     {"w": tf.io.FixedLenSequenceFeature([], tf.int64)})
        >>> with tf.Session() as sess:
        ...     sess.run([ctx["n"], seq["w"]])
        [np.int64(2), array([0, 1])]
    """
    what = "parse_single_sequence_example"
    cspecs = feature_specs(context_features, what) if context_features else []
    if any(kind == "seq" for _, kind, *_ in cspecs):
        raise ValueError(f"{what}: context features cannot be FixedLenSequenceFeatures")
    sspecs = _sequence_specs(sequence_features or {}, what)
    if not cspecs and not sspecs:
        raise ValueError(f"{what}: Missing features: give context_features or "
                         "sequence_features")
    t = to_tensor(serialized, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"{what}: serialized must be a tf.string tensor, got {t.dtype.name}")
    if not t.op.attrs.get("unknown_rank") and t.aval.shape != ():
        raise ValueError(f"{what}: serialized must be a scalar, got shape "
                         f"{list(t.aval.shape)}")
    avals: list = []
    for _key, kind, dt, shape, _ in cspecs:
        avals += [(shape, dt)] if kind == "dense" else \
            [((None, 1), np.int64), ((None,), dt), ((1,), np.int64)]
    for _key, kind, dt, shape, _ in sspecs:
        avals += [((None,) + shape, dt)] if kind == "seq" else \
            [((None, 2), np.int64), ((None,), dt), ((2,), np.int64)]
    op = host_op("ParseSequenceExample", [t], avals, {"context": cspecs, "sequence": sspecs},
                 name or "ParseSingleSequenceExample")
    outs = iter(op.outputs)

    def take(specs):
        return {key: SparseTensor(next(outs), next(outs), next(outs)) if kind == "sparse"
                else next(outs) for key, kind, *_ in specs}
    context = take(cspecs)
    return context, take(sspecs)
