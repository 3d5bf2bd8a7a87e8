"""torch.autograd.graph (saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks,
register_multi_grad_hook, Node) against PyTorch 2.13: the order of pack/unpack calls, which
tensors a node saves, values, gradients, errors by type and text, and the tutorial "Hooks for
autograd saved tensors"' examples (saving to disk as raw arrays, never pickle)."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.autograd.graph as dl_graph
from dlcore_eager.autograd import _saved_hooks
from dlcore_eager.tensor import Tensor

torch = pytest.importorskip("torch")

_X = np.array([[0.3, -1.2, 0.8, 2.0], [-0.5, 1.5, 0.1, -0.7], [0.9, 0.4, -1.1, 0.6]])
_W = np.array([[1.1, 0.2, -0.3, 0.5], [0.7, -0.9, 1.3, 0.25], [-0.4, 0.6, 0.35, 1.2]])
_M = np.linspace(-1.0, 1.0, 20).reshape(4, 5)


def _tag(L, t, ins):
    """Which of ``ins`` (or 'out') the saved tensor ``t`` is, by its values."""
    a = t.detach().numpy()
    for i, x in enumerate(ins):
        if a.shape == tuple(x.shape) and np.array_equal(a, x.detach().numpy()):
            return f"in{i}"
    return "out"


def _run(L, f, arrays, needs=None):
    """f(*tensors) under a logging hook pair, then backward: (log, grads, value)."""
    needs = needs or [True] * len(arrays)
    ins = [L.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    log = []

    def pack(t):
        tag = _tag(L, t, ins)
        log.append(("pack", tag))
        return tag, t

    def unpack(p):
        log.append(("unpack", p[0]))
        return p[1]

    with L.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = f(L, *ins)
    y.sum().backward()
    return log, [None if t.grad is None else t.grad.numpy() for t in ins], y.detach().numpy()


_OPS = {
    "mul": (lambda L, a, b: a * b, (_X, _W), None),
    "mul_const": (lambda L, a, b: a * b, (_X, _W), [True, False]),
    "const_mul": (lambda L, a, b: a * b, (_X, _W), [False, True]),
    "div": (lambda L, a, b: a / b, (_X, _W), None),
    "div_const": (lambda L, a, b: a / b, (_X, _W), [True, False]),
    "add": (lambda L, a, b: a + b, (_X, _W), None),
    "sub": (lambda L, a, b: a - b, (_X, _W), None),
    "x_times_x": (lambda L, a: a * a, (_X,), None),
    "exp": (lambda L, a: a.exp(), (_X,), None),
    "sin": (lambda L, a: a.sin(), (_X,), None),
    "cos": (lambda L, a: L.cos(a), (_X,), None),
    "tanh": (lambda L, a: a.tanh(), (_X,), None),
    "sigmoid": (lambda L, a: a.sigmoid(), (_X,), None),
    "relu": (lambda L, a: a.relu(), (_X,), None),
    "mm": (lambda L, a, m: a @ m, (_X, _M), None),
    "mm_const": (lambda L, a, m: a @ m, (_X, _M), [False, True]),
    "sum": (lambda L, a: a.sum(), (_X,), None),
    "mean": (lambda L, a: a.mean(), (_X,), None),
    "softmax": (lambda L, a: L.softmax(a, 1), (_X,), None),
    "log_softmax": (lambda L, a: L.log_softmax(a, 1), (_X,), None),
    "maximum": (lambda L, a, b: L.maximum(a, b), (_X, _W), None),
    "reshape_t": (lambda L, a: a.reshape(12).reshape(4, 3).t(), (_X,), None),
    "getitem": (lambda L, a: a[1:], (_X,), None),
    "exp_then_sin": (lambda L, a: a.exp().sin(), (_X,), None),
    "mlp": (lambda L, a, m: (a @ m).tanh().sum(1).exp(), (_X, _M), None),
}


@pytest.mark.parametrize("name", sorted(_OPS))
def test_pack_unpack_order_values_grads_vs_torch(name):
    """Which tensors each node packs (inputs by position, or its output), in PyTorch's order,
    unpacked in PyTorch's order in backward; values and gradients as PyTorch's."""
    f, arrays, needs = _OPS[name]
    got = _run(dl, f, arrays, needs)
    want = _run(torch, f, arrays, needs)
    assert got[0] == want[0]
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12)
    for g, w in zip(got[1], want[1]):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_square_sum_order_and_leaf_identity(L):
    """(x*x).sum(): ['pack', 'pack', 'unpack', 'unpack']; the pack hook gets x itself."""
    x = L.ones(5, requires_grad=True)
    log, seen = [], []
    with L.autograd.graph.saved_tensors_hooks(
            lambda t: (log.append("pack"), seen.append(t), t)[2],
            lambda t: (log.append("unpack"), t)[1]):
        y = (x * x).sum()
    assert log == ["pack", "pack"]
    assert seen[0] is x and seen[1] is x
    y.backward()
    assert log == ["pack", "pack", "unpack", "unpack"]
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_tutorial_scaling_hooks_and_changed_values(L):
    """The tutorial's ``lambda x: x * 4, lambda x: x / 4`` leaves the gradient unchanged; an
    unpack hook that changes the values changes it (backward uses what unpack returns)."""
    x = L.tensor(_X[0], requires_grad=True)
    with L.autograd.graph.saved_tensors_hooks(lambda t: t * 4, lambda t: t / 4):
        y = L.pow(x, 2)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * _X[0])
    x.grad = None
    with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 2):
        y = x * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * _X[0])


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_pack_runs_under_no_grad_and_non_tensor_packs(L):
    """The pack hook runs with grad disabled (its ops record nothing), may return any object
    (a list), and unpack rebuilds a tensor from it."""
    x = L.tensor(_X[1], requires_grad=True)
    modes = []

    def pack(t):
        modes.append(L.is_grad_enabled())
        return t.tolist()

    with L.autograd.graph.saved_tensors_hooks(pack, lambda v: L.tensor(v, dtype=L.float64)):
        y = x.sin()
    y.sum().backward()
    assert modes == [False]
    np.testing.assert_allclose(x.grad.numpy(), np.cos(_X[1]), rtol=1e-12)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_retain_graph_unpacks_each_pass_then_frees(L):
    x = L.tensor(_X[2], requires_grad=True)
    log = []
    with L.autograd.graph.saved_tensors_hooks(lambda t: (log.append("p"), t)[1],
                                              lambda t: (log.append("u"), t)[1]):
        y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    assert log == ["p", "u", "u"]
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(_X[2]), rtol=1e-12)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_nested_pairs_innermost_applies(L):
    x = L.tensor(_X[0], requires_grad=True)
    log = []
    G = L.autograd.graph
    with G.saved_tensors_hooks(lambda t: (log.append("p1"), t)[1],
                               lambda t: (log.append("u1"), t)[1]):
        with G.saved_tensors_hooks(lambda t: (log.append("p2"), t)[1],
                                   lambda t: (log.append("u2"), t)[1]):
            y = x.exp()
        z = y.sin()
    z.sum().backward()
    assert log == ["p2", "p1", "u1", "u2"]


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_unpack_errors(L):
    """A non-Tensor from unpack: PyTorch's TypeError; another shape: a RuntimeError (dlcore's
    names the node and both shapes); another dtype: cast back (PyTorch: no error)."""
    x = L.tensor(_X[0], requires_grad=True)
    with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 5):
        y = x.exp()
    with pytest.raises(TypeError, match="Output of saved tensor unpack_hook expected to be "
                                        "a Tensor but got result of type int"):
        y.sum().backward()
    with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t[:2]):
        y = x.exp()
    with pytest.raises(RuntimeError):
        y.sum().backward()
    with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t.float()):
        y = x.exp()
    x.grad = None
    y.sum().backward()
    assert x.grad.dtype == L.float64
    np.testing.assert_allclose(x.grad.numpy(), np.exp(_X[0]), rtol=1e-6)


def test_unpack_shape_error_text():
    x = dl.tensor(_X[0], requires_grad=True)
    with dl.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t[:2]):
        y = x.exp()
    with pytest.raises(RuntimeError, match=r"ExpBackward0 returned a tensor of shape \[2\] "
                                           r"for the saved tensor 0 of shape \[4\]"):
        y.sum().backward()


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_pack_hook_in_place_error_and_no_version_check(L):
    """A pack hook writing its input in place: PyTorch's error; with hooks, an in-place change
    after saving is not detected (PyTorch checks no version through hooks)."""
    x = L.tensor(_X[0], requires_grad=True)
    with pytest.raises(RuntimeError, match="A saved tensor pack hook is modifying its input "
                                           "in place"), \
            L.autograd.graph.saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
        a = x * 1
        a.exp()
    a = x * 1
    with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = a.sin()
    with L.no_grad():
        a.add_(1.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(_X[0] + 1.0), rtol=1e-12)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_disable_saved_tensors_hooks(L):
    G = L.autograd.graph
    with pytest.raises(RuntimeError, match="^no hooks here$"), \
            G.disable_saved_tensors_hooks("no hooks here"), \
            G.saved_tensors_hooks(lambda t: t, lambda t: t):
        pass
    with G.saved_tensors_hooks(lambda t: t, lambda t: t), \
            pytest.raises(RuntimeError, match="^msg1$"), G.disable_saved_tensors_hooks("msg1"):
        pass
    with G.disable_saved_tensors_hooks("outer"):
        with G.disable_saved_tensors_hooks("inner"):
            pass
        with pytest.raises(RuntimeError, match="^outer$"), \
                G.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass
    with G.saved_tensors_hooks(lambda t: t, lambda t: t):     # (enabled again after)
        pass


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_save_on_cpu_values_and_grads(L):
    x = L.tensor(_X, requires_grad=True)
    m = L.tensor(_M, requires_grad=True)
    with L.autograd.graph.save_on_cpu(pin_memory=False):
        y = (x @ m).tanh().sum()
    y.backward()
    t = np.tanh(_X @ _M)
    np.testing.assert_allclose(x.grad.numpy(), (1 - t * t) @ _M.T, rtol=1e-12)
    np.testing.assert_allclose(m.grad.numpy(), _X.T @ (1 - t * t), rtol=1e-12)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_tutorial_save_to_disk_raw_arrays(L):
    """The tutorial's offload to disk: each saved tensor written as a raw array file (no
    pickle), the file deleted once the graph lets go of it; gradients unchanged."""
    from safetensors.numpy import load_file, save_file
    tmp = tempfile.mkdtemp()
    live = []

    class SelfDeletingTempFile:
        def __init__(self):
            self.name = os.path.join(tmp, f"{id(self)}-{len(live)}.safetensors")
            live.append(self.name)

        def __del__(self):
            os.remove(self.name)

    def pack(t):
        f = SelfDeletingTempFile()
        save_file({"t": np.ascontiguousarray(t.detach().numpy())}, f.name)
        return f

    def unpack(f):
        return L.from_numpy(load_file(f.name)["t"])

    x = L.tensor(_X, requires_grad=True)
    with L.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (x * x.sin()).sum()
    assert len(os.listdir(tmp)) == 3           # (x for sin; x and sin(x) for mul)
    y.backward()
    del y
    assert os.listdir(tmp) == []
    np.testing.assert_allclose(x.grad.numpy(), np.sin(_X) + _X * np.cos(_X), rtol=1e-12)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_custom_function_saved_tensors_go_through_hooks(L):
    log = []

    class Exp(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    x = L.tensor(_X[0], requires_grad=True)
    with L.autograd.graph.saved_tensors_hooks(lambda t: (log.append("p"), t * 3)[1],
                                              lambda t: (log.append("u"), t / 3)[1]):
        y = Exp.apply(x)
    assert log == ["p"]
    y.sum().backward(retain_graph=True)
    assert log == ["p", "u"]
    y.sum().backward()
    assert log == ["p", "u", "u"]
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(_X[0]), rtol=1e-12)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_no_hook_left_installed():
    """Outside every pair, Tensor's ``_node`` is the plain slot again (nothing paid)."""
    with dl.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        assert isinstance(Tensor.__dict__["_node"], property)
    assert Tensor.__dict__["_node"] is _saved_hooks._SLOT
    with pytest.raises(ZeroDivisionError), \
            dl.autograd.graph.saved_tensors_hooks(lambda t: 1 / 0, lambda t: t):
        dl.ones(2, requires_grad=True).exp()
    assert Tensor.__dict__["_node"] is _saved_hooks._SLOT
    x = dl.ones(2, requires_grad=True)
    y = x.exp()
    assert type(y.grad_fn).__name__ == "ExpBackward0"


