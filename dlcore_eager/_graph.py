"""The tape: the backward graph that eager operations record.

Every operation on a tensor that requires grad creates one *node* (PyTorch's ``grad_fn``):

* ``Node``       a dlcore primitive: it keeps the primitive, its parameters, the input tensors and
                 the output buffer ("saved tensors"), and the *version* of each of them, so that a
                 saved tensor changed in place is detected when backward needs it;
* ``LeafNode``   the gradient accumulator of a leaf tensor that requires grad (PyTorch's
                 ``AccumulateGrad``); the leaf holds it only through a weak reference, so the node
                 lives exactly as long as some graph uses it;
* ``CopyNode``   a copy between devices (``.cuda()``/``.cpu()``): the gradient is copied back.

A node's ``parents`` are the nodes of its inputs (``None`` for an input that needs no gradient).
Nothing here computes a gradient: ``Node.vjp`` calls the primitive's vjp rule from dlcore, and
``dlcore.autodiff.reverse_pass`` walks the graph (see ``dlcore_eager.autograd.engine``).

After a backward pass without ``retain_graph`` each visited node drops its saved tensors, which
frees the memory of the forward pass; a second backward through it fails with PyTorch's message.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from dlcore import dtypes as _dt
from dlcore.registry import AVal

_tuple_new = tuple.__new__

ERR_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


_NAMES: dict = {}
_TENSOR: list = []      # [_make, stale_tensor], filled in by tensor.py (which imports this module)
_HALF = _dt.HALF
_F32 = _dt.float32


def _dtype_of(x):
    b = getattr(x, "_buf", x)
    return getattr(b, "dtype", None)


def has_half(out, ins) -> bool:
    """Does a node hold float16 or bfloat16 values (its output buffer or an input)?"""
    if out.dtype in _HALF:
        return True
    for t in ins:
        if _dtype_of(t) in _HALF:
            return True
    return False


def half_vjp(prim, g, out, args, params, recorded):
    """A vjp rule run in float32 for a node with float16 or bfloat16 values (Tensors or
    buffers): 16-bit operands cast up, each cotangent rounded back to its input's 16-bit type
    once, as PyTorch's backward kernels for half and bfloat16 tensors compute.  ``recorded``: the node's inputs as recorded
    (their dtypes; ``args`` may hold stale tensors that raise only when read)."""
    from dlcore.ops import cast
    dtypes = [_dtype_of(t) for t in recorded]

    def up(x, d):
        return cast(x, _F32) if d in _HALF else x

    def down(r, d):
        if r is None:
            return None
        if callable(r) and getattr(r, "dtype", None) is None and not hasattr(r, "_buf"):
            return lambda: down(r(), d)
        return cast(r, d) if d in _HALF and _dtype_of(r) != d else r

    res = prim.vjp(up(g, _dtype_of(g)), up(out, _dtype_of(out)),
                   *[up(t, d) for t, d in zip(args, dtypes)], **params)
    return tuple(down(r, d) for r, d in zip(res, dtypes))



def camel(name: str) -> str:
    """'greater_equal' -> 'GreaterEqual' (cached: backward asks for names often)."""
    out = _NAMES.get(name)
    if out is None:
        out = _NAMES[name] = "".join(p[:1].upper() + p[1:] for p in name.split("_"))
    return out


class TapeNode:
    """What every grad_fn on the tape shares: a PyTorch-style repr and ``next_functions``, and
    the abstract value of the output it belongs to (so the core's reverse_pass can check
    cotangents against it).  Subclasses define ``name()``, ``parents``, ``shape`` and ``dtype``."""

    __slots__ = ()

    if TYPE_CHECKING:                      # what the subclasses define
        parents: tuple
        shape: tuple
        dtype: np.dtype

        def name(self) -> str: ...

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def __dlcore_aval__(self) -> AVal:
        return _tuple_new(AVal, (tuple(self.shape), self.dtype))

    @property
    def next_functions(self) -> tuple:
        return tuple((p, 0) for p in self.parents)


class Node(TapeNode):
    """The grad_fn of a tensor produced by a dlcore primitive."""

    __slots__ = (
        "__weakref__",
        "dtype",
        "hooks",
        "inputs",
        "label",
        "out_buf",
        "out_ver0",
        "out_version",
        "params",
        "parents",
        "prim",
        "retain",
        "shape",
        "versions",
    )
    label: str          # set only on labelled nodes (``labelled``); read with getattr

    def __init__(self, prim, params, parents, inputs, versions, out_buf, out_version):
        self.prim = prim
        self.params = params
        self.parents = parents
        self.inputs = inputs
        self.versions = versions
        self.out_buf = out_buf
        self.out_version = out_version
        self.out_ver0 = out_version[0]
        self.shape = out_buf.shape
        self.dtype = out_buf.dtype
        self.hooks = None
        self.retain = None

    def name(self) -> str:
        # ``label``: PyTorch's name for the composite whose last primitive this node is (set by
        # the entry through ``labelled``; never set on most nodes, so no cost when recording)
        label = getattr(self, "label", None)
        return label if label is not None else camel(self.prim.name) + "Backward0"

    def saved_versions(self) -> list[tuple[tuple, int, int]] | None:
        """What this node saved for backward, for pictures and debugging: ``(shape, version
        when saved, version now)`` per saved input, then the same for its output; None once a
        backward pass without ``retain_graph`` freed them."""
        if self.inputs is None:
            return None
        out = [(tuple(t.shape), v, t._version[0]) for t, v in zip(self.inputs, self.versions)]
        return out + [(tuple(self.shape), self.out_ver0, self.out_version[0])]

    def vjp(self, g, retain: bool):
        """Cotangents of the inputs, from the primitive's vjp rule (entries may be thunks)."""
        make, stale_tensor = _TENSOR
        ins = self.inputs
        if ins is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        vers = self.versions
        args = []
        for i, t in enumerate(ins):
            if t._version[0] != vers[i]:
                p = self.parents[i]
                t = stale_tensor(t, vers[i], p if isinstance(p, Node) else None, current=True)
            args.append(t)
        out = make(self.out_buf, self.out_version, self)
        if self.out_version[0] != self.out_ver0:
            out = stale_tensor(out, self.out_ver0, self)
        if has_half(self.out_buf, ins):          # (the recorded tensors: a stale one raises)
            res = half_vjp(self.prim, g, out, args, self.params, ins)
        else:
            res = self.prim.vjp(g, out, *args, **self.params)
        if not retain:
            self.inputs = None
            self.out_buf = None
        return res


