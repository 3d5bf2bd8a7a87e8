"""tf.GraphDef, Graph.as_graph_def, tf.import_graph_def and tf.graph_util (TF 1.15's names,
values against NumPy, errors by type and message)."""

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.graph_def import DecodeError

W = np.arange(6, dtype=np.float32).reshape(3, 2) - 2.0
B = np.array([0.5, -0.5], np.float32)
X = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)


def _ref(x):
    return np.maximum(x @ W + B, 0)


def _trained():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        w = tf.Variable(W, name="w")
        b = tf.Variable(B, name="b")
        tf.nn.relu(tf.matmul(x, w) + b, name="output")
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w))
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
    return g, sess


def test_freeze_serialize_parse_import_by_names():
    g, sess = _trained()
    frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["output"])
    assert [(n.name, n.op) for n in frozen.node] == [
        ("x", "Placeholder"), ("w", "Const"), ("w/read", "Identity"), ("b", "Const"),
        ("b/read", "Identity"), ("MatMul", "MatMul"), ("add", "Add"), ("output", "Relu")]
    assert frozen.node[6].input == ["MatMul", "b/read"]
    data = frozen.SerializeToString()
    assert isinstance(data, bytes)
    gd = tf.GraphDef()
    assert gd.ParseFromString(data) == len(data)
    with tf.Graph().as_default() as g2:
        assert tf.import_graph_def(gd, name="prefix") is None
        assert tf.global_variables() == []
        y = g2.get_tensor_by_name("prefix/output:0")
        with tf.Session(graph=g2) as s:
            got = s.run(y, {"prefix/x:0": X})
    np.testing.assert_allclose(got, _ref(X), rtol=1e-6)


def test_default_scope_is_import_and_unique_and_empty_name():
    _g, sess = _trained()
    gd = tf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["output"])
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(gd)
        tf.import_graph_def(gd)
        tf.import_graph_def(gd, name="")
        names = {op.name for op in g2.get_operations()}
    assert {"import/output", "import_1/output", "output"} <= names


def test_input_map_and_return_elements():
    g, sess = _trained()
    gd = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["output"])
    with tf.Graph().as_default():
        z = tf.constant(X[:1] * 3)
        out, op = tf.import_graph_def(gd, input_map={"x:0": z},
                                      return_elements=["output:0", "MatMul"], name="m")
        assert out.name == "m/output:0" and isinstance(op, tf.Operation)
        assert op.name == "m/MatMul"
        np.testing.assert_allclose(tf.Session().run(out), _ref(X[:1] * 3), rtol=1e-6)


def test_import_errors_leave_graph_unchanged():
    g, sess = _trained()
    gd = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["output"])
    with tf.Graph().as_default() as g2:
        z = tf.constant(np.zeros((2, 3), np.int32))
        n = len(g2.get_operations())
        with pytest.raises(ValueError, match=r"Attempted to map inputs that were not found "
                                             r"in graph_def: \[nope:0\]"):
            tf.import_graph_def(gd, input_map={"nope": z})
        with pytest.raises(ValueError, match="incompatible with expected float32"):
            tf.import_graph_def(gd, input_map={"x:0": z})
        with pytest.raises(ValueError, match="Requested return_element 'zz:0' not found"):
            tf.import_graph_def(gd, return_elements=["zz:0"])
        with pytest.raises(TypeError, match="graph_def must be a GraphDef proto"):
            tf.import_graph_def({"ops": []})
        assert len(g2.get_operations()) == n


def test_parse_rejects_other_bytes_and_keeps_state():
    gd = tf.GraphDef()
    with pytest.raises(DecodeError, match="TensorFlow's protobuf GraphDef .* cannot be read"):
        gd.ParseFromString(b"\x0a\x13\x0a\x01x\x12\x0bPlaceholder")   # a real TF GraphDef
    with pytest.raises(DecodeError, match="cannot read the serialized GraphDef: .* not an npz"):
        gd.ParseFromString(b"PK\x03\x04garbage")
    assert issubclass(DecodeError, ValueError)
    assert gd.node == []
    with pytest.raises(TypeError, match="expects bytes"):
        gd.ParseFromString("text")


def test_unfrozen_graph_def_round_trip_keeps_variables_runnable():
    g, _sess = _trained()
    gd = tf.GraphDef()
    gd.ParseFromString(g.as_graph_def().SerializeToString())
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(gd, name="")
        w = g2.get_tensor_by_name("w/read:0")
        with tf.Session() as s:
            s.run(g2.get_operation_by_name("w/Assign"))
            np.testing.assert_array_equal(s.run(w), W)


def test_extract_sub_graph_and_errors():
    g, _ = _trained()
    gd = g.as_graph_def()
    sub = tf.graph_util.extract_sub_graph(gd, ["MatMul"])
    names = [n.name for n in sub.node]
    assert names[0] == "x" and names[-1] == "MatMul" and "add" not in names
    assert "b" not in names and "w" in names
    with pytest.raises(AssertionError, match="missing is not in graph"):
        tf.graph_util.extract_sub_graph(gd, ["missing"])
    with pytest.raises(TypeError, match="dest_nodes must be a list"):
        tf.graph_util.extract_sub_graph(gd, "MatMul")
    assert tf.compat.v1.graph_util.extract_sub_graph is tf.graph_util.extract_sub_graph


