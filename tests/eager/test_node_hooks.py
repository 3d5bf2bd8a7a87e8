"""grad_fn.register_prehook / register_hook (a node's own pre- and post-hooks) against PyTorch:
the order with the output tensor's hooks and retain_grad, replacement values, removal, and both
passes (buffers; create_graph)."""

import numpy as np
import pytest
import torch

import dlcore_eager as T


def _run(L, mode):
    log = []
    x = L.tensor([0.5, -1.0], requires_grad=True)
    c = L.tensor([3.0, 4.0])
    y = x * 3
    z = (y * c).exp()
    s = z.sum()
    y.register_hook(lambda g: log.append(("y hook", g.tolist())))
    z.register_hook(lambda g: log.append(("z tensor hook", g.tolist())) or g * 2)
    z.retain_grad()
    h1 = z.grad_fn.register_prehook(
        lambda go: log.append(("z pre", [g.tolist() for g in go])) or (go[0] * 5,))
    h2 = z.grad_fn.register_hook(
        lambda gi, go: log.append(("z post", [g.tolist() for g in gi], [g.tolist() for g in go])))
    y.grad_fn.register_hook(
        lambda gi, go: log.append(("mul post", [None if g is None else g.tolist() for g in gi]))
        or tuple(None if g is None else g * 0.5 for g in gi))
    if mode == "grad":
        g, = L.autograd.grad(s, x, retain_graph=True)
        log.append(("result", g.tolist(), g.requires_grad))
    elif mode == "create_graph":
        g, = L.autograd.grad(s, x, create_graph=True)
        log.append(("result", g.tolist(), g.requires_grad))
    else:
        s.backward(retain_graph=True)
        log.append(("result", x.grad.tolist(), False))
    log.append(("z.grad", z.grad.tolist()))
    h1.remove()
    h2.remove()
    x.grad = None
    (y * c).exp().sum().backward()
    log.append(("after remove", x.grad.tolist()))
    return log


def _close(a, b):
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_close(p, q) for p, q in zip(a, b))
    if isinstance(a, float):
        return np.isclose(a, b, rtol=1e-5)
    return a == b


@pytest.mark.parametrize("mode", ["backward", "grad", "create_graph"])
def test_node_hooks_order_and_values_match_torch(mode):
    a, b = _run(torch, mode), _run(T, mode)
    assert [e[0] for e in b] == [e[0] for e in a]
    assert _close(a, b), (a, b)


def test_node_hooks_under_anomaly_mode():
    with torch.autograd.detect_anomaly(), T.autograd.detect_anomaly():
        a, b = _run(torch, "backward"), _run(T, "backward")
    assert _close(a, b), (a, b)


def test_hook_on_accumulate_grad_node_is_refused():
    x = T.tensor([1.0], requires_grad=True)
    acc = (x * 2).grad_fn.next_functions[0][0]
    with pytest.raises(RuntimeError):
        acc.register_hook(lambda gi, go: None)


_OPS = {
    "mul_number": lambda L, x: x * 3,
    "add_number": lambda L, x: x + 1,
    "rsub_number": lambda L, x: 1 - x,
    "mul_self": lambda L, x: x * x,
    "relu": lambda L, x: x.relu(),
    "linear": lambda L, x: L.nn.functional.linear(
        x[None], L.ones(3, 2, requires_grad=True), L.ones(3, requires_grad=True)),
}


@pytest.mark.parametrize("op", sorted(_OPS))
def test_post_hook_grad_inputs_are_torchs_edges(op):
    """grad_inputs has one entry per next_functions edge (a Python number's dropped where
    PyTorch's node has no edge for it), and a replacement flows on."""
    def run(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = _OPS[op](L, x)
        seen = []
        y.grad_fn.register_hook(
            lambda gi, go: seen.append([None if g is None else g.tolist() for g in gi])
            or tuple(None if g is None else g * 2 for g in gi))
        y.sum().backward()
        return seen, x.grad.tolist()
    assert run(T) == run(torch)


def test_post_hook_on_a_composite_node_is_refused_not_wrong():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError):
        x.mean().grad_fn.register_hook(lambda gi, go: None)
    seen = []
    y = x.mean()
    y.grad_fn.register_prehook(lambda go: seen.append(go[0].tolist()))
    y.backward()
    assert seen == [1.0] and x.grad.tolist() == [0.5, 0.5]


def test_custom_function_edges_and_hooks_match_torch():
    """A custom Function's node has an edge per Tensor argument only (a Python number has
    none), and its post-hook's grad_inputs follow them."""
    def run(L):
        class Sq(L.autograd.Function):
            @staticmethod
            def forward(ctx, a, k, c):
                ctx.save_for_backward(a)
                return a * a * k * c

            @staticmethod
            def backward(ctx, g):
                a, = ctx.saved_tensors
                return g * 2 * a, None, None

        x = L.tensor([1.0, 2.0], requires_grad=True)
        c = L.tensor([1.0, 1.0])
        y = Sq.apply(x, 3.0, c)
        seen = []
        y.grad_fn.register_hook(
            lambda gi, go: seen.append([None if g is None else g.tolist() for g in gi]))
        y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].tolist())))
        y.sum().backward()
        edges = [type(f[0]).__name__ for f in y.grad_fn.next_functions]
        return seen, x.grad.tolist(), edges
    assert run(T) == run(torch)
