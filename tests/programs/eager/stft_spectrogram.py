"""Audio features from scratch the way the audio-preprocessing tutorials write them without
torchaudio: a synthetic chirp plus tones, torch.stft with a Hann window (center=True, reflect
padding, return_complex=True), the power spectrogram, a triangular mel filterbank built with
torch.linspace/torch.clamp, log-mel features, torch.istft reconstructing the signal, MFCCs via a
DCT-II matrix, and a small 1-D CNN over the log-mels trained a few Adam steps to tell the
tone classes apart."""
import math

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

sr, n_fft, hop, n_mels = 4000, 128, 32, 16
t = torch.arange(0, 0.5, 1 / sr)
chirp = torch.sin(2 * math.pi * (200 + 800 * t) * t)
print(t.shape, chirp[:4])

window = torch.hann_window(n_fft)
print(window[:4], torch.hann_window(8, periodic=False))
spec = torch.stft(chirp, n_fft=n_fft, hop_length=hop, window=window, center=True,
                  pad_mode="reflect", return_complex=True)
print(spec.shape, spec.dtype)
power = spec.abs() ** 2
print(power.sum(0)[:5])
peak_bins = power.argmax(0)
print(peak_bins[::8])

recon = torch.istft(spec, n_fft=n_fft, hop_length=hop, window=window, length=chirp.numel())
print(torch.allclose(recon, chirp, atol=1e-4))


def hz_to_mel(f):
    return 2595.0 * torch.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


def mel_filterbank(n_freqs, n_mels, sr):
    all_freqs = torch.linspace(0, sr // 2, n_freqs)
    m_pts = torch.linspace(hz_to_mel(torch.tensor(0.0)), hz_to_mel(torch.tensor(sr / 2)), n_mels + 2)
    f_pts = mel_to_hz(m_pts)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return torch.clamp(torch.min(down, up), min=0)


fb = mel_filterbank(n_fft // 2 + 1, n_mels, sr)
print(fb.shape, fb.sum(0)[:4])
mel = (power.T @ fb).T
log_mel = torch.log(mel + 1e-6)
print(log_mel.shape, log_mel.mean().item())

n = torch.arange(n_mels, dtype=torch.float32)
k = torch.arange(13, dtype=torch.float32).unsqueeze(1)
dct = torch.cos(math.pi / n_mels * (n + 0.5) * k) * math.sqrt(2.0 / n_mels)
dct[0] *= 1 / math.sqrt(2.0)
mfcc = dct @ log_mel
print(mfcc.shape, mfcc[:3, 0])


def make_clip(freq):
    tt = torch.arange(0, 0.25, 1 / sr)
    sig = torch.sin(2 * math.pi * freq * tt) + 0.3 * torch.randn(tt.shape)
    s = torch.stft(sig, n_fft, hop, window=window, return_complex=True).abs().pow(2)
    return torch.log((s.T @ fb).T + 1e-6)


freqs = [300.0, 900.0, 1500.0]
X = torch.stack([make_clip(freqs[i % 3]) for i in range(24)])
Y = torch.tensor([i % 3 for i in range(24)])
print(X.shape)
model = nn.Sequential(nn.Conv1d(n_mels, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool1d(1),
                      nn.Flatten(), nn.Linear(8, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(15):
    opt.zero_grad()
    loss = F.cross_entropy(model(X), Y)
    loss.backward()
    opt.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1} loss {loss.item():.4f} acc {(model(X).argmax(1) == Y).float().mean().item():.3f}")
