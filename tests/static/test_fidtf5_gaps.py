"""TF1 gaps closed in session 17 (each failed before): segment ops with fed ids / a fed
num_segments, one_hot with a tensor depth, space_to_batch_nd / batch_to_space_nd (values vs a
NumPy transcription of TF's documented algorithm and TF's doc examples; gradients vs central
differences), embedding_lookup(max_norm=...), TF's bool-only logical ops, and TF's words for a
run-time broadcast failure."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _np_segment(data, ids, n, how):
    out = []
    for s in range(n):
        rows = data[ids == s]
        if how == "sum":
            out.append(rows.sum(0))
        elif how == "mean":
            out.append(rows.mean(0) if len(rows) else np.zeros(data.shape[1:]))
        elif how == "max":
            out.append(rows.max(0) if len(rows) else np.zeros(data.shape[1:]))
        else:
            out.append(rows.prod(0))
    return np.array(out, np.float32)


def test_sorted_segment_ops_with_fed_ids_values_and_gradient():
    ids = tf.placeholder(tf.int32, [None])
    d = tf.placeholder(tf.float32, [None, 2])
    outs = {h: getattr(tf.math, f"segment_{h}")(d, ids) for h in ("sum", "mean", "max", "prod")}
    assert all(o.shape.as_list() == [None, 2] for o in outs.values())
    rng = np.random.RandomState(0)
    data = rng.randn(6, 2).astype(np.float32)
    fed = np.array([0, 0, 2, 3, 3, 3])
    (g,) = tf.gradients(tf.reduce_sum(outs["sum"] * outs["mean"]), d)
    with tf.Session() as sess:
        got, gv = sess.run([outs, g], {ids: fed, d: data})
        for h, v in got.items():
            np.testing.assert_allclose(v, _np_segment(data, fed, 4, h), rtol=1e-6, atol=1e-6)
        s, m = _np_segment(data, fed, 4, "sum"), _np_segment(data, fed, 4, "mean")
        counts = np.bincount(fed)
        want = m[fed] + s[fed] / counts[fed][:, None]
        np.testing.assert_allclose(gv, want, rtol=1e-5)
        # TF's run-time refusals of unsorted or negative ids, naming the node
        with pytest.raises(tf.errors.InvalidArgumentError, match="segment ids are not "
                                                                 "increasing"):
            sess.run(outs["sum"], {ids: [1, 0, 2, 3, 3, 3], d: data})
        with pytest.raises(tf.errors.InvalidArgumentError, match="segment ids must be >= 0"):
            sess.run(outs["sum"], {ids: [-1, 0, 2, 3, 3, 3], d: data})
        assert sess.run(outs["sum"], {ids: np.zeros(0, np.int32),
                                      d: np.zeros((0, 2), np.float32)}).shape == (0, 2)


def test_unsorted_segment_ops_with_a_fed_num_segments():
    ids = tf.placeholder(tf.int32, [None])
    d = tf.placeholder(tf.float32, [None, 3])
    n = tf.placeholder(tf.int32, [])
    s = tf.unsorted_segment_sum(d, ids, n)
    m = tf.math.unsorted_segment_mean(d, ids, n)
    mx = tf.math.unsorted_segment_max(d, ids, n)
    assert s.shape.as_list() == [None, 3]
    data = np.arange(12, dtype=np.float32).reshape(4, 3)
    fed = np.array([2, -1, 0, 2])            # the negative id is dropped, as TF
    (g,) = tf.gradients(tf.reduce_sum(s * s), d)
    with tf.Session() as sess:
        sv, mv, xv, gv = sess.run([s, m, mx, g], {ids: fed, d: data, n: 4})
        keep = fed >= 0
        np.testing.assert_allclose(sv, _np_segment(data[keep], fed[keep], 4, "sum"))
        np.testing.assert_allclose(mv, _np_segment(data[keep], fed[keep], 4, "mean"))
        np.testing.assert_allclose(xv[[0, 2]], _np_segment(data[keep], fed[keep], 4,
                                                           "max")[[0, 2]])
        assert (xv[[1, 3]] == np.finfo(np.float32).min).all()     # TF: the lowest value
        np.testing.assert_allclose(gv, np.where(keep[:, None], 2 * sv[np.maximum(fed, 0)], 0))
        assert sess.run(s, {ids: fed, d: data, n: 6}).shape == (6, 3)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"segment_ids\[1\] = 5 is out of range \[0, 4\)"):
            sess.run(s, {ids: [0, 5, 1, 1], d: data, n: 4})


def test_one_hot_with_a_tensor_depth():
    idx = np.array([[0, 3], [2, -1]])
    depth = tf.placeholder(tf.int32, [])
    plain = tf.one_hot(idx, depth)
    opts = tf.one_hot(idx, depth, on_value=5, off_value=-1, axis=0)
    const = tf.one_hot(idx, tf.constant(4))
    assert plain.shape.as_list() == [2, 2, None] and const.shape.as_list() == [2, 2, 4]
    assert opts.dtype == tf.int32
    want = (idx[..., None] == np.arange(4)).astype(np.float32)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(plain, {depth: 4}), want)
        np.testing.assert_array_equal(sess.run(const), want)
        np.testing.assert_array_equal(sess.run(opts, {depth: 4}),
                                      np.moveaxis(np.where(want > 0, 5, -1), -1, 0))
        assert sess.run(plain, {depth: 0}).shape == (2, 2, 0)
        with pytest.raises(tf.errors.InvalidArgumentError, match="depth must be non-negative"):
            sess.run(plain, {depth: -1})
    with pytest.raises(ValueError, match="one_hot: depth must be a scalar int32"):
        tf.one_hot([0], tf.constant([2, 3]))


def _np_space_to_batch(x, block, pads):
    """TF's documented SpaceToBatchND algorithm, step by step."""
    m = len(block)
    x = np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)] * (x.ndim - 1 - m))
    b, rest = x.shape[0], list(x.shape[1 + m:])
    split = [b]
    for i in range(m):
        split += [x.shape[1 + i] // block[i], block[i]]
    y = x.reshape(split + rest)
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
    y = y.transpose(perm + list(range(1 + 2 * m, y.ndim)))
    return y.reshape([b * int(np.prod(block))] + [x.shape[1 + i] // block[i]
                                                  for i in range(m)] + rest)


def test_space_to_batch_nd_documented_examples_and_numpy():
    # TF's docstring examples (block_shape [2, 2], no padding)
    x1 = np.array([[[[1], [2]], [[3], [4]]]], np.float32)
    x3 = np.arange(1, 17, dtype=np.float32).reshape(1, 4, 4, 1)
    with tf.Session() as sess:
        assert sess.run(tf.space_to_batch_nd(x1, [2, 2], [[0, 0], [0, 0]])).reshape(
            -1).tolist() == [1, 2, 3, 4]
        got = sess.run(tf.space_to_batch_nd(x3, [2, 2], [[0, 0], [0, 0]]))
        assert got.shape == (4, 2, 2, 1)
        assert got[:, :, :, 0].tolist() == [[[1, 3], [9, 11]], [[2, 4], [10, 12]],
                                            [[5, 7], [13, 15]], [[6, 8], [14, 16]]]
        back = sess.run(tf.batch_to_space_nd(got, [2, 2], [[0, 0], [0, 0]]))
        np.testing.assert_array_equal(back, x3)
        rng = np.random.RandomState(1)
        x = rng.randn(2, 3, 5, 4).astype(np.float32)       # 2 spatial dims + 1 remaining
        pads = [[1, 0], [2, 1]]
        y = sess.run(tf.space_to_batch_nd(x, [2, 4], pads))
        np.testing.assert_array_equal(y, _np_space_to_batch(x, [2, 4], pads))
        z = sess.run(tf.batch_to_space_nd(y, [2, 4], pads))
        np.testing.assert_array_equal(z, x)
        # TF1's 4-D spellings and a fed batch
        p = tf.placeholder(tf.float32, [None, 4, 4, 1])
        s2b = tf.space_to_batch(p, [[0, 0], [0, 0]], block_size=2)
        assert s2b.shape.as_list() == [None, 2, 2, 1]
        b2s = tf.batch_to_space(s2b, [[0, 0], [0, 0]], 2)
        np.testing.assert_array_equal(sess.run(b2s, {p: np.concatenate([x3, -x3])}),
                                      np.concatenate([x3, -x3]))


def test_space_batch_gradients_match_central_differences():
    rng = np.random.RandomState(2)
    x0 = rng.randn(2, 3, 2, 2)
    w = rng.randn(*_np_space_to_batch(x0, [2, 2], [[1, 0], [0, 2]]).shape)
    xt = tf.placeholder(tf.float64, x0.shape)
    loss = tf.reduce_sum(tf.space_to_batch_nd(xt, [2, 2], [[1, 0], [0, 2]]) * w)
    yb = tf.placeholder(tf.float64, [8, 2, 3, 2])
    wb = rng.randn(2, 3, 4, 2)
    loss_b = tf.reduce_sum(tf.batch_to_space_nd(yb, [2, 2], [[1, 0], [1, 1]]) ** 2 * wb)
    (g,), (gb,) = tf.gradients(loss, xt), tf.gradients(loss_b, yb)
    y0 = rng.randn(8, 2, 3, 2)
    with tf.Session() as sess:
        for ph, l, grad, v in ((xt, loss, g, x0), (yb, loss_b, gb, y0)):
            got = sess.run(grad, {ph: v})
            num = np.zeros_like(v)
            for i in np.ndindex(v.shape):
                e = np.zeros_like(v)
                e[i] = 1e-6
                num[i] = (sess.run(l, {ph: v + e}) - sess.run(l, {ph: v - e})) / 2e-6
            np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-7)


