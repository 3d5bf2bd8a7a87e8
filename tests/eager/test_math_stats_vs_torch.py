"""The math/statistics long tail of the eager front end against PyTorch 2.13: special functions
(torch.*, Tensor.*, torch.special.*), elementwise extras, quantiles, covariance, integration,
gradient, histograms, window functions and the RNG state; values, gradients (torch's autograd
and float64 finite differences) and errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def D(a, grad=False):
    t = dt.tensor(np.asarray(a))
    return t.requires_grad_(True) if grad else t


def R(a, grad=False):
    return torch.tensor(np.asarray(a), requires_grad=grad)


def close(got, want, rtol=1e-10, atol=1e-12):
    g = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    w = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


def raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert msg in str(info.value), str(info.value)


X = np.array([0.3, 1.7, 4.2, 12.5, 30.0, -0.4, -2.6])
P = np.array([1e-12, 1e-3, 0.2, 0.5, 0.9, 1 - 1e-7])

UNARY = [  # (name, how to call on each side, input)
    ("lgamma", lambda m, x: m.lgamma(x), X),
    ("Tensor.lgamma", lambda m, x: x.lgamma(), X),
    ("special.gammaln", lambda m, x: m.special.gammaln(x), X),
    ("digamma", lambda m, x: m.digamma(x), X),
    ("special.psi", lambda m, x: m.special.psi(x), X),
    ("polygamma1", lambda m, x: m.polygamma(1, x), X),
    ("polygamma3", lambda m, x: m.special.polygamma(3, x), X),
    ("Tensor.polygamma2", lambda m, x: x.polygamma(2), X),
    ("i0", lambda m, x: m.i0(x), X),
    ("special.i0e", lambda m, x: m.special.i0e(x), X),
    ("special.i1", lambda m, x: m.special.i1(x), X),
    ("special.i1e", lambda m, x: m.special.i1e(x), X),
    ("special.erfcx", lambda m, x: m.special.erfcx(x), np.r_[X, -5.0, 11.9, 12.1, 40.0]),
    ("special.ndtri", lambda m, x: m.special.ndtri(x), P),
    ("special.ndtr", lambda m, x: m.special.ndtr(x), X),
    ("special.log_ndtr", lambda m, x: m.special.log_ndtr(x), np.r_[X, -40.0, -1.0, 8.0]),
    ("special.entr", lambda m, x: m.special.entr(x), np.r_[X, 0.0]),
    ("logit", lambda m, x: m.logit(x), P),
    ("special.logit_eps", lambda m, x: m.special.logit(x, eps=0.01), P),
    ("mvlgamma", lambda m, x: m.mvlgamma(x, 3), X[X > 1.1]),
    ("special.multigammaln", lambda m, x: m.special.multigammaln(x, 2), X[X > 0.6]),
    ("special.sinc", lambda m, x: m.special.sinc(x), np.r_[X, 0.0]),
    ("deg2rad", lambda m, x: m.deg2rad(x), X),
    ("Tensor.rad2deg", lambda m, x: x.rad2deg(), X),
    ("special.zeta", lambda m, x: m.special.zeta(x + 2.0, x * x + 0.5), X),
    ("special.xlog1py", lambda m, x: m.special.xlog1py(x, x * x), X),
    ("igamma", lambda m, x: m.igamma(x.detach() ** 2 + 0.5, x * x), X),
    ("special.gammaincc", lambda m, x: m.special.gammaincc(x.detach() ** 2 + 0.2, x * x + 1.0),
     X),
    ("special.xlogy", lambda m, x: m.special.xlogy(x, x * x), X),
    ("float_power", lambda m, x: m.float_power(x, 2.5), np.abs(X)),
    ("copysign", lambda m, x: m.copysign(x, -x.flip(0)), X),
    ("ldexp", lambda m, x: m.ldexp(x, (x * 0 + 3)), X),
]


@pytest.mark.parametrize("name,call,x", UNARY, ids=[u[0] for u in UNARY])
def test_values_and_gradients_float64(name, call, x):
    ours, theirs = call(dt, D(x, True)), call(torch, R(x, True))
    close(ours, theirs, rtol=1e-9)
    if not theirs.requires_grad or name.startswith("special.zeta"):
        return
    g = np.linspace(0.5, 1.5, theirs.numel()).reshape(tuple(theirs.shape))
    xo, xt = D(x, True), R(x, True)
    call(dt, xo).backward(D(g))
    call(torch, xt).backward(R(g))
    want = xt.grad.numpy()
    if name == "special.entr":   # torch: nan below 0 and inf at 0 (-(1 + log x)); dlcore: 0
        want = np.where(np.isfinite(want), want, 0.0)
    np.testing.assert_allclose(xo.grad.numpy(), want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name,call,x", UNARY[:16], ids=[u[0] for u in UNARY[:16]])
def test_values_float32(name, call, x):
    x = x.astype(np.float32)
    close(call(dt, D(x)), call(torch, R(x)), rtol=2e-5, atol=1e-6)


def _fd(f, x, g, eps=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = eps
        out.flat[i] = np.sum(g * (f(x + d) - f(x - d))) / (2 * eps)
    return out


@pytest.mark.parametrize("name", ["lgamma", "digamma", "i1", "i1e", "erfcx", "ndtri",
                                  "log_ndtr", "zeta_q"])
def test_gradients_by_finite_differences(name):
    f = {"lgamma": dt.lgamma, "digamma": dt.digamma, "i1": dt.special.i1,
         "i1e": dt.special.i1e, "erfcx": dt.special.erfcx, "ndtri": dt.special.ndtri,
         "log_ndtr": dt.special.log_ndtr,
         "zeta_q": lambda q: dt.special.zeta(D(np.full(q.shape, 3.5)), q)}[name]
    x = P[1:-1] if name == "ndtri" else np.array([0.0, 0.7, 2.5, -1.3]) if name in \
        ("i1", "i1e", "log_ndtr") else np.array([0.4, 1.3, 3.7, 20.0])
    g = np.array([0.3, -1.2, 0.8, 1.5])[:x.size]
    xt = D(x, True)
    f(xt).backward(D(g))
    want = _fd(lambda v: f(D(v)).detach().numpy(), x, g)
    np.testing.assert_allclose(xt.grad.numpy(), want, rtol=1e-6, atol=1e-8)


def test_special_edge_values():
    close(dt.lgamma(D([0.0, -1.0, -np.inf, np.inf])), torch.lgamma(R([0.0, -1.0, -np.inf,
                                                                         np.inf])))
    close(dt.digamma(D([0.0, -0.0, -2.0, np.inf])), torch.digamma(R([0.0, -0.0, -2.0, np.inf])))
    close(dt.special.zeta(D([1.0, 0.5, 2.0, 2.0]), D([1.0, 1.0, -1.0, -1.5])),
          torch.special.zeta(R([1.0, 0.5, 2.0, 2.0]), R([1.0, 1.0, -1.0, -1.5])))
    close(dt.special.ndtri(D([0.0, 1.0, -0.1])), torch.special.ndtri(R([0.0, 1.0, -0.1])))
    close(dt.special.xlog1py(D([0.0, 0.0, 1.0]), D([np.nan, -1.0, -1.0])),
          torch.special.xlog1py(R([0.0, 0.0, 1.0]), R([np.nan, -1.0, -1.0])))
    ints = [1, 2, 5]
    close(dt.lgamma(dt.tensor(ints)), torch.lgamma(torch.tensor(ints)), rtol=1e-6)
    close(dt.special.zeta(dt.tensor([2.0, 3.0]), 1.0),
          torch.special.zeta(torch.tensor([2.0, 3.0]), 1.0), rtol=1e-6)


@pytest.mark.parametrize("name", ["modified_bessel_i0", "modified_bessel_i1",
                                  "spherical_bessel_j0"])
def test_special_aliases(name):
    x = np.r_[X, 0.0, 40.0]
    close(getattr(dt.special, name)(D(x)), getattr(torch.special, name)(R(x)), rtol=1e-12)


def test_elementwise_extras():
    x = np.array([-2.5, -0.0, 0.0, 1.0, 3.0])
    m, e = dt.frexp(D(x))
    tm, te = torch.frexp(R(x))
    close(m, tm)
    close(e, te)
    close(dt.nextafter(D(x), D(np.full(5, 10.0))), torch.nextafter(R(x), R(np.full(5, 10.0))))
    close(dt.heaviside(D(x), D([0.5])), torch.heaviside(R(x), R([0.5])))
    close(dt.copysign(D(x), -0.0), torch.copysign(R(x), -0.0))
    close(dt.float_power(dt.tensor([2, 3]), 2), torch.float_power(torch.tensor([2, 3]), 2))
    close(dt.deg2rad(dt.tensor([180])), torch.deg2rad(torch.tensor([180])), rtol=1e-6)
    xo, xt = D(x, True), R(x, True)
    dt.copysign(xo, D([1.0, -1.0, 1.0, -1.0, -0.0])).sum().backward()
    torch.copysign(xt, R([1.0, -1.0, 1.0, -1.0, -0.0])).sum().backward()
    close(xo.grad, xt.grad)


def test_more_elementwise():
    a = np.array([1.0, np.nan, np.nan, -0.0, 0.0, -np.inf, np.inf, -3.5])
    b = np.array([np.nan, 2.0, np.nan, 1.0, -1.0, 3.0, 4.0, -3.0])
    for name in ("fmax", "fmin", "logaddexp2"):
        close(getattr(dt, name)(D(a), D(b)), getattr(torch, name)(R(a), R(b)))
    for name in ("signbit", "isposinf", "isneginf", "isreal", "positive", "msort"):
        close(getattr(dt, name)(D(a)), getattr(torch, name)(R(a)))
    close(dt.clamp_min(D(a), 0.5), torch.clamp_min(R(a), 0.5))
    close(D(a).clamp_max(0.5), R(a).clamp_max(0.5))
    i, j = np.array([4, 6, 0, -9, 7]), np.array([6, 0, 0, 6, 3])
    close(dt.gcd(D(i), D(j)), torch.gcd(R(i), R(j)))
    close(D(i).lcm(D(j)), R(i).lcm(R(j)))
    x = np.array([[1.0, -2, 3], [0.1, 0.2, -0.3], [2.0, 0.0, 0.5]])
    for p, dim, mx in [(2, 0, 1.0), (1, 1, 0.5), (3.0, -1, 2.0)]:
        xo, xt = D(x, True), R(x, True)
        yo, yt = dt.renorm(xo, p, dim, mx), torch.renorm(xt, p, dim, mx)
        close(yo, yt)
        (yo * D(x)).sum().backward()
        (yt * R(x)).sum().backward()
        close(xo.grad, xt.grad, rtol=1e-9)
    xo, xt = D(b[3:], True), R(b[3:], True)
    dt.fmax(xo, D(a[3:])).sum().backward()
    torch.fmax(xt, R(a[3:])).sum().backward()
    close(xo.grad, xt.grad)
    raises(NotImplementedError, '"gcd_cpu" not implemented for \'Double\'',
           lambda: dt.gcd(D([1.0]), D([2.0])))
    raises(RuntimeError, "The `+` operator, on a bool tensor is not supported.",
           lambda: dt.positive(dt.tensor([True])))
    raises(RuntimeError, "renorm: non-positive-norm not supported",
           lambda: dt.renorm(D(x), -1, 0, 1.0))
    raises(RuntimeError, "renorm: expected maxnorm to be >= 0 but got -1",
           lambda: dt.renorm(D(x), 2, 0, -1.0))


@pytest.mark.parametrize("name,args", [
    ("deg2rad_", ()), ("rad2deg_", ()), ("copysign_", ("o",)), ("ldexp_", ("o",)),
    ("heaviside_", ("o",)), ("nextafter_", ("o",)), ("clamp_min_", (0.5,)),
    ("clamp_max_", (0.5,)), ("renorm_", (2, 0, 1.0)), ("float_power_", (2.0,))])
def test_inplace_forms(name, args):
    x = np.array([[0.3, -1.5, 2.5], [1.0, 0.0, -3.0]])
    o = np.array([[-1.0, 2.0, 0.5], [0.0, 1.0, -2.0]])
    a, b = D(x), R(x)
    assert getattr(a, name)(*[D(o) if v == "o" else v for v in args]) is a
    getattr(b, name)(*[R(o) if v == "o" else v for v in args])
    close(a, b)
    if name in ("heaviside_", "nextafter_"):      # no gradient (torch: raises / zeros)
        return
    xo, xt = D(x, True), R(x, True)
    yo, yt = xo * 1.0, xt * 1.0
    getattr(yo, name)(*[D(o) if v == "o" else v for v in args])
    getattr(yt, name)(*[R(o) if v == "o" else v for v in args])
    if yt.requires_grad:
        yo.backward(D(o))
        yt.backward(R(o))
        close(xo.grad, xt.grad)


def test_inplace_errors():
    raises(RuntimeError, "the base given to float_power_ has dtype Float but the operation's "
           "result requires dtype Double", lambda: dt.tensor([1.0, 2.0]).float_power_(2))
    raises(RuntimeError, "renorm: input needs at least 2 dimensions, got 1 dimensions",
           lambda: dt.tensor([1.0, 2.0]).renorm_(2, 0, 1.0))
    i = dt.tensor([4, 6])
    i.gcd_(dt.tensor([6, 4]))
    close(i, torch.tensor([2, 2]))


# ----------------------------------------------------------------------------- statistics
DATA = np.array([[1.0, 5.0, 3.0, 2.0, 7.5], [4.0, np.nan, 6.0, 0.5, 2.0],
                 [9.0, 8.0, 0.0, 1.5, 3.5]])


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile(fn, interp):
    qs = [0.35, R([0.0, 0.25, 0.5, 1.0])]
    for q in qs:
        for dim, keep in [(None, False), (None, True), (1, False), (0, True), (-1, True)]:
            qo = D(q.numpy()) if isinstance(q, torch.Tensor) else q
            xo, xt = D(DATA, True), R(DATA, True)
            ours = getattr(dt, fn)(xo, qo, dim=dim, keepdim=keep, interpolation=interp)
            theirs = getattr(torch, fn)(xt, q, dim=dim, keepdim=keep, interpolation=interp)
            close(ours, theirs)
            g = np.arange(1.0, theirs.numel() + 1).reshape(tuple(theirs.shape))
            ours.backward(D(g))
            theirs.backward(R(g))
            close(xo.grad, xt.grad)
    close(getattr(dt.Tensor, fn)(D(DATA[0].astype(np.float32)), 0.4),
          getattr(torch.Tensor, fn)(R(DATA[0].astype(np.float32)), 0.4))


def test_nanmedian():
    for dim in (0, 1, -1):
        for keep in (False, True):
            v, i = dt.nanmedian(D(DATA), dim, keep)
            tv, ti = torch.nanmedian(R(DATA), dim, keep)
            close(v, tv)
            close(i, ti)
    close(dt.nanmedian(D(DATA)), torch.nanmedian(R(DATA)))
    xo, xt = D(DATA, True), R(DATA, True)
    dt.nanmedian(xo, 1).values.sum().backward()
    torch.nanmedian(xt, 1).values.sum().backward()
    close(xo.grad, xt.grad)


def test_cov_corrcoef():
    x = np.random.default_rng(0).standard_normal((3, 6))
    fw, aw = np.array([1, 2, 1, 3, 1, 2]), np.array([0.5, 1.0, 2.0, 0.3, 1.2, 0.7])
    for kw in [{}, {"correction": 0}, {"correction": 2}]:
        for weights in [{}, {"fweights": fw}, {"aweights": aw}, {"fweights": fw, "aweights": aw}]:
            close(dt.cov(D(x), **kw, **{k: D(v) for k, v in weights.items()}),
                  torch.cov(R(x), **kw, **{k: R(v) for k, v in weights.items()}))
    close(dt.cov(D(x[0])), torch.cov(R(x[0])))
    close(dt.corrcoef(D(x)), torch.corrcoef(R(x)))
    xo, xt = D(x, True), R(x, True)
    (dt.corrcoef(xo) * D(np.arange(9.0).reshape(3, 3))).sum().backward()
    (torch.corrcoef(xt) * R(np.arange(9.0).reshape(3, 3))).sum().backward()
    close(xo.grad, xt.grad, rtol=1e-9)


def test_integration_and_gradient():
    y = np.random.default_rng(1).standard_normal((3, 5))
    xs = np.array([0.0, 0.5, 1.5, 2.0, 4.0])
    for f in ("trapezoid", "cumulative_trapezoid"):
        close(getattr(dt, f)(D(y)), getattr(torch, f)(R(y)))
        close(getattr(dt, f)(D(y), D(xs)), getattr(torch, f)(R(y), R(xs)))
        close(getattr(dt, f)(D(y), dx=0.3, dim=0), getattr(torch, f)(R(y), dx=0.3, dim=0))
        close(getattr(dt, f)(D(y), D(y * 2), dim=0), getattr(torch, f)(R(y), R(y * 2), dim=0))
    close(dt.trapz(D(y), dx=2.0), torch.trapz(R(y), dx=2.0))
    yo, yt = D(y, True), R(y, True)
    dt.cumulative_trapezoid(yo, D(xs)).sum().backward()
    torch.cumulative_trapezoid(yt, R(xs)).sum().backward()
    close(yo.grad, yt.grad)
    for kw in [{}, {"spacing": 2.0}, {"spacing": [0.5, 2.0]}, {"dim": 1}, {"dim": [1, 0]},
               {"edge_order": 2}, {"spacing": [R([0.0, 1.0, 3.0]), R(xs)], "edge_order": 2},
               {"spacing": [R(xs)], "dim": 1}]:
        ours_kw = {k: ([D(s.numpy()) if isinstance(s, torch.Tensor) else s for s in v]
                       if isinstance(v, list) and k == "spacing" else v) for k, v in kw.items()}
        got, want = dt.gradient(D(y), **ours_kw), torch.gradient(R(y), **kw)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            close(a, b)


def test_counting_and_histograms():
    i = np.array([0, 3, 3, 1, 7])
    w = np.array([0.5, 1.0, 2.0, -1.0, 3.0])
    close(dt.bincount(D(i)), torch.bincount(R(i)))
    close(dt.bincount(D(i), minlength=10), torch.bincount(R(i), minlength=10))
    close(dt.bincount(D(i), D(w)), torch.bincount(R(i), R(w)))
    close(dt.bincount(D(i), D(w.astype(np.float32))), torch.bincount(R(i), R(w.astype(
        np.float32))))
    close(D(i).bincount(), R(i).bincount())
    close(dt.bincount(dt.tensor([], dtype=dt.int64)), torch.bincount(torch.tensor(
        [], dtype=torch.int64)))
    x = np.array([0.13, 0.9, 2.7, 1.2, 1.3, 4.1, -0.6, 2.2])
    for args in [(), (4,), (5, 0.0, 3.0)]:
        close(dt.histc(D(x), *args), torch.histc(R(x), *args))
    close(dt.histc(D([1.0, 1.0]), bins=4), torch.histc(R([1.0, 1.0]), bins=4))
    for bins, kw in [(4, {}), (3, {"range": (0.0, 3.0)}), (5, {"density": True}),
                     (3, {"weight": np.linspace(0.1, 1.0, 8)}),
                     (R([-1.0, 0.0, 2.5, 5.0]), {"density": True})]:
        ob = D(bins.numpy()) if isinstance(bins, torch.Tensor) else bins
        okw = {k: (D(v) if k == "weight" else v) for k, v in kw.items()}
        tkw = {k: (R(v) if k == "weight" else v) for k, v in kw.items()}
        h, e = dt.histogram(D(x), ob, **okw)
        th, te = torch.histogram(R(x), bins, **tkw)
        close(h, th)
        close(e, te)


def test_histograms_float32():
    """Counts equal torch's; float32 edges within an ulp (torch's vectorised linspace rounds
    chunk by chunk, by the CPU's vector width)."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = (rng.standard_normal(50) * rng.uniform(0.1, 100)).astype(np.float32)
        bins = int(rng.integers(1, 30))
        h, e = dt.histogram(D(x), bins)
        th, te = torch.histogram(R(x), bins)
        close(h, th)
        close(e, te, rtol=0, atol=float(np.abs(te.numpy()).max()) * 2.4e-7)
        close(dt.histc(D(x), bins), torch.histc(R(x), bins))


