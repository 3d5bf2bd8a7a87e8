"""autograd.Function in PyTorch 2's style: ``forward(*inputs)`` without ctx and a
``setup_context(ctx, inputs, output)`` staticmethod (docs/notes/extending.rst, the style
torch.func needs), against torch 2.13.  dlcore passed ctx to forward always ("forward() takes
3 positional arguments but 4 were given")."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _classes(L):
    class LinearFunction(L.autograd.Function):
        @staticmethod
        def forward(input, weight, bias):
            output = input.mm(weight.t())
            if bias is not None:
                output = output + bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            gi = gw = gb = None
            if ctx.needs_input_grad[0]:
                gi = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                gw = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                gb = grad_output.sum(0)
            return gi, gw, gb

    class MyExp(L.autograd.Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class SortValues(L.autograd.Function):
        @staticmethod
        def forward(x):
            v, i = x.sort()
            return v, i

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(output[1])
            ctx.n = inputs[0].shape[0]

        @staticmethod
        def backward(ctx, gv, gi):
            (i,) = ctx.saved_tensors
            out = L.zeros(ctx.n, dtype=gv.dtype)
            return out.index_add(0, i, gv)
    return LinearFunction, MyExp, SortValues


def _run(L):
    lin, myexp, sortv = _classes(L)
    rng = np.random.default_rng(0)
    x = L.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = L.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = L.tensor(rng.standard_normal(2), requires_grad=False)
    y = lin.apply(x, w, b)
    gx, gw = L.autograd.grad((y * y).sum(), (x, w))
    e = myexp.apply(x)
    ge, = L.autograd.grad(e.sum(), x, create_graph=True)
    gge, = L.autograd.grad(ge.sum(), x)
    s = L.tensor([3., 1., 2.], requires_grad=True)
    v, i = sortv.apply(s)
    gs, = L.autograd.grad((v * L.tensor([1., 10., 100.])).sum(), s)
    return ([t.detach().numpy().tolist() for t in (y, gx, gw, e, ge, gge, v, gs)],
            i.tolist(), i.requires_grad, type(y.grad_fn).__name__.rstrip("0123456789"))


def test_setup_context_style_as_torch():
    ours, theirs = _run(dl), _run(torch)
    assert ours[1:] == theirs[1:]
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_gradcheck_of_the_setup_context_style():
    lin = _classes(dl)[0]
    x = dl.randn(3, 4, dtype=dl.float64, requires_grad=True)
    w = dl.randn(2, 4, dtype=dl.float64, requires_grad=True)
    b = dl.randn(2, dtype=dl.float64, requires_grad=True)
    assert dl.autograd.gradcheck(lin.apply, (x, w, b))


def test_base_setup_context_raises_as_torch():
    for L in (dl, torch):
        with pytest.raises(NotImplementedError, match="^setup_context is not implemented.$"):
            L.autograd.Function.setup_context(None, (), None)
