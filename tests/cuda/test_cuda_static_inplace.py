"""A compiled CUDA Session plan writes each variable's update into the variable's existing
device array (issue 19, ``cuda_glue._inplace_updates``): the same values as the CPU plan, the
same device array objects after every step, no device allocation for the weights, elementwise
kernels and reductions launched by the glue itself (few Python calls a step); a fetched
read of a variable that the run updates keeps the value from before the update."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import dlcore
import dlcore_static as tf
from dlcore_static import compiler

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def _need_sim():
    if not dlcore.cuda_simulator():
        pytest.skip("the counts are taken under Numba's CUDA simulator")


def _mlp():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, (2, 3))
    y = tf.placeholder(tf.float32, (2, 2))
    w1 = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), name="w1")
    w2 = tf.Variable(np.linspace(1, -1, 4, dtype=np.float32).reshape(2, 2), name="w2")
    diff = tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2) - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    rng = np.random.default_rng(3)
    feed = {x: rng.standard_normal((2, 3)).astype(np.float32),
            y: rng.standard_normal((2, 2)).astype(np.float32)}
    return (w1, w2), loss, train, feed


def _session(device):
    return tf.Session(device=device, pipeline=compiler.Pipeline("all", after=1))


def test_updates_write_into_the_variables_device_arrays():
    from benchmarks.cuda_counts import CudaCounts, install, own_calls
    install()                           # (before any glue binds numba.cuda's functions)
    (w1, w2), loss, train, feed = _mlp()
    res = {}
    for device in ("cpu", "cuda"):
        sess = _session(device)
        sess.run(tf.global_variables_initializer())
        sess.run([loss, train], feed)                   # builds and compiles the plan
        # (weak references: a test holding the arrays would itself keep them from being
        # written in place, as any other holder does)
        arrays = [weakref.ref(v) for v in sess.variables._values.values()]
        with CudaCounts() as c:
            losses = [sess.run([loss, train], feed)[0] for _ in range(2)]
        if device == "cuda":
            assert compiler.explain(sess, [loss, train], feed).compiled
            after = list(sess.variables._values.values())
            assert len(after) == 2 and all(a() is b for a, b in zip(arrays, after))
            del after
            per = c.per(2)
            # the feeds in, the loss out, no device-to-device copy; the allocations left are
            # the step's temporaries (products, fused outputs, reductions): 14, was 16
            assert (per["h2d"], per["d2h"], per["d2d"]) == (2, 1, 0), per
            assert per["alloc"] == 14, per
            # the glue launches the elementwise kernels and reductions itself (their launches
            # planned at build): dlcore's Python calls per step 179 -> 28 on the seed step
            assert own_calls(lambda s=sess: s.run([loss, train], feed), 1) <= 40
        else:
            own_calls(lambda s=sess: s.run([loss, train], feed), 1)   # (the same steps on both)
        res[device] = (losses, sess.run([w1, w2]))
    np.testing.assert_allclose(res["cuda"][0], res["cpu"][0], rtol=1e-5)
    for a, b in zip(res["cuda"][1], res["cpu"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_fetched_read_of_an_updated_variable_is_its_end_of_run_value():
    """Fetching ``w`` with the train op: the fetched read is the variable's value at the end of
    the run (TF1: the fetched tensor is the buffer the assign updated; since 149a3fa1 and
    c52d932b), on CUDA as on the CPU."""
    tf.reset_default_graph()
    w = tf.Variable(np.array([1.0, 2.0, 3.0], np.float32), name="w")
    train = tf.assign(w, w * 0.5 + 1.0)
    out = {}
    for device in ("cpu", "cuda"):
        sess = _session(device)
        sess.run(tf.global_variables_initializer())
        fetches = [w.read_value() if hasattr(w, "read_value") else w.value(), train]
        seen = [sess.run(fetches) for _ in range(3)]
        assert compiler.explain(sess, fetches, {}).compiled
        out[device] = ([np.asarray(s[0]) for s in seen], sess.run(w))
    for a, b in zip(out["cuda"][0], out["cpu"][0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(out["cuda"][1], out["cpu"][1])
    np.testing.assert_array_equal(out["cpu"][0][0], [1.5, 2.0, 2.5])
    np.testing.assert_array_equal(out["cpu"][0][2], out["cpu"][1])


@pytest.mark.parametrize("make", [lambda: tf.train.MomentumOptimizer(0.05, 0.9),
                                  lambda: tf.train.AdamOptimizer(0.05)],
                         ids=["momentum", "adam"])
def test_optimizer_slots_are_updated_in_place(make):
    """Momentum's accumulator and weight (one fused group with two outputs), Adam's weight,
    moments (zeros-initialised from one shared constant array, then each its own) and beta
    powers: the same device arrays after each step, values as on the CPU plan."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, (2, 3))
    w = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), name="w")
    loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
    train = make().minimize(loss)
    feed = {x: np.array([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]], np.float32)}
    res = {}
    for device in ("cpu", "cuda"):
        sess = _session(device)
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed)
        before = {k: weakref.ref(v) for k, v in sess.variables._values.items()}
        for _ in range(2):
            sess.run(train, feed)
        if device == "cuda":
            # (Adam's beta powers too: one scalar multiply each, launched by the glue)
            assert len(before) == (2 if "Momentum" in type(make()).__name__ else 5)
            for k, v in before.items():
                assert sess.variables._values[k] is v(), k
        res[device] = sess.run(w)
    np.testing.assert_allclose(res["cuda"], res["cpu"], rtol=1e-5, atol=1e-6)


def test_a_ctrl_c_during_the_in_place_updates_leaves_all_of_them_or_none():
    """A SIGINT arriving after any of the step's last kernel launches (the in-place update
    groups of w1 and of w2, each with its momentum accumulator) is raised once the run's
    writes are all committed, or before any: never w1's update without w2's."""
    import signal

    from numba.cuda.simulator import kernel as sim

    def build():
        tf.reset_default_graph()
        x = tf.placeholder(tf.float32, (2, 3))
        w1 = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), name="w1")
        w2 = tf.Variable(np.linspace(1, -1, 4, dtype=np.float32).reshape(2, 2), name="w2")
        loss = tf.reduce_sum(tf.matmul(tf.matmul(x, w1), w2) ** 2)
        train = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)
        sess = _session("cuda")
        sess.run(tf.global_variables_initializer())
        feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3) / 6}
        for _ in range(2):                      # (compiled on the second run)
            sess.run(train, feed)
        return sess, train, feed

    def state(sess):
        return [np.asarray(sess.run(v)) for v in tf.global_variables()]

    call = sim.FakeCUDAKernel.__call__
    seen = [0]

    def counted(self, *a, **k):
        out = call(self, *a, **k)
        seen[0] += 1
        if seen[0] == at:
            signal.raise_signal(signal.SIGINT)
        return out

    sess, train, feed = build()
    before = state(sess)
    at = -1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.FakeCUDAKernel, "__call__", counted)
        sess.run(train, feed)
    after, launches = state(sess), seen[0]
    outcomes = set()
    for at in range(launches - 5, launches + 1):
        sess, train, feed = build()
        seen[0] = 0
        with pytest.MonkeyPatch.context() as mp, pytest.raises(KeyboardInterrupt):
            mp.setattr(sim.FakeCUDAKernel, "__call__", counted)
            sess.run(train, feed)
        got = state(sess)
        if all(np.array_equal(a, b) for a, b in zip(got, before)):
            outcomes.add("none")
        else:
            for a, b in zip(got, after):
                np.testing.assert_allclose(a, b, rtol=1e-6)
            outcomes.add("all")
    assert outcomes == {"none", "all"}
