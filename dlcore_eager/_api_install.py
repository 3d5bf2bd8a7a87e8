"""The installer of the eager front end's generated API: each registry export put under its
PyTorch names (``torch.X``, ``Tensor.X``, ``F.X``, operators) through the calling convention
``_api.CONVENTIONS`` names, with its in-place form (``x.exp_()``, ``x += y``), PyTorch's grad_fn
label where the composite's last primitive is named otherwise, and a docstring.  ``activate()``
subscribes it to the registry when ``dlcore_eager`` is imported."""

from __future__ import annotations

import functools
import importlib

import numpy as np

from dlcore import api as _api

from . import _shown_saved
from ._api import _INPLACE_CONVENTIONS, _METHOD_NAMESPACES, _MODULES, CONVENTIONS
from ._code_reads import reads, real_rule
from ._grad_fn_labels import ALL_TENSOR_EDGES as _ALL_TENSOR_EDGES
from ._grad_fn_labels import LABELS as _LABELS
from ._graph import labelled
from ._overlap import check_no_partial_overlap as _check_no_partial_overlap
from ._out import check_cast as _check_cast
from ._state import SAVED_HOOKS_ON
from ._tensor_ops import mul_ as _mul
from ._views import alias
from .tensor import Tensor


def _target(ns):
    if ns in _METHOD_NAMESPACES:
        return Tensor
    return importlib.import_module(_MODULES[ns])


_NOT_OPERANDS = frozenset({np.ndarray, list, tuple})     # (as _tensor_ops' operators)

#: primitives whose vjp reads neither operand (only the cotangent and the operands' shapes)
_VJP_READS_NO_OPERAND = frozenset({"add", "sub", "neg"})


def _reads_no_self(prim, real: bool) -> bool:
    """Whether ``prim``'s eager vjp rule never reads its first input (relu's, sigmoid's: they
    read the output): its in-place form then computes from the tensor itself, no recorded
    clone (``Tensor._original``), as PyTorch's ``relu_`` whose node's edge is the input's
    node; the overwritten input is unread (``_buffer_pass._unread``).  Read off the rule's
    code (``_code_reads.reads``, conservative: a wrapper reads, cached per rule); for a
    ``real`` floating tensor a holomorphic primitive's complex wrapper is looked through
    (``real_rule``: it calls the rule as it is there, as ``_unread`` reads it)."""
    from ._graph import eager_vjp
    rule = eager_vjp(prim)
    inner = real_rule(rule) if real and rule is not None else rule
    return inner is not None and not reads(inner, 2)


def _inplace(method, name, prim=None):
    # A binary elementwise primitive first tries Tensor._into (the kernel writes into self).
    into = getattr(prim.kernels.get("cpu"), "into", None) \
        if prim is not None and prim.kind == "binary" else None

    # add/sub's gradients read no operand, so `out += identity` (a residual block) computes
    # from the tensor itself; other ops from a recorded copy (Tensor._original)
    keeps_nothing = prim is not None and prim.name in _VJP_READS_NO_OPERAND
    # `t += arr` with a NumPy array: NotImplemented, as torch's (Python then computes
    # `t + arr`, NumPy's promotion, and rebinds t; `t[0:1] += arr` writes it back in place)
    operator = name.startswith("__i")
    base = name[:-1] + "(): argument "

    # add_/sub_ with alpha (a tutorial's ``p.data.add_(p.grad.data, alpha=-lr)``): ``call``'s
    # ``other * alpha`` (mul's rounding first, then the op's, as ``call`` computes it), then
    # the kernel into this tensor as above, where neither needs a gradient
    scaled_into = into is not None and prim.name in _VJP_READS_NO_OPERAND and prim.name != "neg"

    def inplace(self, *args, **kwargs):
        # (a partial overlap of self and an operand raises first, as PyTorch's: by _into
        # itself where its quick path declines, here on every other path)
        if into is not None and len(args) == 1:
            if not kwargs:
                if self._into(prim, into, args[0]):
                    return self
            elif scaled_into and len(kwargs) == 1:
                _check_no_partial_overlap(self, args)
                if _scaled_into(self, prim, into, args[0], kwargs):
                    return self
        if operator and type(args[0]) in _NOT_OPERANDS:
            return NotImplemented
        self._check_inplace()
        _check_no_partial_overlap(self, args + tuple(kwargs.values()) if kwargs else args)
        src = self if keeps_nothing or (prim is not None and _reads_no_self(
            prim, self._buf.dtype.kind == "f")) else self._original(args, kwargs)
        try:
            result = method(src, *args, **kwargs)
        except TypeError as e:      # (the parser's words name the in-place form: add_())
            text = str(e)
            if text.startswith((base, name[:-1] + "() received an ")):
                raise TypeError(name + text[len(name) - 1:]) from None
            raise
        if result is NotImplemented:        # (an operand the operator leaves to Python)
            return result
        _check_cast(result, self)
        return self._commit(result)
    inplace.__name__ = inplace.__qualname__ = name
    return inplace


