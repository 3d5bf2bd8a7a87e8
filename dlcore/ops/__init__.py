"""dlcore's functional ops: every primitive's wrapper, and the composites built from them.

Each function accepts front-end values (an eager Tensor, a static graph tensor) or plain buffers,
and dispatches through ``dlcore.registry.bind``.  The definition block of a primitive (shape
rule, vjp, kernels) lives in the module of its family:

    elementwise.py  unary math, binary arithmetic, comparisons, where, cast, full_like
    reduce.py       sum, max, min, argmax, sum_to
    linalg.py       matmul
    shape.py        transpose, reshape, broadcast_to/_like, expand_dims, squeeze, concatenate
    indexing.py     getitem, slice_scatter, index_update, one_hot
    gather.py       take, scatter_add (integer-array indexing along axis 0)
    composites.py   mean, softmax, log_softmax, logsumexp, mse, cross-entropies (no primitives)
"""

from .composites import (clip, linear, log_softmax, logsumexp, masked_fill, mean, mse, softmax,
                         softmax_cross_entropy, sigmoid_cross_entropy_with_logits,
                         sparse_softmax_cross_entropy, square)
from .elementwise import (abs, add, cast, div, equal, exp, full_like, greater, greater_equal,
                          identity, less, less_equal, log, logical_not, maximum, minimum, mul,
                          neg, not_equal, ones_like, pow, relu, sigmoid, sign, sqrt,
                          stop_gradient, sub, tanh, where, zeros_like)
from .gather import scatter_add, take
from .indexing import canonical_index, getitem, index_update, one_hot, slice_scatter
from .linalg import dot, matmul
from .reduce import argmax, max_, min_, sum, sum_to
from .shape import (broadcast_like, broadcast_to, concatenate, expand_dims, matrix_transpose,
                    reshape, reshape_like, squeeze, stack, transpose)

max = max_  # noqa: A001 - NumPy's names, for `dlcore.ops.max`
min = min_  # noqa: A001

__all__ = [n for n in dir() if not n.startswith("_")]