def test_space_batch_errors_name_the_op_and_shapes():
    x = tf.placeholder(tf.float32, [1, 3, 4, 1])
    with pytest.raises(ValueError, match=r"SpaceToBatchND: padded_shape\[0\]=3 is not "
                                         r"divisible by block_shape\[0\]=2"):
        tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"BatchToSpaceND: input batch dimension \(1\) is not "
                                         r"divisible by product of block sizes \(4\)"):
        tf.batch_to_space_nd(x, [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"SpaceToBatchND: paddings must have shape \[2, 2\]"):
        tf.space_to_batch_nd(x, [2, 2], [[0, 0]])
    with pytest.raises(ValueError, match=r"BatchToSpaceND: crops must be non-negative"):
        tf.batch_to_space_nd(tf.zeros([4, 1, 1, 1]), [2, 2], [[0, -1], [0, 0]])


def test_embedding_lookup_max_norm_clips_each_row_as_tf():
    params = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]], np.float32)
    p = tf.Variable(params)
    ids = tf.constant([[0, 1], [2, 2]])
    e = tf.nn.embedding_lookup(p, ids, max_norm=2.0)
    parts = tf.nn.embedding_lookup([tf.constant(params[:2]), tf.constant(params[2:])],
                                   [2, 0, 1], partition_strategy="div", max_norm=2.0)
    (g,) = tf.gradients(tf.reduce_sum(e * np.float32(2.0)), p)
    norms = np.linalg.norm(params, axis=1, keepdims=True)
    clipped = params * 2.0 / np.maximum(norms, 2.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(e), clipped[[[0, 1], [2, 2]]], rtol=1e-6)
        np.testing.assert_allclose(sess.run(parts), clipped[[2, 0, 1]], rtol=1e-6)
        np.testing.assert_allclose(sess.run(p), params)      # params themselves unchanged
        # d/dx sum(2 * x * c / |x|) for a clipped row: 2c (I/|x| - x x^T/|x|^3) 1
        gv = sess.run(g).tolist()
    gv = np.asarray(gv)
    x = params[0].astype(np.float64)
    n = np.linalg.norm(x)
    want0 = 2 * 2.0 * (np.ones(2) / n - x * x.sum() / n ** 3)
    np.testing.assert_allclose(gv[0], want0, rtol=1e-5)
    np.testing.assert_allclose(gv[1], [2.0, 2.0], rtol=1e-6)     # within the norm: identity
    np.testing.assert_allclose(gv[2], 2 * want0 / 2, rtol=1e-5)   # twice, at norm 10


