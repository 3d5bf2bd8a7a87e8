"""Growing Neural Cellular Automata as the PyTorch ports of Mordvintsev et al.'s Distill article
write it: a 16-channel state grid, perception by a depthwise F.conv2d (groups=channels) with the
identity and Sobel kernels stacked and repeated per channel on a circular F.pad, an update rule
of 1x1 convolutions whose last layer starts at zero (nn.init.zeros_), stochastic cell updates
(torch.rand < fire_rate), the alive mask from F.max_pool2d over the alpha channel, a sample pool
with the highest-loss sample replaced by the seed, per-parameter gradient normalisation
(p.grad / (p.grad.norm() + 1e-8)) and a MultiStepLR; the CA learns to grow a small disc."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
CHANNEL_N = 16
SIZE = 12
POOL_SIZE = 16
BATCH_SIZE = 4


def make_target():
    yy, xx = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing="ij")
    r = ((yy - 5.5) ** 2 + (xx - 5.5) ** 2).sqrt()
    alpha = (r < 4.0).float()
    rgb = torch.stack([alpha * 0.9, alpha * (xx / SIZE), alpha * (yy / SIZE)])
    return torch.cat([rgb, alpha[None]], 0)          # (4, H, W), premultiplied RGBA


def make_seed(n):
    x = torch.zeros(n, CHANNEL_N, SIZE, SIZE)
    x[:, 3:, SIZE // 2, SIZE // 2] = 1.0
    return x


class CAModel(nn.Module):
    def __init__(self, channel_n=CHANNEL_N, fire_rate=0.5, hidden_size=64):
        super().__init__()
        self.channel_n = channel_n
        self.fire_rate = fire_rate
        ident = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
        sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
        kernel = torch.stack([ident, sobel_x, sobel_x.T])          # (3, 3, 3)
        self.register_buffer("kernel", kernel.repeat(channel_n, 1, 1)[:, None])
        self.fc0 = nn.Conv2d(channel_n * 3, hidden_size, 1)
        self.fc1 = nn.Conv2d(hidden_size, channel_n, 1, bias=False)
        with torch.no_grad():
            nn.init.zeros_(self.fc1.weight)

    def alive(self, x):
        return F.max_pool2d(x[:, 3:4], kernel_size=3, stride=1, padding=1) > 0.1

    def perceive(self, x):
        x = F.pad(x, (1, 1, 1, 1), mode="circular")
        return F.conv2d(x, self.kernel, groups=self.channel_n)

    def update(self, x, fire_rate):
        pre_life_mask = self.alive(x)
        dx = self.fc1(F.relu(self.fc0(self.perceive(x))))
        stochastic = (torch.rand(x.shape[0], 1, x.shape[2], x.shape[3]) <= fire_rate).float()
        x = x + dx * stochastic
        post_life_mask = self.alive(x)
        life_mask = (pre_life_mask & post_life_mask).float()
        return x * life_mask

    def forward(self, x, steps=1, fire_rate=None):
        for _ in range(steps):
            x = self.update(x, self.fire_rate if fire_rate is None else fire_rate)
        return x


target = make_target()
print(target.shape, target[3].sum().item(), target[:3].amax(dim=(1, 2)))
ca = CAModel()
print(ca.kernel.shape, [tuple(b.shape) for _, b in ca.named_buffers()],
      sum(p.numel() for p in ca.parameters()))
probe = torch.arange(2 * SIZE * SIZE, dtype=torch.float32).view(1, 2, SIZE, SIZE).repeat(1, 8, 1, 1)
per = ca.perceive(probe)
print(per.shape, per[0, 0, 0, :3].tolist(), per[0, 1, 4, 4].item(), per[0, 2, 4, 4].item())
x0 = make_seed(1)
print(ca.alive(x0).sum().item(), torch.equal(ca(x0, steps=3), x0))   # zero update: unchanged

optimizer = torch.optim.Adam(ca.parameters(), lr=2e-3)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [30], gamma=0.3)
pool = make_seed(POOL_SIZE)


def loss_f(x, target):
    return torch.mean(torch.pow(x[:, :4] - target, 2), [-2, -3, -1])


for i in range(40):
    batch_idx = torch.randperm(POOL_SIZE)[:BATCH_SIZE]
    x0 = pool[batch_idx]
    worst = loss_f(x0, target).argsort(descending=True)
    x0[worst[:1]] = make_seed(1)
    steps = int(torch.randint(8, 12, (1,)).item())
    x = ca(x0, steps=steps)
    loss = loss_f(x, target).mean()
    optimizer.zero_grad()
    loss.backward()
    for p in ca.parameters():
        p.grad /= (p.grad.norm() + 1e-8)
    optimizer.step()
    scheduler.step()
    pool[batch_idx] = x.detach()
    if i % 10 == 0 or i == 39:
        print(f"{i} steps {steps} loss {loss.item():.5f} lr {scheduler.get_last_lr()[0]:.5f}")

with torch.no_grad():
    grown = ca(make_seed(2), steps=10, fire_rate=0.5)
    err = loss_f(grown, target)
    print("grown", tuple(grown.shape), "alive cells", int(ca.alive(grown[:1]).sum().item()),
          "loss below seed's", bool((err < loss_f(make_seed(2), target)).all()))
