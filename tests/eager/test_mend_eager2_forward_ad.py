"""Forward AD in-place and out= against torch 2.13 (``torch.autograd.forward_ad``), and fill_
with a 0-d tensor value in reverse mode.

* a view dropped long ago (``x[0]`` printed) no longer makes an in-place write of a dual into
  ``x`` refused: ``x[mask] = d[:2]``, ``masked_scatter_``, ``put_`` carry torch's tangents
  (before: RuntimeError 'a tensor with views'); a live view gets its region of the tangent;
* ``out=`` functions with a dual operand or out: torch's NotImplementedError (torch has written
  out by then; dlcore leaves it unchanged);
* ``fill_(0-d dual)`` has the value's tangent (before: None, silently); ``fill_(v)`` with
  ``v`` requiring grad sends the gradient to ``v`` (torch's FillBackward3; before none), and
  ``y.fill_(2.)`` on a tensor with history cuts the gradient to the old values (before: the
  old graph was kept, ``(y * x).sum()`` gave x's gradient 3 instead of torch's 2).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.autograd.forward_ad as dfw

torch = pytest.importorskip("torch")
import torch.autograd.forward_ad as tfw  # noqa: E402

P = [1.0, 2.0, 3.0, 4.0]
T = [0.1, 0.2, 0.3, 0.4]


def _run(L, fw, fn):
    with fw.dual_level():
        d = fw.make_dual(L.tensor(P), L.tensor(T))
        out = fn(L, d)
        u = fw.unpack_dual(out)
        return (np.asarray(u.primal.tolist()),
                None if u.tangent is None else np.asarray(u.tangent.tolist()))


def _after_dead_view(L, fn):
    x = L.zeros(4)
    x[0]                              # a view, dropped at once
    str(x[1:])
    return fn(L, x)


CASES = {
    "add_ after a dead view": lambda L, d: _after_dead_view(L, lambda L, x: x.add_(d)),
    "setitem mask": lambda L, d: _after_dead_view(
        L, lambda L, x: (x.__setitem__(L.tensor([True, False, True, False]), d[:2]), x)[1]),
    "masked_scatter_": lambda L, d: L.zeros(4).masked_scatter_(
        L.tensor([True, False, True, True]), d),
    "put_": lambda L, d: L.zeros(4).put_(L.tensor([0, 2]), d[:2]),
    "put_ accumulate": lambda L, d: L.ones(4).put_(L.tensor([0, 0]), d[1:3], accumulate=True),
    "fill_ 0-d dual": lambda L, d: L.zeros(4).fill_(d[1]),
    "fill_ 0-d dual float64": lambda L, d: L.zeros(4, dtype=L.float64).fill_(d[3]),
    "fill_ 0-d plain": lambda L, d: L.zeros(4).fill_(L.tensor(5.0)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_tangents_as_torch(name):
    fn = CASES[name]
    tp, tt = _run(torch, tfw, fn)
    dp, dt = _run(dl, dfw, fn)
    np.testing.assert_allclose(dp, tp, rtol=1e-6)
    if tt is None:
        assert dt is None
    else:
        assert dt is not None
        np.testing.assert_allclose(dt, tt, rtol=1e-6)


def test_a_live_view_gets_its_region_of_the_tangent():
    """A dual written into a tensor with a live view: the view's tangent is its region of the
    tensor's, as torch's (was refused, RuntimeError 'a tensor with views')."""
    res = []
    for L, fw in ((dl, dfw), (torch, tfw)):
        with fw.dual_level():
            d = fw.make_dual(L.tensor(P), L.tensor(T))
            x = L.zeros(5)
            v = x[1:]
            x[:4].add_(d)
            res.append([t.tolist() for t in fw.unpack_dual(x) + fw.unpack_dual(v)])
    assert res[0] == res[1]


OUT_CASES = {
    "add": lambda L, d, o: L.add(d, 1.0, out=o),
    "mul": lambda L, d, o: L.mul(d, d, out=o),
    "cumsum": lambda L, d, o: L.cumsum(d, 0, out=o),
    "exp": lambda L, d, o: L.exp(d, out=o),
    "sub into a dual out": lambda L, d, o: L.sub(L.ones(4), 1.0, out=d),
}


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_functions_refuse_duals_as_torch(name):
    fn = OUT_CASES[name]
    msgs = []
    for L, fw in ((torch, tfw), (dl, dfw)):
        with fw.dual_level():
            d = fw.make_dual(L.tensor(P), L.tensor(T))
            o = L.zeros(4)
            with pytest.raises(NotImplementedError) as e:
                fn(L, d, o)
            msgs.append(str(e.value))
            if L is dl:         # (torch writes out before it raises; dlcore leaves it)
                assert o.tolist() == [0.0] * 4 and fw.unpack_dual(d).primal.tolist() == P
    assert msgs[1] == msgs[0]
    assert "because it is an out= function" in msgs[1]


def test_out_without_tangents_still_writes():
    with dfw.dual_level():
        dfw.make_dual(dl.tensor(P), dl.tensor(T))
        o = dl.zeros(4)
        dl.add(dl.tensor(P), 1.0, out=o)
        assert o.tolist() == [2.0, 3.0, 4.0, 5.0]


def _fill_grads(L, value_grad: bool):
    x = L.ones(3, requires_grad=True)
    v = L.tensor(2.5, requires_grad=value_grad)
    y = x * 1
    y.fill_(v if value_grad else 2.5)
    (y * x).sum().backward()
    return y.tolist(), x.grad.tolist(), None if v.grad is None else v.grad.tolist()


@pytest.mark.parametrize("value_grad", [False, True])
def test_fill_gradients_as_torch(value_grad):
    assert _fill_grads(dl, value_grad) == _fill_grads(torch, value_grad)


def test_fill_with_a_grad_value_records_and_sends_the_gradient():
    for L in (torch, dl):
        v = L.tensor(2.0, requires_grad=True)
        z = L.zeros(3).fill_(v)
        assert z.requires_grad and z.tolist() == [2.0, 2.0, 2.0]
        (z * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert v.grad.item() == 6.0


def test_fill_refusals_unchanged():
    for L in (torch, dl):
        x = L.zeros(3)
        with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor "
                                               "but got tensor with 1 dimensions."):
            x.fill_(L.ones(2, requires_grad=True))
        assert x.tolist() == [0.0] * 3
    assert dl.zeros(3, dtype=dl.int64).fill_(dl.tensor(2.7)).tolist() == \
        torch.zeros(3, dtype=torch.int64).fill_(torch.tensor(2.7)).tolist()
