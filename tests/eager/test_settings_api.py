"""torch.backends, torch.accelerator, torch.cuda queries, set_default_device, finfo/iinfo,
logspace: what device-choosing preambles of tutorials call."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_eager as dt

torch = pytest.importorskip("torch")


def test_backends_say_what_dlcore_has():
    assert dt.backends.mps.is_available() is False
    assert dt.backends.mps.is_built() is False
    assert dt.backends.cudnn.is_available() is False
    dt.backends.cudnn.benchmark = True          # accepted, as on a build without cuDNN
    dt.backends.cudnn.benchmark = False
    assert dt.backends.cuda.is_built() is True
    device = ("cuda" if dt.cuda.is_available() else
              "mps" if dt.backends.mps.is_available() else "cpu")
    assert device == ("cuda" if dlcore.cuda_available() else "cpu")


def test_accelerator_and_cuda_queries():
    assert dt.accelerator.is_available() == dlcore.cuda_available()
    acc = dt.accelerator.current_accelerator()
    assert (acc is None) == (not dlcore.cuda_available())
    if acc is not None:
        assert acc.type == "cuda" and dt.accelerator.device_count() == 1
        props = dt.cuda.get_device_properties(0)
        assert isinstance(props.name, str) and dt.cuda.is_initialized()
    with pytest.raises(RuntimeError, match="index 3 does not exist"):
        dt.accelerator.set_device_index(3)
    if dlcore.cuda_simulator() or not dlcore.cuda_available():
        assert dt.cuda.memory_allocated() == 0 == dt.cuda.memory_reserved()   # nothing counted
    else:                           # a real GPU: dlcore's caching allocator counts its blocks
        x = dt.ones(256).cuda()
        assert dt.cuda.memory_reserved() >= dt.cuda.memory_allocated() >= x.numel() * 4
    dt.cuda.empty_cache()
    assert dt.cuda.memory_reserved() == dt.cuda.memory_allocated()


def test_finfo_iinfo_match_torch():
    for a, b in [(dt.float32, torch.float32), (dt.float64, torch.float64)]:
        fa, fb = dt.finfo(a), torch.finfo(b)
        assert (fa.eps, fa.max, fa.min, fa.tiny, fa.bits) == (fb.eps, fb.max, fb.min, fb.tiny,
                                                               fb.bits)
    assert dt.finfo().eps == torch.finfo().eps
    for a, b in [(dt.int32, torch.int32), (dt.int64, torch.int64)]:
        assert (dt.iinfo(a).max, dt.iinfo(a).min) == (torch.iinfo(b).max, torch.iinfo(b).min)
    with pytest.raises(TypeError, match="floating point"):
        dt.finfo(dt.int64)
    with pytest.raises(TypeError, match="integer"):
        dt.iinfo(dt.float32)


def test_logspace_and_default_device():
    np.testing.assert_allclose(dt.logspace(0, 2, 3).numpy(), torch.logspace(0, 2, 3).numpy())
    np.testing.assert_allclose(dt.logspace(0, 3, 4, base=2).numpy(),
                               torch.logspace(0, 3, 4, base=2).numpy())
    assert dt.get_default_device().type == "cpu"
    if not dlcore.cuda_available():
        return
    dt.set_default_device("cuda")
    try:
        assert dt.zeros(2).device.type == "cuda"
        assert dt.tensor([1.0]).device.type == "cuda"
        assert dt.zeros(2, device="cpu").device.type == "cpu"
    finally:
        dt.set_default_device(None)
    assert dt.zeros(1).device.type == "cpu"