_F32_F64 = (np.dtype(np.float32), np.dtype(np.float64))
_F32_MAX = float(np.finfo(np.float32).max)


def _scaled_into(self, prim, into, other, kwargs) -> bool:
    """``self.add_(other, alpha=a)`` / ``sub_``: ``other * a`` then ``self._into`` with it, for
    a float32/float64 CPU tensor and another of its dtype, neither requiring a gradient, and
    a Python int or float ``a`` in float32's range (what ``checked_alpha`` lets through
    unchanged for a float result); False, having changed nothing, for anything else (the
    general path then).  Issue 19: 32 -> ~10 us a parameter (PyTorch 3-5)."""
    al = kwargs.get("alpha")
    if type(other) is not Tensor or (type(al) is not float and type(al) is not int) or \
            not -_F32_MAX <= al <= _F32_MAX or self._rg or other._rg:
        return False
    b, ob = self._buf, other._buf
    if type(b) is not np.ndarray or type(ob) is not np.ndarray or ob.dtype is not b.dtype or \
            b.dtype not in _F32_F64:
        return False
    return self._into(prim, into, _mul(other, al))


#: PyTorch's grad_fn names of composites whose last primitive is named otherwise (silu: a mul)
_GRAD_FN = {"silu": "SiluBackward0", "gelu": "GeluBackward0", "elu": "EluBackward0",
            "leaky_relu": "LeakyReluBackward0", "softplus": "SoftplusBackward0",
            "hardtanh": "HardtanhBackward0", "relu6": "HardtanhBackward0",
            "logsumexp": "LogsumexpBackward0", "gather": "GatherBackward0",
            "embedding": "EmbeddingBackward0", "addmm": "AddmmBackward0",
            "lerp": "LerpBackward0", "tril": "TrilBackward0", "triu": "TriuBackward0",
            "repeat": "RepeatBackward0", "diagonal": "DiagonalBackward0",
            "flip": "FlipBackward0", "roll": "RollBackward0", "movedim": "PermuteBackward0",
            "moveaxis": "PermuteBackward0", "mv": "MvBackward0", "narrow": "SliceBackward0",
            "pixel_shuffle": "PixelShuffleBackward0", "pixel_unshuffle": "PixelUnshuffleBackward0",
            "channel_shuffle": "ChannelShuffleBackward0", "hardshrink": "HardshrinkBackward0",
            "softshrink": "SoftshrinkBackward0", "sgn": "SgnBackward0",
            "unflatten": "ViewBackward0", "selu": "EluBackward0", "celu": "CeluBackward0",
            "mish": "MishBackward0", "hardswish": "HardswishBackward0",
            "hardsigmoid": "HardsigmoidBackward0", "logsigmoid": "LogSigmoidBackward0",
            "nan_to_num": "NanToNumBackward0", "logit": "LogitBackward0",
            "tile": "RepeatBackward0", "trace": "TraceBackward0",
            "masked_select": "MaskedSelectBackward0", "cumsum": "CumsumBackward0",
            "cumprod": "CumprodBackward0", **_LABELS}
#: composites whose node under saved_tensors_hooks is PyTorch's (autograd._saved_composites)
_SAVED_LABELS = frozenset({"SiluBackward0", "GeluBackward0", "LogsumexpBackward0"})
#: labels of view functions: one that changes nothing (``x.movedim(0, 0)``) still returns a new
#: view, as PyTorch's (``_views.alias``), not the tensor itself
_VIEW_LABELS = frozenset({"PermuteBackward0", "ViewBackward0", "SliceBackward0"})


#: in-place forms the calling convention would make but PyTorch 2.13's Tensor lacks (a name
#: that exists must behave as PyTorch's; tests/eager/test_dtype_policy_vs_torch.py checks
#: every generated in-place name against torch.Tensor)
_NOT_IN_TORCH = frozenset({
    "aminmax_", "argsort_", "argwhere_", "count_nonzero_", "cross_", "diag_", "diagonal_",
    "dist_", "flip_", "gather_", "hardshrink_", "index_select_", "isfinite_", "isinf_",
    "isnan_", "logaddexp_", "logcumsumexp_", "masked_select_", "matrix_power_", "maximum_",
    "minimum_", "moveaxis_", "movedim_", "mv_", "narrow_", "nonzero_", "orgqr_", "repeat_",
    "repeat_interleave_", "roll_", "tile_", "trace_", "unflatten_", "unique_",
    "unique_consecutive_"})


