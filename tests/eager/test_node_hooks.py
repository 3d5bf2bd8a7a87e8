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
