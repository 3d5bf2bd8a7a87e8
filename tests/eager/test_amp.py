"""torch.amp / torch.cuda.amp (GradScaler's dynamic loss scaling against the real PyTorch's
rules; autocast accepted and tracked) and torch.compile returning the model."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import dlcore_eager as dt


def _model_and_opt(seed=0):
    dt.manual_seed(seed)
    m = dt.nn.Linear(3, 1)
    return m, dt.optim.SGD(m.parameters(), lr=0.1)


def test_grad_scaler_scales_unscales_and_steps_like_plain_sgd():
    x, y = dt.ones(4, 3), dt.zeros(4, 1)
    m1, o1 = _model_and_opt()
    m2, o2 = _model_and_opt()
    scaler = dt.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    for step in range(3):
        o1.zero_grad()
        dt.nn.functional.mse_loss(m1(x), y).backward()
        o1.step()
        o2.zero_grad()
        loss = dt.nn.functional.mse_loss(m2(x), y)
        scaled = scaler.scale(loss)
        assert scaled.item() == pytest.approx(loss.item() * scaler.get_scale(), rel=1e-6)
        scaled.backward()
        scaler.unscale_(o2)                       # e.g. to clip the true gradients
        dt.nn.utils.clip_grad_norm_(m2.parameters(), 1e9)
        scaler.step(o2)
        scaler.update()
    np.testing.assert_allclose(m2.weight.detach().numpy(), m1.weight.detach().numpy(),
                               rtol=1e-5)
    assert scaler.get_scale() == 1024.0 * 2       # grew once after growth_interval=2 steps


def test_grad_scaler_skips_a_step_with_inf_gradients_and_backs_off():
    m, opt = _model_and_opt()
    before = m.weight.detach().numpy().copy()
    scaler = dt.amp.GradScaler("cpu", init_scale=2.0 ** 16)
    opt.zero_grad()
    scaler.scale(m(dt.tensor([[math.inf, 1.0, 1.0]])).sum()).backward()
    assert scaler.step(opt) is None
    scaler.update()
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)
    assert scaler.get_scale() == 2.0 ** 15
    st = scaler.state_dict()
    other = dt.amp.GradScaler("cpu")
    other.load_state_dict(st)
    assert other.get_scale() == 2.0 ** 15
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
        scaler.unscale_(opt)


def test_cuda_spellings_disable_themselves_without_cuda_as_torch(monkeypatch):
    from dlcore_eager import cuda
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available"):
        s = dt.cuda.amp.GradScaler()
    assert not s.is_enabled() and s.get_scale() == 1.0
    loss = dt.tensor(2.0, requires_grad=True)
    assert s.scale(loss) is loss
    with pytest.warns(UserWarning, match="CUDA is not available. Disabling"):
        ctx = dt.autocast(device_type="cuda")
    with ctx:
        assert not dt.is_autocast_enabled()


def test_autocast_context_and_decorator_track_state_and_cast():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with dt.autocast(device_type="cpu", dtype=dt.float16):
            assert dt.is_autocast_enabled("cpu") and not dt.is_autocast_enabled()  # () = CUDA
            assert dt.get_autocast_dtype("cpu") == dt.float16
            y = dt.ones(2, 3) @ dt.ones(3, 2)
            assert y.dtype == dt.float16                 # as PyTorch's CPU autocast

        @dt.autocast("cpu")
        def f():
            return dt.is_autocast_enabled("cpu")
        assert f() and not dt.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        dt.autocast("tpu")


def test_compile_returns_the_model_and_decorates():
    m = dt.nn.Linear(2, 2)
    assert dt.compile(m) is m
    assert dt.compile(mode="max-autotune")(len) is len
    with pytest.raises(RuntimeError, match="must be a callable"):
        dt.compile(3)
