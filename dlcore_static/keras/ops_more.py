"""More of Keras 3's ``keras.ops``: NaN-skipping quantiles, ``histogram``, ``unique``,
``unfold``/``fold`` (PyTorch's, NCHW), ``associative_scan``, ``jvp``, ``rearrange`` (einops'
axis patterns), ``ctc_loss``/``ctc_decode`` and ``lu_factor``, on the static engine's graph ops
as Keras 3's TensorFlow backend builds them (the values match Keras 3's NumPy backend).

Sizes that depend on the data (``unique``'s) are unknown dimensions of the graph, filled when
run; ``size=`` pads or cuts them to a fixed length as Keras 3 does.
"""

from __future__ import annotations

import re

import numpy as np

from .ops_base import FLOATX, axis_len, check, dname, rank, t, tf, to_float
from .ops_shape import moveaxis, take_along_axis

__all__ = ["nanquantile", "nanpercentile", "nanmedian", "histogram", "unique", "unfold", "fold",
           "associative_scan", "jvp", "rearrange", "ctc_loss", "ctc_decode", "lu_factor"]


# -- quantiles that skip NaN
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """NumPy's ``nanquantile``: each slice's quantile over its non-NaN values (NaN for an
    all-NaN slice); methods linear, lower, higher, midpoint, nearest."""
    check(method in ("linear", "lower", "higher", "midpoint", "nearest"), "nanquantile",
          f"method must be one of linear, lower, higher, midpoint, nearest; got {method!r}")
    x = to_float(x)
    nd = rank(x)
    ax = list(range(nd)) if axis is None else sorted(
        int(a) % nd for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
    rest = [i for i in range(nd) if i not in ax]
    y = tf().transpose(x, rest + ax)
    inner = y.shape.as_list()[len(rest):]
    check(None not in inner, "nanquantile", "the reduced axes must be known when the graph "
                                            f"is built, got shape {tuple(x.shape.as_list())}")
    n = int(np.prod(inner))
    outer = [axis_len(y, i) for i in range(len(rest))]
    y = tf().reshape(y, _dims(outer + [n]))
    nan = tf().is_nan(y)
    y = tf().sort(tf().where(nan, tf().ones_like(y) * np.inf, y), axis=-1)   # (NaN last)
    count = tf().reduce_sum(tf().cast(tf().logical_not(nan), dname(x)), axis=-1,
                            keepdims=True)                       # (..., 1)
    qa = np.asarray(q, dtype=np.float64)
    check(bool(np.all((qa >= 0) & (qa <= 1))), "nanquantile",
          f"Quantiles must be in the range [0, 1], got {q}")
    qs = tf().constant(qa.reshape(-1).astype(dname(x)))
    pos = qs * tf().maximum(count - 1, tf().zeros_like(count))   # (..., k)
    lo, hi = tf().floor(pos), tf().ceil(pos)
    if method == "lower":
        hi = lo
    elif method == "higher":
        lo = hi
    elif method == "nearest":
        lo = hi = tf().round(pos)
    frac = tf().zeros_like(pos) if method in ("lower", "higher", "nearest") else \
        tf().where(tf().greater(hi, lo), tf().ones_like(pos) * 0.5, tf().zeros_like(pos)) \
        if method == "midpoint" else pos - lo
    a = take_along_axis(y, tf().cast(lo, "int32"), axis=-1)
    b = take_along_axis(y, tf().cast(hi, "int32"), axis=-1)
    out = a + (b - a) * frac
    out = tf().where(tf().equal(count + tf().zeros_like(out), 0),
                     tf().ones_like(out) * np.nan, out)
    if keepdims:
        out = tf().reshape(out, _dims(outer + [1] * len(ax) + [qa.size]))
        out = moveaxis(out, -1, 0)
        perm = list(np.argsort(rest + ax))
        out = tf().transpose(out, [0] + [1 + p for p in perm])
    else:
        out = moveaxis(out, -1, 0)
    if qa.ndim == 0:
        return out[0]
    return tf().reshape(out, _dims(list(qa.shape) + [axis_len(out, i)
                                                     for i in range(1, rank(out))]))


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    qa = np.asarray(q, dtype=np.float64)    # (Keras' words: percentiles, not quantiles)
    check(bool(np.all((qa >= 0) & (qa <= 100))), "nanpercentile",
          f"Percentiles must be in the range [0, 100], got {q}")
    return nanquantile(x, np.asarray(q, dtype=np.float64) / 100.0, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return nanquantile(x, 0.5, axis, "linear", keepdims)


def _dims(dims: list):
    if all(isinstance(d, (int, np.integer)) for d in dims):
        return [int(d) for d in dims]
    return tf().stack([tf().constant(int(d), "int32") if isinstance(d, (int, np.integer))
                       else tf().cast(d, "int32") for d in dims])


# -- histogram and unique
def histogram(x, bins=10, range=None):  # noqa: A002 - Keras 3's name
    """NumPy's ``histogram`` of a 1-D tensor: ``bins`` equal bins over ``range`` (the data's
    min and max by default, widened by 0.5 each side when equal); the last bin includes its
    right edge.  Returns (counts int64, edges float32), as Keras 3's NumPy backend."""
    x = t(x)
    check(rank(x) == 1, "histogram", f"Input tensor must be 1-dimensional. Received: "
                                     f"input.shape={tuple(x.shape.as_list())}")
    bins = int(bins)
    check(bins >= 1, "histogram", f"Argument `bins` must be a positive integer. Received: "
                                  f"bins={bins}")
    v = tf().cast(x, "float64")
    if range is None:
        lo, hi = tf().reduce_min(v), tf().reduce_max(v)
        same = tf().equal(lo, hi)
        lo = tf().where(same, lo - 0.5, lo)
        hi = tf().where(same, hi + 0.5, hi)
    else:
        check(len(range) == 2 and float(range[0]) <= float(range[1]), "histogram",
              f"max must be larger than min in range parameter, got range={range}")
        a, b = float(range[0]), float(range[1])
        if a == b:
            a, b = a - 0.5, b + 0.5
        lo, hi = tf().constant(a, "float64"), tf().constant(b, "float64")
    edges = lo + (hi - lo) * tf().constant(np.linspace(0.0, 1.0, bins + 1))
    idx = tf().cast(tf().floor((v - lo) * (bins / (hi - lo))), "int32")
    idx = tf().minimum(idx, bins - 1)                   # (the right edge: the last bin)
    # NumPy's corrections where rounding put a value beside its bin
    left = tf().gather(edges, tf().clip_by_value(idx, 0, bins))
    idx = tf().where(tf().less(v, left), idx - 1, idx)
    right = tf().gather(edges, tf().clip_by_value(idx + 1, 0, bins))
    idx = tf().where(tf().logical_and(tf().greater_equal(v, right), tf().less(idx, bins - 1)),
                     idx + 1, idx)
    inside = tf().logical_and(tf().greater_equal(v, lo), tf().less_equal(v, hi))
    seg = tf().where(inside, idx, tf().fill(tf().shape(idx), bins))
    counts = tf().math.unsorted_segment_sum(tf().ones_like(seg, dtype="int64"), seg, bins + 1)
    return counts[:bins], tf().cast(edges, dname(x) if dname(x).startswith("float") else FLOATX)


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
           size=None, fill_value=None):
    """NumPy's ``unique`` of the flattened tensor, sorted (their number is an unknown
    dimension; ``size`` pads with ``fill_value`` (0) or cuts it, as Keras 3); with the inverse
    (each element's index among them, ``x``'s shape) and the counts when asked, int32."""
    check(axis is None, "unique", f"axis={axis} is not supported: unique values of the "
                                  "flattened tensor (axis=None)")
    del sorted                                          # (always sorted, as NumPy)
    x = t(x)
    flat = tf().reshape(x, [-1])
    vals, _, counts = tf().unique_with_counts(tf().sort(flat))
    inverse = tf().searchsorted(vals, flat, side="left")
    if size is not None:
        size = int(size)
        fill = tf().cast(tf().constant(0 if fill_value is None else fill_value), dname(x))
        vals = tf().concat([vals, tf().fill([size], fill)], 0)[:size]
        counts = tf().concat([counts, tf().zeros([size], counts.dtype)], 0)[:size]
    out = [vals]
    if return_inverse:
        out.append(tf().reshape(inverse, tf().shape(x)) if rank(x) else inverse[0])
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


# -- PyTorch's unfold/fold (NCHW): constant index maps
def _pair2(v, name: str, op: str) -> tuple:
    v = (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(int(u) for u in v)
    check(len(v) == 2, op, f"{name} must be an int or a pair, got {v}")
    return v


def _patch_index(hw: tuple, kernel_size, dilation, padding, stride, op: str):
    (kh, kw), (dh, dw) = _pair2(kernel_size, "kernel_size", op), _pair2(dilation, "dilation", op)
    (ph, pw), (sh, sw) = _pair2(padding, "padding", op), _pair2(stride, "stride", op)
    hp, wp = hw[0] + 2 * ph, hw[1] + 2 * pw
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    check(oh >= 1 and ow >= 1, op, f"a {kh}x{kw} kernel (dilation {dh},{dw}) does not fit a "
                                   f"{hp}x{wp} padded input")
    r = (np.arange(kh)[:, None, None, None] * dh + np.arange(oh)[None, None, :, None] * sh)
    c = (np.arange(kw)[None, :, None, None] * dw + np.arange(ow)[None, None, None, :] * sw)
    return (r * wp + c).reshape(kh * kw, oh * ow), (ph, pw), (hp, wp), kh * kw


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's ``unfold`` of an NCHW tensor: (N, C * kh * kw, L), the blocks' values in
    the order channel, kernel row, kernel column."""
    x = t(x)
    check(rank(x) == 4 and None not in x.shape.as_list()[1:], "unfold",
          f"an (N, C, H, W) input with C, H, W known, got {tuple(x.shape.as_list())}")
    _, c, h, w = x.shape.as_list()
    idx, (ph, pw), (hp, wp), k = _patch_index((h, w), kernel_size, dilation, padding, stride,
                                              "unfold")
    if ph or pw:
        x = tf().pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]])
    flat = tf().reshape(x, _dims([axis_len(x, 0), c, hp * wp]))
    blocks = tf().gather(flat, idx.astype("int32"), axis=2)        # (N, C, k, L)
    return tf().reshape(blocks, _dims([axis_len(x, 0), c * k, idx.shape[1]]))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's ``fold``: the inverse arrangement of ``unfold`` (N, C * kh * kw, L) ->
    (N, C, H, W), overlapping values summed."""
    x = t(x)
    hw = _pair2(output_size, "output_size", "fold")
    idx, (ph, pw), (hp, wp), k = _patch_index(hw, kernel_size, dilation, padding, stride,
                                              "fold")
    check(rank(x) == 3 and x.shape.as_list()[1] is not None and
          x.shape.as_list()[1] % k == 0 and x.shape.as_list()[2] == idx.shape[1], "fold",
          f"an (N, C * {k}, {idx.shape[1]}) input for output_size={hw}, got "
          f"{tuple(x.shape.as_list())}")
    c = x.shape.as_list()[1] // k
    n = axis_len(x, 0)
    v = tf().transpose(tf().reshape(x, _dims([n, c, k * idx.shape[1]])), [2, 0, 1])
    summed = tf().math.unsorted_segment_sum(v, tf().constant(idx.reshape(-1).astype("int32")),
                                            hp * wp)                 # (Hp*Wp, N, C)
    out = tf().reshape(tf().transpose(summed, [1, 2, 0]), _dims([n, c, hp, wp]))
    return out[:, :, ph:ph + hw[0], pw:pw + hw[1]]


# -- scans and derivatives
def associative_scan(f, elems, reverse=False, axis=0):
    """JAX's ``associative_scan``: the prefix combination ``f(a, b)`` of ``elems`` (a tensor
    or a structure of tensors) along ``axis``, in log2(n) rounds of ``f`` on shifted slices
    (``f`` must be associative and work on whole slices)."""
    from . import tree
    leaves = [t(v) for v in tree.flatten(elems)]
    check(bool(leaves), "associative_scan", "elems holds no tensor")
    ax = int(axis) % rank(leaves[0])
    n = leaves[0].shape.as_list()[ax]
    check(n is not None and all(v.shape.as_list()[int(axis) % rank(v)] == n for v in leaves),
          "associative_scan", "every element needs the same known length along axis "
                              f"{axis}, got {[tuple(v.shape.as_list()) for v in leaves]}")

    def cut(v, a, b):
        key = [slice(None)] * rank(v)
        key[ax] = slice(a, b)
        return v[tuple(key)]
    if reverse:
        leaves = [tf().reverse(v, [ax]) for v in leaves]
    off = 1
    while off < n:
        first = tree.pack_sequence_as(elems, [cut(v, 0, n - off) for v in leaves])
        second = tree.pack_sequence_as(elems, [cut(v, off, n) for v in leaves])
        both = [t(v) for v in tree.flatten(f(first, second))]
        check(len(both) == len(leaves), "associative_scan",
              "f must return the structure of its arguments")
        leaves = [tf().concat([cut(v, 0, off), b], ax) for v, b in zip(leaves, both)]
        off *= 2
    if reverse:
        leaves = [tf().reverse(v, [ax]) for v in leaves]
    return tree.pack_sequence_as(elems, leaves)


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode derivative (JAX's ``jvp``): ``(fun(*primals), J @ tangents)``, built
    from two reverse passes (the derivative of the vector-Jacobian product with respect to
    its cotangent), ``(out, tangent_out, aux)`` with ``has_aux``."""
    from . import tree
    check(isinstance(primals, (list, tuple)) and isinstance(tangents, (list, tuple)) and
          len(primals) == len(tangents), "jvp",
          "primals and tangents must be tuples of the same length")
    xs = [t(p) for p in primals]
    ts = [t(v, dname(x)) for v, x in zip(tangents, xs)]
    res = fun(*xs)
    out, aux = res if has_aux else (res, None)
    ys = [t(y) for y in tree.flatten(out)]
    us = [tf().zeros_like(y) for y in ys]           # (the cotangent, a variable of the vjp)
    gs = tf().gradients(ys, xs, grad_ys=us)
    pairs = [(g, v) for g, v in zip(gs, ts) if g is not None]
    if pairs:
        outs = tf().gradients([g for g, _ in pairs], us, grad_ys=[v for _, v in pairs])
    else:
        outs = [None] * len(us)
    touts = [o if o is not None else tf().zeros_like(y) for o, y in zip(outs, ys)]
    result = (out, tree.pack_sequence_as(out, touts))
    return result + (aux,) if has_aux else result


# -- einops' rearrange
_TOKENS = re.compile(r"\w+|\([\w\s]*\)")


def rearrange(tensor, pattern, **axes_lengths):
    """einops' ``rearrange`` as Keras 3: ``"b (h w) c -> b h w c"`` with the lengths of
    decomposed axes given (``h=4``) or inferred (one per group): a reshape, a transpose, a
    reshape."""
    x = t(tensor)
    check(isinstance(pattern, str) and "->" in pattern, "rearrange",
          f"a pattern 'in -> out' is required, got {pattern!r}")
    left, right = (s.strip() for s in pattern.split("->", 1))
    ins, outs = _TOKENS.findall(left), _TOKENS.findall(right)
    check(len(ins) == rank(x), "rearrange", f"the pattern {left!r} names {len(ins)} axes; "
                                            f"the input has {rank(x)}")
    groups_in = [g.strip("()").split() for g in ins]
    groups_out = [g.strip("()").split() for g in outs]
    names_in = [a for g in groups_in for a in g]
    names_out = [a for g in groups_out for a in g]
    check(sorted(names_in) == sorted(names_out) and len(set(names_in)) == len(names_in),
          "rearrange", f"each axis must appear once on each side of {pattern!r}")
    lengths = {k: int(v) for k, v in axes_lengths.items()}
    for i, g in enumerate(groups_in):
        dim = axis_len(x, i)
        if len(g) == 1 and g[0] not in lengths:
            lengths[g[0]] = dim
            continue
        unknown = [a for a in g if a not in lengths]
        check(len(unknown) <= 1, "rearrange", f"could not infer sizes for {unknown}")
        if unknown:
            known = int(np.prod([lengths[a] for a in g if a != unknown[0]]))
            lengths[unknown[0]] = dim // known
    y = tf().reshape(x, _dims([lengths[a] for a in names_in]))
    perm = [names_in.index(a) for a in names_out]
    if perm != sorted(perm):
        y = tf().transpose(y, perm)
    sizes = []
    for g in groups_out:
        s = 1
        for a in g:
            s = s * lengths[a]
        sizes.append(s)
    return tf().reshape(y, _dims(sizes))


# -- CTC
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Keras 3's ``ctc_loss``: ``output`` (batch, time, classes) logits (log-softmax taken),
    ``target`` (batch, max_label) labels, their lengths; the blank class ``mask_index``."""
    output = to_float(output)
    dt = dname(output)
    loss = tf().nn.ctc_loss_v2(tf().cast(t(target), "int32"), tf().cast(output, "float32"),
                               tf().cast(t(target_length), "int32"),
                               tf().cast(t(output_length), "int32"),
                               logits_time_major=False, blank_index=int(mask_index))
    return tf().cast(loss, dt)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Keras 3's ``ctc_decode``: (decoded (top_paths, batch, time) int32 padded with -1,
    scores), greedy or beam search, the blank class ``mask_index``."""
    x = to_float(inputs)
    check(rank(x) == 3, "ctc_decode", f"inputs (batch, time, classes), got "
                                      f"{tuple(x.shape.as_list())}")
    shape = tf().shape(x)
    x = tf().transpose(x, [1, 0, 2])
    lengths = tf().cast(t(sequence_lengths), "int32")
    if strategy == "greedy":
        decoded, scores = tf().nn.ctc_greedy_decoder(x, lengths, merge_repeated=merge_repeated,
                                                     blank_index=mask_index)
    elif strategy == "beam_search":
        m = int(mask_index) % int(x.shape.as_list()[-1])
        x = tf().concat([x[..., :m], x[..., m + 1:], x[..., m:m + 1]], axis=-1)
        decoded, scores = tf().nn.ctc_beam_search_decoder_v2(x, lengths, beam_width=beam_width,
                                                             top_paths=top_paths)
    else:
        raise ValueError(f"keras.ops.ctc_decode: Invalid strategy {strategy}. Supported values "
                         "are 'greedy' and 'beam_search'.")
    dense = []
    for st in decoded:
        sp = tf().SparseTensor(st.indices, st.values, tf().cast(shape[:2], "int64"))
        dense.append(tf().cast(tf().sparse.to_dense(sp, default_value=-1), "int32"))
    out = tf().stack(dense, axis=0)
    if strategy == "beam_search":
        out = tf().where(tf().greater_equal(out, m), out + 1, out)
    return out, scores


def lu_factor(x):
    """SciPy's ``lu_factor`` (as Keras 3's NumPy and JAX backends): the packed LU of partial
    pivoting and the row swaps ``pivots`` (int32; row i was swapped with row pivots[i]),
    from ``tf.linalg.lu``'s permutation."""
    x = to_float(x)
    check(rank(x) >= 2 and x.shape.as_list()[-1] is not None and
          x.shape.as_list()[-1] == x.shape.as_list()[-2], "lu_factor",
          f"square matrices of known size, got {tuple(x.shape.as_list())}")
    lu, perm = tf().linalg.lu(x)
    n = int(x.shape.as_list()[-1])
    # the swaps that apply perm: at step i, the row now holding perm[i] moves to i
    cur = tf().zeros_like(perm) + tf().range(n, dtype=perm.dtype)
    piv = []
    for i in range(n):          # (n steps of the graph: matrices of a known, modest size)
        want = perm[..., i]
        j = tf().argmax(tf().cast(tf().equal(cur, want[..., None]), "int32"), axis=-1,
                        output_type="int32")
        at_j = tf().equal(tf().range(n, dtype="int32"), tf().cast(j, "int32")[..., None])
        at_i = tf().equal(tf().range(n, dtype="int32"), i) & tf().ones_like(cur, dtype="bool")
        cur = tf().where(at_j, tf().zeros_like(cur) + cur[..., i:i + 1], cur)
        cur = tf().where(at_i, tf().zeros_like(cur) + want[..., None], cur)
        piv.append(j)
    return lu, tf().stack(piv, axis=-1)
