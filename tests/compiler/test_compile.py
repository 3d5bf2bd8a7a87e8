"""The compile pass: generated files, Numba's disk cache across processes, in-place updates,
recompiles only on a new key (with the reason logged), errors that name the user's node."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler

ROOT = Path(__file__).resolve().parents[2]


def _mlp(n=8, d=5, h=6, o=4):
    x = tf.placeholder(tf.float32, shape=(None, d))
    y = tf.placeholder(tf.float32, shape=(None, o))
    w1 = tf.Variable(np.linspace(-1, 1, d * h, dtype=np.float32).reshape(d, h), name="w1")
    w2 = tf.Variable(np.linspace(1, -1, h * o, dtype=np.float32).reshape(h, o), name="w2")
    loss = tf.reduce_sum((tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2) - y) ** 2)
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    rng = np.random.default_rng(1)
    feed = {x: rng.standard_normal((n, d)).astype(np.float32),
            y: rng.standard_normal((n, o)).astype(np.float32)}
    return x, y, w1, w2, loss, train, feed


def test_the_generated_source_is_a_real_file_in_the_cache_folder():
    *_, loss, train, feed = _mlp()
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    sess.run([loss, train], feed)
    rep = compiler.explain(sess, [loss, train], feed)
    assert rep.compiled
    path = Path(rep.codegen["source_path"])
    assert path.suffix == ".py" and path.exists() and "def make(env)" in path.read_text()
    segs = [Path(p) for p in rep.codegen["segment_paths"]]
    assert segs and all(p.suffix == ".py" and p.parent == path.parent for p in segs)
    assert all("@njit(cache=True" in p.read_text() for p in segs)
    assert Path(os.environ.get("DLCORE_CACHE_DIR", path.parent)).exists()


def test_equal_layers_share_one_compiled_segment():
    """Compile caching by structure: segments are named by their text, so a layer repeated
    with equal shapes (here four dense+tanh layers between matmuls) compiles once, and a second
    Session's plan reuses the same compiled functions."""
    x = tf.placeholder(tf.float32, (4, 5))
    h = x
    ws = [tf.Variable(np.eye(5, dtype=np.float32) * 0.5, name=f"w{i}") for i in range(4)]
    for w in ws:
        h = tf.tanh(tf.matmul(h, w) + 1.0)
    loss = tf.reduce_sum(h * h)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5)}
    reps, losses = [], []
    for _ in range(2):
        sess = tf.Session(passes="all")
        sess.run(tf.global_variables_initializer())
        losses.append([sess.run([loss, train], feed)[0] for _ in range(2)])
        reps.append(compiler.explain(sess, [loss, train], feed).codegen)
    ref = tf.Session(passes=())
    ref.run(tf.global_variables_initializer())
    want = [ref.run([loss, train], feed)[0] for _ in range(2)]
    np.testing.assert_allclose(losses[0], want, rtol=1e-6)
    np.testing.assert_allclose(losses[1], want, rtol=1e-6)
    first, second = reps
    assert first["distinct_segments"] < first["segments"]        # the repeated layers share
    assert first["segment_paths"] == second["segment_paths"]      # and the next plan reuses


def test_sgd_updates_in_place_without_changing_earlier_fetches_or_other_variables():
    _, _, w1, _, loss, train, feed = _mlp()
    copy = tf.Variable(np.zeros((5, 6), np.float32), name="copy")
    snapshot = copy.assign(w1)
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    sess.run([loss, train], feed)
    rep = compiler.explain(sess, [loss, train], feed)
    assert set(rep.codegen["inplace"]) == {"w1", "w2"}
    sess.run(snapshot)                       # `copy` now shares w1's value
    before = sess.run(w1)
    kept = sess.run(copy)
    sess.run([loss, train], feed)
    buf = id(sess.variables.get(w1.op).base)     # an id: holding the buffer would pin it
    sess.run([loss, train], feed)
    other = id(sess.variables.get(w1.op).base)
    assert other != buf          # never written over the committed value (a spare buffer)
    sess.run([loss, train], feed)
    assert id(sess.variables.get(w1.op).base) == buf     # two spares alternate: no allocation
    np.testing.assert_array_equal(sess.run(copy), kept)      # not written through
    assert not np.array_equal(sess.run(w1), before)
    np.testing.assert_array_equal(before, kept)


