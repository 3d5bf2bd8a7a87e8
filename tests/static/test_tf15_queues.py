"""TF1 queue input pipelines (dlcore_static/input_queues.py, input_producers.py): values,
order, names, static shapes, the end of the input, and the errors where TensorFlow would wait
for ever."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _drain(sess, fetch):
    out = []
    try:
        while True:
            out.append(sess.run(fetch))
    except tf.errors.OutOfRangeError as e:
        return out, e


def test_batch_in_order_structure_names_and_final_batch():
    data = np.arange(10, dtype=np.int64)
    (x,) = tf.train.slice_input_producer([data], num_epochs=1, shuffle=False)
    b = tf.train.batch([x], batch_size=4)                  # a one-tensor list: a tensor
    assert isinstance(b, tf.Tensor) and b.name == "batch:0" and b.shape.as_list() == [4]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, err = _drain(sess, b)
    assert [g.tolist() for g in got] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert err.message.splitlines()[0] == ("FIFOQueue 'batch/fifo_queue' is closed and has "
                                           "insufficient elements (requested 4, current size 2)")


def test_batch_of_a_dict_and_the_smaller_final_batch():
    data = np.arange(5, dtype=np.float32)
    (x,) = tf.train.slice_input_producer([data], num_epochs=1, shuffle=False)
    d = tf.train.batch({"b": x * 2, "a": x}, batch_size=2, allow_smaller_final_batch=True)
    assert sorted(d) == ["a", "b"] and d["a"].shape.as_list() == [None]
    assert d["a"].name == "batch:0" and d["b"].name == "batch:1"    # sorted keys
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, _ = _drain(sess, d)
    assert [g["a"].tolist() for g in got] == [[0, 1], [2, 3], [4]]
    assert [g["b"].tolist() for g in got] == [[0, 2], [4, 6], [8]]


def test_string_input_producer_epochs_and_the_uninitialized_epochs_variable():
    q = tf.train.string_input_producer(["a.csv", "b.csv"], num_epochs=2, shuffle=False)
    name = q.dequeue()
    assert name.dtype == tf.string
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value "
                                 "input_producer/limit_epochs/epochs"):
            sess.run(name)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, err = _drain(sess, name)
    assert got == [b"a.csv", b"b.csv", b"a.csv", b"b.csv"]
    assert "FIFOQueue 'input_producer/fifo_queue' is closed and has insufficient elements " \
           "(requested 1, current size 0)" in err.message


def test_shuffle_batch_mixes_every_example_once_per_epoch_and_sessions_are_separate():
    data = np.arange(30, dtype=np.int32)
    (x,) = tf.train.slice_input_producer([data], num_epochs=2, seed=1)
    b = tf.train.shuffle_batch([x], batch_size=6, capacity=30, min_after_dequeue=10, seed=2)
    assert b.name == "shuffle_batch:0" and b.shape.as_list() == [6]
    runs = []
    for _ in range(2):
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            got, err = _drain(sess, b)
        runs.append(np.concatenate(got))
        assert "RandomShuffleQueue 'shuffle_batch/random_shuffle_queue' is closed" in err.message
    for r in runs:
        assert sorted(r.tolist()) == sorted(list(range(30)) * 2)
        assert r.tolist() != sorted(r.tolist())
    np.testing.assert_array_equal(runs[0], runs[1])         # seeded: the same in each Session


def test_manual_queue_ops_and_what_would_block():
    q = tf.FIFOQueue(2, [tf.int32, tf.float32], shapes=[[], [2]])
    enq = q.enqueue((tf.constant(1), tf.constant([1.0, 2.0])))
    a, v = q.dequeue()
    assert a.shape.as_list() == [] and v.shape.as_list() == [2]
    with tf.Session() as sess:
        sess.run(enq)
        sess.run(enq)
        assert sess.run(q.size()) == 2
        with pytest.raises(tf.errors.DeadlineExceededError, match=r"FIFOQueue 'fifo_queue' is "
                           r"full \(capacity 2, 2 queued, 1 more\)"):
            sess.run(enq)
        r = sess.run([a, v])
        assert r[0] == 1 and r[1].tolist() == [1.0, 2.0]
        sess.run(a)
        with pytest.raises(tf.errors.DeadlineExceededError, match="has 0 elements, 1 requested, "
                           "and no queue runner to fill it"):
            sess.run(a)
        sess.run(q.close())
        with pytest.raises(tf.errors.CancelledError, match="FIFOQueue 'fifo_queue' is closed."):
            sess.run(enq)
        with pytest.raises(tf.errors.OutOfRangeError, match="is closed and has insufficient"):
            sess.run(a)


def test_batch_needs_fully_defined_shapes_unless_dynamic_pad():
    p = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match=r"All shapes must be fully defined: \[TensorShape"):
        tf.train.batch([p], 2)
    data = tf.constant([3, 1, 2])
    (n,) = tf.train.slice_input_producer([data], num_epochs=1, shuffle=False)
    seq = tf.range(n)
    padded = tf.train.batch([seq], 3, dynamic_pad=True)
    assert padded.shape.as_list() == [3, None]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(padded).tolist() == [[0, 1, 2], [0, 0, 0], [0, 1, 0]]


def test_start_queue_runners_returns_no_threads():
    (x,) = tf.train.slice_input_producer([np.arange(4)], num_epochs=1, shuffle=False)
    b = tf.train.batch([x], 2)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        assert threads == [] and len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 2
        assert sess.run(b).tolist() == [0, 1]
        coord.request_stop()
        coord.join(threads)


def test_text_line_reader_keys_lines_and_the_end(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"head\nx1\r\nx2\n")
    b.write_bytes(b"head\ny1")
    q = tf.train.string_input_producer([str(a), str(b)], num_epochs=1, shuffle=False)
    key, value = tf.TextLineReader(skip_header_lines=1).read(q)
    assert key.dtype == tf.string and value.shape.as_list() == []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, err = _drain(sess, [key, value])
    assert [(k.decode().rsplit("/", 1)[1], v) for k, v in got] == \
        [("a.txt:2", b"x1"), ("a.txt:3", b"x2"), ("b.txt:2", b"y1")]
    assert "FIFOQueue 'input_producer/fifo_queue' is closed and has insufficient elements" \
        in err.message
    q2 = tf.train.string_input_producer([str(tmp_path / "missing.txt")])
    _, v2 = tf.WholeFileReader().read(q2)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
            sess.run(v2)


def test_fixed_length_record_reader(tmp_path):
    p = tmp_path / "r.bin"
    p.write_bytes(b"HH" + bytes(range(10)) + b"F")        # header 2, records of 4, footer 1
    q = tf.train.string_input_producer([str(p)], num_epochs=1, shuffle=False)
    key, value = tf.FixedLengthRecordReader(4, header_bytes=2, footer_bytes=1).read(q)
    rec = tf.decode_raw(value, tf.uint8)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, _ = _drain(sess, [key, rec])
    assert [k.decode().rsplit(":", 1)[1] for k, _ in got] == ["0", "1"]   # 2 bytes dropped
    assert [r.tolist() for _, r in got] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_tfrecord_reader_with_parse_single_example(tmp_path):
    path = str(tmp_path / "x.tfrecords")
    with tf.python_io.TFRecordWriter(path) as w:
        for i in range(3):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "v": tf.train.Feature(int64_list=tf.train.Int64List(value=[i * 10]))}))
            w.write(ex.SerializeToString())
    q = tf.train.string_input_producer([path], num_epochs=1, shuffle=False)
    key, ser = tf.TFRecordReader().read(q)
    v = tf.parse_single_example(ser, {"v": tf.FixedLenFeature([], tf.int64)})["v"]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, _ = _drain(sess, [key, v])
    assert [(k.decode().rsplit(":", 1)[1], int(x)) for k, x in got] == \
        [("0", 0), ("1", 10), ("2", 20)]


def test_batch_join_reads_every_source_until_all_end():
    a = tf.train.slice_input_producer([np.arange(0, 3)], num_epochs=1, shuffle=False)
    b = tf.train.slice_input_producer([np.arange(10, 16)], num_epochs=1, shuffle=False)
    out = tf.train.batch_join([a, b], batch_size=3, allow_smaller_final_batch=True)
    assert out.name == "batch_join:0"
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got, _ = _drain(sess, out)
    flat = np.concatenate(got).tolist()
    assert flat == [0, 10, 1, 11, 2, 12, 13, 14, 15]     # turns, then the longer source alone
