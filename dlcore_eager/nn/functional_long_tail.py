"""The long tail of ``torch.nn.functional`` that needs this front end: random draws
(``dropout1d/3d``, ``gumbel_softmax``), running statistics (``instance_norm``), host checks of
index tensors (``embedding_bag``), PyTorch's argument handling around dlcore's composites
(``adaptive_max_pool1d/2d``, ``unfold``, ``fold``) and the deprecated ``upsample*`` aliases.
The maths are dlcore's ops (dlcore/ops/nn_long_tail.py); no gradient is written here.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import activations as _act
from dlcore.ops import nn_functional as _nnf
from dlcore.ops import nn_long_tail as _lt

from .. import _tensor_ops as O
from .._arg_checks import inplace_node
from .._graph import labelled
from .._state import STATE
from ..tensor import Tensor
from . import functional_conv as _fc


# ----------------------------------------------------------------------------- dropout
def _channel_dropout(input: Tensor, p: float, training: bool, inplace: bool, nsp: int,
                     name: str) -> Tensor:
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if nsp == 3 and input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=3)
        nsp = input.ndim - 1                         # PyTorch: unbatched unless 5-D
    elif input.ndim not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"{name}: Expected {nsp + 1}D or {nsp + 2}D input, but received a "
                           f"{input.ndim}D input. Note that {name} exists to provide channel-"
                           f"wise dropout on inputs with {nsp} spatial dimension"
                           f"{'s' if nsp > 1 else ''}, a channel dimension, and an optional "
                           f"batch dimension (i.e. {nsp + 1}D or {nsp + 2}D inputs).")
    if not training or p == 0 or input.numel() == 0:
        return input
    # as 4-D (N or 1 when unbatched, C, -1, last): one draw per (N, C), as PyTorch's, without
    # dropout2d's warning for a 3-D or 5-D input
    lead = (1,) if input.ndim == nsp + 1 else tuple(input.shape[:1])
    x4 = input.reshape(*lead, input.shape[-nsp - 1], -1, input.shape[-1] if nsp else 1)
    out = _fc.dropout2d(x4, p, True, False).view(input.shape)
    return input._commit(out) if inplace else out


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p`` (one
    draw per channel), scaling the rest by ``1 / (1 - p)``.

    Example::

        >>> x = torch.randn(2, 3, 4)
        >>> torch.nn.functional.dropout1d(x, 0.5, training=True).shape
        torch.Size([2, 3, 4])
    """
    return _channel_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability
    ``p``, scaling the rest by ``1 / (1 - p)``.

    Example::

        >>> x = torch.randn(2, 3, 2, 2, 2)
        >>> torch.nn.functional.dropout3d(x, 0.5).shape
        torch.Size([2, 3, 2, 2, 2])
    """
    return _channel_dropout(input, p, training, inplace, 3, "dropout3d")


# ----------------------------------------------------------------------------- upsample
def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (with PyTorch's warning).

    Example::

        >>> x = torch.randn(1, 1, 2, 2)
        >>> torch.nn.functional.interpolate(x, scale_factor=2).shape
        torch.Size([1, 1, 4, 4])
    """
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return _fc.interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``.

    Example::

        >>> x = torch.randn(1, 1, 2, 2)
        >>> torch.nn.functional.interpolate(x, size=3).shape
        torch.Size([1, 1, 3, 3])
    """
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return _fc.interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)``.

    Example::

        >>> x = torch.randn(1, 1, 2, 2)
        >>> torch.nn.functional.interpolate(x, size=3, mode='bilinear',
        ...                                 align_corners=True).shape
        torch.Size([1, 1, 3, 3])
    """
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return _fc.interpolate(input, size, scale_factor, "bilinear", True)


