"""What ``torch.autocast('cpu')`` does to each op, as PyTorch 2.13's CPU autocast does it.

Inside an enabled CPU region:

* ops of the lower-precision list (``LOWER``: matmul, mm, bmm, addmm, baddbmm, linear,
  conv1d/2d/3d and their transposes, prelu, scaled_dot_product_attention, einsum, tensordot,
  vecdot, ...) cast their floating inputs to the region's dtype (bfloat16 by default, float16
  when asked) and so return it;
* ops of the float32 list (``FP32``: the losses, prod, cdist, trace, inverse and most of
  ``linalg``, ``fft``, 3-d pooling, grid_sample, reflect/replicate padding, ...) cast them to
  float32 and return float32;
* layer_norm, batch_norm, group_norm and instance_norm keep a 16-bit input's dtype with
  float32 weights and statistics, as PyTorch's mixed-dtype CPU kernels do (``NORMS``);
* every other op runs on the dtypes it is given (``bfloat16 + float32`` is float32 by the usual
  promotion; softmax and the like keep a bfloat16 input bfloat16, as on PyTorch's CPU).

"Floating inputs" are float32/float16/bfloat16 tensors on the region's device, also inside a
list argument; float64 tensors are left alone, as PyTorch does.  The casts are ordinary
differentiable ``Tensor.to`` calls, so gradients flow back to float32 parameters in float32.
Inside a listed op, nested listed ops run as called (PyTorch excludes autocast there too).
Casts of leaf tensors that require grad (weights) are cached for the outermost region, as
PyTorch's ``cache_enabled`` does, so an RNN step loop casts its weights once; the cache is
dropped at every ``backward``/``autograd.grad`` (so a training loop inside one region neither
backpropagates twice through a freed cast nor reads weights from before ``optimizer.step``,
which updates ``.data`` without a version bump) and is not filled under ``no_grad`` (a cast
made there has no graph to give a later gradient).

How: the listed functions (by identity, wherever a ``dlcore_eager`` module holds them: ``torch.mm``,
``F.linear`` as seen by ``nn.Linear``, ...) and ``Tensor`` methods (``x @ w``, ``x.mm``) are
replaced by wrappers while at least one autocast region is open, and restored when the last
closes: nothing is added to an op outside autocast.  A function imported by name into user code
before the region (``from torch.nn.functional import linear``) keeps the plain one.  Regions
are not thread-local (one at a time per process).
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import numpy as np

from dlcore import dtypes as _dt

from ._state import STATE
from .tensor import Tensor

#: torch's CPU lower-precision list, as dlcore names it: (module under dlcore_eager, name)
LOWER = [(m, n) for m, ns in {
    "": "matmul mm bmm addmm baddbmm addbmm einsum tensordot chain_matmul matrix_power prelu "
        "conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d",
    "nn.functional": "linear conv1d conv2d conv3d conv_transpose1d conv_transpose2d "
                     "conv_transpose3d _conv_t prelu scaled_dot_product_attention "
                     "multi_head_attention_forward",
    "linalg": "matmul vecdot multi_dot matrix_power",
}.items() for n in ns.split()]
LOWER_METHODS = ["matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "addmm", "baddbmm",
                 "matrix_power"]

#: torch's CPU float32 list
FP32 = [(m, n) for m, ns in {
    "": "prod cdist trace inverse pinverse quantile nanquantile polar stft istft histc "
        "cholesky cholesky_inverse cholesky_solve lu_solve orgqr ormqr",
    "nn.functional": "cross_entropy nll_loss mse_loss l1_loss smooth_l1_loss huber_loss "
                     "binary_cross_entropy binary_cross_entropy_with_logits kl_div "
                     "margin_ranking_loss soft_margin_loss multilabel_margin_loss "
                     "multilabel_soft_margin_loss hinge_embedding_loss poisson_nll_loss "
                     "triplet_margin_loss triplet_margin_with_distance_loss "
                     "cosine_embedding_loss multi_margin_loss ctc_loss avg_pool3d max_pool3d "
                     "adaptive_avg_pool3d adaptive_max_pool3d max_unpool2d max_unpool3d "
                     "grid_sample embedding_bag local_response_norm",
    "linalg": "cholesky cholesky_ex inv inv_ex solve solve_ex svd svdvals eig eigvals eigh "
              "eigvalsh qr lstsq pinv lu lu_factor lu_factor_ex lu_solve householder_product "
              "tensorinv tensorsolve matrix_rank cond",
    "fft": "fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn hfft ihfft",
}.items() for n in ns.split()]
FP32_METHODS = ["prod", "inverse", "pinverse", "trace", "cholesky", "cholesky_inverse",
                "cholesky_solve", "quantile", "nanquantile", "histc", "stft", "istft"]


def _pad_policy(args, kwargs) -> str | None:
    """``F.pad`` is a float32 op for the reflect and replicate modes only."""
    mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
    return "fp32" if mode in ("reflect", "replicate") else None


#: PyTorch's CPU norm kernels take a 16-bit input with float32 weights and statistics, compute
#: in float32 and return the input's dtype (dlcore's would promote to float32): inside autocast,
#: where Linear/conv outputs are 16-bit and the norm layers' parameters float32, they run on the
#: float32 input and their result is cast back.
NORMS = [("nn.functional", n) for n in ("layer_norm", "batch_norm", "group_norm",
                                        "instance_norm")] + \
    [("@dlcore.ops.nn_functional", n) for n in ("layer_norm", "group_norm")]  # nn.LayerNorm's


def _norm_policy(args, kwargs) -> str | None:
    x = args[0] if args else kwargs.get("input")
    return "norm" if isinstance(x, Tensor) and x._buf.dtype in _HALF_NP else None


POLICIES = {("nn.functional", "pad"): _pad_policy, **{k: _norm_policy for k in NORMS}}

_HALF_NP = {np.dtype(np.float16)} | ({np.dtype(_dt.bfloat16)} if _dt.bfloat16 is not None
                                      else set())
_ELIGIBLE = {np.dtype(np.float32)} | _HALF_NP


class _Region:
    """The wrappers' view of the open regions (set by ``amp.autocast``)."""

    on = False            # the innermost region is enabled
    device = "cpu"
    dtype: Any = None     # the lower-precision dtype (a dlcore_eager dtype)
    depth = 0             # > 0 inside a listed op
    opened = 0            # open regions that installed the wrappers
    cache: dict = {}      # noqa: RUF012  id(leaf) -> (leaf, version, dtype, cast)
    cache_enabled = True


