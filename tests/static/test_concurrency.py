"""Several threads calling ``Session.run`` on one Session (issue 15 #8): no lost update."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import dlcore_static as tf


def _hammer(sess, fetch, threads: int, runs: int) -> list:
    errors: list = []
    start = threading.Barrier(threads)

    def work():
        try:
            start.wait()
            for _ in range(runs):
                sess.run(fetch)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)
    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors


@pytest.mark.parametrize("passes", [(), "all"])
def test_two_threads_assign_add_lose_no_update(passes):
    counter = tf.Variable(0, dtype=tf.int64, name="counter")
    inc = counter.assign_add(tf.constant(1, tf.int64))
    sess = tf.Session(passes=passes)
    sess.run(counter.initializer)
    assert _hammer(sess, inc, threads=2, runs=2000) == []
    assert sess.run(counter) == 4000


@pytest.mark.parametrize("passes", [(), "all"])
def test_threads_updating_a_vector_in_place_lose_no_update_and_readers_see_whole_values(passes):
    v = tf.Variable(np.zeros(64), name="v")
    inc = v.assign(v + 1.0)                         # compiled: an in-place update
    spread = tf.reduce_max(v) - tf.reduce_min(v)    # a reader: never a half-written value
    sess = tf.Session(passes=passes)
    sess.run(v.initializer)
    seen: list = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            seen.append(sess.run(spread))
    r = threading.Thread(target=read)
    r.start()
    try:
        assert _hammer(sess, inc, threads=2, runs=500) == []
    finally:
        stop.set()
        r.join()
    np.testing.assert_array_equal(sess.run(v), np.full(64, 1000.0))
    assert seen and max(seen) == 0.0
