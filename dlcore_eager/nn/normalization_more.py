"""``SyncBatchNorm`` and ``CrossMapLRN2d``.

SyncBatchNorm: batch normalisation whose training statistics are those of the whole global
batch across the ranks of ``dlcore_eager.distributed`` (MPI).  Per channel, the counts, then the
sums, then the sums of squared deviations from the global mean are summed over the ranks (a
differentiable all-reduce: its backward all-reduces the gradients, as PyTorch's
sync_batch_norm backward does)::

    mean = sum(x) / n,  var = sum((x - mean)^2) / n,  y = (x - mean) / sqrt(var + eps) * w + b
    running stats updated with the unbiased var * n / (n - 1) (n the global count)

Without an initialised process group, with one rank, or in evaluation mode it is exactly
``BatchNorm`` (PyTorch's single-process behaviour).  Unlike PyTorch it does not require a GPU.
``convert_sync_batchnorm`` replaces every batch-norm layer of a model, sharing its parameters and
running statistics.

CrossMapLRN2d: the legacy (Lua Torch) local response normalisation across channels, with
PyTorch's own forward and backward loops ported literally, its quirks included: with
``p = int((size - 1) / 2 + 1)``, ``scale_c = k + alpha / size * sum of x_j^2`` over a channel
window that, for ``c > p``, also keeps channel 0, and the backward uses the symmetric window (it
is not the exact derivative of that forward); ``y = x * scale^-beta``.  Computed with NumPy on
the host; 4-D input only.
"""

from __future__ import annotations

import numpy as np

from .._host import host as _host
from ..autograd import Function, no_grad
from ..creation import tensor
from ..tensor import Tensor
from .module import Module
from .normalization import _BatchNorm


class _AllReduceSum(Function):
    @staticmethod
    def forward(ctx, x):
        from .. import distributed as dist
        out = x.clone()
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .. import distributed as dist
        g = g.clone()
        dist.all_reduce(g)
        return g


def _world_size() -> int:
    from .. import distributed as dist
    return dist.get_world_size() if dist.is_initialized() else 1


class SyncBatchNorm(_BatchNorm):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, x: Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {x.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        if not (self.training and _world_size() > 1):
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        return self._synced(input, factor)

    def _synced(self, x: Tensor, factor: float) -> Tensor:
        from .. import distributed as dist
        dist._check_group(self.process_group)    # only the default group exists in dlcore
        axes = (0,) + tuple(range(2, x.dim()))
        local_n = int(np.prod([x.shape[a] for a in axes]))
        counts = x.new_full((1,), float(local_n))
        with no_grad():
            dist.all_reduce(counts)
        n = float(counts.item())
        shape = (1, -1) + (1,) * (x.dim() - 2)
        mean = _AllReduceSum.apply(x.sum(dim=axes)) / n          # two passes: no cancellation
        centered = x - mean.reshape(shape)
        var = _AllReduceSum.apply((centered * centered).sum(dim=axes)) / n
        if self.track_running_stats and self.running_mean is not None:
            with no_grad():
                m = factor
                self.running_mean.copy_(self.running_mean * (1 - m) + mean.detach() * m)
                self.running_var.copy_(self.running_var * (1 - m) +
                                       var.detach() * (n / (n - 1)) * m)
        y = centered / (var.reshape(shape) + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        out = module
        if isinstance(module, _BatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                module.track_running_stats, process_group)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out


def _lrn_forward(x: np.ndarray, size: int, alpha: float, beta: float, k: float):
    c_n = x.shape[1]
    sq = x * x
    scale = np.empty_like(x)
    pre_pad = int((size - 1) / 2 + 1)
    scale[:, 0] = sq[:, :min(pre_pad, c_n)].sum(axis=1) if c_n else 0
    for c in range(1, c_n):
        scale[:, c] = scale[:, c - 1]
        if c < c_n - pre_pad + 1:
            scale[:, c] += sq[:, c + pre_pad - 1]
        if c > pre_pad:
            scale[:, c] -= sq[:, c - pre_pad]
    scale = scale * (alpha / size) + k
    return scale ** -beta * x, scale


def _lrn_backward(x, out, scale, g, size: int, alpha: float, beta: float) -> np.ndarray:
    n_b, c_n, h, w = x.shape
    ratio = np.zeros((c_n + size - 1, h, w), dtype=x.dtype)
    cache = 2 * alpha * beta / size
    inv_pre_pad = int(size - (size - 1) / 2)
    if inv_pre_pad + c_n > c_n + size - 1:                    # size 1: PyTorch's narrow fails
        raise RuntimeError(f"start ({inv_pre_pad}) + length ({c_n}) exceeds dimension size "
                           f"({c_n + size - 1}).")
    gx = scale ** -beta * g
    for n in range(n_b):
        ratio[inv_pre_pad:inv_pre_pad + c_n] = g[n] * out[n] / scale[n]
        acc = ratio[:size - 1].sum(axis=0)
        for c in range(c_n):
            acc = acc + ratio[c + size - 1]
            gx[n, c] -= cache * x[n, c] * acc
            acc = acc - ratio[c]
    return gx


class _CrossMapLRN2dFn(Function):
    @staticmethod
    def forward(ctx, x, size, alpha=1e-4, beta=0.75, k=1):
        if x.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {x.dim()}D instead.")
        xn = np.asarray(_host(x))
        out, scale = _lrn_forward(xn, size, alpha, beta, k)
        ctx.params, ctx.arrays, ctx.device = (size, alpha, beta), (xn, out, scale), x.device
        return tensor(out, dtype=x.dtype, device=x.device)

    @staticmethod
    def backward(ctx, g):
        xn, out, scale = ctx.arrays
        size, alpha, beta = ctx.params
        gx = _lrn_backward(xn, out, scale, np.asarray(_host(g)), size, alpha,
                           beta)
        return tensor(gx, dtype=g.dtype, device=ctx.device), None, None, None, None


class CrossMapLRN2d(Module):
    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return _CrossMapLRN2dFn.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
