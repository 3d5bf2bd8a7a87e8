"""Attention in PyTorch's ``torch.nn.functional`` spelling: ``scaled_dot_product_attention``
(the adapter of dlcore's composite of the same name: it draws the dropout mask) and
``multi_head_attention_forward`` (what ``nn.MultiheadAttention`` runs), with PyTorch 2.x's
mask conventions:

* ``F.scaled_dot_product_attention``: a bool ``attn_mask`` is True where a key *takes part*;
  a float mask is added to the scores; a row with no key left gives zeros.
* ``multi_head_attention_forward``: a bool ``attn_mask``/``key_padding_mask`` is True where a
  key is *ignored* (turned into a float mask of -inf by ``_canonical_mask``); with
  ``need_weights=True`` the weights are an ordinary softmax (a fully masked row is NaN, as in
  PyTorch), otherwise the scores go through ``scaled_dot_product_attention``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating
from dlcore.ops import attention as _attention

from ..tensor import Tensor

_BOOL = np.dtype(bool)


def _is_float(t: Tensor) -> bool:
    return is_floating(t._buf.dtype)


def _dropout_mask(shape: tuple, p: float, like: Tensor) -> Tensor:
    """``keep / (1 - p)`` with ``keep ~ Bernoulli(1 - p)`` from the default generator, drawn as
    PyTorch's dropout draws it (``bernoulli_(1 - p)``: a double uniform per element)."""
    from ..creation import _engine
    n = int(np.prod(shape, dtype=np.int64))
    u = _engine(None).bernoulli_scalar(n, 1.0 - p).reshape(shape)
    keep = u / (1.0 - p) if p < 1.0 else np.zeros(shape)
    m = Tensor._wrap(keep.astype(like._buf.dtype))
    return m.cuda() if like.is_cuda else m


#: Which of PyTorch's attention backends ``nn.attention.sdpa_kernel`` leaves enabled: dlcore
#: computes every one of them with the same maths; PyTorch on the CPU has the math and flash
#: kernels only, so a CPU call with both switched off fails there, and here, with its error.
SDPA_ENABLED = {"MATH": True, "FLASH_ATTENTION": True, "EFFICIENT_ATTENTION": True,
                "CUDNN_ATTENTION": True, "OVERRIDEABLE": True}


def _check_backends(query: Tensor) -> None:
    viable = ("MATH", "FLASH_ATTENTION") if not query.is_cuda else \
        ("MATH", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION")
    if not any(SDPA_ENABLED[b] for b in viable):
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This "
                           "is likely due to turning off both the math kernel and the fused "
                           "kernels.")


#: (L, S, dtype) -> the causal bias as a host array (read-only): made once per shape; bounded
_CAUSAL: dict = {}


