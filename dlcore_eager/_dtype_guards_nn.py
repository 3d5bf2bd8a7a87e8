"""PyTorch 2.13's dtype refusals for losses, norms, distances and random ``*_like`` functions
of integer and bool tensors (dlcore's composites computed them in float or in the integer
dtype): installed over the functions by :func:`install` (called by the package after
:mod:`._dtype_guards`), as :mod:`._dtype_guards` does for the
element-wise ones, with PyTorch's exception type and words:

* ``F.mse_loss``/``F.smooth_l1_loss``/``F.huber_loss`` of an integer or bool (promoted) dtype:
  NotImplementedError ``"mse_cpu" not implemented for 'Long'``;
* ``F.layer_norm``: ``"LayerNormKernelImpl" not implemented for 'Long'``;
* ``F.l1_loss`` of integers: ``reduction='sum'`` in int64 (a uint8 sum was uint8),
  ``'mean'`` PyTorch's ``mean(): could not infer output dtype`` RuntimeError;
* ``torch.rand_like``/``torch.randn_like`` of an integer or bool result dtype:
  ``"check_uniform_bounds"`` / ``"normal_kernel_cpu" not implemented for 'Long'``;
* ``torch.norm``/``Tensor.norm``/``linalg.norm``/``linalg.vector_norm``/``F.normalize``: the
  RuntimeError ``linalg.vector_norm: Expected a floating point or complex tensor as input. Got
  Long``; ``torch.cdist``/``F.pdist``: ``cdist only supports floating-point dtypes, X1 got:
  Long``.

and ``F.gelu``: ``"GeluKernelImpl" not implemented for 'Long'``.
"""

from __future__ import annotations

import numpy as np

from . import _array_operands, _qops, _scalar_args, _scalar_ranges, _torch_warnings
from . import _dtype as D
from ._dtype_guards import _first, _float_only, _kernel_refusal, _legacy, _wrap
from ._tensor_ops import _dims, norm2_lane
from ._state import STATE
from .tensor import Tensor

_INT64_DT, _INT32_DT = np.dtype(np.int64), np.dtype(np.int32)


def _promoted_loss(kernel: str):
    """A loss of ``input`` and ``target``: refused when their promoted dtype is not floating.
    (Not ``_dtype_guards._promoted_refusal``: the loss broadcasts its operands first, so a 0-d
    one promotes like any other, NumPy's rule: mse_loss(uint8 [2], int64 0-d) names 'Long'.)"""
    def check(args, kwargs):
        a = args[0] if args else kwargs.get("input")
        b = args[1] if len(args) > 1 else kwargs.get("target")
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            dt = np.result_type(a._buf.dtype, b._buf.dtype)
            if dt.kind in "biu":
                raise _kernel_refusal(kernel, dt)
    return check


def _l1_loss(args, kwargs):
    """``F.l1_loss`` of integer tensors: PyTorch's reductions of the integer ``|a - b|``
    (``sum`` in int64, ``mean`` refused)."""
    a = args[0] if args else kwargs.get("input")
    b = args[1] if len(args) > 1 else kwargs.get("target")
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return None
    dt = np.result_type(a._buf.dtype, b._buf.dtype)
    reduction = kwargs.get("reduction", args[4] if len(args) > 4 else "mean")
    if dt.kind not in "iu" or reduction not in ("mean", "sum"):
        return None
    if reduction == "mean":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_legacy(dt)}")
    return (a - b).abs().sum()


def _layer_norm(args, kwargs):
    x = _first(args, kwargs)
    shape = args[1] if len(args) > 1 else kwargs.get("normalized_shape", ())
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if x is not None and x._buf.dtype.kind in "biu" and shape:   # (an empty shape: its error)
        raise _kernel_refusal("LayerNormKernelImpl", x._buf.dtype)


def _random_like(kernel: str):
    def check(args, kwargs):
        x = _first(args, kwargs)
        dtype = kwargs.get("dtype")
        if x is None:
            return
        dt = x._buf.dtype if dtype is None else D.to_numpy_dtype(dtype)
        if dt.kind in "biu":
            raise _kernel_refusal(kernel, dt)
    return check


