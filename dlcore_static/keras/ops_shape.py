"""``keras.ops`` array building, reshaping, sorting and indexing (Keras 3's
``keras.ops.numpy`` and ``keras.ops.core``), on graph tensors and NumPy values, with Keras 3's
signatures, defaults and dtypes (``argsort`` int32, ``linspace``/``eye`` float32, ``full`` of a
Python int int32)."""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from ..graph import Tensor
from .ops_base import FLOATX, axis_len, check, dname, pair, rank, result_type, t, tf

__all__ = ["argsort", "sort", "einsum", "pad", "repeat", "roll", "flip", "fliplr", "flipud",
           "broadcast_to", "full", "full_like", "eye", "identity", "linspace", "logspace",
           "geomspace", "moveaxis", "swapaxes", "take_along_axis", "ravel", "ndim", "size",
           "append", "hstack", "vstack", "dstack", "array_split", "hsplit", "vsplit", "dsplit",
           "diagonal", "trace", "tri", "outer", "inner", "dot", "vdot", "kron", "meshgrid",
           "rot90", "unstack", "empty", "empty_like", "copy", "array", "diff", "is_tensor",
           "dtype", "get_item", "slice", "slice_update", "scatter", "scatter_update",
           "searchsorted", "digitize", "select", "diag", "cross"]


def argsort(x, axis=-1):
    x = t(x)
    if axis is None:
        x, axis = tf().reshape(x, [-1]), 0
    if rank(x) == 0:
        x = tf().reshape(x, [1])
    return tf().argsort(x, axis=axis, stable=True)


def sort(x, axis=-1):
    x = t(x)
    if axis is None:
        x, axis = tf().reshape(x, [-1]), 0
    return tf().sort(x, axis=axis)


def einsum(subscripts, *operands, **kwargs):
    xs = [t(o) for o in operands]
    d = result_type(*[dname(x) for x in xs])
    return tf().einsum(subscripts, *[t(x, d) for x in xs])


def pad(x, pad_width, mode="constant", constant_values=None):
    x = t(x)
    mode = str(mode).lower()
    check(mode in ("constant", "reflect", "symmetric"), "pad",
          f"mode must be 'constant', 'reflect' or 'symmetric', got {mode!r}")
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when `mode == "
                         f"'constant'`. Received: mode={mode}")
    pw = np.asarray(pad_width, dtype=np.int64)
    if pw.ndim == 0:
        pw = np.full((rank(x), 2), int(pw))
    elif pw.ndim == 1:
        pw = np.broadcast_to(pw, (rank(x), 2))
    elif pw.shape[0] == 1 and rank(x) > 1:
        pw = np.broadcast_to(pw, (rank(x), 2))
    check(pw.shape == (rank(x), 2), "pad",
          f"pad_width of shape {pw.shape} does not fit an input of rank {rank(x)}")
    return tf().pad(x, pw.astype(np.int32).tolist(), mode=mode.upper(),
                    constant_values=0 if constant_values is None else constant_values)


def repeat(x, repeats, axis=None):
    x = t(x)
    if axis is None:
        x, axis = tf().reshape(x, [-1]), 0
    axis = int(axis) % builtins.max(rank(x), 1)
    n = x.shape.as_list()[axis]
    if isinstance(repeats, numbers.Integral) or np.ndim(repeats) == 0 and \
            not isinstance(repeats, Tensor):
        r = int(repeats)
        y = tf().expand_dims(x, axis + 1)
        mult = [1] * (rank(x) + 1)
        mult[axis + 1] = r
        y = tf().tile(y, mult)
        shape = tf().unstack(tf().shape(x), rank(x))
        new = [tf().cast(d, "int32") for d in shape]
        new[axis] = new[axis] * r
        return tf().reshape(y, tf().stack(new))
    reps = np.asarray(repeats, dtype=np.int64)
    check(n is None or reps.shape == (n,), "repeat",
          f"repeats of shape {reps.shape} for an axis of length {n}")
    idx = np.repeat(np.arange(len(reps)), reps).astype(np.int32)
    return tf().gather(x, idx, axis=axis)


def roll(x, shift, axis=None):
    x = t(x)
    if axis is None:
        flat = tf().roll(tf().reshape(x, [-1]), shift, 0)
        return tf().reshape(flat, tf().shape(x))
    return tf().roll(x, shift, axis)


