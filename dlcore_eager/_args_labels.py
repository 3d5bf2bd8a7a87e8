"""PyTorch's grad_fn for calls of ``_api``'s ``args`` convention whose last recorded node is not
the node PyTorch shows: ``round``'s two overloads (RoundBackward0 / RoundBackward1), and a
16-bit input's layer or group norm with float32 weights, whose core composite casts the input
up and the result back (PyTorch's mixed-dtype kernel: one NativeLayerNormBackward0 /
NativeGroupNormBackward0 node with the input's, weight's and bias's edges)."""

from __future__ import annotations

from dlcore import dtypes as _dt

from ._graph import labelled

_MIXED_NORMS = {"layer_norm": "NativeLayerNormBackward0", "group_norm": "NativeGroupNormBackward0"}


def named(name: str, call):
    """``call(x, a, kw)`` (the convention's call of ``name``) with its result's node named as
    PyTorch's where they differ; ``call`` itself for every other name."""
    if name == "round":
        def rounded(x, a, kw):
            return labelled(call(x, a, kw), "RoundBackward1" if a or kw else "RoundBackward0",
                            x, edges=(x,))
        return rounded
    label = _MIXED_NORMS.get(name)
    if label is None:
        return call

    def norm(x, a, kw):
        out = call(x, a, kw)
        if x._buf.dtype not in _dt.HALF:
            return out
        w = a[1] if len(a) > 1 else kw.get("weight")
        b = a[2] if len(a) > 2 else kw.get("bias")
        return labelled(out, label, x, edges=(x, w, b))
    return norm
