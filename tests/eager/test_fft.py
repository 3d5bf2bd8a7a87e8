"""torch.fft in dlcore_eager against real PyTorch 2.13: values of every transform over n/s,
dim and norm, gradients of real losses through them (PyTorch's convention), the frequency and
shift helpers, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 6))
Z = X + 1j * RNG.standard_normal((3, 6))


def _np(t):
    return t.detach().resolve_conj().numpy()


CASES = {
    "fft": lambda f, x, z: f.fft(z), "fft_real_n": lambda f, x, z: f.fft(x, n=8, norm="ortho"),
    "ifft_dim0": lambda f, x, z: f.ifft(z, dim=0, norm="forward"),
    "ifft_real": lambda f, x, z: f.ifft(x, n=4),
    "rfft": lambda f, x, z: f.rfft(x, norm="forward"), "rfft_n": lambda f, x, z: f.rfft(x, n=5),
    "irfft": lambda f, x, z: f.irfft(z), "irfft_n": lambda f, x, z: f.irfft(z, n=7, norm="ortho"),
    "irfft_n_pad": lambda f, x, z: f.irfft(z, n=13, dim=1),
    "hfft": lambda f, x, z: f.hfft(z, n=9), "ihfft": lambda f, x, z: f.ihfft(x, norm="ortho"),
    "fft2": lambda f, x, z: f.fft2(z), "ifft2_s": lambda f, x, z: f.ifft2(z, s=(4, 4)),
    "fftn_real": lambda f, x, z: f.fftn(x, dim=(0,)), "ifftn": lambda f, x, z: f.ifftn(z, norm="ortho"),
    "rfft2": lambda f, x, z: f.rfft2(x), "rfftn_s": lambda f, x, z: f.rfftn(x, s=(2, 7)),
    "irfft2": lambda f, x, z: f.irfft2(z), "irfftn_s": lambda f, x, z: f.irfftn(z, s=(4, 6), norm="forward"),
    "fftshift": lambda f, x, z: f.fftshift(z), "ifftshift_dim": lambda f, x, z: f.ifftshift(x, dim=1),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_torch(name, dtype):
    cdt = "complex64" if dtype == "float32" else "complex128"
    got = CASES[name](dt.fft, dt.tensor(X, dtype=getattr(dt, dtype)),
                      dt.tensor(Z, dtype=getattr(dt, cdt)))
    want = CASES[name](torch.fft, torch.tensor(X, dtype=getattr(torch, dtype)),
                       torch.tensor(Z, dtype=getattr(torch, cdt)))
    assert repr(got.dtype) == repr(want.dtype) and tuple(got.shape) == tuple(want.shape)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(_np(got), _np(want), rtol=tol, atol=tol)


def test_freq():
    for n, d in ((5, 0.5), (6, 1.0), (1, 2.0)):
        for name in ("fftfreq", "rfftfreq"):
            got, want = getattr(dt.fft, name)(n, d), getattr(torch.fft, name)(n, d)
            assert repr(got.dtype) == repr(want.dtype)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-7)
    assert dt.fft.fftfreq(4, dtype=dt.float64).dtype == dt.float64


LOSSES = {
    "rfft": lambda f, m, x, z: (f.rfft(x * 2, n=5).abs() * 1.5).sum(),
    "irfft": lambda f, m, x, z: (f.irfft(z, n=7) ** 2).sum(),
    "irfft_even": lambda f, m, x, z: (f.irfft(z, dim=0, norm="ortho") * x[:1]).sum(),
    "fft_complex": lambda f, m, x, z: m.view_as_real(f.fft(z * x, norm="forward")).pow(2).sum(),
    "fft_real": lambda f, m, x, z: f.fft(x, n=4).imag.sum() + f.ifft(x).real.pow(2).sum(),
    "hfft_ihfft": lambda f, m, x, z: f.hfft(z, n=8).sum() + f.ihfft(x).angle().sum(),
    "fftn": lambda f, m, x, z: f.fftn(z, s=(4, 4)).abs().sum(),
    "rfft2_irfft2": lambda f, m, x, z: (f.irfft2(f.rfft2(x) * z[:, :4]) * x).sum(),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradients_match_torch(name):
    res = []
    for m in (dt, torch):
        x = m.tensor(X, dtype=m.float64, requires_grad=True)
        z = m.tensor(Z, dtype=m.complex128, requires_grad=True)
        LOSSES[name](m.fft, m, x, z).backward()
        res.append((x.grad, z.grad))
    for a, b in zip(*res):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-10)


ERRORS = {
    "rfft_complex": lambda f, m: f.rfft(m.ones(3, dtype=m.cfloat)),
    "ihfft_complex": lambda f, m: f.ihfft(m.ones(3, dtype=m.cfloat)),
    "norm": lambda f, m: f.fft(m.ones(3), norm="bad"),
    "n0": lambda f, m: f.fft(m.ones(3), n=0),
    "dim": lambda f, m: f.fft(m.ones(3), dim=3),
    "half": lambda f, m: f.fft(m.ones(3, dtype=m.half)),
    "s_too_long": lambda f, m: f.rfftn(m.ones(3), s=(2, 3)),
    "s_dim": lambda f, m: f.fftn(m.ones(3, 3), s=(2, 3), dim=(0,)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_like_torch(name):
    with pytest.raises(Exception) as want:
        ERRORS[name](torch.fft, torch)
    with pytest.raises(type(want.value)) as got:
        ERRORS[name](dt.fft, dt)
    assert str(got.value) == str(want.value)
