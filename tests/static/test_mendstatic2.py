"""Session 18 review mends (rv-static F1-F7), each against TensorFlow 1.15's behaviour.

* A fetched variable read is the variable's value at the end of a run that writes state (TF1's
  ref buffer), unless it was fed: then it is the fed value; ``tf.identity(v)`` and
  ``tf.stop_gradient(v)`` are such reads too (``v.read_value()`` *is* ``identity(v)``).
* Soft placement covers ``Variable.load`` and ``Saver.restore``.
* ``tf.device`` scopes resolve per op as ``Graph._apply_device_functions``: innermost first, a
  name merges into the op's device (its own fields win), a function's result replaces it (the
  function sees ``op.device``), '' is skipped, None stops the walk.
* Auto-packing with ``dtype=`` casts tensors of another dtype (``_cast_nested_seqs_to_dtype``);
  TF's error text and constant names.
* ``tf.get_default_session()`` is None without a default Session.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _dev(t) -> str | None:
    d = t.op.device
    return None if d is None else str(d)


# --- F1, F7: fetched variable reads in a run that assigns ----------------------------------
def test_fed_variable_read_is_the_fed_value_in_an_assigning_run():
    v = tf.Variable(1.0, name="v")
    w = tf.Variable(10.0, name="w")
    w_inc = tf.assign_add(w, 1.0)
    r = v.value()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    for _ in range(3):                         # (under 'passes': the compiled plans too)
        got = s.run([w_inc, v, v * 3.0], {v: 7.0})
        assert got[1:] == [7.0, 21.0]
        assert s.run([w_inc, r], {r: 5.0})[1] == 5.0
        assert s.run([w_inc, "v:0"], {"v:0": 4.0})[1] == 4.0
        assert s.run([w_inc, v])[1] == 1.0                 # not fed: the stored value
    assert s.run(w) == 22.0 and s.run(v) == 1.0


def test_identity_and_stop_gradient_of_a_variable_read_alias_it():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    i = tf.identity(v)
    chain = tf.stop_gradient(tf.identity(i))
    copy = v + 0.0                                          # a copy: no order (1 or 2)
    s = tf.Session()
    s.run(v.initializer)
    for n in range(2, 5):
        got = s.run([inc, v.read_value(), i, chain, copy])
        assert got[:4] == [n, n, n, n] and got[4] in (n - 1, n)
    # fed on the way: the value the run computed from the feed
    assert s.run([inc, i], {i: 9.0})[1] == 9.0
    assert s.run([inc, chain], {i: 3.0})[1] == 3.0
    assert s.run([inc, i], {v: -1.0})[1] == -1.0
    assert s.run(v) == 7.0


# --- F2: soft placement in Variable.load and Saver.restore ----------------------------------
def test_soft_placement_load_and_restore_of_a_gpu_variable(monkeypatch, tmp_path):
    import dlcore.device
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # a machine without CUDA
    with tf.device("/gpu:0"):
        u = tf.Variable(np.ones(2, np.float32), name="u")
        y = u * 2.0
    saver = tf.train.Saver()
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
        s.run(u.initializer)
        path = saver.save(s, str(tmp_path / "m"))
        u.load(np.array([3.0, 4.0], np.float32), s)
        np.testing.assert_array_equal(s.run(y), [6.0, 8.0])
        saver.restore(s, path)
        np.testing.assert_array_equal(s.run(y), [2.0, 2.0])
    # (TF 1.15's placer error, not dlcore's 'CUDA is not available' RuntimeError: fidtf9)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=False)) as s, \
            pytest.raises(tf.errors.InvalidArgumentError, match="^Cannot assign a device for "
                          "operation u: node u .* was explicitly assigned to /device:GPU:0 but "
                          "available devices are"):
        u.load(np.zeros(2, np.float32), s)


# --- F3, F4: tf.device scopes resolved per op as TF 1.15 ------------------------------------
def test_device_function_sees_the_device_of_the_scopes_inside_it():
    seen = []

    def chooser(op):
        seen.append(op.device)
        return op.device or "/gpu:0"

    with tf.device(chooser):
        a = tf.constant(1.0)
        with tf.device("/gpu:1"):
            b = tf.constant(2.0)
    assert seen == [None, b.op.device] and str(seen[1]) == "cuda:1"
    assert _dev(a) == "cuda:0" and _dev(b) == "cuda:1"
    assert a.op.node_def.device == "/device:GPU:0"


def test_device_scopes_merge_from_the_innermost_out():
    calls = []

    def to_gpu0(op):
        calls.append(op.type)
        return "/gpu:0"

    with tf.device(to_gpu0), tf.device("/gpu:1"):
        b = tf.constant(2.0)                        # the function's result replaces '/gpu:1'
    with tf.device("/gpu:0"), tf.device("/job:worker/task:1"):
        c = tf.constant(3.0)                        # /job:worker/task:1/device:GPU:0
    with tf.device("/gpu:1"):
        with tf.device("/gpu"):                     # the index from the scope outside
            d = tf.constant(4.0)
        with tf.device(lambda op: "/job:ps"):       # a job only: the scope outside places
            e = tf.constant(5.0)
        with tf.device(""):                         # a null merge: changes nothing
            f = tf.constant(6.0)
        with tf.device(None):                       # ignores the scopes outside
            g = tf.constant(7.0)
    with tf.device("/cpu:0"), tf.device(lambda op: "/job:ps/task:0"), tf.device("/gpu:1"):
        h = tf.constant(8.0)        # '/gpu:1' replaced by the function's job-only result,
                                    # then '/cpu:0' merges in
    assert calls == ["Const"]
    assert _dev(b) == "cuda:0" and _dev(c) == "cuda:0" and _dev(d) == "cuda:1"
    assert _dev(e) == "cuda:1" and _dev(f) == "cuda:1" and _dev(g) is None
    assert _dev(h) == "cpu"
    with tf.device(""):
        assert _dev(tf.constant(1.0)) is None
    with tf.device(None):
        assert _dev(tf.constant(1.0)) is None
    with pytest.raises(ValueError, match="Cannot specify multiple device types"), \
            tf.device("/cpu:0/gpu:0"):
        pass


# --- F5, F6: auto-packing with dtype=, TF's text and names ----------------------------------
def test_autopack_with_dtype_casts_tensors_as_tf():
    t0 = tf.convert_to_tensor([0.5, 1.0, 2.0])
    t1 = tf.convert_to_tensor([1, 2, 3])
    p = tf.convert_to_tensor([t0, t0, t1], dtype=tf.float64)        # TF's stack_op_test
    a = tf.constant(1.75)
    q = tf.convert_to_tensor([a, 2], dtype=tf.int32)
    assert p.dtype == tf.float64 and q.dtype == tf.int32 and q.op.name == "packed_1"
    assert [op.type for op in p.op.inputs[0].op.graph.get_operations()].count("Cast") == 4
    with tf.Session() as s:
        got_p, got_q = s.run([p, q])
    np.testing.assert_array_equal(got_p, [[0.5, 1, 2], [0.5, 1, 2], [1, 2, 3]])
    assert got_p.dtype == np.float64
    np.testing.assert_array_equal(got_q, np.array([1, 2], np.int32))


def test_autopack_error_text_and_tensorless_sublist_names_as_tf():
    x = tf.constant(1.0, name="x")
    z = tf.constant(1.0, tf.float64, name="z")
    g = tf.get_default_graph()
    n = len(g.get_operations())
    p = tf.convert_to_tensor([[x, 2.0], [3.0, 4.0]])
    assert [op.name for op in g.get_operations()[n:]] == \
        ["packed/0/1", "packed/0", "packed/1_1", "packed"]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(p), [[1, 2], [3, 4]])
    with pytest.raises(TypeError) as e:
        tf.convert_to_tensor([x, z])
    assert str(e.value) == ("Cannot convert a list containing a tensor of dtype <dtype: "
                            "'float64'> to <dtype: 'float32'> (Tensor is: <tf.Tensor 'z:0' "
                            "shape=() dtype=float64>)")
    with pytest.raises(TypeError, match="tensor of dtype <dtype: 'float64'> to <dtype: "
                                        "'float32'>"):
        tf.convert_to_tensor([x, z], dtype=tf.float32)


# --- the default Session ---------------------------------------------------------------------
def test_get_default_session_is_none_without_one():
    assert tf.get_default_session() is None
    v = tf.Variable(2.0)
    with pytest.raises(ValueError, match=r"Cannot evaluate tensor using `eval\(\)`: No default "
                                         "session is registered"):
        v.eval()
    with pytest.raises(ValueError, match=r"Cannot execute operation using `run\(\)`: No "
                                         "default session is registered"):
        v.initializer.run()
    with pytest.raises(ValueError, match="Either session argument should be provided or "
                                         "default session should be established"):
        v.load(3.0)
    with tf.Session() as s:
        assert tf.get_default_session() is s
        v.initializer.run()
        v.load(3.0)
        assert v.eval() == 3.0
    assert tf.get_default_session() is None


def test_device_spec_as_tf1_device_functions_use_it():
    spec = tf.DeviceSpec.from_string("/job:worker/task:1/gpu:0")
    assert (spec.job, spec.replica, spec.task, spec.device_type, spec.device_index) == \
        ("worker", None, 1, "GPU", 0)
    assert spec.to_string() == "/job:worker/task:1/device:GPU:0"
    w = tf.DeviceSpec.from_string("/cpu:0")
    w.merge_from(tf.DeviceSpec.from_string("/device:GPU:*"))         # its index stays
    assert w.to_string() == "/device:GPU:0"
    assert tf.DeviceSpec(job="ps").make_merged_spec(spec).to_string() == \
        "/job:worker/task:1/device:GPU:0"
    with pytest.raises(ValueError, match="Unknown attribute: 'foo' in '/foo:1'"):
        tf.DeviceSpec.from_string("/foo:1")
    with pytest.raises(ValueError, match="Cannot specify multiple device types"):
        tf.DeviceSpec.from_string("/cpu:0/gpu:1")

    def local_device_chooser(op):               # cifar10_estimator's local_device_setter
        current = tf.DeviceSpec.from_string(op.device or "")
        node_def = op if isinstance(op, tf.NodeDef) else op.node_def
        name = "/cpu:0" if node_def.op in ("Variable", "VariableV2") else "/gpu:1"
        spec = tf.DeviceSpec.from_string(name)
        spec.merge_from(current)
        return spec.to_string()

    with tf.device(local_device_chooser):
        v = tf.get_variable("v", [2])
        y = v * 2.0
        with tf.device("/gpu:0"):
            z = y + 1.0
    with tf.device(tf.DeviceSpec(device_type="GPU", device_index=1)):
        a = tf.constant(1.0)
    assert (_dev(v), _dev(y), _dev(z), _dev(a)) == ("cpu", "cuda:1", "cuda:0", "cuda:1")


# --- tf.stack's values take the first tensor's dtype (TF's op_def_library list rule) ---------
def test_stack_values_take_the_first_tensors_dtype():
    x = tf.placeholder(tf.float32, [None, 3])
    t = tf.constant(3, tf.int32)
    a = tf.stack([tf.shape(x)[0], 5])                     # was int64 (a Cast of the shape)
    b = tf.stack([t, np.array(4)], axis=0)
    c = tf.stack([tf.constant([1, 2]), [3, 4]], axis=1)
    d = tf.stack([tf.constant(1.0, tf.float64), 2.0])
    assert (a.dtype, b.dtype, c.dtype, d.dtype) == (tf.int32, tf.int32, tf.int32, tf.float64)
    assert "Cast" not in [op.type for op in tf.get_default_graph().get_operations()]
    with tf.Session() as s:
        got = s.run([a, b, c, d], {x: np.zeros((2, 3), np.float32)})
    np.testing.assert_array_equal(got[0], np.array([2, 5], np.int32))
    np.testing.assert_array_equal(got[2], [[1, 3], [2, 4]])
    assert got[0].dtype == np.int32 and got[3].dtype == np.float64
    with pytest.raises(TypeError, match=r"^Tensors in list passed to 'values' of 'Pack' Op have "
                                        r"types \[int32, float32\] that don't all match\.$"):
        tf.stack([t, 2.5])
    with pytest.raises(TypeError, match=r"types \[float32, float64\] that don't all match"):
        tf.stack([tf.constant(1.0), tf.constant(1.0, tf.float64)])


def test_concat_values_take_the_first_tensors_dtype():
    a, b = tf.constant(1.0), tf.constant(2.0)
    x64 = tf.constant([5.0, 6.0], tf.float64)
    c = tf.concat([x64, [a, b]], 0)               # the list holding tensors: cast, packed
    d = tf.concat([[tf.constant(3), 4], tf.constant([7, 8])], 0)
    assert c.dtype == tf.float64 and d.dtype == tf.int32
    with tf.Session() as s:
        got_c, got_d = s.run([c, d])
    np.testing.assert_array_equal(got_c, [5, 6, 1, 2])
    np.testing.assert_array_equal(got_d, np.array([3, 4, 7, 8], np.int32))
    with pytest.raises(TypeError, match=r"^Tensors in list passed to 'values' of 'ConcatV2' Op "
                                        r"have types \[float32, float64\] that don't all match"):
        tf.concat([tf.constant([1.0]), x64], 0)
