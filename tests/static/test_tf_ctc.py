"""tf.nn.ctc_loss (TF1: SparseTensor labels, blank = last class), ctc_loss_v2, the greedy
decoder and Keras' ctc_batch_cost / ctc_decode, against PyTorch 2.13's ctc_loss (same maths with
blank = C - 1), a NumPy reference (merge_repeated=False, greedy decoding) and float64 finite
differences; TensorFlow's label rules and errors."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K

torch = pytest.importorskip("torch")

_spec = importlib.util.spec_from_file_location(
    "op_rows_ctc", pathlib.Path(__file__).parents[1] / "core" / "op_rows_ctc.py")
_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ref)

T, N, C = 6, 3, 5
LABELS = [[1, 2, 2], [3, 3], [0]]


def _sparse(rows, dense_len=None):
    idx = [[b, i] for b, r in enumerate(rows) for i in range(len(r))]
    vals = np.array([v for r in rows for v in r], np.int32)
    return tf.SparseTensor(np.array(idx, np.int64).reshape(-1, 2), vals,
                           [len(rows), dense_len or max(len(r) for r in rows)])


def _torch(x, rows, seq, blank=C - 1, **kw):
    """torch's loss and gradient of sum(loss * g) w.r.t. logits x (T, N, C)."""
    a = torch.tensor(x, requires_grad=True)
    s = max(len(r) for r in rows)
    tg = torch.tensor([r + [0] * (s - len(r)) for r in rows])
    loss = torch.nn.functional.ctc_loss(a.log_softmax(2), tg, torch.tensor(seq),
                                        torch.tensor([len(r) for r in rows]), blank=blank,
                                        reduction="none", **kw)
    g = np.random.default_rng(9).standard_normal(len(rows))
    loss.backward(torch.tensor(g, dtype=a.dtype))
    return loss.detach().numpy(), a.grad.numpy(), g


def _run(loss, xi, x, g):
    grad, = tf.gradients(tf.reduce_sum(loss * g.astype(x.dtype)), [xi])
    with tf.Session() as sess:
        return sess.run([loss, grad], {xi: x})


@pytest.mark.parametrize("time_major", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ctc_loss_matches_torch(time_major, dtype):
    x = np.random.default_rng(0).standard_normal((T, N, C)).astype(dtype)
    seq = [6, 5, 4]
    lt, gt, g = _torch(x, LABELS, seq)
    shape = [T, N, C] if time_major else [N, T, C]
    xi = tf.placeholder(tf.as_dtype(dtype), shape)
    feed = x if time_major else x.transpose(1, 0, 2)
    loss = tf.nn.ctc_loss(_sparse(LABELS), xi, np.array(seq, np.int32), time_major=time_major)
    assert loss.shape.as_list() == [N]
    lv, gv = _run(loss, xi, feed, g)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(lv, lt, rtol=tol)
    np.testing.assert_allclose(gv if time_major else gv.transpose(1, 0, 2), gt, rtol=tol * 10,
                               atol=tol)


def test_gradient_by_finite_differences_and_merge_repeated_false():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 2, 3))
    rows, seq = [[1, 1], [0]], [4, 3]
    g = rng.standard_normal(2)
    xi = tf.placeholder(tf.float64, [4, 2, 3])
    for merge in (True, False):
        loss = tf.nn.ctc_loss(_sparse(rows), xi, seq, ctc_merge_repeated=merge)
        lv, gv = _run(loss, xi, x, g)
        lsm = x - np.log(np.exp(x).sum(-1, keepdims=True))
        ref = _ref.np_ctc_loss(lsm, np.array([[1, 1], [0, 0]]), seq, [2, 1], blank=2,
                               merge=merge)
        np.testing.assert_allclose(lv, ref, rtol=1e-10)
        num = np.zeros_like(x)
        with tf.Session() as sess:
            for i in np.ndindex(*x.shape):
                e = np.zeros_like(x)
                e[i] = 1e-6
                num[i] = (sess.run(loss, {xi: x + e}) - sess.run(loss, {xi: x - e})) @ g / 2e-6
        np.testing.assert_allclose(gv, num, rtol=1e-6, atol=1e-8)
    assert not np.isclose(lv[0], _ref.np_ctc_loss(lsm[:, :1], np.array([[1, 1]]), [4], [2], 2)[0])


