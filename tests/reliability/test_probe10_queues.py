"""Reliability probe 10, TF1 queues given bad input (``dlcore_static/input_queues.py``).

Found (fixed by reliab): the queues took what TF 1.15 refuses, silently.

* ``q.enqueue(x)`` with ``x`` of a static shape the queue's ``shapes`` do not allow, or a
  tensor of another dtype, was built; TF raises ValueError when it is built ("Shapes (2,)
  and (3,) are incompatible", "Tensor conversion requested dtype float32 for Tensor with
  dtype int32").
* a value fed through a placeholder of unknown size was queued whatever its shape; TF's
  kernel refuses it (InvalidArgumentError "Shape mismatch in tuple component 0. Expected [3],
  got [2]"), the queue unchanged; dlcore's later ``dequeue_many`` stacked a batch of the wrong
  shape or failed in NumPy's words.
* ``FIFOQueue(capacity=-1)`` (TF: a negative capacity means no limit) refused the first
  enqueue: "is full (capacity -1, 0 queued ...)".
* ``RandomShuffleQueue(capacity=2, min_after_dequeue=5)`` (also via ``shuffle_batch``) was
  taken, and its dequeue waited for elements that could never be there; TF refuses it when
  the queue is first used: InvalidArgumentError "min_after_dequeue 5 must be < capacity 2".
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _graph():
    return tf.Graph().as_default()


def test_enqueue_of_a_wrong_static_shape_or_dtype_is_refused_when_built():
    with _graph():
        q = tf.FIFOQueue(5, tf.float32, shapes=[(3,)])
        with pytest.raises(ValueError, match=r"^Shapes \(2,\) and \(3,\) are incompatible$"):
            q.enqueue(tf.constant([1.0, 2.0]))
        with pytest.raises(ValueError, match=r"^Shapes \(4,\) and \(3,\) are incompatible$"):
            q.enqueue_many(tf.constant(np.ones((2, 4), np.float32)))
        with pytest.raises(ValueError, match=r"^Tensor conversion requested dtype float32 for "
                                             r"Tensor with dtype int32: "):
            q.enqueue(tf.constant([1, 2, 3]))
        q.enqueue(([1, 2, 3],))             # (Python data converts, as TF's)
        q.enqueue(tf.placeholder(tf.float32, (None,)))      # (unknown: checked when run)


def test_a_fed_value_of_the_wrong_shape_is_refused_and_not_queued():
    with _graph():
        q = tf.FIFOQueue(5, [tf.float32, tf.int32], shapes=[(3,), ()])
        x = tf.placeholder(tf.float32, (None,))
        xs = tf.placeholder(tf.float32, (None, None))
        ks = tf.placeholder(tf.int32, (None,))
        one = q.enqueue([x, 7])
        many = q.enqueue_many([xs, ks])
        size = q.size()
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"^Shape mismatch in tuple component 0\. Expected \[3\], "
                                     r"got \[2\]\n"):
                s.run(one, {x: [1.0, 2.0]})
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"^Shape mismatch in tuple component 0\. Expected "
                                     r"\[2,3\], got \[2,4\]\n"):
                s.run(many, {xs: np.ones((2, 4)), ks: [1, 2]})
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"^Shape mismatch in tuple component 1\. Expected \[2\], "
                                     r"got \[3\]\n"):
                s.run(many, {xs: np.ones((2, 3)), ks: [1, 2, 3]})
            assert s.run(size) == 0
            s.run(one, {x: [1.0, 2.0, 3.0]})
            s.run(many, {xs: np.ones((2, 3)), ks: [4, 5]})
            assert s.run(size) == 3


def test_a_negative_capacity_means_no_limit_as_tf():
    with _graph():
        q = tf.FIFOQueue(-1, tf.float32, shapes=[()])
        x = tf.placeholder(tf.float32, (None,))
        enq = q.enqueue_many(x)
        deq = q.dequeue_many(1000)
        with tf.Session() as s:
            s.run(enq, {x: np.arange(1000.0)})
            assert s.run(q.size()) == 1000
            np.testing.assert_array_equal(s.run(deq), np.arange(1000.0))


def test_a_random_shuffle_queue_needing_more_than_its_capacity_is_refused_as_tf():
    with _graph():
        q = tf.RandomShuffleQueue(2, 5, tf.float32, shapes=[()])
        deq = q.dequeue()
        enq = q.enqueue(1.0)
        b = tf.train.shuffle_batch([tf.constant(1.0)], 4, capacity=3, min_after_dequeue=-1)
        with tf.Session() as s:
            for op in (enq, deq):
                with pytest.raises(tf.errors.InvalidArgumentError,
                                   match=r"^min_after_dequeue 5 must be < capacity 2\n"):
                    s.run(op)
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"^min_after_dequeue -1 must be >= 0\n"):
                s.run(b)


@pytest.mark.parametrize("exit_with", [SystemExit, KeyboardInterrupt])
def test_a_worker_ending_with_sys_exit_or_an_interrupt_stops_the_coordinator_as_tf1(exit_with):
    """TF1's ``Coordinator.stop_on_exception`` has a bare ``except``: a worker thread that
    calls ``sys.exit()`` (or raises KeyboardInterrupt) requests the stop and ``join`` raises
    it; dlcore caught ``Exception`` only: the thread died, the other threads ran on and
    ``join`` returned as if all went well."""
    import threading
    coord = tf.train.Coordinator()
    others_stopped = threading.Event()

    def failing():
        with coord.stop_on_exception():
            raise exit_with(3) if exit_with is SystemExit else exit_with()

    def looping():
        while not coord.should_stop():
            coord.wait_for_stop(0.01)
        others_stopped.set()

    threads = [threading.Thread(target=looping, daemon=True),
               threading.Thread(target=failing, daemon=True)]
    for t in threads:
        t.start()
    assert others_stopped.wait(10)
    with pytest.raises(exit_with):
        coord.join(threads)


def test_input_producers_refuse_what_tf1_refuses_when_built():
    """``num_epochs=0`` made a producer whose queue closed at once (an empty epoch loop);
    a 2-D list of file names made a queue of names of shape [] fed rows of shape [1]; TF 1.15
    raises ValueError for both when the producer is built (``limit_epochs``, and the rows'
    shape merged with ``element_shape``)."""
    with _graph():
        for n in (0, -1):
            with pytest.raises(ValueError, match=rf"^num_epochs must be > 0 not {n}\.$"):
                tf.train.string_input_producer(["a.txt"], num_epochs=n)
        with pytest.raises(ValueError, match=r"^Shapes \(1,\) and \(\) are not compatible$"):
            tf.train.string_input_producer([["a.txt"], ["b.txt"]])
        tf.train.string_input_producer(["a.txt"], num_epochs=1)     # (still fine)


def test_closing_the_session_cancels_a_dequeue_waiting_in_another_thread_as_tf1():
    """TF1's ``sess.close()`` cancels the pending queue ops of its runs: a consumer thread
    waiting in ``sess.run(q.dequeue())`` gets CancelledError "Dequeue operation was
    cancelled" (a program's shutdown: close the session, join the threads).  dlcore's
    consumer waited for ever (the main thread alive), so the join never returned."""
    import threading
    with _graph():
        q = tf.FIFOQueue(3, tf.float32, shapes=[()])
        deq = q.dequeue()
        sess = tf.Session()
    got: list = []
    started = threading.Event()

    def consumer():
        started.set()
        try:
            got.append(sess.run(deq))
        except tf.errors.CancelledError as e:
            got.append(str(e))

    t = threading.Thread(target=consumer, daemon=True)
    t.start()
    started.wait(10)
    while not _waiting_on(q, sess) and t.is_alive():
        t.join(0.01)
    sess.close()
    t.join(30)
    assert not t.is_alive()
    assert len(got) == 1 and got[0].startswith("Dequeue operation was cancelled\n\t [[node ")


def _waiting_on(q, sess) -> bool:
    """Whether a thread has entered ``q``'s dequeue in ``sess`` (it is then among its users)."""
    from dlcore_static import input_queues
    st = input_queues._STATE.get(sess, {}).get(q)
    return st is not None and bool(st.users)
