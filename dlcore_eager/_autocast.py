"""What ``torch.autocast('cpu')`` does to each op, decided per op as PyTorch's dispatcher does.

PyTorch keeps autocast's state per thread and consults it in its dispatcher, once per op: an op
on its CPU lower-precision list casts its floating inputs to the region's dtype (bfloat16 by
default, float16 when asked), an op on its float32 list casts them to float32, an op on its
promote list casts them to the widest floating dtype among them, and every other op runs on the
dtypes it is given (``bfloat16 + float32`` is float32 by the usual promotion; softmax keeps a
bfloat16 input bfloat16).  Inside a listed op autocast is off (its own inner ops run as called).
Composite ops that PyTorch decomposes (an RNN's step loop, a Transformer layer) are autocast
through the listed ops they reach.

dlcore does the same at two depths, each with an autocast class from the tables below:

* **primitives** (``PRIMITIVES``): ``EagerFrontend.apply`` (``_dispatch``) tests one module flag,
  ``_dispatch._AUTOCAST`` (true while some thread has an enabled CPU region), and only then
  calls :func:`dispatch_hook`, which reads this thread's state.  ``matmul`` and the
  convolutions are lower-precision wherever they are reached (``x @ w``, ``torch.mm``, an RNN's
  hidden-state product); ``prod``, the factorisations and the FFTs are float32;
* **eager op entries** (``LOWER``, ``FP32``, ``PROMOTE``, ``AS_IS``, ``POLICIES``; wrapped once
  at import by :func:`install`, or by an ``nn`` module through :class:`View`/:func:`entry`):
  the public functions whose PyTorch op is listed but whose dlcore body is a composite
  (``F.linear`` = matmul + bias: the bias is cast too, so the result is bfloat16; the losses;
  ``torch.cat``'s promotion), ``"as_is"`` entries: ops that are one kernel in PyTorch, unlisted,
  whose dlcore body happens to use a listed primitive (``torch.mv``, ``F.interpolate``'s resize
  matrices): they run without autocast inside, as PyTorch's kernel does; and policies that
  choose per call as PyTorch's decompositions do (``torch.inner``/``tensordot``/``einsum``: an
  ``mm`` in lower precision or a ``dot``/product as given; ``F.pad``: float32 for reflect and
  replicate).  Outside autocast a wrapper costs one flag test and a call.

``nn.RNN``/``LSTM``/``GRU`` and the cells compute PyTorch's ``linear(x, W_ih, b_ih) + linear(h,
W_hh, b_hh)`` step under autocast (``nn.rnn``), so their outputs have PyTorch's dtypes (bfloat16
for RNN; float32 for LSTM and GRU, whose float32 state update promotes).  For LSTM that is
PyTorch's composite path (``torch.backends.mkldnn`` off); its default oneDNN LSTM kernel is on
the lower list and, where oneDNN accepts bfloat16, returns bfloat16 (on the AVX2 machine these
tests ran on it raises instead).

Layer and group norm (``"norm"``) on a 16-bit input with float32 weights compute in float32 and
return the input's dtype, as PyTorch's mixed-dtype CPU kernels do (dlcore's would promote).

"Floating inputs" are float32/float16/bfloat16 CPU tensors, also inside a list argument; float64
tensors are left alone, as PyTorch does.  The casts are ordinary differentiable ``Tensor.to``
calls, so gradients reach float32 parameters in float32.  Backward runs without autocast (the
engine suspends it, :func:`suspend`), so each backward op has its forward op's dtypes, also
when ``backward()`` is called inside a region (where PyTorch rounds its listed backward ops
through the region's dtype, then casts the gradient back: same dtypes, dlcore's values are the
float32 ones; PyTorch's docs advise against backward inside autocast).
Casts of leaf tensors that require grad (weights) are cached for the thread's outermost region,
as PyTorch's ``cache_enabled`` does, so an RNN step loop casts its weights once; the cache is
dropped at every ``backward``/``autograd.grad`` (a training loop inside one region neither
backpropagates through a freed cast nor reads weights from before ``optimizer.step``) and is not
filled under ``no_grad``.  All of this state is per thread (:data:`TLS`): a region in one thread
changes nothing in another.
"""

from __future__ import annotations

import functools
import sys
import threading
import types
from typing import Any

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops

