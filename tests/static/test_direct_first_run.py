"""A Session's first run without a plan (``dlcore_static._direct_run``, issue 19: a graph built
per batch runs its Session once): the same values and errors as the planned run, the key's plan
built on its second run (and optimised there, as before, with passes), and every case the
direct run does not serve (variables, control flow, device scopes, control inputs, a fed
tensor whose op runs, traced runs) left to the plan."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import dlcore_static as tf

D = sys.modules["dlcore_static._direct_run"]


@pytest.fixture(autouse=True)
def _optimise_on_the_second_run(static_passes, monkeypatch):
    """The default tiering (the suite's passes variant optimises every plan from its first
    run: then no run is direct, see the last tests)."""
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "2")


def _tree_graph():
    g = tf.Graph()
    with g.as_default():
        ph = {k: tf.placeholder(tf.float32, s, name=k)
              for k, s in (("E", (10, 4)), ("W", (8, 4)), ("b", (1, 4)), ("w_out", (4, 1)))}

        def encode(node):
            if isinstance(node, int):
                return ph["E"][node:node + 1]
            h = tf.concat([encode(node[0]), encode(node[1])], 1)
            return tf.tanh(tf.matmul(h, ph["W"]) + ph["b"])

        roots = tf.concat([encode(((1, 2), 3)), encode((4, (5, (6, 1))))], 0)
        loss = tf.reduce_mean(tf.square(tf.matmul(roots, ph["w_out"]) - [[0.5], [-1.0]]))
        xs = [ph[k] for k in ("E", "W", "b", "w_out")]
        grads = tf.gradients(loss, xs)
    rng = np.random.default_rng(0)
    feed = {p: rng.standard_normal(p.shape.as_list()).astype(np.float32) for p in xs}
    return g, [loss, *grads], feed


def _planned(g, fetches, feed, **kw):
    """The values of a run that builds its plan (the Session ran something else first)."""
    with g.as_default():
        first = tf.constant(1.0, name="first")
    with tf.Session(graph=g, **kw) as s:
        s.run(first)
        return s.run(fetches, feed)


@pytest.mark.parametrize("passes", [(), "all"])
def test_the_first_run_is_direct_and_equals_the_planned_run(passes, monkeypatch):
    g, fetches, feed = _tree_graph()
    calls = []
    real = D.direct_run

    def spy(*a):
        out = real(*a)
        calls.append(out is not D.NOT_DIRECT)
        return out
    monkeypatch.setattr(sys.modules["dlcore_static.session"], "direct_run", spy)
    with tf.Session(graph=g, passes=passes) as s:
        direct = s.run(fetches, feed)
        assert calls == [True]
        assert not s._cache                  # no plan built
        again = s.run(fetches, feed)
        assert calls == [True]               # (the second run builds the key's plan)
        assert len(s._cache) == 1
    planned = _planned(g, fetches, feed, passes=passes)
    assert len(direct) == len(planned) == 5
    for a, b, c in zip(direct, again, planned):
        assert type(a) is type(c)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_allclose(b, c, rtol=1e-5, atol=1e-6)


def test_the_loss_against_numpy():
    g, fetches, feed = _tree_graph()
    by = {t.op.name: v for t, v in feed.items()}
    E, W, b, w_out = by["E"], by["W"], by["b"], by["w_out"]

    def enc(node):
        if isinstance(node, int):
            return E[node:node + 1]
        return np.tanh(np.concatenate([enc(node[0]), enc(node[1])], 1) @ W + b)
    roots = np.concatenate([enc(((1, 2), 3)), enc((4, (5, (6, 1))))], 0)
    want = np.mean(np.square(roots @ w_out - [[0.5], [-1.0]]))
    with tf.Session(graph=g) as s:
        got = s.run(fetches[0], feed)
    assert not s._cache
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_a_tiered_plan_counts_the_direct_run_and_optimises_on_the_second():
    g, fetches, feed = _tree_graph()
    with tf.Session(graph=g, passes="all") as s:
        s.run(fetches, feed)
        assert not s._cache
        s.run(fetches, feed)
        plan = s.plan(fetches, feed)
        assert plan._calls["n"] == 2
        assert plan._optimized is not None   # optimised on the key's second run, as before
        s.run(fetches, feed)


def test_only_the_first_run_of_a_session_and_only_once():
    g, fetches, feed = _tree_graph()
    with tf.Session(graph=g) as s:
        s.run(fetches[0], feed)
        assert not s._cache
        s.run(fetches[1], feed)              # another key, later: planned
        assert len(s._cache) == 1
        s.run(fetches[0], feed)              # the direct key, again: planned now
        assert len(s._cache) == 2


def test_an_unfed_placeholder_is_refused_as_the_plan_refuses_it():
    msgs = []
    for first in (False, True):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, (2,), name="x")
            y = tf.placeholder(tf.float32, (2,), name="y")
            z = tf.tanh(x) + y
            warm = tf.constant(0.0)
        with tf.Session(graph=g) as s:
            if first:
                s.run(warm)                  # (the failing run is planned)
            with pytest.raises(tf.errors.InvalidArgumentError) as e:
                s.run(z, {y: np.ones(2, np.float32)})
            msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    assert "You must feed a value for placeholder tensor 'x' with dtype float and shape [2]" \
        in msgs[0]


def test_a_bad_feed_is_refused_before_anything_runs():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 3), name="x")
        y = tf.reduce_sum(x)
    with tf.Session(graph=g) as s:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor "
                           r"'x:0', which has shape '\(2, 3\)'"):
            s.run(y, {x: np.ones(3, np.float32)})
        assert s.run(y, {x: np.ones((2, 3), np.float32)}) == 6.0


def test_a_kernel_error_names_its_node_as_the_planned_run():
    msgs = []
    for first in (False, True):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, (None,), name="x")
            r = tf.reshape(x, (2, 3), name="bad_reshape")
            warm = tf.constant(0.0)
        with tf.Session(graph=g) as s:
            if first:
                s.run(warm)
            with pytest.raises(tf.errors.InvalidArgumentError) as e:
                s.run(r, {x: np.ones(5, np.float32)})
            msgs.append(str(e.value))
            assert s.run(r, {x: np.arange(6, dtype=np.float32)}).shape == (2, 3)
    assert msgs[0] == msgs[1]
    assert "bad_reshape" in msgs[0]


def test_fetch_structures_fed_tensors_and_targets():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,), name="x")
        h = tf.tanh(x)
        y = h * 2.0
        n = tf.reduce_sum(y)
    feed = {x: np.array([0.1, -0.2, 0.3], np.float32)}
    with tf.Session(graph=g) as s:
        out = s.run({"y": y, "pair": (x, n), "op": y.op}, feed)
        assert not s._cache
    np.testing.assert_array_equal(out["y"], np.tanh(feed[x]) * np.float32(2.0))
    np.testing.assert_array_equal(out["pair"][0], feed[x])
    assert isinstance(out["pair"][1], np.float32)
    assert out["pair"][1] == np.float32(np.sum(np.tanh(feed[x]) * np.float32(2.0)))
    assert out["op"] is None
    # a fed intermediate: its producer does not run, the feed is used
    with tf.Session(graph=g) as s:
        v = s.run(y, {h: np.ones(3, np.float32)})
        assert not s._cache
    np.testing.assert_array_equal(v, np.full(3, 2.0, np.float32))


def _variables():
    v = tf.Variable(np.ones(2, np.float32), name="v")
    return [tf.global_variables_initializer()], v


def _cond():
    x = tf.placeholder_with_default(np.float32(1.0), (), name="x")
    return [tf.cond(x > 0, lambda: x * 2.0, lambda: x * 3.0)], None


def _control_inputs():
    a = tf.constant(1.0)
    with tf.control_dependencies([a]):
        b = tf.constant(2.0) * 3.0
    return [b], None


def _device():
    with tf.device("/cpu:0"):
        return [tf.constant(1.0) * 2.0], None


def _fed_op_as_target():
    x = tf.placeholder(tf.float32, (), name="x")
    c = tf.constant(3.0)
    return [c.op], {c: np.float32(1.0), x: np.float32(2.0)}


@pytest.mark.parametrize("make", [_variables, _cond, _control_inputs, _device,
                                  _fed_op_as_target])
def test_what_the_direct_run_leaves_to_the_plan(make):
    g = tf.Graph()
    with g.as_default():
        fetches, feed = make()
    with tf.Session(graph=g) as s:
        s.run(fetches, feed if isinstance(feed, dict) else None)
        assert len(s._cache) == 1            # planned


def test_a_traced_run_is_planned():
    g = tf.Graph()
    with g.as_default():
        y = tf.tanh(tf.constant([0.5, 1.0]))
    md = tf.RunMetadata()
    with tf.Session(graph=g) as s:
        v = s.run(y, options=tf.RunOptions(trace_level=3), run_metadata=md)
        assert len(s._cache) == 1
    np.testing.assert_array_equal(v, np.tanh(np.array([0.5, 1.0], np.float32)))
    assert "Tanh" in " ".join(md.executed_ops)


def test_no_direct_run_when_plans_are_optimised_from_their_first_run(monkeypatch):
    g, fetches, feed = _tree_graph()
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")
    with tf.Session(graph=g, passes="all") as s:
        s.run(fetches, feed)
        assert len(s._cache) == 1
        assert s.plan(fetches, feed).compiled_run is not None    # the compiled plan ran
    with tf.Session(graph=g, passes=()) as s:                  # (no passes: direct)
        s.run(fetches, feed)
        assert not s._cache


def test_no_direct_run_with_a_pipeline_of_ones_own():
    g, fetches, feed = _tree_graph()
    seen = []

    def pipeline(session, plan, fetches, fed, vals):
        seen.append(plan)
        return plan
    with tf.Session(graph=g, pipeline=pipeline) as s:
        s.run(fetches, feed)
    assert len(seen) == 1


def test_a_direct_run_counts_among_the_megamorphic_shapes():
    """The shapes of one fetches/feeds family: a direct first run counts as the plan it did
    not build (the shared plan comes at the same shape as when every run was planned)."""
    from dlcore_static import session as _session
    limit = _session.MEGAMORPHIC_AFTER
    switched = []
    for warm in (False, True):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [None, 3], name="x")
            y = tf.reduce_sum(tf.tanh(x), axis=1)
            c = tf.constant(0.0)
        with tf.Session(graph=g) as s:
            if warm:
                s.run(c)                     # (every run of x's family planned)
            at = None
            for n in range(1, limit + 4):
                xv = np.full((n, 3), 0.5, np.float32)
                np.testing.assert_allclose(s.run(y, {x: xv}), np.full(n, 3 * np.tanh(0.5)),
                                           rtol=1e-6)
                if n == 1:
                    assert bool(s._cache) is warm
                lines = [ln for ln in s.__dict__.get("recompile_log", []) if "megamorphic" in ln]
                if lines and at is None:
                    at = n                   # (the first shape given the shared plan)
            switched.append(at)
            family = next(iter(s._shapes_seen))
            assert s._shapes_seen[family] == limit
            # the direct run's key, run again: its plan built now, counted once
            s.run(y, {x: np.ones((1, 3), np.float32)})
            assert s._shapes_seen[family] == limit
            shared = s.plan(y, {x: np.ones((limit + 3, 3), np.float32)})
            assert s.plan(y, {x: np.ones((1, 3), np.float32)}) is not shared   # (its own)
    assert switched == [limit + 1, limit + 1]
