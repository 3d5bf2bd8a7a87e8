"""``nn.functional``: activations, ``linear``, ``dropout`` and the losses, as functions.

Each is built from dlcore's ops (its composites where dlcore has one: ``mse``,
``sparse_softmax_cross_entropy``, ``sigmoid_cross_entropy_with_logits``, ``log_softmax``); the
gradients come from dlcore's primitives.  ``reduction`` is ``'mean' | 'sum' | 'none'``; the legacy
``size_average``/``reduce`` arguments are mapped to it with PyTorch's warning.
"""

from __future__ import annotations

import math
import typing as _typing
import warnings

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.ops import activations as _act
from dlcore.ops import nn_functional as _nnf

from .. import _dtype as _D
from .. import _shape_ops as S
from .. import _shown_saved as _shown
from .. import _tensor_ops as O
from .._graph import labelled as _labelled
from .._host import host as _host
from .._matmul_checks import check_same_dtype
from .._api import _tensor_arg
from .._operand_rules import _SUB_TWO_BOOLS
from .._dispatch import EagerFrontend as _EF
from .. import _dispatch as _Dp
from .._dense_lane import float_operands as _float_operands
from .._dense_lane import linear as _linear_tiny
from dlcore.ops.linalg_extra import _expand_check
from ..tensor import Tensor

_apply = _EF.apply
_matmul_p = _ops.linalg.matmul_p
_addmm_p = _ops.linalg.addmm_p
# the losses' common cases through the eager lane (module globals here: tests replace them)
from ._fast_losses import _fast_cross_entropy, _fast_nll_loss  # noqa: E402
from .functional_conv import dropout2d  # noqa: F401 - random, a front-end function, not an op
from .layers_extra import alpha_dropout, feature_alpha_dropout  # noqa: F401 - random
from .embedding_bag import embedding_bag  # noqa: F401 - bags read on the host
from .functional_long_tail import (adaptive_max_pool1d, adaptive_max_pool2d,  # noqa: F401
                                   dropout1d, dropout3d, fold, gumbel_softmax, instance_norm,
                                   unfold, upsample, upsample_bilinear, upsample_nearest)
from .functional_margin import (multi_margin_loss, multilabel_margin_loss,  # noqa: F401
                                triplet_margin_with_distance_loss)
from .functional_grid import affine_grid, grid_sample  # noqa: F401 - checks, then composites
from .functional_margin import check_class_weight as _check_class_weight  # noqa: E402
from .functional_margin import not_differentiable as _not_differentiable  # noqa: E402
from .ctc import ctc_loss  # noqa: F401 - lengths read as PyTorch's, then the primitive
from .functional_pool3d import (adaptive_max_pool3d,  # noqa: F401 - as adaptive_max_pool2d
                                adaptive_max_pool3d_with_indices)
from .functional_long_tail import (adaptive_max_pool1d_with_indices,  # noqa: F401
                                   adaptive_max_pool2d_with_indices, celu_, elu_, hardtanh_,
                                   leaky_relu_, lp_pool1d, lp_pool2d, max_unpool1d,
                                   max_unpool3d, relu_, selu_, threshold_)
from .functional_more import (lp_pool3d, max_pool1d_with_indices,  # noqa: F401
                              max_pool2d_with_indices, max_pool3d_with_indices)
from .functional_attention import (  # noqa: F401 - PyTorch's helpers of the same names
    _canonical_mask, _none_or_dtype, multi_head_attention_forward)

# F.conv2d, F.max_pool2d, F.embedding, F.one_hot, F.relu, F.elu, ... are installed from their
# ops' definition blocks in dlcore (see dlcore_eager._api); what is here has no op of its own or
# needs more than an op's convention.
if _typing.TYPE_CHECKING:
    def __getattr__(name: str): ...     # the installed functions (unannotated: Any)