from . import _dispatch as _D
from ._graph import labelled
from ._state import STATE
from .tensor import Tensor

_F32 = np.dtype(np.float32)
_HALF_NP = {np.dtype(np.float16)}
_ELIGIBLE = {_F32} | _HALF_NP


def _add_bfloat16(d: np.dtype) -> None:
    _HALF_NP.add(d)
    _ELIGIBLE.add(d)


_dt.on_bfloat16(_add_bfloat16)


def _names(table: dict) -> list:
    return [(ns, n) for ns, names in table.items() for n in names.split()]


#: Primitives' autocast classes (PyTorch's CPU lists, for the ops dlcore has as primitives).
PRIMITIVES = {
    **dict.fromkeys(("matmul", "conv", "conv_bias", "conv_transpose"), "lower"),
    **dict.fromkeys(("prod", "cholesky", "inv", "solve", "triangular_solve", "svd", "eig",
                     "eigh", "qr", "lu", "fft_c2c", "fft_r2c", "fft_c2r", "ctc_loss",
                     "sparse_softmax_xent"), "fp32"),
}

#: Eager op entries: namespace ("" = torch, "nn.functional", "linalg", "fft", "Tensor" for
#: methods) and names, per class.
LOWER = _names({
    "": "matmul mm bmm addmm baddbmm addbmm prelu conv1d conv2d conv3d conv_transpose1d "
        "conv_transpose2d conv_transpose3d conv_tbc",
    "nn.functional": "linear conv1d conv2d conv3d conv_transpose1d conv_transpose2d "
                     "conv_transpose3d _conv_t prelu scaled_dot_product_attention "
                     "multi_head_attention_forward",
    "linalg": "matmul vecdot",
    "Tensor": "addmm baddbmm addbmm",
})
FP32 = _names({
    "": "prod cdist trace inverse pinverse quantile nanquantile polar stft istft "
        "cholesky cholesky_inverse cholesky_solve lu lu_solve orgqr ormqr geqrf view_as_complex",
    "nn.functional": "cross_entropy nll_loss mse_loss l1_loss smooth_l1_loss huber_loss "
                     "binary_cross_entropy binary_cross_entropy_with_logits kl_div "
                     "margin_ranking_loss soft_margin_loss multilabel_margin_loss "
                     "multilabel_soft_margin_loss hinge_embedding_loss poisson_nll_loss "
                     "triplet_margin_loss cosine_embedding_loss multi_margin_loss ctc_loss "
                     "avg_pool3d max_pool3d adaptive_avg_pool3d adaptive_max_pool3d max_unpool2d max_unpool3d "
                     "grid_sample local_response_norm",
    "linalg": "cholesky cholesky_ex inv inv_ex solve svd svdvals eig eigvals eigh eigvalsh qr "
              "lstsq householder_product tensorinv tensorsolve matrix_rank cond",
    "fft": "fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn hfft ihfft",
    "Tensor": "prod inverse pinverse trace cholesky cholesky_inverse cholesky_solve quantile "
              "nanquantile stft istft orgqr ormqr geqrf",
})
PROMOTE = _names({"": "cat concat concatenate stack index_copy", "Tensor": "index_copy"})
#: Unlisted ops that are one kernel in PyTorch but use a listed primitive in dlcore.
AS_IS = _names({
    "": "mv dot vdot outer ger addmv addr kron matrix_exp",
    "nn.functional": "interpolate upsample upsample_bilinear upsample_nearest "
                     "adaptive_avg_pool1d adaptive_avg_pool2d bilinear fold unfold",
    "linalg": "matrix_exp vector_norm matrix_norm norm",
    "Tensor": "mv dot vdot outer ger addmv addr kron matrix_exp",
})


def _pad_policy(args, kwargs) -> str | None:
    """``F.pad`` is a float32 op for the reflect and replicate modes only."""
    mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
    return "fp32" if mode in ("reflect", "replicate") else None


def _norm_policy(args, kwargs) -> str | None:
    x = args[0] if args else kwargs.get("input")
    return "norm" if isinstance(x, Tensor) and x._buf.dtype in _HALF_NP else None


