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

from dlcore.registry import AVal

from . import _tensor_aux as _aux
from ._half_vjp import EAGER_VJPS, _dtype_of, eager_vjp, half_vjp, has_half  # noqa: F401

_tuple_new = tuple.__new__

ERR_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")
#: PyTorch's error for an in-place write through a view of a leaf that requires grad
ERR_VIEW_OF_LEAF = ("a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation.")


_NAMES: dict = {}
_TENSOR: list = []      # [_make, stale_tensor], filled in by tensor.py (which imports this module)


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
    #: True on the classes ``public`` makes, one per grad_fn name (``MulBackward0``)
    _named = False

    if TYPE_CHECKING:                      # what the subclasses define
        parents: tuple
        shape: tuple
        hooks: list[NodeHook] | None
        dtype: np.dtype

        def name(self) -> str: ...

    def __repr__(self) -> str:
        return f"<{shown_name(self)} object at {hex(id(self))}>"

    def __dlcore_aval__(self) -> AVal:
        return _tuple_new(AVal, (tuple(self.shape), self.dtype))

    @property
    def next_functions(self) -> tuple:
        return tuple((public(p) if p is not None else None, 0) for p in self.parents)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before this node's backward (after the output tensor's hooks
        and ``retain_grad``); it may return replacement grad_outputs.  A handle to remove it."""
        return self._node_hook(fn, True)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after this node's backward; it may return
        replacement grad_inputs.  A handle to remove it."""
        return self._node_hook(fn, False)

    def _node_hook(self, fn, pre: bool):
        if type(self) is LeafNode:
            raise RuntimeError("hooks on AccumulateGrad nodes are not supported; register them "
                               "on the leaf tensor instead")
        hook = NodeHook(fn, pre, None if pre else _edge_index(self))
        hooks = self.hooks
        if hooks is None:
            hooks = []
            setattr(self, "hooks", hooks)   # (a slot of every subclass, not of TapeNode)
        hooks.append(hook)
        return _HookHandle(hooks, hook)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _edge_index(node):
    """Which of ``node``'s parents are PyTorch's edges (``next_functions``), for a post-hook's
    grad_inputs: None when they are all of them, else their indices (a Python number's input
    dropped, as RsubBackward1's).  A composite whose edges are not its last primitive's inputs
    (mean, whose MeanBackward0 edge is the sum's input) is refused: its grad_inputs are
    gradients this node does not compute."""
    nf = [e for e, _ in node.next_functions]
    ps = [None if p is None else public(p) for p in node.parents]
    if len(nf) == len(ps) and all(a is b for a, b in zip(nf, ps)):
        return None
    keep, j = [], 0
    for i, p in enumerate(ps):
        if j < len(nf) and nf[j] is p:
            keep.append(i)
            j += 1
    if j != len(nf):
        raise NotImplementedError(f"register_hook on {node.name()}: a post-hook on this "
                                  "composite's node is not supported")
    return tuple(keep)


class NodeHook:
    """A grad_fn's own hook (``register_prehook``: ``pre``; ``register_hook``), kept in the
    node's ``hooks`` list beside its output tensor's hooks (which the engine reads only when
    the list is not empty, so nodes without hooks pay nothing).  ``keep``: ``_edge_index``."""

    __slots__ = ("fn", "keep", "pre")

    def __init__(self, fn, pre: bool, keep):
        self.fn = fn
        self.pre = pre
        self.keep = keep


_CLASSES: dict = {}


def public(node):
    """``node`` as the user sees it (``t.grad_fn``, ``next_functions``): an instance of a class
    named after the backward, as in PyTorch (``type(y.grad_fn).__name__ == 'MulBackward0'``).
    The class (a slot-less subclass of the node's own, one per name) is set the first time the
    node is shown, so recording a node costs nothing more; the engine treats it as its base."""
    cls = type(node)
    if cls is LeafNode:                   # (AccumulateGrad: its class is named so)
        return node
    name = node.name().rpartition("::")[2]          # (CopySlices' class, not its C++ name)
    if cls.__name__ == name:              # (ToCopyBackward0 is named so)
        return node
    base = cls.__mro__[1] if cls._named else cls
    sub = _CLASSES.get((base, name))
    if sub is None:
        sub = _CLASSES[(base, name)] = type(name, (base,), {
            "__slots__": (), "_named": True, "__module__": "torch.autograd.graph"})
    node.__class__ = sub
    return node


