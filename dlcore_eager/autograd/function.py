"""Custom differentiable operations: ``torch.autograd.Function``.

Today's style (static methods and a ``ctx`` object)::

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_y):
            y, = ctx.saved_tensors
            return grad_y * y

    y = Exp.apply(x)

``forward`` runs with recording switched off; its output gets a ``FunctionNode`` whose vjp is the
user's ``backward``.  ``ctx.needs_input_grad`` tells which inputs need a gradient, saved tensors
are version-checked when read, and ``backward`` returns one value per ``forward`` input (None
for the ones that need none).

The seed notes use the *legacy* style (instance methods, ``self.save_for_backward``, called as
``ReLU()(x)``).  PyTorch removed it and raises; dlcore_eager still runs it, and warns once per
class (a FutureWarning, shown by default) with the same class rewritten in today's style: a
legacy shim that teaches.
"""

from __future__ import annotations

import inspect
import re
import warnings
import weakref
from typing import ClassVar

from dlcore.registry import AVal

from .. import _dtype as D
from .._graph import ERR_BACKWARD_TWICE, TapeNode, leaf_node, public
from .._state import STATE
from ..tensor import Tensor, _make, stale_tensor
from . import _saved_hooks as _sh
from . import forward_ad as _forward_ad

LEGACY_MESSAGE = (
    "Legacy autograd function with non-static forward method is deprecated. Please use "
    "new-style autograd function with static forward method. (Example: "
    "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")


class FunctionCtx:
    """What ``forward`` can tell ``backward``: saved tensors and flags."""

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._saved = tuple(tensors)
        self._saved_versions = tuple(None if t is None else t._vc[0] for t in tensors)
        if _sh.LOCAL.stack:                 # (torch.autograd.graph.saved_tensors_hooks)
            self._packed = _sh.pack_saved(self._saved)
            self._saved = tuple(None for _ in tensors)

    @property
    def saved_tensors(self) -> tuple:
        saved = getattr(self, "_saved", ())
        if saved is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        packed = getattr(self, "_packed", None)
        if packed is not None:              # (no version check: PyTorch's, with hooks)
            return _sh.unpack_saved(packed, type(self).__name__)
        out = []
        owners = getattr(self, "_owners", None) or {}
        for t, v in zip(saved, getattr(self, "_saved_versions", ())):
            ref = owners.get(id(t)) if t is not None else None
            owner = None if ref is None else ref[0]() or (ref[1] and ref[1]())
            if t is not None and t._vc[0] != v:
                # (a saved output is named by this Function's node, an input by its grad_fn
                # now: PyTorch's words)
                raise RuntimeError(stale_tensor(t, v, owner, current=ref is None)._msg)
            if ref is not None:             # an output: its values with its node again
                t = _make(t._buf, t._vc, owner)
            out.append(t)
        return tuple(out)

    saved_variables = saved_tensors

    def save_for_forward(self, *tensors) -> None:
        """Tensors the ``jvp`` staticmethod reads back as ``ctx.saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_forward expects all arguments to be tensors; you "
                                "should save non-tensors as attributes on ctx.")
        self._saved_forward = tuple(tensors)

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = value


class FunctionNode(TapeNode):
    """grad_fn of an output of a custom Function: its vjp calls the user's ``backward``."""

    __slots__ = (
        "__weakref__",
        "arg_shapes",
        "backward_fn",
        "cls_name",
        "ctx",
        "dtype",
        "hooks",
        "parents",
        "retain",
        "shape",
    )

    def __init__(self, ctx, backward_fn, parents, out_buf, cls_name, arg_shapes):
        self.ctx = ctx
        self.backward_fn = backward_fn
        self.parents = parents
        self.shape = out_buf.shape
        self.dtype = out_buf.dtype
        self.hooks = None
        self.retain = None
        self.cls_name = cls_name
        self.arg_shapes = arg_shapes

    def name(self) -> str:
        return f"{self.cls_name}Backward"

    @property
    def next_functions(self) -> tuple:
        """One edge per Tensor argument of ``forward`` (PyTorch's: a Python number or other
        non-Tensor argument has none)."""
        return tuple((public(p) if p is not None else None, 0)
                     for p, shape in zip(self.parents, self.arg_shapes) if shape is not None)

    def vjp(self, g, retain: bool):
        ctx = self.ctx
        if getattr(ctx, "_saved", ()) is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        res = self.backward_fn(g)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) != len(self.parents):
            if len(res) > len(self.parents) and all(r is None for r in res[len(self.parents):]):
                res = res[:len(self.parents)]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {len(self.parents)}, got {len(res)})")
        cast = None
        for i, (r, shape) in enumerate(zip(res, self.arg_shapes)):
            if isinstance(r, Tensor) and shape is not None and tuple(r.shape) != shape:
                raise RuntimeError(f"Function {self.name()} returned an invalid gradient at "
                                   f"index {i} - got {list(r.shape)} but expected shape "
                                   f"compatible with {list(shape)}")
            p = self.parents[i]
            if isinstance(r, Tensor) and p is not None and r._buf.dtype != p.dtype and \
                    not r.is_sparse:
                # PyTorch casts a gradient to its input's dtype (a float32 backward of a
                # custom_fwd(cast_inputs=float32) Function for a bfloat16 input, ...)
                cast = list(res) if cast is None else cast
                cast[i] = r.to(D.from_numpy_dtype(p.dtype))
        if cast is not None:
            res = tuple(cast)
        if not retain and hasattr(ctx, "_saved"):
            ctx._saved = None
            ctx._packed = None              # (what a saved_tensors_hooks pack returned)
        return res