def _inner_policy(args, kwargs) -> str:
    """``torch.inner`` is PyTorch's ``tensordot`` (an ``mm``: lower precision), or, with a 0-d
    operand or two vectors, a product or a ``dot`` (run as given)."""
    nd = [v.ndim for v in list(args[:2]) + list(kwargs.values()) if isinstance(v, Tensor)]
    return "as_is" if 0 in nd or nd == [1, 1] else "lower"


def _tensordot_policy(args, kwargs) -> str | None:
    """``torch.tensordot`` contracting every axis is PyTorch's ``dot`` (run as given); any other
    is an ``mm`` (the ``matmul`` primitive's lower precision)."""
    a, b = (list(args[:2]) + [kwargs.get("a"), kwargs.get("b")])[:2]
    dims = args[2] if len(args) > 2 else kwargs.get("dims", 2)
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return None
    n = dims if isinstance(dims, int) else len(dims[0]) if len(dims) else 0
    return "as_is" if a.ndim + b.ndim - 2 * n == 0 else None


def _einsum_policy(args, kwargs) -> str | None:
    """``torch.einsum`` contracts an index shared by two operands with ``bmm`` (lower
    precision); sums, diagonals and products without such an index run as given."""
    eq = args[0] if args and isinstance(args[0], str) else kwargs.get("equation")
    if not isinstance(eq, str):
        return None                         # (the sublist form: per primitive)
    lhs, arrow, rhs = eq.replace(" ", "").replace("...", "").partition("->")
    terms = [set(t) for t in lhs.split(",")]
    seen = [c for t in terms for c in t]
    out = set(rhs) if arrow else {c for c in seen if seen.count(c) == 1}
    shared = any(c not in out and seen.count(c) >= 2 for c in set(seen))
    return "lower" if len(terms) > 1 and shared else "as_is"


NORMS = _names({"nn.functional": "layer_norm batch_norm group_norm instance_norm"})
POLICIES = {("nn.functional", "pad"): _pad_policy, ("", "inner"): _inner_policy,
            ("Tensor", "inner"): _inner_policy, ("", "tensordot"): _tensordot_policy,
            ("", "einsum"): _einsum_policy,
            **{k: _norm_policy for k in NORMS}}


class _Thread(threading.local):
    """One thread's autocast state (PyTorch's thread-local autocast state)."""

    def __init__(self) -> None:
        self.cpu = False          # an enabled CPU region is open: ops are cast
        self.cpu_dtype: Any = None     # its lower-precision dtype (a dlcore_eager dtype)
        self.cuda = False         # an enabled CUDA region (tracked; ops compute in float32)
        self.cuda_dtype: Any = None
        self.depth = 0            # > 0 inside a listed op or a backward pass
        self.counted = False      # in _ACTIVE (cpu and depth 0): see _sync
        self.ident = threading.get_ident()
        self.nesting = 0          # open regions
        self.cache: dict = {}     # id(leaf) -> (leaf, version, np dtype, cast)
        self.cache_enabled = True


TLS = _Thread()
_LOCK = threading.Lock()
_ACTIVE: set = set()    # threads whose ops are cast now: an enabled CPU region, at depth 0


def _mark(st: _Thread, on: bool) -> None:
    """This thread in ``_ACTIVE`` or not, and ``_dispatch._AUTOCAST`` = "some thread's ops are
    cast now" (idempotent: an interrupt between two steps is mended by the next call)."""
    if on is not st.counted:
        with _LOCK:
            (_ACTIVE.add if on else _ACTIVE.discard)(st.ident)
            _D._AUTOCAST = bool(_ACTIVE)
        st.counted = on


def _sync(st: _Thread) -> None:
    """Keep this thread in ``_ACTIVE`` exactly while its ops are cast (``st.cpu`` and depth 0).
    Inside a listed op or a backward pass (depth > 0) a thread's ops run as given, so with no
    other thread casting the flag is off there and the quick lanes (which run no hook) take
    its ops: F.linear's matmul, a norm's float32 body, a loss's (issue 19: 2-4x the same ops
    outside autocast).  Called after every change of ``st.cpu`` or ``st.depth``; a change
    that turns casting on marks the thread first (``_ahead``), so the flag is never off while
    a thread casts, whatever an interrupt between the two steps leaves."""
    _mark(st, st.cpu and not st.depth)


def _ahead(st: _Thread, cpu: bool, depth: int) -> None:
    """Before ``st`` takes these values: marked active where they make it cast."""
    if cpu and not depth:
        _mark(st, True)


