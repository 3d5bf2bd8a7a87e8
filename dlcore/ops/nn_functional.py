"""Activation, loss and normalisation composites with PyTorch's ``torch.nn.functional`` names
(and ``tf.nn``/``tf.math`` where TensorFlow has the same function with the same arguments).
Plain functions of primitives: the gradients come from the primitives' vjps (the exact GELU is
itself one, ``activations.gelu_p``).

Activations::

    celu(x, a)          max(0, x) + min(0, a (exp(x / a) - 1))
    gelu(x)             x Phi(x) = x (1 + erf(x / sqrt 2)) / 2;  approximate='tanh':
                        x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2
    silu(x)             x sigmoid(x)           (mish, logsigmoid: softplus_family.py)
    hardtanh(x, lo, hi) clip(x, lo, hi)        hardsigmoid   clip(x / 6 + 1/2, 0, 1)
    hardswish(x)        x hardsigmoid(x)
    softmin(x, d)       softmax(-x, d)         glu(x, d)     a sigmoid(b), (a, b) = halves of x
    threshold(x, t, v)  x where x > t, else v  tanhshrink    x - tanh(x)
    prelu(x, w)         x where x > 0, else w x   (w per channel, axis 1)
    (elu, selu, relu6, leaky_relu are in activations.py)

Losses (``reduction`` = 'mean' | 'sum' | 'none')::

    smooth_l1(x, y, beta)   0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta;  d = x - y
    huber(x, y, delta)      0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)
    kl_div(x, y)            y (log y - x)   (x log-probabilities; log_target: exp(y) (y - x))
    poisson_nll(x, y)       exp(x) - y x   (log_input), or x - y log(x + eps)
    gaussian_nll(x, y, v)   0.5 (log(max(v, eps)) + (x - y)^2 / max(v, eps))
    margin_ranking(a, b, y) max(0, -y (a - b) + margin)
    cosine_embedding(a, b, y)   1 - cos(a, b) where y = 1, max(0, cos(a, b) - margin) else
    triplet_margin(a, p, n)     max(d(a, p) - d(a, n) + margin, 0),  d the p-norm distance
    multilabel_soft_margin(x, y)  -mean_c (y log sigmoid(x) + (1 - y) log sigmoid(-x))

Normalisation and distances: layer_norm, group_norm, normalize, cosine_similarity,
pairwise_distance, bilinear.
"""

from __future__ import annotations

import builtins
import math

