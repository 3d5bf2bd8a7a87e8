"""The one-tensor fast lane (``_dispatch.small_unary``, entries in ``_lane``): values, dtypes,
gradients, grad_fn names, views and errors as PyTorch 2.13's, for each op routed through it,
and a check that the lane (its plan cache) is what ran."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _lane

torch = pytest.importorskip("torch")

_X = np.random.default_rng(0).standard_normal((4, 8))
_X[1, 3] = _X[1, 5] = _X[1].max() + 1.0            # a tie: the first index wins
CALLS = [
    ("sum", lambda T, x: x.sum()),
    ("sum(1)", lambda T, x: x.sum(1)),
    ("sum(dim=0, keepdim)", lambda T, x: T.sum(x, dim=0, keepdim=True)),
    ("sum((0, 1))", lambda T, x: x.sum((0, 1))),
    ("sum(-1)", lambda T, x: x.sum(-1)),
    ("mean", lambda T, x: x.mean()),
    ("mean(1, True)", lambda T, x: T.mean(x, 1, True)),
    ("max(1)", lambda T, x: x.max(1)),
    ("max(dim=0, keepdim)", lambda T, x: T.max(x, dim=0, keepdim=True)),
    ("argmax(1)", lambda T, x: x.argmax(1)),
    ("argmax(0, True)", lambda T, x: T.argmax(x, 0, True)),
    ("softmax(1)", lambda T, x: T.softmax(x, 1)),
    ("softmax(dim=0)", lambda T, x: x.softmax(dim=0)),
    ("F.log_softmax", lambda T, x: T.nn.functional.log_softmax(x, dim=1)),
    ("log_softmax(-1)", lambda T, x: x.log_softmax(-1)),
    ("transpose", lambda T, x: x.transpose(0, 1)),
    ("torch.transpose", lambda T, x: T.transpose(x, -1, 0)),
    ("neg", lambda T, x: -x),
    ("exp", lambda T, x: x.exp()),
    ("relu", lambda T, x: T.relu(x)),
]


def _pair(T, dtype, contiguous=True):
    x = T.tensor(_X.copy(), dtype=getattr(T, dtype))
    if not contiguous:
        x = T.tensor(_X.T.copy(), dtype=getattr(T, dtype)).t()
    return x


def _outs(r):
    return list(r) if isinstance(r, tuple) else [r]


@pytest.mark.parametrize("name, f", CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_grads_and_names_are_torchs(name, f, dtype):
    rng = np.random.default_rng(1)
    for contiguous in (True, False):
        xt = _pair(torch, dtype, contiguous).requires_grad_(True)
        xd = _pair(dl, dtype, contiguous).requires_grad_(True)
        for _ in range(2):                              # the plan's first call, then a hit
            rt, rd = f(torch, xt), f(dl, xd)
            assert type(rt).__name__ == type(rd).__name__
            for a, b in zip(_outs(rt), _outs(rd)):
                assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
                np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(),
                                           rtol=1e-6, atol=1e-6)
                assert a.requires_grad == b.requires_grad
                if a.grad_fn is not None:
                    assert type(a.grad_fn).__name__ == b.grad_fn.name()
        v, w = _outs(rt)[0], _outs(rd)[0]
        if not v.requires_grad:                         # (argmax)
            continue
        g = rng.standard_normal(tuple(v.shape))
        v.backward(torch.tensor(g, dtype=v.dtype))
        w.backward(dl.tensor(g, dtype=w.dtype))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, f", CALLS, ids=[c[0] for c in CALLS])
def test_no_grad_results_and_the_plan_is_used(name, f):
    _lane._PLANS.clear()
    x = _pair(dl, "float32")
    with dl.no_grad():
        f(dl, x.requires_grad_(True))
    r = f(dl, _pair(dl, "float32"))
    if name not in ("neg", "exp", "relu"):          # (no params: apply's own path)
        assert _lane._PLANS, name                   # the lane made (and used) a plan
    for t in _outs(r):
        assert not t.requires_grad and t.grad_fn is None


def test_a_transpose_is_a_view_of_its_base():
    for T in (torch, dl):
        x = T.zeros(2, 3)
        for _ in range(2):
            y = x.transpose(0, 1)
        y[0, 1] = 5.0
        assert float(x[1, 0]) == 5.0
        x.mul_(2.0)                                     # the base changed: seen by the view
        assert float(y[0, 1]) == 10.0


def test_in_place_change_of_a_saved_result_is_caught():
    for T in (torch, dl):
        x = T.ones(2, 3, requires_grad=True)
        for _ in range(2):
            z = (x * 1.0).log_softmax(1)
        z.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


@pytest.mark.parametrize("expr", ["x.sum(2)", "x.max(5)", "x.argmax(-3)", "x.softmax(2)",
                                  "x.transpose(0, 4)", "x.mean(dim=7)"])
def test_errors_are_torchs(expr):
    # (dlcore's is NumPy's AxisError, an IndexError, with the op and shapes added)
    with pytest.raises(IndexError) as want:
        eval(expr, {"x": torch.ones(2, 3)})
    for _ in range(2):
        with pytest.raises(IndexError) as got:
            eval(expr, {"x": dl.ones(2, 3)})
        assert str(got.value).startswith(str(want.value))


@pytest.mark.parametrize("expr", ["x.sum(0)", "x.max(0)", "x.argmax(0)", "x.mean(0)"])
def test_int_and_0d_inputs_take_the_general_entry(expr):
    for x in (np.array([[3, 1], [2, 7]]), np.array(2.5)):
        if x.dtype.kind == "i" and "mean" in expr:
            for T in (torch, dl):
                with pytest.raises(RuntimeError, match="could not infer output dtype"):
                    eval(expr, {"x": T.tensor(x)})
            continue
        rt, rd = eval(expr, {"x": torch.tensor(x)}), eval(expr, {"x": dl.tensor(x)})
        for a, b in zip(_outs(rt), _outs(rd)):
            assert str(a.dtype) == str(b.dtype)
            np.testing.assert_allclose(b.numpy(), a.numpy())


JOINS = [
    ("cat(1)", lambda T, a, b: T.cat([a, b], 1)),
    ("cat(dim=0) tuple", lambda T, a, b: T.cat((a, b, a), dim=0)),
    ("concat(-1)", lambda T, a, b: T.concat([a, b], -1)),
    ("stack", lambda T, a, b: T.stack([a, b])),
    ("stack(dim=-1)", lambda T, a, b: T.stack((a, b), dim=-1)),
    ("stack(1)", lambda T, a, b: T.stack([a, b, a], 1)),
    ("gather", lambda T, a, b: T.gather(a, 1, T.tensor([[0, 2], [1, 1], [3, 0], [3, 3]]))),
    ("take_along_dim", lambda T, a, b: T.take_along_dim(b, T.tensor([[1], [0], [2], [3]]), 1)),
]


@pytest.mark.parametrize("name, f", JOINS, ids=[c[0] for c in JOINS])
@pytest.mark.parametrize("rg", [False, True])
def test_joins_values_grads_and_names_are_torchs(name, f, rg):
    pair = [(T.tensor(_X[:, :4].copy()), T.tensor(_X[:, 4:].copy())) for T in (torch, dl)]
    for a, b in pair:
        a.requires_grad_(rg)
        b.requires_grad_(rg)
    for _ in range(2):
        rt, rd = f(torch, *pair[0]), f(dl, *pair[1])
        assert str(rt.dtype) == str(rd.dtype) and tuple(rt.shape) == tuple(rd.shape)
        np.testing.assert_allclose(rd.detach().numpy(), rt.detach().numpy())
        assert rt.requires_grad == rd.requires_grad
        if rg:
            assert type(rt.grad_fn).__name__ == rd.grad_fn.name()
    if rg:
        g = np.random.default_rng(2).standard_normal(tuple(rt.shape))
        rt.backward(torch.tensor(g))
        rd.backward(dl.tensor(g))
        for t, d in zip(pair[0], pair[1]):
            if t.grad is None:
                assert d.grad is None
            else:
                np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("expr", ["T.cat([a, c], 1)", "T.stack([a, c])", "T.cat([a, b], 2)",
                                  "T.stack([a, b], 3)", "T.cat([a, T.ones(2)], 0)",
                                  "T.stack([a, T.ones(4, 5)])"])
def test_join_promotion_and_errors_are_torchs(expr):
    out = []
    for T in (torch, dl):
        env = {"T": T, "a": T.ones(4, 4), "b": T.ones(4, 4),
               "c": T.tensor(np.arange(16).reshape(4, 4))}
        try:
            r = eval(expr, env)
            out.append(("value", str(r.dtype), r.numpy()))
        except (RuntimeError, IndexError) as e:
            out.append(("error", isinstance(e, IndexError), str(e).split(" for '")[0]))
    assert out[0][:2] == out[1][:2]
    if out[0][0] == "value":
        np.testing.assert_allclose(out[1][2], out[0][2])
    else:
        assert out[0][2] == out[1][2]
