"""A plan cached before a GPU-pinned op joins the graph does not run on (TF 1.15 re-places the
grown graph on the next run and fails it), and .meta export of graphs with queues or tf.data
iterators refuses naming the op."""

import numpy as np
import pytest

import dlcore_static as tf


def _no_cuda(monkeypatch):
    import dlcore.device
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # a machine without CUDA


def test_cached_plan_fails_once_a_gpu_op_joins_the_graph(monkeypatch):
    _no_cuda(monkeypatch)
    with tf.Graph().as_default():
        x = tf.constant(1.0)
        y = x * 2.0
        s = tf.Session()
        soft = tf.Session(config=tf.ConfigProto(allow_soft_placement=True))
        assert s.run(y) == 2.0 and soft.run(y) == 2.0          # plans cached
        with tf.device("/cpu:0"):
            tf.identity(x)                  # a CPU scope: the cached plan still serves
        assert s.run(y) == 2.0
        with tf.device("/gpu:0"):
            tf.add(x, 3.0, name="on_gpu")
        for _ in range(2):                  # every later run, as TF's unextended Session
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="^Cannot assign a device for operation on_gpu: "):
                s.run(y)
        assert soft.run(y) == 2.0           # soft placement runs it on the CPU
        s.close()
        soft.close()


def test_cached_plan_in_a_session_made_before_the_gpu_scope_inside_it(monkeypatch):
    _no_cuda(monkeypatch)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        y = tf.reduce_sum(x)
        with tf.Session() as s:
            assert s.run(y, {x: [1, 2]}) == 3.0
            with tf.device("/device:GPU:0"):
                tf.square(x, name="sq")
            with pytest.raises(tf.errors.InvalidArgumentError, match="operation sq: node sq"):
                s.run(y, {x: [1, 2]})


def test_meta_export_refuses_queue_and_iterator_graphs_by_op(tmp_path):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(4, [tf.float32], shapes=[[2]])
        q.enqueue([tf.constant([1.0, 2.0])])
        with pytest.raises(NotImplementedError,
                           match=r"'QueueEnqueueV2' nodes is not supported \(node "
                                 r"'fifo_queue/enqueue'\)"):
            tf.train.export_meta_graph(str(tmp_path / "q.meta"))
    with tf.Graph().as_default():
        it = tf.data.Dataset.from_tensor_slices(np.arange(4.0)).make_one_shot_iterator()
        it.get_next()
        with pytest.raises(NotImplementedError, match=r"'IteratorGetNext' nodes .*"
                                                      r"\(node 'IteratorGetNext'\)"):
            tf.train.export_meta_graph(str(tmp_path / "d.meta"))
        assert not (tmp_path / "d.meta").exists()


def test_cached_plan_fails_inside_the_open_gpu_scope(monkeypatch):
    _no_cuda(monkeypatch)       # (review22's FT1: the run inside the scope, after the op)
    with tf.Graph().as_default():
        x = tf.constant(1.0)
        y = x * 2.0
        with tf.Session() as s:
            assert s.run(y) == 2.0
            with tf.device("/gpu:0"):
                z = tf.add(x, 3.0, name="on_gpu")
                assert z.op.device.type == "cuda"
                with pytest.raises(tf.errors.InvalidArgumentError, match="operation on_gpu"):
                    s.run(y)
            with pytest.raises(tf.errors.InvalidArgumentError, match="operation on_gpu"):
                s.run(y)


def test_session_first_run_inside_the_open_gpu_scope(monkeypatch):
    _no_cuda(monkeypatch)       # (review22's FT1 follow-up: the scope opened before the run)
    with tf.Graph().as_default():
        x = tf.constant(1.0)
        y = x * 2.0
        s = tf.Session()
        with tf.device("/gpu:0"):
            assert s.run(y) == 2.0          # plan cached, no GPU op yet
            tf.add(x, 3.0, name="on_gpu")
            with pytest.raises(tf.errors.InvalidArgumentError, match="operation on_gpu"):
                s.run(y)
            w = tf.identity(x, name="after")
            assert w.op.device.type == "cuda"       # (the marker places as the scope did)
        s.close()