# ----------------------------------------------------------------------------- reduction
def legacy_get_string(size_average, reduce, emit_warning: bool = True) -> str:
    """PyTorch's mapping of the legacy arguments: both true -> mean, reduce only -> sum,
    reduce=False -> none."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(x: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":                 # (PyTorch's name; the last primitive is a div)
        return _labelled(_ops.mean(x), "MeanBackward0", x)
    if reduction == "sum":
        return _ops.sum(x)
    return x


# ----------------------------------------------------------------------------- activations
# relu, sigmoid, tanh, softmax, log_softmax, ... are generated from their definition blocks in
# dlcore (namespace "torch.nn.functional"; see dlcore_eager._api).


def _fast_linear(x, weight, bias):
    """``linear`` of a CPU (N, K) input and (M, K) weight (and (M,) bias) of one float32 or
    float64 dtype: PyTorch's nodes (TBackward0 of the weight, then MmBackward0, or with a bias
    one ``addmm`` node, AddmmBackward0), the transpose and the addmm through the eager lane:
    no torch.Size, argument normalisation or promotion (issue 19; see the commits; a tiny
    product takes ``_dense_lane.linear`` before).  None for anything else."""
    bufs = _float_operands(x, weight, bias)
    if bufs is None:
        return None
    xb, wb, bb = bufs
    if wb.ndim != 2:
        return None
    if xb.ndim != 2:
        return _fast_linear_stack(x, weight, bias, xb) if xb.ndim > 2 else None
    if xb.shape[1] != wb.shape[1] or (bb is not None and bb.shape != (wb.shape[0],)):
        return None
    wt = S.fast_t(weight)
    if wt is None:
        return None
    if wt._node is not None:
        wt._node.label = "TBackward0"     # (PyTorch's linear: weight.t())
    if bias is None:
        return _Dp.matrix_product(_matmul_p, x, wt, xb, wt._buf)
    # apply's work for three tensors (fast_t has seen no autocast and no trace)
    return _Dp.matrix_product3(_addmm_p, bias, x, wt, bb, xb, wt._buf)


def _fast_linear_stack(x, weight, bias, xb):
    """``_fast_linear`` of a C-contiguous stack of rows (a transformer's (B, T, C) input): the
    general path's nodes through the lane, the stack viewed as one matrix (ViewBackward0), its
    product, and that viewed back (ViewBackward0 with a bias, PyTorch's addmm; without one
    UnsafeViewBackward0, its matmul's).  Issue 19: nanoGPT's linears took the general path."""
    if not xb.flags.c_contiguous or xb.shape[-1] != weight._buf.shape[1]:
        return None
    sx = xb.shape
    x2 = S.view(x, -1, sx[-1])
    out = _fast_linear(x2, weight, bias)
    if out is None:
        return None
    y = S.view(out, *sx[:-1], weight._buf.shape[0])
    node = y._node
    if node is not None and bias is None:
        node.label = "UnsafeViewBackward0"
    return y


def _check_linear_dtypes(x, weight, bias) -> None:
    """PyTorch's linear promotes nothing.  With a bias it is addmm's check, in addmm's order and
    words: the bias against the weight ("self and mat2"), then the input against the weight
    ("mat1 and mat2"); without one, mm's message."""
    if isinstance(x, Tensor) and isinstance(weight, Tensor):
        if not isinstance(bias, Tensor):
            check_same_dtype(x, weight)
            return
        dw = weight._buf.dtype
        for who, t in (("self", bias), ("mat1", x)):
            d = t._buf.dtype
            if d != dw:
                raise RuntimeError(f"{who} and mat2 must have the same dtype, but got "
                                   f"{_D.from_numpy_dtype(d)._legacy} and "
                                   f"{_D.from_numpy_dtype(dw)._legacy}")


def _weight_t(weight):
    """``weight.t()`` as PyTorch's linear takes it (its node TBackward0)."""
    return S.t(weight) if weight.ndim == 2 else _ops.transpose(weight)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x @ weight.T + bias`` (PyTorch stores ``weight`` as (out_features, in_features))."""
    out = _linear_tiny(input, weight, bias)
    if out is not None:
        return out
    out = _fast_linear(input, weight, bias)
    if out is not None:
        return out
    if not isinstance(input, Tensor):           # (a NumPy array was multiplied as it was)
        _tensor_arg(input, "linear")
    _check_linear_dtypes(input, weight, bias)
    sx, sw = input.shape, weight.shape
    if not len(sx) or not len(sw):
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{len(sx)}D and {len(sw)}D")
    if len(sw) == 2 and len(sx) >= 1 and sx[-1] != sw[1]:     # PyTorch's error and wording
        rows = math.prod(sx[:-1]) if len(sx) > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sx[-1]} and "
                           f"{sw[1]}x{sw[0]})")
    if len(sx) == 1 and bias is None:  # an unbatched input (in_features,) -> (out_features,)
        return _labelled(_ops.squeeze(_ops.linear(_ops.expand_dims(input, 0), _weight_t(weight)),
                                      0), "SqueezeBackward4", input)
    # PyTorch's nodes: a bias (the input a matrix, or a contiguous stack flattened to one:
    # ViewBackward0) one addmm node; no bias one mm node (a stack's UnsafeViewBackward0 of it);
    # a bias and a strided stack a matmul and an add (AddBackward0)
    if len(sw) != 2 or not len(sx) or bias is not None and len(sx) > 2 and \
            not input.is_contiguous():
        return _ops.linear(input, _weight_t(weight), bias)
    rows = math.prod(sx[:-1])           # (np.prod of a shape: 3-5 us a call)
    x2 = input if len(sx) == 2 else _ops.reshape(input, (rows, sx[-1]))
    if bias is None:
        out = _ops.matmul(x2, _weight_t(weight))
    else:
        _expand_check(bias, (rows, sw[0]))    # (PyTorch's words for a bias of another size)
        out = _apply(_addmm_p, (bias, x2, _weight_t(weight)), {})
    if len(sx) == 2:
        return out
    return _labelled(_ops.reshape(out, tuple(sx[:-1]) + (sw[0],)),
                     "ViewBackward0" if bias is not None else "UnsafeViewBackward0", input)


def softplus(input: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``
    (PyTorch's ``F.softplus``; the primitive ``softplus`` is the case beta 1, threshold 20)."""
    if beta == 1 and threshold == 20:
        out = _act.softplus(input)
    else:
        bx = _ops.mul(input, float(beta))
        out = _ops.where(_ops.greater(bx, float(threshold)), input,
                         _ops.div(_act.softplus(bx), float(beta)))
    return _shown.activation("softplus", _labelled(out, "SoftplusBackward0", input,
                                                   edges=(input,)), input, (beta, threshold), {})


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015), as PyTorch: in training each negative element is
    scaled by its own slope drawn uniformly from ``[lower, upper]`` (the host generator, so
    ``manual_seed`` repeats it); in evaluation by ``(lower + upper) / 2``."""
    x = input._original() if inplace else input
    if not training:
        out = _act.leaky_relu(x, (lower + upper) / 2)
    else:
        from ..creation import _engine
        # PyTorch's CPU kernel draws a double uniform(lower, upper) for each element <= 0 only,
        # in order (the others keep slope 1), its bounds in the input's math type (float but
        # for float64 inputs) and ``u * (upper - lower) + lower`` not fused there: its bits
        # (with double bounds and the fused form, 505 of 5000 float32 slopes differed)
        xv = input.detach().numpy()
        neg = xv <= 0
        lo, hi = float(lower), float(upper)
        if xv.dtype != np.float64:
            lo, hi = float(np.float32(lo)), float(np.float32(hi))
        slope = np.ones(xv.shape)
        unit = _engine(None).uniform(int(neg.sum()), np.float64, 0.0, 1.0)
        slope[neg] = unit * (hi - lo) + lo
        a = Tensor._wrap(slope.astype(input._buf.dtype))
        if input.is_cuda:
            a = a.cuda()
        out = _ops.where(_ops.greater_equal(x, 0.0), x, _ops.mul(x, a))
    # (PyTorch's node: RreluWithNoiseBackward0, its in-place overload's ...Backward1, saving
    # its input (in place: its result), the bounds, the mode and, in training, the slopes)
    out = _labelled(out, "RreluWithNoiseBackward1" if inplace else "RreluWithNoiseBackward0", x,
                    edges=(x,))
    noise = {"noise": a} if training else {}
    out = _shown.show(out, x, inplace, not inplace, lower=lower, upper=upper,
                      training=training, **noise)
    if inplace:
        input._check_inplace()
        return input._commit(out)
    return out


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
            training: bool = False) -> Tensor:
    """``rrelu(input, lower, upper, training, inplace=True)``."""
    return rrelu(input, lower, upper, training, True)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input._buf.size == 0:      # (PyTorch's: input itself)
        return input
    if p == 1:
        return O.mul_(input, 0.0)
    if inplace:                         # (a leaf that requires grad: PyTorch's refusal)
        input._check_inplace()
    from ..creation import _engine
    # PyTorch's CPU dropout: noise = empty_like(x).bernoulli_(1 - p) (a double uniform < 1 - p
    # per element, _torch_rng), noise / (1 - p), x * noise.  A float32/float64 CPU tensor's
    # noise in one Numba pass over the draws (1x59: 15.5 -> ~8 us, 64x128: 79 -> ~62; PyTorch
    # 7.8 and 58); the other types by dlcore ops.
    n = math.prod(input.shape)
    d = input._buf.dtype
    if type(input._buf) is np.ndarray and (d == np.float32 or d == np.float64):
        from dlcore.kernels.cpu._jit_torch_rng import bernoulli_scaled
        raw = _engine(None).random32(2 * n)
        noise = np.empty(n, d)
        bernoulli_scaled(raw, 1.0 - p, d.type(1.0) / d.type(1.0 - p), noise)
        scale = Tensor._wrap(noise.reshape(tuple(input.shape)))
    else:
        keep = _engine(None).bernoulli_scalar(n, 1.0 - p).reshape(tuple(input.shape))
        u = Tensor._wrap(keep.astype(d))
        if input.is_cuda:
            u = u.cuda()
        scale = _ops.div(u, 1.0 - p)
    out = O.mul_(input, scale)
    return input._commit(out) if inplace else out


# ----------------------------------------------------------------------------- losses
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean") -> Tensor:
    r = _reduction(size_average, reduce, reduction)
    warn_target_size(input, target)
    input, target = O._operands(input, target)
    return _labelled(_ops.mse(input, target, r), "MseLossBackward0", input, target,
                     edges=(input, target))


def warn_target_size(input: Tensor, target: Tensor, stacklevel: int | None = None) -> None:
    """PyTorch's warning when a loss broadcasts a target of another shape than the input
    (at the user's line unless ``stacklevel`` is given)."""
    if tuple(input.shape) != tuple(target.shape):
        if stacklevel is None:
            from .._arg_checks import user_stacklevel
            stacklevel = user_stacklevel()
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=stacklevel)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean") -> Tensor:
    r = _reduction(size_average, reduce, reduction)
    return _reduce(_ops.abs(O.sub_(input, target)), r)


def nll_loss(input: Tensor, target: Tensor, weight=None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """``-input[i, target[i]]`` per example (``input`` holds log-probabilities)."""
    if weight is None and size_average is None and reduce is None:
        out = _fast_nll_loss(input, target, ignore_index, reduction)
        if out is not None:
            return out
    _check_class_weight(input, weight)
    r = _reduction(size_average, reduce, reduction)
    one = input.ndim == 1 and r == "none"       # (unbatched: PyTorch's loss is 0-d)
    if input.ndim == 1:
        input, target = S.unsqueeze(input, 0), S.unsqueeze(target, 0)
    _check_nll_shapes(input, target)
    ignored = _check_targets(input, target, ignore_index)
    if weight is None and input.ndim == 2 and not ignored and target.ndim == 1 and \
            r != "none" and input.shape[0] and input._buf.dtype in _dt.FLOAT32_64:
        # (the nll primitive: one node, the values of the gather below and its reduction;
        # a trace's or an exporter's nll_loss, autocast's float32)
        loss = _ops.nll_prim.nll(input, target, r == "mean")
    elif weight is None and input.ndim == 2 and not ignored and target.ndim == 1:
        # the common case (the MNIST example's log_softmax + nll_loss): one gather
        picked = _ops.take_along_axis(input, _ops.expand_dims(target, 1), 1)
        loss = _reduce(_ops.neg(_ops.reshape(picked, (-1,))), r)
    else:
        loss = _nnf.class_nll(input, target, weight, ignore_index, r)
    return _labelled(_ops.reshape(loss, ()) if one else loss, _nll_label(input, r), input)


def _nll_label(input: Tensor, r: str) -> str:
    """PyTorch's last node of nll_loss: NllLoss2DBackward0 for (N, C, d1, ...) inputs (which it
    reshapes to 4-d), then a view back to (N, d1, ...) when unreduced and not 4-d."""
    if input.ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if r == "none" and input.ndim != 4 else "NllLoss2DBackward0"


def _check_nll_shapes(input: Tensor, target: Tensor) -> None:
    """PyTorch's nll_loss shape checks (a (1, N) target read as N labels gave a wrong loss)."""
    if target.ndim and target.shape[0] != input.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = [input.shape[0], *input.shape[2:]]
    if input.ndim > 2 and list(target.shape) != want:
        raise RuntimeError(f"Expected target size {want}, got {list(target.shape)}")


def _check_targets(input: Tensor, target: Tensor, ignore_index: int = -100) -> bool:
    """Raise PyTorch's IndexError for a target outside [0, C) that is not ``ignore_index``;
    return whether ``ignore_index`` occurs among the targets."""
    d = target._buf.dtype
    if d != np.int64 and d != np.uint8:          # PyTorch takes only these (int32 raises)
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{target.dtype._legacy}")
    t = _host(target)
    if not t.size:
        return False
    c = input.shape[1]
    lo, hi = t.min(), t.max()
    if 0 <= lo and hi < c:                       # the common case: two reductions
        return 0 <= ignore_index < c and bool((t == ignore_index).any())
    t = t[t != ignore_index]
    if t.size and (t.min() < 0 or t.max() >= c):
        raise IndexError(f"Target {int(t[(t < 0) | (t >= c)].flat[0])} is out of bounds.")
    return True


def cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``log_softmax`` then ``nll_loss`` for class indices; soft targets (probabilities of the
    input's shape) are also accepted."""
    if weight is None and size_average is None and reduce is None and \
            (type(label_smoothing) is float or type(label_smoothing) is int) and not label_smoothing:
        out = _fast_cross_entropy(input, target, ignore_index, reduction)
        if out is not None:
            return out
    if isinstance(target, Tensor) and target._buf.dtype.kind in "iu":
        _check_class_weight(input, weight)            # (class indices; probabilities promote)
    r = _reduction(size_average, reduce, reduction)
    if input._buf.dtype.kind in "biu":    # (PyTorch's log_softmax kernels refuse, by name)
        kernel = "log_softmax_" + ("lastdim_" if input.ndim <= 2 else "") + "kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input.dtype._legacy}\'')
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing:g}")
    if target.is_floating_point() and tuple(target.shape) == tuple(input.shape):
        if ignore_index >= 0:               # (a class index to skip means nothing here)
            raise RuntimeError("ignore_index is not supported for floating point target")
        one = input.ndim == 1 and r == "none"   # (unbatched: PyTorch's loss is 0-d)
        if input.ndim == 1:
            input, target = S.unsqueeze(input, 0), S.unsqueeze(target, 0)
        soft = _nnf.soft_cross_entropy(input, target, weight, r, label_smoothing)
        return _labelled(_ops.reshape(soft, ()) if one else soft,
                         "DivBackward1" if r == "mean" else "NegBackward0", input)
    one = input.ndim == 1 and r == "none"
    if input.ndim == 1:
        input, target = S.unsqueeze(input, 0), S.unsqueeze(target, 0)
    elif target.ndim:
        _check_nll_shapes(input, target)        # (PyTorch's batch-size and target-size errors)
    ignored = _check_targets(input, target, ignore_index)
    if weight is None and not label_smoothing and input.ndim == 2 and not ignored and \
            r in ("mean", "sum", "none"):
        loss = _reduce(_ops.sparse_softmax_cross_entropy(input, target), r)
    else:
        loss = _nnf.class_nll(_ops.log_softmax(input, 1), target, weight, ignore_index, r,
                              label_smoothing)
    if one:
        loss = _ops.reshape(loss, ())
    if label_smoothing:                      # (PyTorch's last node: an add)
        return _labelled(loss, "AddBackward0", input)
    return _labelled(loss, _nll_label(input, r), input)     # (PyTorch's last node: nll_loss)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        _not_differentiable("binary_cross_entropy_with_logits", name, t)
    r = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if target._buf.dtype.kind in "biu":     # (PyTorch's words: the cast of the result, or the
        raise RuntimeError(_SUB_TWO_BOOLS if target._buf.dtype.kind == "b" else  # 1 - y of masks)
                           f"result type {input.dtype._legacy} can't be cast to the desired "
                           f"output type {target.dtype._legacy}")
    if input._buf.dtype != target._buf.dtype and {input._buf.dtype.name, target._buf.dtype.name} \
            == {"float32", "float64"}:      # PyTorch's result has the target's dtype
        input = input._cast(target._buf.dtype)
    target = target._cast(input.dtype)
    if pos_weight is not None:
        return _labelled(_nnf.bce_with_logits(input, target, weight, pos_weight, r),
                         "BinaryCrossEntropyWithLogitsBackward0", input)
    if input._buf.dtype.name in ("float32", "float64"):    # (PyTorch's formula, one node)
        loss = _ops.softplus_family.bce_logits_p.bind(input, target)
    else:
        loss = _ops.sigmoid_cross_entropy_with_logits(input, target)
    if weight is not None:
        loss = O.mul_(loss, weight)
    return _labelled(_reduce(loss, r), "BinaryCrossEntropyWithLogitsBackward0", input)


def _log_at_least_minus_100(inside, log_fn, fill: float) -> Tensor:
    """``max(log_fn(v), -100)`` for ``v = inside`` where the log is finite, -100 elsewhere
    (``log(0) = -inf``), as PyTorch's binary_cross_entropy clips its logs; the log is never
    taken at the pole (``fill`` stands in there), so its gradient stays finite: 0 where clipped."""
    v, finite = inside
    safe = _ops.where(finite, v, fill)
    return O.clamp(_ops.where(finite, log_fn(safe), -100.0), min=-100.0)


def binary_cross_entropy(input: Tensor, target: Tensor, weight=None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-w (y max(log x, -100) + (1 - y) max(log1p(-x), -100))``, PyTorch's CPU formula: an
    input of exactly 0 or 1 costs 100 (the float32 log of float32's smallest normal, -87.3,
    stood in before: a saturated sigmoid's loss was 29.3 where PyTorch says 33.6).  In float32
    and float64 one primitive (``nn_losses_extra.bce_p``) whose gradients are PyTorch's:
    ``(x - y) / max(x (1 - x), 1e-12)`` for the input (finite and non-zero at 0 and 1) and
    ``log(1 - x) - log x`` for the target; float16/bfloat16 keep the op-by-op formula (its
    roundings are PyTorch's), whose gradients differ from those only within 1e-12 of 0 or 1."""
    _not_differentiable("binary_cross_entropy", "weight", weight)
    r = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    if target._buf.dtype != input._buf.dtype:
        raise RuntimeError(f"Found dtype {target.dtype._legacy} but expected "
                           f"{input.dtype._legacy}")
    x = input._buf
    if isinstance(x, np.ndarray) and x.size and not (x.min() >= 0 and x.max() <= 1):
        raise RuntimeError("all elements of input should be between 0 and 1")  # NaN too
    if input._buf.dtype in O._F32_F64 and target._buf.dtype == input._buf.dtype:
        from dlcore.ops.nn_losses_extra import binary_cross_entropy_elementwise
        loss = binary_cross_entropy_elementwise(input, target)
        if weight is not None:
            loss = O.mul_(loss, weight)
        return _labelled(_reduce(loss, r), "BinaryCrossEntropyBackward0", input)
    logp = _log_at_least_minus_100((input, _ops.greater(input, 0.0)), _ops.log, 1.0)
    neg_x = _ops.neg(input)
    log1mp = _log_at_least_minus_100((neg_x, _ops.greater(neg_x, -1.0)), _ops.log1p, 0.0)
    loss = _ops.neg(O.add_(O.mul_(target, logp), O.mul_(O.rsub_(target, 1.0), log1mp)))
    if weight is not None:
        loss = O.mul_(loss, weight)
    return _labelled(_reduce(loss, r), "BinaryCrossEntropyBackward0", input)
