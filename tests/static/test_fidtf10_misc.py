"""Smaller TF 1.15 fidelity fixes met by the fidtf10 programs: Saver.restore(sess, None) (what
tf.train.latest_checkpoint gives for a directory without a checkpoint) is TF's ValueError (dlcore
raised NotFoundError for the first variable); a graph file keeps uint16 tensors and tf.string
constants (export_meta_graph refused string constants)."""
import numpy as np
import pytest

import dlcore_static as tf


def test_restore_of_no_checkpoint_is_tfs_value_error(tmp_path):
    with tf.Graph().as_default():
        v = tf.Variable(1.0)
        saver = tf.train.Saver()
        assert tf.train.latest_checkpoint(str(tmp_path)) is None
        with tf.Session() as s:
            with pytest.raises(ValueError, match=r"^Can't load save_path when it is None\.$"):
                saver.restore(s, tf.train.latest_checkpoint(str(tmp_path)))
            assert s.variables.get(v.op) is None


def test_meta_graph_round_trip_of_uint16_and_string_constants(tmp_path):
    path = str(tmp_path / "m.meta")
    with tf.Graph().as_default():
        names = tf.constant([[b"a", b"\xfe"], [b"", b"xyz"]], name="names")
        tf.strings.length(names, name="lengths")
        tf.cast(tf.constant([1.9, -1.0]), tf.uint16, name="u16")
        tf.train.export_meta_graph(path)
    with tf.Graph().as_default():
        tf.train.import_meta_graph(path)
        with tf.Session() as s:
            got_names, lengths, u16 = s.run(["names:0", "lengths:0", "u16:0"])
    assert got_names.tolist() == [[b"a", b"\xfe"], [b"", b"xyz"]]
    assert lengths.tolist() == [[1, 1], [0, 3]]
    assert u16.dtype == np.uint16 and u16.tolist() == [1, 65535]


def test_meta_graph_of_ops_on_an_unknown_rank_placeholder(tmp_path):
    # (reliab21's report: import_meta_graph re-ran the shape rule on the 0-d stand-in and
    # refused 'sh': stored output [?] int32 does not match [0] int32)
    path = str(tmp_path / "m.meta")
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, None, name="ph")
        tf.shape(p, name="sh")
        tf.identity(p * 2.0, name="q")
        v = tf.Variable([1.0, 2.0], name="v")
        lr = tf.placeholder(tf.float32, None, name="lr")
        tf.assign(v, v - lr * v, name="up")
        tf.train.export_meta_graph(path)
    with tf.Graph().as_default() as g:
        tf.train.import_meta_graph(path)
        assert g.get_tensor_by_name("sh:0").shape.as_list() == [None]
        assert g.get_tensor_by_name("q:0").shape.ndims is None
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            sh, q = s.run(["sh:0", "q:0"], {"ph:0": np.ones((2, 3))})
            assert sh.tolist() == [2, 3] and q.tolist() == [[2.0] * 3] * 2
            assert s.run("up:0", {"lr:0": 0.5}).tolist() == [0.5, 1.0]
