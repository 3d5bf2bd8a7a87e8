"""Karpathy's micrograd: its engine (Value with +, *, **, relu, backward by topological order)
and nn (Neuron/Layer/MLP) as the repository writes them, checked as its test/test_engine.py
checks them, against PyTorch's autograd on double tensors (test_sanity_check and
test_more_ops, the Tensor([...]).double() / requires_grad = True style), then the
demo.ipynb moons-like training loop (an SVM max-margin loss with L2, SGD with a decaying
learning rate) on a small synthetic two-class set, its MLP mirrored by a torch model whose
weights are copied in, and both trained in step."""
import math
import random

import torch


class Value:
    """ stores a single scalar value and its gradient """

    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**other, (self,), f'**{other}')

        def _backward():
            self.grad += (other * self.data**(other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def test_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()
    print("sanity", ymg.data, xmg.grad, ypt.data.item(), xpt.grad.item())


def test_more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol
    print("more ops", round(gpt.data.item(), 6), round(apt.grad.item(), 6),
          round(bpt.grad.item(), 6))


test_sanity_check()
test_more_ops()

# the demo: two interleaved half moons (synthetic), labels -1/+1
random.seed(1337)
torch.manual_seed(1337)
n = 12
t = torch.rand(n) * math.pi
Xa = torch.stack([torch.cos(t), torch.sin(t)], 1)
Xb = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
X = torch.cat([Xa, Xb]) + 0.1 * torch.randn(2 * n, 2)
y = torch.cat([torch.ones(n), -torch.ones(n)])
Xl, yl = X.double().tolist(), y.double().tolist()

model = MLP(2, [8, 8, 1])
print(model.layers[0].neurons[0].w[0].data == model.parameters()[0].data,
      "number of parameters", len(model.parameters()))

# the same network as torch modules, the micrograd weights copied in
net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8),
                          torch.nn.ReLU(), torch.nn.Linear(8, 1)).double()
with torch.no_grad():
    for lin, layer in zip([net[0], net[2], net[4]], model.layers):
        lin.weight.copy_(torch.tensor([[w.data for w in nr.w] for nr in layer.neurons],
                                    dtype=torch.float64))
        lin.bias.copy_(torch.tensor([float(nr.b.data) for nr in layer.neurons],
                                  dtype=torch.float64))


def loss_mg():
    scores = [model(list(map(Value, xrow))) for xrow in Xl]
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yl, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yl, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def loss_pt():
    scores = net(X.double()).squeeze(1)
    data_loss = torch.relu(1 - y.double() * scores).mean()
    reg_loss = 1e-4 * sum((p * p).sum() for p in net.parameters())
    accuracy = ((y > 0) == (scores > 0)).float().mean()
    return data_loss + reg_loss, accuracy.item()


for k in range(6):
    total_loss, acc = loss_mg()
    model.zero_grad()
    total_loss.backward()
    loss2, acc2 = loss_pt()
    net.zero_grad()
    loss2.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    with torch.no_grad():
        for p in net.parameters():
            p -= learning_rate * p.grad
    assert abs(total_loss.data - loss2.item()) < 1e-9, (total_loss.data, loss2.item())
    if k % 2 == 0:
        print(f"step {k} loss {total_loss.data:.6f} torch {loss2.item():.6f}, "
              f"accuracy {acc * 100}% / {acc2 * 100:.1f}%")
g = [model.layers[0].neurons[i // 2].w[i % 2].grad for i in range(4)]
print([round(v, 8) for v in g], [round(v, 8) for v in net[0].weight.grad.flatten()[:4].tolist()])