def flip(x, axis=None):
    x = t(x)
    ax = list(range(rank(x))) if axis is None else \
        [axis] if isinstance(axis, numbers.Integral) else list(axis)
    return tf().reverse(x, ax) if ax else x


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def broadcast_to(x, shape):
    return tf().broadcast_to(t(x), shape)


def full(shape, fill_value, dtype=None):
    v = t(fill_value, dtype or FLOATX)
    return tf().broadcast_to(v, shape)


def full_like(x, fill_value, dtype=None):
    x = t(x)
    d = dtype or dname(x)
    return tf().fill(tf().shape(x), t(fill_value, d)) if rank(x) else t(fill_value, d)


def empty(shape, dtype=None):
    return tf().zeros(shape, dtype=tf().as_dtype(dtype or FLOATX))


def empty_like(x, dtype=None):
    x = t(x)
    return tf().zeros_like(x, dtype=tf().as_dtype(dtype or dname(x)))


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return tf().constant(np.eye(N, M, k, dtype=np.dtype(dtype or FLOATX)))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return tf().constant(np.tri(N, M, k, dtype=np.dtype(dtype or FLOATX)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    a, b = pair(start, stop, floating=True)
    dt = dtype or result_type(dname(a), dname(b), FLOATX)
    a, b = tf().cast(a, "float64"), tf().cast(b, "float64")
    div = (num - 1) if endpoint else num
    step = (b - a) / builtins.max(div, 1)
    i = tf().cast(tf().range(num), "float64")
    shape = [-1 if j == 0 else 1 for j in range(rank(a) + 1)]
    i = tf().reshape(i, shape)
    out = tf().expand_dims(a, 0) + i * tf().expand_dims(step, 0)
    if endpoint and num > 1:
        last = tf().expand_dims(b, 0) + tf().zeros_like(out[-1:])
        out = tf().concat([out[:-1], last], axis=0)
    if axis != 0:
        out = moveaxis(out, 0, axis)
    out = tf().cast(out, dt)
    return (out, tf().cast(step, dt)) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    e = linspace(start, stop, num, endpoint, dtype="float64", axis=axis)
    return tf().cast(tf().pow(tf().cast(base, "float64"), e), dtype or FLOATX)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    a = tf().cast(t(start), "float64")
    b = tf().cast(t(stop), "float64")
    e = linspace(tf().log(a), tf().log(b), num, endpoint, dtype="float64", axis=axis)
    return tf().cast(tf().exp(e), dtype or FLOATX)


def moveaxis(x, source, destination):
    x = t(x)
    nd = rank(x)
    src = [source] if isinstance(source, numbers.Integral) else list(source)
    dst = [destination] if isinstance(destination, numbers.Integral) else list(destination)
    src_i, dst_i = [int(s) % nd for s in src], [int(d) % nd for d in dst]
    order = [i for i in range(nd) if i not in src_i]
    for d, s in sorted(zip(dst_i, src_i)):
        order.insert(d, s)
    return tf().transpose(x, order)


def swapaxes(x, axis1, axis2):
    x = t(x)
    perm = list(range(rank(x)))
    a, b = int(axis1) % rank(x), int(axis2) % rank(x)
    perm[a], perm[b] = perm[b], perm[a]
    return tf().transpose(x, perm)


def take_along_axis(x, indices, axis=None):
    """NumPy's ``take_along_axis`` as Keras 3's TensorFlow backend builds it: the other axes
    of ``x`` and ``indices`` broadcast, negative indices count from the end, and a batched
    gather (``tf.gather(batch_dims=1)``) picks each row's entries: memory in the output's
    size, and an index out of range is the run's InvalidArgumentError ``indices[i,j] = 5 is
    not in [0, 4)``, as TensorFlow's."""
    x, idx = t(x), t(indices)
    check(idx.dtype.is_integer, "take_along_axis",
          f"indices must be integers, got {dname(idx)}")
    if axis is None:
        check(rank(idx) == 1, "take_along_axis",
              f"`indices` must be 1D if axis=None. Received: indices.shape="
              f"{tuple(idx.shape.as_list())}")
        x, axis = tf().reshape(x, [-1]), 0
    check(-rank(x) <= int(axis) < rank(x), "take_along_axis",
          f"Invalid axis: {axis} for input rank: {rank(x)}")
    axis = int(axis) % rank(x)
    check(rank(idx) == rank(x), "take_along_axis",
          f"indices of rank {rank(idx)} for an input of rank {rank(x)}")
    sx, si = x.shape.as_list(), idx.shape.as_list()
    for i, (a, b) in enumerate(zip(sx, si)):
        check(i == axis or a is None or b is None or a == b or 1 in (a, b), "take_along_axis",
              f"shapes {tuple(sx)} and {tuple(si)} do not broadcast outside axis {axis}")
    # the other axes of x and indices broadcast against each other (Keras 3: a dimension
    # known on either side where it is not 1, else the larger of the two when run)
    static = [b if i == axis or a == 1 else a if b in (1, None) else b
              for i, (a, b) in enumerate(zip(sx, si))]
    if any(a != b for i, (a, b) in enumerate(zip(sx, si)) if i != axis):
        full = [d if d is not None else tf().maximum(axis_len(x, i), axis_len(idx, i))
                for i, d in enumerate(static)]
        x = tf().broadcast_to(x, _dims(full[:axis] + [axis_len(x, axis)] + full[axis + 1:]))
        idx = tf().broadcast_to(idx, _dims(full[:axis] + [axis_len(idx, axis)] +
                                           full[axis + 1:]))
    n = tf().cast(axis_len(x, axis), idx.dtype)
    idx = tf().where(tf().less(idx, tf().zeros_like(idx)), idx + n, idx)
    last = axis == rank(x) - 1      # (already last: no transpose, which the interpreter
    # runs as an Identity copying x: a 40 MB copy of a 2000x5000 input)
    xm, im = (x, idx) if last else (moveaxis(x, axis, -1), moveaxis(idx, axis, -1))
    rows = tf().reshape(xm, [-1, axis_len(xm, -1)])
    picks = tf().reshape(im, [-1, axis_len(im, -1)])
    out = tf().reshape(tf().gather(rows, picks, batch_dims=1),
                       [axis_len(im, k) for k in range(rank(im))])
    out = out if last else moveaxis(out, -1, axis)
    out.set_shape(static)
    return out


def _dims(dims: list):
    """A shape of ints and scalar int32 tensors as one shape argument."""
    if all(isinstance(d, int) for d in dims):
        return dims
    return tf().stack([tf().constant(d, "int32") if isinstance(d, int) else
                       tf().cast(d, "int32") for d in dims])


def ravel(x):
    return tf().reshape(t(x), [-1])


def ndim(x):
    return rank(t(x))


def size(x):
    x = t(x)
    dims = x.shape.as_list()
    return int(np.prod(dims)) if builtins.all(d is not None for d in dims) else tf().size(x)


def append(x1, x2, axis=None):
    a, b = pair(x1, x2)
    if axis is None:
        return tf().concat([tf().reshape(a, [-1]), tf().reshape(b, [-1])], 0)
    return tf().concat([a, b], axis)


def _stack_like(xs, axis, min_rank):
    ts = [t(x) for x in xs]
    d = result_type(*[dname(x) for x in ts])
    out = []
    for x in ts:
        x = t(x, d)
        while rank(x) < min_rank:
            x = tf().expand_dims(x, 0 if rank(x) == 0 or min_rank == 2 else rank(x))
        out.append(x)
    return tf().concat(out, axis)


def hstack(xs):
    ts = [t(x) for x in xs]
    return _stack_like(ts, 0 if builtins.all(rank(x) <= 1 for x in ts) else 1, 1)


def vstack(xs):
    return _stack_like(xs, 0, 2)


def dstack(xs):
    ts = []
    for x in xs:
        x = t(x)
        if rank(x) == 0:
            x = tf().reshape(x, [1, 1, 1])
        elif rank(x) == 1:
            x = tf().reshape(x, [1, -1, 1])
        elif rank(x) == 2:
            x = tf().expand_dims(x, -1)
        ts.append(x)
    return _stack_like(ts, 2, 3)


def array_split(x, indices_or_sections, axis=0):
    x = t(x)
    n = x.shape.as_list()[axis]
    check(n is not None, "array_split", "the split axis must have a known length")
    k = int(indices_or_sections)
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    return tf().split(x, sizes, axis=axis)


def _split(x, ios, axis):
    """NumPy's split (as ``keras.ops.split``): equal sections or the cut indices."""
    if isinstance(ios, numbers.Integral):
        return tf().split(x, int(ios), axis=axis)
    n = x.shape.as_list()[axis]
    check(n is not None, "split", "the split axis must have a known length")
    cuts = [0] + [int(i) + n if int(i) < 0 else int(i) for i in ios] + [n]
    return tf().split(x, [b - a for a, b in zip(cuts[:-1], cuts[1:])], axis=axis)


def hsplit(x, indices_or_sections):
    x = t(x)
    return _split(x, indices_or_sections, 0 if rank(x) == 1 else 1)


def vsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 0)


def dsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 2)


