"""Views that change no shape (``x.view(x.shape)``, ``x.squeeze(d)`` of a dimension that is
not 1, ``x[...]``, ``x.t()`` of a vector, ...) are new tensors over the same memory, as in
PyTorch: ``y is x`` is False, writes through either are seen by both (one version counter),
``y`` has its own grad_fn, and an in-place op on ``y`` is the base's new value too (values
and gradients against real torch 2.13)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

VIEWS = ["x.view(x.shape)", "x.reshape(2, 3)", "x.view_as(x)", "x.reshape_as(x)",
         "x.squeeze(0)", "x.squeeze()", "x.squeeze((0, 1))", "x.expand(2, 3)",
         "x.expand_as(x)", "x.permute(0, 1)", "x.transpose(1, 1)", "x[...]",
         "torch.broadcast_to(x, (2, 3))", "x.movedim(0, 0)", "x.moveaxis(1, 1)",
         "x.unflatten(1, (3,))", "x.narrow(1, 0, 3)", "x[:]", "x[:, :]"]


@pytest.mark.parametrize("expr", VIEWS)
def test_a_same_shape_view_is_a_new_tensor_sharing_memory(expr):
    x = dl.zeros(2, 3)
    y = eval(expr, {"x": x, "torch": dl})
    assert y is not x and tuple(y.shape) == (2, 3)
    y[0, 1] = 5.0
    assert x[0, 1].item() == 5.0 and x._version == y._version
    x.add_(1.0)
    assert y[1, 2].item() == 1.0


@pytest.mark.parametrize("expr", ["x.view(x.shape)", "x.squeeze(0)", "x[...]",
                                  "x.reshape(x.shape)", "x.expand(2, 3)"])
@pytest.mark.parametrize("op", ["mul_(3.0)", "add_(w)", "exp_()", "__imul__(w)"])
def test_inplace_through_a_same_shape_view_is_torchs(expr, op):
    def run(lib):
        w = lib.tensor(np.arange(1, 7, dtype=np.float64).reshape(2, 3) / 7,
                       requires_grad=True)
        x = w * 2
        v = eval(expr, {"x": x})
        eval(f"v.{op}", {"v": v, "w": w})
        y = x * x + v
        y.backward(lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3)))
        return np.asarray(y.detach().tolist()), np.asarray(w.grad.tolist())
    (vt, gt), (vd, gd) = run(torch), run(dl)
    np.testing.assert_allclose(vd, vt, rtol=1e-12)
    np.testing.assert_allclose(gd, gt, rtol=1e-12)


def test_a_view_of_a_leaf_still_refuses_inplace():
    w = dl.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w.view(2, 3).mul_(2.0)
    assert w.view(2, 3).grad_fn.name() == "ViewBackward0"


def test_flatten_of_one_dimension_returns_the_tensor_itself():
    x = dl.ones(3, requires_grad=True)
    assert x.flatten() is x and x.flatten(0, 0) is x
