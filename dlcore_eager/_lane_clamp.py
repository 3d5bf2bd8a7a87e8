"""The lane's entry of ``clamp``/``clip``/``clamp_min``/``clamp_max`` with number bounds (issue
19): ``x.clamp(-0.5, 0.5)``, ``torch.clamp(x, min=0.0)``, ``x.clamp_min(0.0)`` of a float32 or
float64 CPU tensor taken in the entry itself.

The general entry (``_tensor_ops.clamp`` behind ``_signatures``' ``out=`` and the dtype guards'
checks of the bounds) goes through four call layers and ``apply``: ~5.7 us against PyTorch's
~1.4 us for a 4x8 tensor.  What it computes for such a call is the ``clamp`` primitive
(``dlcore.ops.clamp``: ``minimum(maximum(x, min), max)`` bit for bit, each number bound
converted to ``x``'s dtype as the primitive's kernel converts it), and where ``x`` requires
grad, one tape node named after PyTorch's function (``ClampBackward1``: ``_graph``'s name of
the primitive; ``ClampMinBackward0``/``ClampMaxBackward0`` set as labels).  The entry here
computes it in one NumPy loop, ``CLIP_UFUNC`` (the kernel's own loop), the bounds as the
shared scalar buffers ``apply`` makes; where ``x`` requires grad, with ``apply``'s node for
one tensor and the primitive's params, spelled out as ``apply`` spells it (issue 19: 4x8 with
grad 3.7 -> ~2.1 us against PyTorch's ~2.0, where maximum's and minimum's two nodes were
recorded).  It takes a call only where every bound is a Python float within the dtype's finite
range (NaN, inf and float32 overflows: the general entry's values and errors) or such an int,
the tensor is a ``Tensor`` (an ``nn.Parameter`` too: the result is a plain Tensor, as the
general entry's), and no trace, autocast or other keyword (``out=``, ``input=``) is in play;
anything else is the general entry's, so results, grad_fn names, errors and devices are its
own.  In place (``clamp_``, ``clip_``) where nothing is recorded: the general entry's
``_check_inplace`` and ``_commit`` around the same loop (weight clipping,
``p.data.clamp_(-c, c)``); a recorded one is the general entry's.  The primitive's CPU kernel
replaced after import: the general entry.
"""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu.elementwise import CLIP_UFUNC
from dlcore.ops.clamp import clamp_p as _clamp_p
from dlcore.ops.clamp import hardtanh_p as _hardtanh_p
from dlcore.registry import scalar_buffer

from . import _dispatch as _D
from . import _lane as L
from . import _shown_saved as _shown
from ._arg_checks import inplace_node
from ._graph import Node, leaf_node
from ._state import STATE
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_ndarray = np.ndarray
_asarray = np.asarray
_F32, _F64 = L._F32, L._F64
_LIM = {_F32: float(np.finfo(np.float32).max), _F64: float(np.finfo(np.float64).max)}
_I64 = 2 ** 63
_CLIP = CLIP_UFUNC
_node_new = Node.__new__


def _boundless(d):
    lo, hi = np.asarray(-np.inf, dtype=d), np.asarray(np.inf, dtype=d)
    lo.flags.writeable = hi.flags.writeable = False
    return lo, hi


#: dtype -> the read-only 0-d (-inf, +inf) of a missing bound
_BOUNDLESS = {_F32: _boundless(_F32), _F64: _boundless(_F64)}

#: name -> (the keyword of its first bound, of its second (None: one bound), grad_fn label
#: ("": the in-place forms)
_FORMS = {"clamp": ("min", "max", "ClampBackward1"), "clip": ("min", "max", "ClampBackward1"),
          "clamp_min": ("min", None, "ClampMinBackward0"),
          "clamp_max": ("max", None, "ClampMaxBackward0"),
          "clamp_": ("min", "max", ""), "clip_": ("min", "max", "")}


def _bound_ok(v, lim: float) -> bool:
    """A bound the entry takes: None, or a Python float/int within ``[-lim, lim]`` (no NaN,
    no inf: the general entry's)."""
    t = type(v)
    if t is float:
        return -lim <= v <= lim
    if t is int:
        return -_I64 <= v < _I64 and -lim <= v <= lim
    return v is None


