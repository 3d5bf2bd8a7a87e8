"""A 1-D Fourier Neural Operator as the FNO tutorials write it (neuraloperator's fourier_1d.py):
SpectralConv1d holds complex weights (torch.cfloat parameters scaled by 1/(in*out)), takes
torch.fft.rfft of the input, multiplies the lowest modes with einsum('bix,iox->box') on complex
tensors, and returns torch.fft.irfft(n=x.size(-1)); FNO1d lifts (x, grid) with a Linear, applies
Fourier layers plus 1x1 Conv1d skips with GELU, and projects back. Trained a few Adam steps to
learn the antiderivative operator on synthetic sine sums, with a relative L2 loss. Small sizes."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

# fft basics first
t = torch.arange(16, dtype=torch.float32)
sig = torch.sin(2 * math.pi * 3 * t / 16) + 0.5 * torch.cos(2 * math.pi * 5 * t / 16)
spec = torch.fft.rfft(sig)
print(spec.dtype, spec.shape)
print(spec.abs().round(decimals=3))
print(torch.allclose(torch.fft.irfft(spec, n=16), sig, atol=1e-5))
full = torch.fft.fft(sig.to(torch.complex64))
print(torch.allclose(full[:9], spec, atol=1e-4), full.real.shape)
print(torch.fft.fftfreq(8), torch.fft.rfftfreq(8))


class SpectralConv1d(nn.Module):
    def __init__(self, in_channels, out_channels, modes1):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.modes1 = modes1
        self.scale = 1 / (in_channels * out_channels)
        self.weights1 = nn.Parameter(
            self.scale * torch.rand(in_channels, out_channels, self.modes1, dtype=torch.cfloat))

    def compl_mul1d(self, input, weights):
        return torch.einsum("bix,iox->box", input, weights)

    def forward(self, x):
        batchsize = x.shape[0]
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros(batchsize, self.out_channels, x.size(-1) // 2 + 1,
                             device=x.device, dtype=torch.cfloat)
        out_ft[:, :, :self.modes1] = self.compl_mul1d(x_ft[:, :, :self.modes1], self.weights1)
        x = torch.fft.irfft(out_ft, n=x.size(-1))
        return x


class FNO1d(nn.Module):
    def __init__(self, modes, width):
        super().__init__()
        self.modes1 = modes
        self.width = width
        self.fc0 = nn.Linear(2, self.width)
        self.conv0 = SpectralConv1d(self.width, self.width, self.modes1)
        self.conv1 = SpectralConv1d(self.width, self.width, self.modes1)
        self.w0 = nn.Conv1d(self.width, self.width, 1)
        self.w1 = nn.Conv1d(self.width, self.width, 1)
        self.fc1 = nn.Linear(self.width, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        grid = self.get_grid(x.shape, x.device)
        x = torch.cat((x, grid), dim=-1)
        x = self.fc0(x)
        x = x.permute(0, 2, 1)
        x = F.gelu(self.conv0(x) + self.w0(x))
        x = self.conv1(x) + self.w1(x)
        x = x.permute(0, 2, 1)
        x = F.gelu(self.fc1(x))
        return self.fc2(x)

    def get_grid(self, shape, device):
        batchsize, size_x = shape[0], shape[1]
        gridx = torch.tensor(torch.linspace(0, 1, size_x).tolist(), dtype=torch.float)
        gridx = gridx.reshape(1, size_x, 1).repeat([batchsize, 1, 1])
        return gridx.to(device)


class LpLoss:
    def __call__(self, x, y):
        num = x.shape[0]
        diff = torch.norm(x.reshape(num, -1) - y.reshape(num, -1), 2, 1)
        ynorm = torch.norm(y.reshape(num, -1), 2, 1)
        return torch.mean(diff / ynorm)


n, s = 24, 32
xs = torch.linspace(0, 1, s)
k = torch.randint(1, 4, (n, 1)).float()
a = torch.randn(n, 1)
u = a * torch.cos(2 * math.pi * k * xs)                 # input functions
v = a * torch.sin(2 * math.pi * k * xs) / (2 * math.pi * k)  # their antiderivatives
model = FNO1d(modes=6, width=12)
n_params = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
print("parameters:", n_params)
print(model.conv0.weights1.dtype, model.conv0.weights1.shape)
optimizer = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
myloss = LpLoss()
for ep in range(20):
    optimizer.zero_grad()
    out = model(u.unsqueeze(-1))
    loss = myloss(out.view(n, -1), v)
    loss.backward()
    optimizer.step()
    scheduler.step()
    if ep % 5 == 4:
        print(f"epoch {ep + 1} rel L2 {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.5f}")
print(model.conv0.weights1.grad.abs().mean() > 0)