def labelled(out, label: str, *inputs):
    """``out`` with its grad_fn named ``label`` (e.g. ``MeanBackward0`` for the div node that
    ends a mean): PyTorch names a node after the function called, dlcore after the last
    primitive.  Only a node made for ``out`` is renamed, never an input's (a no-op entry may
    return its input, or a view of it sharing its node)."""
    node = out._node
    if type(node) is Node:
        for t in inputs:
            if t._node is node:
                return out
        node.label = label
    return out


class LeafNode(TapeNode):
    """The gradient accumulator of a leaf tensor that requires grad (PyTorch's AccumulateGrad)."""

    __slots__ = ("__weakref__", "dtype", "shape", "tensor")

    def __init__(self, tensor):
        self.tensor = tensor
        self.shape = tensor._buf.shape
        self.dtype = tensor._buf.dtype

    parents = ()

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def variable(self):
        return self.tensor


def leaf_node(t) -> LeafNode:
    """The accumulator node of leaf ``t``, created on first use and shared while alive."""
    ref = t._acc
    node = ref() if ref is not None else None
    if node is None:
        node = LeafNode(t)
        t._acc = weakref.ref(node)
    return node


class CopyNode(TapeNode):
    """grad_fn of a copy to another device: the gradient goes back to the source device."""

    __slots__ = ("__weakref__", "dtype", "hooks", "parents", "retain", "shape", "src_device")

    def __init__(self, parent, src_device, buf):
        self.parents = (parent,)
        self.src_device = src_device
        self.shape = buf.shape
        self.dtype = buf.dtype
        self.hooks = None
        self.retain = None

    def name(self) -> str:
        return "ToCopyBackward0"

    def vjp(self, g, retain: bool):
        return (g.to(self.src_device),)