def _recorded(x, out, params: dict, label, prim=_clamp_p):
    """``apply(prim, (x,), params)``'s result for a tensor ``x`` that requires grad (grad
    mode on), whose value ``out`` the caller computed: ``apply``'s node for one tensor, spelled
    out as ``apply`` spells it, named ``label`` where that is not the primitive's name."""
    version = [0]
    # ``Node(prim, params, (parent,), (x,), (v,), out, version)``'s stores inline (as
    # _dispatch.apply; a field added to ``Node.__init__`` must be added here too)
    node = _node_new(Node)
    node.prim = prim
    node.params = params
    node.parents = (x._node or leaf_node(x),)
    node.inputs = (x,)
    node.versions = (x._vc[0],)
    node.out_buf = out
    node.out_version = version
    node.out_ver0 = 0
    node.shape = out.shape
    node.dtype = out.dtype
    node.hooks = None
    node.retain = None
    if label is not None:
        node.label = label
    return _make(out, version, node)


def _value(out):
    """A ufunc's result as an array (NumPy's scalar for a 0-d operand)."""
    return out if type(out) is _ndarray else _asarray(out)


def _write(x, b, slo, shi):
    """``x`` clamped in place where nothing is recorded: the loop writes its memory where no
    view shares it (``_commit``'s after_inplace has nothing to do), the version counter bumped
    as ``_commit`` bumps it; else (and for read-only memory: its error) ``_commit``."""
    assert _CLIP is not None                    # (the entries step aside without it)
    if len(x._vc) == 1 and getattr(x, "_view", None) is None and b.ndim:
        try:
            _CLIP(b, slo, shi, out=b)
        except ValueError:
            pass
        else:
            x._vc[0] += 1
            return x
    return x._commit(_make(_value(_CLIP(b, slo, shi))))


def clamp_entry(name: str):
    """``parse.entry`` of ``name`` (a key of ``_FORMS``): the module docstring's lane."""
    first, second, label = _FORMS[name]
    inplace = not label                 # (in place: no label, the node is the general's)
    # (the node's label where it is not the primitive's own name, ClampBackward1)
    node_label = label if label and label != "ClampBackward1" else None
    pt = _D._PT
    names = frozenset((first, second) if second else (first,))
    kernel = _clamp_p.kernels["cpu"]        # (the one whose loop CLIP_UFUNC is)

    def make(general, parse):
        def lane_entry(*args, **kw):
            n = len(args)
            x = args[0] if n else None
            if (type(x) is not Tensor and not isinstance(x, Tensor)) or \
                    n > (3 if second else 2) or _RECORDERS or _D._AUTOCAST or _CLIP is None:
                return general(*args, **kw)
            b = x._buf
            d = b.dtype
            if type(b) is not _ndarray or (d is not _F32 and d is not _F64):
                return general(*args, **kw)
            lo = args[1] if n > 1 else None
            hi = args[2] if n > 2 else None
            if kw:
                if not kw.keys() <= names or \
                        (n > 1 and first in kw) or (n > 2 and second in kw):
                    return general(*args, **kw)
                lo = kw.get(first, lo)
                hi = kw.get(second, hi) if second else None
            if not second:
                if n < 2 and first not in kw:
                    return general(*args, **kw)     # (its TypeError: the bound is required)
                if first == "max":
                    lo, hi = None, lo
            lim = _LIM[d]
            if (lo is None and hi is None) or not (_bound_ok(lo, lim) and _bound_ok(hi, lim)) \
                    or b.size >= pt or kernel is not _clamp_p.kernels["cpu"]:
                return general(*args, **kw)
            slo = _BOUNDLESS[d][0] if lo is None else scalar_buffer(lo, d)
            shi = _BOUNDLESS[d][1] if hi is None else scalar_buffer(hi, d)
            if inplace:                 # (recorded: the general entry's copy and node)
                if x._rg and STATE.enabled:
                    return general(*args, **kw)
                x._check_inplace()
                return _write(x, b, slo, shi)
            out = _value(_CLIP(b, slo, shi))
            if x._rg and STATE.enabled:
                # the general entry's node (apply's of the clamp primitive), and its label
                return _recorded(x, out, {"lo": lo, "hi": hi}, node_label)
            return _make(out)
        return lane_entry
    return make