# ----------------------------------------------------------------------------- windows, RNG
@pytest.mark.parametrize("name,kw", [("hann_window", {}), ("hamming_window", {}),
                                     ("hamming_window", {"alpha": 0.5, "beta": 0.5}),
                                     ("blackman_window", {}), ("bartlett_window", {}),
                                     ("kaiser_window", {}), ("kaiser_window", {"beta": 4.0})])
def test_windows(name, kw):
    for n in (0, 1, 2, 5, 8):
        for periodic in (True, False):
            close(getattr(dt, name)(n, periodic, **kw, dtype=dt.float64),
                  getattr(torch, name)(n, periodic, **kw, dtype=torch.float64))
            close(getattr(dt, name)(n, periodic, **kw), getattr(torch, name)(n, periodic, **kw),
                  rtol=1e-6, atol=1e-6)


def test_rng_state_round_trip():
    dt.manual_seed(5)
    state = dt.get_rng_state()
    assert state.dtype == dt.uint8 and state.dim() == 1
    a = dt.randn(4)
    dt.rand(3)
    dt.set_rng_state(state)
    close(dt.randn(4), a)
    dt.random.set_rng_state(state)
    close(dt.randn(4), a)
    with dt.random.fork_rng():
        dt.rand(10)
    assert dt.random.get_rng_state().numpy().tobytes() != state.numpy().tobytes()
    g = dt.Generator().manual_seed(7)
    dt.rand(2, generator=g)
    st = g.get_state()
    b = dt.rand(3, generator=g)
    g.set_state(st)
    close(dt.rand(3, generator=g), b)
    assert g.initial_seed() == 7


