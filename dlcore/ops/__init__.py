"""dlcore's functional ops: every primitive's wrapper, and the composites built from them.

Each function accepts front-end values (an eager Tensor, a static graph tensor) or plain buffers,
and dispatches through ``dlcore.registry.bind``.  The definition block of a primitive (shape
rule, vjp, kernels) lives in the module of its family:

    broadcast.py    broadcast_to/_like and sum_to (each other's vjp; below every family)
    elementwise.py  unary math, binary arithmetic, comparisons, where, cast, full_like
    power.py        pow, its gradient in TF's convention (vjp) and PyTorch's (the eager one), pow_grad
    reduce.py       sum, max, min, argmax
    linalg.py       matmul
    shape.py        transpose, reshape, expand_dims, squeeze, concatenate
    stacking.py     stack (one primitive: one node, one kernel, a vjp that slices g)
    indexing.py     getitem, slice_scatter, index_update, one_hot
    gather.py       take, scatter_add (integer-array indexing along axis 0)
    accumulate.py   add_n (TF's AddN: tf.gradients sums a value's cotangents with it)
    composites.py   mean, softmax, log_softmax, logsumexp, mse, cross-entropies (no primitives)
    math_unary.py   sin ... atanh, erf, erfc, erfinv, log1p, expm1, log2, log10, exp2, rounding
    math_binary.py  atan2, hypot, logaddexp, fmod, remainder, floor_divide, bitwise, isnan & co.
    activations.py  softsign (composite), softplus, leaky_relu, elu/selu, prelu (primitives)
    clamp.py        clamp with number bounds, hardtanh (relu6's) and their gradients (primitives)
    reduce_extra.py prod, reduce_any/all, nonzero, shape_of, arange (tensor bounds)
    scan.py         cumsum, cumprod, argsort, take_along_axis, scatter_add_along_axis; sort,
                    topk, kthvalue, median, logcumsumexp, gather/scatter (PyTorch's) composites
    conv.py         conv, conv_bias, conv_transpose, conv_filter_grad (1-D/2-D/3-D,
                    channels-first)
    pool.py         max_pool (+argmax, plane_gather/scatter), avg_pool (+grad)
    scatter_ops.py  scatter_set (the last write wins), scatter_combine (max/min/prod) along an axis
    scatter_family.py  scatter, index_put, index_copy/fill, masked_scatter, scatter_reduce, put,
                    select/slice/diagonal_scatter, diagflat, cartesian_prod, combinations,
                    vander, tensordot (composites)
    padding.py      pad_constant (primitive: constant padding, getitem its vjp)
    glu.py          glu (primitive: sigmoid's and mul's kernels on the halves)
    logsumexp_prim.py logsumexp (primitive: the composite's kernels in one node)
    mse_prim.py       mse of operands of one shape (primitive: the composite's kernels)
    tile_prim.py      tile (primitive: PyTorch's repeat; one strided copy)
    nll_prim.py       nll of class indices (primitive: F.nll_loss's three kernels)
    index_add_prim.py index_add along an axis (primitive: PyTorch's index_add, its CPU order)
    smooth_l1.py    smooth_l1, smooth_l1_grad (primitives: smooth L1 and Huber, each way)
    spatial.py      pad, adaptive_avg_pool, interpolate, moments, batch_norm (composites)
    grid_sample.py  affine_grid (composite), grid_sample: 2-D float32/float64 the primitive
                    grid_sample2d and its gradients (+_grad_input, +_grad_grid), else composite
    triangle.py     tri (primitive: tril, triu; its own adjoint)
    linalg_extra.py count_nonzero, aminmax, vector_norm, dist, cdist, addmm, baddbmm, addbmm,
                    addmv, addr, mv,
                    diagonal, diag, trace, tril, triu, cross, householder_product (composites)
    linalg_householder.py geqrf (primitive: LAPACK's geqrf), ormqr (composite)
    einsum.py       einsum (ellipsis, diagonals, broadcasting; pairwise matmul contractions)
    decompositions.py  inv, svd (primitives), svdvals, matrix_norm, linalg.norm, matrix_power
    linalg_systems.py solve, triangular_solve, cholesky, det, slogdet (primitives), cholesky_solve,
                    cholesky_inverse, logdet
    linalg_factor.py qr, eigh (primitives), eigvalsh, pinv, matrix_rank, lstsq, multi_dot
    ldl.py          ldl_factor, ldl_solve (primitives: Bunch-Kaufman LDL^T, LAPACK's sytf2/sytrs)
    complex_ops.py  real, imag, conj, complex, complex_abs, angle, view_as_real/complex
                    (primitives) and the list of primitives that accept complex input
    fft.py          fft_c2c, fft_r2c, fft_c2r (primitives; torch.fft's functions are composites)
    linalg_eig.py   eig (primitive: general square matrices, complex L and V; forward only)
    shape_extra.py  index_select, index_add, masked_select, tile/repeat, repeat_interleave,
                    flip, roll, narrow, movedim, unflatten (composites)
    unique.py       unique (flattened or over a dim), unique_consecutive (composites)
    nn_functional.py  F.* activations (gelu, silu, mish, ...), losses (smooth_l1, huber,
                    kl_div, ...), layer_norm, group_norm, normalize, cosine_similarity, bilinear
    attention.py    scaled_dot_product_attention (composite: masks, causal, safe softmax, GQA)
    math_composites.py  frac, lerp, round(decimals), nan_to_num, logical_and/or/xor/not
    special.py      lgamma, digamma, polygamma, zeta, i0/i0e/i1/i1e, erfcx, ndtri, igamma,
                    igammac, betainc (primitives); ndtr, log_ndtr, xlog1py, xlogy/xdivy
                    (TF's), entr, logit, multigammaln, lbeta
    special_poly.py torch.special's orthogonal polynomials: Chebyshev T/U/V/W (and shifted),
                    Hermite H/He, Laguerre L, Legendre P (primitives, no derivative)
    special_bessel.py  bessel_j0/j1/y0/y1, modified_bessel_k0/k1 (and scaled), airy_ai
                    (primitives, no derivative)
"""

