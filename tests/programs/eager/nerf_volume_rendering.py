"""Tiny NeRF as the PyTorch ports of the NeRF paper's tiny_nerf notebook and nerf-pytorch write
it: rays from a pinhole camera (torch.meshgrid(indexing='xy'), a camera-to-world matrix),
positional encoding with sin/cos of 2^k x, stratified depths (linspace + uniform jitter), volume
rendering (alpha = 1 - exp(-relu(sigma) * delta), the exclusive cumprod for transmittance,
weights summed into RGB, depth and accumulated opacity) and hierarchical sampling of a second
set of depths from the weights' piecewise-constant PDF with torch.searchsorted (sample_pdf);
the MLP fits the renders of an analytic scene (a coloured ball) with Adam, PSNR rising."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
H = W = 6
focal = 5.0


def get_rays(H, W, focal, c2w):
    i, j = torch.meshgrid(torch.arange(W, dtype=torch.float32),
                          torch.arange(H, dtype=torch.float32), indexing="xy")
    dirs = torch.stack([(i - W * .5) / focal, -(j - H * .5) / focal, -torch.ones_like(i)], -1)
    rays_d = torch.sum(dirs[..., None, :] * c2w[:3, :3], -1)
    rays_o = c2w[:3, -1].expand(rays_d.shape)
    return rays_o, rays_d


def positional_encoding(x, L=4):
    out = [x]
    for k in range(L):
        out += [torch.sin(2.0 ** k * x), torch.cos(2.0 ** k * x)]
    return torch.cat(out, -1)


def cumprod_exclusive(tensor):
    cumprod = torch.cumprod(tensor, -1)
    cumprod = torch.roll(cumprod, 1, -1)
    cumprod[..., 0] = 1.
    return cumprod


def raw2outputs(raw, z_vals, rays_d):
    dists = z_vals[..., 1:] - z_vals[..., :-1]
    dists = torch.cat([dists, torch.tensor([1e10]).expand(dists[..., :1].shape)], -1)
    dists = dists * torch.norm(rays_d[..., None, :], dim=-1)
    rgb = torch.sigmoid(raw[..., :3])
    alpha = 1. - torch.exp(-F.relu(raw[..., 3]) * dists)
    weights = alpha * cumprod_exclusive(1. - alpha + 1e-10)
    rgb_map = torch.sum(weights[..., None] * rgb, -2)
    depth_map = torch.sum(weights * z_vals, -1)
    acc_map = torch.sum(weights, -1)
    return rgb_map, depth_map, acc_map, weights


def sample_pdf(bins, weights, N_samples, det=False):
    weights = weights + 1e-5
    pdf = weights / torch.sum(weights, -1, keepdim=True)
    cdf = torch.cumsum(pdf, -1)
    cdf = torch.cat([torch.zeros_like(cdf[..., :1]), cdf], -1)
    if det:
        u = torch.linspace(0., 1., steps=N_samples)
        u = u.expand(list(cdf.shape[:-1]) + [N_samples])
    else:
        u = torch.rand(list(cdf.shape[:-1]) + [N_samples])
    u = u.contiguous()
    inds = torch.searchsorted(cdf, u, right=True)
    below = torch.max(torch.zeros_like(inds - 1), inds - 1)
    above = torch.min((cdf.shape[-1] - 1) * torch.ones_like(inds), inds)
    inds_g = torch.stack([below, above], -1)
    matched_shape = [inds_g.shape[0], inds_g.shape[1], cdf.shape[-1]]
    cdf_g = torch.gather(cdf.unsqueeze(1).expand(matched_shape), 2, inds_g)
    bins_g = torch.gather(bins.unsqueeze(1).expand(matched_shape), 2, inds_g)
    denom = (cdf_g[..., 1] - cdf_g[..., 0])
    denom = torch.where(denom < 1e-5, torch.ones_like(denom), denom)
    t = (u - cdf_g[..., 0]) / denom
    return bins_g[..., 0] + t * (bins_g[..., 1] - bins_g[..., 0])


class TinyNeRF(nn.Module):
    def __init__(self, L=4, width=64):
        super().__init__()
        self.L = L
        self.layers = nn.Sequential(nn.Linear(3 + 6 * L, width), nn.ReLU(),
                                    nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 4))

    def forward(self, pts):
        return self.layers(positional_encoding(pts, self.L))


def render_rays(model, rays_o, rays_d, near, far, N_samples, rand=True, N_importance=0):
    z_vals = torch.linspace(near, far, N_samples).expand(rays_o.shape[0], N_samples)
    if rand:
        z_vals = z_vals + torch.rand(z_vals.shape) * (far - near) / N_samples
    pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]
    rgb, depth, acc, weights = raw2outputs(model(pts), z_vals, rays_d)
    if N_importance > 0:
        z_mid = .5 * (z_vals[..., 1:] + z_vals[..., :-1])
        z_samples = sample_pdf(z_mid, weights[..., 1:-1], N_importance, det=not rand).detach()
        z_vals, _ = torch.sort(torch.cat([z_vals, z_samples], -1), -1)
        pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]
        rgb, depth, acc, weights = raw2outputs(model(pts), z_vals, rays_d)
    return rgb, depth, acc


def ball_scene(rays_o, rays_d, near=2., far=6., n=64):
    """The target: a ball of radius 1 at the origin, its colour varying with position."""
    z = torch.linspace(near, far, n).expand(rays_o.shape[0], n)
    pts = rays_o[..., None, :] + rays_d[..., None, :] * z[..., :, None]
    sigma = 20. * (pts.norm(dim=-1) < 1.).float()
    rgb_logit = torch.stack([pts[..., 0] * 3, pts[..., 1] * 3, -pts[..., 2] * 3], -1)
    return raw2outputs(torch.cat([rgb_logit, sigma[..., None]], -1), z, rays_d)[0]


def pose(theta):
    c, s = torch.cos(torch.tensor(theta)), torch.sin(torch.tensor(theta))
    return torch.tensor([[c, 0., s, 4. * s], [0., 1., 0., 0.], [-s, 0., c, 4. * c],
                         [0., 0., 0., 1.]])


rays_o, rays_d = get_rays(H, W, focal, pose(0.0))
print(rays_o.shape, rays_d.shape, rays_d[0, 0], rays_o[2, 3])
print(positional_encoding(torch.tensor([[0.5, -1.0, 2.0]]), 2).shape)
print(cumprod_exclusive(torch.tensor([[0.5, 0.5, 0.5, 0.25]])))
bins = torch.tensor([[0., 1., 2., 3., 4.]])
w = torch.tensor([[0., 1., 0., 1.]])
print(sample_pdf(bins, w, 5, det=True))

poses = [pose(t) for t in torch.linspace(0, 6.2832, 9)[:-1].tolist()]
views = [get_rays(H, W, focal, p) for p in poses]
rays = [(o.reshape(-1, 3), d.reshape(-1, 3)) for o, d in views]
targets = [ball_scene(o, d) for o, d in rays]
print(len(targets), targets[0].shape, f"{targets[0].mean().item():.4f}")

model = TinyNeRF()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
psnrs = []
for it in range(60):
    k = it % 7
    o, d = rays[k]
    rgb, depth, acc = render_rays(model, o, d, 2., 6., N_samples=16, N_importance=8)
    loss = F.mse_loss(rgb, targets[k])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if it % 15 == 0 or it == 59:
        with torch.no_grad():
            o, d = rays[7]
            rgb, depth, acc = render_rays(model, o, d, 2., 6., 16, rand=False, N_importance=8)
            mse = F.mse_loss(rgb, targets[7])
            psnr = -10. * torch.log10(mse)
            psnrs.append(psnr.item())
        print(f"iter {it} loss {loss.item():.5f} held-out psnr {psnr.item():.2f} "
              f"depth {depth.mean().item():.3f} acc {acc.mean().item():.3f}")
print("psnr improved", psnrs[-1] > psnrs[0] + 3)
