"""keras.ops neural-network ops, linear algebra, control flow, segment/bitwise/NaN ops
(ops_nn, ops_linalg, ops_core): values, shapes and dtypes equal Keras 3's (NumPy backend) on
the same arrays, on graph constants and on fed placeholders."""

import numpy as np
import pytest

from dlcore_static.keras import ops

from tests.static._keras_ops_table import compare, keras3_ops

K3 = keras3_ops()
R = np.random.default_rng(1)
A = R.standard_normal((2, 3, 4)).astype(np.float32) * 2
I = np.array([[0, 2, 1, 5], [3, 0, 2, 4]], np.int32)
P = R.uniform(0.05, 1.0, (3, 4)).astype(np.float32)
Y = np.eye(4, dtype=np.float32)[[0, 3, 1]]
IMG = R.standard_normal((2, 6, 6, 3)).astype(np.float32)
SEQ = R.standard_normal((2, 7, 3)).astype(np.float32)
Q = R.standard_normal((2, 5, 2, 4)).astype(np.float32)
KV = R.standard_normal((2, 6, 2, 4)).astype(np.float32)
M = R.standard_normal((4, 4)).astype(np.float32)
SPD = (M @ M.T + 4 * np.eye(4)).astype(np.float32)
RECT = R.standard_normal((5, 3)).astype(np.float32)
N = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [2.0, -1.0, np.nan]], np.float32)
ACT = ["softplus", "softsign", "silu", "swish", "gelu", "elu", "selu", "leaky_relu", "relu6",
       "hard_sigmoid", "hard_silu", "hard_swish", "log_sigmoid", "celu", "hard_tanh",
       "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus",
       "sparse_sigmoid"]

