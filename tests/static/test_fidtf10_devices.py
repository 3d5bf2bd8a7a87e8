"""TF 1.15's devices on a machine without a GPU: ``device_lib.list_local_devices()`` and
``Session.list_devices()`` list /device:CPU:0 and /device:XLA_CPU:0 (dlcore listed the CPU
only, or no device_lib at all), the placer's error names both, and the placer places the
*whole* graph on a run: a run that does not need the GPU-pinned op fails too (dlcore failed
only runs whose plan held it), every run after, until soft placement."""
import re

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.python.client import device_lib

DEVICES = (r"\[ /job:localhost/replica:0/task:0/device:CPU:0, "
           r"/job:localhost/replica:0/task:0/device:XLA_CPU:0 \]")


@pytest.fixture
def no_cuda(monkeypatch):
    import dlcore.device
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # a machine without CUDA


def _message(name):
    return (rf"^Cannot assign a device for operation {name}: node {name} \(defined at "
            rf"test_fidtf10_devices\.py:\d+\)  was explicitly assigned to /device:GPU:0 but "
            rf"available devices are {DEVICES}\. Make sure the device specification refers "
            r"to a valid device\.\n")


def test_list_local_devices_as_tf_1_15_prints_them(no_cuda):
    devs = device_lib.list_local_devices()
    assert [d.name for d in devs] == ["/device:CPU:0", "/device:XLA_CPU:0"]
    assert [d.device_type for d in devs] == ["CPU", "XLA_CPU"]
    assert [d.memory_limit for d in devs] == [268435456, 17179869184]
    assert devs[0].physical_device_desc == ""
    assert devs[1].physical_device_desc == "device: XLA_CPU device"
    assert all(0 < d.incarnation < 2 ** 64 for d in devs)
    assert not devs[0].locality.HasField("links") and devs[0].locality.bus_id == 0
    text = repr(devs)
    pattern = (r'\[name: "/device:CPU:0"\ndevice_type: "CPU"\nmemory_limit: 268435456\n'
               r'locality \{\n\}\nincarnation: \d+\n, name: "/device:XLA_CPU:0"\n'
               r'device_type: "XLA_CPU"\nmemory_limit: 17179869184\nlocality \{\n\}\n'
               r'incarnation: \d+\nphysical_device_desc: "device: XLA_CPU device"\n\]')
    assert re.fullmatch(pattern, text), text
    # the usual idiom: the GPUs' names (none here)
    assert [x.name for x in devs if x.device_type == "GPU"] == []
    # made anew on each call, as TF's device factories make them
    assert device_lib.list_local_devices()[0].incarnation != devs[0].incarnation


def test_session_list_devices_records(no_cuda):
    with tf.Graph().as_default(), tf.Session() as s:
        devs = s.list_devices()
        assert [d.name for d in devs] == ["/job:localhost/replica:0/task:0/device:CPU:0",
                                          "/job:localhost/replica:0/task:0/device:XLA_CPU:0"]
        assert [(d.device_type, d.memory_limit_bytes) for d in devs] == \
            [("CPU", 268435456), ("XLA_CPU", 17179869184)]
        assert re.fullmatch(r"_DeviceAttributes\(/job:localhost/replica:0/task:0/device:CPU:0, "
                            r"CPU, 268435456, \d+\)", repr(devs[0]))
        assert [d.incarnation for d in s.list_devices()] == [d.incarnation for d in devs]


def test_a_run_not_needing_the_pinned_op_fails_as_tfs_whole_graph_placement(no_cuda):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        cpu_only = x + 1.0
        with tf.device("/gpu:0"):
            y = x * 2.0
        with tf.Session() as s:
            for _ in range(2):                     # every run, not only the first
                with pytest.raises(tf.errors.InvalidArgumentError, match=_message("mul")) as e:
                    s.run(cpu_only, {x: [1.0, 2.0]})
                assert e.value.op is y.op
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
            np.testing.assert_array_equal(s.run(cpu_only, {x: [1.0, 2.0]}), [2.0, 3.0])
            np.testing.assert_array_equal(s.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])


def test_a_graph_without_device_scopes_or_with_cpu_ones_runs(no_cuda):
    with tf.Graph().as_default() as g:
        a = tf.constant([1.0, 2.0])
        with tf.device("/cpu:0"):
            b = a * 3.0
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(b), [3.0, 6.0])
        assert g.__dict__["_pinned_scan"][0] == len(g.get_operations())   # scanned once


def test_without_numba_cuda_the_message_says_cuda_is_not_enabled(no_cuda, monkeypatch):
    # TF 1.15's tensorflow-cpu wheel (not built with CUDA) adds gpu_msg; the default wheel
    # (built with CUDA, no GPU here) does not: numba-cuda installed or not, in dlcore
    from dlcore_static import _placement
    monkeypatch.setattr(_placement, "_cuda_built", lambda: False)
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            y = tf.constant([1.0]) * 2.0
        with tf.Session() as s, pytest.raises(
                tf.errors.InvalidArgumentError,
                match=_message("mul")[:-2] + r" The requested device appears to be a GPU, but "
                                             r"CUDA is not enabled\.\n"):
            s.run(y)
