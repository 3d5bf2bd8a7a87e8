"""Session 9 (D9): KL divergences of LowRankMultivariateNormal with MultivariateNormal (both
orders) and with itself, vs torch 2.13 (values, gradients, event-shape errors); they raised
NotImplementedError."""

import pytest
import torch as T
from error_of import error_of

import dlcore_eager as D

LOC = [0.1, 0.2, 0.3]
W = [[1.0, 0.0], [0.5, 1.0], [0.2, 0.3]]
DIAG = [1.0, 2.0, 0.5]
COV = [[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 1.5]]


def _pair(L, case, grad=False):
    dd = L.distributions
    w = L.tensor(W, dtype=L.float64, requires_grad=grad)
    lr = dd.LowRankMultivariateNormal(L.tensor(LOC, dtype=L.float64), w,
                                      L.tensor(DIAG, dtype=L.float64))
    lr2 = dd.LowRankMultivariateNormal(L.zeros(2, 3, dtype=L.float64),
                                       L.ones(3, 1, dtype=L.float64),
                                       L.tensor([1.0, 1.0, 0.5], dtype=L.float64))
    mv = dd.MultivariateNormal(L.tensor([0.0, 1.0, 0.0], dtype=L.float64),
                               covariance_matrix=L.tensor(COV, dtype=L.float64))
    p, q = {"lr_mvn": (lr, mv), "mvn_lr": (mv, lr), "lr_lr": (lr, lr2)}[case]
    return dd.kl_divergence(p, q), w


@pytest.mark.parametrize("case", ["lr_mvn", "mvn_lr", "lr_lr"])
def test_low_rank_kl_as_torch(case):
    (t, tw), (d, dw) = _pair(T, case, True), _pair(D, case, True)
    assert tuple(d.shape) == tuple(t.shape) and str(d.dtype) == str(t.dtype)
    assert d.detach().numpy() == pytest.approx(t.detach().numpy(), rel=1e-10)
    t.sum().backward()
    d.sum().backward()
    assert dw.grad.numpy() == pytest.approx(tw.grad.numpy(), rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("case", ["lr_mvn", "mvn_lr", "lr_lr"])
def test_low_rank_kl_event_shape_error(case):
    def f(L):
        dd = L.distributions
        lr = dd.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1), L.ones(3))
        other = (dd.LowRankMultivariateNormal(L.zeros(2), L.ones(2, 1), L.ones(2))
                 if case == "lr_lr" else dd.MultivariateNormal(L.zeros(2), L.eye(2)))
        return dd.kl_divergence(*((other, lr) if case == "mvn_lr" else (lr, other)))
    assert error_of(lambda: f(D)) == error_of(lambda: f(T))


# ----------------------------------------------------------------------------- custom jvp
def _classes(L):
    class HostSquareScale(L.autograd.Function):  # type: ignore[name-defined]  # (host maths)
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_forward(x, y)
            ctx.k = k
            xs, ys = x.detach().numpy(), y.detach().numpy()
            return L.tensor(xs * xs * ys * k), L.tensor(xs + ys)

        @staticmethod
        def backward(ctx, g1, g2):
            return None, None, None

        @staticmethod
        def jvp(ctx, tx, ty, tk):
            x, y = ctx.saved_tensors
            return (2 * x * y * tx + x * x * ty) * ctx.k, tx + ty

    class NoJvp(L.autograd.Function):  # type: ignore[name-defined]
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class TwoTangents(NoJvp):
        @staticmethod
        def jvp(ctx, t):
            return t * 3, t
    return HostSquareScale, NoJvp, TwoTangents


def _fw(L):
    import importlib
    return importlib.import_module(L.__name__ + ".autograd.forward_ad")


def test_custom_function_jvp_as_torch():
    # the jvp staticmethod was never called: a forward computed on the host had no tangent
    res: list = []
    for L in (T, D):
        fw, (cls, _, _) = _fw(L), _classes(L)
        x = L.tensor([1.0, 2.0, -1.0], dtype=L.float64)
        y = L.tensor([0.5, 3.0, 2.0], dtype=L.float64)
        with fw.dual_level():
            a, b = cls.apply(fw.make_dual(x, L.tensor([1.0, -1.0, 0.5], dtype=L.float64)), y,
                             2.0)
            res.append([v for o in (a, b) for part in fw.unpack_dual(o)
                        for v in part.tolist()])
    assert res[1] == pytest.approx(res[0])
    assert L.autograd.forward_ad is fw            # (an attribute, as torch.autograd's)


@pytest.mark.parametrize("case", ["no_jvp", "count"])
def test_custom_function_jvp_errors(case):
    def f(L):
        fw, (_, no_jvp, two) = _fw(L), _classes(L)
        with fw.dual_level():
            (no_jvp if case == "no_jvp" else two).apply(fw.make_dual(L.ones(2), L.ones(2)))
    assert error_of(lambda: f(D)) == error_of(lambda: f(T))
