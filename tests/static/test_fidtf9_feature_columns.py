"""tf.feature_column.embedding_column's ckpt_to_load_from / tensor_name_in_ckpt and
input_layer's trainable / weight_collections / cols_to_vars / cols_to_output_tensors, and the
tf.train.init_from_checkpoint they use, as TF 1.15 (all four were accepted and ignored: the
table started from its random initializer, and input_layer(trainable=False) trained it)."""
import numpy as np
import pytest

import dlcore_static as tf

TABLE = np.arange(12, dtype=np.float32).reshape(4, 3) / 10.0


def _checkpoint(tmp_path, name="old/emb", value=TABLE):
    with tf.Graph().as_default():
        v = tf.Variable(value, name=name)
        other = tf.Variable(np.float64(2.5), name="old/other")
        with tf.Session() as s:
            s.run([v.initializer, other.initializer])
            return tf.train.Saver().save(s, str(tmp_path / "model.ckpt"), global_step=3)


def _embedding_model(ckpt, tensor_name="old/emb", trainable=True, **kw):
    ids = tf.placeholder(tf.int64, [None])
    cat = tf.feature_column.categorical_column_with_identity("k", 4)
    emb = tf.feature_column.embedding_column(cat, 3, ckpt_to_load_from=ckpt,
                                             tensor_name_in_ckpt=tensor_name)
    out = tf.feature_column.input_layer({"k": ids}, [emb], trainable=trainable, **kw)
    return ids, emb, out


@pytest.mark.parametrize("from_dir", [False, True])
def test_the_embedding_table_is_initialized_from_the_checkpoint(tmp_path, from_dir):
    path = _checkpoint(tmp_path)
    with tf.Graph().as_default():
        ids, _emb, out = _embedding_model(str(tmp_path) if from_dir else path)
        (table,) = tf.trainable_variables()
        assert table.op.name == "input_layer/k_embedding/embedding_weights"
        loss = tf.reduce_sum(out * out)
        step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        feed = {ids: np.array([2, 0, 2])}
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(s.run(table), TABLE)
            np.testing.assert_array_equal(s.run(out, feed), TABLE[[2, 0, 2]])
            s.run(step, feed)
            want = TABLE.copy()
            want[2] -= 0.5 * 2 * 2 * TABLE[2]             # row 2 looked up twice
            want[0] -= 0.5 * 2 * TABLE[0]
            np.testing.assert_allclose(s.run(table), want, rtol=1e-6)


def test_embedding_column_checkpoint_errors(tmp_path):
    path = _checkpoint(tmp_path)
    cat = tf.feature_column.categorical_column_with_identity("k", 4)
    for kw in ({"ckpt_to_load_from": path}, {"tensor_name_in_ckpt": "old/emb"}):
        with pytest.raises(ValueError, match=r"^Must specify both `ckpt_to_load_from` and "
                           r"`tensor_name_in_ckpt` or none of them\.$"):
            tf.feature_column.embedding_column(cat, 3, **kw)
    with tf.Graph().as_default(), pytest.raises(ValueError, match=r"^Tensor nope is not found "
                                                r"in .*model\.ckpt-3 checkpoint \{"):
        _embedding_model(path, "nope")
    with tf.Graph().as_default():
        ids = tf.placeholder(tf.int64, [None])
        emb = tf.feature_column.embedding_column(cat, 5, ckpt_to_load_from=path,
                                                 tensor_name_in_ckpt="old/emb")
        with pytest.raises(ValueError, match=r"^Shape of variable input_layer/k_embedding/"
                           r"embedding_weights:0 \(\(4, 5\)\) doesn't match with shape of "
                           r"tensor old/emb \(\[4, 3\]\) from checkpoint reader\.$"):
            tf.feature_column.input_layer({"k": ids}, [emb])


def test_input_layer_trainable_and_its_collections_and_dicts():
    with tf.Graph().as_default():
        ids = tf.placeholder(tf.int64, [None])
        x = tf.placeholder(tf.float32, [None, 1])
        cat = tf.feature_column.categorical_column_with_identity("k", 4)
        emb = tf.feature_column.embedding_column(cat, 2)
        num = tf.feature_column.numeric_column("n")
        to_vars, to_out = {}, {}
        out = tf.feature_column.input_layer({"k": ids, "n": x}, [num, emb], trainable=False,
                                            weight_collections=["mine"], cols_to_vars=to_vars,
                                            cols_to_output_tensors=to_out)
        (table,) = tf.global_variables()
        assert tf.trainable_variables() == []
        assert tf.get_collection("mine") == [table]
        assert tf.get_collection(tf.GraphKeys.MODEL_VARIABLES) == [table]
        assert to_vars == {emb: [table], num: []}
        assert set(to_out) == {emb, num}
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            got, e, n = s.run([out, to_out[emb], to_out[num]],
                              {ids: [1, 3], x: [[5.0], [6.0]]})
            np.testing.assert_array_equal(got, np.concatenate([e, n], 1))   # name order
            np.testing.assert_array_equal(e, s.run(table)[[1, 3]])
        # a column made not trainable stays so under input_layer(trainable=True)
        frozen = tf.feature_column.embedding_column(
            tf.feature_column.categorical_column_with_identity("j", 3), 2, trainable=False)
        tf.feature_column.input_layer({"j": ids}, [frozen])
        assert tf.trainable_variables() == []


def test_init_from_checkpoint_by_variable_name_scope_and_partitions(tmp_path):
    path = _checkpoint(tmp_path)
    with tf.Graph().as_default():
        with tf.variable_scope("new"):
            a = tf.get_variable("emb", [4, 3], initializer=tf.zeros_initializer())
            b = tf.get_variable("other", [], dtype=tf.float64)
        plain = tf.Variable(np.zeros((4, 3), np.float32), name="plain")
        with tf.variable_scope("part"):
            p = tf.get_variable("emb", [4, 3], partitioner=tf.fixed_size_partitioner(2))
        tf.train.init_from_checkpoint(path, {"old/": "new/"})
        before = a.initializer
        with tf.variable_scope("new"):
            tf.get_variable("nope", [1])
        with pytest.raises(ValueError, match=r"^Tensor old/nope \(nope in old/\) is not found"):
            tf.train.init_from_checkpoint(path, {"old/": "new/"})
        assert a.initializer is before                  # nothing changed by the failed call
        tf.train.init_from_checkpoint(path, {"old/emb": plain})
        tf.train.init_from_checkpoint(path, {"old/emb": "part/emb"})
        with tf.Session() as s:
            s.run([v.initializer for v in tf.global_variables() if v.op.name != "new/nope"])
            np.testing.assert_array_equal(s.run(a), TABLE)
            assert s.run(b) == 2.5
            np.testing.assert_array_equal(s.run(plain), TABLE)
            np.testing.assert_array_equal(np.concatenate(s.run(list(p)), 0), TABLE)
        with pytest.raises(ValueError, match=r"^Assignment map with scope only name new should "
                           r"map to scope only old/emb\. Should be 'scope/': 'other_scope/'\.$"):
            tf.train.init_from_checkpoint(path, {"old/emb": "new/missing"})


def test_a_checkpoint_tensor_of_another_dtype_fails_when_the_initializer_runs(tmp_path):
    path = _checkpoint(tmp_path)
    with tf.Graph().as_default():
        v = tf.Variable(np.float32(0.0), name="v")
        tf.train.init_from_checkpoint(path, {"old/other": v})   # float64 in the file
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match=r"^tensor_name = old/other; expected "
                                              r"dtype float32 does not equal original dtype "
                                              r"float64"):
            s.run(v.initializer)
