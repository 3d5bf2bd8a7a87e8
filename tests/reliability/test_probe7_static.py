"""Probe 7, static front end: TF1 names and values that differed (helper-D7).

* ``tf.summary.*`` inside ``name_scope("Model")`` named its op ``Model/Model/x``: TF1's
  ``summary_scope`` opens a name scope ``x`` under the current one, names the op that scope and
  uses it as the tag (``Model/x``); a name already used gets ``_1`` (tag and op alike).
* ``tf.matrix_diag`` (and the eager ``diag_embed``) multiplied by an identity matrix, so an
  inf on the diagonal put NaN beside it (inf * 0); TF and PyTorch give zeros.
"""

import numpy as np
import pytest

import dlcore_static as tf


def test_summary_names_follow_tf1_summary_scope():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
        with tf.name_scope("Model"):
            s = tf.summary.scalar("x", x)
            h = tf.summary.histogram("h", x)
            with tf.name_scope("inner"):
                s2 = tf.summary.scalar("y", x)
        fam = tf.summary.scalar("f", x, family="grp")
        tf.identity(x, name="z")
        s3 = tf.summary.scalar("z", x)            # 'z' is taken by the identity: z_1
        with tf.Session() as sess:
            pb = sess.run(tf.summary.merge([s, h, s2, fam, s3]))
    assert [s.name, h.name, s2.name, s3.name] == ["Model/x:0", "Model/h:0",
                                                    "Model/inner/y:0", "z_1:0"]
    assert fam.name == "grp/f:0"
    for tag in (b"Model/x", b"Model/h", b"Model/inner/y", b"grp/grp/f", b"z_1"):
        assert tag in pb


def test_matrix_diag_keeps_inf_alone_on_the_diagonal():
    v = np.array([[np.inf, 1.0, 2.0], [3.0, -np.inf, 5.0]], np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    d = tf.matrix_diag(x)
    assert d.shape.as_list() == [None, 3, 3]
    grad = tf.gradients(tf.reduce_sum(d * tf.constant(np.arange(9.0, dtype=np.float32)
                                                       .reshape(3, 3))), x)[0]
    with tf.Session() as sess:
        out, gv = sess.run([d, grad], {x: v})
    want = np.zeros((2, 3, 3), np.float32)
    want[:, [0, 1, 2], [0, 1, 2]] = v
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(gv, [[0.0, 4.0, 8.0]] * 2)


def test_eager_diag_embed_values_and_dims_as_torch():
    torch = pytest.importorskip("torch")
    import dlcore_eager as dt
    x = np.array([[np.inf, 1.0, 2.0], [3.0, np.nan, 5.0]])
    for off, d1, d2 in [(0, -2, -1), (1, 0, 2), (-2, -1, 0)]:
        want = torch.diag_embed(torch.from_numpy(x), off, d1, d2).numpy()
        np.testing.assert_array_equal(dt.diag_embed(dt.tensor(x), off, d1, d2).numpy(), want)
    assert dt.diag_embed(dt.ones(2, 0, dtype=dt.int64), 2).shape == (2, 2, 2)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                       r"of \[-2, 1\], but got 2\)"):
        dt.diag_embed(dt.ones(3), 1, 0, 2)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 0, 0"):
        dt.diag_embed(dt.ones(3), 0, 0, 0)


def test_eager_diag_embed_on_cuda_stays_on_cuda():
    """It built a host selection matrix, so a CUDA input failed ('cuda:0 and cpu')."""
    import dlcore_eager as dt
    x = dt.tensor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)).cuda().requires_grad_(True)
    y = dt.diag_embed(x, 1)
    assert y.device.type == "cuda" and y.shape == (2, 3, 3)
    y.sum().backward()
    assert x.grad.device.type == "cuda"
    want = np.zeros((2, 3, 3), np.float32)
    want[:, [0, 1], [1, 2]] = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(y.detach().cpu().numpy(), want)
    np.testing.assert_array_equal(x.grad.cpu().numpy(), np.ones((2, 2)))


def test_a_python_number_takes_the_dtype_of_numpy_data_beside_it():
    """With no tensor among the operands, a Python number became an int64 Const, so
    ``tf.equal(int32_array, 5)`` and ``tf.pow(int32_array, 2)`` raised a TypeError where TF1
    converts the number with the array's dtype."""
    a = np.array([1, 5], np.int32)
    with tf.Graph().as_default(), tf.Session() as sess:
        eq, pw, rev = tf.equal(a, 5), tf.pow(a, 2), tf.equal(5, a)
        assert pw.dtype == tf.int32 and eq.dtype == tf.bool
        out = sess.run([eq, pw, rev])
    np.testing.assert_array_equal(out[0], [False, True])
    np.testing.assert_array_equal(out[1], np.array([1, 25], np.int32))
    np.testing.assert_array_equal(out[2], [False, True])
