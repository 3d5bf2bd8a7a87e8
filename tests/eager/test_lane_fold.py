"""The eager lane's folds (helper-Q8): ops whose hand-written fast paths went into the one lane
(``dlcore_eager/_lane.py``) keep PyTorch's values, grad_fn names, views and errors; and
NumPy-style keyword aliases given with the name they stand for raise PyTorch's TypeError."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _both(fn):
    """``fn`` run on torch and dlcore: (kind, message) of the error, or the result."""
    out = []
    for T in (torch, dl):
        x = T.ones(2, 3)
        try:
            out.append(("ok", tuple(fn(T, x).shape)))
        except Exception as e:  # noqa: BLE001 - compared by type and message
            out.append((type(e).__name__, str(e)))
    return out


@pytest.mark.parametrize("call", [
    lambda T, x: x.sum(dim=1, axis=1),
    lambda T, x: T.sum(x, dim=1, axis=1),
    lambda T, x: x.mean(dim=1, axis=1),
    lambda T, x: x.argmax(dim=1, axis=1),
    lambda T, x: x.sum(1, keepdim=True, keepdims=True),
    lambda T, x: x.sum(axis=1, keepdims=True, keepdim=True),
    lambda T, x: T.cat([x, x], dim=0, axis=0),
    lambda T, x: x.sum(axis=1, keepdims=True),
])
def test_alias_with_its_name(call):
    t, d = _both(call)
    assert t == d


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float32, np.float16])
def test_argmax_through_the_lane(dtype):
    a = np.array([[3, 1, 4], [1, 5, 9]], dtype=dtype)
    for call in (lambda x: x.argmax(), lambda x: x.argmax(1), lambda x: x.argmax(0, keepdim=True),
                 lambda x: x.argmax(dim=-1), lambda x: x.argmax(None, True)):
        for _ in range(2):                      # the plan made, then used
            t, d = call(torch.from_numpy(a.copy())), call(dl.from_numpy(a.copy()))
            assert t.tolist() == d.tolist() and str(t.dtype) == str(d.dtype)
    for T in (torch, dl):
        with pytest.raises(RuntimeError, match="argmax\\(\\): does not support bool input"):
            T.from_numpy(a > 2).argmax(1)
        with pytest.raises(IndexError, match="Dimension out of range"):
            T.from_numpy(a.copy()).argmax(2)


def test_t_and_linear_through_the_lane():
    a = np.arange(6.0).reshape(2, 3)
    out = []
    for T in (torch, dl):
        w = T.tensor(a, requires_grad=True)
        x = T.tensor(a[:1] + 0.5)
        for _ in range(2):                      # the plan made, then used
            wt = w.t()
        y = T.nn.functional.linear(x, w)
        (wt * 2).sum().backward()
        y.sum().backward()
        z = T.ones(2, 3)
        z.t().mul_(3)                           # (a view: the base changes)
        out.append((wt.grad_fn.name(), y.grad_fn.name(), z.tolist(), w.grad.tolist(),
                    tuple(wt.shape), wt.is_contiguous()))
    assert out[0] == out[1]


def test_view_reshape_through_the_lane():
    a = np.arange(24.0).reshape(2, 3, 4)
    out = []
    for T in (torch, dl):
        x = T.tensor(a, requires_grad=True)
        for _ in range(2):                      # the plan made, then used
            v, r = x.view(6, 4), x.reshape(-1)
            s, u = x.transpose(1, 2).reshape(2, 12), x.unsqueeze(1)
        (v.sum() + r.sum() * 2 + s.sum() * 3 + u.squeeze(1).sum()).backward()
        names = [t.grad_fn.name() for t in (v, r, s, u)]
        errs = []
        for bad in (lambda x=x: x.transpose(1, 2).view(-1), lambda x=x: x.view(5, 5)):
            with pytest.raises(RuntimeError) as e:
                bad()
            errs.append(str(e.value))
        with T.no_grad():
            x.view(-1)[0] = 7
        out.append((names, x.grad.tolist(), errs,
                    x[0, 0, 0].item()))
    assert out[0] == out[1]