def _vector_norm(args, kwargs):
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype.kind in "biu":    # (also with dtype=, as PyTorch)
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_legacy(x._buf.dtype)}")
    if x is not None and kwargs.get("dtype") is not None:
        _norm_dtype(x._buf.dtype, D.to_numpy_dtype(kwargs["dtype"]))
    if x is not None and 0 in x._buf.shape:
        _empty_norm(x, args[1] if len(args) > 1 else kwargs.get("ord", kwargs.get("p", 2)),
                    args[2] if len(args) > 2 else kwargs.get("dim"))
    if x is not None:
        _unique_dim_arg(x, args[2] if len(args) > 2 else kwargs.get("dim"))


def _unique_dim_arg(x, dim) -> None:
    """PyTorch's refusal of a dim list naming one dim twice (the core reduces it once)."""
    if isinstance(dim, (tuple, list)) and len(dim) > 1:
        _dims(dim, x._buf.ndim)


def _count_nonzero(args, kwargs):
    """count_nonzero: a dim named twice refused, an empty dim list counts every element (as
    PyTorch's; the core counted per element)."""
    x = _first(args, kwargs)
    if x is not None:
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        _unique_dim_arg(x, dim)
        if isinstance(dim, (tuple, list)) and not dim:
            return x.count_nonzero()
    return None


def _empty_norm(x, p, dim) -> None:
    """A norm of no identity (p < 0, inf) over an empty tensor or dimension: PyTorch's
    RuntimeError (dlcore gave inf or 0)."""
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not (p < 0 or p == np.inf):
        return
    head = f"linalg.vector_norm cannot compute the {p:g} norm on "
    if dim is None:
        raise RuntimeError(head + "an empty tensor because the operation does not have an "
                           "identity")
    nd = x._buf.ndim
    for d in sorted((dim,) if isinstance(dim, int) else tuple(dim)):
        if isinstance(d, int) and -nd <= d < nd and x._buf.shape[d] == 0:
            raise RuntimeError(head + f"the dimension {d % nd}because this dimension is empty "
                               "and the operation does not have an identity")


_VNORM_KW = frozenset({"ord", "dim", "keepdim"})


def _vector_norm_lane(args, kwargs):
    """``linalg.vector_norm``'s check, which also takes its 2-norm of a float32/float64 CPU
    tensor through the lane (``_tensor_ops.norm2_lane``: the result, not None, is used)."""
    if 0 < len(args) <= 4 and (not kwargs or kwargs.keys() <= _VNORM_KW):
        n = len(args)
        out = norm2_lane(args[0], args[1] if n > 1 else kwargs.get("ord", 2),
                         args[2] if n > 2 else kwargs.get("dim"),
                         args[3] if n > 3 else kwargs.get("keepdim", False))
        if out is not None:
            return out
    return _vector_norm(args, kwargs)


_NORMALIZE_KW = frozenset({"p", "dim", "eps"})


def _normalize_lane(args, kwargs):
    """``F.normalize``'s check, which also takes its 2-norm of a float32/float64 CPU tensor:
    ``x / norm2(x, dim, keepdim).clamp_min(eps)``: PyTorch's ops and grad_fns, less its
    ``expand_as`` before the division (the division of a stride-0 view takes the elementwise
    kernels' general path: 2.2x PyTorch's time at 8x32 with it, 1.26x without; the general
    entry, ``div(x, maximum(vector_norm(...), eps))`` through the op layers, 1.8x)."""
    n = len(args)
    if 0 < n <= 4 and (not kwargs or kwargs.keys() <= _NORMALIZE_KW):
        x = args[0]
        eps = args[3] if n > 3 else kwargs.get("eps", 1e-12)
        if type(eps) in (int, float):
            norm = norm2_lane(x, args[1] if n > 1 else kwargs.get("p", 2.0),
                              args[2] if n > 2 else kwargs.get("dim", 1), True)
            if norm is not None:
                return x / norm.clamp_min(eps)
    return _vector_norm(args, kwargs)