@pytest.mark.parametrize("mode", ["all", "any"])
def test_register_multi_grad_hook(mode):
    """'all': fn(grads) once per pass after every participating tensor's gradient, None for a
    tensor not in that pass; 'any': fn(grad) once per pass, the first gradient."""
    got, want = _multi_grad_calls(dl, mode), _multi_grad_calls(torch, mode)
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        if mode == "all":
            for gi, wi in zip(g, w):
                assert (gi is None) == (wi is None)
                if gi is not None:
                    np.testing.assert_allclose(gi, wi)
        else:
            np.testing.assert_allclose(g, w)


def _multi_grad_calls(L, mode):
    a = L.tensor(_X[0], requires_grad=True)
    b = L.tensor(_X[1], requires_grad=True)
    c = L.tensor(_X[2], requires_grad=True)
    calls = []

    def fn(g):
        if mode == "all":
            calls.append(tuple(None if x is None else x.numpy().copy() for x in g))
        else:
            calls.append(g.numpy().copy())

    h = L.autograd.graph.register_multi_grad_hook((a, b, c), fn, mode=mode)
    (a * 2 + b * 3 + c * c).sum().backward()
    (a * 5).sum().backward()
    h.remove()
    (a * 7 + b).sum().backward()
    return calls


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_node_gradient_edge_and_mode_error(L):
    G = L.autograd.graph
    x = L.tensor(_X[0], requires_grad=True)
    y = x.exp()
    assert isinstance(y.grad_fn, G.Node)
    assert isinstance(G.get_gradient_edge(x).node, G.Node)
    assert G.get_gradient_edge(y).node is y.grad_fn
    assert G.get_gradient_edge(y).output_nr == 0
    with pytest.raises(ValueError, match="Expects mode to be one of"):
        G.register_multi_grad_hook((x,), lambda g: None, mode="some")
    assert not isinstance(object(), dl_graph.Node)


