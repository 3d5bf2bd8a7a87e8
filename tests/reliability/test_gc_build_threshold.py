"""While a dlcore graph is the default one (``with g.as_default():`` or a Session's ``with``
block), CPython's young-generation collection threshold is raised to
``_gc_pause.BUILD_THRESHOLD`` and put back when the last such block ends
(dlcore_static/_gc_pause.py: a graph built per batch was promoted to the oldest generation by
the collections that ran while it was built, and the full collections that followed took 2.2
ms of an 8.0 ms step, issue 19)."""

from __future__ import annotations

import gc
import threading

import pytest

import dlcore_static as tf
from dlcore_static import _gc_pause

DEFAULT = (700, 10, 10)


@pytest.fixture(autouse=True)
def _thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(*DEFAULT)
    yield
    gc.set_threshold(*saved)


def test_as_default_raises_the_young_threshold_and_puts_it_back():
    g = tf.Graph()
    with g.as_default():
        assert gc.get_threshold() == (_gc_pause.BUILD_THRESHOLD, 10, 10)
        tf.constant(1.0) + 2.0
    assert gc.get_threshold() == DEFAULT


def test_nested_blocks_and_a_session_block_restore_once_at_the_outermost_end():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2])
        with tf.Session(graph=g) as sess:
            assert gc.get_threshold()[0] == _gc_pause.BUILD_THRESHOLD
            assert sess.run(x * 2.0, {x: [1.0, 2.0]}).tolist() == [2.0, 4.0]
        assert gc.get_threshold()[0] == _gc_pause.BUILD_THRESHOLD     # still inside as_default
    assert gc.get_threshold() == DEFAULT
    with tf.Session(graph=g):
        assert gc.get_threshold()[0] == _gc_pause.BUILD_THRESHOLD
    assert gc.get_threshold() == DEFAULT


def test_an_error_in_the_block_still_puts_the_threshold_back():
    g = tf.Graph()
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        with g.as_default():
            tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))
    assert gc.get_threshold() == DEFAULT


def test_a_threshold_the_user_sets_inside_the_block_is_kept():
    with tf.Graph().as_default():
        gc.set_threshold(1234, 5, 6)
    assert gc.get_threshold() == (1234, 5, 6)


@pytest.mark.parametrize("threshold", [(50_000, 10, 10), (0, 10, 10)])
def test_a_higher_or_switched_off_threshold_is_left_alone(threshold):
    gc.set_threshold(*threshold)
    with tf.Graph().as_default():
        assert gc.get_threshold() == threshold
    assert gc.get_threshold() == threshold


def test_blocks_on_two_threads_restore_when_the_last_one_ends():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def other():
        with tf.Graph().as_default():
            entered.set()
            release.wait(10)
        seen["after_other"] = gc.get_threshold()

    with tf.Graph().as_default():
        t = threading.Thread(target=other)
        t.start()
        assert entered.wait(10)
    # this thread's block ended, the other thread's has not: still raised
    assert gc.get_threshold()[0] == _gc_pause.BUILD_THRESHOLD
    release.set()
    t.join(10)
    assert seen["after_other"] == DEFAULT
    assert gc.get_threshold() == DEFAULT


def _young_collections(build) -> int:
    """How many automatic collections ran while ``build()`` ran."""
    runs = []

    def cb(phase, info):
        if phase == "start":
            runs.append(info["generation"])
    gc.collect()
    gc.callbacks.append(cb)
    try:
        build()
    finally:
        gc.callbacks.remove(cb)
    return len(runs)


def _chain(n: int):
    x = tf.placeholder(tf.float32, [4])
    for _ in range(n):
        x = tf.tanh(x * 1.5)
    return x


def test_a_graph_built_in_the_block_meets_fewer_collections():
    """The point of it: the ~3 tracked objects per node of a 1,500-node graph set off several
    young collections (each one promotes the graph under construction) outside the block, and
    at most one inside it."""
    outside = _young_collections(lambda: _chain(750))

    def inside():
        with tf.Graph().as_default():
            _chain(750)
    within = _young_collections(inside)
    assert outside >= 4, outside
    assert within <= 1, within