def test_errors():
    x = D(DATA)
    raises(RuntimeError, "quantile() q must be in the range [0, 1] but got 1.5",
           lambda: dt.quantile(x, 1.5))
    raises(RuntimeError, "q must be a scalar or 1D tensor", lambda: dt.quantile(x, D([[0.5]])))
    raises(RuntimeError, "interpolation must be one of linear, lower, higher, midpoint or "
           "nearest, but got foo", lambda: dt.quantile(x, 0.5, interpolation="foo"))
    raises(RuntimeError, "quantile() input tensor must be either float or double dtype",
           lambda: dt.quantile(dt.tensor([1, 2]), 0.5))
    raises(RuntimeError, "q tensor must be same dtype as the input tensor",
           lambda: dt.quantile(x, dt.tensor([0.5])))
    raises(IndexError, "Dimension out of range", lambda: dt.quantile(x, 0.5, dim=2))
    raises(RuntimeError, "nanquantile() q must be in the range [0, 1] but got -0.1",
           lambda: dt.nanquantile(x, -0.1))
    raises(RuntimeError, "quantile() input tensor must be non-empty",
           lambda: dt.quantile(dt.tensor([]), 0.5))
    raises(RuntimeError, "bincount only supports 1-d non-negative integral inputs.",
           lambda: dt.bincount(dt.tensor([1, -1])))
    raises(RuntimeError, "minlength should be >= 0", lambda: dt.bincount(dt.tensor([1]),
                                                                          minlength=-1))
    raises(RuntimeError, "weights should be 1-d and have the same length as input",
           lambda: dt.bincount(dt.tensor([1, 2]), dt.tensor([1.0])))
    raises(RuntimeError, "torch.histogram(): bins must be > 0, but got -1 for dimension 0",
           lambda: dt.histc(dt.tensor([1.0]), bins=-1))
    raises(RuntimeError, "torch.histc: max must be larger than min",
           lambda: dt.histc(dt.tensor([1.0]), min=3, max=1))
    raises(RuntimeError, "cov(): expected input to have two or fewer dimensions but got an "
           "input with 3 dimensions", lambda: dt.cov(dt.zeros(2, 2, 2)))
    raises(RuntimeError, "cov(): expected fweights to have integral dtype but got fweights "
           "with Float dtype", lambda: dt.cov(x, fweights=dt.ones(5)))
    raises(RuntimeError, "cov(): aweights cannot be negative",
           lambda: dt.cov(x, aweights=dt.tensor([1.0, -2, 3, 1, 1])))
    raises(RuntimeError, "expected fweights to have the same numel as there are observations "
           "in the input but got 2 != 5", lambda: dt.cov(x, fweights=dt.tensor([1, 2])))
    raises(RuntimeError, "trapezoid: There must be one `x` value for each sample point",
           lambda: dt.trapezoid(x, dt.tensor([1.0, 2.0])))
    raises(RuntimeError, "torch.gradient expected each dimension size to be at least "
           "edge_order+1", lambda: dt.gradient(dt.tensor([1.0])))
    raises(RuntimeError, "torch.gradient only supports edge_order=1 and edge_order=2.",
           lambda: dt.gradient(x, edge_order=3))
    raises(RuntimeError, "but got a list of length 3", lambda: dt.gradient(x, spacing=[1, 2, 3]))
    raises(RuntimeError, "dim 0 appears multiple times in the list of dims",
           lambda: dt.gradient(x, dim=[0, 0]))
    raises(RuntimeError, "hann_window requires non-negative window_length, got "
           "window_length=-1", lambda: dt.hann_window(-1))
    raises(RuntimeError, "kaiser_window expects floating point dtypes",
           lambda: dt.kaiser_window(4, dtype=dt.int64))
    raises(RuntimeError, "torch.frexp() only supports floating-point dtypes",
           lambda: dt.frexp(dt.tensor([1, 2])))
    raises(RuntimeError, "heaviside is not yet implemented for tensors with different dtypes.",
           lambda: dt.heaviside(dt.tensor([1.0]), dt.tensor([1.0], dtype=dt.float64)))
    raises(RuntimeError, "polygamma(n, x) does not support negative n.",
           lambda: dt.polygamma(-1, x))
    raises(RuntimeError, "p has to be greater than or equal to 1", lambda: dt.mvlgamma(x, 0))
    raises(TypeError, "RNG state must be a torch.ByteTensor",
           lambda: dt.set_rng_state(dt.zeros(48)))
    before = dt.get_rng_state()
    raises(RuntimeError, "Expected a CPUGeneratorImplState of size 5056 but found the input "
           "RNG state size to be 5", lambda: dt.set_rng_state(dt.zeros(5, dtype=dt.uint8)))
    assert dt.get_rng_state().numpy().tobytes() == before.numpy().tobytes()
    raises(RuntimeError, "Invalid mt19937 state",
           lambda: dt.set_rng_state(dt.zeros(5056, dtype=dt.uint8)))
    assert dt.get_rng_state().numpy().tobytes() == before.numpy().tobytes()
    ok = dt.Generator()
    raises(RuntimeError, "Expected a CPUGeneratorImplState", lambda: ok.set_state(
        dt.zeros(3, dtype=dt.uint8)))
