"""Scaled dot-product attention, a composite of primitives (no kernel, no vjp of its own)::

    s = q k^T * scale                         (scale = 1 / sqrt(E) unless given)
    s = s + where(keep, 0, -inf)              keep: a bool mask (True = takes part) and/or the
                                              causal mask tril(ones(L, S)), top-left aligned
    s = s + attn_mask                         a float mask is added
    p = softmax(s, -1), 0 on a row with no key left (PyTorch's safe softmax for SDPA)
    p = p * dropout_mask                      (keep / (1 - p), drawn by the front end)
    out = p v

``query`` (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev): any leading batch
dimensions, broadcast as matmul broadcasts them; the mask broadcasts to (..., L, S).
``enable_gqa``: grouped-query attention, the key/value heads (axis -3) repeated to the query's.
The gradient comes from matmul, softmax and where.  Randomness stays in the front end: the
eager ``F.scaled_dot_product_attention`` draws ``dropout_mask`` from its generator.
"""

from __future__ import annotations

import math

from .. import dtypes as _dt
from ..api import exports
from ..errors import ShapeError
from ..registry import aval_of
from .composites import softmax
from .elementwise import add, cast, equal, full_like, less_equal, mul, sub, where
from .linalg import matmul
from .reduce import max_
from .shape import matrix_transpose


def _causal_keep(s):
    """``col <= row`` over the last two axes of ``s`` (an (L, S) bool made on s's device)."""
    from .indexing import getitem
    from .scan import cumsum
    nd = aval_of(s).ndim
    plane = getitem(s, (0,) * (nd - 2)) if nd > 2 else s
    ones = full_like(plane, 1, _dt.int64)
    row, col = cumsum(ones, 0), cumsum(ones, 1)
    return less_equal(sub(col, row), 0)


@exports({"torch.nn.functional": "scaled_dot_product_attention"}, "attention")
def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False,
                                 dropout_mask=None, empty_rows: bool = True):
    """``softmax(q k^T * scale + mask) v`` (see the module docstring for the masks).
    ``empty_rows=False``: the caller knows every row keeps a key (a causal mask passed as
    ``attn_mask``), so the zeroing of empty rows is skipped."""
    op = "scaled_dot_product_attention"
    sq, sk, sv = (tuple(aval_of(t).shape) for t in (query, key, value))
    if min(len(sq), len(sk), len(sv)) < 2:
        raise ShapeError(op, "query, key and value must have at least 2 dimensions",
                         [sq, sk, sv])
    if sq[-1] != sk[-1]:
        raise ShapeError(op, f"query's last dimension ({sq[-1]}) must equal key's "
                         f"({sk[-1]})", [sq, sk, sv])
    if sk[-2] != sv[-2]:
        raise ShapeError(op, f"key and value must have the same sequence length (dimension "
                         f"-2), got {sk[-2]} and {sv[-2]}", [sq, sk, sv])
    if enable_gqa and len(sq) >= 3 and len(sk) >= 3 and sq[-3] != sk[-3]:
        hq, hk = sq[-3], sk[-3]
        if hk == 0 or hq % hk or sk[-3] != sv[-3]:
            raise ShapeError(op, f"enable_gqa: the query's {hq} heads must be a multiple of "
                             f"the key's and value's {hk}", [sq, sk, sv])
        from .shape_extra import repeat_interleave
        key = repeat_interleave(key, hq // hk, len(sk) - 3)
        value = repeat_interleave(value, hq // hk, len(sv) - 3)
    if scale is None:
        scale = 1.0 / math.sqrt(sq[-1]) if sq[-1] else 1.0
    s = mul(matmul(query, matrix_transpose(key)), float(scale))
    keep = _causal_keep(s) if is_causal else None      # (PyTorch refuses both: its adapter)
    masked = False            # causal alone leaves every row its first key: no empty row
    if attn_mask is not None:
        masked = True
        if aval_of(attn_mask).dtype.kind == "b":
            if keep is None:
                keep = attn_mask
            else:
                from .math_composites import logical_and
                keep = logical_and(keep, attn_mask)
        else:
            s = add(s, attn_mask)
    if keep is not None:
        # an additive bias made at the mask's (small) shape: an add's gradient is g itself,
        # where a where over the scores would run two wheres on (..., L, S) backward; in the
        # scores' dtype (a float32 bias would promote bfloat16 scores, PyTorch's stay bfloat16)
        bias = where(keep, 0.0, float("-inf"))
        if aval_of(bias).dtype != aval_of(s).dtype:
            bias = cast(bias, aval_of(s).dtype)
        s = add(s, bias)
    if masked and empty_rows:
        # a row whose every key is masked gives zeros (and a zero gradient), not NaN
        dead = equal(max_(s, -1, keepdims=True), float("-inf"))
        p = where(dead, 0.0, softmax(where(dead, 0.0, s), -1))
    else:
        p = softmax(s, -1)
    if dropout_mask is not None:
        p = mul(p, dropout_mask)
    return matmul(p, value)
