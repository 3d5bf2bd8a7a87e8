"""More of PyTorch 2.13's ``grad_fn._saved_*`` attributes, each read from what the node already
holds (no cost when recording; computed when read):

* ``_saved_self_sym_sizes`` (the input's shape) of ``SumBackward0/1``, ``ExpandBackward0``,
  ``SqueezeBackward0/1``, ``SelectBackward0``, ``SliceBackward0``, ``SplitBackward0`` and a
  reshape's ``ViewBackward0``; with ``_saved_self_sym_numel`` of ``MeanBackward0/1``;
  ``SumBackward1._saved_keepdim``;
* ``ConvolutionBackward0``'s ``_saved_stride``, ``_saved_padding``, ``_saved_dilation``,
  ``_saved_groups``, ``_saved_transposed``, ``_saved_output_padding``,
  ``_saved_bias_sym_sizes_opt`` and its tensors ``_saved_input``/``_saved_weight`` (PyTorch's
  errors once backward freed them or an in-place change made them stale);
* ``LinalgVectorNormBackward0``'s ``_saved_ord``, ``_saved_dim``, ``_saved_keepdim`` of
  ``torch.norm``/``Tensor.norm``/``linalg.vector_norm``/``linalg.norm`` of a vector norm
  (``install`` wraps them: the call's values into the node's ``shown`` record, as the
  composites' in ``_shown_saved``).

A name PyTorch's node lacks stays an AttributeError; a value dlcore cannot know exactly (a
dim as the caller wrote it, once normalised) is not shown rather than shown wrong."""

from __future__ import annotations

import math

from . import _shown_saved
from ._graph import ERR_BACKWARD_TWICE, Node, shown_name
from .tensor import stale_tensor

_SHAPE_OF_INPUT = {
    "SumBackward0": "sum", "SumBackward1": "sum", "ExpandBackward0": "broadcast_to",
    "SqueezeBackward0": "squeeze", "SqueezeBackward1": "squeeze",
    "SelectBackward0": "getitem", "SliceBackward0": "getitem", "SplitBackward0": "getitem",
    "ViewBackward0": "reshape",
}
_CONV = ("conv", "conv_bias", "conv_transpose")


def _missing(node, what: str) -> AttributeError:
    return AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")


def _input(node, i: int):
    """``node``'s input ``i`` as PyTorch unpacks a saved tensor."""
    if node.inputs is None:
        raise RuntimeError(ERR_BACKWARD_TWICE)
    t = node.inputs[i]
    if t._vc[0] != node.versions[i]:
        raise RuntimeError(stale_tensor(t, node.versions[i], None, current=True)._msg)
    return t


def _mean_input_shape(node):
    """A mean's node is the div of a sum of the input: that sum's input shape."""
    if node.prim.name != "div" or not node.parents or node.parents[0] is None:
        return None
    s = node.parents[0]
    if getattr(s, "prim", None) is None or s.prim.name != "sum" or s.inputs is None:
        return None
    return tuple(s.inputs[0].shape)


_ALL = ("slice", None, None, None)


def _one_step(idx) -> bool:
    """An index that is one of PyTorch's select/slice nodes (``x[1, 2]`` is two)."""
    return sum(1 for k in idx if k != _ALL) <= 1


def _self_sym_sizes(node):
    name = node.name()
    prim = _SHAPE_OF_INPUT.get(name)
    if prim is not None and node.prim.name == prim and node.inputs is not None and (
            prim != "getitem" or _one_step(node.params["idx"])):
        return tuple(node.inputs[0].shape)
    if name in ("MeanBackward0", "MeanBackward1"):
        shape = _mean_input_shape(node)
        if shape is not None:
            return shape
    return None


def _conv_node(node):
    """The convolution primitive's node behind PyTorch's ConvolutionBackward0 (the node
    itself: conv, conv_bias, conv_transpose; or the conv under its bias's add)."""
    if node.name() != "ConvolutionBackward0":
        return None
    if node.prim.name in _CONV:
        return node
    if node.prim.name == "add" and node.parents and node.parents[0] is not None and \
            getattr(node.parents[0], "prim", None) is not None and \
            node.parents[0].prim.name in _CONV:
        return node.parents[0]
    return None


def _conv_value(node, conv, what: str):
    p = conv.params
    transposed = conv.prim.name == "conv_transpose"
    if what == "stride":
        return tuple(p["strides"])
    if what == "padding":
        pads = p["padding"]
        if isinstance(pads, str) or any(lo != hi for lo, hi in pads):
            raise _missing(node, what)          # (asymmetric: not one PyTorch would save)
        return tuple(lo for lo, _ in pads)
    if what == "dilation":
        return tuple(p["dilation"])
    if what == "groups":
        return p["groups"]
    if what == "transposed":
        return transposed
    if what == "output_padding":
        if not transposed:
            return (0,) * len(p["strides"])
        if conv.inputs is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        x, w = conv.inputs
        k = w.shape[2:]
        return tuple(int(o - ((i - 1) * s - 2 * pad[0] + d * (kk - 1) + 1))
                     for o, i, s, pad, d, kk in zip(conv.shape[2:], x.shape[2:], p["strides"],
                                                    p["padding"], p["dilation"], k))
    if what == "bias_sym_sizes_opt":
        if conv.prim.name == "conv_bias":            # (one bias per output channel)
            return (int(conv.shape[1]),)
        if node is conv:
            return (0,)
        return (int(node.inputs[1].shape[0]),) if node.inputs is not None else (0,)
    if what == "input":
        return _input(conv, 0)
    if what == "weight":
        return _input(conv, 1)
    raise _missing(node, what)


