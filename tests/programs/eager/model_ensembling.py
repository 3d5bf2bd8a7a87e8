"""The torch.func tutorial 'Model ensembling', smaller: several MLPs of the same architecture
predicting on the same minibatch and on different minibatches, first by a Python loop, then by
stack_module_state + vmap over functional_call of a copy of the base model (the tutorial moves
that copy to the 'meta' device; here it stays on the CPU, its own weights unused); the two ways
must agree, and the ensemble's loss has gradients for the stacked parameters."""
# ruff: noqa: PLR0402, UP008  (written in the tutorial's own style)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state, vmap

torch.manual_seed(0)


class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 4)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x


device = 'cpu'
num_models = 5

data = torch.randn(10, 8, 4, 4, device=device)
targets = torch.randint(4, (10, 8), device=device)

models = [SimpleMLP().to(device) for _ in range(num_models)]

minibatches = data[:num_models]
predictions_diff_minibatch_loop = [model(minibatch) for model, minibatch in zip(models, minibatches)]

minibatch = data[0]
predictions2 = [model(minibatch) for model in models]

params, buffers = stack_module_state(models)
print(sorted(params.keys()))
print([tuple(params[k].shape) for k in sorted(params.keys())])
print(len(buffers))

base_model = copy.deepcopy(models[0])


def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))


predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
print(predictions1_vmap.shape)
assert torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-3, rtol=1e-5)

predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
print(predictions2_vmap.shape)
assert torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-3, rtol=1e-5)

print(predictions2_vmap.sum(dim=(1, 2)))
print(predictions1_vmap[:, 0])

# the ensemble's mean loss and its gradient with respect to the stacked parameters
ens_loss = F.cross_entropy(predictions1_vmap.reshape(-1, 4), targets[:num_models].reshape(-1))
grads = torch.autograd.grad(ens_loss, [params['fc3.weight'], params['fc1.bias']])
print(f"ensemble loss {ens_loss.item():.5f}")
print([round(g.abs().sum().item(), 4) for g in grads])