def test_logical_ops_take_bools_only_as_tf():
    t = tf.logical_and([True, False], tf.constant([True, True]))
    with tf.Session() as sess:
        assert sess.run(t).tolist() == [True, False]
        assert sess.run(tf.math.logical_or(tf.constant([False, True]), False)).tolist() == \
            [False, True]
        v = tf.Variable([True])
        sess.run(v.initializer)
        assert sess.run(tf.logical_not(v)).tolist() == [False]
    for f, op in ((tf.logical_and, "LogicalAnd"), (tf.math.logical_or, "LogicalOr"),
                  (tf.math.logical_xor, "LogicalXor")):
        with pytest.raises(TypeError, match=rf"Input 'x' of '{op}' Op has type int32 that does "
                                            r"not match expected type of bool\."):
            f(tf.constant([1, 0]), tf.constant([True, True]))
        with pytest.raises(TypeError, match=rf"Input 'y' of '{op}' Op has type float32"):
            f(tf.constant([True]), tf.constant([1.0]))
    with pytest.raises(TypeError, match=r"Expected bool, got 1 of type 'int' instead\."):
        tf.logical_and([1, 0], [True, True])
    with pytest.raises(TypeError, match="Input 'x' of 'LogicalNot' Op has type float32"):
        tf.logical_not(tf.constant(1.0))