def diagonal(x, offset=0, axis1=0, axis2=1):
    x = t(x)
    x = moveaxis(x, (axis1, axis2), (-2, -1))
    r, c = x.shape.as_list()[-2:]
    check(r is not None and c is not None, "diagonal", "the two axes need known lengths")
    rows = np.arange(builtins.max(0, -offset), r)
    cols = rows + offset
    keep = (cols >= 0) & (cols < c)
    flat = tf().reshape(x, tf().concat([tf().shape(x)[:-2], [r * c]], 0))
    return tf().gather(flat, (rows[keep] * c + cols[keep]).astype(np.int32), axis=-1)


def trace(x, offset=0, axis1=0, axis2=1):
    x = t(x)
    d = dname(x)
    out_d = "int32" if d in ("bool", "int8", "int16") else "uint32" if d in ("uint8", "uint16") \
        else d
    return tf().reduce_sum(t(diagonal(x, offset, axis1, axis2), out_d), axis=-1)


def diag(x, k=0):
    x = t(x)
    if rank(x) == 2:
        return diagonal(x, k)
    check(rank(x) == 1, "diag", f"input must be 1-D or 2-D, got shape {x.shape.as_list()}")
    n = x.shape.as_list()[0]
    check(n is not None, "diag", "the input needs a known length")
    m = n + builtins.abs(k)
    pos = np.arange(n) * m + np.arange(n) + (k if k > 0 else -k * m)
    return tf().reshape(tf().scatter_nd(pos.reshape(-1, 1).astype(np.int32), x, [m * m]),
                        [m, m])