def _parents_and_shapes(args, needs) -> tuple:
    """A FunctionNode's parents (the node of each input that needs a gradient, else None) and
    its inputs' shapes (None for a non-tensor)."""
    parents = tuple((a._node if a._node is not None else leaf_node(a)) if need else None
                    for a, need in zip(args, needs))
    return parents, tuple(tuple(a.shape) if isinstance(a, Tensor) else None for a in args)


def _run_forward(cls_name: str, ctx, forward, backward, args):
    """Run ``forward`` without recording and attach a FunctionNode to its output(s)."""
    needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
    ctx.needs_input_grad = needs
    prev = STATE.enabled
    STATE.enabled = False
    try:
        out = forward(*args)
    finally:
        STATE.enabled = prev
    if not (any(needs) and STATE.enabled):
        return out
    if isinstance(out, tuple):
        return _attach_several(cls_name, ctx, backward, args, needs, out)
    if not isinstance(out, Tensor):
        raise TypeError("forward of a custom Function must return a Tensor")
    if any(out is a for a in args):           # returned an input: give it its own identity
        out = Tensor._wrap(out._buf, out._vc)
    if id(out) in getattr(ctx, "_non_diff", ()):
        return out
    parents, shapes = _parents_and_shapes(args, needs)
    node = FunctionNode(ctx, backward, parents, out._buf, cls_name, shapes)
    out._node = node
    out._rg = True
    _unlink_saved(ctx, out, node)
    return out


def _unlink_saved(ctx, out: Tensor, node) -> None:
    """An output that ``forward`` saved is kept as an alias of its buffer and version counter
    without its node, and the node by a weak reference (``saved_tensors`` puts them together
    again): the saved tensor no longer closes a cycle ctx -> output -> node -> ctx, which held
    every such Function's graph until the cyclic collector ran (as PyTorch saves an output
    without its grad_fn; ``_remaker`` for an output of several)."""
    saved = getattr(ctx, "_saved", None)
    if not saved or not any(t is out for t in saved):
        return
    alias = _make(out._buf, out._vc)
    ctx._saved = tuple(alias if t is out else t for t in saved)
    remake = _remaker(node, alias) if type(node) is _OutputNode else None
    ctx.__dict__.setdefault("_owners", {})[id(alias)] = (weakref.ref(node), remake)


def _remaker(node, alias):
    """For an output of several: its node made again on the shared node (weakly held) when the
    output, and so its own node, was dropped before backward (``my_cube``'s ``dx``, which a
    double backward still differentiates through)."""
    hidden, off, name = weakref.ref(node.parents[0]), node.offset, node.cls_name

    def remake():
        h = hidden()
        return None if h is None else _OutputNode(h, off, alias, name)
    return remake


class _OutputNode(TapeNode):
    """grad_fn of one output of a custom Function with several outputs.  All outputs share one
    hidden ``FunctionNode`` whose value is the flat concatenation of the differentiable outputs;
    this node's vjp places its cotangent at its offset in that flat vector (zeros elsewhere), so
    the engine sums the outputs' cotangents there and calls ``backward`` once, with all of them.
    Both steps are ops, so a backward recorded with ``create_graph`` differentiates again."""

    __slots__ = ("__weakref__", "cls_name", "dtype", "hooks", "offset", "parents", "retain",
                 "shape")

    def __init__(self, hidden, offset, out, cls_name):
        self.parents = (hidden,)
        self.offset = offset
        self.shape = out._buf.shape
        self.dtype = out._buf.dtype
        self.hooks = None
        self.retain = None
        self.cls_name = cls_name

    def name(self) -> str:
        return f"{self.cls_name}Backward"

    def vjp(self, g, retain: bool):
        from dlcore import ops as _ops
        hidden = self.parents[0]
        flat = g.reshape(-1)
        if flat._buf.dtype != hidden.dtype:
            flat = flat.to(D.from_numpy_dtype(hidden.dtype))
        rest = hidden.shape[0] - self.offset - flat.numel()
        pieces = ([flat.new_zeros(self.offset)] if self.offset else []) + [flat] + \
            ([flat.new_zeros(rest)] if rest else [])
        return (_ops.concatenate(pieces, 0) if len(pieces) > 1 else flat,)


