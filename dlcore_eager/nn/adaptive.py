"""``AdaptiveLogSoftmaxWithLoss`` (Grave et al., "Efficient softmax approximation for GPUs"),
as PyTorch computes it.

The classes are split by ``cutoffs`` into a shortlist ``[0, c0)`` and clusters ``[c_i,
c_{i+1})``.  The head (``Linear(in, c0 + n_clusters)``) scores the shortlist classes and one
entry per cluster; cluster ``i`` has its own two-layer tail ``in -> in // div^(i+1) -> size``::

    log p(y) = log_softmax(head(x))[y]                                 y in the shortlist
    log p(y) = log_softmax(head(x))[c0 + i] + log_softmax(tail_i(x))[y - c_i]   y in cluster i

``forward(input, target)`` returns ``(output, loss)`` with ``output[n] = log p(target[n])`` and
``loss = mean(-output)``; each tail runs only on the rows whose target falls in its cluster.
``log_prob`` gives all ``n_classes`` log-probabilities, ``predict`` their argmax (computed from the
head alone where the head's best entry is a shortlist class).  Parameter names are PyTorch's
(``head.weight``, ``tail.0.0.weight``, ...).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from .. import _shape_ops as S
from .._host import host as _host
from ..creation import tensor
from ..tensor import Tensor
from . import functional as F
from .layers import Linear, ModuleList, Sequential
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if input_.dim() != 2:
                raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs "
                                   f"with size {input_.size()}")
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs "
                                   f"with size {input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = targ_dim > 0
        x = input_ if batched else S.unsqueeze(input_, 0)
        t = np.asarray(_host(target_)).reshape(-1).astype(np.int64)
        n = t.shape[0]
        gather = np.empty(n, dtype=np.int64)
        bounds = [0] + self.cutoffs
        rows_all, parts = [], []
        for i in range(len(bounds) - 1):
            lo, hi = bounds[i], bounds[i + 1]
            rows = np.nonzero((t >= lo) & (t < hi))[0]
            if rows.size == 0:
                continue
            rows_all.append(rows)
            if i == 0:
                gather[rows] = t[rows]
                parts.append(x.new_zeros(rows.size))
                continue
            idx = tensor(rows, device=x.device)
            local = F.log_softmax(self.tail[i - 1](x.index_select(0, idx)), dim=1)
            rel = tensor((t[rows] - lo)[:, None], device=x.device)
            gather[rows] = self.shortlist_size + i - 1
            parts.append(local.gather(1, rel).reshape(-1))
        if sum(r.size for r in rows_all) != n:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{t.min()}, {t.max()}] were found. ")
        order = np.concatenate(rows_all)
        inverse = tensor(np.argsort(order, kind="stable"), device=x.device)
        tail_part = S.cat(parts, 0).index_select(0, inverse) if len(parts) > 1 else parts[0]
        head_logprob = F.log_softmax(self.head(x), dim=1)
        output = tail_part + head_logprob.gather(1, tensor(gather[:, None], device=x.device)
                                                 ).reshape(-1)
        loss = (-output).mean()
        if not batched:
            output = output.reshape(())
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        cols = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = F.log_softmax(self.tail[i](x), dim=1)
            k = self.shortlist_size + i
            cols.append(cluster + head_logprob[:, k:k + 1])
        return S.cat(cols, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """All ``n_classes`` log-probabilities of each row of ``input``."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row (equal to ``log_prob(input).argmax(1)``)."""
        head_output = self.head(input)
        out = np.array(_host(head_output.argmax(dim=1)))
        far = out >= self.shortlist_size
        if far.any():
            idx = tensor(np.nonzero(far)[0], device=input.device)
            lp = self._get_full_log_prob(input.index_select(0, idx),
                                         head_output.index_select(0, idx))
            out[far] = _host(lp.argmax(dim=1))
        return tensor(out, device=input.device)
