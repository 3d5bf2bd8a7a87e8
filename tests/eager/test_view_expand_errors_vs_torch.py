"""view/reshape/expand size errors as PyTorch 2.13 raises them: ``infer_size``'s checks in
its order (a negative size other than -1, two -1s, the ambiguous -1 of an empty tensor, the
element count, before a view's stride check), and expand's error for too few sizes (with the
tensor's legacy type name)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [
    "a.view(-2, 3)", "a.view(-1, -2)", "a.view(-1, -1, -2)", "a.view(-3, -1)", "a.view(-1, -1)",
    "a.view(4, -1)", "a.view(7)", "a.view((-1, -2))", "a.reshape(-2, 3)", "a.reshape(4, -1)",
    "a.reshape(-1, -1)", "a.reshape(-1, -3)", "T.zeros(0).view(0, -1)",
    "T.zeros(0).reshape(-1, 0)", "T.zeros(0).view(-1, 0, 2)", "T.zeros(2, 0).view(-1)",
    "T.zeros(0).view(0, 0)", "a.view(6, 0)", "T.zeros(0).view(0, 5)", "a.reshape(3, -1)",
    "a.t().reshape(-1, -2)", "a.t().view(-1, 4)", "a.t().view(-1)", "a.t().view(3, 2)",
    "a.t().view(-2)", "a.expand(1)", "ai.expand(3)", "a.expand(2, 3, -1)", "a.expand(-1, 2, 3)",
    "a.expand(3, 3)",
]


def _run(T, expr):
    env = {"T": T, "a": T.arange(6.0).reshape(2, 3), "ai": T.ones(2, 2, dtype=T.int64)}
    for _ in range(2):                      # (a second call: the entries' plans, if any)
        try:
            y = eval(expr, env)
            out = ("ok", tuple(y.shape))
        except Exception as ex:  # noqa: BLE001 - compared with torch's
            out = (type(ex).__name__, str(ex).split("\n")[0])
    return out


@pytest.mark.parametrize("expr", CASES)
def test_size_errors_are_torchs(expr):
    assert _run(dl, expr) == _run(torch, expr)


VIEW_ARGS = [
    "a.view(2.0, 3)", "a.view((2.0, 3))", "a.view([2.0, 3])", "a.view(2, 3.0)", "a.view(None)",
    "a.view('a')", "a.view(2, None)", "a.view(np.int64(6))", "a.view(T.tensor(6))",
    "a.view(True, 6)", "a.view(2.0)", "a.view(True)", "a.view(T.tensor([6]))",
    "a.view(T.Size([6]))", "a.view([6])", "a.view((6,))", "a.view(T.tensor(6.0))",
    "a.view(6, T.tensor(1))", "a.view(2.0, 3.0)", "a.view(T.float32)", "a.view(T.int32)",
    "a.view(size=(3, 2))", "a.view(dtype=T.float32)", "a.view((2, 3),)", "a.view((2, None))",
    "a.view([2, 'a'])", "a.view((None,))", "a.view([None])", "a.view(6, 1, 1.5)",
]


@pytest.mark.parametrize("expr", VIEW_ARGS)
def test_view_arguments_are_torchs(expr):
    """view's arguments as PyTorch's parser takes them (a one-element integer tensor is a
    size; view(None) was a view of the tensor) and its TypeError's whole text."""
    out = []
    for T in (torch, dl):
        env = {"T": T, "np": np, "a": T.ones(2, 3)}
        try:
            y = eval(expr, env)
            out.append(("ok", tuple(y.shape), str(y.dtype).replace("dlcore_eager", "torch")))
        except Exception as ex:  # noqa: BLE001 - compared with torch's
            out.append((type(ex).__name__, str(ex)))
    assert out[0] == out[1]


RESHAPES = [
    "b[:, :3].reshape(2, 2, 3)", "b[:, :3].reshape(-1)", "b.t().reshape(-1)",
    "b.t().reshape(6, 2, 2)", "b[:, :3].view(2, 2, 3)", "b.t().flatten()", "b[:, :3].flatten()",
    "b[::2].reshape(-1)", "b[::2].reshape(2, 3, 2)", "b.t().reshape(6, 4)",
    "c[:, :, :2].flatten(0, 1)", "c[:, :, :2].flatten(1)", "c[:, :, :2].reshape(6, 2)",
    "b.reshape(4, 6)", "b.reshape(-1)", "b[1:3].reshape(-1)", "b[:, :3].reshape(4, 3)",
    "b[:, :3].reshape_as(b[:, :3])", "b.t().contiguous().reshape(-1)",
]


@pytest.mark.parametrize("expr", RESHAPES)
def test_reshape_grad_fn_and_aliasing_are_torchs(expr):
    """reshape's node as PyTorch names it: ViewBackward0 of contiguous memory,
    ReshapeAliasBackward0 where other strides allow a view (a view here too), else
    UnsafeViewBackward0 of a copy; values and gradients."""
    out = []
    for T in (torch, dl):
        b = T.arange(24.0).reshape(4, 6).requires_grad_(True)
        c = T.arange(24.0).reshape(2, 3, 4).requires_grad_(True)
        y = eval(expr, {"b": b * 1, "c": c * 1})
        name = type(y.grad_fn).__name__ if T is torch else y.grad_fn.name()
        aliased = (y._base is not None) if T is torch else (y._view is not None)
        w = T.arange(float(y.numel())).reshape(tuple(y.shape))
        (y * w).sum().backward()
        out.append((name, aliased, y.detach().numpy().tolist(),
                    *(g.grad.numpy().tolist() if g.grad is not None else None for g in (b, c))))
    assert out[0] == out[1]


@pytest.mark.parametrize("dims", [(1, 1), (0, -3), (1, -2), (0, 2, 0), (5, 5), (1, 0), (-2,)])
def test_squeeze_of_repeated_dims_is_torchs(dims):
    out = []
    for T in (torch, dl):
        try:
            y = T.ones(2, 1, 3).squeeze(dims)
            out.append(("ok", tuple(y.shape)))
        except Exception as ex:  # noqa: BLE001 - compared with torch's
            out.append((type(ex).__name__, str(ex)))
    assert out[0] == out[1]