def _norm_dtype(have, want) -> None:
    """PyTorch's checks of vector_norm's ``dtype=``: floating or complex, complex exactly for
    complex input, and no narrowing (float64 -> float32 or float32 -> bfloat16 refused)."""
    head, got = "linalg.vector_norm: ", _legacy(want)
    if want.kind not in "fc" and want.name != "bfloat16":
        raise RuntimeError(f"{head}dtype should be floating point or complex, but got {got}")
    if (want.kind == "c") != (have.kind == "c"):
        kind = "complex" if have.kind == "c" else "real"
        raise RuntimeError(f"{head}dtype should be {kind} for {kind} inputs, but got {got}")
    if have != want and D.promote_tensors(have, True, want, True) != want:
        raise RuntimeError(f"{head}the dtype of the input ({_legacy(have)}) should be "
                           f"convertible without narrowing to the specified dtype ({got})")


def _distance(name: str):
    def check(args, kwargs):
        for i, key in enumerate(("x1", "x2") if name == "cdist" else ("input",)):
            x = args[i] if len(args) > i else kwargs.get(key)
            if isinstance(x, Tensor) and x._buf.dtype.kind in "biu":
                got = f", X{i + 1} got: {_legacy(x._buf.dtype)}" if name == "cdist" else ""
                raise RuntimeError(f"{name} only supports floating-point dtypes{got}")
    return check


def _rrelu(args, kwargs):
    """rrelu's kernel: the noise sampler in training, leaky_relu's otherwise (both refuse)."""
    training = args[3] if len(args) > 3 else kwargs.get("training", False)
    _float_only("rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")(args, kwargs)


def _dropout(args, kwargs):
    """Dropout of an integer or bool tensor in training (p > 0): PyTorch's in-place scaling
    refuses the float result (dlcore returned a float32 tensor)."""
    x = _first(args, kwargs)
    p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
    training = args[2] if len(args) > 2 else kwargs.get("training", True)
    if x is not None and x._buf.dtype.kind in "biu" and training and p > 0:
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{_legacy(x._buf.dtype)}")


def _loss_operands(args, kwargs):
    a = args[0] if args else kwargs.get("input")
    b = args[1] if len(args) > 1 else kwargs.get("target")
    return (a, b) if isinstance(a, Tensor) and isinstance(b, Tensor) else (None, None)


def _sized(check=None, warn: bool = True, target_first: bool = False):
    """PyTorch's warning for a target whose shape is not the input's (the loss then
    broadcasts: F.l1_loss, smooth_l1_loss, huber_loss warn as mse_loss does), its broadcast
    error for shapes that do not broadcast (tensor a the input, or the target where PyTorch's
    formula starts from it), then ``check``."""
    def run(args, kwargs):
        a, b = _loss_operands(args, kwargs)
        if a is not None and a._buf.shape != b._buf.shape:    # (one shape: nothing to say)
            from ._operand_rules import infer_size
            if warn:
                from .nn.functional import warn_target_size
                warn_target_size(a, b)
            infer_size(*((tuple(b.shape), tuple(a.shape)) if target_first else
                         (tuple(a.shape), tuple(b.shape))))
        return None if check is None else check(args, kwargs)   # (its result, if any)
    return run


def _kl_div(args, kwargs):
    """PyTorch's warning for ``reduction='mean'`` (its default)."""
    red = args[4] if len(args) > 4 else kwargs.get("reduction", "mean")
    if red == "mean" and (args[2] if len(args) > 2 else kwargs.get("size_average")) is None \
            and (args[3] if len(args) > 3 else kwargs.get("reduce")) is None:
        import warnings

        from ._arg_checks import user_stacklevel
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning,
                      stacklevel=user_stacklevel())