# ----------------------------------------------------------------------------- instance norm
def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (n, c) plane over its spatial axes.  With ``use_input_stats`` and running
    statistics given, they are updated in place as PyTorch does (the batch mean of the
    per-instance means and unbiased variances, with ``momentum``); without, the running
    statistics normalise.

    Example::

        >>> x = torch.randn(2, 3, 5)
        >>> torch.nn.functional.instance_norm(x).shape
        torch.Size([2, 3, 5])
    """
    spatial = int(np.prod(input.shape[2:])) if input.ndim > 2 else 1
    if use_input_stats:
        if spatial <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {input.size()}")
        if running_mean is not None and running_var is not None:
            axes = tuple(range(2, input.ndim))
            m, v = _ops.moments(input.detach(), axes)                   # (N, C) each
            prev, STATE.enabled = STATE.enabled, False
            try:
                unbiased = O.mul_(v, spatial / (spatial - 1))
                running_mean.copy_(O.add_(O.mul_(running_mean, 1 - momentum),
                                          O.mul_(_ops.mean(m, 0), momentum)))
                running_var.copy_(O.add_(O.mul_(running_var, 1 - momentum),
                                         O.mul_(_ops.mean(unbiased, 0), momentum)))
            finally:
                STATE.enabled = prev
        # (PyTorch's last node: the view back from its (1, N*C, ...) batch norm)
        return labelled(_lt.instance_norm(input, weight, bias, eps), "ViewBackward0", input)
    if running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    return labelled(_ops.batch_norm(input, running_mean, running_var, weight, bias, eps, axis=1),
                    "ViewBackward0", input)


# ----------------------------------------------------------------------------- adaptive max
def _adaptive_max(input, output_size, return_indices, nsp, name):
    if input.ndim not in (nsp + 1, nsp + 2):
        if nsp >= 2:
            raise RuntimeError(f"{name}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got: "
                               f"{list(input.shape)}")
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {name})")
    x, sq = _fc._batched(input, nsp, name)
    out = (output_size,) * nsp if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(out) != nsp:
        raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got "
                           f"{len(out)})")
    if any(o is not None and int(o) < 0 for o in out):
        shape = list(x.shape[:2]) + [x.shape[2 + i] if o is None else int(o)
                                     for i, o in enumerate(out)]
        bad = next(int(o) for o in out if o is not None and int(o) < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                           f"{shape[-input.ndim:]}")
    for d in x.shape[2:]:
        if d == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {input.ndim - nsp} being empty")
    if x._buf.dtype.kind in "biu":      # (PyTorch has float kernels only; dlcore computed)
        from .._dtype_guards import _kernel_refusal
        raise _kernel_refusal("adaptive_max_pool3d_cpu" if nsp == 3 else "adaptive_max_pool2d",
                              x._buf.dtype)
    values, idx = _lt.adaptive_max_pool(x, tuple(None if o is None else int(o) for o in out))
    values, idx = _fc._unbatch(values, sq), _fc._unbatch(idx, sq)
    return (values, idx) if return_indices else values


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last axis of ``(N, C, L)`` or ``(C, L)``; with
    ``return_indices`` also each maximum's position.

    Example::

        >>> x = torch.randn(1, 2, 7)
        >>> torch.nn.functional.adaptive_max_pool1d(x, 3).shape
        torch.Size([1, 2, 3])
    """
    return _adaptive_max(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last two axes (``output_size`` an int or a pair, None
    keeping that size); with ``return_indices`` also each maximum's flat position in its plane.

    Example::

        >>> x = torch.randn(1, 2, 5, 7)
        >>> torch.nn.functional.adaptive_max_pool2d(x, (2, 3)).shape
        torch.Size([1, 2, 2, 3])
    """
    return _adaptive_max(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool1d(..., return_indices=True)``: (values, indices).

    Example::

        >>> y, i = torch.nn.functional.adaptive_max_pool1d_with_indices(torch.randn(1, 2, 7), 3)
        >>> i.shape
        torch.Size([1, 2, 3])
    """
    return _adaptive_max(input, output_size, True, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool2d(..., return_indices=True)``: (values, indices).

    Example::

        >>> y, i = torch.nn.functional.adaptive_max_pool2d_with_indices(
        ...     torch.randn(1, 2, 5, 7), 2)
        >>> i.shape
        torch.Size([1, 2, 2, 2])
    """
    return _adaptive_max(input, output_size, True, 2, "adaptive_max_pool2d")


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of ``max_pool1d(..., return_indices=True)``: each value put back at
    its index, zeros elsewhere (``(L - 1) stride - 2 padding + kernel_size`` long unless
    ``output_size`` says otherwise).

    Example::

        >>> y, i = torch.nn.functional.max_pool1d(torch.randn(1, 2, 8), 2, return_indices=True)
        >>> torch.nn.functional.max_unpool1d(y, i, 2).shape
        torch.Size([1, 2, 8])
    """
    k = kernel_size if isinstance(kernel_size, int) else int(next(iter(kernel_size)))
    s = k if stride is None else (stride if isinstance(stride, int) else int(next(iter(stride))))
    p = padding if isinstance(padding, int) else int(next(iter(padding)))
    default = (input.shape[-1] - 1) * s + k - 2 * p
    out = default
    if output_size is not None:
        given = list(output_size)
        if len(given) == 3:                          # (N, C, L) as PyTorch allows
            given = given[2:]
        if len(given) != 1:
            raise ValueError(f"output_size should be a sequence containing 1 or 3 elements, but "
                             f"it has a length of '{len(given)}'")
        out = int(given[0])
        if not default - s < out < default + s:
            raise ValueError(f'invalid output_size "{given}" (dim 0 must be between '
                             f"{default - s} and {default + s})")
    x, sq = _fc._batched(input, 1, "max_unpool1d")
    i = _ops.expand_dims(indices, 0) if sq else indices
    return _fc._unbatch(_ops.max_unpool(x, i, (out,)), sq)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of ``max_pool3d(..., return_indices=True)``: each value written at
    its flat ``(d*H + h)*W + w`` index, zeros elsewhere; where indices repeat (overlapping
    windows) the last value wins, as PyTorch.

    Example::

        >>> y, i = torch.nn.functional.max_pool3d(torch.randn(1, 2, 4, 4, 4), 2,
        ...                                       return_indices=True)
        >>> torch.nn.functional.max_unpool3d(y, i, 2).shape
        torch.Size([1, 2, 4, 4, 4])
    """
    def triple(v):
        return (int(v),) * 3 if isinstance(v, int) else tuple(int(t) for t in v)
    k = triple(kernel_size)
    s = k if stride is None else triple(stride)
    p = triple(padding)
    x, sq = _fc._batched(input, 3, "max_unpool3d")
    default = [(x.shape[2 + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(3)]
    out = default
    if output_size is not None:
        given = output_size
        if len(given) == 5:                          # (N, C, D, H, W) as PyTorch allows
            given = given[2:]
        if len(given) != 3:
            raise ValueError(f"output_size should be a sequence containing 3 or 5 elements, but "
                             f"it has a length of '{len(given)}'")
        for d in range(3):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < given[d] < hi:
                raise ValueError(f'invalid output_size "{given}" (dim {d} must be between {lo} '
                                 f"and {hi})")
        out = [int(v) for v in given]
    i = _ops.expand_dims(indices, 0) if sq else indices
    return _fc._unbatch(_ops.max_unpool(x, i, tuple(out)), sq)


# ----------------------------------------------------------------------------- LP pooling
def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nsp):
    pool_max = _fc.max_pool1d if nsp == 1 else _fc.max_pool2d
    if norm_type == float("inf"):
        return pool_max(_ops.abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return _ops.neg(pool_max(_ops.neg(_ops.abs(input)), kernel_size, stride, 0, 1,
                                 ceil_mode))
    avg = _fc.avg_pool1d if nsp == 1 else _fc.avg_pool2d
    out = avg(O.pow_(input, norm_type), kernel_size, stride, 0, ceil_mode)
    k = kernel_size if isinstance(kernel_size, int) else int(np.prod(kernel_size))
    k = k * k if nsp == 2 and isinstance(kernel_size, int) else k
    out = _ops.mul(_ops.sign(out), _ops.relu(_ops.abs(out)))
    return O.pow_(_ops.mul(out, float(k)), 1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: ``(sum over the window of x^p)^(1/p)`` (``p = inf``: the
    maximum of ``|x|``).

    Example::

        >>> torch.nn.functional.lp_pool1d(torch.rand(1, 2, 6), 2, 3).shape
        torch.Size([1, 2, 2])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling: ``(sum over the window of x^p)^(1/p)``.

    Example::

        >>> torch.nn.functional.lp_pool2d(torch.rand(1, 2, 4, 6), 2, 2).shape
        torch.Size([1, 2, 2, 3])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


# ----------------------------------------------------------------------------- unfold / fold
def _pair(v, name: str) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise RuntimeError(f"{name} must be an int or a tuple of two ints, got {v}")
    return v


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks (im2col): ``(N, C, H, W) -> (N, C kh kw, L)`` (or
    unbatched ``(C, H, W) -> (C kh kw, L)``).

    Example::

        >>> x = torch.randn(1, 2, 4, 4)
        >>> torch.nn.functional.unfold(x, 2).shape
        torch.Size([1, 8, 9])
    """
    if input.ndim < 3:
        n = input.ndim
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {n})")
    if input.ndim > 4:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(input.shape)}")
    k, d = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    p, s = _pair(padding, "padding"), _pair(stride, "stride")
    x, sq = (_ops.expand_dims(input, 0), True) if input.ndim == 3 else (input, False)
    h, w = x.shape[2] + 2 * p[0], x.shape[3] + 2 * p[1]
    if h < d[0] * (k[0] - 1) + 1 or w < d[1] * (k[1] - 1) + 1:
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
                           f"padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({_lt._blocks(x.shape[2], k[0], d[0], p[0], s[0])}"
                           f", {_lt._blocks(x.shape[3], k[1], d[1], p[1], s[1])}), but its "
                           f"components must be at least one.")
    out = _fc._unbatch(_lt.unfold(x, k, d, p, s), sq)
    return labelled(out, "Im2ColBackward0", input, edges=(input,))      # (PyTorch's im2col)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0,
         stride=1) -> Tensor:
    """Combine sliding local blocks into a tensor (col2im, overlaps summed): ``(N, C kh kw, L)
    -> (N, C, H, W)`` (or unbatched).

    Example::

        >>> cols = torch.randn(1, 8, 9)
        >>> torch.nn.functional.fold(cols, (4, 4), 2).shape
        torch.Size([1, 2, 4, 4])
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    o, k = _pair(output_size, "output_size"), _pair(kernel_size, "kernel_size")
    d, p, s = _pair(dilation, "dilation"), _pair(padding, "padding"), _pair(stride, "stride")
    x, sq = (_ops.expand_dims(input, 0), True) if input.ndim == 2 else (input, False)
    if x.shape[1] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({k[0]}, {k[1]}).")
    bh, bw = (_lt._blocks(o[i], k[i], d[i], p[i], s[i]) for i in (0, 1))
    if x.shape[2] != bh * bw:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=("
                           f"{s[0]}, {s[1]}), expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {bh} * {bw} = {bh * bw}, but "
                           f"got input.size(2)={x.shape[2]}.")
    return _fc._unbatch(_lt.fold(x, o, k, d, p, s), sq)


# ----------------------------------------------------------------------------- in-place forms
def _inplace_form(name: str, params: str, fn, example: str = ""):
    def f(input: Tensor, *args, **kwargs) -> Tensor:   # (kwargs: torch's names, alpha=...)
        input._check_inplace()
        src = input._original()                         # (PyTorch's in-place node's name)
        return input._commit(inplace_node(name, fn(src, *args, **kwargs), src, args, kwargs))
    f.__name__ = f.__qualname__ = name + "_"
    f.__doc__ = (f"``{name}(input{params}, inplace=True)``: the result written into ``input``, "
                 f"which is returned.\n\nExample::\n\n    >>> x = torch.randn(2, 3)\n"
                 f"    >>> torch.nn.functional.{name}_(x{example}) is x\n    True\n")
    return f


relu_ = _inplace_form("relu", "", _ops.relu)
elu_ = _inplace_form("elu", ", alpha=1.0", lambda x, alpha=1.0: _act.elu(x, alpha))
celu_ = _inplace_form("celu", ", alpha=1.0", lambda x, alpha=1.0: _nnf.celu(x, alpha))
selu_ = _inplace_form("selu", "", _act.selu)
leaky_relu_ = _inplace_form("leaky_relu", ", negative_slope=0.01",
                            lambda x, negative_slope=0.01: _act.leaky_relu(x, negative_slope))
hardtanh_ = _inplace_form("hardtanh", ", min_val=-1.0, max_val=1.0",
                          lambda x, min_val=-1.0, max_val=1.0: _nnf.hardtanh(x, min_val, max_val))
threshold_ = _inplace_form("threshold", ", threshold, value",
                           lambda x, threshold, value: _nnf.threshold(x, threshold, value),
                           ", 0.1, 20.0")


# ----------------------------------------------------------------------------- gumbel softmax
def _gumbel_noise(like: Tensor) -> Tensor:
    """``-log(E)``, E ~ Exponential(1), shaped like ``like``: PyTorch's
    ``-empty_like(logits).exponential_().log()``, on its CPU stream (torch 2.13's numbers after
    ``manual_seed``; the softmax of them within 1 float32 ulp)."""
    from ..creation import _engine
    n = int(np.prod(tuple(like.shape), dtype=np.int64))
    e = _engine(None).exponential(n, 1.0).astype(like._buf.dtype).reshape(tuple(like.shape))
    g = Tensor._wrap(-np.log(e))
    return g.cuda() if like.is_cuda else g


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (Concrete) distribution: ``softmax((logits + g) / tau)``
    with Gumbel noise ``g``; ``hard=True`` returns the one-hot of its argmax with the soft
    sample's gradient (straight-through: ``y_hard - y_soft.detach() + y_soft``).

    Example::

        >>> logits = torch.randn(2, 4)
        >>> torch.nn.functional.gumbel_softmax(logits, tau=0.5, hard=True).sum(-1)
        tensor([1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    nd = logits.ndim
    if not -max(nd, 1) <= dim < max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(nd, 1)}, "
                         f"{max(nd, 1) - 1}], but got {dim})")
    if not isinstance(tau, Tensor):       # a NumPy scalar is a Python number to PyTorch
        tau = float(tau)
    y = _ops.softmax(_ops.div(O.add_(logits, _gumbel_noise(logits)), tau), dim)
    if not hard:
        return y
    d = dim % logits.ndim
    idx = _ops.argmax(y, d, True)
    y_hard = _ops.movedim(_ops.one_hot(_ops.squeeze(idx, d), logits.shape[d], y._buf.dtype),
                          -1, d)
    return O.add_(O.sub_(y_hard, y.detach()), y)
