"""The machinery of ``torch.autograd.graph.saved_tensors_hooks`` on the eager tape.

A primitive's node (``_graph.Node``) keeps its input tensors and its output buffer for
backward.  While a hook pair is active (this thread's ``STACK`` not empty) every node recorded
passes the tensors PyTorch's node saves (``_positions``: mul's other then self, exp's result,
nothing for add or sum; a primitive without an entry: the arguments its vjp rule's code
reads) to ``pack_hook``, and keeps only what it returns: the node's class becomes ``Packed``,
its saved inputs zero-strided stand-ins of their shapes and dtypes (``_husk``: no memory), its
output buffer a ``Saved`` record, and its ``out_version`` a counter that never matches (so
every fast path of the engine declines the node: ``_saved_vjp`` wants an ndarray output,
``cg_vjp`` and ``_whole_mean`` an unchanged one).  ``Packed.vjp`` calls ``unpack_hook`` on
each packed object, in PyTorch's order, puts the tensors back for the rule, and packs the
node again after it under ``retain_graph`` (PyTorch unpacks at every backward).

Nothing is paid while no pair is active: the recording happens where a node is assigned to a
tensor (``Tensor._node``), whose slot is replaced by a property only between the first
``__enter__`` and the last ``__exit__`` (``activate``/``deactivate``).

Not covered (PyTorch would pass them to the hooks): the nodes of host operations and device
copies (``HostNode``, ``CopyNode``), and buffers that are not NumPy arrays (sparse, the CUDA
simulator's); a composite operation of several primitives packs each primitive's saved tensors
(``F.silu``: mul's and sigmoid's, where PyTorch's SiluBackward0 saves its input once).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from .. import _shown_saved
from .._graph import ERR_BACKWARD_TWICE, LeafNode, Node, shown_name
from .._state import SAVED_HOOKS_ON, STATE
from ..tensor import Tensor, _make
from ..tensor import stale_tensor as _stale

ERR_PACK_INPLACE = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to "
    "pack hook cannot be modified by in-place operations as this can lead to unexpected "
    "side-effects. Please open an issue if you need to perform in-place operations on the "
    "input to a pack hook.")


class _Local(threading.local):
    def __init__(self) -> None:
        self.stack: list = []            # (pack_hook, unpack_hook) pairs, innermost last
        self.disabled: str | None = None  # disable_saved_tensors_hooks' message
        self.pending: list = []          # nodes attached before their fields were set


LOCAL = _Local()
_LOCK = threading.Lock()
_ACTIVE = ACTIVE = SAVED_HOOKS_ON        # contexts entered in any thread
_NODE = "_node"
_SLOT = Tensor.__dict__[_NODE]           # the member descriptor of Tensor's ``_node`` slot
_slot_get = _SLOT.__get__
_slot_set = _SLOT.__set__
_NEVER = [-1]                            # a packed node's out_version (never its out_ver0)
_ndarray = np.ndarray


def _get_node(t):
    return _slot_get(t, Tensor)


def _set_node(t, node) -> None:
    _slot_set(t, node)
    local = LOCAL
    if local.stack:
        if local.pending:
            flush(local)
        if type(node) is Node:
            try:
                fresh = node.out_version[0] == node.out_ver0
            except AttributeError:      # (a node attached before its fields: _views' view_of,
                local.pending.append(node)      # a join's lane; packed at the next set)
                return
            if fresh:
                _pack(node)


def flush(local) -> None:
    """Pack the nodes attached to a tensor before their fields were set (at the next ``_node``
    assignment, or when the pair exits)."""
    pending, local.pending = local.pending, []
    for node in pending:
        if type(node) is Node:
            _pack(node)


def activate() -> None:
    """One more active hook context: Tensor's ``_node`` slot records through ``_set_node``."""
    with _LOCK:
        _ACTIVE[0] += 1
        if _ACTIVE[0] == 1:
            setattr(Tensor, _NODE, property(_get_node, _set_node))


def deactivate() -> None:
    with _LOCK:
        _ACTIVE[0] -= 1
        if _ACTIVE[0] == 0:
            setattr(Tensor, _NODE, _SLOT)


# ---------------------------------------------------------------------------------------------
# What PyTorch's node saves, per primitive: input positions (-1: the output), in the order
# PyTorch packs them (and unpacks them).  Python numbers (0-d inputs that need no gradient)
# are never saved (PyTorch's Scalar overloads).

def _mul_like(node) -> tuple:          # mul, mm: other if self needs grad, self if other does
    p = node.parents
    return ((1,) if p[0] is not None else ()) + ((0,) if p[1] is not None else ())


def _div(node) -> tuple:
    return (1,) + ((0,) if node.parents[1] is not None else ())


