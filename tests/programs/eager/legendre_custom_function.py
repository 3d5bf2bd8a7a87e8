"""'Learning PyTorch with Examples', the custom autograd Function section: y = sin(x) fitted by
a + b * P3(c + d * x), where P3 is the Legendre polynomial of degree three written as a
torch.autograd.Function (forward with ctx.save_for_backward, backward 1.5 * (5 x^2 - 1)),
trained by hand-written gradient descent under torch.no_grad(); the Function checked by
gradcheck in float64, and the trained parameters' gradients by torch.autograd.grad."""
import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 500, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(400):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, round(loss.item(), 3))
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)')

inp = torch.randn(6, dtype=torch.double, requires_grad=True)
print(torch.autograd.gradcheck(LegendrePolynomial3.apply, (inp,), eps=1e-6, atol=1e-4))


def loss_fn(params, x, y):
    a, b, c, d = params
    return (a + b * LegendrePolynomial3.apply(c + d * x) - y).pow(2).sum()


params = (a.detach(), b.detach(), c.detach(), d.detach())
g = torch.autograd.grad(loss_fn([p.requires_grad_() for p in params], x, y), params)
print([round(v.item(), 4) for v in g])
