"""The torch.func tutorial 'Per-sample-gradients', smaller: a CNN's gradients for each sample
of a batch, first by a loop of autograd.grad calls, then by vmap(grad(compute_loss)) with
functional_call; the two must agree.  Weights and data come from NumPy, so the same numbers
go into both libraries."""
# ruff: noqa: PLR0402, UP008  (written in the tutorial's own style)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap

torch.manual_seed(0)


class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 4, 3, 1)
        self.fc1 = nn.Linear(16, 8)
        self.fc2 = nn.Linear(8, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


rng = np.random.default_rng(0)
batch_size = 6
data = torch.tensor(rng.standard_normal((batch_size, 1, 8, 8)), dtype=torch.float32)
targets = torch.tensor(rng.integers(0, 10, batch_size))

model = SimpleCNN()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.3, dtype=torch.float32))

predictions = model(data)  # move the entire mini-batch through the model
loss = loss_fn(predictions, targets)
loss.backward()  # back propagate the 'average' gradient of this mini-batch
print("mini-batch loss", round(loss.item(), 5))


def compute_grad(sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)
    prediction = model(sample)
    loss = loss_fn(prediction, target)
    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(data, targets):
    """manually process each sample with per sample gradient"""
    sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads


per_sample_grads = compute_sample_grads(data, targets)
print("per-sample grad shapes", [tuple(g.shape) for g in per_sample_grads])

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)

    predictions = functional_call(model, (params, buffers), (batch,))
    loss = loss_fn(predictions, targets)
    return loss


ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)

for name, per_sample_grad, ft_per_sample_grad in zip(
        ft_per_sample_grads.keys(), per_sample_grads, ft_per_sample_grads.values()):
    assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
    print(name, tuple(ft_per_sample_grad.shape),
          "sum", round(ft_per_sample_grad.sum().item(), 4),
          "abs sum", round(ft_per_sample_grad.abs().sum().item(), 4))

# the mean of the per-sample gradients is the mini-batch gradient
for name, p in model.named_parameters():
    torch.testing.assert_close(ft_per_sample_grads[name].mean(0), p.grad, rtol=1e-4, atol=1e-5)
print("mean of per-sample gradients == mini-batch gradient")
print("requires_grad of the results:", any(g.requires_grad for g in ft_per_sample_grads.values()))