def _parse():
    """A parse of its own per name (its ``entry`` attribute is the name's): none; the entry
    takes its calls itself."""
    def parse(args, kw):
        return None
    return parse


for _name in _FORMS:
    L.MORE[_name] = _parse()
    L.ENTRIES[_name] = clamp_entry(_name)


#: F.hardtanh's and F.relu6's parameters after the input
_HT_NAMES = {"hardtanh": ("min_val", "max_val", "inplace"), "relu6": ("inplace",)}


def hardtanh_entry(name: str):
    """``parse.entry`` of ``F.hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False)`` and
    ``F.relu6(x, inplace=False)`` (nn.Hardtanh's and nn.ReLU6's calls) on a float32/float64
    CPU ``Tensor`` with Python float/int bounds in the dtype's finite range, ``min_val <=
    max_val`` (else the general entry's ValueError), no trace or autocast: the ``hardtanh``
    primitive's value (``CLIP_UFUNC``, its CPU kernel's loop) and, where recorded, its node
    named and showing what the general entry's shows (``HardtanhBackward0``, ``_saved_self``,
    the bounds); in place, its steps (``_check_inplace``, the recorded copy ``_original``,
    ``inplace_node``, ``_commit``), or where nothing is recorded the loop writing the memory.
    The general entry went through the dtype guards, the labelling and ``apply``: (4, 8) 11.1
    us against the kernel's 1.1 (issue 19)."""
    names = _HT_NAMES[name]
    defaults = (-1.0, 1.0, False) if name == "hardtanh" else (False,)
    most = len(names) + 1

    def make(general, parse):
        def lane_entry(*args, **kw):
            n = len(args)
            x = args[0] if n else None
            if type(x) is not Tensor or n > most or _RECORDERS or _D._AUTOCAST or \
                    _CLIP is None or _hardtanh_p.kernels["cpu"] is not _KERNEL:
                return general(*args, **kw)
            vals = list(defaults)
            vals[:n - 1] = args[1:]
            for k, v in kw.items():
                i = names.index(k) if k in names else -1
                if i < n - 1:               # (unknown, or given twice: general's error)
                    return general(*args, **kw)
                vals[i] = v
            lo, hi, inplace = vals if len(vals) == 3 else (0.0, 6.0, vals[0])
            if inplace is not False and inplace is not True:
                return general(*args, **kw)
            b = x._buf
            d = b.dtype
            if type(b) is not _ndarray or (d is not _F32 and d is not _F64):
                return general(*args, **kw)
            lim = _LIM[d]
            if lo is None or hi is None or not (_bound_ok(lo, lim) and _bound_ok(hi, lim)) \
                    or lo > hi:
                return general(*args, **kw)
            slo, shi = scalar_buffer(lo, d), scalar_buffer(hi, d)
            params = {"lo": float(lo), "hi": float(hi)}
            after = tuple(args[1:])
            if inplace:
                x._check_inplace()
                if not (x._rg and STATE.enabled):
                    return _write(x, b, slo, shi)
                src = x._original()
                out = _recorded(src, _value(_CLIP(src._buf, slo, shi)), params,
                                "HardtanhBackward0", _hardtanh_p)
                return x._commit(inplace_node(name, out, src, after, kw))
            out = _value(_CLIP(b, slo, shi))
            if x._rg and STATE.enabled:
                return _shown.activation(name, _recorded(x, out, params, "HardtanhBackward0",
                                                         _hardtanh_p), x, after, kw)
            return _make(out)
        return lane_entry
    return make


_KERNEL = _hardtanh_p.kernels["cpu"]

for _name in _HT_NAMES:
    L.MORE[_name] = _parse()
    L.ENTRIES[_name] = hardtanh_entry(_name)