def test_runtime_broadcast_error_is_tfs_incompatible_shapes():
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [None, 3])
    with tf.Session() as sess, pytest.raises(
            tf.errors.InvalidArgumentError,
            match=r"^Incompatible shapes: \[2,3\] vs\. \[4,3\]\n\t \[\[node add"):
        sess.run(a + b, {a: np.ones((2, 3)), b: np.ones((4, 3))})


def test_kernel_error_text_reads_numpys_broadcast_words():
    from dlcore_static._kernel_errors import tf_kernel_text
    for f, want in ((lambda: np.ones((2, 3)) + np.ones((4, 3)), "[2,3] vs. [4,3]"),
                    (lambda: np.broadcast_shapes((5,), (2, 3)), "[5] vs. [2,3]"),
                    (lambda: np.ones(()) + np.ones((2, 3)) + np.ones(4), "[2,3] vs. [4]")):
        with pytest.raises(ValueError) as info:
            f()
        assert tf_kernel_text(info.value) == "Incompatible shapes: " + want
    assert tf_kernel_text(ValueError("something else")) is None
    assert tf_kernel_text(TypeError("operands could not be broadcast together with shapes "
                                    "(2,) (3,) ")) is None


def test_is_variable_initialized_report_and_initialized_value_as_tf1(tmp_path):
    a = tf.Variable([1.0, 2.0], name="a")
    b = tf.Variable(a.initialized_value() * 2, name="b")       # TF1's idiom, any init order
    c = tf.get_variable("c", [2], initializer=tf.ones_initializer(),
                        collections=[tf.GraphKeys.LOCAL_VARIABLES])
    rep = tf.report_uninitialized_variables()
    isb = tf.is_variable_initialized(b)
    assert rep.dtype == tf.string and rep.shape.as_list() == [None] and isb.dtype == tf.bool
    with tf.Session() as sess:
        assert sess.run(rep).tolist() == [b"a", b"b", b"c"] and not sess.run(isb)
        sess.run(b.initializer)                  # a not initialized: its initial value
        np.testing.assert_array_equal(sess.run(b), [2.0, 4.0])
        assert sess.run(rep).tolist() == [b"a", b"c"] and sess.run(isb)
        sess.run(a.initializer)
        sess.run(a.assign([5.0, 6.0]))
        sess.run(b.initializer)                  # now a's value
        np.testing.assert_array_equal(sess.run(b), [10.0, 12.0])
        sess.run(tf.local_variables_initializer())
        assert sess.run(rep).shape == (0,)
        assert sess.run(tf.report_uninitialized_variables([a, c])).shape == (0,)
        tf.train.Saver().save(sess, str(tmp_path / "m"))
    with pytest.raises(TypeError, match="is_variable_initialized: expected a Variable"):
        tf.is_variable_initialized(tf.constant(1.0))
    with tf.Graph().as_default() as g:           # the graph file holds the new ops
        saver = tf.train.import_meta_graph(str(tmp_path / "m.meta"))
        report = g.get_tensor_by_name("report_uninitialized_variables:0")
        with tf.Session() as sess:
            assert sess.run(report).tolist() == [b"a", b"b", b"c"]
            saver.restore(sess, str(tmp_path / "m"))
            assert sess.run(report).tolist() == [b"c"]     # (c is local: not saved)