from .. import dtypes as _dt
from ..api import exports
from ..errors import ShapeError
from ..registry import aval_of, bind
from . import _rules
from .activations import (
    clamp_inner,
    elu_p,
    gelu_p,
    hardsigmoid_p,
    hardswish_p,
    prelu_p,
    silu_p,
)
from .composites import _reduce, _via_float32, mean, softmax
from .elementwise import (
    abs,
    add,
    cast,
    div,
    exp,
    greater,
    less,
    less_equal,
    log,
    maximum,
    minimum,
    mul,
    neg,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from .gelu_tanh import gelu_tanh_p
from .glu import glu as _glu
from .smooth_l1 import smooth_l1 as _smooth_l1
from .linalg import matmul
from .cosine_prims import cosine_similarity as _fused_cosine
from .group_norm_prims import group_norm as _fused_group_norm
from .kl_div import kl_div_log_p as _kl_div_log_p
from .kl_div import kl_div_p as _kl_div_p
from .norm_prims import layer_norm as _fused_layer_norm
from .reduce import sum
from .shape import expand_dims, reshape
from .shrink import threshold  # noqa: F401  (F.threshold: here too)
from .softplus_family import logsigmoid, mish  # noqa: F401  (F.logsigmoid, F.mish: here too)

_F = "torch.nn.functional"


def _f(name, **more):
    return {_F: name, **more}


# ----------------------------------------------------------------------------- activations
@exports(_f("celu", **{"torch": "celu"}), "activation", float_only=True,
         torch_params=(("alpha", 1.0),))
def celu(x, alpha: float = 1.0):
    """PyTorch's ``elu(x, alpha, 1, 1 / alpha)``: the ``elu`` primitive (float16/bfloat16 in
    float32, as ATen's opmath: celu(-1, alpha=1e10) is -1)."""
    if float(alpha) == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return bind(elu_p, x, alpha=float(alpha), scale=1.0, input_scale=1.0 / float(alpha))


@exports(_f("gelu"), "args", float_only=True)
@_via_float32
def gelu(x, *, approximate: str = "none"):
    """``x Phi(x)`` (exact, with erf), or the tanh approximation."""
    if approximate == "tanh":
        return bind(gelu_tanh_p, x)                 # (dlcore/ops/gelu_tanh.py)
    if approximate != "none":
        raise RuntimeError("approximate argument must be either none or tanh.")   # (PyTorch's)
    return bind(gelu_p, x)


@exports(_f("silu", **{"tf.nn": ("silu", "swish")}), "activation", float_only=True,
         tf_type="Silu")
@_via_float32
def silu(x):
    """``x sigmoid(x)``, as PyTorch computes it: ``x / (1 + exp(-x))`` (``activations.silu_p``,
    its gradient ``silu_grad_p``)."""
    return bind(silu_p, x)


@exports(_f("hardtanh"), "activation", float_only=False,
         torch_params=(("min_val", -1.0), ("max_val", 1.0)))
def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0):
    """``clamp(x, min_val, max_val)``, its gradient 0 at the bounds (PyTorch's); an integer
    tensor stays one (the bounds truncated to integers, as PyTorch converts them)."""
    kind = aval_of(x).dtype.kind
    if kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if kind in "iu":
        min_val, max_val = int(min_val), int(max_val)
    elif math.isnan(min_val) or math.isnan(max_val):     # (PyTorch: NaN, gradient 0)
        return add(mul(x, 0.0), math.nan)
    return clamp_inner(x, min_val, max_val)


@exports(_f("hardsigmoid"), "activation", float_only=True)
def hardsigmoid(x):
    """``x / 6 + 1/2`` on (-3, 3), 0 below, 1 above; the gradient is 0 at -3 and 3 (PyTorch's
    ``hardsigmoid_backward``, which also gives 0 at NaN): the ``hardsigmoid`` primitive."""
    return bind(hardsigmoid_p, x)


@exports(_f("hardswish"), "activation", float_only=True)
def hardswish(x):
    """``x (x + 3) / 6`` on (-3, 3), ``x * 0`` at and below -3 (-0.0; NaN at -inf, as PyTorch's
    ``x * clamp(x + 3, 0, 6) / 6``), ``x`` above; the gradient is 0 at and below -3, 1 at and
    above 3, NaN at NaN (PyTorch's ``hardswish_backward`` in its vectorised body): the
    ``hardswish`` primitive."""
    return bind(hardswish_p, x)


@exports(_f("softmin"), "args", float_only=True)
def softmin(x, axis=None, _stacklevel: int = 3, dtype=None):
    if axis is None:
        axis = 0 if aval_of(x).ndim in (0, 1, 3) else 1
    return softmax(neg(x), axis)


