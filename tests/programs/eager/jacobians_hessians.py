"""The torch.func tutorial 'Jacobians, Hessians, hvp, vhp, and more: composing function
transforms', smaller: jacrev of a linear-tanh predict with respect to the input, checked
against rows built by vjp; jacrev with argnums, jacfwd, batched Jacobians with vmap and with
summing over the batch; hessian, jacfwd(jacrev(...)) and an hvp written with jvp of grad;
then torch.autograd.functional.jacobian/hessian/hvp/vhp for the same functions.
(Weights from NumPy instead of torch.randn, so both libraries compute the same numbers.)"""
import numpy as np
import torch
import torch.nn.functional as F
from torch.func import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap

rng = np.random.default_rng(0)


def randn(*shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float32)


def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


D = 4
weight = randn(D, D)
bias = randn(D)
x = randn(D)  # feature vector

primal = x.clone().requires_grad_()
cotangents = torch.eye(D)

# Computing the jacobian row by row, with vjp
_, vjp_fn = vjp(lambda x: predict(weight, bias, x), x)
ft_jacobian = torch.stack([vjp_fn(c)[0] for c in cotangents])
jacobian = jacrev(predict, argnums=2)(weight, bias, x)
print(ft_jacobian.shape)
print(torch.allclose(jacobian, ft_jacobian), jacobian[0])

ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
print(ft_jac_weight.shape, ft_jac_bias.shape, round(ft_jac_weight.sum().item(), 5))

jacfwd_jac = jacfwd(predict, argnums=2)(weight, bias, x)
print(torch.allclose(jacfwd_jac, jacobian, atol=1e-6))

# batched jacobians
batch_size = 3
Dout = 2
weight = randn(Dout, D)
bias = randn(Dout)
x = randn(batch_size, D)
compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)
print(batch_jacobian0.shape, round(batch_jacobian0.abs().sum().item(), 5))


def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)


batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
print(torch.allclose(batch_jacobian0, batch_jacobian1))

# hessians
x = randn(D)
weight = randn(D, D)
bias = randn(D)
hess_api = hessian(predict, argnums=2)(weight, bias, x)
hess_fwdrev = jacfwd(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)
print(hess_api.shape, torch.allclose(hess_api, hess_fwdrev, atol=1e-6),
      round(hess_api.abs().sum().item(), 4))


def hvp(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def f(x):
    return x.sin().sum()


xs = randn(2048 // 256)
tangent = randn(2048 // 256)
result = hvp(f, (xs,), (tangent,))
print(torch.allclose(result, -xs.sin() * tangent, atol=1e-6), result[:3])

# the same with torch.autograd.functional
jac = torch.autograd.functional.jacobian(lambda x: predict(weight, bias, x), x)
print(torch.allclose(jac, jacrev(predict, argnums=2)(weight, bias, x), atol=1e-6))
h = torch.autograd.functional.hessian(f, xs)
print(h.shape, torch.allclose(h, torch.diag(-xs.sin()), atol=1e-6))
value, hv = torch.autograd.functional.hvp(f, xs, tangent)
value2, vh = torch.autograd.functional.vhp(f, xs, tangent)
print(round(value.item(), 5), torch.allclose(hv, result, atol=1e-6),
      torch.allclose(vh, hv, atol=1e-6))
