"""torch.distributions VonMises (and the matrix families next to it) against real PyTorch 2.13:
log_prob, mean, mode, variance (float32 and float64, values and the gradient of log_prob),
samples after manual_seed (torch's numbers: the uniforms are its stream), validation errors in
PyTorch's wording."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")



@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_von_mises_values_and_samples_match_torch(dtype):
    loc, kappa = [0., 1., -2., 3.], [.5, 4., 1e-6, 10.]
    x = [.3, .2, 3., -3.]
    res = {}
    for lib in (torch, dl):
        dt = getattr(lib, dtype)
        k = lib.tensor(kappa, dtype=dt, requires_grad=True)
        d = lib.distributions.VonMises(lib.tensor(loc, dtype=dt), k)
        lp = d.log_prob(lib.tensor(x, dtype=dt))
        lp.sum().backward()
        lib.manual_seed(0)
        res[lib.__name__] = [lp.detach().numpy(), k.grad.numpy(), d.mean.detach().numpy(),
                             d.mode.detach().numpy(), d.variance.detach().numpy(),
                             d.sample((3,)).numpy(), d.sample().numpy(), lib.rand(2).numpy()]
    tol = 1e-5 if dtype == "float32" else 1e-12
    for w, g in zip(res["torch"], res["dlcore_eager"]):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_von_mises_errors_and_shapes():
    d = dl.distributions.VonMises(dl.zeros(2), dl.ones(2))
    assert d.has_rsample is False
    assert tuple(d.expand((3, 2)).sample((4,)).shape) == (4, 3, 2)
    for lib in (torch, dl):
        with pytest.raises(ValueError, match="concentration") as err:
            lib.distributions.VonMises(lib.zeros(1), -lib.ones(1))
        assert "GreaterThan(lower_bound=0.0)" in str(err.value)


@pytest.mark.parametrize("dim,conc", [(2, 1.0), (3, [0.5, 2.0])])
def test_lkj_cholesky_matches_torch(dim, conc):
    res = {}
    for lib in (torch, dl):
        c = lib.tensor(conc, requires_grad=True)
        d = lib.distributions.LKJCholesky(dim, c)
        lib.manual_seed(0)
        s = d.sample((2,))
        lp = d.log_prob(s)
        lp.sum().backward()
        res[lib.__name__] = [s.numpy(), lp.detach().numpy(), c.grad.numpy(), lib.rand(2).numpy(),
                             np.array(d.expand((4,) + tuple(c.shape)).sample().shape),
                             np.array(d.support.check(s).numpy())]
        assert repr(d).startswith("LKJCholesky(concentration: ")
    for w, g in zip(res["torch"], res["dlcore_eager"]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_lkj_cholesky_errors():
    for lib in (torch, dl):
        with pytest.raises(ValueError, match="Expected dim to be an integer greater than or "
                                             "equal to 2. Found dim=1."):
            lib.distributions.LKJCholesky(1)
        with pytest.raises(ValueError, match="concentration"):
            lib.distributions.LKJCholesky(2, lib.tensor(-1.0))
        with pytest.raises(ValueError, match="CorrCholesky"):
            lib.distributions.LKJCholesky(2).log_prob(2 * lib.eye(2))


def _wishart(lib, kind, shape, df):
    S = lib.tensor([[2., .5, .1], [.5, 1., .2], [.1, .2, 1.5]], dtype=lib.float64)
    dfv = lib.tensor(df, dtype=lib.float64, requires_grad=True)
    d = lib.distributions.Wishart(dfv, **{kind: S if kind != "scale_tril"
                                          else lib.linalg.cholesky(S)})
    lib.manual_seed(0)
    with pytest.warns(UserWarning, match="Singular sample detected."):   # (torch 2.13's check)
        s = d.rsample(shape)
    lp = d.log_prob(s.detach())
    lp.sum().backward()
    return [s.detach().numpy(), lp.detach().numpy(), dfv.grad.numpy(),
            d.entropy().detach().numpy(), d.mean.detach().numpy(), d.mode.detach().numpy(),
            d.variance.detach().numpy(), lib.rand(2).numpy(),
            np.array(d.expand((2,) + tuple(dfv.shape)).sample().shape)]


@pytest.mark.parametrize("kind,shape,df", [("covariance_matrix", (2,), 4.),
                                           ("precision_matrix", (), [4., 5.]),
                                           ("scale_tril", (2,), 6.)])
def test_wishart_matches_torch(kind, shape, df):
    with pytest.warns(UserWarning, match="Singular sample detected."):
        want, got = _wishart(torch, kind, shape, df), _wishart(dl, kind, shape, df)
    for w, g in zip(want, got):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_wishart_errors():
    for lib in (torch, dl):
        S = lib.eye(2)
        with pytest.raises(AssertionError, match="Exactly one of covariance_matrix or "
                                                 "precision_matrix or scale_tril"):
            lib.distributions.Wishart(3., S, scale_tril=S)
        with pytest.raises(ValueError, match=r"Value of df=0.5 expected to be greater than "
                                             r"ndim - 1 = 1."):
            lib.distributions.Wishart(0.5, S)
        with pytest.warns(UserWarning, match="Low df values detected"):
            lib.distributions.Wishart(1.5, S)


@pytest.mark.skipif(not dl.cuda.is_available(), reason="no CUDA device (or NUMBA_ENABLE_CUDASIM)")
def test_on_cuda_tensors():
    """CUDA parameters: the draws (host draws of the stream, copied), densities and
    Tensor.diag_embed (which Wishart's sampler uses) stay on the device."""
    import warnings
    D = dl.distributions
    v = dl.tensor([[1., 2.], [3., float("inf")]]).cuda()
    e = v.diag_embed()
    assert e.is_cuda and np.array_equal(e.cpu().numpy()[1], [[3., 0.], [0., np.inf]])
    dists = [D.VonMises(dl.tensor([1., 2.]).cuda(), dl.tensor([1., 3.]).cuda()),
             D.LKJCholesky(2, dl.tensor(1.5).cuda())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dists.append(D.Wishart(dl.tensor(3.).cuda(), precision_matrix=dl.eye(2).cuda()))
        for d in dists:
            s = d.sample()
            assert s.is_cuda and d.log_prob(s).is_cuda


def test_corr_cholesky_transform_and_tril_utils_match_torch():
    res = {}
    for lib in (torch, dl):
        D = lib.distributions
        t = D.biject_to(D.constraints.corr_cholesky)
        assert type(t).__name__ == "CorrCholeskyTransform"
        assert type(D.transform_to(D.constraints.corr_cholesky)).__name__ == \
            "CorrCholeskyTransform"
        x = lib.tensor([[.3, -1.2, 2.], [0.1, 0.2, -0.3]], dtype=lib.float64,
                       requires_grad=True)
        y = t(x)
        ld = t.log_abs_det_jacobian(x, y)
        (y.sum() + ld.sum()).backward()
        res[lib.__name__] = [y.detach().numpy(), ld.detach().numpy(), t.inv(y).detach().numpy(),
                             x.grad.numpy(), np.array(t.forward_shape((2, 6))),
                             np.array(t.inverse_shape((4, 4))),
                             D.constraints.corr_cholesky.check(y).numpy(),
                             D.utils.tril_matrix_to_vec(y, -1).detach().numpy(),
                             D.utils.vec_to_tril_matrix(x, 0).detach().numpy()]
        with pytest.raises(ValueError, match="Input is not a flattened lower-diagonal number"):
            t.forward_shape((4,))
    for w, g in zip(res["torch"], res["dlcore_eager"]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