def _attach_several(cls_name: str, ctx, backward, args, needs, returned: tuple) -> tuple:
    """Outputs of a custom Function that returned a tuple: each floating output not marked
    non-differentiable gets an ``_OutputNode``; ``backward`` receives one gradient per output
    (zeros for a tensor no gradient reached, None for a non-tensor), as in PyTorch."""
    import numpy as np
    non_diff = getattr(ctx, "_non_diff", ())
    outs = list(returned)
    layout: dict = {}               # output index -> (offset, numel)
    offset = 0
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            continue
        if any(o is a for a in args):       # returned an input: give it its own identity
            outs[i] = o = Tensor._wrap(o._buf, o._vc)
        if id(o) not in non_diff and o._buf.dtype.kind in "fc":
            layout[i] = (offset, o.numel())
            offset += o.numel()
    if not layout:
        return tuple(outs)
    dtype = np.result_type(*(outs[i]._buf.dtype for i in layout))
    metas = [(tuple(o.shape), o._buf.dtype) if isinstance(o, Tensor) else None for o in outs]

    def unpack(flat):
        grads: list = []
        for i, meta in enumerate(metas):
            if meta is None:
                grads.append(None)
            elif i in layout:
                off, n = layout[i]
                gi = flat[off:off + n].reshape(meta[0])
                if gi._buf.dtype != meta[1]:
                    gi = gi.to(D.from_numpy_dtype(meta[1]))
                grads.append(gi)
            else:
                grads.append(flat.detach().new_zeros(meta[0],
                                                     dtype=D.from_numpy_dtype(meta[1])))
        return backward(*grads)

    parents, shapes = _parents_and_shapes(args, needs)
    hidden = FunctionNode(ctx, unpack, parents, AVal((offset,), dtype), cls_name, shapes)
    for i, (off, _) in layout.items():
        outs[i]._node = _OutputNode(hidden, off, outs[i], cls_name)
        outs[i]._rg = True
        _unlink_saved(ctx, outs[i], outs[i]._node)
    return tuple(outs)


class _FunctionMeta(type):
    """Marks each subclass as new-style (static forward) or legacy (instance forward)."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        fwd = inspect.getattr_static(cls, "forward", None)
        cls._is_legacy = fwd is not None and not isinstance(fwd, (staticmethod, classmethod)) \
            and name != "Function"


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class of custom differentiable operations (see the module docstring)."""

    _legacy_warned: ClassVar[set] = set()

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args):
        if cls._is_legacy:
            raise RuntimeError(LEGACY_MESSAGE)
        ctx = FunctionCtx()
        if _forward_ad._LEVEL and any(isinstance(a, Tensor) and _forward_ad._tangent_of(a)
                                      is not None for a in args):
            return _with_jvp(cls, ctx, args)
        return _run_forward(cls.__name__, ctx, _forward_of(cls, ctx),
                            lambda *g: cls.backward(ctx, *g), args)

    def __call__(self, *args):
        cls = type(self)
        if not cls._is_legacy:
            raise RuntimeError(LEGACY_MESSAGE)
        if cls not in Function._legacy_warned:
            Function._legacy_warned.add(cls)
            warnings.warn(legacy_rewrite_message(cls), FutureWarning, stacklevel=2)
        return _run_forward(cls.__name__, self, self.forward, self.backward, args)


#: Function's own setup_context (a staticmethod: the plain function whenever it is looked up)
_BASE_SETUP_CONTEXT = Function.setup_context


def _forward_of(cls, ctx):
    """``cls.forward`` as ``apply`` runs it: ``forward(ctx, *args)``, or, for a class that
    overrides ``setup_context`` (PyTorch 2's style, which torch.func needs), ``forward(*args)``
    and then ``setup_context(ctx, args, output)`` (the inputs as given, forward's return as
    it is), as PyTorch's ``Function.apply``."""
    if cls.setup_context is _BASE_SETUP_CONTEXT:     # (PyTorch's test; no getattr_static)
        return lambda *a: cls.forward(ctx, *a)

    def forward(*a):
        out = cls.forward(*a)
        cls.setup_context(ctx, a, out)
        return out
    return forward


