"""The tutorial 'Parametrizations Tutorial' (torch.nn.utils.parametrize), smaller: a Symmetric
and a Skew parametrization registered on a Linear's weight, the parametrized module's printout,
parametrizations.weight.original, caching with parametrize.cached(), Cayley map chained after
Skew (register twice), right_inverse so that assigning a weight is projected, and
remove_parametrizations (leave_parametrized True and False); then the built-in
nn.utils.parametrizations.orthogonal and weight_norm, trained a few SGD steps."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize

torch.manual_seed(0)


def symmetric(X):
    return X.triu() + X.triu(1).transpose(-1, -2)


X = torch.rand(3, 3)
A = symmetric(X)
assert torch.allclose(A, A.T)
print(A)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric())
A = layer.weight
assert torch.allclose(A, A.T)
print(A)


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


cnn = nn.Conv2d(in_channels=5, out_channels=8, kernel_size=3)
parametrize.register_parametrization(cnn, "weight", Skew())
print(cnn.weight[0, 1])
print(cnn.weight[2, 2])

layer = nn.Linear(3, 3)
print(f"Unparametrized:\n{layer}")
parametrize.register_parametrization(layer, "weight", Symmetric())
print(f"\nParametrized:\n{layer}")
print(layer.parametrizations)
print(layer.parametrizations.weight)
print(layer.parametrizations.weight[0])
print(dict(layer.named_parameters()).keys())
print(layer.parametrizations.weight.original)
print(torch.dist(layer.weight.T.triu(), layer.parametrizations.weight.original.triu()))


class NoisyParametrization(nn.Module):
    def forward(self, X):
        print("Computing the Parametrization")
        return X


layer = nn.Linear(4, 4)
parametrize.register_parametrization(layer, "weight", NoisyParametrization())
print("Here, layer.weight is recomputed every time we call it")
foo = layer.weight + layer.weight.T
bar = layer.weight.sum()
with parametrize.cached():
    print("Here, it is computed just the first time layer.weight is called")
    foo = layer.weight + layer.weight.T
    bar = layer.weight.sum()


class CayleyMap(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("Id", torch.eye(n))

    def forward(self, X):
        # (I + X)(I - X)^{-1}
        return torch.linalg.solve(self.Id - X, self.Id + X)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Skew())
parametrize.register_parametrization(layer, "weight", CayleyMap(3))
X = layer.weight
print(torch.dist(X.T @ X, torch.eye(3)))


class MatrixExponential(nn.Module):
    def forward(self, X):
        return torch.matrix_exp(X)


layer_orthogonal = nn.Linear(3, 3)
parametrize.register_parametrization(layer_orthogonal, "weight", Skew())
parametrize.register_parametrization(layer_orthogonal, "weight", MatrixExponential())
X = layer_orthogonal.weight
print(torch.dist(X.T @ X, torch.eye(3)))


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric())
X = torch.rand(3, 3)
X = X + X.T
print(torch.dist(layer.weight, X))
layer.weight = X
print(torch.dist(layer.weight, X))

layer = nn.Linear(3, 3)
print("Before:")
print(layer)
print(layer.weight)
parametrize.register_parametrization(layer, "weight", Skew())
print("\nParametrized:")
print(layer)
print(layer.weight)
parametrize.remove_parametrizations(layer, "weight")
print("\nAfter. Weight has skew-symmetric values but it is unconstrained:")
print(layer)
print(layer.weight)

layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Skew())
parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
print(layer.weight)

# the built-in parametrizations, trained a few steps
orth = nn.utils.parametrizations.orthogonal(nn.Linear(4, 4))
wn = nn.utils.parametrizations.weight_norm(nn.Linear(4, 2))
print(sorted(n for n, _ in wn.named_parameters()))
x = torch.randn(8, 4)
y = torch.randn(8, 2)
opt = torch.optim.SGD(list(orth.parameters()) + list(wn.parameters()), lr=0.1)
for step in range(5):
    opt.zero_grad()
    loss = ((wn(torch.tanh(orth(x))) - y) ** 2).mean()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5))
W = orth.weight
print(torch.dist(W.T @ W, torch.eye(4)) < 1e-5)
print(wn.parametrizations.weight.original0.squeeze())