def _soft_margin(args, kwargs):
    """PyTorch's refusal of a target that requires grad (its kernel has no gradient for it;
    dlcore gave it one), then: PyTorch computes in place into the input's shape, so a target
    that broadcasts it larger is refused (dlcore returned the loss of the broadcast pair)."""
    a, b = _loss_operands(args, kwargs)
    if isinstance(b, Tensor) and b._rg and STATE.enabled:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect "
                           "to argument 'target'. This input cannot have requires_grad True.")
    if a is not None:
        from ._operand_rules import infer_size
        shape = infer_size(tuple(a.shape), tuple(b.shape))
        if tuple(shape) != tuple(a.shape):
            raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast "
                               f"shape {list(shape)}")


def _gaussian_nll(args, kwargs):
    """PyTorch's first check of ``F.gaussian_nll_loss(input, target, var)``: a negative
    variance, a number or any entry of a tensor, is refused (dlcore clamped it to eps)."""
    var = args[2] if len(args) > 2 else kwargs.get("var")
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        bad = var < 0
    else:
        b = getattr(var, "_buf", None)
        bad = type(b) is np.ndarray and b.size > 0 and bool((b < 0).any())
    if bad:
        raise ValueError("var has negative entry/entries")


def _same_source_dtype(message: str, key: str):
    """PyTorch's refusal of a ``source``/``src`` (argument 3) of another dtype than ``self``
    (index_add: dlcore promoted; scatter_add: dlcore returned the promoted sum)."""
    def check(args, kwargs):
        x = args[0] if args else kwargs.get("input")
        v = args[3] if len(args) > 3 else kwargs.get(key)
        if type(x) is Tensor and type(v) is Tensor and x._buf.dtype != v._buf.dtype:
            raise RuntimeError(message.format(self=_legacy(x._buf.dtype),
                                              src=_legacy(v._buf.dtype)))
    return check


_INDEX_ADD = _same_source_dtype("index_add_(): self ({self}) and source ({src}) must have the "
                                "same scalar type", "source")
_SCATTER_ADD = _same_source_dtype("scatter(): Expected self.dtype to be equal to src.dtype",
                                  "src")


