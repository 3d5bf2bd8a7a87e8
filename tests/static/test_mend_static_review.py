"""The rv-static review's findings (session 17 mend round), each failing before its fix:
distinct seq2seq decoders / attention wrappers get their own variables (TF1's decoder,
decoder_1), tf.layers names made unique (memory_layer_1), ``trainable=False`` layers' weight
lists, TF1's get_global_step, the rank-free primitives registered on import, and
dynamic_decode's impute_finished zeros made inside the loop."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pytest

import dlcore_static as tf

s2s = tf.contrib.seq2seq
B, T, D, H, V = 3, 5, 4, 6, 7


def _decoder(inp, lens):
    cell = tf.nn.rnn_cell.BasicLSTMCell(H)
    proj = tf.layers.Dense(V, use_bias=False)
    dec = s2s.BasicDecoder(cell, s2s.TrainingHelper(inp, lens), cell.zero_state(B, tf.float32),
                           output_layer=proj)
    return s2s.dynamic_decode(dec, impute_finished=True), cell, proj


def _np_lstm_decode(x, lens, k, b, w):
    h = np.zeros((x.shape[0], H), np.float32)
    c = np.zeros_like(h)
    out = np.zeros((x.shape[0], x.shape[1], V), np.float32)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for t in range(x.shape[1]):
        z = np.concatenate([x[:, t], h], 1) @ k + b
        i, j, f, o = np.split(z, 4, 1)
        c2 = c * sig(f + 1.0) + sig(i) * np.tanh(j)
        h2 = np.tanh(c2) * sig(o)
        live = (t < lens)[:, None]
        out[:, t] = np.where(live, h2 @ w, 0)
        c, h = np.where(live, c2, c), np.where(live, h2, h)
    return out


def test_two_decoders_get_their_own_variables_and_values():
    inp = tf.placeholder(tf.float32, [B, T, D])
    lens = tf.placeholder(tf.int32, [B])
    (o1, _, l1), cell1, proj1 = _decoder(inp, lens)
    (o2, _, l2), cell2, proj2 = _decoder(inp, lens)
    names = [v.op.name for v in tf.trainable_variables()]
    assert names == ["decoder/basic_lstm_cell/kernel", "decoder/basic_lstm_cell/bias",
                     "decoder/dense/kernel", "decoder_1/basic_lstm_cell/kernel",
                     "decoder_1/basic_lstm_cell/bias", "decoder_1/dense/kernel"]
    x = np.random.RandomState(0).randn(B, T, D).astype(np.float32)
    ln = np.array([5, 2, 3], np.int32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r1, r2, w = sess.run([o1.rnn_output, o2.rnn_output, tf.trainable_variables()],
                             {inp: x, lens: ln})
    np.testing.assert_allclose(r1, _np_lstm_decode(x, ln, *w[:3]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(r2, _np_lstm_decode(x, ln, *w[3:]), rtol=1e-4, atol=1e-5)
    assert not np.allclose(r1, r2)


def test_impute_finished_zeros_do_not_read_the_probe_step():
    inp = tf.placeholder(tf.float32, [None, T, D])
    lens = tf.placeholder(tf.int32, [None])
    cell = tf.nn.rnn_cell.BasicLSTMCell(H)
    dec = s2s.BasicDecoder(cell, s2s.TrainingHelper(inp, lens),
                           cell.zero_state(tf.shape(inp)[0], tf.float32))
    s2s.dynamic_decode(dec, impute_finished=True)
    g = tf.get_default_graph()
    fills = [op for op in g.get_operations() if op.name.startswith("decoder/")
             and "zeros_like" in op.name and any("BasicDecoderStep" in i.name
                                                 for i in op.inputs)]
    assert fills and all(op.name.startswith("decoder/while/") for op in fills)
    assert all(i.name.startswith("decoder/while/") for op in fills for i in op.inputs)


def test_two_attention_wrappers_get_their_own_cells():
    mem = tf.placeholder(tf.float32, [2, 6, 4])
    x = tf.placeholder(tf.float32, [2, 3])
    with tf.variable_scope("a"):
        mech = s2s.LuongAttention(5, mem)
    cells = [s2s.AttentionWrapper(tf.nn.rnn_cell.BasicLSTMCell(5), mech) for _ in range(2)]
    for c in cells:
        st = c.zero_state(2, tf.float32)
        _, st = c(x, st)
        c(x, st)                            # a second call reuses the first one's variables
    assert [v.op.name for v in tf.trainable_variables()] == [
        "a/memory_layer/kernel", "attention_wrapper/basic_lstm_cell/kernel",
        "attention_wrapper/basic_lstm_cell/bias", "attention_wrapper_1/basic_lstm_cell/kernel",
        "attention_wrapper_1/basic_lstm_cell/bias"]


def test_bahdanau_wrapper_called_twice_reuses_attention_v():
    mem = tf.placeholder(tf.float32, [2, 6, 4])
    x = tf.placeholder(tf.float32, [2, 3])
    cell = s2s.AttentionWrapper(tf.nn.rnn_cell.BasicLSTMCell(5),
                                s2s.BahdanauAttention(5, mem, normalize=True))
    st = cell.zero_state(2, tf.float32)
    for _ in range(3):
        _, st = cell(x, st)
    names = [v.op.name for v in tf.trainable_variables()]
    assert sorted(n for n in names if "bahdanau" in n) == [
        "attention_wrapper/bahdanau_attention/attention_b",
        "attention_wrapper/bahdanau_attention/attention_g",
        "attention_wrapper/bahdanau_attention/attention_v",
        "attention_wrapper/bahdanau_attention/query_layer/kernel"]


def test_two_attention_mechanisms_in_one_scope_get_unique_memory_layers():
    mem = tf.placeholder(tf.float32, [2, 6, 4])
    s2s.BahdanauAttention(5, mem)
    s2s.LuongAttention(4, mem)
    assert [v.op.name for v in tf.trainable_variables()] == [
        "memory_layer/kernel", "memory_layer_1/kernel"]


def test_tf_layers_names_are_made_unique_as_tf1_and_reuse_still_shares():
    x = tf.placeholder(tf.float32, [2, 3])
    tf.layers.Dense(2, name="fc")(x)            # a layer object: its name made unique
    tf.layers.Dense(2, name="fc")(x)
    tf.layers.Conv1D(2, 1, name="fc")(tf.ones([1, 4, 3]))
    with tf.variable_scope("D"):
        tf.layers.dense(x, 2)
    with tf.variable_scope("D", reuse=True):
        tf.layers.dense(x, 2)
    tf.layers.dense(x, 2, name="fc", reuse=True)
    assert [v.op.name for v in tf.global_variables()] == [
        "fc/kernel", "fc/bias", "fc_1/kernel", "fc_1/bias", "fc_2/kernel", "fc_2/bias",
        "D/dense/kernel", "D/dense/bias"]
    # the functional form opens its name as given (TF1's _scope=name): a second one of the
    # same name without reuse is refused, and nothing is added
    with pytest.raises(ValueError, match=r"^Variable fc/kernel already exists, disallowed"):
        tf.layers.dense(x, 2, name="fc")
    with pytest.raises(ValueError, match=r"^Variable fc/kernel already exists, disallowed"):
        tf.layers.conv1d(tf.ones([1, 4, 3]), 2, 1, name="fc")
    assert len(tf.global_variables()) == 8


def test_reentering_a_captured_scope_restarts_its_default_names():
    with tf.variable_scope("outer") as vs:
        with tf.variable_scope(None, default_name="inner") as a:
            pass
    with tf.variable_scope(vs):
        with tf.variable_scope(None, default_name="inner") as b:
            pass
    assert a.name == b.name == "outer/inner"


@pytest.mark.parametrize("make", [
    lambda: tf.layers.Dense(3, trainable=False),
    lambda: tf.layers.Conv2D(3, 2, trainable=False),
    lambda: tf.layers.SeparableConv2D(3, 2, trainable=False),
])
def test_trainable_false_layer_lists_its_weights_as_non_trainable(make):
    layer = make()
    layer(tf.ones([1, 4, 4, 2]))
    assert layer.trainable_weights == [] and layer.trainable_variables == []
    assert len(layer.non_trainable_weights) >= 2
    assert layer.non_trainable_weights == layer.weights == layer.variables
    assert tf.trainable_variables() == []
    assert set(layer.weights) == set(tf.global_variables())


def test_trainable_layer_lists_its_weights_as_trainable():
    d = tf.layers.Dense(3)
    d(tf.ones([2, 4]))
    assert d.trainable_weights == [d.kernel, d.bias] == d.weights
    assert d.non_trainable_weights == []


def test_get_global_step_as_tf1_training_util(caplog):
    assert tf.train.get_global_step() is None
    t = tf.constant(3, name="global_step")       # any tensor named global_step:0
    assert tf.train.get_global_step() is t
    with tf.Graph().as_default():
        v = tf.Variable(0, name="global_step", trainable=False)
        assert tf.train.get_global_step() is v
        tf.add_to_collection("global_step", v)
        tf.add_to_collection("global_step", tf.Variable(1, name="other"))
        with caplog.at_level(logging.ERROR):
            assert tf.train.get_global_step() is None
        assert "Multiple tensors in global_step collection." in caplog.text
    with tf.Graph().as_default():
        tf.Variable([0, 1], name="global_step", trainable=False)
        with pytest.raises(TypeError, match=r'Existing "global_step" is not scalar: \(2,\)'):
            tf.train.get_global_step()
    with tf.Graph().as_default():
        tf.constant(1.5, name="global_step")
        with pytest.raises(TypeError, match='Existing "global_step" does not have integer'):
            tf.train.get_global_step()


def test_rank_free_primitives_registered_for_import_meta_graph_in_a_new_process(tmp_path):
    path = str(tmp_path / "r.meta")
    x = tf.placeholder(tf.float32, name="x")
    tf.identity(tf.transpose(x), name="y")
    tf.train.export_meta_graph(path)
    code = ("import numpy as np, dlcore_static as tf\n"
            f"tf.train.import_meta_graph({path!r})\n"
            "with tf.Session() as s:\n"
            "    print(s.run('y:0', {'x:0': np.arange(6.).reshape(2, 3)}).tolist())\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == str(np.arange(6.).reshape(2, 3).T.tolist())


def test_embedding_lookup_takes_a_tensor_max_norm():
    p = np.array([[3., 4.], [0., 0.], [0.3, 0.4]], np.float32)
    mn = tf.placeholder(tf.float32, [])
    e = tf.nn.embedding_lookup(tf.constant(p), [[0, 1], [2, 0]], max_norm=mn)
    e64 = tf.nn.embedding_lookup(tf.constant(p), [0, 2], max_norm=tf.constant(1.0, tf.float64))
    norms = np.linalg.norm(p, axis=1, keepdims=True)
    with tf.Session() as sess:
        for c in (1.0, 0.25):
            want = p * c / np.maximum(norms, c)
            np.testing.assert_allclose(sess.run(e, {mn: c}), want[[[0, 1], [2, 0]]], rtol=1e-6)
        np.testing.assert_allclose(sess.run(e64), (p * 1.0 / np.maximum(norms, 1.0))[[0, 2]],
                                   rtol=1e-6)
    assert e64.dtype == tf.float32


def test_one_hot_fed_depth_checks_first_and_names_its_nodes():
    depth = tf.placeholder(tf.int32, [])
    g = tf.get_default_graph()
    n0 = len(g.get_operations())
    with pytest.raises(TypeError, match="dtype <dtype: 'int32'> of on_value does not match "
                                        "dtype <dtype: 'float32'> of off_value"):
        tf.one_hot([0, 1], depth, on_value=1, off_value=0.0)
    with pytest.raises(ValueError, match="one_hot: Expected axis to be -1 or between"):
        tf.one_hot([0, 1], depth, axis=5)
    assert [op.name for op in g.get_operations()[n0:] if op.type == "Assert"] == []
    out = tf.one_hot([0, 2], depth, on_value=3, off_value=1)
    asserts = [op.name for op in g.get_operations() if op.type == "Assert"]
    assert asserts and all(a.startswith("one_hot") for a in asserts)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(out, {depth: 3}), [[3, 1, 1], [1, 1, 3]])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="depth must be non-negative, got: "):
            sess.run(out, {depth: -2})


@pytest.mark.parametrize("depth, err, words", [
    (lambda: tf.placeholder(tf.int64, []), TypeError,
     "Input 'depth' of 'OneHot' Op has type int64 that does not match expected type of int32."),
    (lambda: tf.placeholder(tf.uint8, []), TypeError,
     "Input 'depth' of 'OneHot' Op has type uint8 that does not match expected type of int32."),
    (lambda: tf.placeholder(tf.float32, []), TypeError,
     "Input 'depth' of 'OneHot' Op has type float32 that does not match expected type"),
    (lambda: 3.0, TypeError, "Expected int32, got 3.0 of type 'float' instead."),
    (lambda: tf.constant([2, 3]), ValueError, "one_hot: depth must be a scalar int32"),
])
def test_one_hot_depth_refusals_as_tf(depth, err, words):
    with pytest.raises(err, match="^" + words.replace("(", r"\(").replace(".", r"\.")):
        tf.one_hot([0, 1], depth())


def test_unsorted_segment_fed_negative_num_segments_is_refused():
    d = tf.placeholder(tf.float32, [None, 2])
    ids = tf.placeholder(tf.int32, [None])
    n = tf.placeholder(tf.int32, [])
    us = tf.math.unsorted_segment_sum(d, ids, n)
    um = tf.math.unsorted_segment_max(d, ids, n)
    with tf.Session() as sess:
        for t in (us, um):
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"^Input num_segments == -1 must not be negative\."):
                sess.run(t, {d: np.zeros((0, 2), np.float32), ids: [], n: -1})
        assert sess.run(us, {d: np.zeros((0, 2), np.float32), ids: [], n: 0}).shape == (0, 2)
        np.testing.assert_array_equal(
            sess.run(us, {d: np.ones((3, 2), np.float32), ids: [0, 2, 0], n: 3}),
            [[2, 2], [0, 0], [1, 1]])
    with pytest.raises(ValueError, match=r"num_segments == -2 must not be negative"):
        tf.math.unsorted_segment_sum(tf.ones([2]), [0, 0], -2)


def test_a_fused_loops_broadcast_error_keeps_tf_words_without_a_python_prefix():
    from dlcore_static._kernel_errors import tf_kernel_text
    from dlcore_static.compiler.run_time_broadcast import broadcast_error
    e = broadcast_error((3, 1), (4, 4), (4, 4))
    assert tf_kernel_text(e) == ("Incompatible shapes: [3,1] vs. [4,4] "
                                 "(a fused operand read as [4,4])")
    from dlcore_static.runtime import wrap_error
    x = tf.placeholder(tf.float32, name="xx")
    err = wrap_error(e, x.op)
    assert isinstance(err, tf.errors.InvalidArgumentError)
    assert str(err).startswith("Incompatible shapes: [3,1] vs. [4,4] (a fused operand")


def test_tensor_shape_of_a_scalar_is_one_dimension_as_tf():
    assert tf.TensorShape(5).as_list() == [5]
    assert tf.TensorShape(np.int64(4)).as_list() == [4]
    assert tf.TensorShape([None]).concatenate(5).as_list() == [None, 5]
    assert (tf.TensorShape([2]) + 3).as_list() == [2, 3]
    assert tf.TensorShape([None]).merge_with(7).as_list() == [7]
    assert tf.TensorShape(None).ndims is None
    with pytest.raises(ValueError, match="^A string has ambiguous TensorShape"):
        tf.TensorShape("ab")
    cell = tf.nn.rnn_cell.BasicLSTMCell(4)      # rnn_cell_impl._concat's idiom
    assert tf.TensorShape([None]).concatenate(cell.output_size).as_list() == [None, 4]


@pytest.mark.parametrize("v, plain", [
    (1, True), (1.0, True), (None, True), ("s", True), (np.dtype("float32"), True),
    ((1, None, ("s", 0, 2, None)), True), ((True,), False), ([2, 3], False),
    ((slice(0, 1),), False), (np.int64(3), False)])
def test_rule_key_one_and_several_parameters_agree_on_plain_values(v, plain):
    from dlcore.ops.elementwise import add_p
    from dlcore_static import frontend
    av = (tf.placeholder(tf.float32, [2]).aval,)
    one = frontend._rule_key(add_p, av, {"v": v})
    two = frontend._rule_key(add_p, av, {"w": 1, "v": v})
    assert (one is not None) == (two is not None) == plain
    if plain:
        assert one[2] == (("v", type(v), v),) and two[2][1] == ("v", type(v), v)


def test_check_numerics_host_op_reads_two_device_bools_not_the_tensor():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.check_numerics(x * 2, "bad x")
    with tf.name_scope("s"):
        z = tf.check_numerics(x, "again", name="mine")
    g = tf.get_default_graph()
    hosts = [op for op in g.get_operations() if op.type == "CheckNumericsHost"]
    assert [op.name for op in hosts] == ["CheckNumerics", "s/mine"]
    for op in hosts:
        assert [(i.dtype, i.shape.as_list()) for i in op.inputs] == [(tf.bool, [])] * 2
    assert y.op.name == "CheckNumerics/Identity" and z.op.name == "s/mine/Identity"
    gx, = tf.gradients(tf.reduce_sum(y * y), x)
    xv = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    with tf.Session() as sess:
        out, grad = sess.run([y, gx], {x: xv})
        np.testing.assert_array_equal(out, 2 * xv)
        np.testing.assert_allclose(grad, 8 * xv)
        assert sess.run(z, {x: np.zeros((0, 3), np.float32)}).shape == (0, 3)
        for v, what in (([[1, np.nan, 3]], "NaN"), ([[np.inf, 1, 1]], "Inf"),
                        ([[np.nan, -np.inf, 0]], "Inf and NaN")):
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"^again : Tensor had {what} values\n.*node s/mine "):
                sess.run(z, {x: np.array(v, np.float32)})


@pytest.mark.parametrize("out_type", [tf.int32, tf.int64])
def test_reshape_to_a_shape_tensor_of_either_int_type_keeps_its_known_dims(out_type):
    a = tf.placeholder(tf.float32, [None])
    b = tf.placeholder(tf.float32, [None, None, 3])
    r = tf.reshape(a, tf.shape(b, out_type=out_type))
    assert r.shape.as_list() == [None, None, 3]
    g, = tf.gradients(tf.reduce_sum(r * r), a)
    with tf.Session() as sess:
        out, grad = sess.run([r, g], {a: np.arange(6.), b: np.zeros((1, 2, 3))})
        np.testing.assert_array_equal(out, np.arange(6.).reshape(1, 2, 3))
        np.testing.assert_array_equal(grad, 2 * np.arange(6.))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^Input to reshape is a tensor with 7 values, but the "
                                 r"requested shape has 6\n"):
            sess.run(r, {a: np.arange(7.), b: np.zeros((1, 2, 3))})
    x = tf.placeholder(tf.float32, [None])
    m = tf.placeholder(tf.int32, [])
    r2 = tf.reshape(x, [-1, m])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^Input to reshape is a tensor with 7 values, but the "
                                 r"requested shape requires a multiple of 3\n"):
            sess.run(r2, {x: np.arange(7.), m: 3})
