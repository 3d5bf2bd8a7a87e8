"""Who owns a gradient after backward, against torch 2.13: what a user can see of the buffers
the backward pass hands on.

* ``.grad`` of a leaf is a tensor of its own: two leaves never share one array (add's vjp
  hands one cotangent to both inputs; PyTorch's AccumulateGrad steals a gradient only when
  nothing else holds it), a seed the caller gave (``y.backward(s)``) stays the caller's, and a
  gradient a tensor hook kept is not the leaf's ``.grad``.  An in-place change of one
  ``.grad`` (a clip, an optimizer's ``mul_``) changes no other.
* ``retain_grad`` keeps a C-contiguous clone (CloneBackward0 under create_graph), not the
  pass's buffer a hook saw.
* A whole sum's cotangent is PyTorch's expanded view where a user sees it: a hook's argument
  and ``autograd.grad``'s result have stride 0 and refuse an in-place write; a leaf's
  ``.grad`` is contiguous and writable.  (Why ``dlcore.ops.reduce._sum_vjp`` keeps its
  stride-0 view rather than a spread copy.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _shares(a, b) -> bool:
    return a.data_ptr() == b.data_ptr()


SHARING = {
    "mean of a + b": lambda L, a, b: (a + b).mean().backward(),
    "sum of (a + b) * 1": lambda L, a, b: ((a + b) * 1.0).sum().backward(),
    "sum of a - b": lambda L, a, b: (a - b).sum().backward(),
    "large mean of a + b": None,            # (SPREAD_BELOW and more elements: see below)
    "a + b with a seed": lambda L, a, b: (a + b).backward(L.ones(a.shape)),
    "a + b.view": lambda L, a, b: (a + b.view(a.shape)).sum().backward(),
}


@pytest.mark.parametrize("name", [k for k, v in SHARING.items() if v is not None])
@pytest.mark.parametrize("n", [3, 5000])
def test_two_leaves_never_share_a_grad(name, n):
    outs = []
    for L in (dl, torch):
        a, b = L.ones(n, requires_grad=True), L.ones(n, requires_grad=True)
        SHARING[name](L, a, b)
        shared = _shares(a.grad, b.grad)
        before = b.grad.tolist()[:2]
        a.grad.mul_(5.0)                    # (a clip of a's gradient, in place)
        outs.append((shared, before, b.grad.tolist()[:2], a.grad.tolist()[:2],
                     a.grad.is_contiguous(), b.grad.is_contiguous()))
    assert outs[0] == outs[1]
    assert outs[0][0] is False


def test_a_seed_the_caller_gave_stays_the_callers():
    outs = []
    for L in (dl, torch):
        a = L.ones(3, requires_grad=True)
        s = L.tensor([1.0, 2.0, 3.0])
        a.backward(s)                       # a leaf seeded directly
        direct = _shares(a.grad, s)
        b = L.ones(3, requires_grad=True)
        (b * 1).backward(s)
        a.grad.add_(1.0)
        b.grad.add_(1.0)
        outs.append((direct, _shares(b.grad, s), s.tolist(), a.grad.tolist(), b.grad.tolist()))
    assert outs[0] == outs[1]
    assert outs[0][2] == [1.0, 2.0, 3.0]


def test_a_gradient_a_hook_kept_is_not_the_leafs_grad():
    outs = []
    for L in (dl, torch):
        a = L.ones(4, requires_grad=True)
        kept = []
        a.register_hook(kept.append)
        (a * 2.0).sum().backward()
        a.grad.zero_()
        outs.append((_shares(a.grad, kept[0]), kept[0].tolist(), a.grad.tolist()))
    assert outs[0] == outs[1]


def test_a_gradient_a_non_leaf_hook_kept_is_no_leafs_grad():
    """A hook on ``a + b`` keeps its gradient; add's vjp hands that very buffer on to both
    leaves: neither takes it as its ``.grad``."""
    outs = []
    for L in (dl, torch):
        a, b = L.ones(3, requires_grad=True), L.ones(3, requires_grad=True)
        kept = []
        y = a + b
        y.register_hook(kept.append)
        (y * 2.0).sum().backward()
        a.grad.add_(1.0)
        outs.append((_shares(a.grad, kept[0]), _shares(b.grad, kept[0]), kept[0].tolist(),
                     a.grad.tolist(), b.grad.tolist()))
    assert outs[0] == outs[1]


def test_retain_grad_keeps_a_contiguous_clone():
    outs = []
    for L in (dl, torch):
        x = L.ones(2, 3, requires_grad=True)
        y = (x * 2.0).t()
        y.retain_grad()
        seen = []
        y.register_hook(seen.append)
        (y * 3.0).sum().backward()
        outs.append((tuple(y.grad.stride()), y.grad.is_contiguous(),
                     _shares(y.grad, seen[0]), y.grad.tolist()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")         # (torch: backward(create_graph=True))
            z = (x * 2.0).t()
            z.retain_grad()
            (z * z).sum().backward(create_graph=True)
        outs.append((type(z.grad.grad_fn).__name__, tuple(z.grad.stride()),
                     z.grad.requires_grad, z.grad.tolist()))
    assert outs[:2] == outs[2:]
    assert outs[0][:3] == ((2, 1), True, False)
    assert outs[1][0] == "CloneBackward0"


@pytest.mark.parametrize("shape", [(4, 8), (100, 100)])
def test_a_whole_sums_gradient_is_an_expanded_view_where_a_user_sees_it(shape):
    outs = []
    for L in (dl, torch):
        seen = {}
        x = L.ones(*shape, requires_grad=True)

        def hook(g, seen=seen):
            if seen:
                return                      # (the first call's: x.sum()'s gradient)
            seen["hook"] = (tuple(g.stride()), g.is_contiguous())
            try:
                g.add_(1.0)
                seen["write"] = "ok"
            except RuntimeError:
                seen["write"] = "RuntimeError"
        x.register_hook(hook)
        x.sum().backward()
        (g,) = L.autograd.grad((x * 1.0).sum(), x)
        x.grad.add_(1.0)                    # (.grad: contiguous and writable)
        outs.append((seen["hook"], seen["write"], tuple(x.grad.stride()),
                     x.grad.is_contiguous(), float(x.grad[0, 0]), tuple(g.stride()),
                     g.is_contiguous()))
    assert outs[0] == outs[1]
    assert outs[0][0] == ((0, 0), False) and outs[0][1] == "RuntimeError"


def test_a_second_backward_adds_into_each_own_grad():
    outs = []
    for L in (dl, torch):
        a, b = L.ones(3, requires_grad=True), L.ones(3, requires_grad=True)
        for _ in range(2):
            (a + b).mean().backward()
        outs.append((np.round(a.grad.tolist(), 6).tolist(), np.round(b.grad.tolist(), 6).tolist(),
                     _shares(a.grad, b.grad)))
    assert outs[0] == outs[1]
