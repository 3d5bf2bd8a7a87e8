"""torch.autograd.forward_ad (dlcore_eager/autograd/forward_ad.py) against real PyTorch 2.13:
the tangents of dual tensors through elementwise maths, matmul, views and indexing,
reductions, softmax, conv2d and a Linear module with dual parameters; tangents gone after the
level; gradcheck(check_forward_ad=True); PyTorch's errors for make_dual outside a level and
for a tangent of another shape; an in-place change of a dual tensor is refused."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.autograd.forward_ad as fwAD
import dlcore_eager.nn.functional as F

torch = pytest.importorskip("torch")
tfwAD = pytest.importorskip("torch.autograd.forward_ad")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 5, 5))
V = RNG.standard_normal((2, 3, 5, 5))
W = RNG.standard_normal((4, 3, 3, 3))

CASES = {
    "elementwise": lambda m, x: (m.sin(x) * x ** 2 + m.exp(-x)).tanh(),
    "matmul_views": lambda m, x: x.reshape(6, 25) @ x.reshape(6, 25).transpose(0, 1)[:, :4],
    "index_reduce": lambda m, x: x[:, 1:, ::2].sum(dim=(1, 3)) / x.abs().mean(),
    "softmax": lambda m, x: m.softmax(x.flatten(1), dim=1).log(),
    "conv": lambda m, x: m.nn.functional.conv2d(x, m.tensor(W), padding=1).relu(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tangents_equal_torch(name):
    f = CASES[name]
    with fwAD.dual_level():
        y = f(dl, fwAD.make_dual(dl.tensor(X), dl.tensor(V)))
        got = fwAD.unpack_dual(y).tangent.numpy()
    with tfwAD.dual_level():
        ty = f(torch, tfwAD.make_dual(torch.tensor(X), torch.tensor(V)))
        want = tfwAD.unpack_dual(ty).tangent.numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    assert fwAD.unpack_dual(y).tangent is None


def test_module_parameters_as_duals_and_gradcheck():
    lin = dl.nn.Linear(3, 2).double()
    x = dl.tensor(RNG.standard_normal((4, 3)))
    tw, tb = dl.tensor(RNG.standard_normal((2, 3))), dl.tensor(RNG.standard_normal(2))
    with fwAD.dual_level():
        out = F.linear(x, fwAD.make_dual(lin.weight, tw), fwAD.make_dual(lin.bias, tb))
        jv = fwAD.unpack_dual(out).tangent
    np.testing.assert_allclose(jv.numpy(), (x @ tw.T + tb).numpy(), rtol=1e-12)
    inp = dl.tensor(RNG.standard_normal(5), requires_grad=True)
    assert dl.autograd.gradcheck(lambda t: (t.sin() * t).cumsum(0), (inp,),
                                 check_forward_ad=True)


def test_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        fwAD.make_dual(dl.zeros(2), dl.zeros(2))
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match=r"Tensor is of size \[2\] while the given "
                                               r"forward gradient is of size \[3\]"):
            fwAD.make_dual(dl.zeros(2), dl.zeros(3))
        d = fwAD.make_dual(dl.zeros(2), dl.ones(2))
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()
        d.add_(1.0)                 # (an in-place op carries the tangent, as PyTorch's)
        p, t = fwAD.unpack_dual(d)
        assert p.tolist() == [1.0, 1.0] and t.tolist() == [1.0, 1.0]
        m = fwAD.make_dual(dl.zeros(2, 2), dl.ones(2, 2))
        with pytest.raises(RuntimeError, match="forward AD: the shape of a dual tensor was "
                                               "changed in place"):
            fwAD.unpack_dual(m.t_())
        x = dl.zeros(3)
        x[1:].add_(fwAD.make_dual(dl.zeros(2), dl.ones(2)))    # (the base gets the view's
        p, t = fwAD.unpack_dual(x)                             # region of a tangent: torch's)
        assert p.tolist() == [0.0, 0.0, 0.0] and t.tolist() == [0.0, 1.0, 1.0]
    y = dl.ones(2) * 2                                # the fast paths are back
    assert fwAD.unpack_dual(y).tangent is None


def test_a_module_imported_or_imported_again_after_a_level_is_patched_too(monkeypatch):
    """tracing.patch_apply walks the modules' globals only when sys.modules changed: an eager
    module first imported after a level was opened (here a stand-in named dlcore_eager._late,
    which binds the apply as ``from ._dispatch import ...`` does), and the same name imported
    again as a new module, still have their reference swapped for the level's and put back."""
    import sys
    import types

    from dlcore.ops.elementwise import exp_p
    from dlcore_eager import _dispatch, tracing

    original = _dispatch.EagerFrontend.__dict__["apply"].__func__
    x = dl.tensor([1.0, 2.0])
    with fwAD.dual_level():                        # (the walk, before the module exists)
        fwAD.make_dual(x, dl.ones(2))
    for _ in range(3):          # (the first pass's ops may import modules of their own)
        late = types.ModuleType("dlcore_eager._late")
        late.apply = original
        monkeypatch.setitem(sys.modules, "dlcore_eager._late", late)
        with fwAD.dual_level():
            assert late.apply is not original and late.apply is _dispatch.EagerFrontend.apply
            y = late.apply(exp_p, (fwAD.make_dual(x, dl.tensor([1.0, 0.5])),), {})
            np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.numpy(),
                                       np.exp([1.0, 2.0]) * [1.0, 0.5], rtol=1e-6)
        assert late.apply is original
    assert tracing._REFERENCES["dlcore_eager._late"][0] is late