_CONV_NAMES = ("stride", "padding", "dilation", "groups", "transposed", "output_padding",
               "bias_sym_sizes_opt", "input")


def _derived(node, what: str):
    """``node._saved_<what>`` where it is read from the node; else AttributeError."""
    if what == "self_sym_sizes":
        v = _self_sym_sizes(node)
        if v is not None:
            return v
    elif what == "self_sym_numel":
        if node.name() in ("MeanBackward0", "MeanBackward1"):
            shape = _mean_input_shape(node)
            if shape is not None:
                return math.prod(shape)
    elif what == "keepdim" and node.name() == "SumBackward1" and node.prim.name == "sum":
        return bool(node.params["keepdims"])
    elif what in _CONV_NAMES or what == "weight":
        conv = _conv_node(node)
        if conv is not None:
            return _conv_value(node, conv, what)
    raise _missing(node, what)


def _getter(what: str, before):
    def get(node):
        shown = getattr(node, "shown", None)
        if shown is not None and before is not None:
            return before.fget(node)            # (a composite's record: its own values)
        try:
            return _derived(node, what)
        except AttributeError:
            if before is None:
                raise
        return before.fget(node)
    return get


def _ord(node):
    shown = getattr(node, "shown", None)
    if shown is None or "ord" not in shown:
        raise _missing(node, "ord")
    return _shown_saved.attr(node, shown, "ord")


Node._saved_ord = property(  # type: ignore[attr-defined]
    _ord, doc="PyTorch's ``LinalgVectorNormBackward0._saved_ord``.")
for _what in ("self_sym_sizes", "self_sym_numel", "keepdim", "weight", *_CONV_NAMES):
    setattr(Node, "_saved_" + _what, property(
        _getter(_what, Node.__dict__.get("_saved_" + _what)),
        doc=f"PyTorch's ``grad_fn._saved_{_what}``."))


# ----------------------------------------------------------------------------- the norms
def _vector_norm_call(orig, key: str, default_ord, linalg_norm: bool = False):
    """``orig`` (a norm function) whose LinalgVectorNormBackward0 node shows the call's
    ``ord`` (``key``: ``p`` or ``ord``), ``dim`` and ``keepdim`` besides its ``self`` and
    ``result``."""
    def f(*args, **kwargs):
        out = orig(*args, **kwargs)
        node = getattr(out, "_node", None)
        if node is None or getattr(node, "label", None) != "LinalgVectorNormBackward0" or \
                getattr(node, "shown", None) is not None:
            return out
        x = args[0] if args else kwargs.get("input", kwargs.get("x"))
        if x is None:
            return out
        ord_ = args[1] if len(args) > 1 else kwargs.get(key, default_ord)
        dim = args[2] if len(args) > 2 else kwargs.get("dim")
        keepdim = args[3] if len(args) > 3 else kwargs.get("keepdim", False)
        if isinstance(dim, (list, tuple)) and not dim:
            dim = None
        if linalg_norm:         # (its vector norms: a dim, or a 1-d input; ord None is 2.0)
            if ord_ is not None and not isinstance(ord_, (int, float)) or not (
                    isinstance(dim, int) or isinstance(dim, (list, tuple)) and len(dim) == 1 or
                    dim is None and x.dim() == 1):
                return out
            ord_ = 2.0 if ord_ is None else ord_
        elif ord_ == "fro" or ord_ is None:
            ord_ = 2
        elif isinstance(ord_, str):
            return out
        return _shown_saved.show(out, x, True, dim=dim, keepdim=bool(keepdim), ord=ord_)
    f.__name__ = getattr(orig, "__name__", "norm")
    f.__qualname__ = getattr(orig, "__qualname__", f.__name__)
    f.__doc__ = getattr(orig, "__doc__", None)
    f.__wrapped__ = orig  # type: ignore[attr-defined]
    return f


def install(torch) -> None:
    """Wrap the norms (after the dtype guards wrapped them)."""
    from .tensor import Tensor
    torch.norm = _vector_norm_call(torch.norm, "p", "fro")
    setattr(Tensor, "norm", _vector_norm_call(getattr(Tensor, "norm"), "p", "fro"))  # noqa: B009,B010
    torch.linalg.vector_norm = _vector_norm_call(torch.linalg.vector_norm, "ord", 2)
    torch.linalg.norm = _vector_norm_call(torch.linalg.norm, "ord", None, True)