def legacy_rewrite_message(cls) -> str:
    """PyTorch's error text, then the class rewritten in today's style."""
    head = (f"{cls.__name__} is a legacy autograd Function (forward/backward are instance "
            f"methods, called as {cls.__name__}()(x)). PyTorch raises here: \"{LEGACY_MESSAGE}\" "
            "dlcore_eager runs it; the modern form is:\n\n")
    src = None
    try:
        parts = [inspect.getsource(getattr(cls, m)) for m in ("forward", "backward")]
        src = f"class {cls.__name__}(torch.autograd.Function):\n" + "\n".join(
            _reindent(p) for p in parts)
    except (OSError, TypeError):
        pass
    if src:
        src = re.sub(r"^(\s*)def (forward|backward)\(self\b,?\s*",
                     lambda m: f"{m.group(1)}@staticmethod\n{m.group(1)}def {m.group(2)}(ctx, ",
                     src, flags=re.MULTILINE)
        src = re.sub(r"\(ctx, \)", "(ctx)", src)
        src = re.sub(r"\bself\.", "ctx.", src)
    else:
        src = (f"class {cls.__name__}(torch.autograd.Function):\n    @staticmethod\n"
               "    def forward(ctx, x): ...  # self.save_for_backward -> ctx.save_for_backward\n"
               "    @staticmethod\n    def backward(ctx, grad): ...  # self.saved_tensors -> "
               "ctx.saved_tensors\n")
    return head + src + f"\n\nand call it as {cls.__name__}.apply(x) instead of " \
                        f"{cls.__name__}()(x)."


def _reindent(method_src: str) -> str:
    """A method's source, indented by four spaces (as inside its class)."""
    lines = method_src.splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    return "\n".join("    " + line[indent:] if line.strip() else "" for line in lines)


class once_differentiable:
    """Mark a backward as not differentiable twice (create_graph through it raises)."""

    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *grads):
            if STATE.enabled and any(isinstance(g, Tensor) and g._rg for g in grads):
                raise RuntimeError("trying to differentiate twice a function that was marked "
                                   "with @once_differentiable")
            return fn(ctx, *grads)
        return wrapper


def _with_jvp(cls, ctx, args):
    """``cls.apply`` with a dual input at the open forward-AD level, as PyTorch: ``forward``
    runs on the primals (its operations carry no tangent) and the outputs' tangents are what
    the class's ``jvp(ctx, *tangents)`` returns (a tensor input without one: zeros; other
    inputs: None; ``ctx.saved_tensors`` are those of ``ctx.save_for_forward``).  Before, the
    operations inside ``forward`` were differentiated instead: no tangent for work done in
    NumPy, and no refusal for a class without ``jvp``."""
    if cls.jvp is Function.jvp:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")
    from ..creation import zeros_like
    tangents = [None if not isinstance(a, Tensor) else
                (_forward_ad._tangent_of(a) if _forward_ad._tangent_of(a) is not None else
                 zeros_like(a)) for a in args]
    _forward_ad._INSIDE.append(True)
    try:
        out = _run_forward(cls.__name__, ctx, _forward_of(cls, ctx),
                           lambda *g: cls.backward(ctx, *g), args)
        saved = ctx.__dict__.get("_saved"), ctx.__dict__.get("_saved_versions")
        fwd = ctx.__dict__.get("_saved_forward", ())
        ctx._saved = fwd
        ctx._saved_versions = tuple(None if t is None else t._vc[0] for t in fwd)
        try:
            result = cls.jvp(ctx, *tangents)
        finally:
            ctx._saved, ctx._saved_versions = saved
            if saved[0] is None and saved[1] is None:
                del ctx._saved, ctx._saved_versions
    finally:
        _forward_ad._INSIDE.pop()
    outs = out if isinstance(out, tuple) else (out,)
    grads = result if isinstance(result, tuple) else (result,)
    if len(grads) != len(outs):
        raise RuntimeError("Function's jvp returned an invalid number of forward gradients "
                           f"(expected {len(outs)} but got {len(grads)})")
    for o, g in zip(outs, grads):
        if isinstance(o, Tensor) and g is not None:
            if tuple(o.shape) != tuple(g.shape):
                raise RuntimeError(
                    "Trying to set a forward gradient that has a different size than that of "
                    f"the original Tensor, this is not supported. Tensor is of size "
                    f"{list(o.shape)} while the given forward gradient is of size "
                    f"{list(g.shape)}.")
            _forward_ad._remember(o, g)
    return out