R = _Region
_PATCHES: list | None = None    # [(owner, name, original, wrapper)]
_SEEN_MODULES = 0


def _cast(a, np_target, target):
    if isinstance(a, Tensor):
        b = a._buf
        if b.dtype in _ELIGIBLE and b.dtype != np_target and \
                (type(b) is np.ndarray) == (R.device == "cpu"):
            if a._rg and a._node is None and R.cache_enabled and STATE.enabled:
                hit = R.cache.get(id(a))
                if hit is not None and hit[0] is a and hit[1] == a._version[0] and \
                        hit[2] == np_target:
                    return hit[3]
                out = a.to(target)
                R.cache[id(a)] = (a, a._version[0], np_target, out)
                return out
            return a.to(target)
        return a
    if type(a) in (list, tuple) and any(isinstance(x, Tensor) for x in a):
        return type(a)(_cast(x, np_target, target) for x in a)
    return a


def _wrap(fn, policy):
    @functools.wraps(fn)
    def autocast_wrapper(*args, **kwargs):
        if R.depth or not R.on or kwargs.get("out") is not None:
            return fn(*args, **kwargs)      # (out= variants are not autocast in PyTorch)
        kind = policy if isinstance(policy, str) else policy(args, kwargs)
        if kind is None:
            return fn(*args, **kwargs)
        if kind == "norm":
            return _norm(fn, args, kwargs)
        if kind == "lower":
            target = R.dtype
        else:
            from . import _dtype as D
            target = D.float32
        np_target = target.np_dtype
        args = tuple(_cast(a, np_target, target) for a in args)
        if kwargs:
            kwargs = {k: _cast(v, np_target, target) for k, v in kwargs.items()}
        R.depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            R.depth -= 1
    setattr(autocast_wrapper, "__autocast_original__", fn)   # noqa: B010
    return autocast_wrapper


