"""Saving a graph with its variables and running it in a fresh process; hostile files."""

import inspect
import json
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.saving import GraphFileError

ROOT = pathlib.Path(inspect.getfile(tf)).parent.parent


def _train_and_export(path):
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.float32, (None, 2), name="y")
    h = tf.layers.dense(x, 8, activation=tf.nn.relu)
    out = tf.identity(tf.layers.dense(h, 2), name="y_pred")
    loss = tf.losses.mean_squared_error(y, out)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    tf.add_to_collection("outputs", out)
    xv = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train, {x: xv, y: np.ones((6, 2))})
        expect = sess.run(out, {x: xv})
        tf.train.export_meta_graph(str(path), sess=sess)
    return xv, expect


FRESH = """
import sys, numpy as np
import dlcore_static as tf
saver = tf.train.import_meta_graph(sys.argv[1])
with tf.Session() as sess:
    saver.restore(sess)
    xv = np.load(sys.argv[2])
    out = sess.run("y_pred:0", {"x:0": xv})
    same = sess.run(tf.get_collection("outputs")[0], {"x:0": xv})
    assert np.array_equal(out, same)
    sess.run("train", {"x:0": xv, "y:0": np.ones((6, 2))})   # training works too
    np.save(sys.argv[3], out)
"""


def test_graph_runs_in_a_fresh_process_without_the_code(tmp_path):
    path = tmp_path / "model.dlg"
    xv, expect = _train_and_export(path)
    np.save(tmp_path / "x.npy", xv)
    script = tmp_path / "run.py"
    script.write_text(FRESH)
    r = subprocess.run([sys.executable, str(script), str(path), str(tmp_path / "x.npy"),
                        str(tmp_path / "out.npy")], cwd=tmp_path, capture_output=True,
                       text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                       "NUMBA_ENABLE_CUDASIM": "1"}, timeout=120)
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expect, rtol=1e-6)


def test_import_in_process_gives_same_values(tmp_path):
    path = tmp_path / "m.dlg"
    xv, expect = _train_and_export(path)
    g = tf.Graph()
    with g.as_default():
        saver = tf.train.import_meta_graph(str(path))
        with tf.Session() as sess:
            saver.restore(sess)
            np.testing.assert_allclose(sess.run("y_pred:0", {"x:0": xv}), expect, rtol=1e-6)
            assert [v.name for v in tf.trainable_variables()][0] == "dense/kernel:0"


def test_saver_save_and_restore(tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    w = tf.Variable(3, name="w")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(v.assign([5.0, 6.0]))
        path = saver.save(sess, str(tmp_path / "ckpt"))
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert sess.run(v).tolist() == [5.0, 6.0] and sess.run(w) == 3
    with pytest.raises(tf.errors.NotFoundError, match="Key u not found in checkpoint"):
        tf.Variable(1.0, name="u")
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, path)


def _write(path, doc, **arrays):
    payload = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, __graph__=payload, **arrays)


def _valid_doc(tmp_path):
    x = tf.placeholder(tf.float32, (2,), name="x")
    tf.identity(x * 2.0, name="y")
    arrays = {}
    from dlcore_static.saving import graph_to_json
    return graph_to_json(tf.get_default_graph(), arrays), arrays


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "no_graph", "bad_json",
                                    "forward_ref", "unknown_prim", "unknown_type",
                                    "object_array", "bad_dtype", "const_shape", "wrong_format",
                                    "bad_ctx", "bad_tensor_ref"])
def test_hostile_or_damaged_files_fail_clearly_and_build_nothing(tmp_path, damage):
    doc, arrays = _valid_doc(tmp_path)
    path = tmp_path / "bad.dlg"
    if damage in ("truncated", "garbage", "empty"):
        _write(path, doc, **arrays)
        raw = path.read_bytes()
        path.write_bytes({"truncated": raw[: len(raw) // 2], "garbage": b"\x00junk" * 50,
                          "empty": b""}[damage])
    elif damage == "no_graph":
        with open(path, "wb") as f:
            np.savez(f, a=np.zeros(2))
    elif damage == "bad_json":
        with open(path, "wb") as f:
            np.savez(f, __graph__=np.frombuffer(b"{not json", dtype=np.uint8))
    elif damage == "object_array":
        with open(path, "wb") as f:
            np.savez(f, __graph__=np.array([{"evil": 1}], dtype=object))
    else:
        ops = doc["ops"]
        if damage == "forward_ref":
            ops[1]["inputs"] = [[5, 0]]
        elif damage == "unknown_prim":
            ops[-1]["prim"] = "os.system"
        elif damage == "unknown_type":
            ops[0]["type"] = "PyFunc"
        elif damage == "bad_dtype":
            ops[0]["outputs"][0]["dtype"] = "object"
        elif damage == "const_shape":
            for k in arrays:
                arrays[k] = np.zeros(7, np.float32)
        elif damage == "wrong_format":
            doc["format"] = "something-else"
        elif damage == "bad_ctx":
            ops[1]["ctx"] = 5
        elif damage == "bad_tensor_ref":
            ops[1]["attrs"] = {"dict": {"x": {"tensor": [9, 0]}}}
        _write(path, doc, **arrays)
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(GraphFileError, match=r"\S"):
            tf.train.import_meta_graph(str(path))
        assert g.get_operations() == []


def test_no_pickle_anywhere():
    root = pathlib.Path(inspect.getfile(tf)).parent
    unpickling = re.compile(r"import\s+pickle|allow_pickle\s*=\s*True")
    for f in root.rglob("*.py"):
        assert not unpickling.search(f.read_text()), f


def test_cond_and_while_loop_graphs_round_trip(tmp_path):
    x = tf.placeholder(tf.float32, (), name="x")
    w = tf.Variable(2.0, name="w")
    y = tf.cond(x < 0, lambda: x * w, lambda: x * x * w)
    _, z = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * w), [tf.constant(0), x])
    out = tf.identity(y + z, name="out")
    g, = tf.gradients(out, w)
    grad = tf.identity(g, name="grad")
    with tf.Session() as sess:
        sess.run(w.initializer)
        expect = [sess.run([out, grad], {x: v}) for v in (-1.5, 2.0)]
        tf.train.export_meta_graph(str(tmp_path / "cf.dlg"), sess=sess)
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(str(tmp_path / "cf.dlg"))
        with tf.Session() as sess:
            saver.restore(sess)
            got = [sess.run(["out:0", "grad:0"], {"x:0": v}) for v in (-1.5, 2.0)]
    np.testing.assert_allclose(got, expect, rtol=1e-6)
