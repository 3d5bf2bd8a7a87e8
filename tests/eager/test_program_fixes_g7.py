"""Library fixes found by the G7 tutorial programs (tests/programs/eager/), checked against real
PyTorch: autograd.grad with respect to a non-leaf leaves the graph above it intact (a second
grad through the same non-leaf works), custom Functions with several outputs (one backward with
one gradient per output, double backward through outputs saved for backward), and
torch.autograd.gradcheck.GradcheckError."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager

torch = pytest.importorskip("torch")


def test_grad_wrt_a_non_leaf_twice():
    for lib in (dlcore_eager, torch):
        x = lib.tensor(1.5, requires_grad=True, dtype=lib.float64).clone()
        assert lib.autograd.grad(x * 2, x)[0].item() == 2.0
        g, = lib.autograd.grad(lib.exp(x), x, create_graph=True)
        assert lib.autograd.grad(g, x)[0].item() == pytest.approx(np.exp(1.5))
        (x * 3).backward()           # and on to the leaf, through the clone's graph


def _sinh_fn(lib):
    class Sinh(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            e, en = lib.exp(x), lib.exp(-x)
            ctx.save_for_backward(e, en)
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return (e - en) / 2, e, idx

        @staticmethod
        def backward(ctx, g, g_e, g_idx):
            e, en = ctx.saved_tensors
            return g * (e + en) / 2 + g_e * e

    return Sinh


@pytest.mark.parametrize("use", ["first", "both"])
def test_function_with_several_outputs(use):
    got, want = [], []
    for lib, out in ((dlcore_eager, got), (torch, want)):
        x = lib.tensor([0.3, -1.2, 0.7], dtype=lib.float64, requires_grad=True)
        s, e, idx = _sinh_fn(lib).apply(x)
        out += [idx.item(), idx.requires_grad, s.requires_grad, type(s.grad_fn).__name__]
        y = (s * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum()
        if use == "both":
            y = y + (e ** 2).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), x)
        out += [g.detach().numpy().tolist(), gg.numpy().tolist()]
    for a, b in zip(got, want):
        if isinstance(a, list):
            np.testing.assert_allclose(a, b, rtol=1e-12)
        else:
            assert a == b


def test_function_outputs_of_mixed_dtypes_and_an_input_returned():
    got = []
    for lib in (dlcore_eager, torch):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                return x, (x * w).float()

            @staticmethod
            def backward(ctx, ga, gb):
                return ga + gb.double(), None

        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        a, b = Two.apply(x, lib.tensor(3.0))
        assert a is not x and b.dtype == lib.float32
        (a.sum() + 2 * b.sum()).backward()
        got.append(x.grad.numpy().tolist())
    assert got[0] == got[1] == [3.0, 3.0]


def test_gradcheck_error_is_a_runtime_error_from_its_module():
    from dlcore_eager.autograd.gradcheck import GradcheckError
    assert issubclass(GradcheckError, RuntimeError)
    assert callable(dlcore_eager.autograd.gradcheck)      # the function, as in torch
    x = dlcore_eager.rand(3, dtype=dlcore_eager.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
        dlcore_eager.autograd.gradcheck(lambda x: x.detach() * x, x)


def test_gradcheck_takes_pytorchs_keywords():
    x = dlcore_eager.rand(2, 3, dtype=dlcore_eager.float64, requires_grad=True)
    assert dlcore_eager.autograd.gradcheck(lambda t: t.sin(), (x,), fast_mode=False,
                                           nondet_tol=0.0, check_undefined_grad=True)
    # forward mode is checked since forward_ad exists (G8); the batched checks still raise
    assert dlcore_eager.autograd.gradcheck(lambda t: t.sin(), (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_batched_grad=True"):
        dlcore_eager.autograd.gradcheck(lambda t: t.sin(), (x,), check_batched_grad=True)


def test_setitem_integers_beside_advanced_indices():
    """x[range(n), 3] = v (forward-forward's overlay_y_on_x) recursed without end."""
    got = []
    for lib in (dlcore_eager, torch):
        x = lib.zeros(3, 5)
        x[range(3), 2] = 7.0
        x[1, [0, 1]] = 5.0
        y = lib.zeros(2, 3, 4)
        y[:, [0, 2], 1] = 3.0
        y[0, [1, 1], [2, 3]] = lib.tensor([8.0, 9.0])
        w = lib.arange(12.0).reshape(3, 4).requires_grad_()
        v = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = w * 1
        z[range(3), lib.tensor([0, 2, 3])] = v * 2
        (z * lib.arange(12.0).reshape(3, 4)).sum().backward()
        got.append([x.numpy().tolist(), y.numpy().tolist(), w.grad.numpy().tolist(),
                    v.grad.numpy().tolist()])
    assert got[0] == got[1]


def test_gradcheck_names_the_input_whose_jacobian_differs():
    """The message said 'input 0' whichever input differed; PyTorch counts the inputs that
    require grad (here y, after x; c needs none)."""
    msgs = []
    for lib in (dlcore_eager, torch):
        x, c, y = (lib.rand(2, dtype=lib.float64, requires_grad=r) for r in (True, False, True))
        with pytest.raises(RuntimeError) as info:
            lib.autograd.gradcheck(lambda x, c, y: x * 2 + y.detach() * y + c, (x, c, y))
        msgs.append(str(info.value).splitlines()[0])
    assert msgs[0] == msgs[1] == "Jacobian mismatch for output 0 with respect to input 1,"