def _back(st: _Thread) -> None:
    """Leave a listed op (depth - 1), marked active first where the thread casts again."""
    _ahead(st, st.cpu, st.depth - 1)
    st.depth -= 1


def enter(device_type: str, dtype, enabled: bool, cache_enabled: bool) -> tuple:
    """Open a region on this thread; returns what :func:`leave` restores."""
    st = TLS
    saved = (st.cpu, st.cpu_dtype, st.cuda, st.cuda_dtype, st.depth, st.cache_enabled)
    _ahead(st, enabled if device_type == "cpu" else st.cpu, 0)
    st.depth = 0
    if device_type == "cpu":
        st.cpu_dtype = dtype
        st.cpu = enabled
    else:
        st.cuda, st.cuda_dtype = enabled, dtype
    _sync(st)
    st.cache_enabled = cache_enabled
    st.nesting += 1
    return saved


def leave(saved: tuple) -> None:
    """Close a region opened by :func:`enter` (the outermost one drops the cast cache)."""
    st = TLS
    _ahead(st, saved[0], saved[4])
    st.cpu, st.cpu_dtype, st.cuda, st.cuda_dtype, st.depth, st.cache_enabled = saved
    _sync(st)
    st.nesting -= 1
    if st.nesting == 0:
        st.cache = {}


def suspend() -> int:
    """Run what follows without autocast on this thread (the engine's backward pass)."""
    st = TLS
    st.depth += 1
    _sync(st)
    return st.depth - 1


def resume(depth: int) -> None:
    st = TLS
    _ahead(st, st.cpu, depth)
    st.depth = depth
    _sync(st)


def drop_cache() -> None:
    """Forget this thread's cached weight casts (every backward: the weights may change)."""
    st = TLS
    if st.cache:
        st.cache = {}


def active() -> bool:
    """Are this thread's ops being autocast here (an enabled CPU region, outside listed ops)?"""
    if not _D._AUTOCAST:
        return False
    st = TLS
    return st.cpu and not st.depth


# ----------------------------------------------------------------------------- casting
def _cast(a, np_target, target, st):
    if isinstance(a, Tensor):
        b = a._buf
        if b.dtype in _ELIGIBLE and b.dtype != np_target and type(b) is np.ndarray:
            if a._rg and a._node is None and st.cache_enabled and STATE.enabled:
                hit = st.cache.get(id(a))
                if hit is not None and hit[0] is a and hit[1] == a._vc[0] and \
                        hit[2] == np_target:
                    return hit[3]
                out = _ops.cast(a, np_target)
                st.cache[id(a)] = (a, a._vc[0], np_target, out)
                return out
            return _ops.cast(a, np_target)      # (a.to(target) without its argument parsing)
        return a
    if type(a) is np.ndarray and a.dtype in _ELIGIBLE and a.dtype != np_target:
        return a.astype(np_target)          # a constant inside a composite (a resize matrix)
    if type(a) in (list, tuple) and any(isinstance(x, Tensor) for x in a):
        return type(a)(_cast(x, np_target, target, st) for x in a)
    return a


def _target(kind: str, st, args, kwargs):
    from . import _dtype as D
    if kind == "lower":
        return st.cpu_dtype
    if kind == "fp32":
        return D.float32
    return _promoted(st, list(args) + list(kwargs.values()))


def _promoted(st, values):
    """PyTorch's ``at::autocast::prioritize``: float32 if any eligible input is float32, else
    the region's dtype; float64 inputs are ignored; the other 16-bit type is an error."""
    from . import _dtype as D
    lower = st.cpu_dtype.np_dtype
    best = lower
    for v in values:
        if type(v) in (list, tuple):
            for x in v:
                if isinstance(x, Tensor):
                    best = _prioritize(best, x, lower)
        elif isinstance(v, Tensor):
            best = _prioritize(best, v, lower)
    return D.float32 if best == _F32 else st.cpu_dtype


def _prioritize(best, x, lower):
    d = x._buf.dtype
    if d not in _ELIGIBLE or type(x._buf) is not np.ndarray:
        return best
    if best == _F32 or d == _F32:
        return _F32
    if d != lower:
        raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
    return best


