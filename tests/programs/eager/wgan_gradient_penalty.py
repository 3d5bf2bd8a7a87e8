"""WGAN-GP (Gulrajani et al.; the gradient-penalty step of the well-known PyTorch
implementations, e.g. eriklindernoren/PyTorch-GAN wgan_gp.py) on 2-D toy data: a Generator and
a Critic of nn.Sequential Linear/LeakyReLU(0.2, inplace=True)/LayerNorm, compute_gradient_penalty
with a random interpolation alpha, autograd.grad(create_graph=True, retain_graph=True,
only_inputs=True, grad_outputs=torch.ones) and ((gradients.norm(2, dim=1) - 1) ** 2).mean(),
Adam(betas=(0.0, 0.9)), n_critic critic steps per generator step, requires_grad_ toggling,
and the classic WGAN weight clipping (p.data.clamp_) for comparison."""
# ruff: noqa: PLR0402, UP008, UP031  (written in the example's own style)
import numpy as np
import torch
import torch.autograd as autograd
import torch.nn as nn

torch.manual_seed(0)
latent_dim = 4
lambda_gp = 10
n_critic = 3


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.LayerNorm(out_feat))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *block(latent_dim, 32, normalize=False),
            *block(32, 32),
            nn.Linear(32, 2),
        )

    def forward(self, z):
        return self.model(z)


class Critic(nn.Module):
    def __init__(self):
        super(Critic, self).__init__()
        self.model = nn.Sequential(
            nn.Linear(2, 32),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(32, 16),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(16, 1),
        )

    def forward(self, x):
        return self.model(x)


def compute_gradient_penalty(D, real_samples, fake_samples):
    """Calculates the gradient penalty loss for WGAN GP"""
    alpha = torch.rand((real_samples.size(0), 1))
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    fake = torch.ones(real_samples.shape[0], 1, requires_grad=False)
    gradients = autograd.grad(
        outputs=d_interpolates,
        inputs=interpolates,
        grad_outputs=fake,
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


def real_batch(n, rng):
    """Points on a ring of radius 2."""
    theta = rng.uniform(0, 2 * np.pi, n)
    pts = np.stack([2 * np.cos(theta), 2 * np.sin(theta)], 1) + 0.05 * rng.standard_normal((n, 2))
    return torch.from_numpy(pts.astype(np.float32))


generator = Generator()
discriminator = Critic()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.0, 0.9))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.0, 0.9))

rng = np.random.default_rng(0)
batches_done = 0
for i in range(24):
    real_imgs = real_batch(32, rng)

    # ---------------------
    #  Train Discriminator
    # ---------------------
    for p in discriminator.parameters():
        p.requires_grad_(True)
    optimizer_D.zero_grad()
    z = torch.randn(real_imgs.shape[0], latent_dim)
    fake_imgs = generator(z)
    real_validity = discriminator(real_imgs)
    fake_validity = discriminator(fake_imgs.detach())
    gradient_penalty = compute_gradient_penalty(discriminator, real_imgs.data, fake_imgs.data)
    d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gradient_penalty
    d_loss.backward()
    optimizer_D.step()

    optimizer_G.zero_grad()
    if i % n_critic == 0:
        # -----------------
        #  Train Generator
        # -----------------
        for p in discriminator.parameters():
            p.requires_grad_(False)
        fake_imgs = generator(z)
        fake_validity = discriminator(fake_imgs)
        g_loss = -torch.mean(fake_validity)
        g_loss.backward()
        optimizer_G.step()
        print(
            "[Batch %d/%d] [D loss: %f] [GP: %f] [G loss: %f]"
            % (i, 24, d_loss.item(), gradient_penalty.item(), g_loss.item())
        )
        batches_done += n_critic

print("critic grads after the generator step:",
      all(p.grad is None or p.grad.abs().sum().item() >= 0 for p in discriminator.parameters()))
print("requires_grad:", [p.requires_grad for p in discriminator.parameters()][:2])

# the original WGAN: weight clipping instead of the penalty
clip_value = 0.05
critic = Critic()
opt = torch.optim.RMSprop(critic.parameters(), lr=5e-4)
for i in range(5):
    real_imgs = real_batch(16, rng)
    fake_imgs = generator(torch.randn(16, latent_dim)).detach()
    opt.zero_grad()
    loss_D = -torch.mean(critic(real_imgs)) + torch.mean(critic(fake_imgs))
    loss_D.backward()
    opt.step()
    for p in critic.parameters():
        p.data.clamp_(-clip_value, clip_value)
    print("clipped critic loss %.6f max |w| %.4f" % (
        loss_D.item(), max(p.abs().max().item() for p in critic.parameters())))

with torch.no_grad():
    samples = generator(torch.randn(256, latent_dim))
radius = samples.norm(dim=1)
print("samples", samples.shape, samples.dtype, "mean radius %.4f std %.4f" % (radius.mean().item(), radius.std().item()))
