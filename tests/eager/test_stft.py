"""torch.stft / torch.istft in dlcore_eager against real PyTorch 2.13: spectra, round trips
and gradients over n_fft, hop, window, center, normalized, onesided; PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((2, 20))

CASES = [{"n_fft": 8}, {"n_fft": 8, "hop_length": 3, "win_length": 6, "window": "hann"},
         {"n_fft": 6, "center": False, "normalized": True}, {"n_fft": 8, "onesided": False},
         {"n_fft": 4, "hop_length": 1, "pad_mode": "constant", "batch": False}]


@pytest.mark.parametrize("kw", CASES, ids=[str(i) for i in range(len(CASES))])
def test_stft_istft_values_and_gradients_match_torch(kw):
    res = []
    for m in (dt, torch):
        k = dict(kw)
        batch = k.pop("batch", True)
        if k.get("window") == "hann":
            k["window"] = m.tensor(np.hanning(6) + 0.1)
        x = m.tensor(X if batch else X[0], requires_grad=True)
        s = m.stft(x, return_complex=True, **k)
        k.pop("pad_mode", None)
        y = m.istft(s, length=20, **k)
        (m.view_as_real(s).pow(2).sum() + (y * y * 0.5).sum()).backward()
        res.append((s, y, x.grad))
    for a, b in zip(*res):
        assert tuple(a.shape) == tuple(b.shape) and repr(a.dtype) == repr(b.dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)


def test_return_complex_false_and_float32():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = dt.stft(dt.tensor(X, dtype=dt.float32), 8, return_complex=False)
        want = torch.stft(torch.tensor(X, dtype=torch.float32), 8, return_complex=False)
    assert got.dtype == dt.float32 and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)


ERRORS = {
    "no_return_complex": lambda m: m.stft(m.ones(20), 8),
    "window_size": lambda m: m.stft(m.ones(20), 8, window=m.ones(5), return_complex=True),
    "istft_real": lambda m: m.istft(m.ones(5, 3), 8),
    "istft_freq": lambda m: m.istft(m.ones(4, 3, dtype=m.cfloat), 8),
    "istft_nola": lambda m: m.istft(m.ones(5, 3, dtype=m.cfloat), 8, window=m.zeros(8)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_like_torch(name):
    with pytest.raises(RuntimeError) as want:
        ERRORS[name](torch)
    with pytest.raises(RuntimeError) as got:
        ERRORS[name](dt)
    if name == "istft_nola":
        assert str(got.value).startswith("istft(...): window overlap add min")
    elif name in ("window_size", "istft_freq"):    # (PyTorch prefixes the whole call)
        assert str(want.value).endswith(" : " + str(got.value).split(": ", 1)[1])
    else:
        assert str(got.value) == str(want.value)
