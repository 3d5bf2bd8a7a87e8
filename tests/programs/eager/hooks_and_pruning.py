"""Two short tutorials on a small CNN: 'forward and backward hooks' (register_forward_hook to
collect activations in a dict with output.detach(), register_forward_pre_hook changing the
input, register_full_backward_hook reading grad_output, a tensor hook on an intermediate
with register_hook, handle.remove()), and the 'pruning tutorial' (prune.random_unstructured
checked by its count, prune.l1_unstructured with the weight_orig/weight_mask reparametrisation,
named_buffers, _forward_pre_hooks, prune.remove, global_unstructured with L1Unstructured, and
the sparsity printout), plus parameters_to_vector/vector_to_parameters.
(Weights from NumPy so both libraries compute the same numbers.)"""
# ruff: noqa: PLR0402, RUF015  (written in the tutorials' own style)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune
from torch.nn.utils import parameters_to_vector, vector_to_parameters


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        # 1 input image channel, 3 output channels, 3x3 square conv kernel
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.conv2 = nn.Conv2d(3, 8, 3)
        self.fc1 = nn.Linear(8 * 2 * 2, 12)
        self.fc2 = nn.Linear(12, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


rng = np.random.default_rng(0)
model = LeNet()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.4, 0.4, tuple(p.shape)).astype(np.float32)))
x = torch.from_numpy(rng.normal(0, 1, (2, 1, 14, 14)).astype(np.float32))

activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


h1 = model.conv2.register_forward_hook(get_activation('conv2'))
h2 = model.fc1.register_forward_hook(get_activation('fc1'))
pre = model.fc2.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
grads = {}
h3 = model.fc2.register_full_backward_hook(
    lambda module, grad_input, grad_output: grads.__setitem__('fc2_out', grad_output[0]))
out = model(x)
out.pow(2).sum().backward()
print(activation['conv2'].shape, activation['fc1'].shape, activation['conv2'].requires_grad)
print(round(activation['fc1'].sum().item(), 5), round(out.sum().item(), 5))
print(grads['fc2_out'].shape, torch.allclose(grads['fc2_out'], 2 * out.detach()))
for h in (h1, h2, pre, h3):
    h.remove()
activation.clear()
out2 = model(x)
print(activation, torch.allclose(out2, out))

y = model.conv1(x)
seen = []
y.register_hook(lambda g: seen.append(g.abs().sum().item()))
y.sum().backward()
print([round(s, 4) for s in seen])

# pruning
module = model.conv1
print(list(module.named_parameters())[0][0], list(module.named_buffers()))
prune.random_unstructured(module, name="weight", amount=0.3)
print([n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()])
print(int((module.weight == 0).sum()), module.weight_mask.sum().item())
prune.l1_unstructured(module, name="bias", amount=1)
print(module.bias, module.bias_mask)
print(len(module._forward_pre_hooks))
prune.remove(module, 'weight')
print([n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()])

model = LeNet()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.4, 0.4, tuple(p.shape)).astype(np.float32)))
parameters_to_prune = (
    (model.conv1, 'weight'),
    (model.conv2, 'weight'),
    (model.fc1, 'weight'),
    (model.fc2, 'weight'),
)
prune.global_unstructured(
    parameters_to_prune,
    pruning_method=prune.L1Unstructured,
    amount=0.2,
)
for name in ["conv1", "conv2", "fc1", "fc2"]:
    w = getattr(model, name).weight
    print(
        f"Sparsity in {name}.weight: {100. * float(torch.sum(w == 0)) / float(w.nelement()):.2f}%"
    )
total = sum(float(torch.sum(getattr(model, n).weight == 0)) for n in ["conv1", "conv2", "fc1",
                                                                      "fc2"])
print("Global sparsity: {:.2f}%".format(100. * total / sum(
    getattr(model, n).weight.nelement() for n in ["conv1", "conv2", "fc1", "fc2"])))

vec = parameters_to_vector(model.fc2.parameters())
print(vec.shape, round(vec.sum().item(), 5))
vector_to_parameters(vec * 0 + 0.5, model.fc2.parameters())
print(model.fc2.bias[:3], float(model.fc2.weight_orig.mean()))