def _causal_mask(query: Tensor, key: Tensor) -> Tensor:
    """The top-left-aligned causal mask over (L, S): a bool keep-mask, or for float queries of
    one dtype with key and value (and L, S >= 1) the -inf/0 bias the op would add."""
    shape = (query.shape[-2], key.shape[-2])
    d = query._buf.dtype
    if d.kind == "f" and d.itemsize >= 4 and key._buf.dtype == d and all(shape):
        k = (shape, d)
        bias = _CAUSAL.get(k)
        if bias is None:
            if len(_CAUSAL) > 64:
                _CAUSAL.clear()
            bias = np.where(np.tril(np.ones(shape, bool)), d.type(0), d.type(-np.inf))
            bias.flags.writeable = False
            _CAUSAL[k] = bias
        mask = Tensor._wrap(bias)
    else:
        mask = Tensor._wrap(np.tril(np.ones(shape, bool)))
    return mask.cuda() if query.is_cuda else mask


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` with dropout on the weights
    (``dropout_p`` applies whenever it is positive: this function has no training flag)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be "
                            f"Tensor, not {type(t).__name__}")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError("scaled_dot_product_attention(): argument 'attn_mask' must be Tensor, "
                        f"not {type(attn_mask).__name__}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if not all(SDPA_ENABLED.values()):
        _check_backends(query)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    if is_causal:
        # the causal mask as a constant made here on the host (the op would build it from
        # cumsums of ones: four more ops per call, and no ONNX conversion for cumsum); for
        # float scores, the additive bias the op would make of it (0 kept, -inf masked) in
        # their dtype: one add per call instead of a where, a cast and an add (issue 19)
        attn_mask, is_causal = _causal_mask(query, key), False
        empty_rows = False                   # row i keeps keys 0..i
    else:
        empty_rows = True
    dmask = None
    if dropout_p > 0.0:
        batch = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]))
        dmask = _dropout_mask(tuple(batch) + (query.shape[-2], key.shape[-2]), dropout_p,
                              query)
    if not enable_gqa and (attn_mask is None or not empty_rows):
        out = _lanes(query, key, value, attn_mask, scale, dmask)
        if out is not None:
            return out
    return _attention.scaled_dot_product_attention(query, key, value, attn_mask, is_causal,
                                                   scale, enable_gqa, dmask, empty_rows)


_LANE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _lanes(query: Tensor, key: Tensor, value: Tensor, mask, scale, dmask) -> Tensor | None:
    """The op's steps for CPU query, key and value of one float32/float64 dtype with equal
    batch dimensions (a float additive mask that broadcasts to the scores, or none; no row
    left empty: the caller's test), each through the eager lanes (the Tensor methods) instead
    of ``bind``: the same primitives, kernels and order, so the same values and gradients
    (nanoGPT's causal attention, (4, 2, 16, 16): 148 -> ~65 us, issue 19).  None, having
    done nothing, for anything else: the op then runs."""
    bq, bk, bv = query._buf, key._buf, value._buf
    d = bq.dtype
    if type(bq) is not np.ndarray or type(bk) is not np.ndarray or \
            type(bv) is not np.ndarray or d not in _LANE_DTYPES or bk.dtype != d or \
            bv.dtype != d or bq.ndim < 2 or bq.shape[:-2] != bk.shape[:-2] or \
            bk.shape[:-2] != bv.shape[:-2] or bq.shape[-1] != bk.shape[-1] or \
            bk.shape[-2] != bv.shape[-2]:
        return None
    if mask is not None:
        mb = mask._buf
        shape = bq.shape[:-1] + (bk.shape[-2],)
        if type(mb) is not np.ndarray or mb.dtype != d or mb.ndim > len(shape) or \
                any(m != 1 and m != n for m, n in zip(mb.shape[::-1], shape[::-1])):
            return None                 # (not of the dtype, or not broadcast to the scores)
    e = bq.shape[-1]
    if scale is None:
        scale = 1.0 / math.sqrt(e) if e else 1.0
    s = (query @ key.transpose(-2, -1)) * float(scale)
    if mask is not None:
        s = s + mask
    p = s.softmax(-1)
    if dmask is not None:
        p = p * dmask
    return p @ value


# ----------------------------------------------------------------------------- masks
def _none_or_dtype(input: Tensor | None):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str,
                    target_type, check_other: bool = True) -> Tensor | None:
    """A bool mask (True = ignore) as a float mask of ``target_type`` (-inf where True, 0
    elsewhere); a float mask as it is.  Warns, as PyTorch, when the two masks' types differ."""
    if mask is None:
        return None
    kind = mask._buf.dtype.kind
    if kind != "b" and not is_floating(mask._buf.dtype):
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", UserWarning, stacklevel=3)
    if kind == "b":
        from ..creation import zeros_like
        return zeros_like(mask, dtype=target_type).masked_fill(mask, float("-inf"))
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be "
                                 f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                 "instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to "
                                 f"be 2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D "
                                 "tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D "
                                     "tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but "
                                         f"got {attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


# ----------------------------------------------------------------------------- projections
def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    # (w.t(): the tensor's transpose lane, the same node as _ops.transpose at a third of its
    # cost; four per attention call, issue 19)
    return _ops.linear(x, w.t() if w.ndim == 2 else _ops.transpose(w), b)


def _in_projection_packed(q, k, v, w, b=None):
    """PyTorch's packed in-projection: one matmul for self-attention, two when key is value.
    (Self-attention returns the whole projection three times: the caller slices it.)"""
    e = q.shape[-1]
    if k is v:
        if q is k:
            proj = _linear(q, w, b)
            return proj, proj, proj
        b_q, b_kv = (None, None) if b is None else (b[:e], b[e:])
        kv = _linear(k, w[e:], b_kv)
        return _linear(q, w[:e], b_q), kv[..., :e], kv[..., e:]
    bs = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    return (_linear(q, w[:e], bs[0]), _linear(k, w[e:2 * e], bs[1]),
            _linear(v, w[2 * e:], bs[2]))


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """PyTorch's ``F.multi_head_attention_forward``: inputs (L, N, E) (or unbatched (L, E));
    returns the output (L, N, E) and, with ``need_weights``, the attention weights (N, L, S),
    or (N, H, L, S) when ``average_attn_weights=False``."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None         # the hint: SDPA applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, "
                                 "k_proj_weight or v_proj_weight is None")
        e = embed_dim
        bs = (None, None, None) if in_proj_bias is None else (
            in_proj_bias[:e], in_proj_bias[e:2 * e], in_proj_bias[2 * e:])
        q = _linear(query, q_proj_weight, bs[0])
        k = _linear(key, k_proj_weight, bs[1])
        v = _linear(value, v_proj_weight, bs[2])
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    # Self-attention straight into SDPA: the packed projection (L, N, 3E) is viewed as
    # (3, N, H, L, hd) and q, k, v are views of it (no copies, a third of the reshapes).
    heads4 = None
    if (not need_weights and not use_separate_proj_weight and query is key and key is value
            and bias_k is None and not add_zero_attn and static_k is None and static_v is None):
        heads4 = q.reshape(tgt_len, bsz, 3, num_heads, head_dim).permute(2, 1, 3, 0, 4)
    elif q is k:                                     # the packed self-attention projection
        e = embed_dim
        q, k, v = q[..., :e], q[..., e:2 * e], q[..., 2 * e:]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k is set but bias_v is None" if bias_v is None
                             else "bias_v is set but bias_k is None")
    if bias_k is not None and bias_v is not None:       # (both or neither: checked above)
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key.")
        from .._shape_ops import cat
        k = cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.expand(1, bsz, embed_dim)])
        if attn_mask is not None:
            attn_mask = _ops.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = _ops.pad(key_padding_mask, (0, 1))
    bh = bsz * num_heads
    if heads4 is not None:
        src_len = tgt_len
    else:
        q, k, v, src_len = _heads(q, k, v, static_k, static_v, bh, head_dim, add_zero_attn)
    if add_zero_attn:
        if attn_mask is not None:
            attn_mask = _ops.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = _ops.pad(key_padding_mask, (0, 1))
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len) \
            .reshape(bh, 1, src_len)
        attn_mask = kpm if attn_mask is None else _ops.add(attn_mask, kpm)
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = _ops.matmul(_ops.mul(q, math.sqrt(1.0 / head_dim)), _ops.matrix_transpose(k))
        if attn_mask is not None:
            scores = _ops.add(scores, attn_mask)
        weights = _ops.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = _ops.mul(weights, _dropout_mask(tuple(weights.shape), dropout_p,
                                                      weights))
        out = _ops.matmul(weights, v)                                     # (B*H, L, hd)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    if heads4 is not None:
        q, k, v = heads4[0], heads4[1], heads4[2]
    else:
        q = q.reshape(bsz, num_heads, tgt_len, head_dim)
        k = k.reshape(bsz, num_heads, src_len, head_dim)
        v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _heads(q, k, v, static_k, static_v, bh: int, head_dim: int, add_zero_attn: bool):
    """q, k, v as (N*H, L, hd) (k and v from ``static_k``/``static_v`` when given, with a zero
    key and value appended with ``add_zero_attn``), and the keys' length."""
    from ..creation import zeros
    q = q.reshape(q.shape[0], bh, head_dim).transpose(0, 1)
    k = _static(static_k, bh, head_dim, "k") if static_k is not None else \
        k.reshape(k.shape[0], bh, head_dim).transpose(0, 1)
    v = _static(static_v, bh, head_dim, "v") if static_v is not None else \
        v.reshape(v.shape[0], bh, head_dim).transpose(0, 1)
    if add_zero_attn:
        from .._shape_ops import cat
        k = cat([k, zeros(bh, 1, head_dim, dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros(bh, 1, head_dim, dtype=v.dtype, device=v.device)], dim=1)
    return q, k, v, k.shape[1]


def _static(t: Tensor, bh: int, head_dim: int, which: str) -> Tensor:
    if t.shape[0] != bh:
        raise AssertionError(f"expecting static_{which}.size(0) of {bh}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting static_{which}.size(2) of {head_dim}, but got "
                             f"{t.shape[2]}")
    return t
