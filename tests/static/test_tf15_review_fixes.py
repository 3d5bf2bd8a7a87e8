"""Fixes of the review of the TF1 additions (/tmp/team/rv-static-report.md): TF 1.15's
behaviour (values vs NumPy; errors by type and message)."""

import numpy as np
import pytest

import dlcore_static as tf


def test_hessians_through_a_loop_raise_tf1s_typeerror():
    # item 3: a gradient through a while loop's gradient was None, taken as zeros
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        s = tf.scan(lambda acc, t: acc * t, x, initializer=tf.constant(1.0))
        with pytest.raises(TypeError, match="Second-order gradient for while loops not supported"):
            tf.hessians(s[-1], x)
        g, = tf.gradients(s[-1], x)
        with pytest.raises(TypeError, match="Second-order gradient for while loops not supported"):
            tf.gradients(g[0], x)


def test_hessians_without_loops_still_values():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        h, = tf.hessians(x[0] ** 2 * x[1], x)
        with tf.Session() as sess:
            v = sess.run(h, {x: [2.0, 3.0]})
    np.testing.assert_allclose(v, [[6.0, 4.0], [4.0, 0.0]])


@pytest.mark.parametrize("begin,size,feed,msg", [
    ([0, "b"], [-1, 2], -1, r"Expected begin\[1\] in \[0, 4\], but got -1"),
    ([0, "b"], [-1, 2], 5, r"Expected begin\[1\] in \[0, 4\], but got 5"),
    ([0, 0], [-1, "b"], 6, r"Expected size\[1\] in \[0, 4\], but got 6"),
    ([0, 3], [-1, "b"], 3, r"Expected size\[1\] in \[0, 1\], but got 3"),
    (["b", 0], [1, -1], 3, r"Expected size\[0\] in \[0, 0\], but got 1"),
])
def test_slice_run_time_bounds_are_checked(begin, size, feed, msg):
    # item 4: a run-time begin/size out of range was clamped (a Python slice)
    with tf.Graph().as_default():
        x = tf.constant(np.arange(12).reshape(3, 4))
        b = tf.placeholder(tf.int32, ())
        y = tf.slice(x, [b if e == "b" else e for e in begin], [b if e == "b" else e for e in size])
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
                sess.run(y, {b: feed})


def test_slice_run_time_bounds_values_and_static_shape():
    a = np.arange(12).reshape(3, 4)
    with tf.Graph().as_default():
        x = tf.constant(a)
        b = tf.placeholder(tf.int32, ())
        v = tf.placeholder(tf.int32, (2,))
        y1 = tf.slice(x, [0, b], [-1, 2])
        y2 = tf.slice(x, [1, b], [-1, -1])
        y3 = tf.slice(x, v, [2, 1])
        assert y1.shape.as_list() == [3, 2] and y2.shape.as_list() == [2, None]
        assert y3.shape.as_list() == [2, 1]
        with tf.Session() as sess:
            r1, r2, r3 = sess.run([y1, y2, y3], {b: 2, v: [1, 3]})
    np.testing.assert_array_equal(r1, a[:, 2:4])
    np.testing.assert_array_equal(r2, a[1:, 2:])
    np.testing.assert_array_equal(r3, a[1:3, 3:4])


def test_add_n_merges_static_shapes_and_checks_run_time_shapes():
    # item 5: add_n broadcast a fed (5, 3) against (1, 3); static shape stayed (?, 3)
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, (None, 3))
        y = tf.add_n([p, tf.ones((1, 3))])
        z = tf.add_n([p, p * 2.0, p])
        assert y.shape.as_list() == [1, 3] and z.shape.as_list() == [None, 3]
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {p: np.full((1, 3), 2.0)}), np.full((1, 3), 3.0))
            np.testing.assert_allclose(sess.run(z, {p: np.ones((4, 3))}), np.full((4, 3), 4.0))
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"Inputs to operation AddN of type AddN must have the same "
                                     r"size and shape\.  Input 0: \[5,3\] != input 1: \[1,3\]"):
                sess.run(y, {p: np.zeros((5, 3))})


