"""bfloat16 inputs through eager operations that compute on the host in NumPy.

``Tensor.numpy()`` refuses bfloat16 as PyTorch's does, so the internals read buffers through
``dlcore.device.to_host`` (``dlcore_eager._host.host``) and dtype limits through
``dlcore.dtypes.finfo`` (NumPy's ``finfo`` refuses ml_dtypes' bfloat16).  Each check runs the same
program in PyTorch 2.13 and compares values (deterministic programs: probabilities 0 or 1 where
sampling is involved)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")


def _bf(lib, values):
    return lib.tensor(np.asarray(values, np.float32)).to(lib.bfloat16)


def _lbfgs(lib):
    p = lib.nn.Parameter(_bf(lib, [1.5, -0.5]))
    opt = lib.optim.LBFGS([p], lr=0.5, max_iter=3)

    def closure():
        opt.zero_grad()
        loss = ((p.float() - 1) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert p.dtype == lib.bfloat16
    return p.float().tolist()


def test_lbfgs_steps_bfloat16_parameters_as_torch():
    assert _lbfgs(D) == _lbfgs(T)


def test_weighted_sampler_and_bernoulli_take_bfloat16():
    for lib in (D, T):
        s = list(lib.utils.data.WeightedRandomSampler(_bf(lib, [0.0, 2.0, 0.0]), 5))
        assert s == [1] * 5
    p = [0.0, 1.0, 1.0, 0.0]
    got = D.bernoulli(_bf(D, p))
    assert got.dtype == D.bfloat16
    assert got.float().tolist() == T.bernoulli(_bf(T, p)).float().tolist()


def test_adaptive_log_softmax_bfloat16_matches_torch():
    T.manual_seed(0)
    tm = T.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2]).to(T.bfloat16)
    dm = D.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2]).to(D.bfloat16)
    dm.load_state_dict({k: _bf(D, v.float().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    y = [0, 1, 3, 5, 2]
    to, do = tm(_bf(T, x), T.tensor(y)), dm(_bf(D, x), D.tensor(y))
    # dlcore computes 16-bit floats in float32 and rounds once; PyTorch rounds in between: one
    # bfloat16 step (2**-7 relative) apart at most
    np.testing.assert_allclose(do.loss.float().item(), to.loss.float().item(), rtol=2 ** -7)
    assert dm.predict(_bf(D, x)).tolist() == tm.predict(_bf(T, x)).tolist()


def test_assert_close_and_histc_on_bfloat16():
    D.testing.assert_close(_bf(D, [1.0, 2.0]), _bf(D, [1.0, 2.01]))
    with pytest.raises(AssertionError, match="Tensor-likes are not close!"):
        D.testing.assert_close(_bf(D, [1.0, 2.0]), _bf(D, [1.0, 2.5]))
    v = [1.0, 2.0, 2.0, 3.0]
    assert D.histc(_bf(D, v), bins=3).float().tolist() == \
        T.histc(_bf(T, v), bins=3).float().tolist()


def test_lu_factor_refuses_bfloat16_as_torch():
    # PyTorch 2.13 has no bfloat16 LU on the CPU; dlcore's lu, det and lu_factor refuse it in
    # its words (they computed it in float32 and rounded; see _dtype_guards)
    a = [[2.0, 1.0], [1.0, 3.0]]
    for lib in (T, D):
        with pytest.raises(NotImplementedError, match="\"lu_cpu\" not implemented for "
                                                      "'BFloat16'"):
            lib.linalg.lu_factor(_bf(lib, a))


def test_dtype_limits_of_bfloat16_as_torch():
    # np.finfo refuses ml_dtypes' bfloat16 (ValueError: data type ... not inexact)
    v = [float("inf"), float("nan"), -float("inf")]
    assert D.nan_to_num(_bf(D, v)).float().tolist() == T.nan_to_num(_bf(T, v)).float().tolist()
    for probs in (True, False):
        kw = "probs" if probs else "logits"
        got = D.distributions.Categorical(**{kw: _bf(D, [0.2, 0.8])}).entropy()
        want = T.distributions.Categorical(**{kw: _bf(T, [0.2, 0.8])}).entropy()
        assert got.float().item() == want.float().item()
    with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 3.38953e\+38\] for "
                                           r"input dtype BFloat16, but found -1"):
        D.nn.functional.softshrink(_bf(D, [1.0]), -1.0)


def _adafactor(lib):
    p = lib.nn.Parameter(_bf(lib, [[1.0, 2.0], [3.0, 4.0]]))
    opt = lib.optim.Adafactor([p], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (p.float() ** 2).sum().backward()
        opt.step()
    return p.float().tolist()


def test_adafactor_bfloat16_matches_torch():
    assert _adafactor(D) == _adafactor(T)


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "float32", "float64"])
def test_rms_norm_default_eps_is_the_compute_dtypes(dt):
    # PyTorch's default eps is its opmath type's: float32's for the 16-bit floats (dlcore used
    # float16's 9.8e-4 and bfloat16's 7.8e-3, which swamp a small input's mean square)
    x = [[1e-3, 2e-3]]
    got = D.nn.functional.rms_norm(D.tensor(x, dtype=getattr(D, dt)), (2,))
    want = T.nn.functional.rms_norm(T.tensor(x, dtype=getattr(T, dt)), (2,))
    np.testing.assert_allclose(got.double().numpy(), want.double().numpy(), rtol=1e-6)


def test_repeat_interleave_reads_repeats_on_any_device():
    # the core read repeats with Tensor.numpy(), which refuses a CUDA tensor (TypeError)
    want = T.repeat_interleave(T.tensor([1.0, 2.0]), T.tensor([1, 2])).tolist()
    assert D.repeat_interleave(D.tensor([1.0, 2.0]), D.tensor([1, 2])).tolist() == want
    if D.cuda.is_available():
        got = D.repeat_interleave(D.tensor([1.0, 2.0]).cuda(), D.tensor([1, 2]).cuda())
        assert got.cpu().tolist() == want


@pytest.mark.parametrize("dt", ["bfloat16", "float16"])
def test_label_smoothed_cross_entropy_in_16_bit_floats(dt):
    # its one-hot rows of the input's dtype came from a Numba loop that cannot type bfloat16
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    got, want = (lib.nn.functional.cross_entropy(
        lib.tensor(x).to(getattr(lib, dt)), lib.tensor([0, 1, 2, 3]),
        label_smoothing=0.1).float().item() for lib in (D, T))
    np.testing.assert_allclose(got, want, rtol=2 ** -7)           # one bfloat16 step at most


def _half_ops(lib, dtype):
    rng = np.random.default_rng(5)
    x = lib.tensor(rng.standard_normal((40, 30)).astype(np.float32)).to(dtype)
    w = lib.tensor(rng.standard_normal((30, 20)).astype(np.float32)).to(dtype)
    x.requires_grad_(True)
    h = lib.relu(x @ w)
    y = lib.maximum(h, h.flip(0)) * h
    y.float().sum().backward()
    return [t.float().detach().numpy() for t in (h, y, x.grad)] + [y.grad_fn.name()]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_all_16_bit_operands_take_the_buffer_path_with_the_general_paths_bits(monkeypatch,
                                                                               dtype):
    """``_dispatch_general._half_tensors`` (every operand a CPU tensor of one 16-bit type: the
    kernel on the buffers cast up) gives the Tensor-dispatch path's bits and node, and
    PyTorch's values."""
    from dlcore_eager import _dispatch_general as G
    calls = []
    real = G._half_tensors
    monkeypatch.setattr(G, "_half_tensors", lambda *a: calls.append(1) or real(*a))
    got = _half_ops(D, getattr(D, dtype))
    assert len(calls) >= 4
    monkeypatch.setattr(G, "_half_tensors", lambda *a: None)
    general = _half_ops(D, getattr(D, dtype))
    want = _half_ops(T, getattr(T, dtype))
    for g, r, w in zip(got, general, want):
        if isinstance(g, str):
            assert g == r == w
        else:
            np.testing.assert_array_equal(g, r)
            np.testing.assert_allclose(g, w, rtol=2e-2, atol=2e-2)
