"""NumPy 2's ``__array__(dtype, copy)`` protocol on eager tensors, ndarray-left operators on
graph tensors, and DLPack both ways (legacy capsules, CUDA tensors under the simulator)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf
from dlcore.io import dlpack as core_dlpack


def test_array_protocol_copies_when_asked():
    t = dt.tensor([1.0, 2.0, 3.0])
    shared = np.asarray(t)
    assert np.shares_memory(shared, t.numpy())
    for snap in (np.array(t), np.array(t, copy=True), np.copy(t)):
        assert not np.shares_memory(snap, t.numpy())
    snap = np.array(t)
    t.add_(1.0)                                    # a snapshot does not follow later updates
    np.testing.assert_array_equal(snap, [1, 2, 3])
    np.testing.assert_array_equal(shared, [2, 3, 4])
    assert np.shares_memory(np.asarray(t, copy=False), t.numpy())
    f32 = np.asarray(t, dtype=np.float64)
    assert f32.dtype == np.float64 and not np.shares_memory(f32, t.numpy())
    with pytest.raises(ValueError, match="Unable to avoid copy while creating an array"):
        np.asarray(t, dtype=np.float64, copy=False)
    np.testing.assert_array_equal(t, [2, 3, 4])


def test_array_protocol_refuses_tensors_that_require_grad():
    w = dt.ones(2, requires_grad=True)
    msg = ("Can't call numpy\\(\\) on Tensor that requires grad. Use tensor.detach\\(\\).numpy"
           "\\(\\) instead.")
    for f in (np.asarray, np.array, np.copy):
        with pytest.raises(RuntimeError, match=msg):
            f(w)
    np.testing.assert_array_equal(np.asarray(w.detach()), [1, 1])


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy")
def test_array_protocol_matches_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dt):
        t = lib.tensor([1.0, 2.0])
        assert not np.shares_memory(np.array(t), np.asarray(t))
        assert np.shares_memory(np.asarray(t), np.asarray(t))
        with pytest.raises(RuntimeError, match="requires grad"):
            np.asarray(lib.ones(2, requires_grad=True))


def test_ndarray_left_operators_give_graph_tensors():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [3])
    a = np.array([1.0, 2.0, 4.0], np.float32)
    outs = [a + x, a - x, a * x, a / x, a.reshape(1, 3) @ tf.reshape(x, [3, 1])]
    assert all(isinstance(o, tf.Tensor) for o in outs)
    with tf.Session() as s:
        got = s.run(outs, {x: [2.0, 4.0, 8.0]})
    np.testing.assert_allclose(got[0], [3, 6, 12])
    np.testing.assert_allclose(got[1], [-1, -2, -4])
    np.testing.assert_allclose(got[2], [2, 8, 32])
    np.testing.assert_allclose(got[3], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(got[4], [[42]])


def test_legacy_capsules_and_protocol_objects_share_memory():
    torch = pytest.importorskip("torch")
    from torch.utils import dlpack as tdl
    src = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = dt.from_dlpack(tdl.to_dlpack(src))               # legacy capsule
    src[0, 0] = 7.0
    assert t.shape == (2, 3) and t[0, 0].item() == 7.0
    a = np.arange(4.0)
    u = dt.from_dlpack(a.__dlpack__())                   # NumPy's legacy capsule
    a[1] = -1
    assert u.tolist() == [0.0, -1.0, 2.0, 3.0]
    back = tdl.from_dlpack(dt.utils.dlpack.to_dlpack(t))  # and out again
    back[1, 2] = 9.0
    assert t[1, 2].item() == 9.0
    cap = np.ones(2).__dlpack__()
    dt.from_dlpack(cap)
    with pytest.raises(ValueError, match="already consumed"):
        dt.from_dlpack(cap)
    with pytest.raises(TypeError, match="expected an object with __dlpack__ or a DLPack capsule"):
        dt.from_dlpack([1, 2])


def test_dlpack_export_refuses_tensors_that_require_grad():
    w = dt.ones(2, requires_grad=True)
    for f in (lambda: w.__dlpack__(), lambda: np.from_dlpack(w)):
        with pytest.raises(BufferError, match="Can't export tensors that require gradient, use "
                                              "tensor.detach\\(\\)"):
            f()
    np.testing.assert_array_equal(np.from_dlpack(w.detach()), [1, 1])


def test_cpu_tensor_has_no_cuda_array_interface():
    with pytest.raises(AttributeError, match="non-CUDA tensor type"):
        _ = dt.ones(2).__cuda_array_interface__
    assert not hasattr(dt.ones(2), "__cuda_array_interface__")


@pytest.mark.cuda
def test_cuda_tensors_export_dlpack_and_cuda_array_interface():
    import dlcore
    if not dlcore.device.cuda_available():
        pytest.skip("no CUDA and no simulator")
    t = dt.arange(6, dtype=dt.float32).reshape(2, 3).cuda()
    assert t.__dlpack_device__() == (2, 0)
    cai = t.__cuda_array_interface__
    assert cai["shape"] == (2, 3) and cai["typestr"] == "<f4" and cai["version"] == 3
    before = core_dlpack.live_exports()
    u = dt.from_dlpack(dt.utils.dlpack.to_dlpack(t))     # through a CUDA capsule
    assert u.is_cuda and u.shape == (2, 3)
    u.mul_(2.0)                                          # shares memory with t
    np.testing.assert_array_equal(t.cpu().numpy(), np.arange(6).reshape(2, 3) * 2)
    assert core_dlpack.live_exports() == before + 1      # held while u lives
    del u
    import gc
    gc.collect()
    assert core_dlpack.live_exports() == before          # the consumer's deleter released it
    cap = t.__dlpack__()
    del cap                                              # never consumed: the capsule frees it
    gc.collect()
    assert core_dlpack.live_exports() == before
    w = dt.ones(2, device="cuda", requires_grad=True)
    with pytest.raises(RuntimeError, match="use var.detach\\(\\)"):
        _ = w.__cuda_array_interface__
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        np.asarray(t, copy=False)
    np.testing.assert_array_equal(np.asarray(t), np.arange(6).reshape(2, 3) * 2)