def test_queue_runner_runs_inside_a_dequeue_keep_the_outer_runs_writes():
    # item 1: the nested producer run shared the outer run's pending writes; its discard (end
    # of input) threw away the outer run's assign_add
    with tf.Graph().as_default():
        v = tf.Variable(0, name="v")
        q = tf.train.range_input_producer(4, num_epochs=1, shuffle=False)
        inc = tf.assign_add(v, 1)
        with tf.control_dependencies([inc]):
            y = q.dequeue_up_to(3)
        with tf.Session() as sess:
            sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            np.testing.assert_array_equal(sess.run(y), [0, 1, 2])
            assert sess.run(v) == 1
            np.testing.assert_array_equal(sess.run(y), [3])
            assert sess.run(v) == 2
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(y)
            assert sess.run(v) == 2     # a failed run commits nothing


def _run_thread(fn):
    import threading
    errs: list = []

    def body():
        try:
            fn()
        except Exception as e:          # reported by the test
            errs.append(e)
    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, errs


def test_fifo_queue_fed_by_a_producer_thread_waits_as_tf1():
    # item 2: TF1's Queues guide: a thread enqueues while the main thread dequeues; the
    # queue (capacity 4) was full/empty at once -> DeadlineExceededError
    with tf.Graph().as_default():
        q = tf.FIFOQueue(4, tf.float32, shapes=[()])
        x = tf.placeholder(tf.float32, ())
        enq, deq, close = q.enqueue(x), q.dequeue(), q.close()
        sess = tf.Session()

        def produce():
            for i in range(10):
                sess.run(enq, {x: float(i)})
            sess.run(close)
        t, errs = _run_thread(produce)
        got = []
        with pytest.raises(tf.errors.OutOfRangeError, match="is closed and has insufficient "
                           r"elements \(requested 1, current size 0\)"):
            for _ in range(11):
                got.append(float(sess.run(deq)))
        t.join(timeout=30)
        assert not t.is_alive() and errs == []
        assert got == [float(i) for i in range(10)]


def test_enqueue_many_past_capacity_waits_for_a_consumer_thread():
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, tf.int32, shapes=[()])
        enq = q.enqueue_many([tf.range(8)])
        deq = q.dequeue_many(2)
        sess = tf.Session()
        t, errs = _run_thread(lambda: (sess.run(enq), sess.run(q.close())))
        got = []
        for _ in range(4):
            got.extend(sess.run(deq).tolist())
        t.join(timeout=30)
        assert not t.is_alive() and errs == []
        assert got == list(range(8))


def test_random_shuffle_queue_order_and_min_after_dequeue():
    # item 6: elements came out in descending index order; min_after_dequeue was ignored
    # without a queue runner
    with tf.Graph().as_default():
        q = tf.RandomShuffleQueue(20, 5, tf.int32, shapes=[()], seed=3)
        enq = q.enqueue_many([tf.range(10)])
        d8 = q.dequeue_many(8)
        d5 = q.dequeue_many(5)
        with tf.Session() as sess:
            sess.run(enq)
            with pytest.raises(tf.errors.DeadlineExceededError,
                               match=r"has 10 elements, 8 requested, and no queue runner"):
                sess.run(d8)                    # 10 - 8 < min_after_dequeue: TF would wait
            first = sess.run(d5)                # 10 - 5 >= 5
            assert sess.run(q.size()) == 5
            sess.run(q.close())
            rest = sess.run(d5)                 # closed: below min_after_dequeue allowed
    assert sorted(first.tolist() + rest.tolist()) == list(range(10))
    assert first.tolist() != sorted(first.tolist(), reverse=True)   # drawn order
    rng = np.random.RandomState(tf.input_queues.seed_pair(None, 3, 0))
    assert first.tolist() == rng.choice(10, 5, replace=False).tolist()