def test_check_numerics_words_and_verify_tensor_all_finite_as_tf1():
    x = tf.placeholder(tf.float32, (2,))
    out = tf.debugging.assert_all_finite(x, "x not finite")
    same = tf.verify_tensor_all_finite(x, msg="again")
    chk = tf.check_numerics(x * 2.0, "doubled")
    assert isinstance(out, tf.Tensor) and out.shape.as_list() == [2]
    (g,) = tf.gradients(tf.reduce_sum(chk * out), x)       # the checks pass gradients through
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run([out, same], {x: [1.0, 2.0]}),
                                      [[1.0, 2.0], [1.0, 2.0]])
        np.testing.assert_array_equal(sess.run(g, {x: [1.0, 2.0]}), [4.0, 8.0])
        for v, what in (([1.0, np.nan], "NaN"), ([np.inf, 1.0], "Inf"),
                        ([np.inf, np.nan], "Inf and NaN")):
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"^x not finite : Tensor had {what} values\n\t "
                                     r"\[\[node VerifyFinite/CheckNumerics "):
                sess.run(out, {x: v})
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"^doubled : Tensor had {what} values"):
                sess.run(chk, {x: v})
    with pytest.raises(TypeError, match="CheckNumerics: the tensor must be floating point"):
        tf.check_numerics(tf.constant([1, 2]), "ints")


def test_nn_gelu_matches_torch():
    torch = pytest.importorskip("torch")
    v = np.linspace(-4, 4, 17).astype(np.float32)
    x = tf.constant(v)
    exact, approx = tf.nn.gelu(x), tf.nn.gelu(x, approximate=True)
    (g,) = tf.gradients(tf.reduce_sum(exact), x)
    with tf.Session() as sess:
        e, a, gv = sess.run([exact, approx, g])
    t = torch.tensor(v)
    np.testing.assert_allclose(e, torch.nn.functional.gelu(t).numpy(), atol=1e-6)
    np.testing.assert_allclose(a, torch.nn.functional.gelu(t, approximate="tanh").numpy(),
                               atol=1e-6)
    tt = t.clone().requires_grad_(True)
    torch.nn.functional.gelu(tt).sum().backward()
    np.testing.assert_allclose(gv, tt.grad.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="`features.dtype` must be a floating point tensor"):
        tf.nn.gelu(tf.constant([1, 2]))


def test_cast_of_strings_to_string_is_the_input_as_tf1():
    s = tf.constant(["a", "bc"])
    assert tf.cast(s, tf.string) is s
    lst = tf.cast(["u", "v"], tf.string)
    with tf.Session() as sess:
        assert sess.run(lst).tolist() == [b"u", b"v"]
    with pytest.raises(TypeError, match="Cast int32 to string is not supported"):
        tf.cast(tf.constant([1, 2]), tf.string)
    with pytest.raises(TypeError, match="'Cast' does not support tf.string inputs"):
        tf.cast(s, tf.float32)


