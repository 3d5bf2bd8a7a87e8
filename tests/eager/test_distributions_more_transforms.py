"""torch.distributions.biject_to / transform_to and the transforms they build
(dlcore_eager/distributions/constraint_registry.py, transforms.py: IndependentTransform,
StickBreakingTransform, LowerCholeskyTransform) against real PyTorch 2.13 in float64: the
forward map, log|det J|, inverse, repr and the gradients through them; a logistic-normal
TransformedDistribution on the simplex; registry errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


X = np.array([[0.3, -1.2, 0.5], [2.0, 0.1, -0.4]])


def _outputs(lib):
    D = lib.distributions
    C = D.constraints
    out = {}
    x = lib.tensor(X, requires_grad=True)
    cons = {"real": C.real, "positive": C.positive, "gt": C.greater_than(2.0),
            "lt": C.less_than(-1.0), "interval": C.interval(-2.0, 3.0),
            "unit": C.unit_interval, "real_vector": C.real_vector,
            "nonneg": C.nonnegative, "half_open": C.half_open_interval(0.0, 2.0)}
    for name, c in cons.items():
        for reg in ("biject_to", "transform_to"):
            t = getattr(D, reg)(c)
            y = t(x)
            out[f"{name} {reg}"] = y
            out[f"{name} {reg} ladj"] = t.log_abs_det_jacobian(x, y) * 1.0
            out[f"{name} {reg} inv"] = t.inv(y)
            out[f"{name} {reg} repr"] = repr(t)
    t = D.biject_to(C.simplex)
    y = t(x)
    out.update({"stick": y, "stick ladj": t.log_abs_det_jacobian(x, y), "stick inv": t.inv(y),
                "softmax": D.transform_to(C.simplex)(x)})
    m = lib.tensor(X[:, :2], requires_grad=True)
    t = D.transform_to(C.lower_cholesky)
    out.update({"chol": t(m), "chol inv": t.inv(t(m)), "chol repr": repr(t)})
    loc = lib.tensor([0.2, -0.3], requires_grad=True)
    ln = D.TransformedDistribution(D.Normal(loc, lib.ones(2, dtype=lib.float64)),
                                   [D.StickBreakingTransform()])
    out["logistic normal"] = ln.log_prob(lib.tensor([0.2, 0.5, 0.3], dtype=lib.float64))
    out["shapes"] = repr((tuple(ln.batch_shape), tuple(ln.event_shape),
                          tuple(ln.rsample((4,)).shape)))
    it = D.transforms.IndependentTransform(D.transforms.ExpTransform(), 1)
    out["independent ladj"] = it.log_abs_det_jacobian(x, it(x))
    total = sum((v * (i + 1)).sum() for i, v in enumerate(out.values())
                if not isinstance(v, str))
    total.backward()
    return out, [x.grad.numpy(), m.grad.numpy(), loc.grad.numpy()]


def test_biject_to_transform_to_against_torch():
    (ta, tg), (da, dg) = _outputs(torch), _outputs(dl)
    assert list(ta) == list(da)
    for k in ta:
        if isinstance(ta[k], str):
            assert da[k] == ta[k], k
            continue
        assert tuple(ta[k].shape) == tuple(da[k].shape), k
        np.testing.assert_allclose(da[k].detach().numpy(), ta[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
    for a, b in zip(tg, dg):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-11)


def test_registry_errors_and_register():
    for lib in (torch, dl):
        D = lib.distributions
        with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
            D.biject_to(D.constraints.boolean)
        with pytest.raises(NotImplementedError, match="Cannot transform _LowerCholesky"):
            D.biject_to(D.constraints.lower_cholesky)

    class _Odd(dl.distributions.constraints.Constraint):
        def check(self, value):
            return value >= 0

    reg = dl.distributions.constraint_registry.ConstraintRegistry()
    reg.register(_Odd, lambda c: dl.distributions.transforms.ExpTransform())
    assert isinstance(reg(_Odd()), dl.distributions.transforms.ExpTransform)


A = np.array([0.7, 2.0, 5.0])
B = np.array([1.5, 0.8, 3.5])
P = np.array([0.2, 0.5, 0.9])


def _family(lib, name):
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    d = getattr(lib.distributions, name)(a, b)
    x = lib.tensor(P + 6 if name == "Pareto" else P + 0.1)
    out = {}
    for m in ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance"):
        try:
            v = getattr(d, m)
            out[m] = v(lib.tensor(P) if m == "icdf" else x) if m in ("log_prob", "cdf", "icdf") \
                else v() if m == "entropy" else v
        except NotImplementedError:
            out[m] = "NotImplementedError"
    if name == "InverseGamma":                   # (torch has no d igamma / d a)
        out["cdf"] = out["cdf"].detach()
    out["repr"] = repr(d)
    out["support"] = repr(d.support)
    out["shape"] = repr(tuple(d.rsample((4,)).shape))
    total = sum((v * (i + 1)).sum() for i, v in enumerate(out.values())
                if not isinstance(v, str) and v.requires_grad
                and np.isfinite(v.detach().numpy()).all())
    total.backward()
    return out, [a.grad.numpy(), b.grad.numpy()]


@pytest.mark.parametrize("name", ["FisherSnedecor", "InverseGamma", "Kumaraswamy", "Pareto",
                                  "Weibull"])
def test_transformed_families_against_torch(name):
    (ta, tg), (da, dg) = _family(torch, name), _family(dl, name)
    assert list(ta) == list(da)
    for k in ta:
        if isinstance(ta[k], str):
            assert da[k] == ta[k], k
            continue
        assert tuple(ta[k].shape) == tuple(da[k].shape), k
        np.testing.assert_allclose(da[k].detach().numpy(), ta[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
    for a, b in zip(tg, dg):                     # (torch's trigamma: ~1e-9)
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-12)


def test_transformed_families_samples_and_support():
    dl.manual_seed(0)
    n = 4000
    D = dl.distributions
    for d in (D.Weibull(dl.tensor([1.0, 2.0]), dl.tensor([1.5, 3.0])),
              D.InverseGamma(dl.tensor([5.0, 7.0]), dl.tensor([2.0, 1.0])),
              D.Kumaraswamy(dl.tensor([2.0, 0.5]), dl.tensor([3.0, 1.5])),
              D.FisherSnedecor(dl.tensor([6.0, 8.0]), dl.tensor([12.0, 20.0]))):
        s = d.rsample((n,)).numpy()
        assert s.shape == (n, 2)
        se = np.sqrt(d.variance.numpy() / n)
        assert np.all(np.abs(s.mean(0) - d.mean.numpy()) < 5 * se), type(d).__name__
    for lib in (torch, dl):
        with pytest.raises(ValueError) as e:
            lib.distributions.Pareto(lib.tensor([2.0]), lib.tensor([1.0])).cdf(
                lib.tensor([1.0]))
        assert "to be within the support (GreaterThanEq(lower_bound=" in str(e.value)


def _extra(lib):
    D = lib.distributions
    T = D.transforms
    out = {}
    x = lib.tensor(X, requires_grad=True)
    t = T.SoftplusTransform()
    y = t(x)
    out.update(sp=y, sp_ladj=t.log_abs_det_jacobian(x, y), sp_inv=t.inv(y))
    r = T.ReshapeTransform((3,), (3, 1))
    out.update(rs=r(x), rs_ladj=r.log_abs_det_jacobian(x, r(x)), rs_inv=r.inv(r(x)))
    out["rs shape"] = repr(tuple(r.forward_shape((5, 3))))
    cdt = T.CumulativeDistributionTransform(D.Normal(x[0], x[1].exp()))
    z = lib.tensor([0.1, -0.4, 2.0], dtype=lib.float64)
    out.update(cdt=cdt(z), cdt_ladj=cdt.log_abs_det_jacobian(z, cdt(z)), cdt_inv=cdt.inv(cdt(z)))
    ln = D.LogisticNormal(x[0], x[1].exp())
    out["logistic"] = ln.log_prob(lib.tensor([0.1, 0.2, 0.3, 0.4], dtype=lib.float64))
    out["logistic shapes"] = repr((tuple(ln.batch_shape), tuple(ln.event_shape),
                                   tuple(ln.rsample((2,)).shape), repr(ln.support),
                                   tuple(D.LogisticNormal(0.3, 1.2).event_shape)))
    total = sum((v * (i + 1)).sum() for i, v in enumerate(out.values())
                if not isinstance(v, str))
    total.backward()
    grads = [x.grad.numpy().copy()]
    oh = D.OneHotCategoricalStraightThrough(logits=x)
    s = oh.rsample((3,))
    out["one-hot"] = repr((tuple(s.shape), float(s.detach().sum())))
    x.grad = None
    (s * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
    grads.append(x.grad.numpy())
    C = D.constraints
    m = lib.tensor([[[2.0, 1.0], [1.0, 2.0]], [[1.0, 3.0], [3.0, 1.0]],
                    [[1.0, 0.5], [0.0, 1.0]]])
    out["constraints"] = repr([c.check(v).tolist() for c, v in (
        (C.square, m), (C.symmetric, m), (C.positive_semidefinite, m[:2]),
        (C.multinomial(3), lib.tensor([[1.0, 2.0], [2.0, 2.0]])))])
    return out, grads


def test_softplus_reshape_logistic_normal_straight_through():
    (ta, tg), (da, dg) = _extra(torch), _extra(dl)
    assert list(ta) == list(da)
    for k in ta:
        if isinstance(ta[k], str):
            assert da[k] == ta[k], k
            continue
        np.testing.assert_allclose(da[k].detach().numpy(), ta[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
    for a, b in zip(tg, dg):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
