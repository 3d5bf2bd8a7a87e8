"""A Ctrl-C anywhere in the static front end's collector pause (dlcore_static/_gc_pause.py)
leaves CPython's cyclic garbage collector as it was found.  The pause used to be a ``with``
block whose Python ``__enter__``/``__exit__`` could be interrupted right after ``gc.disable()``
or before ``gc.enable()``: the collector stayed off for the rest of the process (found by
test_probe9_queues' interrupt sweep, which left it off for 2,642 later tests of its worker)."""

from __future__ import annotations

import gc
import os

import numpy as np

import dlcore_static as tf
from dlcore_static import _gc_pause
from tests.reliability._interrupts import interrupted_at_signal_checks

_FRONT_END = (os.path.dirname(tf.__file__),)


def _sweep(fn, dirs=_FRONT_END):
    """Interrupt ``fn`` at every point CPython checks for signals in ``dirs``; the points
    where the collector was left off."""
    was = gc.isenabled()
    leaked = []
    try:
        gc.enable()
        total = interrupted_at_signal_checks(10**9, fn, dirs)
        assert total > 0
        assert gc.isenabled()
        for n in range(1, total + 1):
            interrupted_at_signal_checks(n, fn, dirs)
            if not gc.isenabled():
                leaked.append(n)
                gc.enable()
    finally:
        (gc.enable if was else gc.disable)()
    return total, leaked


def test_ctrl_c_at_every_point_of_the_pause_leaves_the_collector_on():
    seen = []

    def work():
        seen.append(gc.isenabled())
        return 3

    total, leaked = _sweep(lambda: _gc_pause.call(work))
    assert leaked == []
    assert total >= 4                       # the pause's own calls were swept
    assert False in seen                    # and the work ran with the collector off

    @_gc_pause.pausing
    def decorated():
        return work()

    total, leaked = _sweep(decorated)
    assert leaked == []


def test_ctrl_c_while_a_session_plans_a_graph_leaves_the_collector_on():
    # a fresh graph per sweep point: every second run plans (and, with passes, optimises) anew
    # (a Session's first run of a graph runs its ops directly, without a plan: _direct_run.py)
    def plan_once():
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, (2,))
            y = tf.tanh(x * 2.0) + 1.0
            with tf.Session(graph=g, passes="all") as sess:
                first = sess.run(y, {x: np.array([0.5, -1.0])})
                out = sess.run(y, {x: np.array([0.5, -1.0])})
        np.testing.assert_allclose(first, np.tanh(np.array([1.0, -2.0])) + 1.0)
        np.testing.assert_allclose(out, np.tanh(np.array([1.0, -2.0])) + 1.0)

    plan_dir = (os.path.join(_FRONT_END[0], "_gc_pause.py"),)
    _, leaked = _sweep(plan_once, plan_dir)
    assert leaked == []
