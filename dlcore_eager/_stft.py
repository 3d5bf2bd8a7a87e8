"""``torch.stft`` and ``torch.istft``: composites of framing, a window and the FFT primitives
(:mod:`dlcore.ops.fft`), following PyTorch's ``aten/src/ATen/native/SpectralOps.cpp``:

* stft: the signal (1-D, or (B, L)) is padded by ``n_fft // 2`` on both sides when ``center``
  (``pad_mode``, reflect by default), cut into frames ``x[t hop : t hop + n_fft]`` (one
  ``index_select``), multiplied by the window (zero-padded to ``n_fft`` in the middle), and
  transformed by a one-sided rfft (or a full fft for complex input/window or
  ``onesided=False``); ``normalized`` scales by ``n_fft^-1/2``.  Result (B?, freq, frames).
* istft: the inverse transform of each frame (irfft to ``n_fft``, or ifft), times the window,
  overlap-added (one ``index_add``), divided by the overlap-added squared window (PyTorch's
  NOLA check: an envelope below 1e-11 is an error), cut to ``length`` (or the centre padding
  removed).

Gradients flow through every step (index_select, index_add, the FFT primitives' vjps).
"""

from __future__ import annotations

import warnings

import numpy as np

from dlcore import ops as _ops

from ._arg_checks import not_tensor as _not_tensor
from .tensor import Tensor


def _window(window, win_length: int, n_fft: int, like: Tensor, op: str):
    from .creation import ones, tensor
    if window is None:
        w = ones(win_length, dtype=like.dtype if not like.is_complex() else None)
        if like.is_complex():
            w = w.to(_real_dtype(like))
    else:
        if window.dim() != 1 or window.shape[0] != win_length:
            raise RuntimeError(f"{op}: expected a 1D window tensor of size equal to "
                               f"win_length={win_length}, but got window with size "
                               f"{list(window.shape)}")
        w = window
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        zl = tensor(np.zeros(left), dtype=w.dtype)
        zr = tensor(np.zeros(n_fft - win_length - left), dtype=w.dtype)
        w = _ops.concatenate([zl, w, zr], axis=0)
    return w


def _real_dtype(t: Tensor):
    from dlcore.dtypes import to_real

    from . import _dtype as D
    return D.from_numpy_dtype(to_real(t._buf.dtype))


def _lengths(op: str, n_fft: int, hop_length, win_length, size=None):
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    win = n_fft if win_length is None else int(win_length)
    if n_fft <= 0 or (size is not None and n_fft > size):
        raise RuntimeError(f"{op}: expected 0 < n_fft <= {size}, but got n_fft={n_fft}"
                           if size is not None else f"{op}: expected 0 < n_fft, but got "
                           f"n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"{op}: expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(f"{op}: expected 0 < win_length <= n_fft, but got "
                           f"win_length={win}")
    return hop, win


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None):
    """The short-time Fourier transform, (B?, n_fft // 2 + 1 or n_fft, frames)."""
    from . import fft as _fft_api
    from .nn import functional as F
    if not isinstance(input, Tensor):
        raise _not_tensor("stft", "input", 1, input)
    x = input
    complex_in = x.is_complex() or (window is not None and window.is_complex())
    if return_complex is None:
        if not complex_in:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
        return_complex = True
    if x.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {x.dim()}D tensor")
    batched = x.dim() == 2
    if not batched:
        x = x.unsqueeze(0)
    if center:
        p = n_fft // 2
        x = F.pad(x.unsqueeze(1), (p, p), mode=pad_mode).squeeze(1)
    hop, win = _lengths("stft", n_fft, hop_length, win_length, x.shape[-1])
    n_frames = 1 + (x.shape[-1] - n_fft) // hop
    idx = (np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]).reshape(-1)
    from .creation import tensor
    frames = x.index_select(-1, tensor(idx)).reshape(x.shape[0], n_frames, n_fft)
    frames = frames * _window(window, win, n_fft, x, "stft")
    if onesided is None:
        onesided = not complex_in
    if onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    norm = "ortho" if normalized else "backward"
    spec = _fft_api.rfft(frames, norm=norm) if onesided else _fft_api.fft(frames, norm=norm)
    spec = spec.transpose(1, 2)
    if not batched:
        spec = spec.squeeze(0)
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch "
                      "release, stft will return complex tensors for all inputs, and "
                      "return_complex=False will raise an error.\nNote: you can still call "
                      "torch.view_as_real on the complex output to recover the old return "
                      "format.", UserWarning, stacklevel=2)
        return _ops.view_as_real(spec)
    return spec


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """The inverse of :func:`stft` by windowed overlap-add."""
    from . import fft as _fft_api
    from .creation import tensor, zeros
    if not isinstance(input, Tensor):
        raise _not_tensor("istft", "input", 1, input)
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    spec = input
    if spec.dim() not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex "
                           f"values, but got {spec.dim()}D")
    batched = spec.dim() == 3
    if not batched:
        spec = spec.unsqueeze(0)
    hop, win = _lengths("istft", n_fft, hop_length, win_length)
    n_freq, n_frames = spec.shape[-2], spec.shape[-1]
    if onesided is None:
        onesided = n_freq != n_fft
    if onesided and n_fft // 2 + 1 != n_freq:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft / 2 + 1 when onesided=True, but got "
                           f"{n_freq}")
    if not onesided and n_freq != n_fft:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft when onesided=False, but got {n_freq}")
    norm = "ortho" if normalized else "backward"
    frames = spec.transpose(1, 2)
    if onesided:
        frames = _fft_api.irfft(frames, n=n_fft, norm=norm)
    else:
        frames = _fft_api.ifft(frames, n=n_fft, norm=norm)
        if not return_complex:
            frames = frames.real
    w = _window(window, win, n_fft, frames, "istft")
    frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    idx = tensor((np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]).reshape(-1))
    y = zeros(spec.shape[0], total, dtype=frames.dtype).index_add(
        -1, idx, frames.reshape(spec.shape[0], -1))
    env = zeros(total, dtype=w.real.dtype if w.is_complex() else w.dtype).index_add(
        0, idx, (w.abs() ** 2 if w.is_complex() else w * w).repeat(n_frames))
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (total - n_fft // 2 if center else total)
    end_in = min(end, total)
    y, env = y[:, start:end_in], env[start:end_in]
    if float(env.abs().min()) < 1e-11:
        raise RuntimeError("istft(...): window overlap add min: " + f"{float(env.abs().min()):g}")
    y = y / env
    if end > total:
        y = _ops.concatenate([y, zeros(y.shape[0], end - total, dtype=y.dtype)], axis=1)
    return y if batched else y.squeeze(0)



