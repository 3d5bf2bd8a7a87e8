"""Two autograd pages of the tutorials, kept as written: the 60-minute blitz 'A Gentle
Introduction to torch.autograd' (Q = 3a^3 - b^2 with an external gradient, requires_grad
propagation, freezing a pretrained network's parameters and replacing its classifier; resnet18 is
replaced by a tiny conv net, since no weights are downloaded) and 'Automatic Differentiation with
torch.autograd' from Learn the Basics (binary_cross_entropy_with_logits of a one-layer net, the
grad_fn names, torch.no_grad and detach, and the Jacobian-vector product of inp.pow(2) with
gradients accumulating over three backward calls with retain_graph)."""
import torch
from torch import nn, optim

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

Q = 3*a**3 - b**2

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

# (scaled: a tiny conv net stands in for torchvision's pretrained resnet18)
class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 1000)

    def forward(self, x):
        x = self.avgpool(torch.relu(self.conv1(x)))
        return self.fc(torch.flatten(x, 1))


model = TinyResNet()

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(8, 10)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))

data = torch.rand(1, 3, 16, 16)
labels = torch.rand(1, 10)
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
print([p.grad is None for p in model.parameters()])
optimizer.step()

# --- Automatic Differentiation with torch.autograd
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {type(z.grad_fn).__name__}")
print(f"Gradient function for loss = {type(loss.grad_fn).__name__}")

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