def _float_tensors(args, kwargs) -> tuple | None:
    """The floating (or complex) tensor arguments, in order (None if a list holds tensors)."""
    out = []
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            if a._buf.dtype.kind not in "biu":
                out.append(a)
        elif isinstance(a, (list, tuple)) and any(isinstance(t, Tensor) for t in a):
            return None
    return tuple(out)


def _one_float_tensor(args, kwargs) -> tuple | None:
    """``(t,)`` if ``t`` is the one floating (or complex) tensor among the arguments (none a
    list or tuple of tensors), else None."""
    found = _float_tensors(args, kwargs)
    return found if found is not None and len(found) == 1 else None


def _labelling(f, label, all_edges: bool = False, fname: str | None = None):
    """``f`` whose result's grad_fn is named ``label`` (an input's node is never renamed);
    ``label`` may be a function of the call's arguments (``(args, kwargs) -> name``) for the
    names that depend on them; a (values, indices) result has its values labelled."""
    named = label if callable(label) else None
    # (silu, gelu, logsumexp: PyTorch's one node and saved tensors while a saved_tensors_hooks
    # pair is active: autograd._saved_composites, loaded by autograd.graph before any pair)
    saved = label in _SAVED_LABELS
    active = SAVED_HOOKS_ON
    # (PyTorch's _saved_* on the node: _shown_saved)
    shows = label in _shown_saved.LABELS or fname in _shown_saved.ACTIVATIONS

    @functools.wraps(f)
    def labelling(*args, **kwargs):
        if saved and active[0]:
            from .autograd._saved_composites import labelled_entry
            out = labelled_entry(label, f, args, kwargs)
            if out is not None:
                return out
        out = f(*args, **kwargs)
        x = args[0] if args else kwargs.get("input")
        if type(x) is str:                  # (einsum: the first operand)
            x = args[1] if len(args) > 1 else None
            x = x[0] if isinstance(x, (list, tuple)) and x else x
        elif named is not None and not isinstance(x, Tensor) and len(args) > 1:
            x = args[1]                     # (a number first: zeta(2., x))
        name = label if named is None else named(args, kwargs)
        if name is None:
            return out
        if out is x and name in _VIEW_LABELS:
            return alias(x, name)
        # PyTorch's node of a call with one float tensor has that tensor as its only input
        # (integer and boolean tensors, indices and masks, are no inputs of its node)
        edges = None if not isinstance(x, Tensor) else _float_tensors(args, kwargs) \
            if all_edges else _one_float_tensor(args, kwargs)
        if isinstance(out, tuple):           # (values and indices, std and mean, ...)
            if isinstance(x, Tensor):
                for t in out:
                    if isinstance(t, Tensor):
                        labelled(t, name, x, edges=edges)
            return out
        if not isinstance(x, Tensor):
            return out
        out = labelled(out, name, x, edges=edges)
        return _shown_saved.from_call(name, out, x, args, kwargs, fname) if shows else out
    return labelling


INSTALLATION = _api.Installation("dlcore_eager", _api.EAGER_NAMESPACES + ("operator",),
                                 CONVENTIONS)
MISSING = INSTALLATION.missing


def install(export) -> None:
    """Put ``export`` under each of its PyTorch names."""
    factory, spaces = INSTALLATION.adapter(export)
    if factory is None:
        return
    for ns in spaces:
        target = _target(ns)
        for name in export.names[ns]:
            f = factory(export, ns, name)
            label = _GRAD_FN.get((ns, name)) or _GRAD_FN.get(name)
            if label is not None:
                f = _labelling(f, label, name in _ALL_TENSOR_EDGES, name)
            if not name.startswith("__"):
                f.__name__ = f.__qualname__ = name
                f.__doc__ = _doc(export, ns, name)
            INSTALLATION.put(export, target, name, f)
            inplace = None
            if ns == "Tensor" and not name.startswith("__") and \
                    export.convention in _INPLACE_CONVENTIONS:
                inplace = name + "_"                     # x.exp_(), x.add_(y)
            elif ns == "operator" and export.convention in ("binary", "div") and \
                    (not name.startswith("__r") or name == "__rshift__"):
                inplace = "__i" + name[2:]               # x += y, x >>= y
            if inplace is not None and inplace not in _NOT_IN_TORCH:
                INSTALLATION.put(export, target, inplace, _inplace(f, inplace, export.prim))


uninstall = INSTALLATION.uninstall


def _doc(export, ns, name) -> str:
    where = "Tensor." if ns == "Tensor" else ("torch." if ns == "torch" else f"{ns}.")
    ex = _api.example(export, ns, name, eager=True)
    return f"{where}{name}: dlcore op '{export.name}'.\n\n{export.doc}" + (f"\n\n{ex}" if ex else "")


def activate() -> None:
    _api.subscribe(install, uninstall)
