"""``tf.string`` tensors and TensorFlow 1's string ops (``tf.strings.*`` and the TF1 spellings).

A ``tf.string`` tensor holds, at run time, a NumPy object array of Python ``bytes`` (what
TensorFlow's ``Session.run`` returns: ``b"abc"`` for a scalar, an object array otherwise).
Placeholders and constants of strings take ``str`` (encoded as UTF-8) or ``bytes``.

Design decision: the string ops run in Python/NumPy on the host, not as Numba kernels.  Their
values are variable-length ``bytes`` objects, which Numba cannot compile over, and these ops
parse records of an input pipeline once per element, where Python's own ``bytes`` methods,
``re`` and ``float()`` are the reference behaviour (and the cost per record is dominated by
object handling either way).  Each op is a graph-level *host op* (``host_ops.py``): pinned to
the CPU, no gradient (``tf.gradients`` returns None through them, as TensorFlow's string ops
are not differentiable), and left to the interpreter by the graph compiler (not folded,
merged, fused or compiled; the compiled segments around them still run compiled).

    lines = tf.placeholder(tf.string, [None])
    fields = tf.string_split(lines, ",")               # a SparseTensor of bytes
    n = tf.strings.to_number(tf.strings.substr(lines, 0, 2), tf.int32)

The ops: ``as_string``, ``string_to_number``/``strings.to_number``, ``string_split`` (char-set
delimiter, a SparseTensor) and ``strings.split`` (Python ``str.split`` semantics, a
SparseTensor), ``string_join``/``strings.join``, ``strings.length``, ``substr``/
``strings.substr``, ``strings.lower``/``upper``, ``regex_replace``, ``strings.strip``,
``reduce_join``/``strings.reduce_join``.  ``decode_raw``, ``decode_csv`` and the Example
parsers are in ``io/parsing.py``.
"""

from __future__ import annotations

import re

import numpy as np

from . import dtypes as _dtypes
from . import errors as _errors
from .frontend import STRING_PRIMS as _STRING_PRIMS
from .frontend import to_tensor
from .graph import Tensor, get_default_graph
from .host_ops import elementwise, host_op, out_shape, register
from .sparse import SparseTensor

OBJ = np.dtype(object)

__all__ = ["as_string", "reduce_join", "regex_replace", "string_join", "string_split",
           "string_to_number", "substr"]


def _string_input(x, what: str) -> Tensor:
    t = to_tensor(x, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"{what}: expected a tf.string tensor, got {t.dtype.name} ({t.name})")
    return t


def _unary(op_type: str, x, what: str, otype=OBJ, name=None, **attrs) -> Tensor:
    t = _string_input(x, what)
    op = host_op(op_type, [t], [(out_shape(t), otype)], attrs, name,
                 unknown_rank=bool(t.op.attrs.get("unknown_rank")))
    return op.outputs[0]


# ----------------------------------------------------------------------------- as_string
def _as_string_impl(x, *, fmt: str, kind: str):
    if kind == "b":
        return elementwise(lambda v: b"true" if v else b"false", x, OBJ)
    return elementwise(lambda v: (fmt % v).encode("ascii"), x, OBJ)


register("AsString", _as_string_impl)


def as_string(input, precision: int = -1, scientific: bool = False, shortest: bool = False,
              width: int = -1, fill: str = "", name=None) -> Tensor:
    """Each number as text, printf-style as TensorFlow: floats ``%f`` (``%e`` with
    ``scientific``, ``%g`` with ``shortest``), ``precision`` digits, padded to ``width`` with
    ``fill`` (``''``: spaces, or ``'0'``); bools ``true``/``false``.

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.as_string([1.5, 2.0], precision=2)).tolist()
        [b'1.50', b'2.00']
    """
    t = to_tensor(input, get_default_graph())
    kind = t.aval.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"Value for attr 'T' of {t.dtype.name} is not in the list of allowed "
                        "values: float, double, int32, int64, bool (as_string)")
    if len(fill) > 1:
        raise ValueError(f"Fill string must be one or fewer characters: {fill!r}")
    if scientific and shortest:
        raise ValueError("Cannot select both scientific and shortest notation")
    fmt = "%"
    if width > -1:
        fmt += f"{fill}{width}"
    if precision > -1:
        if kind != "f":
            raise ValueError(f"precision not supported for datatype {t.dtype.name}")
        fmt += f".{precision}"
    fmt += "d" if kind in "iu" else ("g" if shortest else "e" if scientific else "f")
    op = host_op("AsString", [t], [(out_shape(t), OBJ)], {"fmt": fmt, "kind": kind},
                 name or "AsString", unknown_rank=bool(t.op.attrs.get("unknown_rank")))
    return op.outputs[0]