def test_recompiles_only_on_a_new_key_and_says_which_part_changed(capsys):
    x, y, _, _, loss, train, feed = _mlp()
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    compiler.explain_recompiles(True)
    try:
        sess.run([loss, train], feed)
        sess.run([loss, train], feed)
        n = len(sess.recompile_log)
        small = {x: feed[x][:3], y: feed[y][:3]}
        sess.run([loss, train], small)
        sess.run(loss, small)
    finally:
        compiler.explain_recompiles(False)
    log = sess.recompile_log
    assert len(log) == n + 2
    assert "shape (8, 5) -> (3, 5)" in log[n]
    assert "fetches changed" in log[n + 1]
    assert "shape (8, 5) -> (3, 5)" in capsys.readouterr().err


def test_a_failing_compiled_run_names_the_node_and_changes_no_variable():
    a = tf.placeholder(tf.float32, shape=(None, None))
    w = tf.Variable(np.ones((3, 3), np.float32), name="w")
    bad = tf.matmul(a, w, name="BadMatMul")
    step = w.assign(w * 2.0 + tf.reduce_sum(bad))
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    sess.run(step, {a: np.ones((2, 3), np.float32)})
    before = sess.run(w)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[\[node BadMatMul"):
        sess.run(step, {a: np.ones((2, 4), np.float32)})
    np.testing.assert_array_equal(sess.run(w), before)


def test_cond_and_while_loop_compile():
    x = tf.placeholder(tf.float32, shape=(4, 3))
    n = tf.placeholder(tf.int32, shape=())
    w = tf.Variable(np.eye(3, dtype=np.float32) * 0.5)
    h = tf.cond(tf.reduce_sum(x) > 0, lambda: x * (tf.reduce_sum(w) / 3.0), lambda: x - 1.0)
    _, h = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tf.tanh(h)), [tf.constant(0), h])
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    feed = {x: np.ones((4, 3), np.float32), n: 2}
    got = sess.run(h, feed)
    np.testing.assert_allclose(got, np.tanh(np.tanh(np.full((4, 3), 0.5))), rtol=1e-6)
    rep = compiler.explain(sess, h, feed)
    assert rep.compiled
    assert not [w for w in rep.codegen["left_to_python"] if "(Cond)" in w or "(While)" in w]
    assert not {"cond/Merge", "while/Exit"} & set(rep.codegen["python_nodes"])


_CHILD = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    import numpy as np
    import dlcore_static as tf
    x = tf.placeholder(tf.float32, shape=(8, 5))
    w = tf.Variable(np.full((5, 3), 0.5, np.float32))
    loss = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w) + 1.0) ** 2)
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    t1 = time.perf_counter()
    print(sess.run([loss, train], {x: np.ones((8, 5), np.float32)})[0])
    print("first_run_s", time.perf_counter() - t1, "import_s", t1 - t0)
""")


def test_numba_disk_cache_is_used_by_the_next_process(tmp_path):
    env = dict(os.environ, DLCORE_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    runs = [subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                           text=True, timeout=600, check=False) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    assert runs[0].stdout.splitlines()[0] == runs[1].stdout.splitlines()[0]
    index = list(tmp_path.rglob("*.nbi"))
    assert index, "Numba wrote no cache index for the generated files"
    first = float(runs[0].stdout.split("first_run_s")[1].split()[0])
    second = float(runs[1].stdout.split("first_run_s")[1].split()[0])
    print(f"first run after import: cold cache {first:.2f} s, warm cache {second:.2f} s")
