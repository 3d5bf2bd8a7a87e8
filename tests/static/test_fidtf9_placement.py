"""An op pinned to a GPU (tf.device('/gpu:0')) on a machine without CUDA and without
allow_soft_placement: TF 1.15's placer error, tf.errors.InvalidArgumentError 'Cannot assign a
device for operation X: node X (defined at f.py:N)  was explicitly assigned to /device:GPU:0 but
available devices are [ ... ]. Make sure the device specification refers to a valid device.'
(dlcore raised its own RuntimeError 'CUDA is not available' from a kernel factory).  The op
named is the first of the graph in creation order, generator ops (a Const, a Placeholder) last,
as TF's placer meets them; nothing runs and nothing changes."""
import numpy as np
import pytest

import dlcore_static as tf

CPU = (r"\[ /job:localhost/replica:0/task:0/device:CPU:0, "
       r"/job:localhost/replica:0/task:0/device:XLA_CPU:0 \]")


def _no_cuda(monkeypatch):
    import dlcore.device
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # a machine without CUDA


def _message(name, device="/device:GPU:0"):
    return (rf"^Cannot assign a device for operation {name}: node {name} \(defined at "
            rf"test_fidtf9_placement\.py:\d+\)  was explicitly assigned to {device} but "
            rf"available devices are {CPU}\. Make sure the device specification refers to a "
            rf"valid device\.\n\t \[\[node {name} \(defined at test_fidtf9_placement\.py:\d+\) "
            r"\]\]$")


def test_a_gpu_op_without_soft_placement_is_tfs_invalid_argument_error(monkeypatch):
    _no_cuda(monkeypatch)
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            y = tf.constant(np.float32(2.0)) * 3.0        # Const, Const_1: generators, last
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError, match=_message("mul")) as info:
                s.run(y)
            assert info.value.op is y.op
            with pytest.raises(tf.errors.InvalidArgumentError, match=_message("mul")):
                s.run(y)                                   # (not cached as a plan)
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
            assert s.run(y) == 6.0


def test_the_op_named_is_the_graphs_first_and_the_device_as_written(monkeypatch):
    _no_cuda(monkeypatch)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        with tf.device("/gpu:1"):
            w = tf.Variable(np.ones(2, np.float32), name="w")
            z = x * w
        with tf.Session() as s:
            # the initializer's plan holds w/initial_value and w/Assign; TF names the
            # variable, the first non-generator node of the graph
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=_message("w", "/device:GPU:1")):
                s.run(w.initializer)
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=_message("w", "/device:GPU:1")):
                s.run(z, {x: [1.0, 2.0]})
            assert s.variables.get(w.op) is None            # nothing ran
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            first = tf.constant([1.0]) + 1.0               # not needed by the fetch below
            needed = tf.constant([2.0]) * 3.0
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match=_message(first.op.name)):
            s.run(needed)                                  # TF names the graph's first
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            c = tf.constant([1.0, 2.0], name="only_const")
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match=_message("only_const")):
            s.run(c)                                       # a generator alone is named


def test_variable_load_and_restore_of_a_gpu_variable_without_soft_placement(monkeypatch,
                                                                              tmp_path):
    _no_cuda(monkeypatch)
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            u = tf.Variable(np.ones(2, np.float32), name="u")
        saver = tf.train.Saver()
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
            s.run(u.initializer)
            path = saver.save(s, str(tmp_path / "m"))
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError, match=_message("u")):
                u.load(np.zeros(2, np.float32), s)
            with pytest.raises(tf.errors.InvalidArgumentError, match=_message("u")):
                saver.restore(s, path)
            assert s.variables.get(u.op) is None           # nothing was written