class Node(TapeNode):
    """The grad_fn of a tensor produced by a dlcore primitive."""

    __slots__ = (
        "__weakref__",
        "dtype",
        "edges",
        "hooks",
        "inputs",
        "label",
        "out_buf",
        "out_index",
        "out_ver0",
        "out_version",
        "params",
        "parents",
        "prim",
        "retain",
        "shape",
        "shown",
        "versions",
    )
    label: str          # set only on labelled nodes (``labelled``); read with getattr
    shown: dict         # (the same) PyTorch's _saved_* of the composite (autograd._shown_saved)
    edges: tuple        # (the same) the composite's inputs' nodes, for ``next_functions``
    out_index: int      # (the same) which output of PyTorch's multi-output node (split) it is

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
        if label is not None:
            return label if label != "CopySlices" else "torch::autograd::CopySlices"   # (C++'s)
        name = self.prim.name
        torch_name = _TORCH_NAMES.get(name)
        if torch_name is None:
            return camel(name) + "Backward0"
        return torch_name if type(torch_name) is str else torch_name(self)

    @property
    def next_functions(self) -> tuple:
        """PyTorch's ``((node, 0), ...)``: a labelled composite shows its own inputs (one
        node, as PyTorch's), a primitive its parents as PyTorch's function takes them."""
        edges = getattr(self, "edges", None)
        if edges is None and self.prim.name == "div" and \
                getattr(self, "label", "").startswith("MeanBackward"):
            edges = self.parents[0].parents[:1]     # (a mean: the div of a sum of the input)
        if edges is None and getattr(self, "label", None) == "AddmmBackward0":
            edges = _addmm_edges(self)
        if edges is None:
            shape = _TORCH_EDGES.get(self.prim.name)
            edges = self.parents if shape is None else shape(self)
            ins = self.inputs
            if ins is not None and shape is None and None in edges:
                # (integer and boolean inputs, indices and masks, are no edges in PyTorch)
                edges = tuple(p for p, t in zip(edges, ins)
                              if p is not None or _dtype_of(t).kind not in "biu")
        return tuple((public(p), getattr(p, "out_index", 0)) if p is not None else (None, 0)
                     for p in edges)

    def saved_versions(self) -> list[tuple[tuple, int, int]] | None:
        """What this node saved for backward, for pictures and debugging: ``(shape, version
        when saved, version now)`` per saved input, then the same for its output; None once a
        backward pass without ``retain_graph`` freed them."""
        if self.inputs is None:
            return None
        out = [(tuple(t.shape), v, t._vc[0]) for t, v in zip(self.inputs, self.versions)]
        return out + [(tuple(self.shape), self.out_ver0, self.out_version[0])]

    def vjp(self, g, retain: bool):
        """Cotangents of the inputs, from the primitive's vjp rule (entries may be thunks)."""
        make, stale_tensor = _TENSOR
        ins = self.inputs
        if ins is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        vers = self.versions
        args = []
        view = self.prim.view
        stale = False
        for i, t in enumerate(ins):
            if t._vc[0] != vers[i]:
                if view:        # (a view's vjp reads only its inputs' shapes: PyTorch saves
                    args.append(make(t._buf))       # sizes, so a later in-place change is fine)
                    continue
                p = self.parents[i]
                t = stale_tensor(t, vers[i], p if isinstance(p, Node) else None, current=True)
                stale = True
            args.append(t)
        out = make(self.out_buf, self.out_version, self)
        if self.out_version[0] != self.out_ver0:
            out = stale_tensor(out, self.out_ver0, self)
            stale = True
        if has_half(self.out_buf, ins):          # (the recorded tensors: a stale one raises)
            res = half_vjp(self.prim, g, out, args, self.params, ins)
        else:
            res = eager_vjp(self.prim)(g, out, *args, **self.params)
        # A stale saved tensor raises when a thunk of ``res`` reads it, after this returns:
        # the saved tensors are then kept, so that a second backward raises PyTorch's in-place
        # error again (PyTorch checks versions as it unpacks, before it frees anything), not
        # "backward through the graph a second time".
        if not retain and not stale:
            self.inputs = None
            self.out_buf = None
        return res