_MORE = {
    "max_dim": (lambda L, a: a.max(1)[0], (_X,), None),
    "prod": (lambda L, a: a.prod(1), (_X,), None),
    "norm": (lambda L, a: a.norm(), (_X,), None),
    "cat_stack": (lambda L, a, b: L.stack([L.cat([a, b]), L.cat([b, a])]), (_X, _W), None),
}


@pytest.mark.parametrize("name", sorted(_MORE))
def test_more_ops_vs_torch(name):
    f, arrays, needs = _MORE[name]
    got = _run(dl, f, arrays, needs)
    want = _run(torch, f, arrays, needs)
    assert got[0] == want[0]
    for g, w in zip(got[1], want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_create_graph_through_unpacked_tensors():
    """Double backward differentiates through what unpack returns, placed where the saved
    tensor was (a leaf's accumulator, a node's output), even when pack detached it."""
    xa = _X[0]
    for pack in (lambda t: t, lambda t: t.detach().clone()):
        x = dl.tensor(xa, requires_grad=True)
        with dl.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = (x.sin() * x).exp().sum()
        g, = dl.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        xt = torch.tensor(xa, requires_grad=True)
        gt, = torch.autograd.grad((xt.sin() * xt).exp().sum(), xt, create_graph=True)
        gt.sum().backward()
        np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_modules_same_gradients_with_offloading_hooks():
    """nn modules (linear + cross-entropy, conv + batch norm + pooling, LSTM, attention) give
    the same gradients with a pair that copies every saved tensor, and unpack all they pack."""
    nn, F = dl.nn, dl.nn.functional
    dl.manual_seed(0)
    lin, conv, lstm = nn.Linear(6, 4), nn.Conv2d(2, 3, 3, padding=1), nn.LSTM(6, 5)
    mha = nn.MultiheadAttention(6, 2, batch_first=True)
    x, xc, q = dl.randn(3, 6), dl.randn(2, 2, 5, 5), dl.randn(2, 3, 6)
    cases = [
        (lambda: F.cross_entropy(lin(x), dl.tensor([0, 2, 3])), list(lin.parameters())),
        (lambda: F.max_pool2d(F.relu(F.batch_norm(conv(xc), None, None, training=True)),
                              2).sum(), list(conv.parameters())),
        (lambda: lstm(x.reshape(3, 1, 6))[0].sum(), list(lstm.parameters())),
        (lambda: mha(q, q, q)[0].sum(), list(mha.parameters())),
    ]
    log: list = []
    for f, params in cases:
        f().backward()
        want = [p.grad.numpy().copy() for p in params]
        for p in params:
            p.grad = None
        log.clear()
        with dl.autograd.graph.saved_tensors_hooks(
                lambda t: (log.append("p"), t.clone())[1], lambda t: (log.append("u"), t)[1]):
            y = f()
        y.backward()
        assert log.count("p") == log.count("u") > 0
        for p, w in zip(params, want):
            np.testing.assert_allclose(p.grad.numpy(), w, rtol=1e-10, atol=1e-12)
            p.grad = None


def test_pair_applies_only_in_its_thread():
    """A pair entered in one thread packs nothing that another thread records (PyTorch's
    hooks are thread-local)."""
    import threading
    log: list = []
    x = dl.tensor(_X[0], requires_grad=True)
    ready, done = threading.Event(), threading.Event()
    out: dict = {}

    def other():
        ready.wait()
        y = x.exp().sum()
        y.backward()
        out["grad"] = x.grad.numpy().copy()
        done.set()

    th = threading.Thread(target=other)
    th.start()
    with dl.autograd.graph.saved_tensors_hooks(lambda t: (log.append("p"), t)[1],
                                               lambda t: (log.append("u"), t)[1]):
        ready.set()
        done.wait(30)
    th.join()
    assert log == []
    np.testing.assert_allclose(out["grad"], np.exp(_X[0]), rtol=1e-12)


@pytest.mark.parametrize("L", [dl, torch], ids=["dlcore", "torch"])
def test_grad_fn_saved_attributes(L):
    """``grad_fn._saved_self``/``_saved_other``/``_saved_mat2``/``_saved_result``: the saved
    tensors themselves (a result: an equal tensor with the node as grad_fn), through the
    unpack hook when packed (attached where the saved tensor was: a leaf's place), an
    AttributeError where the node saves none, the second-backward error once freed."""
    x = L.tensor(_X[0], requires_grad=True)
    w = L.tensor(_W[0], requires_grad=True)
    y = x * w
    assert y.grad_fn._saved_self is x and y.grad_fn._saved_other is w
    z = x.exp()
    r = z.grad_fn._saved_result
    assert r is not z and r.grad_fn is z.grad_fn
    np.testing.assert_array_equal(r.detach().numpy(), z.detach().numpy())
    m = L.tensor(_X, requires_grad=True)
    n = L.tensor(_M, requires_grad=True)
    g = (m @ n).grad_fn
    assert g._saved_self is m and g._saved_mat2 is n
    with pytest.raises(AttributeError, match="'AddBackward0' object has no attribute "
                                             "'_saved_self'"):
        _ = (x + w).grad_fn._saved_self
    log = []
    with L.autograd.graph.saved_tensors_hooks(lambda t: (log.append("p"), t * 2)[1],
                                              lambda t: (log.append("u"), t)[1]):
        y = x * w
    s = y.grad_fn._saved_self
    assert log == ["p", "p", "u"]
    assert s is not x and s.requires_grad and s.grad_fn is None
    np.testing.assert_allclose(s.detach().numpy(), 2 * _X[0])
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        _ = y.grad_fn._saved_self
