"""A masked write into a tensor that requires grad (``X[~mask] = v``, d2l's sequence_mask in
masked softmax) keeps the buffer pass (issue 19): where's rule reads only the shapes of its
branches, so the X its commit overwrote is no obstacle; the gradients are PyTorch's, a second
backward raises PyTorch's error, and a mask changed in place before backward is refused as
PyTorch refuses it (the rule reads the condition's values)."""

import numpy as np
import pytest

import dlcore_eager as E

torch = pytest.importorskip("torch")


def _masked(lib, a, valid):
    w = lib.tensor(a, requires_grad=True)
    x = w * 2.0
    mask = lib.arange(a.shape[1], dtype=lib.float32)[None, :] < lib.tensor(valid)[:, None]
    x[~mask] = -1e6
    return w, x, mask


def test_gradients_are_torchs_and_the_pass_stays_on_buffers(monkeypatch):
    from dlcore_eager.autograd import _buffer_pass as bp
    a = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    valid = np.array([1, 3, 6, 2])
    wt, xt, _ = _masked(torch, a, valid)
    torch.softmax(xt, -1).pow(2).sum().backward()
    general = []
    real = bp._saved_vjp

    def watch(node, g, retain, half):
        out = real(node, g, retain, half)
        if out is None:
            general.append(node.prim.name)
        return out
    monkeypatch.setattr(bp, "_saved_vjp", watch)
    wd, xd, _ = _masked(E, a, valid)
    E.softmax(xd, -1).pow(2).sum().backward()
    np.testing.assert_allclose(wd.grad.numpy(), wt.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert "where" not in general


def test_a_second_backward_and_a_changed_mask_raise_torchs_errors():
    a = np.ones((2, 3), np.float32)
    for lib in (E, torch):
        _, x, _ = _masked(lib, a, np.array([1, 2]))
        y = x.sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
    for lib in (E, torch):
        w = lib.tensor(a, requires_grad=True)
        x = w * 2.0
        m = lib.tensor([[True, False, True], [False, False, True]])
        x[m] = 0.0
        m.logical_not_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            x.sum().backward()