def test_freeze_uninitialized_and_whitelist():
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(2.0, name="a")
        c = tf.Variable(3.0, name="c")
        tf.multiply(a, c, name="out")
        with tf.Session() as s:
            with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized"):
                tf.graph_util.convert_variables_to_constants(s, g.as_graph_def(), ["out"])
            s.run(tf.global_variables_initializer())
            gd = tf.graph_util.convert_variables_to_constants(
                s, g.as_graph_def(), ["out"], variable_names_whitelist=["a"])
    assert {n.name: n.op for n in gd.node}["a"] == "Const"
    assert {n.name: n.op for n in gd.node}["c"] == "VariableV2"


def test_remove_training_nodes_splices_identities():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        i = tf.identity(x, name="id")
        tf.multiply(tf.identity(i, name="id2"), 2.0, name="out")
    out = tf.graph_util.remove_training_nodes(g.as_graph_def())
    assert [(n.name, n.input) for n in out.node if n.op != "Const"] == [
        ("x", []), ("out", ["x", "Const"])]
    kept = tf.graph_util.remove_training_nodes(g.as_graph_def(), protected_nodes=["id2"])
    assert {n.name: n.input for n in kept.node}["id2"] == ["x"]
    with tf.Graph().as_default():
        tf.import_graph_def(out, name="")
        got = tf.Session().run("out:0", {"x:0": np.array([1, 2], np.float32)})
    np.testing.assert_array_equal(got, [2, 4])


def test_write_graph_binary_and_text(tmp_path):
    g, _ = _trained()
    path = tf.train.write_graph(g, str(tmp_path), "g.pb", as_text=False)
    assert path == str(tmp_path / "g.pb")
    with tf.gfile.GFile(path, "rb") as f:
        gd = tf.GraphDef()
        gd.ParseFromString(f.read())
    assert [n.name for n in gd.node] == [n.name for n in g.as_graph_def().node]
    txt = tf.io.write_graph(g.as_graph_def(), str(tmp_path), "g.pbtxt")
    with open(txt) as f:
        assert '"name": "output"' in f.read()
    with pytest.raises(TypeError, match="Graph or a GraphDef"):
        tf.train.write_graph(3, str(tmp_path), "x")


def test_node_device_is_writable():
    g = tf.Graph()
    with g.as_default(), tf.device("/cpu:0"):
        tf.constant(1.0, name="c")
    gd = g.as_graph_def()
    assert gd.node[0].device == "/device:CPU:0"
    gd.node[0].device = ""
    assert gd.node[0].device == ""
    gd.node[0].device = "/job:worker/device:CPU:0"
    assert gd.node[0].device == "/device:CPU:0"
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(gd, name="")
        assert str(g2.get_operation_by_name("c").device) == "cpu"


def test_node_input_edits_are_written_back():
    """Review rv19 F5: TF programs edit a GraphDef's node inputs in place."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        m = x * 2.0
        tf.add(x, 1.0, name="add")
        tf.identity(m, name="y")
    gd = g.as_graph_def()
    node = next(n for n in gd.node if n.name == "y")
    assert node.input == ["mul"]
    for index in range(len(node.input)):
        if "mul" in node.input[index]:
            node.input[index] = "add"
    assert node.input == ["add"]
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")
        got = tf.Session().run("y:0", {"x:0": np.array([1.0, 2.0], np.float32)})
    np.testing.assert_array_equal(got, [2.0, 3.0])
    with pytest.raises(ValueError, match="input 'nope' names no node output"):
        node.input[0] = "nope"
    assert node.input == ["add"]
    del node.input[0]
    node.input.append("x")
    node.input.append("^add")
    assert node.input == ["x", "^add"]
    with pytest.raises(NotImplementedError, match="from 'Identity' to 'Switch'"):
        node.op = "Switch"
    with pytest.raises(ValueError, match="already has a node named 'x'"):
        node.name = "x"
    node.name = "y2"
    assert gd.node[-1].name == "y2"


def test_remove_training_nodes_drops_check_numerics_as_tf():
    """Review rv19 F7: the check goes as a whole (TF's one CheckNumerics node)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        h = tf.identity(x)
        out = tf.identity(h * 2.0, name="output")
        c = tf.check_numerics(out, "bad", name="chk")
        tf.identity(c + 1.0, name="z")
    r = tf.graph_util.remove_training_nodes(g.as_graph_def())
    assert [(n.name, n.op, n.input) for n in r.node] == [
        ("x", "Placeholder", []), ("Const", "Const", []), ("mul", "Mul", ["x", "Const"]),
        ("Const_1", "Const", []), ("add", "Add", ["mul", "Const_1"])]
    kept = tf.graph_util.remove_training_nodes(g.as_graph_def(), protected_nodes=["chk"])
    assert "chk" in [n.name for n in kept.node]
    with tf.Graph().as_default():
        tf.import_graph_def(r, name="")
        got = tf.Session().run("add:0", {"x:0": np.array([1.0, 2.0], np.float32)})
    np.testing.assert_array_equal(got, [3.0, 5.0])