from .composites import (clip, linear, log_softmax, logsumexp, masked_fill, mean, mse, softmax,
                         softmax_cross_entropy, sigmoid_cross_entropy_with_logits,
                         sparse_softmax_cross_entropy, square)
from .elementwise import (abs, add, cast, div, equal, exp, full_like, greater, greater_equal,
                          identity, less, less_equal, log, logical_not, maximum, minimum, mul,
                          neg, not_equal, ones_like, relu, sigmoid, sign, sqrt,
                          stop_gradient, sub, tanh, where, zeros_like)
from .power import pow  # (NumPy's name; its two gradient conventions: power.py)
from .gather import scatter_add, take
from .indexing import canonical_index, getitem, index_update, one_hot, slice_scatter
from .linalg import dot, matmul
from .reduce import argmax, max_, min_, sum, sum_to
from .shape import (broadcast_like, broadcast_to, concatenate, expand_dims, matrix_transpose,
                    reshape, reshape_dynamic, reshape_like, squeeze, stack, transpose)

from .math_unary import (acos, acosh, asin, asinh, atan, atanh, ceil, cos, cosh, erf, erfc,
                         erfinv, exp2, expm1, floor, log1p, log2, log10, reciprocal, rint, rsqrt,
                         sin, sinh, tan, trunc)
from .math_binary import (atan2, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, floor_divide,
                          fmod, hypot, isfinite, isinf, isnan, logaddexp, remainder)
from .bitshift import bitwise_left_shift, bitwise_right_shift
from .scan import (argsort, cumprod, cumsum, gather, kthvalue, logcumsumexp, median, mode,
                   scatter_add_along_axis, sort, take_along_axis, topk)
from .unique import unique, unique_consecutive
from .scan import scatter_add as scatter_add_dim
from .linalg_extra import (addbmm, addmm, addmv, addr, aminmax, baddbmm, cdist, count_nonzero,
                           cross, diag, diagonal, dist, householder_product, mv, tril, trace,
                           triu, vector_norm)
from .einsum import einsum
from .decompositions import inv, matrix_norm, matrix_power, svd, svdvals
from .decompositions import norm as linalg_norm
from .linalg_systems import (cholesky, cholesky_inverse, cholesky_solve, det, linalg_solve,
                           logdet, slogdet, solve_triangular)
from .linalg_factor import eigh, eigvalsh, lstsq, matrix_rank, multi_dot, pinv, qr
from .linalg_householder import geqrf, ormqr
from .ldl import ldl_factor, ldl_solve
from . import special_poly  # noqa: E402  (torch.special's orthogonal polynomials)
from . import special_bessel  # noqa: E402  (torch.special's J0, J1, Y0, Y1, K0, K1)
from .shape_extra import (flip, index_add, index_select, masked_select, movedim, narrow,
                          repeat, repeat_interleave, roll, tile, unflatten)
from . import softplus_family  # noqa: E402, I001  (log_sigmoid, mish: primitives)
from . import nn_functional
from . import nn_long_tail, nn_losses_extra  # noqa: E402, I001  (F.* long tail, margin losses)
from . import attention
from . import accumulate  # noqa: E402, F401  (add_n)
from .math_composites import (frac, lerp, logical_and, logical_or, logical_xor, nan_to_num,
                              round_)
from .special import (betainc, digamma, entr, erfcx, i0, i0e, i1, i1e, igamma, igammac, lbeta,
                      lgamma, log_ndtr, logit, multigammaln, ndtr, ndtri, polygamma, xdivy, xlog1py,
                      xlogy, zeta)
from .activations import elu, leaky_relu, relu6, selu, softplus, softsign
from .clamp import clamp, clamp_grad
from .reduce_extra import arange, dim_size, nonzero, prod, reduce_all, reduce_any, shape_of

from .conv import conv, conv_bias, conv_filter_grad, conv_transpose
from .pool import avg_pool, max_pool, max_pool_with_argmax, max_unpool
from . import glu, padding, triangle  # noqa: E402, F401  (glu, pad_constant, tri)
from . import var_prims  # noqa: E402, F401  (var, var_grad)
from . import nll_prim  # noqa: E402, F401  (nll)
from . import index_add_prim  # noqa: E402, F401  (index_add)
from .spatial import adaptive_avg_pool, batch_norm, interpolate, moments, pad
from .grid_sample import affine_grid, grid_sample
from . import scatter_family  # noqa: E402  (index_put, scatter_reduce, ... composites)
from .scatter_family import scatter  # noqa: E402  (PyTorch's scatter: the last write wins)
from .ctc import ctc_loss
from .complex_ops import angle, complex_, complex_abs, conj, imag, real, view_as_complex, view_as_real
from .fft import fft_c2c, fft_c2r, fft_r2c
from .linalg_eig import eig, eigvals
from . import rank_free  # noqa: E402, F401  (its primitives registered on import: a graph
#   with them imports in a new process before unknown_rank.py first uses them)
from .int8_matmul import int8_matmul  # noqa: E402  (quantized inference: int32 accumulation)

max = max_  # noqa: A001 - NumPy's names, for `dlcore.ops.max`
min = min_  # noqa: A001

__all__ = [n for n in dir() if not n.startswith("_")]