def test_reshape_to_the_shape_of_a_tensor_with_several_unknown_dimensions():
    b = tf.placeholder(tf.float32, [None, None, 3])
    a = tf.placeholder(tf.float32, [None, None])
    r = tf.reshape(a, tf.shape(b))              # was "only one dimension ... can be -1"
    assert r.shape.as_list() == [None, None, 3]
    (g,) = tf.gradients(tf.reduce_sum(r * 2.0), a)
    v = np.arange(12, dtype=np.float32).reshape(2, 6)
    with tf.Session() as sess:
        got, gv = sess.run([r, g], {a: v, b: np.zeros((2, 2, 3))})
        np.testing.assert_array_equal(got, v.reshape(2, 2, 3))
        np.testing.assert_array_equal(gv, np.full((2, 6), 2.0))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="^Input to reshape is a tensor with 12 values, but the "
                                 "requested shape has 18\n"):
            sess.run(r, {a: v, b: np.zeros((2, 3, 3))})


def test_basic_decoder_dynamic_decode_matches_numpy():
    rng = np.random.RandomState(4)
    x = rng.randn(3, 4, 2).astype(np.float32)            # batch-major inputs
    lengths = np.array([4, 2, 1], np.int32)
    h0 = rng.randn(3, 5).astype(np.float32)
    cell = tf.nn.rnn_cell.BasicRNNCell(5)
    proj = tf.layers.Dense(3, name="proj")
    helper = tf.contrib.seq2seq.TrainingHelper(tf.constant(x), tf.constant(lengths))
    dec = tf.contrib.seq2seq.BasicDecoder(cell, helper, tf.constant(h0), output_layer=proj)
    outs, state, lens = tf.contrib.seq2seq.dynamic_decode(dec, impute_finished=True)
    (g,) = tf.gradients(tf.reduce_sum(outs.rnn_output ** 2), cell.trainable_variables[0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        (k, b), (pk, pb) = sess.run(cell.trainable_variables), sess.run(proj.weights)
        o, ids, st, ln, gv = sess.run([outs.rnn_output, outs.sample_id, state, lens, g])
    h, want, want_state = h0.astype(np.float64), np.zeros((3, 4, 3)), h0.copy()
    for t in range(4):
        h = np.tanh(np.concatenate([x[:, t], h], 1) @ k + b)
        for i in range(3):
            if t < lengths[i]:
                want[i, t] = h[i] @ pk + pb
                want_state[i] = h[i]
    np.testing.assert_allclose(o, want, rtol=1e-4, atol=1e-5)   # zeros after each length
    np.testing.assert_array_equal(ids, np.where(np.arange(4) < lengths[:, None],
                                                want.argmax(-1), 0))
    np.testing.assert_allclose(st, want_state, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(ln, lengths)
    assert gv.shape == k.shape and np.abs(gv).sum() > 0
    # greedy decoding stops at end_token or maximum_iterations; bad arguments: TF's errors
    greedy = tf.contrib.seq2seq.GreedyEmbeddingHelper(tf.constant(np.eye(3, 2, dtype=np.float32)),
                                                      tf.constant([0, 1, 2]), 1)
    gdec = tf.contrib.seq2seq.BasicDecoder(cell, greedy, tf.constant(h0), output_layer=proj)
    with tf.variable_scope("greedy"):
        gout, _, glen = tf.contrib.seq2seq.dynamic_decode(gdec, maximum_iterations=3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        gids, gl = sess.run([gout.sample_id, glen])
    assert gids.shape[0] == 3 and gids.shape[1] <= 3
    for i in range(3):
        hit = np.flatnonzero(gids[i] == 1)
        assert gl[i] == (hit[0] + 1 if hit.size else 3)
    with pytest.raises(TypeError, match="Expected decoder to be type Decoder"):
        tf.contrib.seq2seq.dynamic_decode(object())
    with pytest.raises(ValueError, match="Expected sequence_length to be a vector"):
        tf.contrib.seq2seq.TrainingHelper(tf.constant(x), tf.constant(3))


def test_round_is_half_to_even_and_keeps_integers_as_tf1():
    a = tf.constant([1, 2])
    assert tf.round(a) is a and tf.math.round(a) is a
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.round([0.5, 1.5, 2.5, -0.5, -1.5])),
                                      np.round([0.5, 1.5, 2.5, -0.5, -1.5]))


@pytest.mark.parametrize("kind", ["bahdanau", "bahdanau_normed", "luong_scaled"])
def test_attention_wrapper_decoding_matches_numpy(kind):
    rng = np.random.RandomState(5)
    mem = rng.randn(2, 4, 3).astype(np.float32)
    mlen = np.array([4, 2], np.int32)
    x = rng.randn(2, 3, 2).astype(np.float32)
    if kind.startswith("bahdanau"):
        mech = tf.contrib.seq2seq.BahdanauAttention(5, mem, memory_sequence_length=mlen,
                                                    normalize=kind.endswith("normed"))
    else:
        mech = tf.contrib.seq2seq.LuongAttention(6, mem, memory_sequence_length=mlen,
                                                 scale=True)
    cell = tf.contrib.seq2seq.AttentionWrapper(tf.nn.rnn_cell.BasicRNNCell(6), mech,
                                               attention_layer_size=4)
    helper = tf.contrib.seq2seq.TrainingHelper(x, np.array([3, 3], np.int32))
    dec = tf.contrib.seq2seq.BasicDecoder(cell, helper, cell.zero_state(2, tf.float32))
    out, state, _ = tf.contrib.seq2seq.dynamic_decode(dec)
    names = [v.op.name for v in tf.trainable_variables()]
    grads = tf.gradients(tf.reduce_sum(out.rnn_output), tf.trainable_variables())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w = dict(zip(names, sess.run(tf.trainable_variables())))
        got, align, gv = sess.run([out.rnn_output, state.alignments, grads])
    assert all(g is not None for g in gv)
    scope = "decoder/attention_wrapper/"
    masked = mem * (np.arange(4) < mlen[:, None])[..., None]
    keys = masked @ w["memory_layer/kernel"]
    h, att = np.zeros((2, 6)), np.zeros((2, 4))
    want = []
    for t in range(3):
        h = np.tanh(np.concatenate([x[:, t], att, h], 1) @ w[scope + "basic_rnn_cell/kernel"]
                    + w[scope + "basic_rnn_cell/bias"])
        if kind.startswith("bahdanau"):
            s = scope + "bahdanau_attention/"
            pq = (h @ w[s + "query_layer/kernel"])[:, None]
            v = w[s + "attention_v"]
            if kind.endswith("normed"):
                v = w[s + "attention_g"] * v / np.sqrt((v ** 2).sum())
                score = (v * np.tanh(keys + pq + w[s + "attention_b"])).sum(2)
            else:
                score = (v * np.tanh(keys + pq)).sum(2)
        else:
            score = w[scope + "luong_attention/attention_g"] * np.einsum("bd,btd->bt", h, keys)
        score = np.where(np.arange(4) < mlen[:, None], score, -np.inf)
        a = np.exp(score - score.max(1, keepdims=True))
        a /= a.sum(1, keepdims=True)
        context = np.einsum("bt,btd->bd", a, masked)
        att = np.concatenate([h, context], 1) @ w[scope + "attention_layer/kernel"]
        want.append(att)
    np.testing.assert_allclose(got, np.stack(want, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(align, a, rtol=1e-4, atol=1e-6)
    assert (align[1, 2:] == 0).all()                       # past memory_sequence_length


def test_attention_wrapper_errors_as_tf():
    mem = np.zeros((2, 4, 3), np.float32)
    mech = tf.contrib.seq2seq.LuongAttention(5, mem)
    cell = tf.contrib.seq2seq.AttentionWrapper(tf.nn.rnn_cell.BasicRNNCell(6), mech)
    with pytest.raises(TypeError, match="Expected state to be instance of "
                                        "AttentionWrapperState"):
        cell(tf.zeros([2, 2]), tf.zeros([2, 6]))
    with pytest.raises(ValueError, match="Incompatible or unknown inner dimensions between "
                                         "query and keys"):
        cell(tf.zeros([2, 2]), cell.zero_state(2, tf.float32))
    with pytest.raises(ValueError, match="memory must be \\[batch, max_time, depth\\]"):
        tf.contrib.seq2seq.BahdanauAttention(5, np.zeros((2, 3), np.float32))
    s = cell.zero_state(2, tf.float32)
    assert s.clone(time=tf.constant(3)).cell_state is s.cell_state
