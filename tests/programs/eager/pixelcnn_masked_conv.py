"""PixelCNN's masked convolution as the well-known PyTorch ports write it (jzbontar/pixelcnn-pytorch,
the UvA deep-learning tutorial 12): a MaskedConv2d subclass of nn.Conv2d with a register_buffer
mask ('A' hides the centre pixel, 'B' keeps it) applied by self.weight.data *= self.mask before
super().forward; nn.Sequential of masked convolutions, BatchNorm2d and ReLU ending in 4 logits
per pixel; F.cross_entropy over the (N, 4, H, W) logits; the bits-per-dim figure; and
sampling pixel by pixel with torch.multinomial under torch.no_grad() (a seeded
torch.Generator).  Checked: the output at a pixel does not depend on later pixels (an autograd
receptive-field test as the tutorial does), the mask's state_dict entry, and the losses."""
# ruff: noqa: PLR0402, UP008  (written in the port's own style)
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)
levels = 4
H = W = 6


class MaskedConv2d(nn.Conv2d):
    def __init__(self, mask_type, *args, **kwargs):
        super(MaskedConv2d, self).__init__(*args, **kwargs)
        assert mask_type in {'A', 'B'}
        self.register_buffer('mask', self.weight.data.clone())
        _, _, kH, kW = self.weight.size()
        self.mask.fill_(1)
        self.mask[:, :, kH // 2, kW // 2 + (mask_type == 'B'):] = 0
        self.mask[:, :, kH // 2 + 1:] = 0

    def forward(self, x):
        self.weight.data *= self.mask
        return super(MaskedConv2d, self).forward(x)


fm = 8
net = nn.Sequential(
    MaskedConv2d('A', 1, fm, 5, 1, 2, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
    MaskedConv2d('B', fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
    MaskedConv2d('B', fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
    nn.Conv2d(fm, levels, 1))
print(net[0].mask[0, 0])
print('buffers', [k for k in net.state_dict() if k.endswith('mask')])

# receptive field: the gradient of one output pixel w.r.t. the input
inp = torch.rand(1, 1, H, W, requires_grad=True)
net.eval()
out = net(inp)
out[0, :, 3, 2].sum().backward()
print('depends on', (inp.grad[0, 0].abs() > 0).int().tolist())
net.train()

# toy data: vertical stripes of random intensity levels
g = torch.Generator().manual_seed(0)
cols = torch.randint(0, levels, (64, 1, 1, W), generator=g)
data = cols.expand(64, 1, H, W).contiguous()
noise = torch.rand(64, 1, H, W, generator=g) < 0.1
data = torch.where(noise, torch.randint(0, levels, (64, 1, H, W), generator=g), data)

optimizer = optim.Adam(net.parameters(), lr=3e-3)
for epoch in range(6):
    err_tr = []
    for i in range(0, 64, 16):
        target = data[i:i + 16]
        x = target.float() / (levels - 1)
        logits = net(x)
        loss = F.cross_entropy(logits, target[:, 0])
        err_tr.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    bpd = sum(err_tr) / len(err_tr) / math.log(2)
    print(f'epoch={epoch}; nll_tr={sum(err_tr) / len(err_tr):.6f}; bpd={bpd:.5f}')

print('weights masked before forward:', bool(((net[3].weight.data * (1 - net[3].mask)) == 0).all()))
net(data[:2].float())
print('weights masked after forward:', bool(((net[3].weight.data * (1 - net[3].mask)) == 0).all()))

net.eval()
sample = torch.zeros(4, 1, H, W)
gen = torch.Generator().manual_seed(7)
with torch.no_grad():
    for i in range(H):
        for j in range(W):
            out = net(sample)
            probs = F.softmax(out[:, :, i, j], dim=1)
            sample[:, :, i, j] = torch.multinomial(probs, 1, generator=gen).float() / (levels - 1)
    last_probs = F.softmax(net(sample)[:, :, H - 1, W - 1], dim=1)
print('sample', sample.shape, sample.dtype, 'levels used', sorted(set((sample * (levels - 1)).round().int().flatten().tolist())))
print('last pixel probs', [round(v, 4) for v in last_probs[0].tolist()])
