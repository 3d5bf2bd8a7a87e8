"""The buffer pass's one step for a whole mean (autograd/_buffer_pass._whole_mean: the div of
an internal sum by the count and the sum's node together): the same gradients as the two
nodes' rules (engine's reverse_pass in anomaly mode runs them one by one), and the cases where
the sum has another consumer, a holder, a hook or a changed input go the nodes' own way."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore_eager.autograd import _buffer_pass


def _grads(fn, *shapes, anomaly=False, dtype=np.float32):
    rng = np.random.default_rng(5)
    xs = [T.from_numpy(rng.standard_normal(s).astype(dtype)).requires_grad_(True)
          for s in shapes]
    with T.autograd.set_detect_anomaly(anomaly):
        fn(*xs).backward()
    return [x.grad.numpy() for x in xs]


CASES = {
    "mean": (lambda x: x.mean(), [(3, 4)]),
    "mean_of_product": (lambda x, w: (x * w).mean(), [(5, 2), (5, 2)]),
    "sum_over_number": (lambda x: x.sum() / 7.0, [(6,)]),
    "xent": (lambda x: T.nn.functional.cross_entropy(x, T.tensor([0, 2, 1])), [(3, 4)]),
    # (F.mse_loss of one shape is one node, the mse primitive: its mean is not a div node)
    "mse": (lambda x, y: ((x - y) ** 2).mean(), [(4, 3), (4, 3)]),
    "mse_loss_broadcast": (lambda x, y: T.nn.functional.mse_loss(x, y), [(4, 3), (3,)]),
    "sum_twice": (lambda x: (lambda s: s / 4.0 + s * 3.0)(x.sum()), [(2, 3)]),
    "sum_twice_other_order": (lambda x: (lambda s: s * 3.0 + s / 4.0)(x.sum()), [(2, 3)]),
    "two_means": (lambda x: x.mean() * x.mean() + x.tanh().mean(), [(3, 3)]),
    "mean_axis": (lambda x: (x.mean(0) * x.mean(1, keepdim=True)).sum(), [(3, 5)]),
    "mean_axes_large": (lambda x: x.exp().mean((0, 2)).sum(), [(40, 30, 50)]),
    "chain10": (lambda x, w: ((x * w).exp().neg().relu() + x).mul(w).softmax(1).log()
                .mean(0).sum(), [(4, 8), (4, 8)]),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_gradients_as_the_rules(case, dtype):
    fn, shapes = CASES[case]
    fast = _grads(fn, *shapes, dtype=dtype)
    slow = _grads(fn, *shapes, anomaly=True, dtype=dtype)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


def test_vs_torch():
    torch = pytest.importorskip("torch")
    for lib in (T, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
        s = x.sum()
        (s / 4.0).backward(retain_graph=True)
        (s * s).backward()
        lib_grad = x.grad.numpy()
        if lib is T:
            ours = lib_grad
    np.testing.assert_allclose(ours, lib_grad)


@pytest.fixture
def taken(monkeypatch):
    """The ``_whole_mean`` calls that took the shortcut (returned a result), counted."""
    calls = []
    real = _buffer_pass._whole_mean

    def spy(*args):
        r = real(*args)
        calls.append(r is not None)
        return r
    monkeypatch.setattr(_buffer_pass, "_whole_mean", spy)
    return calls


@pytest.mark.parametrize("case", ["mean", "mean_of_product", "sum_over_number", "xent", "mse",
                                  "mse_loss_broadcast", "mean_axis", "mean_axes_large"])
def test_the_shortcut_is_taken(case, taken):
    fn, shapes = CASES[case]
    _grads(fn, *shapes)
    assert any(taken)


def _dbl(lib):
    """A custom Function whose node keeps no input (its rule: g * 2)."""
    class Dbl(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Dbl


@pytest.mark.parametrize("reduce", ["all", "dim0"])
@pytest.mark.parametrize("other", ["frexp", "function"])
def test_another_consumer_that_keeps_no_tensor_vs_torch(other, reduce, taken):
    # the sum's other consumer (frexp's host node, a custom Function saving nothing) does not
    # hold the sum's Tensor: the div is still not its one consumer, no shortcut, both deliver
    torch = pytest.importorskip("torch")
    got = []
    for lib in (torch, T):
        x = lib.ones(2, 3, requires_grad=True)
        s = x.sum() if reduce == "all" else x.sum(0)
        o = lib.frexp(s)[0] if other == "frexp" else _dbl(lib).apply(s)
        y = o + s / 6
        del s, o
        (y if reduce == "all" else y.sum()).backward()
        got.append(x.grad.numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-6)
    assert not any(taken)


def test_retain_graph_twice_and_hook_on_the_sum_node():
    x = T.ones(2, 3, requires_grad=True)
    y = x.mean()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2 / 6))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    seen = []
    z = (x * 2.0).mean()
    sum_node = z.grad_fn.parents[0]      # (hidden from next_functions, as in PyTorch's mean)
    assert sum_node.prim.name == "sum"
    sum_node.register_prehook(lambda go: seen.append(go[0].item()))
    z.backward()                         # (the sum node's hook sees the div's cotangent)
    np.testing.assert_allclose(seen, [1 / 6])
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2 / 6 + 2 / 6))


def test_grad_of_the_mean_and_an_in_place_change():
    x = T.ones(4, requires_grad=True)
    (g,) = T.autograd.grad(x.mean(), x)
    np.testing.assert_allclose(g.numpy(), np.full(4, 0.25))
    h = x * 1.0
    m = h.mean()
    h.add_(1.0)                          # (sum reads only h's shape: no error, as PyTorch)
    m.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(4, 0.25))
