"""Three short tutorials in one program: 'extending PyTorch' (a custom torch.autograd.Function
with ctx.save_for_backward and ctx.needs_input_grad, checked with torch.autograd.gradcheck in
float64, used in a module), 'saving and loading models' (torch.save of a state_dict and of a
checkpoint dict with the optimizer's state, torch.load with weights_only=True, model.eval()), and
learning-rate schedulers (OneCycleLR per batch, then StepLR per epoch after resuming)."""
import os
import tempfile

import numpy as np
import torch
from torch import nn, optim
from torch.autograd import Function, gradcheck


class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


rng = np.random.default_rng(0)
inputs = (torch.tensor(rng.standard_normal((5, 4)), dtype=torch.double, requires_grad=True),
          torch.tensor(rng.standard_normal((3, 4)), dtype=torch.double, requires_grad=True))
print("gradcheck linear:", gradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-4))
x = torch.tensor(rng.uniform(0.1, 1, (6,)) * np.sign(rng.standard_normal(6)), dtype=torch.double,
                 requires_grad=True)
print("gradcheck relu:", gradcheck(MyReLU.apply, (x,), eps=1e-6, atol=1e-4))
out = LinearFunction.apply(*inputs)
print(out.shape, out.requires_grad, out.grad_fn.name())


class MyLinear(nn.Module):
    def __init__(self, input_features, output_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        self.bias = nn.Parameter(torch.empty(output_features))
        with torch.no_grad():
            self.weight.copy_(torch.tensor(rng.uniform(-0.5, 0.5, (output_features,
                                                                   input_features))))
            self.bias.zero_()

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return f"input_features={self.weight.shape[1]}, output_features={self.weight.shape[0]}"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = MyLinear(4, 8)
        self.fc2 = MyLinear(8, 1)

    def forward(self, x):
        return self.fc2(MyReLU.apply(self.fc1(x)))


X = torch.tensor(rng.standard_normal((64, 4)), dtype=torch.float32)
Y = (X[:, :1] * 2 - X[:, 1:2] + 0.5).clone()
model = Net()
print(model)
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, steps_per_epoch=4, epochs=3)
loss_fn = nn.MSELoss()
for epoch in range(3):
    for i in range(4):
        xb, yb = X[i * 16:(i + 1) * 16], Y[i * 16:(i + 1) * 16]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
    print(f"epoch {epoch} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.6f} "
          f"momentum {optimizer.param_groups[0]['momentum']:.4f}")

folder = tempfile.mkdtemp()
PATH = os.path.join(folder, "model_weights.pth")
torch.save(model.state_dict(), PATH)
print(sorted(model.state_dict().keys()))
model2 = Net()
model2.load_state_dict(torch.load(PATH, weights_only=True))
model2.eval()
with torch.no_grad():
    print("same predictions:", torch.allclose(model2(X), model(X)))

CKPT = os.path.join(folder, "checkpoint.tar")
torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item()}, CKPT)
checkpoint = torch.load(CKPT, weights_only=True)
model3 = Net()
optimizer3 = optim.SGD(model3.parameters(), lr=0.05, momentum=0.9)
model3.load_state_dict(checkpoint["model_state_dict"])
optimizer3.load_state_dict(checkpoint["optimizer_state_dict"])
start, last = checkpoint["epoch"], checkpoint["loss"]
print("resumed at epoch", start, f"loss {last:.4f}", optimizer3.param_groups[0]["lr"] > 0)
model3.train()
step_lr = optim.lr_scheduler.StepLR(optimizer3, step_size=2, gamma=0.1)
for epoch in range(start, start + 4):
    optimizer3.zero_grad()
    loss = loss_fn(model3(X), Y)
    loss.backward()
    optimizer3.step()
    step_lr.step()
    print(f"epoch {epoch} loss {loss.item():.4f} lr {step_lr.get_last_lr()[0]:.6f}")