def _index_name(node) -> str:
    """PyTorch's grad_fn of ``x[key]`` for a basic key (dlcore's canonical index): the last
    indexing step PyTorch applies, left to right; a slice over a whole dimension is skipped
    unless it is the only index (``x[:]``: SliceBackward0), ``x[:, :]`` is an alias."""
    idx = node.params["idx"]
    ins = node.inputs
    shape = ins[0]._buf.shape if ins is not None else None
    name = None
    d = 0
    for k in idx:
        if k is None:
            name = "UnsqueezeBackward0"
            continue
        if type(k) is int:
            name = "SelectBackward0"
        else:
            _, start, stop, step = k
            n = shape[d] if shape is not None else None
            if start not in (None, 0) or step not in (None, 1) or not (
                    stop is None or (n is not None and stop >= n)):
                name = "SliceBackward0"
        d += 1
    if name is None:
        return "SliceBackward0" if len(idx) == 1 else "AliasBackward0"
    return name


_POOL_NAMES = {3: "SqueezeBackward1", 4: "{}2D{}Backward0", 5: "{}3D{}Backward0"}

#: PyTorch's grad_fn names of primitives that PyTorch calls otherwise (a name, or a function
#: of the node for those whose name depends on the arguments); a composite's entry may still
#: name its last node after itself (``labelled``)
_TORCH_NAMES: dict = {
    "getitem": _index_name,
    "cast": "ToCopyBackward0",
    "matmul": lambda node: "MmBackward0" if len(node.shape) == 2 else "UnsafeViewBackward0",
    "reshape": "ViewBackward0",
    "expand_dims": "UnsqueezeBackward0",
    "broadcast_to": "ExpandBackward0",
    "concatenate": "CatBackward0",
    "pad_constant": "ConstantPadNdBackward0",
    "take": "IndexBackward0",
    "squeeze": lambda node: "SqueezeBackward1" if len(node.params["axes"]) == 1 else
    "SqueezeBackward2",
    "log1p": "Log1PBackward0",
    "leaky_relu_grad": "LeakyReluBackwardBackward0",
    "elu": "EluBackward0", "elu_grad": "EluBackwardBackward0",      # (selu's too)
    "hardswish_grad": "HardswishBackwardBackward0",
    "hardsigmoid_grad": "HardsigmoidBackwardBackward0",   # (PyTorch has no double backward)
    # clamp with number bounds (clamp.Tensor's is a composite, labelled); its gradient is
    # PyTorch's clamp_backward, a where of g and a zero
    "clamp": "ClampBackward1", "clamp_grad": "WhereBackward0",
    # hardtanh and relu6 (a clamp whose gradient passes strictly inside): PyTorch's hardtanh
    "hardtanh": "HardtanhBackward0", "hardtanh_grad": "HardtanhBackwardBackward0",
    # 2-D grid_sample; its two gradients are one node in PyTorch
    "grid_sample2d": "GridSampler2DBackward0",
    "grid_sample2d_grad_input": "GridSampler2DBackwardBackward0",
    "grid_sample2d_grad_grid": "GridSampler2DBackwardBackward0",
    "identity": "CloneBackward0",               # (clone, and contiguous's copy)
    "conv": "ConvolutionBackward0",
    "conv_bias": "ConvolutionBackward0",
    "conv_transpose": "ConvolutionBackward0",
    "batch_norm_train": "NativeBatchNormBackward0",
    "layer_norm": "NativeLayerNormBackward0",
    "group_norm": "NativeGroupNormBackward0",
    "cosine_similarity": "SumBackward1",         # (ATen's composite ends in a sum)
    # pooling per output rank: PyTorch pools 1-d as 2-d, then squeezes
    "avg_pool": lambda node: _POOL_NAMES[len(node.shape)].format("AvgPool", ""),
    "max_pool": lambda node: _POOL_NAMES[len(node.shape)].format("MaxPool", "WithIndices"),
    # a Python number's exponent is a 0-d input that needs no gradient (a tensor's: PowBackward1)
    "pow": lambda node: "PowBackward1" if node.parents[1] is not None or (
        node.inputs is not None and node.inputs[1]._buf.ndim) else "PowBackward0",
    "fmod": lambda node: _by_other(node, "FmodBackward"),
    "remainder": lambda node: _by_other(node, "RemainderBackward"),
    # PyTorch computes these through torch.linalg's and torch.special's functions
    "det": "LinalgDetBackward0", "slogdet": "LinalgSlogdetBackward0",
    "svd": "LinalgSvdBackward0", "qr": "LinalgQrBackward0", "eig": "LinalgEigBackward0",
    "eigh": "LinalgEighBackward0", "inv": "LinalgInvExBackward0",
    "solve": "LinalgSolveExBackward0", "cholesky": "LinalgCholeskyExBackward0",
    "erfcx": "SpecialErfcxBackward0", "i0e": "SpecialI0EBackward0", "i1": "SpecialI1Backward0",
    "i1e": "SpecialI1EBackward0", "ndtri": "SpecialNdtriBackward0",
    "zeta": "SpecialZetaBackward0",     # (a number's Backward1/2: _grad_fn_labels, at the entry)
    # vector_norm(ord=2)'s primitive and its gradient (a create_graph gradient: g x / y)
    "norm2": "LinalgVectorNormBackward0", "norm2_grad": "MulBackward0",
}