def test_collapse_repeated_ignore_longer_and_no_path():
    x = np.random.default_rng(2).standard_normal((T, N, C))
    xi = tf.placeholder(tf.float64, [T, N, C])
    # collapsing [1, 2, 2] -> [1, 2] and [3, 3] -> [3]
    lt, gt, g = _torch(x, [[1, 2], [3], [0]], [6, 5, 4])
    lv, gv = _run(tf.nn.ctc_loss(_sparse(LABELS), xi, [6, 5, 4],
                                 preprocess_collapse_repeated=True), xi, x, g)
    np.testing.assert_allclose(lv, lt, rtol=1e-10)
    np.testing.assert_allclose(gv, gt, rtol=1e-9, atol=1e-12)
    # element 0 has 3 labels and 2 steps: ignored (loss 0, gradient 0); element 1's [3, 3]
    # needs 3 steps and has 2: no alignment, loss inf (TensorFlow's), gradient 0 here
    loss = tf.nn.ctc_loss(_sparse(LABELS), xi, [2, 2, 4],
                          ignore_longer_outputs_than_inputs=True)
    lv, gv = _run(loss, xi, x, g)
    lt, gt, _ = _torch(x, [[0], [0], [0]], [1, 1, 4])
    assert lv[0] == 0.0 and lv[1] == np.inf
    np.testing.assert_allclose(lv[2], lt[2], rtol=1e-10)
    assert np.all(gv[:, :2] == 0) and np.all(np.isfinite(gv))
    np.testing.assert_allclose(gv[:, 2], gt[:, 2], rtol=1e-9, atol=1e-12)
    bad = tf.nn.ctc_loss(_sparse(LABELS), xi, [2, 2, 4])
    with tf.Session() as sess, pytest.raises(
            tf.errors.InvalidArgumentError,
            match=r"Not enough time for target transition sequence \(required: 3, available: 2\)"):
        sess.run(bad, {xi: x})


@pytest.mark.parametrize("rows, seq, match", [
    ([[1], [], [2]], [6, 6, 6], "Labels length is zero in batch 1"),
    ([[1, 4, 2], [1], [2]], [6, 6, 6], "Saw a non-null label"),
    ([[1], [2], [3]], [7, 6, 6], r"sequence_length\(0\) <= 6"),
])
def test_run_time_errors(rows, seq, match):
    xi = tf.placeholder(tf.float32, [T, N, C])
    loss = tf.nn.ctc_loss(_sparse([r or [0] for r in rows]) if rows[1] else
                          tf.SparseTensor([[0, 0], [2, 0]], np.array([1, 2], np.int32), [3, 1]),
                          xi, seq)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match=match):
        sess.run(loss, {xi: np.zeros((T, N, C), np.float32)})


def test_build_time_errors():
    xi = tf.placeholder(tf.float32, [T, N, C])
    with pytest.raises(TypeError, match="Expected labels \\(first argument\\) to be a "
                                        "SparseTensor"):
        tf.nn.ctc_loss(np.zeros((3, 2), np.int32), xi, [6, 6, 6])
    with pytest.raises(ValueError, match="Shape must be rank 3 but is rank 2"):
        tf.nn.ctc_loss(_sparse(LABELS), tf.placeholder(tf.float32, [T, C]), [6, 6, 6])
    with pytest.raises(ValueError, match="blank_index must be given when using SparseTensor"):
        tf.nn.ctc_loss_v2(_sparse(LABELS), xi, None, [6, 6, 6])


def test_ctc_loss_v2_dense_and_sparse_blank_index():
    x = np.random.default_rng(3).standard_normal((T, N, C))
    xi = tf.placeholder(tf.float64, [T, N, C])
    rows = [[1, 2, 2], [3, 3], [4]]                  # blank 0: labels 1..4
    lt, gt, g = _torch(x, rows, [6, 5, 4], blank=0)
    dense = np.array([[1, 2, 2], [3, 3, 0], [4, 0, 0]], np.int32)
    lv, gv = _run(tf.nn.ctc_loss_v2(dense, xi, np.array([3, 2, 1], np.int32),
                                    np.array([6, 5, 4], np.int32)), xi, x, g)
    np.testing.assert_allclose(lv, lt, rtol=1e-10)
    np.testing.assert_allclose(gv, gt, rtol=1e-9, atol=1e-12)
    lv2, gv2 = _run(tf.compat.v1.nn.ctc_loss_v2(_sparse(rows), xi, None, [6, 5, 4],
                                                blank_index=0), xi, x, g)
    np.testing.assert_allclose(lv2, lt, rtol=1e-10)
    np.testing.assert_allclose(gv2, gt, rtol=1e-9, atol=1e-12)


