"""``autograd.grad`` and ``backward(inputs=...)`` on the buffer pass (``engine._buffer_pass``
with ``wanted``, issue 19) against the generic routine.

Without ``create_graph`` or anomaly mode, ``grad()`` and ``backward(inputs=...)`` walk the tape
with ``_buffer_pass`` given the wanted nodes: ``dlcore.autodiff.reverse_pass(..., wanted=...)``
with its callbacks' common cases inline.  Each test runs one program twice, through the buffer
pass and with ``_buffer_pass`` replaced by the generic call it stands for, and asserts the same
results bit for bit (the gradients returned, ``.grad``, hook arguments, ``retain_grad``), then
against PyTorch where it is installed: random graphs, non-leaf inputs (the graph above them is
left intact), unused inputs (``allow_unused``, ``materialize_grads``), a root among the inputs,
hooks and retain_grad, and the errors (a second pass, a saved tensor changed in place).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.autodiff import reverse_pass
from dlcore_eager.autograd import engine

from _grad_graph import graph_names


def _generic(roots, seeds, retain, vjp, add, on_grad, as_tensor, wanted=None, accumulate=True,
             silence=True):
    return reverse_pass(roots, seeds, parents=engine._parents, vjp=vjp, add=add, wanted=wanted,
                        name_of=engine._name_of, on_grad=on_grad)


def _both(program, monkeypatch):
    """``program(lib)`` -> a list of arrays, through the buffer pass and through the generic
    routine (asserting that the buffer pass ran), and through torch when installed."""
    calls = []
    real = engine._buffer_pass

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(engine, "_buffer_pass", spy)
    fast = program(dl)
    assert calls, "the buffer pass did not run"
    monkeypatch.setattr(engine, "_buffer_pass", _generic)
    slow = program(dl)
    monkeypatch.setattr(engine, "_buffer_pass", real)
    _same(fast, slow)
    return fast


def _same(fast, slow, exact: bool = True):
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        if a is None or b is None:
            assert a is None and b is None
            continue
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        if exact:
            assert a.tobytes() == b.tobytes()
        else:
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def _np(t):
    return None if t is None else t.detach().numpy().copy()


def _vs_torch(program, fast):
    torch = pytest.importorskip("torch")
    _same(fast, program(torch), exact=False)


def _leaf(lib, rng, shape, dtype=np.float32):
    return lib.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def _random_graph(lib, seed, dtype):
    rng = np.random.default_rng(seed)
    leaves = [_leaf(lib, rng, (3, 5), dtype) for _ in range(3)]
    bias = _leaf(lib, rng, (5,), dtype)
    vals = list(leaves)
    for _ in range(12):
        k = rng.integers(5)
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
        else:
            v = a.softmax(1) * a.sum(0)
        vals.append(v)
    loss = sum(v.sum() for v in vals[3:])
    return leaves, bias, vals, loss


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(5))
def test_grad_of_leaves_and_intermediates_on_random_graphs(monkeypatch, seed, dtype):
    def program(lib):
        leaves, bias, vals, loss = _random_graph(lib, seed, dtype)
        inputs = [leaves[0], vals[5], bias, vals[9], leaves[2]]
        unused = lib.tensor(np.ones(2, dtype), requires_grad=True)
        gs = lib.autograd.grad(loss, inputs + [unused], allow_unused=True)
        return [_np(g) for g in gs] + [_np(t.grad) for t in leaves]   # (.grad: untouched)

    fast = _both(program, monkeypatch)
    assert fast[-1] is None and fast[-4] is None      # the unused input; no .grad written
    _vs_torch(program, fast)


@pytest.mark.parametrize("seed", range(4))
def test_backward_of_some_inputs_on_random_graphs(monkeypatch, seed):
    def program(lib):
        leaves, bias, vals, loss = _random_graph(lib, seed, np.float32)
        loss.backward(inputs=[leaves[1], bias, vals[6]])
        return [_np(t.grad) for t in leaves + [bias, vals[6]]]

    fast = _both(program, monkeypatch)
    assert fast[0] is None and fast[2] is None        # leaves not among the inputs
    _vs_torch(program, fast)


def test_grad_accumulates_nothing_and_backward_inputs_accumulate(monkeypatch):
    def program(lib):
        rng = np.random.default_rng(7)
        x, w = _leaf(lib, rng, (4, 3)), _leaf(lib, rng, (3, 2))
        out = []
        for _ in range(2):
            y = (x.mm(w).tanh() * x.sum()).sum()
            (gw,) = lib.autograd.grad(y, [w], retain_graph=True)
            y.backward(inputs=[x])
            out += [_np(gw), _np(x.grad), _np(w.grad)]
        return out

    fast = _both(program, monkeypatch)
    assert fast[2] is None and fast[-1] is None
    _vs_torch(program, fast)


def test_a_non_leaf_input_leaves_the_graph_below_it_intact(monkeypatch):
    def program(lib):
        rng = np.random.default_rng(8)
        x = _leaf(lib, rng, (3, 4))
        y = x.exp() * x
        z = (y * y).sum()
        (gy,) = lib.autograd.grad(z, [y])
        (gx,) = lib.autograd.grad(y.sum(), [x])       # y's own graph: not freed by the first
        return [_np(gy), _np(gx)]

    _vs_torch(program, _both(program, monkeypatch))


def test_an_input_and_its_ancestor_and_a_root_among_the_inputs(monkeypatch):
    def program(lib):
        rng = np.random.default_rng(9)
        x = _leaf(lib, rng, (2, 3))
        y = x.sigmoid()
        z = y * x
        s = z.sum()
        gs = lib.autograd.grad(s, [x, y, s, z])
        return [_np(g) for g in gs]

    _vs_torch(program, _both(program, monkeypatch))


def test_unused_inputs_materialize_grads_and_the_error(monkeypatch):
    def program(lib):
        rng = np.random.default_rng(10)
        x, w = _leaf(lib, rng, (2, 2)), _leaf(lib, rng, (2, 2))
        d = x.detach() * 2                              # reached by no cotangent
        y = (x * 3).sum()
        gs = lib.autograd.grad(y, [x, w], materialize_grads=True, retain_graph=True)
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph. "
                           "Set allow_unused=True if this is the desired behavior."):
            lib.autograd.grad(y, [x, w], retain_graph=True)
        with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not "
                           "require grad$"):
            lib.autograd.grad(y, [x, d])
        return [_np(g) for g in gs]

    fast = _both(program, monkeypatch)
    assert not fast[1].any()
    _vs_torch(program, fast)


def test_hooks_and_retain_grad_under_grad(monkeypatch):
    def program(lib):
        seen: list = []
        rng = np.random.default_rng(11)
        x, w = _leaf(lib, rng, (3, 4)), _leaf(lib, rng, (4, 4))
        y = x.mm(w)
        y.register_hook(lambda g: g * 2)            # replaces an intermediate's gradient
        z = y.tanh()
        z.retain_grad()
        z.register_hook(lambda g: seen.append(g.numpy().copy()))
        w.register_hook(lambda g: seen.append(g.numpy().copy()))
        x.register_hook(lambda g: g + 1)            # a leaf's hook: what grad() returns
        gx, gw = lib.autograd.grad((z * y).sum(), [x, w])
        return [_np(gx), _np(gw), _np(z.grad), _np(x.grad), _np(w.grad)] + seen

    fast = _both(program, monkeypatch)
    assert len(fast) == 7
    _vs_torch(program, fast)


def test_second_pass_and_in_place_errors_under_grad(monkeypatch):
    def program(lib):
        x = lib.tensor(np.ones((2, 2), np.float32), requires_grad=True)
        y = (x * x).exp().sum()
        (g1,) = lib.autograd.grad(y, [x])
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                           "time"):
            lib.autograd.grad(y, [x])
        for k in range(2):
            a = x * 2
            b = a * a                                # mul saves a
            a.add_(1)
            with pytest.raises(RuntimeError, match="one of the variables needed for gradient "
                               "computation has been modified by an inplace operation"):
                if k:
                    b.sum().backward(inputs=[x])
                else:
                    lib.autograd.grad(b.sum(), [x])
        assert x.grad is None
        assert np.geterr() == {"divide": "warn", "over": "warn", "under": "ignore",
                               "invalid": "warn"}    # (the pass's silencing undone)
        return [_np(g1)]

    _vs_torch(program, _both(program, monkeypatch))


def test_grad_outputs_several_outputs_and_slices(monkeypatch):
    def program(lib):
        rng = np.random.default_rng(12)
        x = _leaf(lib, rng, (6, 4))
        idx = lib.tensor(np.array([0, 2, 2, 5]))
        y1 = x[1:3].exp()
        y2 = x[idx].tanh() * x[:4, :1]
        v1 = lib.tensor(rng.standard_normal((2, 4)).astype(np.float32))
        v2 = lib.tensor(rng.standard_normal((4, 4)).astype(np.float32))
        gs = lib.autograd.grad([y1, y2], [x, y1], grad_outputs=[v1, v2])
        return [_np(g) for g in gs]

    _vs_torch(program, _both(program, monkeypatch))


def test_anomaly_mode_keeps_the_generic_routine(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the buffer pass ran")

    monkeypatch.setattr(engine, "_buffer_pass", refuse)
    w = dl.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    with dl.autograd.detect_anomaly():
        (gw,) = dl.autograd.grad((w * w * w).sum(), [w], create_graph=True)
        (gw2,) = dl.autograd.grad((w * w).sum(), [w])
        (w * w).sum().backward(inputs=[w])
    np.testing.assert_array_equal(gw.detach().numpy(), [3.0, 12.0])
    assert gw.grad_fn is not None
    np.testing.assert_array_equal(gw2.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])


def test_create_graph_gradient_penalty(monkeypatch):
    """grad(..., create_graph=True) of an MLP's output with respect to its input, then the
    backward of a gradient penalty through it (WGAN-GP): values, .grad, the gradient's grad_fn
    names."""
    def program(lib):
        F = lib.nn.functional
        rng = np.random.default_rng(13)
        W1, b1 = _leaf(lib, rng, (6, 4)), _leaf(lib, rng, (6,))
        W2, b2 = _leaf(lib, rng, (1, 6)), _leaf(lib, rng, (1,))
        x = _leaf(lib, rng, (5, 4))
        h = lib.tanh(F.linear(x, W1, b1))
        out = F.linear(h * h.sigmoid(), W2, b2)
        (gx,) = lib.autograd.grad(out.sum(), [x], create_graph=True)
        pen = ((gx * gx).sum(1).sqrt() - 1).pow(2).mean()
        pen.backward()
        names = np.array([hash(n) for n, _ in graph_names(gx)]) if lib is dl else None
        return [_np(gx), _np(pen)] + [_np(p.grad) for p in (W1, b1, W2, b2, x)] + [names]

    fast = _both(program, monkeypatch)
    assert fast[-1] is not None and len(fast[-1]) > 5
    _vs_torch(lambda lib: program(lib)[:-1], fast[:-1])


@pytest.mark.parametrize("seed", range(3))
def test_create_graph_on_random_graphs(monkeypatch, seed):
    def program(lib):
        leaves, bias, vals, loss = _random_graph(lib, seed, np.float64)
        gs = lib.autograd.grad(loss, [leaves[0], vals[4], bias], create_graph=True)
        second = sum((g * g).sum() for g in gs)
        second.backward()
        return [_np(g) for g in gs] + [_np(t.grad) for t in leaves + [bias]]

    _vs_torch(program, _both(program, monkeypatch))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_backward_then_grad_of_grad_with_hooks(monkeypatch):
    def program(lib):
        seen: list = []
        rng = np.random.default_rng(14)
        x, w = _leaf(lib, rng, (3, 3)), _leaf(lib, rng, (3, 3))
        y = (x.mm(w)).exp()
        y.register_hook(lambda g: seen.append(_np(g)))
        z = y * x
        z.retain_grad()
        (z.sum() + y.sum()).backward(create_graph=True)
        gx = x.grad
        (gw,) = lib.autograd.grad((gx * gx).sum(), [w], allow_unused=True)
        return [_np(x.grad), _np(w.grad), _np(z.grad), _np(gw)] + seen

    _vs_torch(program, _both(program, monkeypatch))


def test_numpy_error_state_silenced_in_the_pass_and_the_callers_in_hooks():
    """The buffer pass silences NumPy's floating-point warnings for its loop (as every CPU
    kernel does for its call: the vjp rules then call NumPy's ufuncs themselves); hooks and a
    custom Function's backward still run under the caller's error state."""
    class Scale(dl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            np.multiply(g.numpy(), np.float32(1e38))       # overflows: the caller's state
            return g

    big = np.full((2, 3), 3e38, np.float32)
    x = dl.tensor(big, requires_grad=True)
    w = dl.tensor(big, requires_grad=True)
    with np.errstate(all="raise"):
        (x * w * w).sum().backward()                     # inf cotangents, no error
        (gx,) = dl.autograd.grad((x * w * w).sum(), [x])
    assert np.isinf(x.grad.numpy()).all() and np.isinf(gx.numpy()).all()
    with np.errstate(all="raise"), dl.autograd.detect_anomaly():    # (the generic routine:
        (gx,) = dl.autograd.grad((x * w * w).sum(), [x])            # the rules' kernels)
    assert np.isinf(gx.numpy()).all()
    y = x * 1.0
    y.register_hook(lambda g: np.multiply(g.numpy(), np.float32(1e38)) and None)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        (y * 1e38).sum().backward()
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        dl.autograd.grad((Scale.apply(x) * 1e38).sum(), [x])
    with np.errstate(over="ignore"):                      # (and nothing leaks out of a pass)
        (Scale.apply(x) * 1e38).sum().backward()
    assert np.geterr()["over"] == "warn"


def test_hooks_off_the_path_to_the_inputs_do_not_run(monkeypatch):
    def program(lib):
        seen: list = []
        x = lib.tensor(np.array([0.5, -1.0], np.float32), requires_grad=True)
        w = lib.tensor(np.array([2.0, 3.0], np.float32), requires_grad=True)
        x.register_hook(lambda g: seen.append("x"))
        w.register_hook(lambda g: seen.append("w"))
        y = (x * w).exp()
        y.register_hook(lambda g: seen.append("y"))
        z = y * 2
        z.register_hook(lambda g: seen.append("z"))
        z.sum().backward(inputs=[w])
        (gy,) = lib.autograd.grad((y * y).sum(), [y])
        return [_np(x.grad), _np(w.grad), _np(gy), np.array([ord(s[0]) for s in seen])]

    fast = _both(program, monkeypatch)
    assert fast[0] is None and "".join(map(chr, fast[3])) == "zywy"
    _vs_torch(program, fast)


@pytest.mark.parametrize("shape", [(4, 8), (3,), (2, 0, 3)])
def test_a_whole_sums_cotangent_is_broadcast_likes_view(shape):
    """sum's vjp of a 0-d cotangent (a loss) makes broadcast_like's read-only view at once."""
    from dlcore.kernels.cpu.shape import broadcast_like
    from dlcore.ops.reduce import _sum_vjp
    g = np.array(2.5, np.float32)
    x = np.ones(shape, np.float32)
    (got,) = _sum_vjp(g, None, x, axes=tuple(range(len(shape))), keepdims=False)
    want = broadcast_like(g, x)
    assert got.shape == want.shape and got.strides == want.strides and got.dtype == want.dtype
    assert not got.flags.writeable and got.base is g
    np.testing.assert_array_equal(got, want)


def test_an_error_state_a_hook_sets_outlives_the_pass(monkeypatch):
    """``np.seterr`` in a hook lasts after backward, as it would with no silencing (the
    generic routine's behaviour)."""
    def program(lib):
        before = np.geterr()
        try:
            x = lib.tensor(np.ones(3, np.float32), requires_grad=True)
            y = x * 2
            y.register_hook(lambda g: np.seterr(over="raise") and None)
            (y * y).sum().backward()
            after = np.geterr()
        finally:
            np.seterr(**before)
        return [_np(x.grad), np.array([after["over"] == "raise", after["divide"] == "warn"])]

    fast = _both(program, monkeypatch)
    assert fast[1].all()
    _vs_torch(program, fast)


def test_a_weight_used_at_every_step_sums_in_place_bit_for_bit(monkeypatch):
    """A recurrent weight's cotangents (one per step) are summed into the sum the pass made
    for it, in place: the same bits as the generic routine's pairwise sums; a branch that
    shares one cotangent (add's vjp hands the same buffer to both inputs) is not written."""
    def program(lib):
        F = lib.nn.functional
        rng = np.random.default_rng(15)
        f8 = np.float64                 # (float32's roundings differ from torch's over steps)
        Wx, Wh, b = _leaf(lib, rng, (8, 4), f8), _leaf(lib, rng, (8, 8), f8), \
            _leaf(lib, rng, (8,), f8)
        h = lib.zeros(2, 8, dtype=lib.float64)
        seen: list = []
        for k in range(6):
            x = lib.tensor(rng.standard_normal((2, 4)))
            a = F.linear(x, Wx) + F.linear(h, Wh, b)
            if k == 3:
                a.register_hook(lambda g: seen.append(_np(g)))
            h = lib.tanh(a) + a * 0.5
        (gWh, gb) = lib.autograd.grad(h.sum(), [Wh, b], retain_graph=True)
        h.sum().backward()
        return [_np(gWh), _np(gb), _np(Wx.grad), _np(Wh.grad), _np(b.grad)] + seen

    _vs_torch(program, _both(program, monkeypatch))