def _pow(node) -> tuple:
    ins = node.inputs
    if node.parents[1] is None and not ins[1]._buf.ndim:
        return (0,)
    return (0, 1, -1)


_OUT = (-1,)
_IN0 = (0,)
_BOTH_REVERSED = (1, 0)
_IN0_OUT = (0, -1)
_NOTHING: tuple = ()

_TABLE: dict = {
    "mul": _mul_like, "matmul": _mul_like, "div": _div, "pow": _pow,
    **dict.fromkeys(("exp", "exp2", "expm1", "tanh", "sigmoid", "relu", "reciprocal",
                     "softmax", "log_softmax", "tan", "sqrt", "rsqrt"), _OUT),
    **dict.fromkeys(("log", "log2", "log10", "log1p", "sin", "cos", "sinh", "cosh", "asin",
                     "acos", "atan", "asinh", "acosh", "atanh", "abs", "erf", "erfc", "erfinv",
                     "lgamma", "digamma", "leaky_relu", "where", "i0", "sign", "clamp",
                     "hardtanh", "elu"), _IN0),
    "clamp_grad": (1,),         # (x: where's condition in PyTorch's clamp_backward)
    "hardtanh_grad": (1,),      # (x: HardtanhBackwardBackward0's self)
    "elu_grad": (0, 1),         # (EluBackwardBackward0's grad_output, self_or_result)
    **dict.fromkeys(("maximum", "minimum", "atan2", "hypot", "logaddexp"), _BOTH_REVERSED),
    **dict.fromkeys(("prod", "norm2", "cumprod", "max", "min"), _IN0_OUT),
    **dict.fromkeys(("take_along_axis", "take"), (1,)),      # (gather's, index's: the index)
    **dict.fromkeys(("conv", "conv_bias"), (0, 1)),   # (ConvolutionBackward0: input, weight)
    **dict.fromkeys(("mse", "nll"), (0, 1)),  # (MseLossBackward0's, NllLossBackward0's
    # self and target; PyTorch's NllLossBackward0 packs its 0-d total_weight too)
    **dict.fromkeys(("add", "sub", "neg", "sum", "cumsum", "reshape", "transpose",
                     "broadcast_to", "expand_dims", "squeeze", "getitem", "concatenate",
                     "stack", "cast", "identity", "conj", "real", "imag", "full_like", "sum_to",
                     "reverse_axes", "stop_gradient", "floor", "ceil", "trunc", "rint",
                     "add_n", "complex", "view_as_real", "view_as_complex",
                     "getitem_ellipsis", "tile"), _NOTHING),
}
_READ: dict = {}                        # prim -> positions its rule's code reads (fallback)


def _read_positions(prim, n: int) -> tuple:
    """A primitive without a table entry: the inputs its eager vjp rule's code reads, then
    its output (``_code_reads.reads``' conservative reading); none for a view."""
    key = (prim, n)
    out = _READ.get(key)
    if out is None:
        if prim.view:
            out = ()
        else:
            from .._graph import eager_vjp
            from .._code_reads import reads
            rule = eager_vjp(prim)
            out = tuple(i for i in range(n) if reads(rule, 2 + i))
            out += (-1,) if reads(rule, 1) else ()
        _READ[key] = out
    return out


def _positions(node) -> tuple:
    spec = _TABLE.get(node.prim.name)
    if spec is None:
        spec = _read_positions(node.prim, len(node.inputs))
    elif callable(spec):
        spec = spec(node)
    if not spec:
        return spec
    ins, parents = node.inputs, node.parents
    return tuple(i for i in spec if i < 0 or (
        i < len(ins) and not (parents[i] is None and not ins[i]._buf.ndim)))


# ---------------------------------------------------------------------------------------------

class Saved:
    """A packed node's record (kept in its ``out_buf``): the unpack hook, the positions and
    packed objects, and what the node held before (its output buffer and counters, its saved
    inputs' stand-ins and recorded versions)."""

    __slots__ = ("avals", "out_buf", "out_ver0", "out_version", "packed", "spec", "unpack")

    def __init__(self, unpack, spec, packed, avals, out_buf, out_version, out_ver0):
        self.unpack = unpack
        self.spec = spec
        self.packed = packed
        self.avals = avals
        self.out_buf = out_buf
        self.out_version = out_version
        self.out_ver0 = out_ver0


_HUSKS: dict = {}                       # (shape, dtype) -> a read-only zero-strided buffer


