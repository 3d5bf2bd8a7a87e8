"""Reliability probe 10, tf.data: an element whose making failed is that ``get_next``'s error
only (TF 1.15's iterators return the input's error status and go on), through every
transformation, and ``tf.data.experimental.ignore_errors()`` drops such elements.

Before: the pipeline was a chain of Python generators and an exception ended them all: after
a map function's error the next ``get_next`` said "End of sequence" (the rest of the epoch
dropped silently), and ``ignore_errors`` did not exist (AttributeError).
"""

from __future__ import annotations

import signal
import threading

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.deferred_interrupt import deferred_interrupt, urgent_deferred_interrupt


def _failing(bad):
    def f(x):
        if int(x) in bad:
            raise ValueError(f"bad element {int(x)}")
        return x
    return lambda x: tf.py_func(f, [x], tf.int64)


def _outcomes(ds, limit=40):
    """What successive ``get_next`` runs give: values (lists for batches), 'error' (an
    InvalidArgumentError naming the bad element), then 'end'."""
    g = tf.get_default_graph()
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    out: list = []
    with tf.Session(graph=g) as s:
        s.run(it.initializer)
        for _ in range(limit):
            try:
                v = s.run(nxt)
            except tf.errors.OutOfRangeError:
                out.append("end")
                break
            except tf.errors.InvalidArgumentError as e:
                assert "bad element" in str(e) or "Cannot batch" in str(e), str(e)
                assert "IteratorGetNext" in str(e) or "PyFunc" in str(e), str(e)
                out.append("error")
                continue
            out.append(np.asarray(v).tolist())
    return out


def _graph():
    return tf.Graph().as_default()


def test_batch_after_a_failing_map_loses_that_batch_only():
    # TF's BatchDataset returns the input's error; the elements it had taken are gone
    with _graph():
        ds = tf.data.Dataset.range(10).map(_failing({4})).batch(3)
        assert _outcomes(ds) == [[0, 1, 2], "error", [5, 6, 7], [8, 9], "end"]


def test_take_skip_and_shard_do_not_count_errors():
    with _graph():
        ds = tf.data.Dataset.range(8).map(_failing({1, 2}))
        assert _outcomes(ds.take(3)) == [0, "error", "error", 3, 4, "end"]
    with _graph():
        ds = tf.data.Dataset.range(8).map(_failing({1, 5}))
        assert _outcomes(ds.skip(3)) == ["error", 4, "error", 6, 7, "end"]
    with _graph():
        ds = tf.data.Dataset.range(8).map(_failing({2}))
        assert _outcomes(ds.shard(2, 1)) == [1, "error", 4, 6, "end"]   # (0 1 _ 3 4 5 6 7)


def test_filter_zip_repeat_and_cache_pass_an_error_on():
    with _graph():
        bad = tf.data.Dataset.range(6).map(_failing({2}))
        ds = bad.filter(lambda x: tf.equal(x % 2, 0))
        assert _outcomes(ds) == [0, "error", 4, "end"]
    with _graph():
        bad = tf.data.Dataset.range(4).map(_failing({1}))
        ds = tf.data.Dataset.zip((bad, tf.data.Dataset.range(10, 14)))
        # TF 1.15's zip: the inputs after the failing one are not advanced (TF 2.x advances all)
        assert _outcomes(ds.map(lambda a, b: a + b)) == [10, "error", 13, 15, "end"]
    with _graph():
        ds = tf.data.Dataset.range(3).map(_failing({1})).cache().repeat(2)
        # the cache keeps the good elements only: the second pass has no error
        assert _outcomes(ds) == [0, "error", 2, 0, 2, "end"]


def test_shuffle_keeps_its_buffer_through_an_error():
    with _graph():
        tf.set_random_seed(3)
        clean = _outcomes(tf.data.Dataset.range(12).shuffle(4, seed=1))
    with _graph():
        tf.set_random_seed(3)
        got = _outcomes(tf.data.Dataset.range(12).map(_failing({6})).shuffle(4, seed=1))
    assert got.count("error") == 1 and got[-1] == "end"
    kept = [v for v in got if v not in ("error", "end")]
    assert sorted(kept) == [i for i in range(12) if i != 6]
    assert len(clean) == 13 and sorted(clean[:-1]) == list(range(12))


