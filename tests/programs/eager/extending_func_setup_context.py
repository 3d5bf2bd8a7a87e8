"""The 'Extending PyTorch' notes (docs/source/notes/extending.rst) in the PyTorch 2.0 style,
forward without ctx plus setup_context(ctx, inputs, output): LinearFunction with
ctx.needs_input_grad, MulConstant with a non-tensor argument, MyCube returning an intermediate
(double backward through grad_dx), a mark_non_differentiable sort, set_materialize_grads(False),
once_differentiable, the Linear nn.Module around the Function (register_parameter('bias', None),
extra_repr), checked with torch.autograd.gradcheck/gradgradcheck; then 'Extending torch.func
with autograd.Function': MyExp with generate_vmap_rule = True under torch.func.vmap/grad/jacrev,
and the module trained for a few steps (the classic ctx style: extending_autograd_gradcheck)."""
import torch
import torch.nn as nn
from torch.autograd import Function
from torch.autograd import gradcheck, gradgradcheck
from torch.autograd.function import once_differentiable


class LinearFunction(Function):
    @staticmethod
    def forward(input, weight, bias):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

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


linear = LinearFunction.apply


class MulConstant(Function):
    @staticmethod
    def forward(tensor, constant):
        return tensor * constant

    @staticmethod
    def setup_context(ctx, inputs, output):
        tensor, constant = inputs
        ctx.constant = constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class MyCube(torch.autograd.Function):
    @staticmethod
    def forward(x):
        result = x ** 3
        dx = 3 * x ** 2
        return result, dx

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        result, dx = output
        ctx.save_for_backward(x, dx)

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        result = grad_output * dx + grad_dx * 6 * x
        return result


def my_cube(x):
    result, dx = MyCube.apply(x)
    return result


class SimpleSort(Function):
    @staticmethod
    def forward(ctx, x):
        x = x.clone()
        x, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x, idx)
        return x, idx

    @staticmethod
    def backward(ctx, g1, g2):
        x, idx = ctx.saved_tensors
        grad_input = torch.zeros_like(x)
        grad_input.index_add_(0, idx, g1)
        return grad_input


class SimpleFunc(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x.clone(), x.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, g1, g2):
        x = None
        if g1 is not None:
            x = g1
        if g2 is not None:
            x = g2 if x is None else x + g2
        return x


class Linear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(output_features))
        else:
            self.register_parameter('bias', None)
        self.weight.data.uniform_(-0.1, 0.1)
        if self.bias is not None:
            self.bias.data.uniform_(-0.1, 0.1)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return 'input_features={}, output_features={}, bias={}'.format(
            self.input_features, self.output_features, self.bias is not None
        )


class MyExp(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return torch.exp(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


torch.manual_seed(0)
input = (torch.randn(20, 20, dtype=torch.double, requires_grad=True),
         torch.randn(30, 20, dtype=torch.double, requires_grad=True),
         torch.randn(30, dtype=torch.double, requires_grad=True))
test = gradcheck(linear, input, eps=1e-6, atol=1e-4)
print(test)
x = torch.randn(5, 3, requires_grad=True)
w = torch.randn(4, 3)
out = linear(x, w, None)
print(out.shape, out.grad_fn.__class__.__name__)
out.sum().backward()
print(x.grad.sum(1).round(decimals=4), w.grad)

a = torch.randn(3, requires_grad=True)
y = MulConstant.apply(a, 2.5)
y.backward(torch.ones(3))
print(a.grad)

x = torch.randn(4, dtype=torch.double, requires_grad=True)
print(gradcheck(my_cube, (x,)), gradgradcheck(my_cube, (x,)))
g, = torch.autograd.grad(my_cube(x).sum(), x, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x)
print(torch.allclose(g, 3 * x ** 2), torch.allclose(gg, 6 * x))

v = torch.tensor([3.0, -1.0, 2.0, 0.5], requires_grad=True)
vals, idx = SimpleSort.apply(v)
print(vals, idx, idx.requires_grad)
(vals * torch.arange(4.0)).sum().backward()
print(v.grad)

u = torch.randn(3, requires_grad=True)
o1, o2 = SimpleFunc.apply(u)
o1.sum().backward()
print(u.grad)

torch.manual_seed(1)
mod = Linear(6, 2)
print(mod)
mod_nb = Linear(6, 2, bias=False)
print(mod_nb, mod_nb.bias, [n for n, _ in mod_nb.named_parameters()])

xs = torch.randn(3, 4)
print(torch.func.vmap(MyExp.apply)(xs).sub(xs.exp()).abs().max().item() < 1e-6)
print(torch.func.grad(lambda t: MyExp.apply(t).sum())(xs[0]).sub(xs[0].exp()).abs().max()
      .item() < 1e-6)
jac = torch.func.jacrev(MyExp.apply)(xs[1])
print(torch.allclose(jac, torch.diag(xs[1].exp())))

data = torch.randn(64, 6)
target = data @ torch.tensor([[1.0, -2.0, 0.5, 0.0, 1.5, -1.0], [0.3, 0.3, 0.3, -0.3, 0.0, 2.0]]).t()
opt = torch.optim.Adam(mod.parameters(), lr=0.05)
for step in range(60):
    loss = ((mod(data) - target) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 19:
        print(f"step {step + 1} loss {loss.item():.5f}")
print(mod.weight.detach().round(decimals=2))