def _np_greedy(x, seq, merge=True, blank=C - 1):
    out = []
    for b in range(x.shape[1]):
        prev, dec = -1, []
        for t in range(seq[b]):
            c = int(np.argmax(x[t, b]))
            if c != blank and not (merge and c == prev):
                dec.append(c)
            prev = c
        out.append(dec)
    return out


@pytest.mark.parametrize("merge", [True, False])
def test_greedy_decoder(merge):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((T, N, C)).astype(np.float32)
    x[1, 0], x[2, 0] = x[0, 0], x[0, 0]               # repeats to merge
    seq = np.array([6, 3, 0], np.int32)
    xi = tf.placeholder(tf.float32, [T, N, C])
    (decoded,), neg = tf.nn.ctc_greedy_decoder(xi, seq, merge_repeated=merge)
    with tf.Session() as sess:
        sp, nv = sess.run([decoded, neg], {xi: x})
    ref = _np_greedy(x, seq, merge)
    assert sp.values.dtype == np.int64 and sp.indices.dtype == np.int64
    assert sp.dense_shape.tolist() == [N, max(len(r) for r in ref)]
    assert sp.indices.tolist() == [[b, i] for b, r in enumerate(ref) for i in range(len(r))]
    assert sp.values.tolist() == [v for r in ref for v in r]
    np.testing.assert_allclose(nv[:, 0], [-x[:s, b].max(-1).sum() for b, s in enumerate(seq)],
                               rtol=1e-6)
    assert nv.shape == (N, 1)


def test_keras_ctc_batch_cost_and_decode_as_the_ocr_example():
    rng = np.random.default_rng(5)
    probs = rng.uniform(0.05, 1.0, (N, T, C))
    probs /= probs.sum(-1, keepdims=True)
    y_true = np.array([[1, 2, 2], [3, 3, 0], [0, 1, 0]], np.float32)
    yp = tf.placeholder(tf.float64, [None, T, C])
    yt = tf.placeholder(tf.float32, [None, None])
    # the lengths as the example's CTCLayer computes them (tf.ones of a run-time batch size)
    batch_len = tf.cast(tf.shape(yt)[0], dtype="int64")
    input_length = tf.cast(tf.shape(yp)[1], dtype="int64") * tf.ones(shape=(batch_len, 1),
                                                                      dtype="int64")
    label_length = tf.constant([[3], [2], [2]], tf.int64)
    loss = K.ctc_batch_cost(yt, yp, input_length, label_length)
    dec, log_prob = K.ctc_decode(yp, np.full(N, T), greedy=True)
    grad, = tf.gradients(tf.reduce_sum(loss), [yp])
    with tf.Session() as sess:
        lv, gv, dv, lp = sess.run([loss, grad, dec[0], log_prob], {yp: probs, yt: y_true})
    a = torch.tensor(probs, requires_grad=True)
    lt = torch.nn.functional.ctc_loss(
        torch.log(a.transpose(0, 1) + 1e-7).log_softmax(2), torch.tensor(y_true).long(),
        torch.full((N,), T), torch.tensor([3, 2, 2]), blank=C - 1, reduction="none")
    lt.sum().backward()
    assert lv.shape == (N, 1)
    np.testing.assert_allclose(lv[:, 0], lt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gv, a.grad.numpy(), rtol=1e-8, atol=1e-10)
    ref = _np_greedy(np.log(probs.transpose(1, 0, 2) + 1e-7), [T] * N)
    want = np.full((N, T), -1)
    for b, r in enumerate(ref):
        want[b, :len(r)] = r
    np.testing.assert_array_equal(dv, want)
    np.testing.assert_allclose(lp[:, 0], -np.log(probs + 1e-7).max(-1).sum(-1), rtol=1e-10)