def outer(x1, x2):
    a, b = pair(x1, x2)
    return tf().reshape(a, [-1, 1]) * tf().reshape(b, [1, -1])


def inner(x1, x2):
    a, b = pair(x1, x2)
    if rank(a) == 0 or rank(b) == 0:
        return a * b
    return tf().tensordot(a, b, [[rank(a) - 1], [rank(b) - 1]])


def dot(x1, x2):
    a, b = pair(x1, x2)
    if rank(a) == 0 or rank(b) == 0:
        return a * b
    if rank(b) == 1:
        return tf().tensordot(a, b, [[rank(a) - 1], [0]])
    return tf().tensordot(a, b, [[rank(a) - 1], [rank(b) - 2]])


def vdot(x1, x2):
    a, b = pair(x1, x2)
    return tf().reduce_sum(tf().reshape(a, [-1]) * tf().reshape(b, [-1]))


def kron(x1, x2):
    a, b = pair(x1, x2)
    nd = builtins.max(rank(a), rank(b))
    while rank(a) < nd:
        a = tf().expand_dims(a, 0)
    while rank(b) < nd:
        b = tf().expand_dims(b, 0)
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if None in sa + sb:             # (an unknown dimension, a batch: read when run)
        da, db = tf().shape(a), tf().shape(b)
        sa = [d if d is not None else da[i] for i, d in enumerate(sa)]
        sb = [d if d is not None else db[i] for i, d in enumerate(sb)]

    def to(dims):
        return dims if all(isinstance(d, int) for d in dims) else tf().stack(
            [tf().cast(d, "int32") if not isinstance(d, int) else tf().constant(d, "int32")
             for d in dims])
    ae = tf().reshape(a, to([v for d in sa for v in (d, 1)]))
    be = tf().reshape(b, to([v for d in sb for v in (1, d)]))
    return tf().reshape(ae * be, to([p * q for p, q in zip(sa, sb)]))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b = pair(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    check(a.shape.as_list()[-1] == 3 and b.shape.as_list()[-1] == 3, "cross",
          f"vectors of length 3 are supported, got shapes {a.shape.as_list()} and "
          f"{b.shape.as_list()}")
    a0, a1, a2 = tf().unstack(a, 3, axis=-1)
    b0, b1, b2 = tf().unstack(b, 3, axis=-1)
    c = tf().stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)