def _bool_clamp(inplace: bool):
    """clamp of a bool tensor with number bounds: bool bounds have no kernel; in place, the
    promoted result (Long, Float) cannot go back into the bool tensor (dlcore clamped in
    bool)."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is None or x._buf.dtype.kind not in "biu":
            return
        lo = args[1] if len(args) > 1 else kwargs.get("min")
        hi = args[2] if len(args) > 2 else kwargs.get("max")
        bounds = [v for v in (lo, hi) if v is not None]
        if not bounds or not all(isinstance(v, (bool, int, float)) for v in bounds):
            return
        if x._buf.dtype.kind != "b":        # (an integer tensor: a float bound in place)
            if inplace and any(type(v) is float for v in bounds):
                raise RuntimeError("result type Float can't be cast to the desired output type "
                                   f"{D.C_TYPE_NAMES.get(x._buf.dtype.name, x._buf.dtype.name)}")
            return
        if all(isinstance(v, bool) for v in bounds):      # (the kernel of the bounds given)
            which = "" if len(bounds) == 2 else "_min" if lo is not None else "_max"
            raise _kernel_refusal(f"clamp{which}_scalar_cpu", x._buf.dtype)
        if inplace:
            from ._long_tail import _result_dtype
            raise RuntimeError(f"result type {_legacy(_result_dtype((x, *bounds)))} can't be "
                               "cast to the desired output type bool")
    return check


def _clamp_mixed(name: str, method: bool):
    """clamp with one tensor bound and one number bound: PyTorch has no such overload (its
    TypeError, the arguments as its parser prints them: keywords last, in reverse order)."""
    def check(args, kwargs):
        lo = args[1] if len(args) > 1 else kwargs.get("min")
        hi = args[2] if len(args) > 2 else kwargs.get("max")
        if not (isinstance(lo, Tensor) and hi is not None and not isinstance(hi, Tensor)
                or isinstance(hi, Tensor) and lo is not None and not isinstance(lo, Tensor)):
            return
        from ._arg_checks import type_name

        def word(v):
            return "Tensor" if isinstance(v, Tensor) else type_name(v)
        pos = [word(v) for v in args[1 if method else 0:]]
        kws = [f"{k}={word(v)}" for k, v in reversed(kwargs.items())]
        got = ", ".join(pos + kws) + (", " if kws and not pos else "")
        if not method:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n * (Tensor input, Tensor min = None"
                            ", Tensor max = None, *, Tensor out = None)\n * (Tensor input, "
                            "Number min = None, Number max = None, *, Tensor out = None)\n")
        why = ("some of the keywords were incorrect: " + ", ".join(reversed(kwargs))) if kwargs \
            else "some of the arguments have invalid types: (" + ", ".join(
                f"!{w}!" for w in pos) + ")"
        why = f"      didn't match because {why}\n"
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), "
                        f"but expected one of:\n * (Tensor min = None, Tensor max = None)\n{why}"
                        f" * (Number min = None, Number max = None)\n{why}")
    return check


def _scalar_bound(v):
    """A 0-d tensor bound without grad next to a number binds as PyTorch's Scalar (its
    value); None when ``v`` is not such a tensor."""
    if isinstance(v, Tensor) and v._buf.ndim == 0 and not v.requires_grad:
        return v.item()
    return None


def _clamp(name: str, method: bool):
    mixed, boolean = _clamp_mixed(name, method), _bool_clamp(name.endswith("_"))
    key = ("Tensor" if method else "torch", name)

    def check(args, kwargs):
        lo = args[1] if len(args) > 1 else kwargs.get("min")
        hi = args[2] if len(args) > 2 else kwargs.get("max")
        if (lo is not None and hi is not None
                and isinstance(lo, Tensor) is not isinstance(hi, Tensor)):
            t, pos, kw = (lo, 1, "min") if isinstance(lo, Tensor) else (hi, 2, "max")
            v = _scalar_bound(t)
            if v is not None:           # (clamp(x, tensor(1.), 2.): the Number overload)
                if len(args) > pos:
                    args = (*args[:pos], v, *args[pos + 1:])
                else:
                    kwargs = {**kwargs, kw: v}
                boolean(args, kwargs)
                return _ORIG[key](*args, **kwargs)
        mixed(args, kwargs)
        boolean(args, kwargs)
        _number_bounds(args, kwargs, lo, hi)
        return None
    return check


def _number_bounds(args, kwargs, lo, hi) -> None:
    """Number bounds bound as PyTorch's Scalar (an int beyond 64 bits: OverflowError) and
    converted to the result's float type: f32 x.clamp(max=1e39), or an integer tensor's float
    bound, raises ``value cannot be converted to type float without overflow``."""
    x = _first(args, kwargs)
    if not isinstance(x, Tensor):
        return
    dt = x._buf.dtype
    kind = dt.kind if dt.char != "E" else "f"       # (bfloat16's kind is NumPy's "V")
    if kind not in "iuf":
        return
    for v in (lo, hi):          # (the conversion only past the type's largest finite value)
        t = type(v)
        if t is int:
            if not -_I64 <= v < _I64:
                from ._scalar_convert import python_int
                python_int(v)
            if kind == "f" and not -_FMAX.get(dt.char, 0.0) <= v <= _FMAX.get(dt.char, 0.0):
                from ._operand_rules import scalar_as
                scalar_as(v, dt)
        elif t is float:
            lim = _FMAX.get(dt.char, 0.0) if kind == "f" else _FMAX["f"]
            if not -lim <= v <= lim and v == v and v not in (_INF, -_INF):
                from ._operand_rules import scalar_as
                scalar_as(v, dt if kind == "f" else _F32)


_INF = float("inf")
_I64 = 2 ** 63
_F32 = np.dtype(np.float32)
_FMAX = {"e": 65504.0, "E": 3.3895313892515355e38, "f": float(np.finfo(np.float32).max),
         "d": _INF}


def _sort_stable(method: bool):
    """PyTorch's parser refusal of ``sort`` with ``stable=`` beside a positional ``dim`` (the
    stable overload takes ``dim`` and ``descending`` by keyword only): ``x.sort(0, stable=True)``,
    ``torch.sort(x, 0, stable=True)``, in its words (dlcore sorted)."""
    from ._arg_checks import type_name

    def check(args, kwargs):
        pos = args[1:]
        if "stable" not in kwargs or not pos:
            return
        order = ("stable", "dim", "descending", "out")
        kws = sorted(kwargs, key=lambda k: order.index(k) if k in order else len(order))
        if method and (len(pos) > 1 or len(kwargs) > 1):
            raise TypeError(f"sort() takes from 1 to 0 positional arguments but {len(pos)} "
                            "were given")
        got = ", ".join(["Tensor" if isinstance(v, Tensor) else type_name(v)
                         for v in (pos if method else args)] +
                        [f"{k}={type_name(kwargs[k])}" for k in kws])
        if method:
            raise TypeError(f"sort() received an invalid combination of arguments - got ({got}"
                            "), but expected one of:\n * (*, bool stable, int dim = -1, bool "
                            "descending = False)\n * (int dim = -1, bool descending = False)\n"
                            "      didn't match because some of the keywords were incorrect: "
                            "stable\n")
        raise TypeError(f"sort() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Tensor input, *, bool stable, int dim = -1, "
                        "bool descending = False, tuple of Tensors out = None)\n * (Tensor "
                        "input, int dim = -1, bool descending = False, *, tuple of Tensors out "
                        "= None)\n")
    return check


#: (namespace, name) -> check
CHECKS = {
    ("torch", "sort"): _sort_stable(False),
    ("Tensor", "sort"): _sort_stable(True),
    ("F", "gelu"): _float_only("GeluKernelImpl"),
    ("F", "softplus"): _float_only("softplus_cpu"),
    ("F", "softshrink"): _float_only("softshrink_check"),   # (these three made floats of ints)
    ("F", "glu"): _float_only("glu_cpu"),
    ("F", "rrelu"): _rrelu,
    **{("F", name): _dropout for name in ("dropout", "dropout1d", "dropout2d", "dropout3d")},
    ("F", "mse_loss"): _sized(_promoted_loss("mse_cpu"), warn=False),
    ("F", "poisson_nll_loss"): _sized(warn=False, target_first=True),
    ("F", "multilabel_soft_margin_loss"): _sized(warn=False, target_first=True),
    ("F", "smooth_l1_loss"): _sized(_promoted_loss("smooth_l1_cpu")),
    ("F", "huber_loss"): _sized(_promoted_loss("huber_cpu")),
    ("F", "l1_loss"): _sized(_l1_loss),
    ("F", "kl_div"): _sized(_kl_div, warn=False, target_first=True),
    **{(ns, name): _clamp(name, ns == "Tensor") for ns in ("torch", "Tensor")
       for name in ("clamp", "clip", "clamp_", "clip_")},
    ("F", "soft_margin_loss"): _soft_margin,
    ("F", "gaussian_nll_loss"): _gaussian_nll,
    **{(ns, name): _INDEX_ADD for ns, name in (("torch", "index_add"), ("Tensor", "index_add"),
                                               ("Tensor", "index_add_"))},
    **{(ns, name): _SCATTER_ADD for ns, name in (
        ("torch", "scatter_add"), ("Tensor", "scatter_add"), ("Tensor", "scatter_add_"))},
    ("F", "layer_norm"): _layer_norm,
    ("torch", "rand_like"): _random_like("check_uniform_bounds"),
    ("torch", "randn_like"): _random_like("normal_kernel_cpu"),
    ("torch", "norm"): _vector_norm,
    ("Tensor", "norm"): _vector_norm,
    ("linalg", "vector_norm"): _vector_norm_lane,
    ("torch", "count_nonzero"): _count_nonzero,
    ("Tensor", "count_nonzero"): _count_nonzero,
    ("F", "normalize"): _normalize_lane,
    ("torch", "cdist"): _distance("cdist"),
    ("F", "pdist"): _distance("pdist"),
    ("torch", "pdist"): _distance("pdist"),
}


def _linalg_norm(args, kwargs):
    """``linalg.norm``: a matrix norm (``ord`` given with two dims, or a string ``ord``) has
    its own refusal; the vector norms PyTorch's vector_norm one."""
    x = _first(args, kwargs)
    if x is None or (x._buf.dtype.kind not in "biu" and kwargs.get("dtype") is None):
        return
    ord_ = args[1] if len(args) > 1 else kwargs.get("ord")
    dim = args[2] if len(args) > 2 else kwargs.get("dim")
    matrix = isinstance(ord_, str) or (ord_ is not None and (
        (dim is None and x.dim() == 2) or (isinstance(dim, (tuple, list)) and len(dim) == 2)))
    if not matrix:
        _vector_norm((x,), kwargs)
    elif x.dim() >= 2:                  # (dlcore computed it: 5.4772 for [[1, 2], [3, 4]])
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor "
                           f"as input. Got {_legacy(x._buf.dtype)}")


