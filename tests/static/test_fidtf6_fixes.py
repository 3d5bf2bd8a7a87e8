"""Library fixes found by the fidtf6 TF1 programs (tests/programs/static/test_programs_fidtf6.py),
one focused test each, against TensorFlow 1's behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


# -- convolutions check their operands' dtypes (Hvass 15's float64 filters next to float32 images)
@pytest.mark.parametrize("make, message", [
    (lambda x, w: tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"),
     ("Input 'filter' of 'Conv2D' Op has type float64 that does not match type float32 of "
      "argument 'input'.")),
    (lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
     ("Input 'filter' of 'DepthwiseConv2dNative' Op has type float64 that does not match "
      "type float32 of argument 'input'.")),
    (lambda x, w: tf.nn.conv2d_transpose(x, w, [1, 4, 4, 3], [1, 1, 1, 1]),
     ("Input 'out_backprop' of 'Conv2DBackpropInput' Op has type float32 that does not "
      "match type float64 of argument 'filter'.")),
])
def test_conv_mixed_dtypes_are_tf_type_errors(make, message):
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    w = tf.constant(np.ones((3, 3, 3, 3)))                       # float64
    before = len(tf.get_default_graph().get_operations())
    with pytest.raises(TypeError) as e:
        make(x, w)
    assert str(e.value) == message
    assert len(tf.get_default_graph().get_operations()) == before   # nothing built


def test_conv1d_variable_filter_of_other_dtype():
    x = tf.placeholder(tf.float32, [None, 5, 2])
    w = tf.Variable(np.ones((3, 2, 4)))
    with pytest.raises(TypeError, match="Input 'filter' of 'Conv2D' Op has type float64"):
        tf.nn.conv1d(x, w, 1, "SAME")


def test_conv2d_numpy_filter_takes_the_input_dtype():
    x = tf.placeholder(tf.float32, [1, 3, 3, 1])
    w = np.arange(4.0).reshape(2, 2, 1, 1)                        # float64 data
    y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID")
    assert y.dtype == tf.float32
    xv = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    with tf.Session() as s:
        got = s.run(y, {x: xv})
    ref = np.array([[xv[0, i:i + 2, j:j + 2, 0].ravel() @ w.ravel() for j in range(2)]
                    for i in range(2)])
    np.testing.assert_allclose(got[0, :, :, 0], ref, rtol=1e-6)


# -- auto-packing: a list holding tensors converts to a Pack (Hvass 15: tf.reduce_mean(losses))
def test_list_of_tensors_autopacks_as_tf1():
    a, b = tf.constant(1.0), tf.constant(2.0)
    p = tf.convert_to_tensor([[a, 3.0], [4.0, b]])
    assert p.name == "packed:0" and p.dtype == tf.float32 and p.shape.as_list() == [2, 2]
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names[2:] == ["packed/0/1", "packed/0", "packed/1/0", "packed/1", "packed"]
    m = tf.reduce_mean([a, b, tf.square(b)])
    v = tf.Variable(5.0)
    r = tf.reshape([v, a], [2, 1])
    with tf.Session() as s:
        s.run(v.initializer)
        got_p, got_m, got_r = s.run([p, m, r])
    np.testing.assert_array_equal(got_p, [[1, 3], [4, 2]])
    assert got_m == pytest.approx(7 / 3)
    np.testing.assert_array_equal(got_r, [[5], [1]])


def test_autopack_dtype_mismatch_is_tf_type_error():
    # tensors of two dtypes and no dtype=: TF 1.15's TypeError (with dtype=, TF casts them:
    # test_mendstatic2)
    a = tf.constant(1.0)
    b = tf.constant(2, tf.int32)
    with pytest.raises(TypeError, match=r"Cannot convert a list containing a tensor of dtype "
                                        r"<dtype: 'int32'> to <dtype: 'float32'> \(Tensor is: "):
        tf.convert_to_tensor([a, b])
    assert tf.convert_to_tensor([a, 2], dtype=tf.int32).dtype == tf.int32
    assert tf.convert_to_tensor([1, 2]).op.type == "Const"          # plain data: a constant


# -- InteractiveSession(graph=g) makes g the default graph until close (Hvass 15)
def test_interactive_session_with_graph_is_default_until_close():
    outer = tf.get_default_graph()
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [], name="x")
    sess = tf.InteractiveSession(graph=g)
    try:
        assert tf.get_default_graph() is g
        v = tf.Variable(2.0, name="v")
        y = v.assign(x * v)
        assert y.graph is g
        sess.run(v.initializer)
        assert sess.run(y, {"x:0": 3.0}) == 6.0
    finally:
        sess.close()
    assert tf.get_default_graph() is outer
    plain = tf.InteractiveSession()           # no graph given: the default stays the same
    try:
        assert tf.get_default_graph() is outer
    finally:
        plain.close()


# -- tf.device with a device function; op.node_def; soft placement without CUDA
def test_device_function_places_each_op():
    seen = []

    def assign_to_device(op):
        node_def = op if isinstance(op, tf.NodeDef) else op.node_def
        seen.append(node_def.op)
        return "/cpu:0" if node_def.op in ("Variable", "VariableV2") else "/gpu:1"

    x = tf.placeholder(tf.float32, [None, 3])
    with tf.device("/cpu:0"):
        with tf.device(assign_to_device):
            w = tf.get_variable("w", [3, 2])
            y = tf.matmul(x, w)
            with tf.device(lambda op: None):           # None: the scope outside decides
                z = tf.nn.relu(y)
        after = tf.add(z, 1.0)
    assert "VariableV2" in seen and "MatMul" in seen
    assert str(w.op.device) == "cpu" and str(y.op.device) == "cuda:1"
    assert str(z.op.device) == "cuda:1" and str(after.op.device) == "cpu"
    nd = y.op.node_def
    assert (nd.name, nd.op, nd.device) == ("MatMul", "MatMul", "/device:GPU:1")
    assert nd.input == ["Placeholder", "w/read"] and not isinstance(y.op, tf.NodeDef)


def test_device_names_of_jobs_and_tasks():
    with tf.device("/job:localhost/replica:0/task:0/device:CPU:0"):
        a = tf.constant(1.0)
    with tf.device("/job:ps/task:0"):
        b = tf.constant(2.0)
    assert str(a.op.device) == "cpu" and b.op.device is None
    with pytest.raises(Exception, match="device type at start of device string: tpu"), \
            tf.device("/tpu:0"):
        pass


def test_soft_placement_runs_gpu_ops_on_the_cpu(monkeypatch):
    import dlcore.device
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # a machine without CUDA
    x = tf.placeholder(tf.float32, [2, 2])
    with tf.device("/gpu:0"):
        v = tf.Variable(np.eye(2, dtype=np.float32))
        y = tf.matmul(x, v) + tf.random_uniform([2, 2], 0.0, 0.0)
        train = tf.assign_add(v, y)
    xv = np.array([[1, 2], [3, 4]], np.float32)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
        s.run(v.initializer)
        for _ in range(3):                             # (the compiled plan too)
            got = s.run(y, {x: xv})
            np.testing.assert_allclose(got, xv @ s.run(v))
        s.run(train, {x: xv})
        np.testing.assert_allclose(s.run(v), np.eye(2) + xv)
    # (TF 1.15's placer error, not dlcore's 'CUDA is not available' RuntimeError: fidtf9)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=False)) as s, \
            pytest.raises(tf.errors.InvalidArgumentError, match="^Cannot assign a device for "
                          "operation Variable: node Variable .* was explicitly assigned to "
                          "/device:GPU:0 but available devices are"):
        s.run(v.initializer)