def _is_number(node, i: int) -> bool:
    """Is input ``i`` a Python number (a 0-d input that needs no gradient)?"""
    return node.parents[i] is None and node.inputs is not None and not node.inputs[i]._buf.ndim


def _number_dropped(node) -> tuple:
    """A primitive's parents less the Python numbers PyTorch's Scalar overload takes as
    arguments, not inputs (``x ** 2``, ``2 ** x``, ``fmod(x, 2.)``)."""
    return tuple(p for i, p in enumerate(node.parents) if not _is_number(node, i))


def _padded(n: int):
    """The parents then None up to ``n`` (conv's absent bias, layer_norm's weight and bias)."""
    return lambda node: tuple(node.parents) + (None,) * (n - len(node.parents))


#: next_functions per primitive where PyTorch's function takes other inputs than dlcore's
_TORCH_EDGES: dict = {
    "pow": _number_dropped, "fmod": _number_dropped, "remainder": _number_dropped,
    "take_along_axis": lambda node: node.parents[:1],      # (sort/topk's values: the input)
    # ``2 * x`` is PyTorch's ``x * 2`` (the number second), ``2 - x`` its rsub(x, 2)
    "mul": lambda node: node.parents[::-1] if _is_number(node, 0) else node.parents,
    "add": lambda node: node.parents[::-1] if _is_number(node, 0) else node.parents,
    "sub": lambda node: node.parents[1:] if _is_number(node, 0) else node.parents,
    "conv": _padded(3), "conv_transpose": _padded(3), "layer_norm": _padded(3),
    "group_norm": _padded(3),
    "batch_norm_train": _padded(3),
    "clamp_grad": lambda node: (node.parents[0], None),     # (where(mask, g, zero)'s g, zero)
}


def _by_other(node, name: str) -> str:
    """``name + '1'`` for a tensor second operand, ``'0'`` for a Python number (a 0-d input
    that needs no gradient), as pow's."""
    return name + ("0" if _is_number(node, 1) else "1")


def _addmm_edges(node) -> tuple | None:
    """PyTorch's ``AddmmBackward0`` edges ``(bias, mat1, mat2)`` of an add node labelled so
    (``linear``/``addmm`` of matrices: the add of a matmul and a bias, in either order), read
    through the matmul node it hides; None when the node is not that shape."""
    if node.prim.name != "add" or len(node.parents) != 2:
        return None
    for mm, bias in (node.parents, node.parents[::-1]):
        if isinstance(mm, Node) and mm.prim.name == "matmul" and len(mm.parents) == 2:
            return (bias, *mm.parents)
    return None


