"""The entries the replay lane wraps (``_replay_lane``): ``NAMES``, and ``CHECKS``, the
checks a call passes before a replay where the general path reads a tensor's values (an
index's range) or warns, or writes an argument, for some arguments.  An entry is listed only
where the lane was measured faster on small tensors; each has a call in
tests/eager/test_replay_lane.py, which checks that it makes a plan and replays the general
path bit for bit."""

from __future__ import annotations

import math

import numpy as np

from dlcore.kernels.cpu.gather import in_range as _in_range

from .tensor import Tensor

_ndarray = np.ndarray
_I64 = np.dtype(np.int64)

#: ``(where, names)``: the entries wrapped (see the module docstring)
NAMES = (
    ("Tensor", ("flip", "roll", "tril", "triu", "lerp", "addcmul", "addcdiv", "prod", "diff",
                "atan2", "hypot", "logaddexp", "outer", "trace", "dist", "repeat", "tile",
                "index_select", "logsumexp", "norm", "gather", "var", "std", "amax", "amin",
                "fmod", "remainder", "frac", "rsqrt", "round", "square", "cross")),
    ("torch", ("flip", "roll", "tril", "triu", "lerp", "addcmul", "addcdiv", "prod", "diff",
               "atan2", "hypot", "logaddexp", "outer", "trace", "dist", "tile", "fliplr",
               "flipud", "index_select", "logsumexp", "where", "norm", "gather", "var", "std",
               "amax", "amin", "einsum", "bmm", "baddbmm", "fmod", "remainder", "rsqrt",
               "round", "square", "cross")),
    ("functional", ("pad", "pairwise_distance", "cosine_similarity", "softsign", "glu",
                    "layer_norm", "binary_cross_entropy_with_logits", "mse_loss", "l1_loss",
                    "smooth_l1_loss", "kl_div", "normalize", "elu", "embedding",
                    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "group_norm",
                    "instance_norm", "local_response_norm", "triplet_margin_loss",
                    "margin_ranking_loss", "softmin")),
)


def _index_in_range(vector: bool):
    """The check of ``index_select(x, dim, index)`` (``vector``: an int64 vector index) or
    ``gather(x, dim, index)`` (an int64 index of x's rank): the index in range along ``dim``
    (else PyTorch's error, from the general path)."""
    def check(args, kw) -> bool:
        if kw or len(args) != 3:
            return False
        x, dim, index = args
        if type(dim) is not int or not isinstance(x, Tensor) or not isinstance(index, Tensor):
            return False
        b, ib = x._buf, index._buf
        return type(b) is _ndarray and type(ib) is _ndarray and ib.dtype is _I64 and \
            ib.ndim == (1 if vector else b.ndim) and -b.ndim <= dim < b.ndim and \
            _in_range(ib, b.shape[dim])
    return check


def _same_shapes(args, kw) -> bool:
    """A loss of an input and a target of one shape (else PyTorch's target-size warning)."""
    return len(args) >= 2 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor) \
        and args[0].shape == args[1].shape


def _kl_div_words(args, kw) -> bool:
    """``kl_div(input, target, reduction=...)`` other than 'mean' (which warns)."""
    return len(args) == 2 and kw.get("reduction") in ("batchmean", "sum", "none") and \
        kw.keys() <= {"reduction", "log_target"}


_VAR_WORDS = frozenset({"dim", "keepdim", "correction", "unbiased"})


def _degrees_of_freedom(args, kw) -> bool:
    """``var``/``std`` of ``(x[, dim], dim=, keepdim=, correction=, unbiased=)`` with more
    elements reduced than the correction (else PyTorch's degrees-of-freedom warning)."""
    n = len(args)
    if not n or n > 2:
        return False
    x = args[0]
    b = getattr(x, "_buf", None)
    if type(b) is not _ndarray:
        return False
    if kw:
        if not kw.keys() <= _VAR_WORDS or (n > 1 and "dim" in kw):
            return False
        dim = args[1] if n > 1 else kw.get("dim")
        c = kw.get("correction", 1 if kw.get("unbiased", True) else 0)
        if type(c) is not int and type(c) is not float:
            return False
    else:
        dim, c = args[1] if n > 1 else None, 1
    shape = b.shape
    nd = len(shape)
    if type(dim) is int:
        if not -nd <= dim < nd:
            return False
        count = shape[dim]
    elif dim is None:
        count = b.size
    elif type(dim) is tuple and all([type(d) is int and -nd <= d < nd for d in dim]):
        count = math.prod([shape[d] for d in {d % nd for d in dim}])
    else:
        return False
    return count - c > 0


def _embedding_in_range(args, kw) -> bool:
    """``F.embedding(input, weight)`` alone (``max_norm`` writes the weight) whose int64
    indices are rows of the weight (else PyTorch's error)."""
    if kw or len(args) != 2 or not isinstance(args[0], Tensor) or \
            not isinstance(args[1], Tensor):
        return False
    ib, wb = args[0]._buf, args[1]._buf
    return type(ib) is _ndarray and type(wb) is _ndarray and ib.dtype is _I64 and \
        wb.ndim == 2 and _in_range(ib, wb.shape[0])


def _no_running_stats(args, kw) -> bool:
    """``F.instance_norm`` without running statistics (with them it writes them)."""
    return (len(args) < 2 or args[1] is None) and (len(args) < 3 or args[2] is None) and \
        kw.get("running_mean") is None and kw.get("running_var") is None


def _dim_given(pos: int):
    """A call with its dim, the argument at ``pos`` or the keyword (PyTorch warns where it is
    left out or None: ``cross(a, b)``, ``F.softmin(x)``)."""
    def check(args, kw) -> bool:
        return (args[pos] if len(args) > pos else kw.get("dim")) is not None
    return check


_LOSS = _same_shapes
#: the entries whose calls are checked before a replay (a general path that reads values, or
#: warns for some arguments)
CHECKS = {"index_select": _index_in_range(True), "gather": _index_in_range(False),
          "var": _degrees_of_freedom, "std": _degrees_of_freedom, "mse_loss": _LOSS,
          "l1_loss": _LOSS, "smooth_l1_loss": _LOSS, "kl_div": _kl_div_words,
          "cross": _dim_given(2), "softmin": _dim_given(1), "embedding": _embedding_in_range,
          "instance_norm": _no_running_stats}