def test_interleave_and_flat_map_give_the_function_error_and_go_on():
    def inner(x):
        return tf.data.Dataset.from_tensors(x).repeat(2)

    with _graph():
        ds = tf.data.Dataset.range(4).map(_failing({1})).flat_map(inner)
        assert _outcomes(ds) == [0, 0, "error", 2, 2, 3, 3, "end"]
    with _graph():
        ds = tf.data.Dataset.range(4).map(_failing({1})).interleave(
            inner, cycle_length=2, block_length=1)
        got = _outcomes(ds)
        assert got.count("error") == 1 and got[-1] == "end"
        assert sorted(v for v in got if v not in ("error", "end")) == [0, 0, 2, 2, 3, 3]


def test_from_generator_element_of_a_wrong_type_is_that_elements_error():
    def gen():
        yield 1
        yield "not a number"
        yield 3

    with _graph():
        ds = tf.data.Dataset.from_generator(gen, tf.int64, tf.TensorShape([]))
        it = ds.make_one_shot_iterator()
        nxt = it.get_next()
        with tf.Session() as s:
            assert s.run(nxt) == 1
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="`generator` yielded an element that did not match"):
                s.run(nxt)
            assert s.run(nxt) == 3
            with pytest.raises(tf.errors.OutOfRangeError):
                s.run(nxt)


def test_ignore_errors_drops_the_failed_elements():
    with _graph():
        ds = tf.data.Dataset.range(10).map(_failing({2, 7})) \
            .apply(tf.data.experimental.ignore_errors()).batch(4)
        assert _outcomes(ds) == [[0, 1, 3, 4], [5, 6, 8, 9], "end"]
    with _graph():           # a generator that raises: ignored, and its dataset ends (TF's)
        def gen():
            yield 1
            yield 2
            raise RuntimeError("disk gone")

        ds = tf.data.Dataset.from_generator(gen, tf.int64, tf.TensorShape([])) \
            .apply(tf.data.experimental.ignore_errors())
        assert _outcomes(ds) == [1, 2, "end"]


def _two_ctrl_c_in(block) -> list:
    """What two SIGINTs (the handler installed at the time called twice, as CPython calls it)
    inside ``block`` do: 'raised at the second', then whether one came out on leaving."""
    seen: list = []
    try:
        with block:
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
            try:
                signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
            except KeyboardInterrupt:
                seen.append("raised at the second")
                seen.append(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    except KeyboardInterrupt:
        seen.append("raised on leaving")
    return seen


def test_a_second_ctrl_c_in_an_urgent_block_is_delivered_at_once():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are the main thread's")
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert _two_ctrl_c_in(urgent_deferred_interrupt()) == ["raised at the second", True]
        assert _two_ctrl_c_in(deferred_interrupt()) == ["raised on leaving"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, saved)


def test_interrupted_get_next_and_assign_run_is_all_or_nothing():
    """``v += get_next()`` interrupted by a Ctrl-C: as before (v = 1, the next element 2) or
    as after (v = 3, the next element 3), as TF1's one-call run; before: the element was taken
    and ``v`` kept its old value at 60 of 82 signal points (the element lost)."""
    from tests.reliability._interrupts import interrupted_at_signal_checks
    g = tf.Graph()
    with g.as_default():
        ds = tf.data.Dataset.range(100).map(lambda x: tf.cast(x, tf.float64))
        it = ds.make_initializable_iterator()
        v = tf.Variable(0.0, dtype=tf.float64)
        step = tf.assign_add(v, it.get_next())
        peek = it.get_next()
    torn = []
    n = 1
    with g.as_default(), tf.Session() as s:
        while True:
            s.run([it.initializer, v.initializer])
            s.run(step)
            s.run(step)                     # v = 0 + 1
            points = interrupted_at_signal_checks(n, lambda: s.run(step))
            state = (float(s.run(v)), float(s.run(peek)))
            if state not in ((1.0, 2.0), (3.0, 3.0)):
                torn.append((n, state))
            if points < n:
                break
            n += 1
    assert n > 40
    assert torn == []


# (TF 1.15's BatchDatasetOp / ShuffleDatasetOp / ShardDatasetOp words)
@pytest.mark.parametrize("make, good, bad, msg", [
    (lambda ph: tf.data.Dataset.range(10).batch(ph), 2, 0,
     r"Batch size must be greater than zero\."),
    (lambda ph: tf.data.Dataset.range(10).shuffle(ph), 2, 0,
     r"buffer_size must be greater than zero\."),
    (lambda ph: tf.data.Dataset.range(10).shard(3, ph), 1, 3,
     r"Index must be between 0 and 2 \(currently index = 3\)\."),
])
def test_a_bad_fed_size_fails_the_initializer_and_keeps_the_running_iterator(make, good, bad,
                                                                              msg):
    """TF's dataset kernels refuse a fed batch_size/buffer_size of 0 (or a shard index out of
    range) when the initializer runs; dlcore took the initializer and failed at the first
    get_next, and the iterator was gone by then (its earlier epoch replaced)."""
    with _graph():
        ph = tf.placeholder(tf.int64, ())
        it = make(ph).make_initializable_iterator()
        nxt = it.get_next()
        with tf.Session() as s:
            s.run(it.initializer, {ph: good})
            first = np.asarray(s.run(nxt)).tolist()
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"^{msg}\n\t \[\[node MakeIterator"):
                s.run(it.initializer, {ph: bad})
            second = np.asarray(s.run(nxt)).tolist()    # the earlier epoch goes on
            assert first != second