def dispatch_hook(prim, args, params):
    """Called by ``EagerFrontend.apply`` while some thread autocasts: runs a listed primitive on
    cast inputs, or returns None (the op runs as given)."""
    st = TLS
    if not st.cpu or st.depth:
        return None
    kind = PRIMITIVES.get(prim.name)
    if kind is None:
        return None
    target = _target(kind, st, args, {})
    np_target = target.np_dtype
    args = tuple([_cast(a, np_target, target, st) for a in args])
    st.depth += 1
    _sync(st)
    try:
        return _D.EagerFrontend.apply(prim, args, params)
    finally:
        _back(st)


def _run_entry(fn, policy, args, kwargs):
    st = TLS
    if not st.cpu or st.depth or kwargs.get("out") is not None:
        return fn(*args, **kwargs)          # (out= variants are not autocast in PyTorch)
    kind = policy if isinstance(policy, str) else policy(args, kwargs)
    if kind is None:
        return fn(*args, **kwargs)
    if kind == "norm":
        return _norm(fn, args, kwargs, st)
    if kind != "as_is":
        target = _target(kind, st, args, kwargs)
        np_target = target.np_dtype
        args = tuple([_cast(a, np_target, target, st) for a in args])
        if kwargs:
            kwargs = {k: _cast(v, np_target, target, st) for k, v in kwargs.items()}
    st.depth += 1
    _sync(st)
    try:
        return fn(*args, **kwargs)
    finally:
        _back(st)


#: a norm's PyTorch node (its mixed-dtype kernel's) and the position of its weight argument
_NATIVE = {"layer_norm": ("NativeLayerNormBackward0", 2),
           "group_norm": ("NativeGroupNormBackward0", 2),
           "batch_norm": ("NativeBatchNormBackward0", 3)}


def _norm(fn, args, kwargs, st):
    """A norm on a 16-bit input: in float32, the result in the input's dtype, its last node
    named and linked as PyTorch's one mixed-dtype node (the input's, weight's and bias's
    edges)."""
    from . import _dtype as D
    x = args[0] if args else kwargs["input"]
    given = args
    if args:
        args = (x.to(D.float32), *args[1:])
    else:
        kwargs = {**kwargs, "input": x.to(D.float32)}
    st.depth += 1
    _sync(st)
    try:
        out = fn(*args, **kwargs).to(x.dtype)
    finally:
        _back(st)
    native = _NATIVE.get(getattr(fn, "__name__", ""))
    if native is None:
        return out
    label, at = native
    w = given[at] if len(given) > at else kwargs.get("weight")
    b = given[at + 1] if len(given) > at + 1 else kwargs.get("bias")
    return labelled(out, label, x, edges=(x, w, b))


def entry(fn, policy):
    """``fn`` with an autocast class: one flag test, then ``fn``, outside autocast."""
    if getattr(fn, "__autocast_original__", None) is not None:
        return fn
    w: Any = _same_signature(fn, policy) if isinstance(policy, str) else None
    if w is None:
        @functools.wraps(fn)
        def autocast_entry(*args, **kwargs):
            if not _D._AUTOCAST:
                return fn(*args, **kwargs)
            return _run_entry(fn, policy, args, kwargs)
        w = autocast_entry
    w.__autocast_original__ = fn
    return w


_PLAIN_FLAGS = 0x04 | 0x08                  # CO_VARARGS, CO_VARKEYWORDS