CHECKS[("linalg", "norm")] = _linalg_norm


def _index_dtype(key: str, allowed: str, message: str):
    """PyTorch's refusal of an index tensor (the second argument, or ``key``) whose dtype is
    not ``allowed`` (``message`` with the dtype's name): dlcore truncated float indices
    (take(x, [0.7, 2.2]) read elements 0 and 2) and took a float mask's nonzeros."""
    want = np.dtype(allowed)        # (compared as a dtype: NumPy's dtype.name is Python code)

    def check(args, kwargs):
        t = args[1] if len(args) > 1 else kwargs.get(key)
        if isinstance(t, Tensor) and t._buf.dtype != want:
            raise RuntimeError(message.format(_legacy(t._buf.dtype)))
    return check


def _take_along_dim(ns: str):
    """``take_along_dim``'s index dtype, as PyTorch 2.13: with ``dim``, int64 only; without,
    it is ``gather`` of the flattened tensors, which takes int32/int64 indices and any empty
    index (computed here as an empty int64 one)."""
    def check(args, kwargs):
        x = args[0] if args else kwargs.get("input")
        t = args[1] if len(args) > 1 else kwargs.get("indices")
        if not isinstance(t, Tensor) or t._buf.dtype == _INT64_DT:
            return None
        if (args[2] if len(args) > 2 else kwargs.get("dim")) is not None:
            raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but "
                               f"got {_legacy(t._buf.dtype)}")
        if t._buf.dtype == _INT32_DT or t._buf.size == 0:
            return _ORIG[(ns, "take_along_dim")](x, t.long())
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    return check


