"""'Learning PyTorch with Examples', dynamic graphs: a model whose depth is drawn at random at
every forward pass (weight sharing of the middle layers), Python control flow on tensor values
and SGD with momentum; plus a loop that stops when the loss is small enough."""
import math
import random

import numpy as np
import torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        start = np.random.default_rng(2).standard_normal(5) * 0.1
        self.a = torch.nn.Parameter(torch.tensor(float(start[0])))
        self.b = torch.nn.Parameter(torch.tensor(float(start[1])))
        self.c = torch.nn.Parameter(torch.tensor(float(start[2])))
        self.d = torch.nn.Parameter(torch.tensor(float(start[3])))
        self.e = torch.nn.Parameter(torch.tensor(float(start[4])))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                f"{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?")


random.seed(0)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(600):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 200 == 199:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"Result: {model.string()}")

# data-dependent control flow: iterate until the residual is small, branch on its sign
z = torch.tensor([3.0, -1.0, 0.5], requires_grad=True)
steps = 0
while z.norm() > 0.1 and steps < 100:
    loss = (z ** 2).sum() if z.sum() > 0 else (z.abs()).sum()
    loss.backward()
    with torch.no_grad():
        z -= 0.1 * z.grad
    z.grad.zero_()
    steps += 1
print("steps", steps, "z", [round(v, 4) for v in z.tolist()])
