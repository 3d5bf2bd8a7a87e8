"""Reliability probe 7, interrupts in the code added since probe 5 (helper-R7): a
``KeyboardInterrupt`` at sampled lines of

* a compiled ``tf.while_loop`` training step whose forward and gradient loops run as generated
  drivers (``compiler.control_loops``; the traced lines include the drivers' generated files),
  with Adam's slots and step count among the variables;
* the run that optimises the plan (the tiering switch: the plan's second run runs the passes
  and the Numba compilation, then the compiled step).

Afterwards every variable and slot is either as before the step or as after one whole step,
the next steps give the values of an uninterrupted run, and the plan stays compiled (no
fallback to the interpreter).  All passed when probed (131 points of a compiled step, 150 of
the optimising run); kept as regression tests with a few points each.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.jitcache import cache_dir
from tests.reliability._interrupts import LIBRARY_DIRS
from tests.reliability._interrupts import interrupted_at as _interrupted_at

DIRS = LIBRARY_DIRS + (str(cache_dir()),)     # (and the generated drivers' files)


def interrupted_at(n, fn) -> int:
    return _interrupted_at(n, fn, DIRS)


def _make(passes):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (2, 3))
        n = tf.placeholder(tf.int32, ())
        w = tf.Variable(np.eye(3) * 0.5)
        b = tf.Variable(np.full(3, 0.1))
        table = tf.Variable(np.linspace(0, 1, 12).reshape(4, 3))
        _, h = tf.while_loop(
            lambda i, h: i < n,
            lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + b + tf.gather(table, i))),
            [tf.constant(0), x])
        train = tf.train.AdamOptimizer(0.05).minimize(tf.reduce_sum(h ** 2))
        sess = tf.Session(graph=g, passes=passes)
        sess.run(tf.global_variables_initializer())
        variables = tf.global_variables()
    feed = {x: np.arange(6.0).reshape(2, 3) / 6, n: 3}
    return sess, (lambda: sess.run(train, feed)), variables, (train, feed)


def _state(sess, variables):
    return [np.copy(v) for v in sess.run(variables)]


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def _close(a, b) -> bool:
    return all(np.allclose(x, y, rtol=1e-12, atol=1e-14) for x, y in zip(a, b))


@pytest.fixture
def fallbacks():
    """Warnings of a compiled plan falling back to the interpreter."""
    seen: list = []

    class Catch(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    handler = Catch()
    logging.getLogger("dlcore_static.compiler").addHandler(handler)
    yield seen
    logging.getLogger("dlcore_static.compiler").removeHandler(handler)


@pytest.mark.parametrize("passes", [None, "all"])
@pytest.mark.parametrize("compiled_runs", [2, 1], ids=["compiled step", "optimising run"])
def test_interrupted_loop_training_step_is_all_or_nothing(passes, compiled_runs, fallbacks):
    sess, step, variables, _ = _make(passes)
    for _ in range(compiled_runs):
        step()
    states = [_state(sess, variables)]
    for _ in range(2):
        step()
        states.append(_state(sess, variables))
    sess, step, variables, _ = _make(passes)
    for _ in range(compiled_runs):
        step()
    total = interrupted_at(10 ** 9, step)
    for k in np.linspace(3, total - 2, 6).astype(int):
        sess, step, variables, (train, feed) = _make(passes)
        for _ in range(compiled_runs):
            step()
        interrupted_at(int(k), step)
        now = _state(sess, variables)
        old = _same(now, states[0])
        assert old or _close(now, states[1]), k
        step()
        assert _close(_state(sess, variables), states[1 if old else 2]), k
        assert sess.plan(train, feed).compiled_run is not None or passes is None
    assert not fallbacks