CASES = [(a, (lambda n: lambda o, x: getattr(o, n)(x))(a), (A,)) for a in ACT] + [
    ("gelu exact", lambda o, x: o.gelu(x, approximate=False), (A,)),
    ("elu alpha", lambda o, x: o.elu(x, alpha=0.5) + o.celu(x, alpha=2.0), (A,)),
    ("leaky_relu slope", lambda o, x: o.leaky_relu(x, negative_slope=0.01), (A,)),
    ("relu6 int", lambda o, x: o.relu6(x * 3), (I,)),
    ("glu", lambda o, x: o.glu(x), (A,)), ("glu axis", lambda o, x: o.glu(x, axis=0), (A,)),
    ("threshold", lambda o, x: o.threshold(x, 0.3, -2.0), (A,)),
    # (Keras 3's NumPy backend gives float64 here, its other backends float32)
    ("sparsemax", lambda o, x: o.cast(o.sparsemax(x), "float32"), (A,)),
    ("sparsemax axis", lambda o, x: o.cast(o.sparsemax(x, axis=1), "float32"), (A,)),
    ("nn namespace", lambda o, x: o.nn.gelu(x) + o.nn.silu(x), (A,)),
    ("multi_hot", lambda o, x: o.multi_hot(x, 6), (I,)),
    ("multi_hot 1d", lambda o, x: o.multi_hot(x, num_classes=4, dtype="int32"), (I[0, :3],)),
    ("bce", lambda o, y, p: o.binary_crossentropy(y, p), (Y[:, :4], P)),
    ("bce logits", lambda o, y, p: o.binary_crossentropy(y, p, from_logits=True), (Y, A[0])),
    ("cce", lambda o, y, p: o.categorical_crossentropy(y, p), (Y, P)),
    ("cce logits", lambda o, y, p: o.categorical_crossentropy(y, p, from_logits=True), (Y, A[0])),
    ("scce", lambda o, y, p: o.sparse_categorical_crossentropy(y, p), (np.array([0, 3, 1], np.int32), P)),
    ("scce logits", lambda o, y, p: o.sparse_categorical_crossentropy(y, p, from_logits=True),
     (np.array([[0], [3], [1]], np.int32), A[0])),
    ("normalize", lambda o, x: o.normalize(x), (A,)),
    ("normalize l1", lambda o, x: o.normalize(x, axis=1, order=1), (A,)),
    ("layer_normalization", lambda o, x, g, b: o.layer_normalization(x, g, b), (A, P[0], P[1])),
    ("layer_normalization axes", lambda o, x: o.layer_normalization(x, axis=(1, 2), epsilon=1e-3), (A,)),
    ("layer_normalization rms", lambda o, x, g: o.layer_normalization(x, g, rms_scaling=True), (A, P[0])),
    ("rms_normalization", lambda o, x, s: o.rms_normalization(x, s), (A, P[2])),
    ("batch_normalization", lambda o, x, m, v, b, s: o.batch_normalization(x, m, v, axis=-1, offset=b, scale=s),
     (A, P[0], P[1], P[2], P[0] * 2)),
    ("batch_normalization axis1", lambda o, x, m, v: o.batch_normalization(x, m, v, 1), (A, P[:, 0].copy(), P[:, 1].copy())),
    ("max_pool", lambda o, x: o.max_pool(x, (2, 2), (2, 2)), (IMG,)),
    ("max_pool same", lambda o, x: o.max_pool(x, (3, 3), strides=2, padding="same"), (IMG,)),
    ("average_pool", lambda o, x: o.average_pool(x, 2, strides=1), (IMG,)),
    ("average_pool 1d", lambda o, x: o.average_pool(x, (2,), (2,)), (SEQ,)),
    ("max_pool 1d same", lambda o, x: o.max_pool(x, 3, 2, "same"), (SEQ,)),
    ("max_pool cf", lambda o, x: o.max_pool(x, (2, 2), (2, 1), data_format="channels_first"), (IMG,)),
    ("depthwise_conv", lambda o, x, k: o.depthwise_conv(x, k), (IMG, R.standard_normal((3, 3, 3, 2)).astype(np.float32))),
    ("depthwise_conv same s2", lambda o, x, k: o.depthwise_conv(x, k, 2, "same"), (IMG, R.standard_normal((3, 3, 3, 1)).astype(np.float32))),
    ("depthwise_conv 1d", lambda o, x, k: o.depthwise_conv(x, k), (SEQ, R.standard_normal((2, 3, 2)).astype(np.float32))),
    ("separable_conv", lambda o, x, d, p: o.separable_conv(x, d, p, padding="same"),
     (IMG, R.standard_normal((3, 3, 3, 2)).astype(np.float32), R.standard_normal((1, 1, 6, 5)).astype(np.float32))),
    ("conv_transpose", lambda o, x, k: o.conv_transpose(x, k, 2), (IMG, R.standard_normal((3, 3, 4, 3)).astype(np.float32))),
    ("conv_transpose same", lambda o, x, k: o.conv_transpose(x, k, 2, "same"), (IMG, R.standard_normal((3, 3, 4, 3)).astype(np.float32))),
    ("conv_transpose outpad", lambda o, x, k: o.conv_transpose(x, k, 2, "valid", output_padding=1), (IMG, R.standard_normal((3, 3, 4, 3)).astype(np.float32))),
    ("conv_transpose 1d", lambda o, x, k: o.conv_transpose(x, k, 2, "same"), (SEQ, R.standard_normal((4, 2, 3)).astype(np.float32))),
    ("dot_product_attention", lambda o, q, k, v: o.dot_product_attention(q, k, v), (Q, KV, KV * 2)),
    ("dot_product_attention causal", lambda o, q, k, v: o.dot_product_attention(q, k, v, is_causal=True, scale=0.3), (Q, KV, KV)),
    ("dot_product_attention mask bias", lambda o, q, k, v, m, b: o.dot_product_attention(q, k, v, bias=b, mask=m),
     (Q, KV, KV, R.uniform(size=(2, 1, 5, 6)) > 0.3, R.standard_normal((1, 2, 5, 6)).astype(np.float32))),
    ("in_top_k", lambda o, t, p: o.in_top_k(t, p, 2), (np.array([0, 3, 1], np.int32), P)),
    ("psnr", lambda o, a, b: o.psnr(a, b, 1.0), (P, P * 0.9)),
    ("depth_to_space", lambda o, x: o.depth_to_space(x, 2), (R.standard_normal((1, 2, 3, 8)).astype(np.float32),)),
    ("space_to_depth", lambda o, x: o.space_to_depth(x, 2), (IMG[:, :, :4],)),
    # -- linalg
    ("norm", lambda o, x: o.norm(x), (A,)), ("norm axis", lambda o, x: o.norm(x, axis=1, keepdims=True), (A,)),
    ("norm ord", lambda o, x: o.stack([o.norm(x, ord=o_) for o_ in (1, 3, np.inf, -np.inf, 0)]), (A[0, 0],)),
    ("norm matrix", lambda o, x: o.stack([o.norm(x, ord=o_) for o_ in ("fro", 1, -1, np.inf, "nuc", 2, -2)]), (M,)),
    ("norm matrix axes", lambda o, x: o.norm(x, ord=1, axis=(2, 1)), (A,)),
    ("norm int", lambda o, x: o.norm(x, axis=-1), (I,)),
    ("solve", lambda o, a, b: o.solve(a, b), (SPD, M[:, :2].copy())),
    ("inv/det", lambda o, a: [o.inv(a), o.det(a)], (SPD,)),
    ("cholesky", lambda o, a: [o.cholesky(a), o.cholesky(a, upper=True)], (SPD,)),
    ("cholesky_inverse", lambda o, a: o.cholesky_inverse(o.cholesky(a)), (SPD,)),
    ("slogdet/logdet", lambda o, a: list(o.slogdet(a)) + [o.logdet(a)], (SPD,)),
    ("solve_triangular", lambda o, a, b: [o.solve_triangular(a, b), o.solve_triangular(a, b, lower=True)],
     (SPD, M[:, :2].copy())),
    ("pinv", lambda o, a: o.pinv(a), (RECT,)),
    ("lstsq", lambda o, a, b: o.lstsq(a, b), (RECT, RECT[:, :2].copy())),
    ("qr reconstruct", lambda o, a: o.matmul(*o.qr(a)), (RECT,)),
    ("qr shapes", lambda o, a: [o.zeros_like(v) for v in o.qr(a, mode="complete")], (RECT,)),
    ("svd values", lambda o, a: o.svd(a, compute_uv=False), (RECT,)),
    ("svd reconstruct", lambda o, a: (lambda u, s, vh: o.matmul(u * s, vh))(*o.svd(a, full_matrices=False)), (RECT,)),
    ("svd full shapes", lambda o, a: [o.zeros_like(v) for v in o.svd(a)], (RECT,)),
    ("eigh values", lambda o, a: o.eigh(a)[0], (SPD,)),
    ("cdist", lambda o, a, b: o.cdist(a, b), (RECT, RECT[:2])),
    ("trapezoid", lambda o, y: o.trapezoid(y) + o.trapezoid(y, dx=0.5), (A,)),
    ("trapezoid x", lambda o, y, x: o.trapezoid(y, x, axis=0), (M, np.sort(P[0]))),
    ("vander", lambda o, x: [o.vander(x), o.vander(x, 3, increasing=True)], (P[0],)),
    ("corrcoef", lambda o, x: o.corrcoef(x), (M,)),
    # -- core: segment, bitwise, nan, quantiles
    ("segment_sum", lambda o, d: o.segment_sum(d, np.array([0, 0, 2, 2], np.int32)), (M,)),
    ("segment_sum n", lambda o, d, s: o.segment_sum(d, s, num_segments=4), (M, np.array([1, -1, 0, 1], np.int32))),
    ("segment_max", lambda o, d, s: o.segment_max(d, s, num_segments=4), (M, np.array([3, 0, 3, 0], np.int32))),
    ("segment_min/prod", lambda o, d, s: [o.segment_min(d, s, 3), o.segment_prod(d, s, 3)], (M, np.array([0, 1, 1, 0], np.int32))),
    ("bitwise", lambda o, x, y: [o.bitwise_and(x, y), o.bitwise_or(x, y), o.bitwise_xor(x, y),
                                 o.bitwise_invert(x), o.bitwise_not(y)], (I, I[::-1].copy())),
    ("shifts", lambda o, x: [o.left_shift(x, 2), o.bitwise_right_shift(x, 1), o.right_shift(x, x // 2)], (I,)),
    ("unravel_index", lambda o, i: o.unravel_index(i, (3, 4)), (np.array([0, 5, 11], np.int32),)),
    ("nonzero", lambda o, x: o.nonzero(x), (I,)),
    ("isin", lambda o, x: [o.isin(x, [2, 5]), o.isin(x, np.array([0, 3], np.int32), invert=True)], (I,)),
    ("saturate_cast", lambda o, x: [o.saturate_cast(x * 100, "uint8"), o.saturate_cast(x * 1e5, "int16")], (A,)),
    ("saturate_cast int", lambda o, x: o.saturate_cast(x * 100, "int8"), (I,)),
    ("extract_sequences", lambda o, x: o.extract_sequences(x, 3, 2), (A,)),
    ("nan reductions", lambda o, x: [o.nansum(x, 1), o.nanmean(x, 0), o.nanprod(x),
                                     o.nanvar(x, 1, keepdims=True), o.nanstd(x, axis=0)], (N,)),
    ("nanmax/nanmin", lambda o, x: [o.nanmax(x, 1), o.nanmin(x, axis=0), o.nanmax(x)], (N,)),
    ("nancumsum/prod", lambda o, x: [o.nancumsum(x), o.nancumprod(x, axis=1)], (N,)),
    ("median", lambda o, x: [o.median(x), o.median(x, axis=1), o.median(x, axis=(0, 2), keepdims=True)], (A,)),
    ("quantile", lambda o, x: [o.quantile(x, 0.3, axis=-1), o.quantile(x, [0.1, 0.9], axis=1)], (A,)),
    ("quantile methods", lambda o, x: [o.quantile(x, 0.35, method=m, axis=0) for m in
                                       ("lower", "higher", "midpoint", "nearest")], (M,)),
    ("percentile", lambda o, x: o.percentile(x, [25, 50], axis=1, keepdims=True), (A,)),
    ("stop_gradient", lambda o, x: o.stop_gradient(x) * 2, (A,)),
]


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_values_and_dtypes_equal_keras3(name, f, args):
    compare(K3, ops, f, args, rtol=2e-4, atol=2e-5)


CONTROL = [
    ("cond", lambda o, x: o.cond(o.sum(x) > 0, lambda: x * 2, lambda: x - 1), (A,)),
    ("cond false", lambda o, x: o.cond(o.sum(x) < -100, lambda: x * 2, lambda: x - 1), (A,)),
    ("while_loop", lambda o, x: o.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2), (0, x)), (A,)),
    ("while_loop single", lambda o, x: o.while_loop(lambda v: o.sum(v) < 1000.0, lambda v: v + 1.0, x), (P,)),
    ("while_loop max", lambda o, x: o.while_loop(lambda v: True, lambda v: v + 1.0, x, maximum_iterations=4), (P,)),
    ("fori_loop", lambda o, x: o.fori_loop(0, 4, lambda i, v: v + o.cast(i, "float32") * v, x), (P,)),
    ("fori_loop tuple", lambda o, x: o.fori_loop(1, 3, lambda i, v: (v[0] * 2, v[1] + i), (x, np.int32(0))), (P,)),
    ("scan", lambda o, xs: o.scan(lambda c, x: (c + x, c * x), o.zeros((4,)), xs), (M,)),
    ("scan reverse", lambda o, xs: o.scan(lambda c, x: (c + x, c), o.zeros((4,)), xs, reverse=True), (M,)),
    ("scan length", lambda o: o.scan(lambda c, _: (c * 2, c), 1.0, None, length=4), ()),
    ("switch", lambda o, x: [o.switch(i, [lambda v: v + 1, lambda v: v * 2, lambda v: -v], x) for i in (0, 1, 2, 7, -3)], (P,)),
    ("map", lambda o, xs: o.map(lambda r: o.sum(r) * r, xs), (M,)),
    ("vectorized_map", lambda o, xs: o.vectorized_map(lambda r: o.max(r), xs), (M,)),
]


@pytest.mark.parametrize("name,f,args", CONTROL, ids=[c[0] for c in CONTROL])
def test_control_flow_equal_keras3(name, f, args):
    compare(K3, ops, f, args, rtol=1e-5, atol=1e-5)