def shown_name(node) -> str:
    """A node's name where PyTorch shows its class (a repr, a tensor's ``grad_fn=<...>``, an
    AttributeError): ``name()`` without a C++ namespace (``CopySlices``, ``AccumulateGrad``,
    whose ``name()`` is ``torch::autograd::...``)."""
    return node.name().rpartition("::")[2]


def labelled(out, label: str, *inputs, edges=None, index: int = 0):
    """``out`` with its grad_fn named ``label`` (e.g. ``MeanBackward0`` for the div node that
    ends a mean): PyTorch names a node after the function called, dlcore after the last
    primitive.  Only a node made for ``out`` is renamed, never an input's (a no-op entry may
    return its input, or a view of it sharing its node).  ``edges``: the tensor arguments of
    PyTorch's function (None for one not given), whose nodes ``next_functions`` then shows;
    ``index``: which output of PyTorch's node ``out`` is (split's pieces: the index a consumer's
    ``next_functions`` pairs with it)."""
    node = out._node
    if type(node) is Node or isinstance(node, Node):
        for t in inputs:
            if t._node is node:
                return out
        node.label = label
        if edges is not None:
            node.edges = (_edge(edges[0]),) if len(edges) == 1 else tuple(map(_edge, edges))
        if index:
            node.out_index = index
        if node._named:                       # (already shown under its former name)
            public(node)
    elif node is not None and getattr(node, "relabel", None) is not None:
        node.relabel(label)                 # (saved_tensors_hooks' one composite node)
    return out


def _edge(t):
    """The node ``next_functions`` shows for input ``t`` (None: no gradient flows to it, or
    a number)."""
    if not getattr(t, "_rg", False):
        return None
    return t._node or leaf_node(t)


class LeafNode(TapeNode):
    """The gradient accumulator of a leaf tensor that requires grad (PyTorch's AccumulateGrad)."""

    __slots__ = ("__weakref__", "dtype", "shape", "tensor")

    def __init__(self, tensor):            # (``leaf_node`` makes them without it, inline)
        self.tensor = tensor
        self.shape = tensor._buf.shape
        self.dtype = tensor._buf.dtype

    parents = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"         # (PyTorch's; the class: AccumulateGrad)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    @property
    def variable(self):
        return self.tensor


LeafNode.__name__ = LeafNode.__qualname__ = "AccumulateGrad"     # PyTorch's class name


_leaf_new = LeafNode.__new__
_NO_GRAD = ("no_grad",)      # (_view_rebase.NO_GRAD: a recipe's mark of a view made in no_grad)
_weakref = weakref.ref


def leaf_node(t) -> LeafNode | None:
    """The accumulator node of leaf ``t``, created on first use and shared while alive.
    (``LeafNode.__init__``'s stores inline, without the class call: a graph dropped after
    each op makes a node per leaf per op; ``add`` of two 1x32 leaves 1.86 -> 1.80 us.)"""
    ref = t._acc
    if ref is not None:
        node = ref()
        if node is not None:
            return node
    try:
        recipe = t._view                # (a slot every tensor made by _make/_fill has)
    except AttributeError:
        recipe = None
    if recipe is not None and recipe[4] == _NO_GRAD:
        vr = _aux.VIEW_REBASE
        if vr.base_requires_grad(t):
            # a view made in no_grad mode of a tensor that requires grad: a leaf without an
            # accumulator (PyTorch's next_functions show None for it; its .grad stays None),
            # or PyTorch's error once its memory was changed in place (no_grad_parent). A
            # view of a base that does not require grad, made to require grad itself, is an
            # ordinary leaf with its own .grad (PyTorch's).
            return vr.no_grad_parent(t)
    node = _leaf_new(LeafNode)
    node.tensor = t
    b = t._buf
    node.shape = b.shape
    node.dtype = b.dtype
    t._acc = _weakref(node)
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


CopyNode.__name__ = CopyNode.__qualname__ = "ToCopyBackward0"    # PyTorch's class name