@pytest.mark.cuda
@pytest.mark.parametrize("merge", [True, False])
def test_cuda_kernels_merge_repeated_and_concatenated_targets(merge):
    """The core primitives on CUDA (the simulator in CI) equal the CPU kernels: TF's
    merge_repeated=False recursion, concatenated targets, an impossible element with
    zero_infinity."""
    import dlcore
    from dlcore.ops import ctc
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    tg, il, tl = np.array([1, 1, 0]), np.array([2, 1]), np.array([2, 1])   # [1, 1] in 2 steps
    g = rng.standard_normal(2).astype(np.float32)
    kw = {"blank": 2, "zero_infinity": True, "merge_repeated": merge}
    cpu = (ctc.ctc_loss(lp, tg, il, tl, **kw),
           ctc.bind(ctc.ctc_loss_grad_p, g, lp, tg, il, tl, **kw))
    dev = [dlcore.to_device(a, "cuda") for a in (g, lp, tg, il, tl)]
    gpu = (ctc.ctc_loss(*dev[1:], **kw), ctc.bind(ctc.ctc_loss_grad_p, *dev, **kw))
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(dlcore.to_host(b), a, rtol=1e-5, atol=1e-6)
    ref = _ref.np_ctc_loss(lp, tg, il, tl, 2, True, merge)
    np.testing.assert_allclose(cpu[0], ref, rtol=1e-5)
    assert (cpu[0][0] == 0.0) == merge         # no alignment only when repeats merge
    np.testing.assert_allclose(cpu[1], _ref.np_ctc_grad(g, lp, tg, il, tl, 2, True, merge),
                               rtol=1e-4, atol=1e-6)


def test_ones_and_zeros_of_a_run_time_shape():
    """tf.ones / tf.zeros with tensors in the shape (the OCR example's lengths, TF1's
    tf.zeros([tf.shape(x)[0], n]) states): a host node sized when the graph runs."""
    x = tf.placeholder(tf.float32, [None, None])
    ones = tf.ones(shape=(tf.cast(tf.shape(x)[0], "int64"), 1), dtype="int64")
    zeros = tf.zeros(tf.shape(x))
    mixed = tf.zeros([tf.shape(x)[1], 2], tf.float64)
    assert ones.shape.as_list() == [None, 1] and mixed.shape.as_list() == [None, 2]
    assert zeros.shape.as_list() == [None, None]
    with tf.Session() as sess:
        o, z, m = sess.run([ones, zeros, mixed], {x: np.zeros((3, 4), np.float32)})
        assert (o.dtype, o.shape, z.dtype, z.shape, m.dtype, m.shape) == (
            np.int64, (3, 1), np.float32, (3, 4), np.float64, (4, 2))
        assert o.sum() == 3 and not z.any() and not m.any()
        with pytest.raises(tf.errors.InvalidArgumentError, match="Fill dimensions must be >= 0"):
            sess.run(tf.ones(tf.shape(x) - 5), {x: np.zeros((3, 4), np.float32)})


@pytest.mark.cuda
def test_session_on_cuda_matches_cpu():
    """The label and decoder host nodes stay on the host; the loss and its gradient run the
    CUDA kernels (the simulator in CI)."""
    x = np.random.default_rng(7).standard_normal((4, 2, 3)).astype(np.float32)
    xi = tf.placeholder(tf.float32, [4, 2, 3])
    loss = tf.nn.ctc_loss(_sparse([[0, 1], [1]]), xi, [4, 3])
    grad, = tf.gradients(tf.reduce_sum(loss), [xi])
    (dec,), neg = tf.nn.ctc_greedy_decoder(xi, [4, 3])
    runs = []
    for dev in ("cpu", "cuda"):
        with tf.Session(device=dev) as sess:
            runs.append(sess.run([loss, grad, dec.values, neg], {xi: x}))
    for a, b in zip(*runs):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_label_dense_to_sparse_then_compat_v1_ctc_loss():
    """The Keras 3 OCR example's own ctc_batch_cost: dense labels to a SparseTensor, then
    tf.compat.v1.nn.ctc_loss(inputs=, labels=, sequence_length=) of log(y_pred + eps)."""
    rng = np.random.default_rng(8)
    probs = rng.uniform(0.05, 1.0, (N, T, C))
    probs /= probs.sum(-1, keepdims=True)
    y_true = np.array([[1, 2, 2], [3, 3, 0], [0, 1, 0]], np.int32)
    lengths = np.array([3, 2, 2], np.int32)
    sp = K.ctc_label_dense_to_sparse(tf.constant(y_true), tf.constant(lengths))
    logp = tf.log(tf.transpose(tf.constant(probs), perm=[1, 0, 2]) + K.epsilon())
    loss = tf.compat.v1.nn.ctc_loss(inputs=logp, labels=sp, sequence_length=np.full(N, T))
    ref = K.ctc_batch_cost(y_true, tf.constant(probs), np.full((N, 1), T), lengths[:, None])
    with tf.Session() as sess:
        spv, lv, rv = sess.run([sp, loss, ref])
    assert spv.indices.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1]]
    assert spv.values.tolist() == [1, 2, 2, 3, 3, 0, 1] and spv.dense_shape.tolist() == [3, 3]
    np.testing.assert_allclose(lv, rv[:, 0], rtol=1e-12)
