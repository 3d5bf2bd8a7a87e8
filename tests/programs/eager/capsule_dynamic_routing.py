"""A capsule network with dynamic routing, as the CapsNet PyTorch tutorials write it (Sabour et
al.): a Conv2d stem, PrimaryCaps (a conv reshaped to (batch, n_caps, 8) capsules), the squash
non-linearity, DigitCaps with a learned W of shape (1, in_caps, out_caps, out_dim, in_dim)
applied with torch.matmul on 5-D tensors, three routing iterations (softmax over the output
capsules of the logits b, weighted sums, agreement updates with the predictions detached for
all but the last iteration), the margin loss on the capsule lengths and a masked
reconstruction decoder; a few Adam steps on synthetic 12x12 images of three classes."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


def squash(s, dim=-1):
    squared_norm = (s ** 2).sum(dim=dim, keepdim=True)
    return squared_norm / (1 + squared_norm) * s / torch.sqrt(squared_norm + 1e-8)


class PrimaryCaps(nn.Module):
    def __init__(self, in_channels=16, caps_dim=8, n_maps=4):
        super().__init__()
        self.caps_dim = caps_dim
        self.conv = nn.Conv2d(in_channels, caps_dim * n_maps, kernel_size=3, stride=2)

    def forward(self, x):
        out = self.conv(x)
        b = out.size(0)
        out = out.view(b, -1, self.caps_dim, out.size(2), out.size(3))
        out = out.permute(0, 1, 3, 4, 2).contiguous().view(b, -1, self.caps_dim)
        return squash(out)


class DigitCaps(nn.Module):
    def __init__(self, in_caps, in_dim=8, out_caps=3, out_dim=6, routings=3):
        super().__init__()
        self.in_caps, self.out_caps, self.routings = in_caps, out_caps, routings
        self.W = nn.Parameter(0.01 * torch.randn(1, in_caps, out_caps, out_dim, in_dim))

    def forward(self, x):
        b = x.size(0)
        x = x.unsqueeze(2).unsqueeze(4)                  # (b, in_caps, 1, in_dim, 1)
        u_hat = torch.matmul(self.W, x).squeeze(-1)      # (b, in_caps, out_caps, out_dim)
        temp_u_hat = u_hat.detach()
        b_ij = torch.zeros(b, self.in_caps, self.out_caps, 1)
        for _ in range(self.routings - 1):
            c = b_ij.softmax(dim=2)
            v = squash((c * temp_u_hat).sum(dim=1, keepdim=True))
            uv = (temp_u_hat * v).sum(-1, keepdim=True)      # agreement u_hat . v
            b_ij = b_ij + uv
        c = b_ij.softmax(dim=2)
        v = squash((c * u_hat).sum(dim=1, keepdim=True))
        return v.squeeze(1), c


class CapsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, kernel_size=3)
        self.primary = PrimaryCaps()
        self.digit = DigitCaps(in_caps=4 * 4 * 4)
        self.decoder = nn.Sequential(nn.Linear(6 * 3, 64), nn.ReLU(), nn.Linear(64, 144), nn.Sigmoid())

    def forward(self, x, y=None):
        x = F.relu(self.conv(x))
        v, c = self.digit(self.primary(x))
        lengths = v.norm(dim=-1)
        if y is None:
            y = lengths.argmax(1)
        mask = F.one_hot(y, 3).float()
        recon = self.decoder((v * mask.unsqueeze(-1)).flatten(1))
        return lengths, recon, c


def margin_loss(lengths, labels, m_plus=0.9, m_minus=0.1, lam=0.5):
    t = F.one_hot(labels, 3).float()
    loss = t * F.relu(m_plus - lengths) ** 2 + lam * (1 - t) * F.relu(lengths - m_minus) ** 2
    return loss.sum(dim=1).mean()


images = torch.zeros(30, 1, 12, 12)
labels = torch.arange(30) % 3
for i in range(30):
    k = int(labels[i])
    if k == 0:
        images[i, 0, 2:10, 5:7] = 1
    elif k == 1:
        images[i, 0, 5:7, 2:10] = 1
    else:
        images[i, 0, 2:10, 2:10] = torch.eye(8)
images += 0.1 * torch.rand_like(images)

model = CapsNet()
print(squash(torch.tensor([[3.0, 4.0]])), squash(torch.tensor([[3.0, 4.0]])).norm())
lengths, recon, c = model(images[:4])
print(lengths.shape, recon.shape, c.shape, c.sum(2).flatten()[:3])
print(sum(p.numel() for p in model.parameters()))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(15):
    opt.zero_grad()
    lengths, recon, _ = model(images, labels)
    m = margin_loss(lengths, labels)
    r = F.mse_loss(recon, images.view(30, -1), reduction="sum") / 30
    loss = m + 0.0005 * r
    loss.backward()
    opt.step()
    if epoch % 5 == 4:
        acc = (lengths.argmax(1) == labels).float().mean().item()
        print(f"epoch {epoch + 1} margin {m.item():.4f} recon {r.item():.3f} acc {acc:.3f}")
with torch.no_grad():
    lengths, _, _ = model(images)
print(lengths[:3])