# ----------------------------------------------------------------------------- to_number
_INT_RE = re.compile(rb"\s*[-+]?[0-9]+\s*")
_FLOAT_RE = re.compile(rb"\s*[-+]?(?:[0-9]+\.?[0-9]*(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?"
                       rb"[0-9]+)?|inf|infinity|nan)\s*", re.IGNORECASE)


def _to_number_impl(x, *, out: str):
    dt = np.dtype(out)
    is_int = dt.kind == "i"
    lo, hi = (int(np.iinfo(dt).min), int(np.iinfo(dt).max)) if is_int else (0, 0)

    def conv(s: bytes):
        pattern = _INT_RE if is_int else _FLOAT_RE
        if pattern.fullmatch(s) is None:
            raise _errors.InvalidArgumentError(
                None, None, f"StringToNumberOp could not correctly convert string: "
                            f"{s.decode('utf-8', 'replace')}")
        if is_int:
            v = int(s)
            if not lo <= v <= hi:
                raise _errors.InvalidArgumentError(
                    None, None, f"StringToNumberOp could not correctly convert string: "
                                f"{s.decode('utf-8', 'replace')}")
            return v
        return float(s)
    return elementwise(conv, x, dt)


register("StringToNumber", _to_number_impl)


def string_to_number(string_tensor, out_type=_dtypes.float32, name=None) -> Tensor:
    """Each string parsed as a number of ``out_type`` (float32, float64, int32, int64); a
    string that is not one is an ``InvalidArgumentError`` ("StringToNumberOp could not
    correctly convert string: abc").

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.strings.to_number(["1.5", "-2"])).tolist()
        [1.5, -2.0]
    """
    dt = _dtypes.as_dtype(out_type).np
    if dt not in (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int32),
                  np.dtype(np.int64)):
        raise TypeError(f"Value for attr 'out_type' of {_dtypes.as_dtype(out_type).name} is not "
                        "in the list of allowed values: float, double, int32, int64")
    return _unary("StringToNumber", string_tensor, "string_to_number", dt,
                  name or "StringToNumber", out=dt.name)


def to_number(input, out_type=_dtypes.float32, name=None) -> Tensor:
    """``tf.strings.to_number``: :func:`string_to_number`."""
    return string_to_number(input, out_type, name)


# ----------------------------------------------------------------------------- split
def _split_impl(x, *, mode: str, sep, skip_empty: bool = True, maxsplit: int = -1):
    if x.ndim != 1:
        raise _errors.InvalidArgumentError(None, None, f"input must be a vector, got shape: "
                                                       f"{list(x.shape)}")
    indices: list = []
    values: list = []
    width = 0
    for i, s in enumerate(x.tolist()):
        if mode == "chars":                    # string_split: each byte of sep delimits
            if sep == b"":
                parts = [s[k:k + 1] for k in range(len(s))]
            else:
                parts = re.split(b"[" + re.escape(sep) + b"]", s)
            if skip_empty:
                parts = [p for p in parts if p]
        else:                                  # strings.split: Python's str.split
            parts = s.split(sep, maxsplit) if sep is not None else s.split(None, maxsplit)
        width = max(width, len(parts))
        indices.extend((i, j) for j in range(len(parts)))
        values.extend(parts)
    ind = np.asarray(indices, dtype=np.int64).reshape(len(indices), 2)
    vals = np.empty(len(values), dtype=object)
    vals[:] = values
    return ind, vals, np.asarray([x.shape[0], width], dtype=np.int64)


register("StringSplit", _split_impl)


def _split_node(source, what: str, name, **attrs) -> SparseTensor:
    t = _string_input(source, what)
    shape = out_shape(t)
    if not t.op.attrs.get("unknown_rank") and len(shape) != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {len(shape)} for '{what}' with "
                         f"input shapes: {list(shape)}")
    op = host_op("StringSplit", [t],
                 [((None, 2), np.int64), ((None,), OBJ), ((2,), np.int64)], attrs,
                 name or what)
    return SparseTensor(*op.outputs)


