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

Added in session 10 (helper C10): a user's SIGINT handler that raises an exception other than
``KeyboardInterrupt`` during a compiled step.  The runner took it for a failure of the
compiled code: it dropped the staged writes, re-ran the steps one by one (so the run applied
its updates and the exception was lost) and ran the interpreter from then on; on CUDA, where
the glue writes the updates into the variables' own arrays with the interrupt held back until
they are all done, the re-run applied them a second time.  Now the run applies all its
updates or none and the handler's exception propagates once, unwrapped.
"""

from __future__ import annotations

import logging
import signal

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.jitcache import cache_dir
from tests.reliability._interrupts import LIBRARY_DIRS
from tests.reliability._interrupts import interrupted_at as _interrupted_at
from tests.reliability._interrupts import signalled_at

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


class _Stop(Exception):
    """What the user's SIGINT handler raises."""


def _stop(signum, frame):
    raise _Stop("stopped by the user's handler")


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def test_handler_raising_its_own_exception_mid_step_is_all_or_nothing_and_raised_once(
        device, fallbacks):
    import dlcore
    from dlcore_static.compiler import Pipeline
    if device == "cuda" and not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 3))
        w = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(
            tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2))
        init = tf.global_variables_initializer()
        variables = tf.global_variables()
    feed = {x: np.linspace(0, 1, 12, dtype=np.float32).reshape(4, 3)}
    # the reference steps on the CPU (the simulator's steps are slow): equal to float32 rounding
    ref, sess = (tf.Session(graph=g, device=d, pipeline=Pipeline("all", after=1))
                 for d in ("cpu", device))
    for s in (ref, sess):
        s.run(init)
        for _ in range(3 if device == "cpu" else 1):    # (CPU: the in-place updates' spare
            s.run(train, feed)                          # buffers made, so steady steps)
    held: list = []             # (CUDA) the lines run while the glue holds an interrupt back
    total = signalled_at(10 ** 9, lambda: sess.run(train, feed), DIRS,
                         lambda k, frame: "_dh" in frame.f_locals and held.append(k))
    points = list(np.linspace(2, total - 1, 5 if device == "cpu" else 1).astype(int)) + \
        held[::max(1, len(held) // 2)][:2]
    assert device == "cpu" or len(points) == 3      # (the CUDA glue holds updates back)
    states = []
    for _ in range(len(points) + 2):
        ref.run(train, feed)
        states.append(_state(ref, variables))

    def same(a, b):
        return all(np.allclose(x, y, rtol=1e-5, atol=1e-6) for x, y in zip(a, b))
    raised, k = [], 0

    def step():
        try:
            sess.run(train, feed)
        except _Stop:
            raised.append(True)
    old = signal.signal(signal.SIGINT, _stop)
    try:
        for n in points:
            assert signalled_at(int(n), step, DIRS) >= n         # (the handler was called)
            assert len(raised) == 1, (n, raised)        # not lost, not wrapped, not twice
            raised.clear()
            now = _state(sess, variables)
            assert same(now, states[k]) or same(now, states[k + 1]), n
            k += not same(now, states[k])
    finally:
        signal.signal(signal.SIGINT, old)
    assert 0 < k < len(points)                          # some points before, some after
    step()
    assert same(_state(sess, variables), states[k + 1])
    assert sess.plan(train, feed).compiled_run is not None and not fallbacks