def _husk(t) -> Tensor:
    """A stand-in of saved input ``t``: its shape, dtype and version, no memory (one shared
    read-only buffer per shape and dtype: ``np.broadcast_to`` costs microseconds)."""
    b = t._buf
    key = (b.shape, b.dtype)
    hb = _HUSKS.get(key)
    if hb is None:
        if len(_HUSKS) > 512:
            _HUSKS.clear()
        hb = _HUSKS[key] = np.broadcast_to(np.zeros((), b.dtype), b.shape)
    return _make(hb, [t._vc[0]])


def _pack(node) -> None:
    """Pass what ``node`` saves to this thread's innermost pack hook (under no_grad, as
    PyTorch runs it) and keep only the packed objects."""
    spec = _positions(node)
    if not spec:
        return
    ins = node.inputs
    for i in spec:
        if type(ins[i]._buf if i >= 0 else node.out_buf) is not _ndarray:
            return                      # (sparse, device buffers: saved as before)
    pack, unpack = LOCAL.stack[-1]
    node.__class__ = Packed             # (first: the output's tensor below is not packed again)
    prev = STATE.enabled
    STATE.enabled = False
    packed, avals = [], []
    try:
        for i in spec:
            t = ins[i] if i >= 0 else _make(node.out_buf, node.out_version, node)
            v = t._vc[0]
            packed.append(pack(t))
            if t._vc[0] != v:
                raise RuntimeError(ERR_PACK_INPLACE)
            avals.append((t._buf.shape, t._buf.dtype))
    except BaseException:
        node.__class__ = Node
        raise
    finally:
        STATE.enabled = prev
    husks = list(ins)
    for i in spec:
        if i >= 0:
            husks[i] = _husk(ins[i])
    node.out_buf = Saved(unpack, spec, packed, avals, node.out_buf, node.out_version,
                         node.out_ver0)
    node.inputs = tuple(husks)
    node.out_version = _NEVER


def _unpacked(node, st: Saved, j: int, obj) -> Tensor:
    """The unpack hook's tensor for the ``j``-th saved tensor, checked against it: a Tensor
    (PyTorch's TypeError), of the saved shape; another dtype is cast back to the saved one."""
    t = st.unpack(obj)
    if not isinstance(t, Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                        f"result of type {type(t).__name__}")
    shape, dtype = st.avals[j]
    b = t._buf
    if tuple(b.shape) != tuple(shape):
        raise RuntimeError(
            f"saved_tensors_hooks: the unpack hook of {shown_name(node)} returned a tensor of "
            f"shape {list(b.shape)} for the saved tensor {j} of shape {list(shape)}")
    if getattr(b, "dtype", dtype) != dtype:
        from .. import _dtype as D
        t = t.detach().to(D.from_numpy_dtype(dtype))
    return t


def _attached(t, parent) -> Tensor:
    """The unpacked tensor ``t``'s values at the saved input's place in the graph (its node,
    or its leaf's accumulator), as PyTorch's SavedVariable rewraps what unpack returns: a
    create_graph pass differentiates through it into the saved tensor's own graph."""
    if type(parent) is LeafNode:
        out = _make(t._buf, t._vc)
        out._rg = True
        out._acc = weakref.ref(parent)
        return out
    return _make(t._buf, t._vc, parent)


class Packed(Node):
    """A node whose saved tensors went through a pack hook (its class while they are packed;
    the names ``public`` gives derive from it)."""

    __slots__ = ()

    def vjp(self, g, retain: bool):
        st = self.out_buf
        if type(st) is not Saved:
            if self.inputs is None:
                raise RuntimeError(ERR_BACKWARD_TWICE)
            return Node.vjp(self, g, retain)
        husks, versions = self.inputs, self.versions
        ins, vers = list(husks), list(versions)
        out_buf, out_version = st.out_buf, st.out_version
        parents = self.parents
        for j, (i, obj) in enumerate(zip(st.spec, st.packed)):
            t = _unpacked(self, st, j, obj)
            if i < 0:
                out_buf, out_version = t._buf, t._vc
            else:
                p = parents[i]
                if p is not None and not (t._rg and (t._node is p or t._node is None and
                                                     t._acc is not None and t._acc() is p)):
                    t = _attached(t, p)
                ins[i] = t
                vers[i] = t._vc[0]
        self.inputs = tuple(ins)
        self.versions = tuple(vers)
        self.out_buf = out_buf
        self.out_version = out_version
        self.out_ver0 = out_version[0]
        try:
            return Node.vjp(self, g, retain)
        finally:
            if retain or self.inputs is not None:      # (packed again for the next pass)
                self.inputs, self.versions = husks, versions
                self.out_buf, self.out_version, self.out_ver0 = st, _NEVER, st.out_ver0


