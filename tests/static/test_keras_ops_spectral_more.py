"""The keras.ops names added in session 17 (``ops_signal``, ``ops_more``) against Keras 3
(NumPy backend; placeholders fed the same arrays too), PyTorch (``unfold``/``fold``) and JAX
(``jvp``, ``associative_scan``): values, shapes and dtypes, and errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from dlcore_static.keras import ops
from tests.static._keras_ops_table import compare, keras3_ops

R = np.random.default_rng(7)
A = R.standard_normal((2, 3, 16)).astype("float32")
B = R.standard_normal((2, 3, 16)).astype("float32")
S = R.standard_normal((2, 100)).astype("float32")
N = R.standard_normal((3, 4, 5)).astype("float32")
N[0, 1, 2] = np.nan
N[1, :, 3] = np.nan
N[2, 2] = np.nan
V = np.array([-1.5, 0.0, -0.0, 2.0, np.nan, 0.25], "float32")
H = R.standard_normal(50).astype("float32")
IM = R.standard_normal((2, 3, 7, 6)).astype("float32")


@pytest.fixture(scope="module")
def k3():
    return keras3_ops()


CASES = [
    ("fft", lambda o, a, b: o.fft((a, b)), (A, B)),
    ("fft2", lambda o, a, b: o.fft2((a, b)), (A, B)),
    ("ifft2", lambda o, a, b: o.ifft2((a, b)), (A, B)),
    ("rfft", lambda o, a: o.rfft(a), (A,)),
    ("rfft cut", lambda o, a: o.rfft(a, 10), (A,)),
    ("rfft padded", lambda o, a: o.rfft(a, 21), (A,)),
    ("irfft", lambda o, a, b: o.irfft((a, b)), (A, B)),
    ("irfft odd", lambda o, a, b: o.irfft((a, b), 9), (A, B)),
    ("irfft long", lambda o, a, b: o.irfft((a, b), 40), (A, B)),
    ("stft hann", lambda o, s: o.stft(s, 16, 4, 32), (S,)),
    ("stft hamming", lambda o, s: o.stft(s, 16, 8, 16, "hamming", False), (S,)),
    ("stft none", lambda o, s: o.stft(s, 10, 3, 16, None), (S,)),
    ("stft array", lambda o, s: o.stft(s, 12, 5, 16, np.linspace(0, 1, 12)), (S,)),
    ("real", lambda o, v: o.real(v), (V,)), ("imag", lambda o, v: o.imag(v), (V,)),
    ("conj", lambda o, v: o.conj(v), (V,)), ("conjugate", lambda o, v: o.conjugate(v), (V,)),
    ("angle", lambda o, v: o.angle(v), (V,)), ("isreal", lambda o, v: o.isreal(v), (V,)),
    ("angle int", lambda o, v: o.angle(v), (np.array([-2, 0, 3], "int32"),)),
    ("erfinv", lambda o, v: o.erfinv(v), (np.array([-0.9, 0.0, 0.3, 0.999], "float32"),)),
    ("nanquantile", lambda o, x: o.nanquantile(x, 0.3, axis=1), (N,)),
    ("nanquantile qs", lambda o, x: o.nanquantile(x, [0.1, 0.5, 1.0], axis=-1), (N,)),
    ("nanquantile keep", lambda o, x: o.nanquantile(x, 0.5, axis=(0, 2), keepdims=True), (N,)),
    ("nanquantile all", lambda o, x: o.nanquantile(x, 0.7), (N,)),
    ("nanquantile nearest", lambda o, x: o.nanquantile(x, [0.25, 0.75], 1, "nearest"), (N,)),
    ("nanquantile midpoint", lambda o, x: o.nanquantile(x, 0.4, 1, "midpoint"), (N,)),
    ("nanquantile lower", lambda o, x: o.nanquantile(x, 0.4, 0, "lower", True), (N,)),
    ("nanquantile higher", lambda o, x: o.nanquantile(x, 0.4, 2, "higher"), (N,)),
    ("nanmedian", lambda o, x: o.nanmedian(x, axis=1), (N,)),
    ("nanpercentile", lambda o, x: o.nanpercentile(x, [10, 90], axis=2), (N,)),
    ("histogram", lambda o, h: o.histogram(h), (H,)),
    ("histogram bins", lambda o, h: o.histogram(h, bins=7), (H,)),
    ("histogram range", lambda o, h: o.histogram(h, 4, (-1, 1)), (H,)),
    ("histogram flat", lambda o, h: o.histogram(h, 3), (np.ones(4, "float32"),)),
    ("unique", lambda o, u: o.unique(u), (np.array([[3, 1, 3], [2, 7, 1]], "int32"),)),
    ("unique size", lambda o, u: o.unique(u, size=6, fill_value=-1),
     (np.array([[3, 1, 3], [2, 7, 1]], "int32"),)),
    ("unfold", lambda o, x: o.unfold(x, 3), (IM,)),
    ("unfold strided", lambda o, x: o.unfold(x, (2, 3), (1, 2), 1, 2), (IM,)),
    ("rearrange", lambda o, x: o.rearrange(x, "b c h w -> b (h w) c"), (IM,)),
    ("rearrange split", lambda o, x: o.rearrange(x, "b c (h w) -> w b h c", h=7),
     (IM.reshape(2, 3, 42),)),
    ("lu_factor", lambda o, x: o.lu_factor(x), (R.standard_normal((3, 5, 5)).astype("f4"),)),
]


@pytest.mark.parametrize("name, f, args", CASES, ids=[c[0] for c in CASES])
def test_as_keras3(k3, name, f, args):
    compare(k3, ops, f, args, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("cfg", [(16, 4, 32, "hann", True), (16, 8, 16, "hamming", False),
                                 (10, 3, 16, None, True), (12, 5, 16, "hann", True)])
@pytest.mark.parametrize("length", [None, 90])
def test_istft_as_keras3(k3, cfg, length):
    re_, im_ = (np.asarray(v) for v in k3.stft(S, *cfg))
    compare(k3, ops, lambda o, a, b: o.istft((a, b), *cfg[:3], length=length, window=cfg[3],
                                             center=cfg[4]), (re_, im_), rtol=1e-5, atol=1e-5)


def test_istft_inverts_stft():
    x = tf.constant(S)
    back = ops.istft(ops.stft(x, 16, 4, 32), 16, 4, 32, length=100)
    np.testing.assert_allclose(K.get_value(back), S, atol=2e-5)


def test_unique_inverse_and_counts(k3):
    u = np.array([[3, 1, 3], [2, 7, 1]], "int32")
    want = [np.asarray(v) for v in k3.unique(u, return_inverse=True, return_counts=True)]
    got = K.batch_get_value(list(ops.unique(tf.constant(u), return_inverse=True,
                                             return_counts=True)))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert [g.dtype for g in got] == [np.int32] * 3
    with pytest.raises(ValueError, match="keras.ops.unique: axis=0 is not supported"):
        ops.unique(tf.constant(u), axis=0)


def test_fold_unfold_as_torch(k3):
    torch = pytest.importorskip("torch")
    for kw in (dict(kernel_size=3), dict(kernel_size=(2, 3), stride=2, padding=1,
                                          dilation=(1, 2))):
        cols = torch.nn.functional.unfold(torch.tensor(IM), **kw).numpy()
        np.testing.assert_allclose(K.get_value(ops.unfold(tf.constant(IM), **kw)), cols)
        want = torch.nn.functional.fold(torch.tensor(cols), (7, 6), **kw).numpy()
        np.testing.assert_allclose(K.get_value(ops.fold(tf.constant(cols), (7, 6), **kw)),
                                   want, rtol=1e-6, atol=1e-6)
        compare(k3, ops, lambda o, c: o.fold(c, (7, 6), **kw), (cols,))


def test_argpartition_partitions(k3):
    x = R.standard_normal((3, 9)).astype("float32")
    p = K.get_value(ops.argpartition(tf.constant(x), 4))
    assert p.dtype == np.asarray(k3.argpartition(x, 4)).dtype
    part = np.take_along_axis(x, p, -1)
    np.testing.assert_array_equal(part[:, 4], np.sort(x, -1)[:, 4])
    assert np.all(part[:, :4] <= part[:, 4:5]) and np.all(part[:, 5:] >= part[:, 4:5])
    assert sorted(p[0]) == list(range(9))
    with pytest.raises(ValueError, match=r"argpartition: kth\(=9\) out of bounds \(9\)"):
        ops.argpartition(tf.constant(x), 9)


def test_associative_scan_as_jax():
    jax = pytest.importorskip("jax")
    e = R.standard_normal((6, 3)).astype("float32")
    m = R.standard_normal((7, 2, 2)).astype("float32")
    for f, g, x, kw in [(lambda a, b: a + b, None, e, {}),
                        (lambda a, b: a + b, None, e, dict(reverse=True, axis=1)),
                        (lambda a, b: a @ b, None, m, {}),
                        (lambda a, b: a @ b, None, m, dict(reverse=True))]:
        want = jax.lax.associative_scan(f, x, **kw)
        got = K.get_value(ops.associative_scan(f, tf.constant(x), **kw))
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)
    want = jax.lax.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (e, e))
    got = K.batch_get_value(list(ops.associative_scan(
        lambda a, b: (a[0] + b[0], a[1] * b[1]), (tf.constant(e), tf.constant(e)))))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-5, atol=1e-6)


def test_jvp_as_jax():
    jax = pytest.importorskip("jax")
    p = (R.standard_normal((2, 3)).astype("float32"), R.standard_normal((2, 3)).astype("f4"))
    tv = (np.ones((2, 3), "float32"), R.standard_normal((2, 3)).astype("float32"))
    jo, jt = jax.jvp(lambda a, b: (jax.numpy.sin(a) * b, a @ b.T), p, tv)
    do, dt, aux = ops.jvp(lambda a, b: ((tf.sin(a) * b, tf.matmul(a, b, transpose_b=True)),
                                        a * 2), tuple(map(tf.constant, p)),
                          tuple(map(tf.constant, tv)), has_aux=True)
    got = K.batch_get_value(list(do) + list(dt) + [aux])
    for g, w in zip(got, list(jo) + list(jt) + [p[0] * 2]):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-5, atol=1e-6)


def test_ctc_as_keras3(k3):
    out = np.random.default_rng(5).standard_normal((2, 8, 5)).astype("float32")
    tgt = np.array([[1, 2, 2, 0], [3, 4, 0, 0]], "int32")
    tl, ol = np.array([3, 2], "int32"), np.array([8, 6], "int32")
    compare(k3, ops, lambda o, a, b: o.ctc_loss(a, b, tl, ol), (tgt, out), rtol=1e-5)
    compare(k3, ops, lambda o, a, b: o.ctc_loss(a, b, tl, ol, mask_index=4),
            (np.where(tgt == 0, 0, tgt - 1), out), rtol=1e-5)
    lp = np.log(np.exp(out) / np.exp(out).sum(-1, keepdims=True)).astype("float32")
    for kw in (dict(), dict(mask_index=2)):
        compare(k3, ops, lambda o, x: o.ctc_decode(x, ol, **kw), (lp,), rtol=1e-4, atol=1e-5,
                feed=False)
    with pytest.raises(ValueError, match="ctc_decode: Invalid strategy nope"):
        ops.ctc_decode(tf.constant(lp), ol, strategy="nope")


@pytest.mark.parametrize("mask_index", [0, 2])
def test_ctc_beam_search_finds_the_most_probable_labellings(mask_index):
    # (Keras 3's TF backend runs TensorFlow's beam search, as dlcore; its NumPy backend's own
    # search prunes otherwise and differs on some inputs.)  With 5 steps, 2 labels and a beam
    # of 100 the search is exact: its top 2 are the 2 most probable of all 62 labellings,
    # each scored by its CTC probability (-ctc_loss).
    import itertools
    rng = np.random.default_rng(11)
    lp = np.log(rng.dirichlet(np.ones(3), (2, 5))).astype("float32")
    labels = [c for c in range(3) if c != mask_index]
    seqs = [p for n in range(1, 6) for p in itertools.product(labels, repeat=n)]
    tgt = np.array([list(p) + [0] * (5 - len(p)) for p in seqs], "int32")
    tl = np.array([len(p) for p in seqs], "int32")
    best = []
    for b in range(2):
        loss = K.get_value(ops.ctc_loss(tf.constant(tgt), tf.constant(np.repeat(
            lp[b:b + 1], len(seqs), 0)), tl, np.full(len(seqs), 5, "int32"), mask_index))
        best.append(np.argsort(loss)[:2])
        best[-1] = (best[-1], -loss[best[-1]])
    dec, scores = K.batch_get_value(list(ops.ctc_decode(
        tf.constant(lp), np.array([5, 5], "int32"), strategy="beam_search", beam_width=100,
        top_paths=2, mask_index=mask_index)))
    assert dec.shape == (2, 2, 5) and dec.dtype == np.int32
    for b in range(2):
        for k in range(2):
            want = list(seqs[best[b][0][k]])
            assert list(dec[k, b][dec[k, b] >= 0]) == want and all(dec[k, b][len(want):] == -1)
        np.testing.assert_allclose(scores[b], best[b][1], rtol=1e-4)


def test_rfft_gradient_as_finite_differences():
    xv = R.standard_normal((2, 6))
    w = R.standard_normal((2, 4))
    x = tf.placeholder(tf.float64, [2, 6])
    re_, im_ = ops.rfft(x)
    loss = tf.reduce_sum(re_ * w + im_ * im_)
    g = tf.gradients(loss, x)[0]
    with tf.Session() as s:
        got = s.run(g, {x: xv})
        num = np.zeros_like(xv)
        for k in np.ndindex(*xv.shape):
            d = np.zeros_like(xv)
            d[k] = 1e-6
            num[k] = (s.run(loss, {x: xv + d}) - s.run(loss, {x: xv - d})) / 2e-6
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


def test_errors_name_the_op():
    a = tf.constant(A)
    with pytest.raises(ValueError, match="keras.ops.fft: Input `x` should be a tuple of two "
                                         "tensors"):
        ops.fft(a)
    with pytest.raises(ValueError, match=r"keras.ops.irfft: .*x\[0\].shape = \(2, 3, 16\), "
                                         r"x\[1\].shape = \(3, 16\)"):
        ops.irfft((a, a[0]))
    with pytest.raises(TypeError, match="keras.ops.real: complex inputs are not supported"):
        ops.real(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="keras.ops.stft: Invalid input type. Expected "
                                        "`float32` or `float64`. Received: input type=int32"):
        ops.stft(tf.constant(np.zeros((40,), "int32")), 8, 2, 8)
    with pytest.raises(ValueError, match="keras.ops.stft: If a string is passed to `window`"):
        ops.stft(tf.constant(S), 8, 2, 8, window="kaiser")
    with pytest.raises(ValueError, match="keras.ops.stft: `fft_length` must equal or larger"):
        ops.stft(tf.constant(S), 16, 2, 8)
    with pytest.raises(ValueError, match="keras.ops.histogram: Input tensor must be "
                                         "1-dimensional"):
        ops.histogram(a)
    with pytest.raises(ValueError, match="keras.ops.rearrange: the pattern 'b c' names 2 "
                                         "axes; the input has 3"):
        ops.rearrange(a, "b c -> c b")
    with pytest.raises(ValueError, match="keras.ops.nanquantile: Quantiles must be in the "
                                         "range"):
        ops.nanquantile(a, 1.5)


def test_keras3_names_left_out_need_complex_tensors_or_bit_views(k3):
    import keras
    names = {n for n in dir(keras.ops) if not n.startswith("_") and callable(getattr(keras.ops,
                                                                                         n))}
    missing = sorted(n for n in names if not hasattr(ops, n))
    assert set(missing) <= {"eig", "polar", "view_as_complex", "view_as_real", "view",
                            "nextafter", "vectorize"}, missing
