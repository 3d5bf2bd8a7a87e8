"""tf.train.Coordinator (threads stop together; join re-raises the first error, not a clean
OutOfRangeError) and tf.train.start_queue_runners with no queue runners (TF1's warning, [])."""

from __future__ import annotations

import threading

import pytest

import dlcore_static as tf


def test_coordinator_stops_threads_and_reraises_the_first_error():
    coord = tf.train.Coordinator()
    seen = []

    def work(i):
        with coord.stop_on_exception():
            while not coord.should_stop():
                if i == 2:
                    raise ValueError("worker 2 failed")
                coord.wait_for_stop(0.01)
            seen.append(i)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    with pytest.raises(ValueError, match="worker 2 failed"):
        coord.join(threads, stop_grace_period_secs=5)
    assert sorted(seen) == [0, 1] and coord.should_stop() and coord.joined
    coord.clear_stop()
    assert not coord.should_stop()
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "End of sequence"))
    coord.join([])                                  # a clean stop: nothing raised


def test_start_queue_runners_without_queues_returns_nothing():
    with tf.Session() as s:
        coord = tf.train.Coordinator()
        with pytest.warns(UserWarning, match="no queue runners were defined"):
            threads = tf.train.start_queue_runners(sess=s, coord=coord)
    assert threads == []
    coord.request_stop()
    coord.join(threads)
