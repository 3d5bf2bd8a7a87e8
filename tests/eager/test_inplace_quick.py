"""The in-place quick paths of ``_inplace_ops``: ``Tensor.copy_`` of a CPU tensor of the same
dtype and shape (no move, cast or broadcast) and ``fill_`` of a CPU tensor that nothing
records (the buffer filled in place, as ``zero_``) keep every effect of the general path,
against PyTorch 2.13: the values (from a non-contiguous source, into a view, whose base sees
them; every dtype's conversion of the fill value and its errors), the version counters, a
write refused in inference mode, a forward-AD tangent carried (a zero one for fill_), a
source that requires grad recorded (CopyBackwards)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _story(m):
    out = []
    base = m.zeros(3, 4)
    src = m.arange(12.0).reshape(4, 3).t()              # (non-contiguous)
    v0 = base._version
    r = base.copy_(src)
    out += [r is base, base.tolist(), base._version - v0]
    view = base[1]
    view.copy_(m.full((4,), 7.0))
    out += [base[1].tolist(), base._version - v0, view._version - v0]
    same = m.ones(2)
    same.copy_(same)
    out.append(same.tolist())
    w = m.zeros(2)
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w.copy_(x)
    out += [w.requires_grad, type(w.grad_fn).__name__ if m is torch else w.grad_fn.name()]
    w.sum().backward()
    out.append(x.grad.tolist())
    with m.inference_mode():
        i = m.zeros(2)
        i.copy_(m.ones(2))
        out.append(i.tolist())
    try:
        i.copy_(m.ones(2))
    except RuntimeError as e:
        out.append(str(e)[:40])
    return out


def test_copy_is_torch_s():
    assert _story(dl) == _story(torch)


def test_a_dual_tensor_written_by_copy_carries_the_tangent():
    import dlcore_eager.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        d = fwAD.make_dual(dl.tensor([1.0, 2.0]), dl.tensor([3.0, 4.0]))
        t = dl.zeros(2)
        t.copy_(d)
        np.testing.assert_array_equal(fwAD.unpack_dual(t).tangent.numpy(), [3.0, 4.0])


def _fills(m):
    out = []
    for dt in (m.float32, m.float64, m.int64, m.bool, m.float16, m.uint8, m.complex64):
        for v in (1, 2.5, True, 300, -1, 1e10, float("nan"), m.tensor(3.0)):
            x = m.zeros(3, dtype=dt)
            try:
                r = x.fill_(v)
                out.append((r is x, repr(x.tolist()), x._version))
            except RuntimeError as e:
                out.append(str(e))
    base = m.zeros(2, 3)
    view = base[1]
    view.fill_(7)
    out += [base.tolist(), base._version, view._version]
    t = m.zeros(3)[::2]
    t.fill_(1.5)
    out.append(t.tolist())
    return out


def test_fill_is_torch_s():
    assert _fills(dl) == _fills(torch)


def test_fill_of_a_dual_tensor_gives_it_a_zero_tangent():
    import dlcore_eager.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        d = fwAD.make_dual(dl.tensor([1.0, 2.0]), dl.tensor([3.0, 4.0]))
        d.fill_(5.0)
        p, t = fwAD.unpack_dual(d)
        assert p.tolist() == [5.0, 5.0] and t.tolist() == [0.0, 0.0]


def _masked(m):
    out = []
    x = m.arange(12.0).reshape(3, 4)
    for mask in (x > 5, (x > 5)[0], m.tensor(True), m.zeros(3, 1, dtype=m.bool),
                 (x > 2).t().contiguous().t(), m.ones(2, 3, 4, dtype=m.bool),
                 m.ones(4, dtype=m.bool)[:3]):
        for value in (-1.5, 7, float("-inf"), float("nan"), 1e300, 2 ** 60, m.tensor(2.0)):
            for dt in (m.float32, m.float64, m.int64):
                y = x.to(dt).clone()
                try:
                    r = y.masked_fill_(mask, value)
                    out.append((r is y, repr(y.tolist()), y._version))
                except (RuntimeError, TypeError) as e:     # (the type: with a mask that
                    out.append(type(e).__name__)    # does not broadcast and a value that
                                                    # does not fit, PyTorch names the shape)
    base = m.zeros(2, 3)
    base[1].masked_fill_(m.tensor([True, False, True]), 4.0)
    out += [base.tolist(), base._version]
    w = m.ones(3, requires_grad=True)
    h = w * 2
    h.masked_fill_(m.tensor([True, False, False]), 0.0)
    h.sum().backward()
    out += [type(h.grad_fn).__name__ if m is torch else h.grad_fn.name(), w.grad.tolist()]
    return out


def test_masked_fill_is_torch_s():
    assert _masked(dl) == _masked(torch)

