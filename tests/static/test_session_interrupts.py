"""Ctrl-C at random points of static runs (issue 15 #6): all-or-nothing, and the plan recovers.

A timer (``signal.setitimer``: SIGALRM, whose handler raises ``KeyboardInterrupt`` in the main
thread, as Ctrl-C's SIGINT handler does) fires at a random moment of a run that updates two variables.  Whatever the moment, the run either
happened entirely or not at all (both variables moved by one step, or neither), a
``KeyboardInterrupt`` (never a ``SystemError``) reaches the caller, and later runs work; with the
compiler on, the plan stays compiled (it is not demoted to the interpreter).
"""

from __future__ import annotations

import logging
import signal
import time

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler


def _model():
    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal((96, 96)) / 10)
    w = tf.Variable(np.zeros(96), name="w")
    u = tf.Variable(np.zeros(96), name="u")
    h = tf.reshape(w, (1, 96)) + tf.constant(rng.standard_normal((64, 96)))
    for _ in range(10):                      # some work, so that interrupts land inside runs
        h = tf.tanh(tf.matmul(h, a))
    step = tf.group(w.assign(w + 1.0 + 0.0 * tf.reduce_sum(h)), u.assign(u + 1.0))
    return w, u, step


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _interrupted_run(sess, step, delay: float) -> tuple[bool, bool]:
    """(interrupted, completed): run ``step`` with an interrupt due after ``delay`` s."""
    completed = interrupted = False
    old = signal.signal(signal.SIGALRM, _raise_interrupt)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, delay)
            sess.run(step)
            completed = True
            time.sleep(0.002)                # an interrupt still due is delivered here
            signal.setitimer(signal.ITIMER_REAL, 0)
        except KeyboardInterrupt:
            interrupted = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return interrupted, completed


@pytest.mark.parametrize("passes", [(), "all"])
def test_random_interrupts_leave_all_or_nothing_and_later_runs_work(passes, caplog):
    w, u, step = _model()
    sess = tf.Session(passes=passes)
    sess.run([w.initializer, u.initializer])
    for _ in range(3):                       # build (and compile) the plan first
        sess.run(step)
    t0 = time.perf_counter()
    for _ in range(5):
        sess.run(step)
    per_run = (time.perf_counter() - t0) / 5
    rng = np.random.default_rng(6)
    hits = 0
    caplog.set_level(logging.WARNING, logger="dlcore_static.compiler")
    for _ in range(50):
        before = sess.run(w)[0]
        interrupted, completed = _interrupted_run(sess, step, max(1e-5, rng.uniform(0, per_run)))
        wv, uv = sess.run([w, u])
        assert np.all(wv == wv[0]) and np.all(uv == uv[0])
        assert wv[0] == uv[0], "one variable updated without the other"
        assert wv[0] in (before, before + 1)
        if completed:
            assert wv[0] == before + 1
        hits += interrupted and not completed
    before = sess.run(w)[0]
    for _ in range(3):
        sess.run(step)
    assert sess.run(w)[0] == before + 3
    assert hits > 0, f"no interrupt landed inside a run ({per_run * 1e3:.2f} ms per run)"
    assert "runs in the interpreter from now on" not in caplog.text
    if passes:
        assert compiler.explain(sess, step).compiled
