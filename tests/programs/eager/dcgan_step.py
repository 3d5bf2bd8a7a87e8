"""The DCGAN tutorial's networks and training step at 16x16: a Generator of ConvTranspose2d,
BatchNorm2d and ReLU ending in Tanh, a Discriminator of Conv2d, BatchNorm2d and LeakyReLU ending
in Sigmoid, the weights_init function applied with .apply, BCELoss, two Adam optimizers with
betas, and fake images .detach()ed for the discriminator's step; prints losses and D(x), D(G(z))."""
import numpy as np
import torch
from torch import nn, optim

nc, nz, ngf, ndf = 1, 8, 8, 8
batch_size, lr, beta1 = 8, 0.0002, 0.5
real_label, fake_label = 1.0, 0.0


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input)


rng = np.random.default_rng(0)


def weights_init(m):
    # the tutorial draws nn.init.normal_(m.weight.data, 0.0, 0.02); here the same law from NumPy
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.copy_(torch.from_numpy(
            rng.normal(0.0, 0.02, tuple(m.weight.shape)).astype(np.float32)))
    elif classname.find("BatchNorm") != -1:
        m.weight.data.copy_(torch.from_numpy(
            rng.normal(1.0, 0.02, tuple(m.weight.shape)).astype(np.float32)))
        nn.init.constant_(m.bias.data, 0)


netG = Generator()
netG.apply(weights_init)
netD = Discriminator()
netD.apply(weights_init)
print(netG.main[0], netD.main[1])
print(sum(p.numel() for p in netG.parameters()), sum(p.numel() for p in netD.parameters()))

criterion = nn.BCELoss()
fixed_noise = torch.from_numpy(rng.standard_normal((4, nz, 1, 1)).astype(np.float32))
optimizerD = optim.Adam(netD.parameters(), lr=lr * 10, betas=(beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=lr * 10, betas=(beta1, 0.999))

yy, xx = np.mgrid[:16, :16]
G_losses, D_losses = [], []
for i in range(6):
    cx = rng.uniform(4, 12, (batch_size, 1, 1, 1))
    blobs = np.exp(-((xx - cx) ** 2 + (yy - 8) ** 2) / 8.0) * 2 - 1
    real_cpu = torch.from_numpy(blobs.astype(np.float32))
    noise = torch.from_numpy(rng.standard_normal((batch_size, nz, 1, 1)).astype(np.float32))
    # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    b_size = real_cpu.size(0)
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real_cpu).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) Update G network: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    G_losses.append(errG.item())
    D_losses.append(errD.item())
    print(f"[{i}/6] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f} "
          f"D(x): {D_x:.4f} D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}")

print(fake.shape, fake.grad_fn.name(), errD.grad_fn.name())
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
print(fake.shape, round(fake.min().item(), 3), round(fake.max().item(), 3))
netG.eval()
with torch.no_grad():
    print(round(netG(fixed_noise).abs().mean().item(), 4))
print([round(v, 4) for v in netD.main[3].running_mean[:4].tolist()])
