"""Fitting a Gaussian mixture by gradient descent with torch.distributions, as the
probabilistic-modelling tutorials write it: MixtureSameFamily(Categorical(logits),
Independent(Normal(loc, softplus(scale)), 1)), the negative log-likelihood minimised with
Adam, then sampling, the mixture's mean/variance, posterior responsibilities via log_prob of
the component distribution, TransformedDistribution(Normal, [ExpTransform]) against LogNormal,
rsample with the reparameterisation trick, kl_divergence between Normals and an MC estimate,
constraints and support checks."""
import torch
import torch.distributions as D
import torch.nn.functional as F

torch.manual_seed(0)

true_locs = torch.tensor([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]])
comp = torch.randint(0, 3, (300,))
data = true_locs[comp] + 0.4 * torch.randn(300, 2)
print(torch.bincount(comp))

logits = torch.zeros(3, requires_grad=True)
locs = torch.randn(3, 2, requires_grad=True)
raw_scales = torch.zeros(3, 2, requires_grad=True)


def mixture():
    mix = D.Categorical(logits=logits)
    comps = D.Independent(D.Normal(locs, F.softplus(raw_scales)), 1)
    return D.MixtureSameFamily(mix, comps)


gmm = mixture()
print(gmm.batch_shape, gmm.event_shape, gmm.component_distribution.batch_shape)
print(f"initial nll {-gmm.log_prob(data).mean().item():.4f}")
opt = torch.optim.Adam([logits, locs, raw_scales], lr=0.05)
for step in range(120):
    opt.zero_grad()
    loss = -mixture().log_prob(data).mean()
    loss.backward()
    opt.step()
    if step % 40 == 39:
        print(f"step {step + 1} nll {loss.item():.4f}")

gmm = mixture()
order = locs[:, 0].argsort()
print(locs.detach()[order])
print(F.softplus(raw_scales).detach()[order])
print(gmm.mixture_distribution.probs.detach()[order])
print(gmm.mean.detach(), gmm.variance.detach())
samples = gmm.sample((4,))
print(samples.shape)
log_resp = gmm.component_distribution.log_prob(data[:5].unsqueeze(1)) + gmm.mixture_distribution.logits
resp = log_resp.softmax(-1)
print(resp.argmax(-1), comp[:5])

base = D.Normal(torch.tensor([0.2]), torch.tensor([0.5]))
td = D.TransformedDistribution(base, [D.transforms.ExpTransform()])
ln = D.LogNormal(torch.tensor([0.2]), torch.tensor([0.5]))
x = torch.tensor([0.5, 1.0, 2.0]).unsqueeze(1)
print(torch.allclose(td.log_prob(x), ln.log_prob(x)), ln.mean, ln.variance)
print(ln.support, D.constraints.positive.check(torch.tensor([-1.0, 1.0])))

mu = torch.tensor(0.5, requires_grad=True)
q = D.Normal(mu, 1.0)
print(q.has_rsample, D.Categorical(logits=logits).has_rsample)
z = q.rsample((1000,))
(z ** 2).mean().backward()
print(f"grad {mu.grad.item():.4f}")
p = D.Normal(0.0, 2.0)
q2 = D.Normal(1.0, 0.5)
mc = (q2.log_prob(s := q2.sample((20000,))) - p.log_prob(s)).mean()
print(f"kl {D.kl_divergence(q2, p).item():.5f} mc {mc.item():.3f}")
print(D.kl_divergence(D.Categorical(probs=torch.tensor([0.2, 0.8])), D.Categorical(probs=torch.tensor([0.5, 0.5]))))
print(D.Normal(0.0, 1.0).cdf(torch.tensor([0.0, 1.96])), D.Normal(0.0, 1.0).icdf(torch.tensor(0.975)))