def test_graph_seed_makes_shuffled_producers_repeatable():
    # item 7: tf.set_random_seed was ignored by string_input_producer / RandomShuffleQueue
    orders = []
    for _ in range(2):
        with tf.Graph().as_default():
            tf.set_random_seed(1)
            f = tf.train.string_input_producer([b"a", b"b", b"c", b"d", b"e", b"f"])
            x = f.dequeue()
            q = tf.RandomShuffleQueue(10, 0, tf.int32, shapes=[()])
            enq = q.enqueue_many([tf.range(8)])
            d = q.dequeue_many(8)
            with tf.Session() as sess:
                sess.run(enq)
                orders.append(([sess.run(x) for _ in range(6)], sess.run(d).tolist()))
    assert orders[0] == orders[1]
    assert sorted(orders[0][0]) == [b"a", b"b", b"c", b"d", b"e", b"f"]
    assert sorted(orders[0][1]) == list(range(8))


def test_separable_conv_takes_regularizers_and_reuse_and_layers_refuse_unknown_kwargs():
    # item 10: separable_conv2d dropped its regularizers and reuse; bogus kwargs were accepted
    with tf.Graph().as_default():
        reg = tf.contrib.layers.l2_regularizer(0.5)
        x = tf.ones((1, 4, 4, 2))
        with tf.variable_scope("s"):
            a = tf.layers.separable_conv2d(x, 3, 3, name="sc", depthwise_regularizer=reg,
                                           pointwise_regularizer=reg, bias_regularizer=reg,
                                           depthwise_initializer=tf.ones_initializer(),
                                           pointwise_initializer=tf.ones_initializer())
        with tf.variable_scope("s", reuse=True):
            b = tf.layers.separable_conv2d(x, 3, 3, name="sc")
        names = [v.name for v in tf.trainable_variables()]
        assert names == ["s/sc/depthwise_kernel:0", "s/sc/pointwise_kernel:0", "s/sc/bias:0"]
        losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
        assert len(losses) == 3
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            ra, rb, rl = sess.run([a, b, losses])
        np.testing.assert_allclose(ra, np.full((1, 2, 2, 3), 18.0))      # 9 taps x 2 channels
        np.testing.assert_allclose(rb, ra)
        # l2_regularizer(0.5): 0.5 * sum(w^2) / 2: 18 and 6 ones, zero bias
        np.testing.assert_allclose(rl, [4.5, 1.5, 0.0])
        y = tf.zeros((1, 3))
        with pytest.raises(TypeError, match=r"dense\(\) got an unexpected keyword argument "
                                            r"'bogus_arg'"):
            tf.layers.dense(y, 2, bogus_arg=3)
        with pytest.raises(TypeError, match=r"conv2d\(\) got an unexpected keyword argument"):
            tf.layers.conv2d(x, 2, 3, bogus_arg=3)
        with pytest.raises(TypeError, match=r"separable_conv2d\(\) got an unexpected keyword"):
            tf.layers.separable_conv2d(x, 2, 3, bogus_arg=3)
        with pytest.raises(TypeError, match=r"Keyword argument not understood:.*bogus_arg"):
            tf.layers.Dense(2, bogus_arg=3)


def test_conv2d_transpose_output_shape_checked_and_static_shape():
    # item 9: batch/channel entries of output_shape were ignored, a 3-entry one accepted
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (None, 4, 4, 3))
        f = tf.ones((3, 3, 4, 3))
        y = tf.nn.conv2d_transpose(x, f, [1, 8, 8, 4], [1, 2, 2, 1])
        assert y.shape.as_list()[1:] == [8, 8, 4]
        with pytest.raises(ValueError, match="output_shape does not match filter's output "
                                             "channels, 5 != 4"):
            tf.nn.conv2d_transpose(x, f, [1, 8, 8, 5], [1, 2, 2, 1])
        with pytest.raises(ValueError, match=r"output_shape must have shape \(4,\), got \(3,\)"):
            tf.nn.conv2d_transpose(x, f, [8, 8, 4], [1, 2, 2, 1])
        with pytest.raises(ValueError, match="input channels does not match filter's input "
                                             "channels, 2 != 3"):
            tf.nn.conv2d_transpose(tf.ones((1, 4, 4, 2)), f, [1, 8, 8, 4], [1, 2, 2, 1])
        with tf.Session() as sess:
            v = sess.run(y, {x: np.ones((1, 4, 4, 3))})
    # NumPy: each input pixel scatters its 3x3 kernel at 2*i (SAME: 0 rows padded before)
    ref = np.zeros((1, 9, 9, 4))
    for i in range(4):
        for j in range(4):
            ref[0, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :] += 3.0
    np.testing.assert_allclose(v, ref[:, :8, :8, :])