_ORIG: dict = {}     # (namespace, name) -> the function a check wraps (set by install)


for _ns in ("torch", "Tensor"):         # (a method's args: self, then the index)
    CHECKS[(_ns, "take")] = _index_dtype("index", "int64",
                                         "take(): Expected a long tensor for index, but got {}")
    CHECKS[(_ns, "take_along_dim")] = _take_along_dim(_ns)
    CHECKS[(_ns, "tensor_split")] = _index_dtype(
        "tensor_indices_or_sections", "int64", "tensor_split expected tensor_indices_or_sections "
        "to have dtype of long, but got {}")
    CHECKS[(_ns, "masked_select")] = _index_dtype(
        "mask", "bool", "masked_select: expected BoolTensor for mask")


_scalar_args.install(CHECKS, _ORIG)
_array_operands.install(CHECKS)         # (NumPy arrays refused where PyTorch binds no Tensor)
_qops.install(CHECKS)                   # (relu and cat of quantized tensors, as PyTorch's)
_scalar_ranges.install(CHECKS)          # (numbers past a float dtype's range, as PyTorch's)
_torch_warnings.install(CHECKS)         # (std of one value, torch.tensor(t): torch's warnings)


def install(torch) -> None:
    targets = {"torch": torch, "Tensor": Tensor, "linalg": torch.linalg,
               "F": torch.nn.functional, "special": torch.special}
    for (ns, name), check in CHECKS.items():
        orig = getattr(targets[ns], name, None)
        _ORIG[(ns, name)] = orig
        if orig is not None:
            setattr(targets[ns], name, _wrap(orig, check))
