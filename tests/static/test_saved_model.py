"""``tf.saved_model``: simple_save / SavedModelBuilder / loader.load round trips into a fresh
Graph and Session (same outputs, same variables, training continues identically), the
signatures a client reads, and TensorFlow's errors; a damaged directory is refused before
anything is added to the caller's graph."""

import json
import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.saved_model import signature_constants, tag_constants

SERVE = tag_constants.SERVING


def _train_graph(seed=0):
    """An MLP trained one Adam step: (graph, sess, x, y_, y, train, data)."""
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y_ = tf.placeholder(tf.float32, [None, 1], name="y_")
        h = tf.layers.dense(x, 4, activation=tf.nn.tanh)
        y = tf.identity(tf.layers.dense(h, 1), name="y")
        loss = tf.reduce_mean(tf.square(y - y_))
        train = tf.train.AdamOptimizer(0.05).minimize(loss, name="train")
        sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(seed)
    data = {x: rng.rand(6, 3).astype(np.float32), y_: rng.rand(6, 1).astype(np.float32)}
    sess.run(train, data)
    return g, sess, x, y_, y, train, data


def test_simple_save_and_load_into_a_fresh_graph(tmp_path):
    g, sess, x, _, y, _, data = _train_graph()
    want = sess.run(y, {x: data[x]})
    want_vars = {v.op.name: val for v, val in
                 zip(g.get_collection("variables"),
                     sess.run(g.get_collection("variables")))}
    export_dir = str(tmp_path / "model")
    tf.saved_model.simple_save(sess, export_dir, inputs={"x": x}, outputs={"y": y})
    assert sorted(os.listdir(export_dir)) == ["meta_graphs", "saved_model.json", "variables"]
    assert os.listdir(os.path.join(export_dir, "variables")) == ["variables.safetensors"]
    assert tf.saved_model.contains_saved_model(export_dir)

    with tf.Session(graph=tf.Graph()) as s2:
        meta = tf.saved_model.loader.load(s2, [SERVE], export_dir)
        assert meta.meta_info_def.tags == ["serve"]
        sig = meta.signature_def[signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        assert sig.method_name == "tensorflow/serving/predict"
        xi, yi = sig.inputs["x"], sig.outputs["y"]
        assert (xi.name, xi.dtype, xi.tensor_shape.as_list()) == ("x:0", 1, [None, 3])
        assert [d.size for d in yi.tensor_shape.dim] == [-1, 1] and yi.name == "y:0"
        got = s2.run(yi.name, {xi.name: data[x]})
        np.testing.assert_array_equal(got, want)
        xt = tf.saved_model.utils.get_tensor_from_tensor_info(xi, s2.graph)
        assert xt is s2.graph.get_tensor_by_name("x:0")
        got_vars = {v.op.name: val for v, val in
                    zip(tf.global_variables(), s2.run(tf.global_variables()))}
    assert got_vars.keys() == want_vars.keys()
    for k, want_v in want_vars.items():
        np.testing.assert_array_equal(got_vars[k], want_v)


def test_builder_two_meta_graphs_main_op_and_training_continues(tmp_path):
    g, sess, x, y_, y, train, data = _train_graph(1)
    export_dir = str(tmp_path / "m")
    with g.as_default():
        counter = tf.Variable(0.0, name="loads", trainable=False,
                              collections=[tf.GraphKeys.LOCAL_VARIABLES])
        main_op = tf.group(counter.initializer, name="main_op")
        sess.run(counter.initializer)
        sig = tf.saved_model.signature_def_utils.build_signature_def(
            inputs={"x": tf.saved_model.utils.build_tensor_info(x),
                    "y_": tf.saved_model.build_tensor_info(y_)},
            outputs={"y": tf.saved_model.utils.build_tensor_info(y)},
            method_name=signature_constants.PREDICT_METHOD_NAME)
        b = tf.saved_model.builder.SavedModelBuilder(export_dir)
        b.add_meta_graph_and_variables(sess, [SERVE], signature_def_map={"predict": sig},
                                       main_op=main_op)
        b.add_meta_graph([tag_constants.TRAINING, "extra"])
        path = b.save()
    assert path == os.fsencode(os.path.join(export_dir, "saved_model.json"))
    assert tf.saved_model.signature_def_utils.is_valid_signature(sig)
    sess.run(train, data)                       # the reference: one more step in the original
    want = sess.run(y, {x: data[x]})
    with tf.Session(graph=tf.Graph()) as s2:
        meta = tf.saved_model.loader.load(s2, {"extra", "train"}, export_dir)
        assert meta.signature_def == {}
        # the local variable is local again (not saved, not restored: uninitialised here)
        assert [v.op.name for v in tf.local_variables()] == ["loads"]
        assert "loads" not in [v.op.name for v in tf.global_variables()]
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value loads"):
            s2.run("loads:0")
        s2.run("train", {"x:0": data[x], "y_:0": data[y_]})
        np.testing.assert_allclose(s2.run("y:0", {"x:0": data[x]}), want, rtol=1e-6)
    with tf.Session(graph=tf.Graph()) as s3:
        meta = tf.saved_model.loader.load(s3, [SERVE], export_dir)
        assert s3.run("loads:0") == 0.0        # the main op ran (initialised the local)
        assert sorted(meta.signature_def["predict"].inputs) == ["x", "y_"]


def test_builder_errors_as_tensorflow(tmp_path):
    g, sess, x, _, y, _, _ = _train_graph()
    full = tmp_path / "full"
    full.mkdir()
    (full / "f").write_text("x")
    with pytest.raises(AssertionError, match="^Export directory already exists, and isn't "
                       "empty. Please choose a different export directory, or delete all the "
                       "contents of the specified directory: "):
        tf.saved_model.builder.SavedModelBuilder(str(full))
    b = tf.saved_model.builder.SavedModelBuilder(str(tmp_path / "b"))
    with pytest.raises(AssertionError, match=r"has not been saved yet\. Please invoke "
                       r"`add_meta_graph_and_variables\(\)` first\."):
        b.add_meta_graph([SERVE])
    with g.as_default():
        sig = tf.saved_model.predict_signature_def({"x": x}, {"y": y})
    with pytest.raises(KeyError, match='SignatureDef map key "__saved_model_init_op" is '
                       'reserved for initialization. Please use a different key.'):
        b.add_meta_graph_and_variables(sess, [SERVE], {"__saved_model_init_op": sig})
    b.add_meta_graph_and_variables(sess, [SERVE], {"s": sig})
    with pytest.raises(AssertionError, match=r"has already been saved\. Please invoke "
                       r"`add_meta_graph\(\)` instead\."):
        b.add_meta_graph_and_variables(sess, [SERVE])
    with pytest.raises(ValueError, match="^Prediction inputs cannot be None or empty.$"):
        tf.saved_model.signature_def_utils.predict_signature_def({}, {"y": y})
    with pytest.raises(ValueError, match="^Prediction outputs cannot be None or empty.$"):
        tf.saved_model.signature_def_utils.predict_signature_def({"x": x}, None)
    assert not tf.saved_model.is_valid_signature(
        tf.saved_model.build_signature_def({"x": sig.inputs["x"]}, {}, "tensorflow/serving/predict"))
    with tf.Graph().as_default():               # uninitialised variables are not saved
        tf.Variable(1.0, name="v")
        s = tf.Session()
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value v"):
            tf.saved_model.simple_save(s, str(tmp_path / "u"), {"x": tf.constant(1.0)},
                                       {"y": tf.constant(2.0)})


def _saved(tmp_path):
    _, sess, x, _, y, _, _ = _train_graph()
    d = str(tmp_path / "m")
    tf.saved_model.simple_save(sess, d, {"x": x}, {"y": y})
    return d


def test_loader_errors_and_damaged_directories_leave_the_graph_empty(tmp_path):
    d = _saved(tmp_path)
    with pytest.raises(OSError, match="SavedModel file does not exist at: "):
        tf.saved_model.loader.load(tf.Session(graph=tf.Graph()), [SERVE], str(tmp_path / "no"))
    g = tf.Graph()
    with pytest.raises(RuntimeError, match="^MetaGraphDef associated with tags 'train' could "
                       "not be found in SavedModel. "):
        tf.saved_model.loader.load(tf.Session(graph=g), ["train"], d)
    index_path = os.path.join(d, "saved_model.json")
    with open(index_path) as f:
        index = json.load(f)

    def damaged(change, match):
        doc = json.loads(json.dumps(index))
        change(doc)
        with open(index_path, "w") as f:
            json.dump(doc, f)
        g = tf.Graph()
        with pytest.raises(tf.errors.InvalidArgumentError if match is None else ValueError,
                           match=match):
            tf.saved_model.loader.load(tf.Session(graph=g), [SERVE], d)
        assert len(g.get_operations()) == 0

    sig = ("meta_graphs", 0, "signature_def", "serving_default", "outputs", "y")

    def at(doc, path):
        for k in path:
            doc = doc[k]
        return doc
    damaged(lambda doc: doc["meta_graphs"][0].update(graph="../../etc/passwd"),
            "names a bad graph file")
    damaged(lambda doc: at(doc, sig).update(name="nothere:0"),
            "names tensor 'nothere:0', which is not in the meta graph")
    damaged(lambda doc: at(doc, sig).update(dtype="int32"), "the signature says otherwise")
    damaged(lambda doc: doc["meta_graphs"][0].update(main_op="nothere"),
            "the main op 'nothere' is not in the meta graph")
    damaged(lambda doc: doc.update(version=7), "is not a version-1 dlcore-saved-model index")
    # a checkpoint that does not fit the graph: refused before the graph changes
    with open(index_path, "w") as f:
        json.dump(index, f)
    from dlcore_static import checkpoint_format
    prefix = os.path.join(d, "variables", "variables")
    members = checkpoint_format.open_variables(prefix, "ckpt", ValueError)
    vals = {n: members.read(n, 1 << 20) for n in members.names}
    vals["dense/kernel"] = np.zeros((2, 2), np.float32)
    checkpoint_format.write_variables(prefix, vals)
    g = tf.Graph()
    with pytest.raises(tf.errors.InvalidArgumentError, match="dense/kernel"):
        tf.saved_model.loader.load(tf.Session(graph=g), [SERVE], d)
    assert len(g.get_operations()) == 0
    # import_scope (TF 1.15): every name under 'a/', the variables restored
    _, sess, x, _, y, _, data = _train_graph()
    good = str(tmp_path / "scoped")
    tf.saved_model.simple_save(sess, good, {"x": x}, {"y": y})
    with tf.Session(graph=tf.Graph()) as s2:
        meta = tf.saved_model.loader.load(s2, [SERVE], good, import_scope="a")
        sig = meta.signature_def[signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        xt, yt = (tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["x"],
                                                                   import_scope="a"),
                  tf.saved_model.utils.get_tensor_from_tensor_info(sig.outputs["y"],
                                                                   import_scope="a"))
        assert (xt.name, yt.name) == ("a/x:0", "a/y:0")
        assert all(v.name.startswith("a/") for v in tf.global_variables())
        np.testing.assert_array_equal(s2.run(yt, {xt: data[x]}), sess.run(y, {x: data[x]}))


def test_keras_model_exported_for_serving_with_simple_save(tmp_path):
    """The TF 1.x serving recipe: simple_save(K.get_session(), ..., model.input/outputs)."""
    from dlcore_static import keras
    inp = keras.layers.Input(shape=(5, 3), name="input_image")
    h = keras.layers.Dropout(0.5)(keras.layers.LSTM(4)(inp))
    model = keras.models.Model(inp, keras.layers.Dense(2, activation="softmax")(h))
    model.compile("adam", "categorical_crossentropy")
    rng = np.random.RandomState(0)
    x = rng.rand(6, 5, 3).astype(np.float32)
    model.fit(x, np.eye(2)[np.arange(6) % 2], epochs=1, verbose=0)
    want = model.predict(x)
    d = str(tmp_path / "k")
    tf.saved_model.simple_save(keras.backend.get_session(), d,
                               inputs={"input_image": model.input},
                               outputs={t.name: t for t in model.outputs})
    with tf.Session(graph=tf.Graph()) as s:
        sig = tf.saved_model.loader.load(s, [SERVE], d).signature_def["serving_default"]
        (out,) = sig.outputs.values()
        assert out.tensor_shape.as_list() == [None, 2]
        got = s.run(out.name, {sig.inputs["input_image"].name: x})   # learning phase: test
    np.testing.assert_array_equal(got, want)


def test_main_op_initialises_after_loading(tmp_path):
    """saved_model.main_op.main_op(): TF's group of the variable initializers, run by the
    loader after the restore (so the loaded values are the initial ones again)."""
    v = tf.Variable(3.0, name="v")
    loc = tf.Variable(5.0, name="loc", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    sess = tf.Session()
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    sess.run([v.assign(7.0), loc.assign(8.0)])
    d = str(tmp_path / "m")
    b = tf.saved_model.Builder(d)
    b.add_meta_graph_and_variables(sess, [SERVE], main_op=tf.saved_model.main_op.main_op())
    b.save()
    with tf.Session(graph=tf.Graph()) as s2:
        tf.saved_model.load(s2, [SERVE], d)
        assert s2.run(["v:0", "loc:0"]) == [3.0, 5.0]