def string_split(source, delimiter=" ", skip_empty: bool = True, name=None,
                 sep=None) -> SparseTensor:
    """TF1's ``tf.string_split``: each string of the vector ``source`` split at *every byte*
    of ``delimiter`` (an empty delimiter splits into single bytes), empty tokens dropped when
    ``skip_empty``; a ``SparseTensor`` of shape ``[len(source), max tokens]``.

    Example::

        >>> import dlcore_static as tf
        >>> st = tf.string_split(["a b", "c"])
        >>> with tf.Session() as sess:
        ...     v = sess.run(st)
        >>> v.values.tolist(), v.dense_shape.tolist()
        ([b'a', b'b', b'c'], [2, 2])
    """
    if sep is not None:
        delimiter = sep
    delim = _dtypes.as_bytes_array(delimiter, "string_split delimiter").item()
    return _split_node(source, "StringSplit", name, mode="chars", sep=delim,
                       skip_empty=bool(skip_empty))


def split(input=None, sep=None, maxsplit: int = -1, result_type: str = "SparseTensor",
          source=None, name=None) -> SparseTensor:
    """``tf.strings.split`` (TensorFlow 1.15): each string split as Python's ``str.split``
    (``sep=None``: runs of whitespace, ends stripped; otherwise the whole ``sep`` string, empty
    tokens kept), at most ``maxsplit`` times; a ``SparseTensor``.  ``result_type=
    "RaggedTensor"`` is not available (dlcore_static has no RaggedTensor)."""
    if source is not None:
        input = source
    if result_type != "SparseTensor":
        raise ValueError(f"tf.strings.split: result_type {result_type!r} is not supported; "
                         "dlcore_static returns a SparseTensor (result_type='SparseTensor')")
    s = None if sep is None else _dtypes.as_bytes_array(sep, "strings.split sep").item()
    if s == b"":
        raise ValueError("tf.strings.split: sep must not be empty (use None for whitespace)")
    return _split_node(input, "StringSplitV2", name, mode="python", sep=s,
                       maxsplit=int(maxsplit))


# ----------------------------------------------------------------------------- join
def _join_impl(*xs, separator: bytes):
    try:
        arrs = np.broadcast_arrays(*xs)
    except ValueError:
        shapes = ", ".join(str(list(x.shape)) for x in xs)
        raise _errors.InvalidArgumentError(None, None, f"Input shapes do not match: {shapes}")
    out = np.empty(arrs[0].shape, dtype=object)
    flat = out.reshape(-1)
    for i, parts in enumerate(zip(*[a.ravel().tolist() for a in arrs])):
        flat[i] = separator.join(parts)
    return out


register("StringJoin", _join_impl)


def string_join(inputs, separator="", name=None) -> Tensor:
    """Element-wise concatenation of a list of string tensors of one shape (scalars are
    broadcast), with ``separator`` between them.

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.strings.join([["a", "b"], "x"], separator="-")).tolist()
        [b'a-x', b'b-x']
    """
    ts = [_string_input(x, "string_join") for x in inputs]
    if not ts:
        raise ValueError("string_join: inputs must not be empty")
    shapes = {out_shape(t) for t in ts if out_shape(t) != ()}
    known = [s for s in shapes if None not in s]
    if len({len(s) for s in shapes}) > 1 or len(set(known)) > 1:
        raise ValueError(f"Input shapes do not match: "
                         f"{', '.join(str(list(out_shape(t))) for t in ts)} (string_join)")
    shape = max(shapes, key=lambda s: sum(d is not None for d in s)) if shapes else ()
    sep = _dtypes.as_bytes_array(separator, "string_join separator").item()
    return host_op("StringJoin", ts, [(shape, OBJ)], {"separator": sep},
                   name or "StringJoin").outputs[0]


join = string_join


# ----------------------------------------------------------------------------- length
def _length_impl(x, *, unit: str):
    if unit == "UTF8_CHAR":
        return elementwise(lambda s: len(s.decode("utf-8")), x, np.int32)
    return elementwise(len, x, np.int32)


register("StringLength", _length_impl)