def test_gradients_refuse_a_bogus_aggregation_method_and_grad_ys_of_another_dtype():
    # item 8b: 'bogus' was accepted; a float64 grad_ys for a float32 y was the core's
    # AssertionError "bug in a vjp rule"
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        y = x * x
        with pytest.raises(ValueError, match="Invalid aggregation_method specified bogus."):
            tf.gradients(y, x, aggregation_method="bogus")
        with pytest.raises(TypeError, match="grad_ys has type float64 that does not match type "
                                            "float32"):
            tf.gradients(y, x, grad_ys=tf.constant([1.0, 2.0], tf.float64))
        g, = tf.gradients(y, x, grad_ys=tf.constant([1.0, 3.0]), aggregation_method=2)
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(g, {x: [2.0, 5.0]}), [4.0, 30.0])


def test_sparse_placeholder_with_a_known_shape_has_that_static_shape():
    # item 14: sparse_placeholder(shape=[3, 4]).shape was (?, ?)
    with tf.Graph().as_default():
        sp = tf.sparse_placeholder(tf.float32, shape=[3, 4])
        assert sp.shape.as_list() == [3, 4]
        assert tf.sparse_placeholder(tf.float32, shape=[None, 4]).shape.as_list() == [None, None]
        assert tf.SparseTensor([[0, 1]], [1.0], [2, 3]).shape.as_list() == [2, 3]
        with tf.Session() as sess:
            v = sess.run(tf.sparse.to_dense(sp), {sp: ([[0, 1], [2, 3]], [5.0, 7.0], [3, 4])})
        ref = np.zeros((3, 4))
        ref[0, 1], ref[2, 3] = 5.0, 7.0
        np.testing.assert_array_equal(v, ref)


def test_queue_runner_arguments_checked_as_tf1():
    # item 14: QueueRunner(queue_runner_def=...) crashed with an AttributeError
    with tf.Graph().as_default():
        q = tf.FIFOQueue(2, tf.int32, shapes=[()])
        with pytest.raises(ValueError, match="Must provide queue and enqueue_ops."):
            tf.train.QueueRunner(q, [])
        with pytest.raises(ValueError, match="queue_runner_def and queue are mutually exclusive."):
            tf.train.QueueRunner(q, [q.enqueue(1)], queue_runner_def=object())
        with pytest.raises(NotImplementedError, match="QueueRunnerDef"):
            tf.train.QueueRunner(queue_runner_def=object())
        qr = tf.train.QueueRunner(q, [q.enqueue(7)])
        assert qr.queue is q and len(qr.enqueue_ops) == 1
        d = q.dequeue()
        with tf.Session() as sess:
            assert sess.run(d) == 7            # filled by the runner's op


def test_limit_epochs_counter_counts_the_epochs_started():
    # item 14: limit_epochs/epochs stayed 0 (TF: count_up_to); re-initialising restarts
    with tf.Graph().as_default():
        q = tf.train.range_input_producer(3, num_epochs=2, shuffle=False)
        d = q.dequeue()
        ev, = [v for v in tf.local_variables() if v.name.endswith("limit_epochs/epochs:0")]
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            assert sess.run(ev) == 0
            got = [int(sess.run(d))]
            assert sess.run(ev) == 1
            got += [int(sess.run(d)) for _ in range(5)]
            assert sess.run(ev) == 2
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(d)
    assert got == [0, 1, 2, 0, 1, 2]
