"""Smaller TF 1.15 fidelity fixes met by the fidtf10 programs: Saver.restore(sess, None) (what
tf.train.latest_checkpoint gives for a directory without a checkpoint) is TF's ValueError (dlcore
raised NotFoundError for the first variable); a graph file keeps uint16 tensors and tf.string
constants (export_meta_graph refused string constants)."""
import os

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


def test_assert_messages_as_tf_1_15_formats_them():
    # AssertOp: each datum's SummarizeValue in brackets, one space between (dlcore joined
    # them with newlines and printed 'x (name: ...)', floats as -1.0 and strings as b'..')
    x = tf.placeholder(tf.float32, [None])
    a = tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x, tf.constant([b"ab"]),
                                         x * 0.1], summarize=2)
    with tf.control_dependencies([a]):
        y = tf.identity(x)
    c1, c2 = tf.constant([1, 2], name="c1"), tf.constant([1, 3], name="c2")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[x must be positive:\] \[-1 2\.\.\.\] "
                                 r"\[ab\] \[-0\.1 0\.2\.\.\.\]\n"):
            s.run(y, {x: [-1.0, 2.0, 3.0]})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[\] \[Condition x == y did not hold "
                                 r"element-wise:\] \[x \(c1:0\) = \] \[1 2\] \[y \(c2:0\) = \] "
                                 r"\[1 3\]\n"):
            s.run(tf.assert_equal(c1, c2))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[x is bad\] \[Condition x > 0 did not "
                                 r"hold element-wise:\] \[x \(sub:0\) = \] \[-1 0\]"):
            s.run(tf.assert_positive(c1 - 2, message="x is bad"))


def test_matching_files_and_dataset_list_files(tmp_path):
    for n in ("b.png", "a.png", "c.txt"):
        (tmp_path / n).write_bytes(b"x")
    pattern = str(tmp_path / "*.png")
    listed = tf.data.Dataset.list_files(pattern, shuffle=False)
    nxt = listed.make_one_shot_iterator().get_next()
    shuffled = tf.data.Dataset.list_files([pattern, str(tmp_path / "*.txt")], seed=4)
    snxt = shuffled.make_one_shot_iterator().get_next()
    none = tf.data.Dataset.list_files(str(tmp_path / "*.gif")).make_one_shot_iterator()
    with tf.Session() as s:
        found = s.run(tf.io.matching_files([pattern, str(tmp_path / "?.txt")]))
        assert [os.path.basename(f) for f in found.tolist()] == [b"a.png", b"b.png", b"c.txt"]
        assert [s.run(nxt) for _ in range(2)] == [str(tmp_path / n).encode() for n in
                                                  ("a.png", "b.png")]
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(nxt)
        assert sorted(s.run(snxt) for _ in range(3)) == sorted(found.tolist())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[No files matched pattern: .*\*\.gif\]"):
            s.run(none.get_next())


def test_resize_images_of_decode_image_has_no_shape_as_tf_1_15():
    # TF 1.15's decode_image has no static rank: resize_images refuses it at build time (the
    # classic fix: expand_animations=False, or image.set_shape([None, None, 3]))
    img = tf.image.decode_image(tf.constant(b"\x89PNG"))
    with pytest.raises(ValueError, match=r"^'images' contains no shape\.$"):
        tf.image.resize_images(img, [4, 4])
    img.set_shape([None, None, 3])
    assert tf.image.resize_images(img, [4, 4]).shape.as_list() == [4, 4, 3]
