"""Saved tensors changed in place, against the installed PyTorch: a backward that reads only
a changed tensor's shape (sum, mean, expand, views, indexing) still runs and gives PyTorch's
gradients; one that needs its values raises PyTorch 2.13's words (the node named without
``Backward0``, CopySlices by its C++ name, the anomaly hint with ``check_nan=False``), and
raises them again on a second backward rather than "backward through the graph a second
time" (the saved tensors are kept when a version check fails)."""

from __future__ import annotations

import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")

SHAPE_ONLY = {
    "sum": lambda L, y: y.sum(), "mean": lambda L, y: y.mean(),
    "view": lambda L, y: y.view(3, 1).sum(), "reshape": lambda L, y: y.reshape(3, 1).sum(),
    "expand": lambda L, y: y.expand(2, 3).sum(), "getitem": lambda L, y: y[0:2].sum(),
    "sum(1)": lambda L, y: y[None].sum(1).sum(), "t": lambda L, y: y[None].t().sum(),
    "add": lambda L, y: (y + 1).sum(), "neg": lambda L, y: (-y).sum(),
    "cat": lambda L, y: L.cat([y, y]).sum(), "scale": lambda L, y: (y * 3).sum()}


@pytest.mark.parametrize("name", sorted(SHAPE_ONLY))
def test_a_backward_that_reads_only_shapes_runs_after_an_in_place_change(name):
    grads = []
    for L in (T, D):
        a = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = a * 1
        z = SHAPE_ONLY[name](L, y)
        y.mul_(2)
        z.backward()
        grads.append(a.grad.tolist())
    assert grads[0] == grads[1]


def _errors(L, build) -> list[str]:
    z = build(L)
    out = []
    for _ in range(2):
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        out.append(str(e.value))
    return out




CASES = {
    "saved output": lambda L: _exp_then_change(L),
    "saved input": lambda L: _square_then_change(L),
    "copy slices": lambda L: _copy_slices(L),
    "custom function": lambda L: _custom(L),
}


def _exp_then_change(L):
    x = L.ones(3, requires_grad=True)
    y = x.exp()
    z = y.sum()
    y.mul_(2)
    return z


def _square_then_change(L):
    b = L.ones(3, requires_grad=True) * 2
    c = b * b
    b.add_(1)
    return c


def _copy_slices(L):
    y = L.ones(3, requires_grad=True) * 1
    y[0] = 5.0
    z = y * y
    y[1] = 3.0
    return z


def _custom(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y
    y = F.apply(L.ones(3, requires_grad=True))
    y.add_(1)
    return y


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_in_place_error_in_pytorchs_words_twice(case):
    want, got = _errors(T, CASES[case]), _errors(D, CASES[case])
    assert got == want
    assert want[0] == want[1]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_a_reshape_that_copies_is_no_view_and_16_bit_nodes_read_stale_outputs_lazily(dtype):
    """``a.t().reshape(-1)`` copies: changing the copy in place leaves ``a``'s version (and
    ``a * a``'s saved ``a``) alone, whichever path made it (the eager lane for float32/64,
    ``_finish`` for 16-bit floats); the reshape node's 16-bit vjp does not read its output,
    changed in place since."""
    grads = []
    for L in (T, D):
        x = L.ones(2, 3, dtype=getattr(L, dtype), requires_grad=True)
        a = x * 1
        c = a * a
        b = a.t().reshape(-1)
        b.mul_(2)
        assert a._version == 0
        (c.sum() + b.sum()).backward()
        grads.append(x.grad.float().tolist())
    assert grads[0] == grads[1]
