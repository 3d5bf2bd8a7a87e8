"""Keras's attention layers on the static engine (Keras 3's computations):

    Attention          scores = q k^T (times a learned scalar ``scale`` with use_scale;
                       ``score_mode='concat'``: sum(tanh(q_i + k_j)) * scale)
    AdditiveAttention  scores = sum(scale * tanh(q_i + k_j), -1)  (``scale``: a learned vector
                       with use_scale)
    both               masked scores (value mask, causal mask) get -1e9 added, weights =
                       softmax(scores) over the keys, output = weights v, multiplied by the
                       query mask; called on ``[query, value]`` or ``[query, value, key]``
    MultiHeadAttention per head h: Q_h = q W_q[:, h] + b, K_h, V_h alike;
                       A_h = softmax(Q_h K_h^T / sqrt(key_dim)); out = sum_h (A_h V_h) W_o[h] + b_o
                       (``attention_mask`` (B, T, S): 0 entries are masked)

``dropout`` drops attention weights while training (Keras 3: Attention/AdditiveAttention
return the weights after dropout, MultiHeadAttention before), with the layer's ``seed``.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlcore import ops as _ops

from .. import constraints, regularizers
from ..engine import Layer
from . import _arg_checks as _checks
from .core import dropout

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]


def _bt(x):
    """Swap the last two axes."""
    nd = x.aval.ndim
    return _ops.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _apply(layer, scores, v, q_mask, v_mask, causal, return_scores, training):
    big = 65504.0 if scores.aval.dtype == np.float16 else 1e9
    keep = None
    if v_mask is not None:
        keep = _ops.expand_dims(_ops.cast(v_mask, np.bool_), -2)           # (B, 1, S)
    if causal:
        t, s = scores.aval.shape[-2], scores.aval.shape[-1]
        tri = np.tril(np.ones((t, s), bool))
        keep = tri if keep is None else _ops.logical_and(keep, tri)
    if keep is not None:
        pad = _ops.cast(_ops.logical_not(keep), scores.aval.dtype)
        scores = _ops.sub(scores, _ops.mul(pad, big))
    w = dropout(_ops.softmax(scores, -1), layer.dropout, layer.seed, training)
    out = _ops.matmul(w, v)
    if q_mask is not None:
        out = _ops.mul(out, _ops.expand_dims(_ops.cast(q_mask, out.aval.dtype), -1))
    return [out, w] if return_scores else out


class _BaseAttention(Layer):
    def __init__(self, use_scale=False, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.dropout, self.seed = _checks.rate(dropout), seed
        self.supports_masking = True

    def _scores(self, q, k):
        raise NotImplementedError

    def _split(self, inputs, mask):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{type(self).__name__} layer must be called on a list of inputs, "
                             "namely [query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) == 3 else v
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None, None]
        return q, v, k, masks[0], masks[1] if len(masks) > 1 else None

    def call(self, inputs, mask=None, return_attention_scores=False, use_causal_mask=False,
             training=None):
        q, v, k, q_mask, v_mask = self._split(inputs, mask)
        return _apply(self, self._scores(q, k), v, q_mask, v_mask, use_causal_mask,
                      return_attention_scores, training)

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else None


class Attention(_BaseAttention):
    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of {{'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)
        self.score_mode = score_mode

    def build(self, input_shape) -> None:
        self.scale = self.add_weight("scale", (), initializer="ones") if self.use_scale \
            else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (),
                                                   initializer="ones") \
            if self.score_mode == "concat" else None
        self.built = True

    def _scores(self, q, k):
        if self.score_mode == "dot":
            s = _ops.matmul(q, _bt(k))
            return _ops.mul(s, self.scale) if self.scale is not None else s
        qe, ke = _ops.expand_dims(q, -2), _ops.expand_dims(k, -3)
        if self.scale is not None:
            t = _ops.tanh(_ops.mul(_ops.add(qe, ke), self.scale))
        else:
            t = _ops.tanh(_ops.add(qe, ke))
        return _ops.mul(_ops.sum(t, -1), self.concat_score_weight)


class AdditiveAttention(_BaseAttention):
    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape) -> None:
        dim = input_shape[0][-1]
        self.scale = self.add_weight("scale", (int(dim),), initializer="glorot_uniform") \
            if self.use_scale else None
        self.built = True

    def _scores(self, q, k):
        t = _ops.tanh(_ops.add(_ops.expand_dims(q, -2), _ops.expand_dims(k, -3)))
        if self.scale is not None:
            t = _ops.mul(t, self.scale)
        return _ops.sum(t, -1)


def _positive_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) > 0


class MultiHeadAttention(Layer):
    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        if attention_axes in (1, [1], (1,), -2, [-2], (-2,)):
            attention_axes = None       # (the default over a (batch, time, features) query,
        if attention_axes is not None or output_shape is not None:  # Keras 3 files' [1])
            raise NotImplementedError("MultiHeadAttention: attention_axes and output_shape are "
                                      "not supported")
        for arg, v in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim)):
            if (v is not None or arg != "value_dim") and not _positive_int(v):
                # Keras 3's checks (key_dim=0 raised ZeroDivisionError in the scores' scale)
                raise ValueError(f"Received an invalid value for argument `{arg}`, expected a "
                                 f"positive integer{' or `None`' if arg == 'value_dim' else ''}"
                                 f". Received: {arg}={v}")
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.use_bias = use_bias
        self._inits = (kernel_initializer, bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = (regularizers.get(kernel_regularizer),
                                                          regularizers.get(bias_regularizer))
        self.kernel_constraint, self.bias_constraint = (constraints.get(kernel_constraint),
                                                        constraints.get(bias_constraint))
        self.dropout, self.seed = _checks.rate(dropout), seed
        self.supports_masking = True    # (Keras 3: the inputs' masks join attention_mask)

    def compute_mask(self, inputs, mask=None):
        """Keras 3's: the output's mask is the query's."""
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def _weight(self, name, shape, kind):
        k = kind == "kernel"
        return self.add_weight(name, shape, initializer=self._inits[0 if k else 1],
                               regularizer=self.kernel_regularizer if k else
                               self.bias_regularizer,
                               constraint=self.kernel_constraint if k else self.bias_constraint)

    def _proj(self, name, d_in, per_head):
        h = self.num_heads
        w = self._weight(f"{name}/kernel", (d_in, h, per_head), "kernel")
        b = self._weight(f"{name}/bias", (h, per_head), "bias") if self.use_bias else None
        return w, b

    def build(self, input_shape) -> None:
        qs, vs = input_shape[0], input_shape[1]
        ks = input_shape[2] if len(input_shape) > 2 else vs
        self.query_dense = self._proj("query", int(qs[-1]), self.key_dim)
        self.key_dense = self._proj("key", int(ks[-1]), self.key_dim)
        self.value_dense = self._proj("value", int(vs[-1]), self.value_dim)
        self.output_kernel = self._weight("attention_output/kernel",
                                          (self.num_heads, self.value_dim, int(qs[-1])), "kernel")
        self.output_bias = self._weight("attention_output/bias", (int(qs[-1]),), "bias") \
            if self.use_bias else None
        from .._history import unique_layer_name     # Keras 3 builds a Softmax and a Dropout
        unique_layer_name("softmax")                 # layer here: they take these names
        unique_layer_name("dropout")
        self.built = True

    @staticmethod
    def _project(x, wb):
        from ...array_api import tensordot
        w, b = wb
        y = tensordot(x, w, [[x.aval.ndim - 1], [0]])                  # (B, T, H, D)
        return _ops.add(y, b) if b is not None else y

    def __call__(self, query, value=None, key=None, **kwargs):  # type: ignore[override]
        if value is None:                        # (called on a list, as any Keras layer)
            return super().__call__(query, **kwargs)
        inputs = [query, value] + ([key] if key is not None else [])
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, attention_mask=None, return_attention_scores=False,
             use_causal_mask=False, training=None, mask=None, query_mask=None,
             value_mask=None, key_mask=None):
        """``query_mask``/``value_mask``/``key_mask`` (Keras 3's, (B, T) / (B, S)) stand for
        the Keras masks the inputs carry (``mask``: query's, value's, key's)."""
        from ...array_api import tensordot
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        if any(m is not None for m in (query_mask, value_mask, key_mask)):
            auto = list(mask) if isinstance(mask, (list, tuple)) else [mask, None, None]
            auto += [None] * (3 - len(auto))
            mask = [e if e is not None else a
                    for e, a in zip((query_mask, value_mask, key_mask), auto)]
        qh = _ops.transpose(self._project(q, self.query_dense), (0, 2, 1, 3))   # (B, H, T, D)
        kh = _ops.transpose(self._project(k, self.key_dense), (0, 2, 1, 3))
        vh = _ops.transpose(self._project(v, self.value_dense), (0, 2, 1, 3))
        scores = _ops.matmul(_ops.mul(qh, 1.0 / float(np.sqrt(self.key_dim))), _bt(kh))
        keep = None
        if attention_mask is not None:
            keep = _ops.cast(attention_mask, np.bool_)                         # (B, T, S)
        masks = list(mask) if isinstance(mask, (list, tuple)) else []
        for i, m in enumerate(masks[:3]):       # Keras masks of query (B, T), value, key (B, S)
            if m is None:
                continue
            m = _ops.cast(m, np.bool_)
            m = _ops.expand_dims(m, -1) if i == 0 else _ops.expand_dims(m, -2)
            keep = m if keep is None else _ops.logical_and(keep, m)
        if keep is not None:
            keep = _ops.expand_dims(keep, 1)                                     # (B, 1, T, S)
        if use_causal_mask:
            t, s = scores.aval.shape[-2], scores.aval.shape[-1]
            tri = np.tril(np.ones((t, s), bool))
            keep = tri if keep is None else _ops.logical_and(keep, tri)
        if keep is not None:
            scores = _ops.where(keep, scores, _ops.full_like(scores, -1e9))
        w = _ops.softmax(scores, -1)
        wd = dropout(w, self.dropout, self.seed, training)     # (the scores returned: w)
        ctx = _ops.transpose(_ops.matmul(wd, vh), (0, 2, 1, 3))                 # (B, T, H, Dv)
        out = tensordot(ctx, self.output_kernel, [[2, 3], [0, 1]])
        if self.output_bias is not None:
            out = _ops.add(out, self.output_bias)
        return [out, w] if return_attention_scores else out