def length(input, name=None, unit: str = "BYTE") -> Tensor:
    """The length of each string in bytes (``unit='UTF8_CHAR'``: in Unicode characters), int32."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")
    return _unary("StringLength", input, "strings.length", np.int32, name, unit=unit)


# ----------------------------------------------------------------------------- substr
def _substr_impl(x, pos, ln, *, unit: str):
    try:
        xs, ps, ls = np.broadcast_arrays(x, pos, ln)
    except ValueError:
        raise _errors.InvalidArgumentError(
            None, None, f"Substr: input, pos and len cannot be broadcast together: "
                        f"{list(x.shape)}, {list(pos.shape)}, {list(ln.shape)}") from None
    out = np.empty(xs.shape, dtype=object)
    flat = out.reshape(-1)
    for i, (s, p, n) in enumerate(zip(xs.ravel().tolist(), ps.ravel().tolist(),
                                      ls.ravel().tolist())):
        text = s.decode("utf-8") if unit == "UTF8_CHAR" else s
        size = len(text)
        if not -size <= p <= size:
            raise _errors.InvalidArgumentError(
                None, None, f"pos {p} out of range for string b'{s.decode('latin-1')}' at "
                            f"index {i}")
        if n < 0:
            raise _errors.InvalidArgumentError(None, None, f"len {n} must be non-negative "
                                                           f"(substr, index {i})")
        start = p if p >= 0 else size + p
        piece = text[start:start + n]
        flat[i] = piece.encode("utf-8") if unit == "UTF8_CHAR" else piece
    return out


register("Substr", _substr_impl)


def substr(input, pos, len, name=None, unit: str = "BYTE") -> Tensor:  # noqa: A002
    """``len`` bytes (or UTF-8 characters) of each string from ``pos`` (negative: from the
    end); ``pos`` and ``len`` are ints or integer tensors broadcast against ``input``.  A
    ``pos`` beyond the string is an ``InvalidArgumentError`` ("pos 5 out of range for string
    b'abc' at index 0"); a substring running past the end stops there.

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.strings.substr(["hello", "world"], 1, 3)).tolist()
        [b'ell', b'orl']
    """
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")
    t = _string_input(input, "substr")
    g = t.graph
    p = to_tensor(pos, g, np.dtype(np.int32))
    n = to_tensor(len, g, p.aval.dtype)
    for v, label in ((p, "pos"), (n, "len")):
        if v.aval.dtype.kind not in "iu":
            raise TypeError(f"substr: {label} must be an integer, got {v.dtype.name}")
    shape = out_shape(t) if out_shape(p) == () or out_shape(p) == out_shape(t) else \
        tuple(np.broadcast_shapes(tuple(d or 1 for d in out_shape(t)),
                                  tuple(d or 1 for d in out_shape(p))))
    return host_op("Substr", [t, p, n], [(shape, OBJ)], {"unit": unit},
                   name or "Substr").outputs[0]


# ----------------------------------------------------------------------------- case, strip
def _lower_impl(x, *, upper: bool, encoding: str):
    if encoding:
        f = (lambda s: s.decode(encoding).upper().encode(encoding)) if upper else \
            (lambda s: s.decode(encoding).lower().encode(encoding))
    else:
        f = bytes.upper if upper else bytes.lower
    return elementwise(f, x, OBJ)


register("StringLower", _lower_impl)
register("StringStrip", lambda x: elementwise(bytes.strip, x, OBJ))


def lower(input, encoding: str = "", name=None) -> Tensor:
    """Each string in lower case: ASCII letters only, or, with ``encoding='utf-8'``, Unicode."""
    return _unary("StringLower", input, "strings.lower", OBJ, name, upper=False,
                  encoding=encoding)


def upper(input, encoding: str = "", name=None) -> Tensor:
    """Each string in upper case: ASCII letters only, or, with ``encoding='utf-8'``, Unicode."""
    return _unary("StringLower", input, "strings.upper", OBJ, name or "StringUpper",
                  upper=True, encoding=encoding)


def strip(input, name=None) -> Tensor:
    """Each string without leading and trailing ASCII whitespace."""
    return _unary("StringStrip", input, "strings.strip", OBJ, name)


# ----------------------------------------------------------------------------- regex
def _regex_impl(x, *, pattern: bytes, rewrite: bytes, replace_global: bool):
    rx = re.compile(pattern)
    count = 0 if replace_global else 1
    return elementwise(lambda s: rx.sub(rewrite, s, count=count), x, OBJ)


register("RegexReplace", _regex_impl)


def regex_replace(input, pattern, rewrite, replace_global: bool = True, name=None) -> Tensor:
    """Each match of the regular expression ``pattern`` replaced by ``rewrite`` (``\\1`` refers
    to a group); only the first match unless ``replace_global``.  Python's ``re`` stands in
    for RE2 (they agree on the common syntax; RE2 has no backreferences in patterns)."""
    pat = _dtypes.as_bytes_array(pattern, "regex_replace pattern").item()
    rew = _dtypes.as_bytes_array(rewrite, "regex_replace rewrite").item()
    try:
        re.compile(pat)
    except re.error as e:
        raise ValueError(f"Invalid pattern: {pat.decode('utf-8', 'replace')}, error: {e}") \
            from None
    return _unary("RegexReplace", input, "regex_replace", OBJ, name, pattern=pat,
                  rewrite=rew, replace_global=bool(replace_global))


# ----------------------------------------------------------------------------- reduce_join
def _reduce_join_impl(x, *, axes, keepdims: bool, separator: bytes):
    nd = x.ndim
    ax = tuple(range(nd)) if axes is None else tuple(sorted(a % nd for a in axes))
    keep = [d for d in range(nd) if d not in ax]
    moved = np.transpose(x, keep + list(ax))
    n_keep = int(np.prod([x.shape[d] for d in keep], dtype=np.int64))
    rows = moved.reshape(n_keep, int(np.prod([x.shape[d] for d in ax], dtype=np.int64)))
    out = np.empty(rows.shape[0], dtype=object)
    for i, r in enumerate(rows.tolist()):
        out[i] = separator.join(r)
    shape = [x.shape[d] for d in keep] if not keepdims else \
        [1 if d in ax else x.shape[d] for d in range(nd)]
    return out.reshape(shape)


register("ReduceJoin", _reduce_join_impl)


def reduce_join(inputs, axis=None, keep_dims: bool = False, separator="", name=None,
                reduction_indices=None, keepdims=None) -> Tensor:
    """Join the strings along ``axis`` (None: all axes) with ``separator``.

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.reduce_join([["a", "b"], ["c", "d"]], axis=1)).tolist()
        [b'ab', b'cd']
    """
    t = _string_input(inputs, "reduce_join")
    if axis is None:
        axis = reduction_indices
    keep = bool(keep_dims if keepdims is None else keepdims)
    shape = out_shape(t)
    nd = len(shape)
    axes = None if axis is None else [int(a) for a in np.atleast_1d(axis)]
    if axes is not None:
        for a in axes:
            if not -nd <= a < nd:
                raise ValueError(f"Invalid reduction dimension {a} for input with {nd} "
                                 "dimensions (reduce_join)")
    red = set(range(nd)) if axes is None else {a % nd for a in axes}
    out = tuple(1 if d in red else shape[d] for d in range(nd)) if keep else \
        tuple(shape[d] for d in range(nd) if d not in red)
    sep = _dtypes.as_bytes_array(separator, "reduce_join separator").item()
    return host_op("ReduceJoin", [t], [(out, OBJ)], {"axes": axes, "keepdims": keep,
                                                     "separator": sep},
                   name or "ReduceJoin").outputs[0]


# ----------------------------------------------------------------------------- core ops
# tf.identity, tf.equal / tf.not_equal (==, != of strings, a bool tensor) and tf.add (string
# concatenation, TensorFlow's Add on strings) on tf.string tensors: host versions of the core
# primitives, whose Numba kernels are numeric only (frontend.STRING_PRIMS routes them here).
def _binary_impl(a, b, *, fn: str):
    return getattr(np, fn)(a, b).astype(OBJ if fn == "add" else np.bool_)


register("StringIdentity", lambda x: x.copy())
register("StringBinary", _binary_impl)


def _static_broadcast(a: tuple, b: tuple) -> tuple:
    out = []
    for i in range(max(len(a), len(b))):
        x = a[len(a) - 1 - i] if i < len(a) else 1
        y = b[len(b) - 1 - i] if i < len(b) else 1
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or y == x:
            out.append(x)
        else:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
    return tuple(reversed(out))


def _core_on_strings(prim, inputs, params) -> Tensor:
    from .frontend import type_name
    kind = prim.name
    if kind == "identity":
        return host_op("StringIdentity", inputs, [(out_shape(inputs[0]), OBJ)],
                       name="Identity").outputs[0]
    a, b = inputs
    if a.aval.dtype != OBJ or b.aval.dtype != OBJ:
        raise TypeError(f"Input 'y' of '{type_name(prim)}' Op has type {b.dtype.name} that "
                        f"does not match type {a.dtype.name} of argument 'x'.")
    try:
        shape = _static_broadcast(out_shape(a), out_shape(b))
    except ValueError as e:
        raise ValueError(f"{e} for '{type_name(prim)}' with input shapes: "
                         f"{list(out_shape(a))}, {list(out_shape(b))}.") from None
    return host_op("StringBinary", inputs, [(shape, OBJ if kind == "add" else np.bool_)],
                   {"fn": kind}, name=type_name(prim)).outputs[0]


for _name in ("identity", "equal", "not_equal", "add"):
    _STRING_PRIMS[_name] = _core_on_strings