def meshgrid(*x, indexing="xy"):
    check(indexing in ("xy", "ij"), "meshgrid",
          f"indexing must be 'xy' or 'ij', got {indexing!r}")
    return tf().meshgrid(*[t(v) for v in x], indexing=indexing)


def rot90(array, k=1, axes=(0, 1)):
    x = t(array)
    check(rank(x) >= 2, "rot90", f"input must have rank >= 2, got {rank(x)}")
    a0, a1 = axes
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, [a0, a1])
    if k == 1:
        return swapaxes(flip(x, a1), a0, a1)
    return flip(swapaxes(x, a0, a1), a1)


def unstack(x, num=None, axis=0):
    return tf().unstack(t(x), num=num, axis=axis)


def copy(x):
    return tf().identity(t(x))


def array(x, dtype=None):
    return t(x, dtype)


def diff(a, n=1, axis=-1):
    x = t(a)
    for _ in range(n):
        x = tf().gather(x, tf().range(1, axis_len(x, axis)), axis=axis) - \
            tf().gather(x, tf().range(0, axis_len(x, axis) - 1), axis=axis)
    return x


def is_tensor(x):
    return isinstance(x, Tensor)


def dtype(x):
    return dname(t(x))


def get_item(x, key):
    return t(x)[key]


def slice(inputs, start_indices, shape):
    return tf().slice(t(inputs), start_indices, shape)


def slice_update(inputs, start_indices, updates):
    x = t(inputs)
    u = t(updates, dname(x))
    shape = [int(d) for d in u.shape.as_list()]
    start = [int(s) for s in start_indices]
    grids = np.meshgrid(*[np.arange(s, s + d) for s, d in zip(start, shape)], indexing="ij")
    idx = np.stack(grids, -1).astype(np.int32)
    return tf().tensor_scatter_nd_update(x, idx, u)


def scatter(indices, values, shape):
    v = t(values)
    return tf().scatter_nd(t(indices, "int32"), v, shape)


def scatter_update(inputs, indices, updates):
    x = t(inputs)
    return tf().tensor_scatter_nd_update(x, t(indices, "int32"), t(updates, dname(x)))


def searchsorted(sorted_sequence, values, side="left"):
    check(side in ("left", "right"), "searchsorted",
          f"side must be 'left' or 'right', got {side!r}")
    s, v = pair(sorted_sequence, values)
    check(rank(s) == 1, "searchsorted",
          f"sorted_sequence must be 1-D, got shape {s.shape.as_list()}")
    flat = tf().reshape(v, [1, -1])
    out = tf().searchsorted(tf().expand_dims(s, 0), flat, side=side, out_type=np.int32)
    return tf().reshape(out, tf().shape(v))


def digitize(x, bins):
    x, b = t(x), t(bins)
    return searchsorted(b, x, side="right")


def select(condlist, choicelist, default=0):
    check(len(condlist) == len(choicelist), "select",
          f"condlist and choicelist must have the same length, got {len(condlist)} and "
          f"{len(choicelist)}")
    ts = [t(c) for c in choicelist]
    d = result_type(*[dname(c) for c in ts])
    out = t(default, d)
    for c, v in reversed(list(zip(condlist, ts))):
        v = t(v, d)
        c = tf().cast(t(c), "bool")
        shape = tf().broadcast_dynamic_shape(tf().shape(c), tf().shape(v)) \
            if hasattr(tf(), "broadcast_dynamic_shape") else tf().shape(v)
        out = tf().where(tf().broadcast_to(c, shape), tf().broadcast_to(v, shape),
                         tf().broadcast_to(out, shape))
    return out