def _same_signature(fn, policy: str):
    """``entry``'s wrapper with ``fn``'s own parameters (names, defaults, keyword-only ones)
    instead of ``*args, **kwargs``: no tuple and dict packed per call (F.linear(1x32) ~0.1 us
    less).  Under autocast it hands ``_run_entry`` the positional parameters as ``args`` and
    the keyword-only ones as ``kwargs`` (defaults included: for a class given by name the
    casts and the ``out=`` test read only the values).  None where that would not be the
    same call: a function with ``*args``/``**kwargs`` or positional-only parameters, a
    positional ``out``, a name the wrapper uses; ``entry`` then makes the generic one."""
    code = getattr(fn, "__code__", None)
    if type(fn) is not types.FunctionType or code is None or code.co_flags & _PLAIN_FLAGS or \
            code.co_posonlyargcount:
        return None
    n, k = code.co_argcount, code.co_kwonlyargcount
    pos, kwo = code.co_varnames[:n], code.co_varnames[n:n + k]
    if "out" in pos or any(v.startswith("_ac_") for v in pos + kwo):
        return None
    params = ", ".join(pos + (("*",) + kwo if kwo else ()))
    args = "".join(f"{v}, " for v in pos)
    kw = ", ".join(f"{v}={v}" for v in kwo)
    kwd = "{" + ", ".join(f"{v!r}: {v}" for v in kwo) + "}"
    src = (f"def {fn.__name__}({params}):\n"
           f"    if not _ac_D._AUTOCAST:\n"
           f"        return _ac_fn({args}{kw})\n"
           f"    return _ac_run(_ac_fn, _ac_policy, ({args}), {kwd})\n")
    space = {"_ac_D": _D, "_ac_fn": fn, "_ac_run": _run_entry, "_ac_policy": policy}
    try:
        exec(compile(src, f"<autocast entry of {fn.__qualname__}>", "exec"), space)  # noqa: S102
    except SyntaxError:                     # (a name that is no identifier: never in practice)
        return None
    w: Any = space[fn.__name__]
    w.__code__ = w.__code__.replace(co_qualname=fn.__qualname__)
    w.__defaults__ = fn.__defaults__
    w.__kwdefaults__ = fn.__kwdefaults__
    return functools.wraps(fn)(w)


# ----------------------------------------------------------------------------- installing
def _table() -> list:
    return [(k, "lower") for k in LOWER] + [(k, "fp32") for k in FP32] + \
        [(k, "promote") for k in PROMOTE] + [(k, "as_is") for k in AS_IS] + \
        list(POLICIES.items())


def install() -> int:
    """Give every listed eager entry its autocast class, once (``dlcore_eager`` calls this at
    the end of its import): the function is replaced by its :func:`entry` wherever a
    ``dlcore_eager`` module holds it (``torch.mm``, ``F.linear`` as imported by ``nn.Linear``,
    ...), and the listed ``Tensor`` methods likewise.  Returns how many references changed."""
    mods = [m for k, m in list(sys.modules.items())
            if (k == "dlcore_eager" or k.startswith("dlcore_eager.")) and m is not None]
    by_name = {m.__name__: m for m in mods}
    wrappers: dict[int, Any] = {}
    methods = []
    for (ns, name), policy in _table():
        if ns == "Tensor":
            methods.append((name, policy))
            continue
        for owner in _homes(by_name, ns):
            fn = vars(owner).get(name)
            if callable(fn) and not isinstance(fn, type) and id(fn) not in wrappers and \
                    getattr(fn, "__autocast_original__", None) is None:
                wrappers[id(fn)] = (fn, entry(fn, policy))
    changed = 0
    for m in mods:
        d = vars(m)
        for k, v in list(d.items()):
            w = wrappers.get(id(v))
            if w is not None and w[0] is v:
                d[k] = w[1]
                changed += 1
    for name, policy in methods:
        fn = Tensor.__dict__.get(name)
        if callable(fn) and getattr(fn, "__autocast_original__", None) is None:
            setattr(Tensor, name, entry(fn, policy))
            changed += 1
    return changed


def _homes(by_name: dict, ns: str) -> list:
    """The modules that define a namespace's functions: ``dlcore_eager`` and ``_signatures``
    for torch.X, every ``dlcore_eager.nn.functional*`` module for F.X (``functional_conv``,
    whose ``conv2d`` ``nn.Conv2d`` calls, ...), and so on."""
    if not ns:
        return [by_name[k] for k in ("dlcore_eager", "dlcore_eager._signatures") if k in by_name]
    full = f"dlcore_eager.{ns}"
    return [m for k, m in by_name.items() if k == full or k.startswith(full + "_")]


class View:
    """A dlcore op module as an ``nn`` module calls it (``nn.HuberLoss`` calls
    ``dlcore.ops.nn_functional.huber_loss``, not ``F.huber_loss``): the names given per class
    (``fp32="huber_loss ..."``, ``norm="layer_norm"``) are entries, the rest the module's own."""

    def __init__(self, module, **classes: str) -> None:
        self._module = module
        for kind, names in classes.items():
            for name in names.split():
                setattr(self, name, entry(getattr(module, name),
                                          _norm_policy if kind == "norm" else kind))

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        setattr(self, name, value)          # (looked up once)
        return value


_D._autocast_hook = dispatch_hook
