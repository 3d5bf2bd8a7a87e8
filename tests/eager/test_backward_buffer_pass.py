"""``backward()``'s buffer pass (``engine._buffer_pass``, issue 19) against the generic routine.

``backward()`` without ``create_graph`` or anomaly mode walks the tape with
``_buffer_pass``: ``dlcore.autodiff.reverse_pass`` with its callbacks' common cases inline.  Each
test runs the same program twice, once through it and once with ``_buffer_pass`` replaced by the
generic call it stands for (``reverse_pass`` with the engine's callbacks), and asserts the same
``.grad`` bit for bit: values used several times (sums of three and more cotangents, in the
same order), leaves used by several ops, broadcasting, nodes that take the callbacks (slices,
integer indices, float16, custom Functions, hooks, ``retain_grad``), several roots.  Then the
errors: a saved tensor changed in place, a second backward, a wrong cotangent from a vjp rule.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.autodiff import reverse_pass
from dlcore.ops import elementwise as ew
from dlcore_eager.autograd import engine


def _generic(roots, seeds, retain, vjp, add, on_grad, as_tensor, wanted=None, accumulate=True,
             silence=True):
    return reverse_pass(roots, seeds, parents=engine._parents, vjp=vjp, add=add, wanted=wanted,
                        name_of=engine._name_of, on_grad=on_grad)


def _both(program, monkeypatch):
    """``program()`` -> a list of arrays (gradients), through the buffer pass and through the
    generic routine; asserts the buffer pass ran (it is what ``backward`` calls)."""
    calls = []
    real = engine._buffer_pass

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(engine, "_buffer_pass", spy)
    fast = program()
    ran = bool(calls)
    monkeypatch.setattr(engine, "_buffer_pass", _generic)
    slow = program()
    monkeypatch.setattr(engine, "_buffer_pass", real)
    return fast, slow, ran


def _same(fast, slow):
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        if a is None or b is None:
            assert a is None and b is None
            continue
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


def _leaf(rng, shape, dtype=np.float32):
    return dl.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def _grads(*ts):
    return [None if t.grad is None else t.grad.numpy().copy() for t in ts]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_bit_for_bit(monkeypatch, seed, dtype):
    """Random DAGs of unary and binary ops whose values are reused (up to five consumers)."""
    def program():
        rng = np.random.default_rng(seed)
        leaves = [_leaf(rng, (3, 5), dtype) for _ in range(3)]
        bias = _leaf(rng, (5,), dtype)
        vals = list(leaves)
        for _ in range(14):
            k = rng.integers(6)
            a = vals[rng.integers(len(vals))]
            b = vals[rng.integers(len(vals))]
            if k == 0:
                v = a * b
            elif k == 1:
                v = a + b + bias
            elif k == 2:
                v = (a - b).tanh()
            elif k == 3:
                v = a.sigmoid() * b.exp().neg()
            elif k == 4:
                v = a.relu() / (b * b + 1.0)
            else:
                v = a.softmax(1) * a.sum(0)
            vals.append(v)
        loss = sum(v.sum() for v in vals[3:])
        loss.backward()
        return _grads(*leaves, bias)

    fast, slow, ran = _both(program, monkeypatch)
    assert ran
    _same(fast, slow)


def test_a_value_used_twice_and_a_leaf_used_by_several_ops(monkeypatch):
    def program():
        rng = np.random.default_rng(1)
        x, w = _leaf(rng, (4, 8)), _leaf(rng, (8, 3))
        y = x * x                                   # one node used twice by the next op
        z = (y.mm(w) + x.sum(1, keepdim=True)).tanh() + x.mean() * x.exp().sum()
        (z * z).sum().backward()
        return _grads(x, w)

    fast, slow, ran = _both(program, monkeypatch)
    assert ran
    _same(fast, slow)


def test_nodes_that_take_the_callbacks(monkeypatch):
    """Slices (the slice gradient), integer indices (a parent of None), float16, a custom
    Function and a detached branch, mixed with common nodes."""
    class Square(dl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    def program():
        rng = np.random.default_rng(2)
        x = _leaf(rng, (6, 4))
        h = _leaf(rng, (6, 4)).half().detach().requires_grad_(True)
        idx = dl.tensor(np.array([0, 2, 2, 5]))
        a = x[1:3].exp().sum() + x[idx].tanh().sum() + x[:, 0].sum()
        b = Square.apply(x).sum() + (h * h).float().sum() + x.detach().sum()
        (a * b + x.sum()).backward()
        return _grads(x, h)

    fast, slow, ran = _both(program, monkeypatch)
    assert ran
    _same(fast, slow)


def test_hooks_retain_grad_and_post_accumulate_hooks(monkeypatch):
    seen: list = []

    def program():
        seen.clear()
        rng = np.random.default_rng(3)
        x, w = _leaf(rng, (3, 4)), _leaf(rng, (4, 4))
        y = x.mm(w)
        y.register_hook(lambda g: g * 2)           # replaces an intermediate's gradient
        z = y.tanh()
        z.retain_grad()
        w.register_hook(lambda g: seen.append(("w", g.numpy().copy())))
        x.register_post_accumulate_grad_hook(lambda t: seen.append(("x", t.grad.numpy().copy())))
        (z * y).sum().backward()
        return _grads(x, w) + [z.grad.numpy().copy()] + [v for _, v in seen]

    fast, slow, ran = _both(program, monkeypatch)
    assert ran
    assert len(fast) == 5
    _same(fast, slow)


def test_several_roots_and_a_leaf_root(monkeypatch):
    def program():
        rng = np.random.default_rng(4)
        x, w = _leaf(rng, (2, 3)), _leaf(rng, (2, 3))
        y1 = (x * w).exp()
        y2 = y1 * x
        gy1 = dl.tensor(rng.standard_normal((2, 3)).astype(np.float32))
        gy2 = dl.tensor(rng.standard_normal((2, 3)).astype(np.float32))
        gw = dl.tensor(rng.standard_normal((2, 3)).astype(np.float32))
        dl.autograd.backward([y2, y1, w], [gy2, gy1, gw])
        return _grads(x, w)

    fast, slow, ran = _both(program, monkeypatch)
    assert ran
    _same(fast, slow)


def test_grad_accumulates_over_steps(monkeypatch):
    def program():
        rng = np.random.default_rng(5)
        x = _leaf(rng, (5, 5))
        out = []
        for _ in range(3):
            (x.t() * x).sum().backward()           # a transposed gradient added into .grad
            out.append(x.grad.numpy().copy())
        return out

    fast, slow, ran = _both(program, monkeypatch)
    assert ran
    _same(fast, slow)


def test_a_saved_tensor_changed_in_place_raises_pytorchs_error():
    x = dl.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = x * 2
    z = y * y                                      # mul saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient "
                       "computation has been modified by an inplace operation"):
        z.sum().backward()


def test_a_second_backward_raises_and_retain_graph_allows_it():
    x = dl.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = (x * x).exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (2 * np.e) * np.ones((2, 2)), rtol=1e-6)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_a_wrong_cotangent_from_a_vjp_rule_is_refused(monkeypatch):
    monkeypatch.setattr(ew.neg_p, "vjp", lambda g, y, x: (np.ones(3, g.dtype),))
    x = dl.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    with pytest.raises(AssertionError, match=r"shape \(2, 2\) and dtype float32 came out with "
                       r"shape \(3,\) .*NegBackward0.*this is a bug in a vjp rule"):
        (-x).sum().backward()
    assert x.grad is None


def test_grad_mode_restored_after_an_error():
    x = dl.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = x * 2
    z = y * y                                      # mul saves y
    y.add_(1)
    with pytest.raises(RuntimeError):
        z.sum().backward()
    assert dl.is_grad_enabled()
    assert (x * 2).requires_grad


def test_anomaly_mode_takes_the_generic_routine(monkeypatch):
    """(``inputs``, ``grad()`` and ``create_graph`` take the buffer pass too:
    test_grad_buffer_pass.py)"""
    def refuse(*a, **k):
        raise AssertionError("the buffer pass ran")

    monkeypatch.setattr(engine, "_buffer_pass", refuse)
    x = dl.tensor(np.array([-1.0, 4.0], np.float32), requires_grad=True)
    with dl.autograd.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values "
                           r"in its 0th output\."):
            y.sum().backward()
        w = dl.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
        (gw,) = dl.autograd.grad((w * w * w).sum(), [w], create_graph=True)
    monkeypatch.undo()                   # a plain backward through the gradient's graph
    gw.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 12.0])