def pack_saved(tensors: tuple) -> list | None:
    """A custom Function's ``ctx.save_for_backward`` tensors packed by the innermost hook
    pair (``[(unpack, packed, shape, dtype) or None per tensor]``), None with no pair active."""
    if not LOCAL.stack:
        return None
    pack, unpack = LOCAL.stack[-1]
    prev = STATE.enabled
    STATE.enabled = False
    try:
        out: list = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            v = t._vc[0]
            obj = pack(t)
            if t._vc[0] != v:
                raise RuntimeError(ERR_PACK_INPLACE)
            out.append((unpack, obj, t._buf.shape, t._buf.dtype))
        return out
    finally:
        STATE.enabled = prev


def unpack_saved(packed: list, name: str) -> tuple:
    """``ctx.saved_tensors`` of a Function whose tensors were packed: each unpacked again."""
    out: list = []
    for j, rec in enumerate(packed):
        if rec is None:
            out.append(None)
            continue
        unpack, obj, shape, dtype = rec
        st = Saved(unpack, (j,), [obj], [(shape, dtype)], None, None, 0)
        out.append(_unpacked(_Named(name), st, 0, obj))
    return tuple(out)


class _Named:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


# ---------------------------------------------------------------------------------------------
# ``grad_fn._saved_self`` / ``_saved_other`` / ``_saved_mat2`` / ``_saved_result``: PyTorch's
# attributes of a node that saves that tensor (an AttributeError where it saves none, as
# ``AddBackward0._saved_self``); through the unpack hook where the node is packed.  Properties
# added to ``Node``: looked up only when named, so nothing else pays for them.

_ATTR_POSITIONS = {"self": 0, "other": 1, "mat2": 1, "result": -1}

#: PyTorch's nodes whose saved tensors go by other names than the dlcore primitive's behind
#: them (NativeLayerNormBackward0's _saved_input/_saved_weight/_saved_result1, ...): the
#: primitive's _saved_self/_saved_other/_saved_result would name the wrong tensors there
#: (layer_norm's mul, conv's input and weight as self/other, where's condition as self), so
#: they are not shown (True: none of them; a set: those)
_NOT_PYTORCH_S: dict = {
    "NativeLayerNormBackward0": True, "NativeBatchNormBackward0": True,
    "ConvolutionBackward0": True, "AddmmBackward0": True, "IndexBackward0": True,
    "WhereBackward0": True, "ViewBackward0": True, "UnsafeViewBackward0": True,
    "NativeGroupNormBackward0": True, "MaxPool2DWithIndicesBackward0": {"result"},
}


def _saved_attr(node, what: str):
    shown = getattr(node, "shown", None)
    if shown is not None and "prim_saved" not in shown:
        # (a labelled composite's: PyTorch's node's tensors)
        return _shown_saved.attr(node, shown, what)
    hidden = _NOT_PYTORCH_S.get(node.name())
    if hidden is True or (hidden is not None and what in hidden):
        raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
    i = _ATTR_POSITIONS[what]
    if what == "mat2" and node.prim.name != "matmul" or \
            what == "other" and node.prim.name == "matmul":
        raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
    if node.inputs is None:
        raise RuntimeError(ERR_BACKWARD_TWICE)
    st = node.out_buf
    if type(st) is Saved:
        if i not in st.spec:
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
        j = st.spec.index(i)
        t = _unpacked(node, st, j, st.packed[j])
        p = node if i < 0 else node.parents[i]
        return t if p is None else _attached(t, p)
    try:
        saved = _positions(node)
    except AttributeError:
        saved = ()
    if i not in saved:
        raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
    # (changed in place since it was saved: PyTorch's error as it unpacks)
    if i < 0:
        if node.out_version[0] != node.out_ver0:
            raise RuntimeError(_stale(_make(node.out_buf, node.out_version), node.out_ver0,
                                      node)._msg)
        return _make(node.out_buf, node.out_version, node)
    edges = getattr(node, "edges", None)
    if edges is not None and getattr(node, "label", None) is not None:
        # a composite's node (labelled, showing its inputs' edges): an input of its last
        # primitive that is none of the composite's inputs (where's mask, an inner value)
        # is nothing PyTorch's node saved
        p = node.parents[i]
        if p is None or not any(p is e for e in edges):
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
    t = node.inputs[i]
    if t._vc[0] != node.versions[i]:
        raise RuntimeError(_stale(t, node.versions[i], None, current=True)._msg)
    return t


def _saved_getter(what: str):
    def get(node):
        return _saved_attr(node, what)
    return get


def _install_saved_attrs() -> None:
    for what in _ATTR_POSITIONS:
        setattr(Node, "_saved_" + what, property(
            _saved_getter(what),
            doc=f"PyTorch's ``grad_fn._saved_{what}``: the tensor this node saved."))


_install_saved_attrs()
