"""A denoising diffusion probabilistic model on 2-D points, as the 'diffusion from scratch'
tutorials write it: a linear beta schedule, alphas_cumprod with torch.cumprod, q_sample with
gather'ed coefficients (extract), sinusoidal timestep embeddings, an MLP noise predictor,
the simple MSE loss on the noise, AdamW with a cosine LR schedule, and the ancestral sampling
loop (posterior variance from alphas_cumprod_prev via F.pad) under torch.no_grad()."""
# ruff: noqa: PLR0402, PIE808  (written in the tutorial's own style)
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

T = 50
betas = torch.linspace(1e-4, 0.02, T)
alphas = 1.0 - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
sqrt_recip_alphas = torch.sqrt(1.0 / alphas)
sqrt_alphas_cumprod = torch.sqrt(alphas_cumprod)
sqrt_one_minus_alphas_cumprod = torch.sqrt(1.0 - alphas_cumprod)
posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
print(alphas_cumprod[[0, 24, 49]], posterior_variance[:3])


def extract(a, t, x_shape):
    batch_size = t.shape[0]
    out = a.gather(-1, t.cpu())
    return out.reshape(batch_size, *((1,) * (len(x_shape) - 1))).to(t.device)


def q_sample(x_start, t, noise=None):
    if noise is None:
        noise = torch.randn_like(x_start)
    return (extract(sqrt_alphas_cumprod, t, x_start.shape) * x_start
            + extract(sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise)


class SinusoidalPositionEmbeddings(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, time):
        half_dim = self.dim // 2
        embeddings = math.log(10000) / (half_dim - 1)
        embeddings = torch.exp(torch.arange(half_dim, device=time.device) * -embeddings)
        embeddings = time[:, None] * embeddings[None, :]
        return torch.cat((embeddings.sin(), embeddings.cos()), dim=-1)


class Denoiser(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.time_mlp = nn.Sequential(SinusoidalPositionEmbeddings(16), nn.Linear(16, dim),
                                      nn.GELU(), nn.Linear(dim, dim))
        self.inp = nn.Linear(2, dim)
        self.net = nn.Sequential(nn.SiLU(), nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, 2))

    def forward(self, x, t):
        return self.net(self.inp(x) + self.time_mlp(t))


emb = SinusoidalPositionEmbeddings(8)(torch.tensor([0.0, 1.0, 10.0]))
print(emb.shape, emb[2])

# data: points on a ring
angle = torch.rand(256) * 2 * math.pi
data = torch.stack([torch.cos(angle), torch.sin(angle)], 1) * 2 + 0.05 * torch.randn(256, 2)

model = Denoiser()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=60, eta_min=1e-4)
for step in range(60):
    idx = torch.randint(0, 256, (64,))
    x0 = data[idx]
    t = torch.randint(0, T, (64,), device=x0.device).long()
    noise = torch.randn_like(x0)
    x_noisy = q_sample(x0, t, noise)
    predicted_noise = model(x_noisy, t.float())
    loss = F.mse_loss(noise, predicted_noise)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    if step % 20 == 19:
        print(f"step {step + 1} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.6f}")


@torch.no_grad()
def p_sample(model, x, t, t_index):
    betas_t = extract(betas, t, x.shape)
    sqrt_one_minus_alphas_cumprod_t = extract(sqrt_one_minus_alphas_cumprod, t, x.shape)
    sqrt_recip_alphas_t = extract(sqrt_recip_alphas, t, x.shape)
    model_mean = sqrt_recip_alphas_t * (
        x - betas_t * model(x, t.float()) / sqrt_one_minus_alphas_cumprod_t)
    if t_index == 0:
        return model_mean
    posterior_variance_t = extract(posterior_variance, t, x.shape)
    noise = torch.randn_like(x)
    return model_mean + torch.sqrt(posterior_variance_t) * noise


@torch.no_grad()
def p_sample_loop(model, shape):
    b = shape[0]
    img = torch.randn(shape)
    imgs = []
    for i in reversed(range(0, T)):
        img = p_sample(model, img, torch.full((b,), i, dtype=torch.long), i)
        imgs.append(img)
    return imgs


samples = p_sample_loop(model, (6, 2))
print(len(samples), samples[-1].shape, samples[-1].requires_grad)
print(samples[-1])
print(samples[-1].norm(dim=1))