def _norm(fn, args, kwargs):
    """A norm on a 16-bit input: in float32, the result in the input's dtype."""
    from . import _dtype as D
    x = args[0] if args else kwargs["input"]
    if args:
        args = (x.to(D.float32), *args[1:])
    else:
        kwargs = {**kwargs, "input": x.to(D.float32)}
    R.depth += 1
    try:
        return fn(*args, **kwargs).to(x.dtype)
    finally:
        R.depth -= 1


def _plan() -> list:
    """Where each listed function lives (by identity, in every dlcore_eager module), and the
    Tensor methods; computed once per set of loaded modules."""
    global _PATCHES, _SEEN_MODULES
    if _PATCHES is not None and len(sys.modules) == _SEEN_MODULES:
        return _PATCHES
    mods = [m for k, m in list(sys.modules.items())
            if (k == "dlcore_eager" or k.startswith("dlcore_eager.")) and m is not None]
    mods += [sys.modules[m[1:]] for m, _ in POLICIES if m.startswith("@") and m[1:] in sys.modules]
    targets: dict[int, tuple] = {}
    for table, kind in ((LOWER, "lower"), (FP32, "fp32"), (list(POLICIES), None)):
        for mod, name in table:
            for owner in _homes(mods, mod):
                fn = vars(owner).get(name)
                fn = getattr(fn, "__autocast_original__", fn)
                if callable(fn) and not isinstance(fn, type) and id(fn) not in targets:
                    targets[id(fn)] = (fn, kind if kind else POLICIES[(mod, name)])
    wrappers = {i: _wrap(fn, pol) for i, (fn, pol) in targets.items()}
    patches: list[tuple[Any, str, Any, Any]] = []
    for m in mods:
        for k, v in list(vars(m).items()):
            w = wrappers.get(id(v))
            if w is not None and targets[id(v)][0] is v:
                patches.append((m, k, v, w))
    for names, kind in ((LOWER_METHODS, "lower"), (FP32_METHODS, "fp32")):
        for name in names:
            fn = Tensor.__dict__.get(name)
            fn = getattr(fn, "__autocast_original__", fn)
            if callable(fn):
                patches.append((Tensor, name, fn, _wrap(fn, kind)))
    _PATCHES, _SEEN_MODULES = patches, len(sys.modules)
    return patches


def _homes(mods: list, mod: str) -> list:
    """The modules where a listed name may be defined: ``dlcore_eager`` itself for torch.X,
    every ``dlcore_eager.nn.functional*`` module for F.X (functional_conv, ...), and so on."""
    if mod.startswith("@"):                  # a module outside dlcore_eager, by its full name
        return [m for m in mods if m.__name__ == mod[1:]]
    full = "dlcore_eager" + (f".{mod}" if mod else "")
    if not mod:
        return [m for m in mods if m.__name__ in ("dlcore_eager", "dlcore_eager._signatures")]
    return [m for m in mods if m.__name__ == full or m.__name__.startswith(full + "_")]


def install() -> None:
    """Called when a region opens."""
    if R.opened == 0:
        _swap(1)
    R.opened += 1


def uninstall() -> None:
    """Called when a region closes."""
    R.opened -= 1
    if R.opened == 0:
        _swap(0)
        R.cache = {}


_GROUPS: tuple = ((), ())


def _swap(which: int) -> None:
    """Put the wrappers (1) or the originals (0) in place: one dict update per module, one
    setattr per Tensor method."""
    global _GROUPS
    patches = _plan()
    if _GROUPS[0] is not patches:
        by_module: dict = {}
        methods = []
        for owner, name, fn, w in patches:
            if owner is Tensor:
                methods.append((name, fn, w))
            else:
                d = by_module.setdefault(id(owner), (vars(owner), {}, {}))
                d[1][name], d[2][name] = fn, w
        _GROUPS = (patches, (list(by_module.values()), methods))
    modules, methods = _GROUPS[1]
    for d, originals, wrappers in modules:
        d.update(wrappers if which else originals)
    for name, fn, w in methods:
        setattr(Tensor, name, w if which else fn)