def test_a_second_ctrl_c_stops_a_pipeline_stuck_in_a_generator():
    """get_next holds a first Ctrl-C back until its run ends; a generator that never returns
    (a stuck read) still stops at the second (real SIGINTs), the handler restored."""
    import os
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("a real SIGINT reaches the main thread's default handler only")
    release = threading.Event()

    def gen():
        yield 1
        release.wait(30)
        yield 2

    with _graph():
        nxt = tf.data.Dataset.from_generator(gen, tf.int64, tf.TensorShape([])) \
            .make_one_shot_iterator().get_next()
        with tf.Session() as s:
            assert s.run(nxt) == 1
            timers = [threading.Timer(t, os.kill, (os.getpid(), signal.SIGINT))
                      for t in (0.3, 0.8)]
            for t in timers:
                t.start()
            try:
                with pytest.raises(KeyboardInterrupt):
                    s.run(nxt)
                stuck = not release.is_set()    # (stopped while the generator still waited)
            finally:
                for t in timers:
                    t.join()
                release.set()
    assert stuck
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_users_sigint_handler_sees_both_signals_of_an_urgent_block():
    """A program's own SIGINT handler (a counter: 'press Ctrl-C twice to quit') is called once
    per SIGINT: the held one and the second, in order, when the second arrives."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are the main thread's")
    calls: list = []
    saved = signal.signal(signal.SIGINT, lambda signum, frame: calls.append(signum))
    try:
        with urgent_deferred_interrupt():
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
            assert calls == []                                   # held
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
            assert calls == [signal.SIGINT, signal.SIGINT]       # both, at the second
        assert calls == [signal.SIGINT, signal.SIGINT]           # none again on leaving
    finally:
        signal.signal(signal.SIGINT, saved)


def test_a_bad_csv_line_is_that_records_error_and_ignore_errors_skips_it(tmp_path):
    """``CsvDataset`` raised a malformed line's error out of its generator: the rest of the
    file was lost ("End of sequence"), and ``ignore_errors()`` could not skip bad lines (the
    use it is known for); TF's CsvDataset fails that record and goes on."""
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,x\n2\nzz,y\n4,w\n")
    with _graph():
        ds = tf.data.experimental.CsvDataset(str(path), [tf.int32, ""], header=True)
        nxt = ds.make_one_shot_iterator().get_next()
        kept = ds.apply(tf.data.experimental.ignore_errors()).make_one_shot_iterator() \
            .get_next()
        with tf.Session() as s:
            out: list = []
            for _ in range(6):
                try:
                    out.append(tuple(getattr(x, "item", lambda: x)() for x in s.run(nxt)))
                except tf.errors.OutOfRangeError:
                    out.append("end")
                    break
                except tf.errors.InvalidArgumentError as e:
                    out.append(str(e).split(" (file")[0])
            assert out == [(1, b"x"), "Expect 2 fields but have 1 in record 1",
                           "Field 0 in record 2 is not a valid int32: zz", (4, b"w"), "end"]
            good = []
            with pytest.raises(tf.errors.OutOfRangeError):
                while True:
                    good.append(tuple(getattr(x, "item", lambda: x)() for x in s.run(kept)))
            assert good == [(1, b"x"), (4, b"w")]


def test_a_map_function_raising_stop_iteration_ends_the_dataset_as_tf():
    """TF's MapDataset ends the iteration when its function raises OutOfRange (a py_func
    raising StopIteration): 'End of sequence' from then on, not that element's error and the
    next element (which per-element errors would otherwise give)."""
    def f(x):
        if x == 3:
            raise StopIteration("enough")
        return x

    with _graph():
        ds = tf.data.Dataset.range(6).map(lambda x: tf.py_func(f, [x], tf.int64))
        assert _outcomes(ds) == [0, 1, 2, "end"]