@exports(_f("glu"), "args", float_only=True)
def glu(x, axis: int = -1):
    """The gated linear unit: the first half of ``axis`` times sigmoid of the second."""
    from .indexing import getitem
    s = aval_of(x).shape
    if not s:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    a = _rules.normalize_axis("glu", axis, len(s), s)      # (axis % rank took glu(x, dim=2)
    n = s[a]                                                # of a matrix as dim 0)
    if n % 2:
        raise ShapeError("glu", f"Halving dimension must be even, but dimension {a} is size "
                         f"{n}", [s])
    if type(n) is int and _dt.is_floating(aval_of(x).dtype):
        return _glu(x, a)                   # (one node: .glu)
    pre = (slice(None),) * a
    return mul(getitem(x, pre + (slice(0, n // 2),)), sigmoid(getitem(x, pre + (
        slice(n // 2, n),))))


@exports(_f("tanhshrink"), "unary", float_only=True)
def tanhshrink(x):
    return sub(x, tanh(x))


@exports(_f("prelu", **{"torch": "prelu"}), "args", float_only=True)
def prelu(x, weight):
    """``x`` where positive, ``weight x`` elsewhere; ``weight`` one value or one per channel
    (axis 1)."""
    w = weight
    xa, wa = aval_of(x), aval_of(weight)
    nd = xa.ndim
    n = math.prod(wa.shape) if None not in wa.shape else None
    channels = xa.shape[1] if nd >= 2 else 1
    if n not in (1, None) and isinstance(channels, int) and n != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    if wa.shape not in ((), (1,)) and nd >= 2:
        w = reshape(weight, (-1,) + (1,) * (nd - 2))
    elif wa.ndim > nd:                      # (a 0-d x keeps its shape, as PyTorch's)
        w = reshape(weight, ())
    if _dt.is_floating(xa.dtype) and wa.dtype == xa.dtype:
        return bind(prelu_p, x, w)          # (one node: the weight broadcasts into x)
    return where(greater(x, 0.0), x, mul(x, w))


# ----------------------------------------------------------------------------- losses
def _check(reduction, message="{} is not a valid value for reduction"):
    """``reduction``, or PyTorch's ValueError (``message``: gaussian_nll_loss's and
    multilabel_soft_margin_loss's say ``{} is not valid``)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(message.format(reduction))
    return reduction


@exports(_f("smooth_l1_loss"), "args", float_only=True)
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check(reduction)
    loss = _smooth_l1(input, target, beta) if beta != 0 else None     # (one node, PyTorch's
    if loss is None:                                                   # kernels: .smooth_l1)
        d = abs(sub(input, target))
        if beta == 0:
            return _reduce(d, reduction)
        loss = where(_less(d, beta), div(mul(mul(d, d), 0.5), beta), sub(d, 0.5 * beta))
    return _reduce(loss, reduction)


def _less(a, b):
    from .elementwise import less
    return less(a, b)


@exports(_f("huber_loss"), "args", float_only=True)
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check(reduction)
    loss = _smooth_l1(input, target, delta, huber=True)
    if loss is None:
        d = abs(sub(input, target))
        loss = where(_less(d, delta), mul(mul(d, d), 0.5), mul(sub(d, 0.5 * delta), delta))
    return _reduce(loss, reduction)


@exports(_f("kl_div"), "args", float_only=True)
def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False):
    """Pointwise ``target (log target - input)``; 'batchmean' divides the sum by the batch."""
    d_in, d_t = aval_of(input).dtype, aval_of(target).dtype
    if d_in == d_t and _dt.is_floating(d_in):
        # the pointwise terms as one primitive (dlcore/ops/kl_div.py)
        loss = bind(_kl_div_log_p if log_target else _kl_div_p, input, target)
    elif log_target:
        loss = mul(exp(target), sub(target, input))
    else:
        # PyTorch's ``xlogy(target, target) - target * input``: xlogy is 0 where target == 0
        # and NaN where it is negative; ``target * input`` stays as it is (0 * -inf is NaN:
        # a zero target against a log(0) = -inf input makes the loss NaN, as PyTorch's)
        from .elementwise import less
        safe = where(greater(target, 0.0), target, 1.0)
        xlogy = where(greater(target, 0.0), mul(target, log(safe)),
                      where(less(target, 0.0), float("nan"), 0.0))
        loss = sub(xlogy, mul(target, input))
        if getattr(target, "requires_grad", False):
            # xlogy's gradient with respect to a target <= 0 is NaN in PyTorch (0/0 at 0): a
            # zero-valued term, 0 sqrt(target) there, whose gradient is 0 / 0 (NaN)
            at = where(greater(target, 0.0), 1.0, target)
            loss = add(loss, mul(sqrt(at), 0.0))
    if reduction == "batchmean":
        n = aval_of(input).shape[0] if aval_of(input).ndim else 1
        return div(sum(loss), float(n))
    return _reduce(loss, _check(reduction))


@exports(_f("poisson_nll_loss"), "args", float_only=True)
def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean"):
    # both in PyTorch's result dtype (the wider float; the default float for two integer
    # tensors): an int64 target times a float32 input was float64 (NumPy's promotion)
    floats = [d for d in (aval_of(input).dtype, aval_of(target).dtype) if d.kind == "f"]
    want = max(floats, key=lambda d: d.itemsize) if floats else _dt.default_float
    input, target = cast(input, want), cast(target, want)
    if log_input:
        loss = sub(exp(input), mul(target, input))
    else:
        loss = sub(input, mul(target, log(add(input, eps))))
    if full:
        safe = where(greater(target, 1.0), target, 1.0)
        stirling = add(sub(mul(safe, log(safe)), safe), mul(log(mul(safe, 2 * math.pi)), 0.5))
        loss = add(loss, where(greater(target, 1.0), stirling, 0.0))
    return _reduce(loss, _check(reduction))


@exports(_f("gaussian_nll_loss"), "args", float_only=True)
def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    from .elementwise import full_like, stop_gradient
    if isinstance(var, (int, float)):          # (PyTorch: var * ones_like(input))
        var = full_like(input, float(var))
    vs, xs = tuple(aval_of(var).shape), tuple(aval_of(input).shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = expand_dims(var, -1)        # one variance per example, as PyTorch allows
        elif not (len(vs) == len(xs) and None not in vs + xs and
                  builtins.sum(v for x, v in zip(xs, vs) if x != v) == 1):
            # (PyTorch's rule: var of input's rank, its sizes apart from input's summing to
            # one: one axis of one, as (N, 1) for (N, D); a var that merely broadcast was
            # taken before)
            raise ValueError("var is of incorrect size")
    # PyTorch clamps a clone of var under no_grad: the values max(var, eps), the gradient
    # flowing to var as if unclamped (maximum's gave 0 below eps)
    v = add(var, stop_gradient(sub(maximum(var, eps), var)))
    d = sub(input, target)
    loss = mul(add(log(v), div(mul(d, d), v)), 0.5)
    if full:
        loss = add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, _check(reduction, "{} is not valid"))


@exports(_f("margin_ranking_loss"), "args", float_only=True)
def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean"):
    loss = maximum(add(mul(neg(target), sub(input1, input2)), margin), 0.0)
    return _reduce(loss, _check(reduction))


@exports(_f("cosine_similarity", **{"torch": "cosine_similarity"}), "args", float_only=True)
def cosine_similarity(x1, x2, axis: int = 1, eps: float = 1e-8):
    """``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` along ``axis``, as ATen: each
    input divided by its clamped norm first, a sum last (so the result is no saved output:
    ``cos.masked_fill_(mask, v)`` before backward is fine, as in SimCLR's InfoNCE loss)."""
    a1, a2 = aval_of(x1), aval_of(x2)
    if a1.dtype == a2.dtype and _dt.is_floating(a1.dtype) and None not in a1.shape + a2.shape:
        # the fused primitives (dlcore/ops/cosine_prims.py): one node each way, on the
        # operands broadcast to one shape first, as ATen's (a (N, 1, D) by (1, M, D)
        # similarity matrix; the composite below took each norm before broadcasting, so a
        # summed axis of length 1 against n gave values above 1)
        shape = _rules.broadcast_shapes("cosine_similarity", a1.shape, a2.shape)
        if -len(shape) <= axis < len(shape):
            from .broadcast import broadcast_to
            return _fused_cosine(broadcast_to(x1, shape), broadcast_to(x2, shape),
                                 axis % len(shape), eps)
    # (the clamp inside the sqrt: no inf * 0 gradient at a zero vector, as ATen's norm)
    n1 = sqrt(maximum(sum(mul(x1, x1), axis, True), eps * eps))
    n2 = sqrt(maximum(sum(mul(x2, x2), axis, True), eps * eps))
    return sum(mul(div(x1, n1), div(x2, n2)), axis)


@exports(_f("cosine_embedding_loss"), "args", float_only=True)
def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean"):
    """ATen's: ``cos = x1.x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))`` along the last axis."""
    sq1 = add(sum(mul(input1, input1), -1), 1e-12)
    sq2 = add(sum(mul(input2, input2), -1), 1e-12)
    cos = div(sum(mul(input1, input2), -1), sqrt(mul(sq1, sq2)))
    from .elementwise import equal
    loss = where(equal(target, 1), sub(1.0, cos), maximum(sub(cos, margin), 0.0))
    return _reduce(loss, _check(reduction))


@exports(_f("pairwise_distance", **{"torch": "pairwise_distance"}), "args",
         float_only=True)
def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdims: bool = False):
    """``||x1 - x2 + eps||_p`` along the last axis (an integer ``x2`` takes floating ``x1``'s
    dtype, as PyTorch's promotion: float32 - int64 is float32)."""
    from .linalg_extra import vector_norm
    d1, d2 = aval_of(x1).dtype, aval_of(x2).dtype
    if d2.kind in "biu" and d1.kind == "f":
        x2 = cast(x2, d1)
    return vector_norm(add(sub(x1, x2), eps), p, -1, keepdims)


@exports(_f("triplet_margin_loss"), "args", float_only=True)
def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean"):
    dp = pairwise_distance(anchor, positive, p, eps)
    dn = pairwise_distance(anchor, negative, p, eps)
    if swap:
        # torch.min(dn, ds): a tie's cotangent half and half (the core minimum gives it to
        # its first operand, TensorFlow's rule: at a zero-distance triplet the anchor's
        # gradient was 0 against PyTorch's)
        ds = pairwise_distance(positive, negative, p, eps)
        from .elementwise import equal
        dn = where(equal(dn, ds), mul(add(dn, ds), 0.5), minimum(dn, ds))
    return _reduce(maximum(add(sub(dp, dn), margin), 0.0), _check(reduction))


@exports(_f("multilabel_soft_margin_loss"), "args", float_only=True)
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    loss = neg(add(mul(target, logsigmoid(input)), mul(sub(1.0, target), logsigmoid(neg(
        input)))))
    if weight is not None:
        loss = mul(loss, weight)
    loss = mean(loss, -1)
    return _reduce(loss, _check(reduction, "{} is not valid"))


# ----------------------------------------------------------------------------- normalisation
_TORCH_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half",
                 "bfloat16": "BFloat16"}


def _mixed_norm(x, *params) -> bool:
    """PyTorch's CPU dtype rule for layer and group norm: parameters of ``x``'s dtype, or a
    16-bit ``x`` (bfloat16/float16) with float32 parameters, normalised in float32 and returned
    in ``x``'s dtype (True: that mixed case); any other mix is refused with PyTorch's words."""
    dts = [aval_of(p).dtype for p in params if p is not None]
    xd = aval_of(x).dtype
    if not dts:
        return False
    if dts[0] == xd:
        for d in dts[1:]:
            if d != xd:
                raise RuntimeError(f"expected scalar type {_TORCH_SCALAR.get(xd.name, xd.name)} "
                                   f"but found {_TORCH_SCALAR.get(d.name, d.name)}")
        return False
    if any(d.name != "float32" for d in dts):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if xd.name not in ("bfloat16", "float16"):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    return True


@exports(_f("layer_norm", **{"torch": "layer_norm"}), "args", float_only=True)
def layer_norm(x, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the last ``len(normalized_shape)`` axes (biased variance): the fused
    ``layer_norm`` primitive (dlcore/ops/norm_prims.py); the composite below serves a graph
    tensor of unknown rank.  A bfloat16/float16 ``x`` with float32 ``weight``/``bias`` is
    normalised in float32 and returned in ``x``'s dtype, as PyTorch's CPU kernel does."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(int(d) for d in normalized_shape)
    k = len(ns)
    av = aval_of(x)
    if not getattr(x, "_dlcore_unknown_rank", False):
        if not k:
            raise ShapeError("layer_norm", "Expected normalized_shape to be at least "
                             "1-dimensional, i.e., containing at least one element, but got "
                             "normalized_shape = []", [av.shape])
        tail = av.shape[max(av.ndim - k, 0):]
        if av.ndim < k or any(d is not None and d != e for d, e in zip(tail, ns)):
            raise ShapeError("layer_norm", f"Given normalized_shape={list(ns)}, expected input "
                             f"with shape [*, {', '.join(map(str, ns))}], but got input of size"
                             f"{list(av.shape)}", [av.shape])
        for v, label in ((weight, "weight"), (bias, "bias")):
            if v is not None and tuple(aval_of(v).shape) != ns:
                raise ShapeError("layer_norm", f"Expected {label} to be of same shape as "
                                 f"normalized_shape, but got {label} of shape "
                                 f"{list(aval_of(v).shape)} and normalized_shape = {list(ns)}",
                                 [av.shape, aval_of(v).shape])
        if _mixed_norm(x, weight, bias):
            return cast(_fused_layer_norm(cast(x, "float32"), weight, bias, k, eps), av.dtype)
        return _fused_layer_norm(x, weight, bias, k, eps)
    nd = av.ndim
    axes = tuple(range(nd - k, nd))
    m = mean(x, axes, True)
    d = sub(x, m)
    v = mean(mul(d, d), axes, True)
    y = div(d, sqrt(add(v, eps)))
    if weight is not None:
        y = mul(y, weight)
    if bias is not None:
        y = add(y, bias)
    return y


@exports(_f("group_norm", **{"torch": "group_norm"}), "args", float_only=True)
def group_norm(x, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over groups of channels (axis 1) and all spatial axes; per-channel affine.
    A bfloat16/float16 ``x`` with float32 ``weight``/``bias``: in float32, returned in ``x``'s
    dtype (PyTorch's CPU rule, see :func:`_mixed_norm`)."""
    if _mixed_norm(x, weight, bias):
        return cast(group_norm(cast(x, "float32"), num_groups, weight, bias, eps),
                    aval_of(x).dtype)
    s = tuple(aval_of(x).shape)
    c = s[1]
    if c % num_groups:
        raise ShapeError("group_norm", f"Expected number of channels in input to be divisible "
                         f"by num_groups, but got input of shape {list(s)} and num_groups="
                         f"{num_groups}", [s])
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(aval_of(t).shape) != (c,):
            shown = aval_of(weight).shape if weight is not None else [0]   # (ATen prints the
            raise ShapeError("group_norm", f"Expected {name} to be a vector of size equal to "  # weight's)
                             f"the number of channels in input, but got {name} of shape "
                             f"{list(shown)} and input of shape {list(s)}", [s])
    # the fused group-norm primitive (dlcore/ops/group_norm_prims.py): one node where the
    # reshaped layer norm and the per-channel affine made five
    return _fused_group_norm(x, weight, bias, num_groups, eps)


@exports(_f("normalize"), "args", float_only=True)
def normalize(x, p: float = 2.0, axis: int = 1, eps: float = 1e-12, out=None):
    """``x / max(||x||_p, eps)`` along ``axis``."""
    from .linalg_extra import vector_norm
    return div(x, maximum(vector_norm(x, p, axis, True), eps))


@exports(_f("bilinear", **{"torch": "bilinear"}), "args", float_only=True)
def bilinear(x1, x2, weight, bias=None):
    """``y_k = x1^T W_k x2 + b_k``: ``weight`` (out, in1, in2); x1, x2 (*, in) (the leading
    dims flattened, then back, as PyTorch's)."""
    lead = tuple(aval_of(x1).shape[:-1])
    if len(lead) != 1:
        out_shape = lead + (aval_of(weight).shape[0],)
        flat = bilinear(reshape(x1, (-1, aval_of(x1).shape[-1])),
                        reshape(x2, (-1, aval_of(x2).shape[-1])), weight, bias)
        return reshape(flat, out_shape)
    # (N, in1) @ (out, in1, in2) -> (out, N, in2); times x2, summed over in2 -> (out, N)
    t = matmul(expand_dims(x1, 0), weight)
    y = sum(mul(t, expand_dims(x2, 0)), -1)
    from .shape import transpose
    y = transpose(y, (1, 0))
    return y if bias is None else add(y, bias)



# ----------------------------------------------------------------------------- class losses
def class_nll(logp, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
              label_smoothing: float = 0.0):
    """Negative log-likelihood of class indices: ``logp`` (N, C, ...) log-probabilities,
    ``target`` (N, ...) integers.  Per example ``w[t] (-(1-e) logp[t] - e/C sum_c w_c logp_c /
    w[t])``, zero where ``target == ignore_index``; 'mean' divides by the sum of ``w[t]`` over
    the examples kept (PyTorch's rule, label smoothing included)."""
    from .elementwise import cast, not_equal
    from .indexing import one_hot
    from .scan import take_along_axis
    from .shape import transpose
    av = aval_of(logp)
    c = av.shape[1]
    if av.ndim > 2:                      # (N, C, d...) -> (N, d..., C)
        logp = transpose(logp, (0,) + tuple(range(2, av.ndim)) + (1,))
    valid = not_equal(target, ignore_index)
    safe = where(valid, target, 0)
    fvalid = cast(valid, av.dtype)
    # logp[t] by a gather, not a one-hot product: a -inf log-probability of another class
    # (a masked logit) times the one-hot's 0 was NaN; ignored rows are selected away, not
    # multiplied by 0 (their -inf would be NaN too), as PyTorch's masked_fill
    picked = neg(sum(take_along_axis(logp, expand_dims(safe, -1), -1), -1))
    if weight is None:
        w_t = fvalid
        nll = where(valid, picked, 0.0)
    else:
        w_t = mul(sum(mul(one_hot(safe, c, av.dtype), weight), -1), fvalid)
        nll = where(valid, mul(picked, w_t), 0.0)
    if label_smoothing:
        lw = logp if weight is None else mul(logp, weight)
        smooth = where(valid, neg(sum(lw, -1)), 0.0)
        nll = add(mul(nll, 1.0 - label_smoothing), mul(smooth, label_smoothing / c))
    if reduction == "mean":     # (no weight at all: NaN, as PyTorch's, whose gradient is 0)
        total = sum(w_t)
        none = less_equal(total, 0.0)
        return add(div(sum(nll), where(none, 1.0, total)), mul(total, where(none, math.nan, 0.0)))
    return _reduce(nll, _check(reduction))


def soft_cross_entropy(logits, probs, weight=None, reduction: str = "mean",
                       label_smoothing: float = 0.0):
    """Cross-entropy against class probabilities (same shape as ``logits``, classes on axis 1):
    ``-sum_c w_c p_c log_softmax(x)_c``, 'mean' over the examples."""
    from .composites import log_softmax
    c = aval_of(logits).shape[1]
    if label_smoothing:
        probs = add(mul(probs, 1.0 - label_smoothing), label_smoothing / c)
    logp = log_softmax(logits, 1)
    term = mul(probs, logp)
    if weight is not None:
        shape = (1, c) + (1,) * (aval_of(logits).ndim - 2)
        term = mul(term, reshape(weight, shape))
    loss = neg(sum(term, 1))
    return _reduce(loss, _check(reduction))


def bce_with_logits(x, z, weight=None, pos_weight=None, reduction: str = "mean"):
    """``(1 - z) x + (1 + (pw - 1) z) (log1p(exp(-|x|)) + max(-x, 0))`` (PyTorch's stable
    form; ``pw = 1`` without ``pos_weight``)."""
    from .math_unary import log1p
    # -|x| and max(-x, 0) by a select on x < 0: at x = 0 the gradient of the tail is then
    # -sigmoid(0) = -0.5, PyTorch's (abs's sign(0) = 0 and maximum's tie gave -1)
    negative = less(x, 0.0)
    tail = add(log1p(exp(where(negative, x, neg(x)))), where(negative, neg(x), 0.0))
    lw = 1.0 if pos_weight is None else add(mul(sub(pos_weight, 1.0), z), 1.0)
    loss = add(mul(sub(1.0, z), x), mul(lw, tail))
    if weight is not None:
        loss = mul(loss, weight)
    return _reduce(loss, _check(reduction))
