"""grad_fn names as PyTorch prints them (``tensor(..., grad_fn=<MeanBackward0>)``): a composite
entry names the node of its last primitive after itself (dlcore_eager._graph.labelled), and
never renames a node it did not make.  Checked against torch 2.13 where installed."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.nn.functional as DF
from dlcore_eager import nn

EXPRS = [
    "x.mean()", "x.mean(0)", "torch.mean(x, dim=1, keepdim=True)", "x.amax(0)", "x.amin()",
    "x.t()", "x.T", "x.permute(1, 0)", "x.view(-1)", "x.view(3, 2)", "x.reshape(6)",
    "x.t().reshape(6)", "x.flatten()", "x.t().flatten()", "x.unsqueeze(0)",
    "torch.round(x, decimals=2)", "torch.round(x)", "x.round()",
    "F.mse_loss(x, x.detach() * 2)", "F.mse_loss(x, x.detach(), reduction='none')",
    "F.nll_loss(x, torch.tensor([0, 1]))", "F.nll_loss(x, torch.tensor([0, 1]), reduction='sum')",
    "F.cross_entropy(x, torch.tensor([0, 2]))", "F.cross_entropy(x[0], torch.tensor(1))",
    "F.binary_cross_entropy(x.sigmoid(), x.detach().sigmoid())",
    "F.binary_cross_entropy_with_logits(x, x.detach().sigmoid())",
    "x.expand(2, 2, 3)", "x[:1].expand_as(x)", "torch.cat([x, x])", "torch.cat([x, x], 1)",
    "torch.stack([x, x])", "torch.stack([x, x], dim=2)", "x.clone()",
    "F.silu(x)", "F.gelu(x)", "F.gelu(input=x, approximate='tanh')", "F.elu(x)",
    "F.leaky_relu(x, 0.2)", "F.softplus(x)", "F.hardtanh(x)", "F.relu6(x)", "x.logsumexp(1)",
    "torch.logsumexp(x, dim=0)", "x.gather(0, torch.tensor([[0, 1, 0]]))",
    "torch.gather(x, 1, torch.tensor([[0], [1]]))", "F.embedding(torch.tensor([[0, 1]]), x)",
    "x.tril()", "torch.triu(x, 1)", "torch.lerp(x, x * 2, 0.5)",
    "torch.addmm(x[:, :2], x, x.t())",
    "x.sum()", "x.exp()", "x * 2",
]
V = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], np.float32)


def _name(lib, F, expr):
    x = lib.tensor(V.copy(), requires_grad=True)
    y = eval(expr, {"x": x, "torch": lib, "F": F})
    return y.grad_fn, y


@pytest.mark.parametrize("expr", EXPRS)
def test_grad_fn_name_is_torchs(expr):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    want, _ = _name(torch, TF, expr)
    got, y = _name(dl, DF, expr)
    assert got.name() == type(want).__name__
    assert f"grad_fn=<{type(want).__name__}>" in repr(y)


def test_a_label_costs_no_gradient_and_keeps_values():
    x = dl.tensor(V.copy(), requires_grad=True)
    y = x.t().mean()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1 / 6), rtol=1e-6)
    assert y.grad_fn.name() == "MeanBackward0"
    # (the mean is two nodes in dlcore, a sum then the div, shown as torch's one MeanBackward0
    # node, which leads straight to TBackward0)
    assert y.grad_fn.next_functions[0][0].name() == "TBackward0"


def test_an_entry_that_returns_its_input_renames_nothing():
    x = dl.tensor(V.copy(), requires_grad=True)
    y = x * 2                                     # MulBackward0
    same = y.view(2, 3)                           # (may return y, or a view sharing y's node)
    assert y.grad_fn.name() == "MulBackward0"
    assert same.grad_fn is not None
    z = y.sum(0).flatten()                        # 1-D flatten
    assert y.grad_fn.name() == "MulBackward0" and z.grad_fn is not None


def test_leaky_relu_repr_shows_inplace_as_torch():
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"


def _graph(fn, depth: int) -> str:
    """The grad_fn names ``depth`` levels down: ``AddmmBackward0(AccumulateGrad(),None,..)``."""
    if fn is None or depth == 0:
        return str(fn and type(fn).__name__)
    return type(fn).__name__ + "(" + ",".join(_graph(n[0], depth - 1)
                                              for n in fn.next_functions) + ")"


# (x's shape, how x and the weight are made, bias?, graph depth compared): PyTorch's linear
# records one AddmmBackward0 node (a matrix, or a contiguous stack viewed as one), MmBackward0
# without a bias, an add after a matmul for a strided stack (whose matmul nodes differ: depth 1)
LINEAR_CASES = [((2, 3), "", True, 3), ((1, 3), "", True, 3), ((2, 3), "", False, 3),
                ((3, 2), "x.t()", True, 3), ((2, 3), "w.t()", True, 3), ((2, 2, 3), "", True, 3),
                ((2, 2, 3), "", False, 3), ((2, 2, 2, 3), "", True, 3), ((3,), "", True, 3),
                ((2, 2, 3), "x.transpose(0, 1)", True, 1)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,view,bias,depth", LINEAR_CASES)
def test_linear_nodes_values_and_grads_are_torchs(shape, view, bias, depth, dtype):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    rng = np.random.default_rng(len(shape) + len(view))
    xa = rng.standard_normal(shape).astype(dtype)
    wa = rng.standard_normal((3, 4) if view == "w.t()" else (4, 3)).astype(dtype)
    ba = rng.standard_normal(4).astype(dtype)
    got = []
    for lib, F in ((torch, TF), (dl, DF)):
        x, w, b = (lib.tensor(a.copy(), requires_grad=True) for a in (xa, wa, ba))
        xv = x.t() if view == "x.t()" else x.transpose(0, 1) if view.startswith("x.tr") else x
        y = F.linear(xv, w.t() if view == "w.t()" else w, b if bias else None)
        (y * y).sum().backward()
        got.append((_graph(y.grad_fn, depth), y.detach().numpy(), x.grad.numpy(),
                    w.grad.numpy(), b.grad.numpy() if bias else None))
    (tg, *tv), (dg, *dv) = got
    assert dg == tg
    tol = 1e-5 if dtype == "float32" else 1e-12
    for t, d in zip(tv, dv):
        if t is not None:
            assert d.dtype == t.dtype
            np.testing.assert_allclose(d, t, rtol=tol, atol=tol)


@pytest.mark.parametrize("lib_call", [
    lambda m, F: F.linear(m.ones(2, 3), m.ones(5, 4)),
    lambda m, F: F.linear(m.ones(2, 4), m.ones(5, 4), m.ones(3)),
    lambda m, F: F.linear(m.ones(7, 2, 3), m.ones(5, 4), m.ones(5)),
    lambda m, F: m.addmm(m.ones(3), m.ones(2, 4), m.ones(4, 5)),
    lambda m, F: m.addmm(m.ones(2, 5), m.ones(2, 4), m.ones(3, 5))])
def test_linear_and_addmm_refuse_shapes_in_torchs_words(lib_call):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    with pytest.raises(RuntimeError) as want:
        lib_call(torch, TF)
    with pytest.raises(RuntimeError, match="^" + re.escape(str(want.value)) + "$"):
        lib_call(dl, DF)
