"""Gradients at the edges of the domain, per front end (session 18, mendeager).

* pow: both conventions live in the primitive (dlcore/ops/power.py): the eager front end takes
  PyTorch's (``vjp_conventions["torch"]``), the static front end TensorFlow's (``vjp``);
* acosh: TensorFlow's ``g / sinh(y)`` (NaN for x <= -1) in static, PyTorch's
  ``g / sqrt(x^2 - 1)`` (finite below -1) in eager;
* complex asin/acos/asinh/acosh at their singular points: PyTorch's nan+nanj;
* ``gradgradcheck``'s default grad_outputs: PyTorch 2.13's draw (``testing.make_tensor`` in
  [-1, 1) from the global generator), so ``manual_seed`` fixes them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf

torch = pytest.importorskip("torch")


def _grads(L, fn, xs, gs, dtype="float64"):
    x = L.tensor(xs, dtype=getattr(L, dtype), requires_grad=True)
    g = L.tensor(gs, dtype=getattr(L, dtype))
    fn(L, x).backward(g)
    return x.grad.detach().numpy()


def _static_grads(fn, xs, gs):
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float64, [len(xs)])
        c = tf.placeholder(tf.float64, [len(xs)])
        (gr,) = tf.gradients(fn(p), [p], grad_ys=[c])
        with tf.Session() as s:
            return s.run(gr, {p: xs, c: gs})


# ----------------------------------------------------------------------------- pow
def test_pow_conventions_are_the_primitive_s():
    from dlcore.ops import power
    from dlcore.ops.power import pow_p
    from dlcore.registry import convention_rules
    from dlcore_eager._graph import EAGER_VJPS, eager_vjp
    assert convention_rules("torch")[pow_p] is power.torch_pow_vjp
    assert EAGER_VJPS[pow_p] is power.torch_pow_vjp is eager_vjp(pow_p)
    assert pow_p.vjp.__wrapped__ is power._pow_vjp        # (complex_ops' wrapper over TF's)


_BASES = [0.0, -0.0, 0.0, 0.0, -1.5, -2.0, 2.0, 0.5, 0.0, 3.0]
_EXPS = [0.0, 0.0, 2.0, -1.0, 2.0, 0.5, 0.0, -1.0, 0.5, 1.0]
_COT = [1.0, -2.0, 0.5, 1.5, -1.0, 2.0, 0.25, -0.75, 3.0, 1.0]


def _pow_grads(L):
    a = L.tensor(_BASES, dtype=L.float64, requires_grad=True)
    b = L.tensor(_EXPS, dtype=L.float64, requires_grad=True)
    (a ** b).backward(L.tensor(_COT, dtype=L.float64))
    return a.grad.detach().numpy(), b.grad.detach().numpy()


def test_pow_eager_gradients_are_torch_s_at_the_edges():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got, want = _pow_grads(dl), _pow_grads(torch)
    for x, y in zip(got, want):
        np.testing.assert_array_equal(x, y)       # (NaN, inf and the zeros' places too)


def test_pow_static_gradients_are_tensorflow_s():
    """TF1's _PowGrad: da = g b a^(b - 1) everywhere (NaN at 0^0's 0 * 0^-1), db = g y log_a
    with log_a = log a where a > 0, else 0: NaN where y is inf (0^-1) or NaN ((-2)^0.5)."""
    a, b, g = (np.array(v) for v in (_BASES, _EXPS, _COT))
    with tf.Graph().as_default():
        pa, pb, pg = (tf.placeholder(tf.float64, [len(a)]) for _ in range(3))
        da, db = tf.gradients(tf.pow(pa, pb), [pa, pb], grad_ys=[pg])
        with tf.Session() as s:
            got_a, got_b = s.run([da, db], {pa: a, pb: b, pg: g})
    with np.errstate(all="ignore"):
        want_a = g * b * a ** (b - 1)
        want_b = g * a ** b * np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0.0)
    np.testing.assert_array_equal(got_a, want_a)
    np.testing.assert_allclose(got_b, want_b, rtol=1e-15)
    assert np.isnan(got_a[0]) and got_b[4] == 0 and np.isnan(got_b[3])  # (torch: 0, nan, -inf)


# ----------------------------------------------------------------------------- acosh
_AX = [-2.0, -1.0, 0.5, 1.0, 3.0, 1.5]
_AG = [1.0, 1.0, -1.0, -2.0, 0.5, 0.0]


def test_acosh_eager_gradient_is_torch_s_below_minus_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = _grads(dl, lambda L, x: L.acosh(x), _AX, _AG)
        want = _grads(torch, lambda L, x: L.acosh(x), _AX, _AG)
    np.testing.assert_allclose(got, want, rtol=1e-15, equal_nan=True)
    assert np.isfinite(got[0]) and got[1] == np.inf           # (finite below -1, inf at -1)
    x = dl.tensor([-2.0, 3.0], dtype=dl.float64, requires_grad=True)
    xt = torch.tensor([-2.0, 3.0], dtype=torch.float64, requires_grad=True)
    second = []
    for L, v in ((dl, x), (torch, xt)):
        (g1,) = L.autograd.grad(L.acosh(v).sum(), v, create_graph=True)
        (g2,) = L.autograd.grad(g1.sum(), v)
        second.append(g2.detach().numpy())
    np.testing.assert_allclose(*second, rtol=1e-14)


def test_acosh_static_gradient_is_tensorflow_s():
    """TF1's _AcoshGrad: g / sinh(y), NaN for x <= -1 and inside (-1, 1), +-inf at 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = _static_grads(tf.acosh, _AX, _AG)
        want = np.array(_AG) / np.sinh(np.arccosh(np.array(_AX)))
    np.testing.assert_allclose(got, want, rtol=1e-15, equal_nan=True)
    assert np.isnan(got[0]) and np.isnan(got[1]) and got[3] == -np.inf


@pytest.mark.parametrize("name", ["asin", "acos", "atanh", "sqrt", "rsqrt"])
def test_real_edges_static_tensorflow_eager_torch(name):
    """At +-1, 0, -0.0 and outside the domain: eager as torch, static as TF1's formulas
    (Asin/Acos: g * 1/sqrt(1 - x^2), Atanh: g * 1/(1 - x^2), SqrtGrad 0.5 g / y, RsqrtGrad
    -0.5 g y^3)."""
    xs = [-1.0, 1.0, 0.0, -0.0, 2.0, -2.0, 0.5]
    gs = [1.0, -1.0, 0.0, 2.0, 1.0, -1.0, 0.5]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        got = _grads(dl, lambda L, x: getattr(L, name)(x), xs, gs)
        want = _grads(torch, lambda L, x: getattr(L, name)(x), xs, gs)
        np.testing.assert_allclose(got, want, rtol=1e-15, equal_nan=True)
        x, g = np.array(xs), np.array(gs)
        tf_want = {"asin": lambda: g * (1 / np.sqrt(1 - x * x)),
                   "acos": lambda: -g * (1 / np.sqrt(1 - x * x)),
                   "atanh": lambda: g * (1 / (1 - x * x)),
                   "sqrt": lambda: 0.5 * g / np.sqrt(x),
                   "rsqrt": lambda: -0.5 * g * (1 / np.sqrt(x)) ** 3}[name]()
        np.testing.assert_allclose(_static_grads(getattr(tf, name), xs, gs), tf_want,
                                   rtol=1e-15, equal_nan=True)


# ----------------------------------------------------------------------------- complex
@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("name", ["asin", "acos", "asinh", "acosh", "atanh"])
def test_complex_singular_points_and_cuts_as_torch(name, dtype):
    """The singular points (asin/acos/acosh at +-1, asinh at +-i: torch's nan+nanj, not
    inf+nanj) and the cuts around them with both signs of zero, against torch."""
    pts = [complex(r, i) for r in (-2.0, -1.0, -0.0, 0.0, 1.0, 2.0)
           for i in (0.0, -0.0, 1.0, -1.0)]
    for gval in (1 + 0j, 0.5j):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = _grads(dl, lambda L, x: getattr(L, name)(x), np.array(pts),
                         np.full(len(pts), gval), dtype)
            want = _grads(torch, lambda L, x: getattr(L, name)(x), np.array(pts),
                          np.full(len(pts), gval), dtype)
        tol = 1e-6 if dtype == "complex64" else 1e-14
        for part in ("real", "imag"):           # (apart: NumPy's isnan of inf+nanj is True)
            np.testing.assert_allclose(getattr(got, part), getattr(want, part), rtol=tol,
                                       atol=tol, equal_nan=True)
    singular = {"asin": 1 + 0j, "acos": -1 + 0j, "acosh": 1 + 0j, "asinh": 1j}.get(name)
    if singular is not None:
        assert np.isnan(got[pts.index(singular)].real)          # (not inf)


# ----------------------------------------------------------------------------- gradgradcheck
def _seen_grad_outputs(monkeypatch, fn, x, **kw):
    """The grad_outputs dlcore's gradgradcheck hands to autograd.grad (its first call)."""
    import sys
    gc = sys.modules["dlcore_eager.autograd.gradcheck"]   # (the module: a function shadows it)
    seen = []
    real = gc.grad

    def spy(outputs, inputs, grad_outputs=None, **kwargs):
        if kwargs.get("create_graph") and not seen:
            seen.append([g.detach().numpy().copy() for g in grad_outputs])
        return real(outputs, inputs, grad_outputs, **kwargs)
    monkeypatch.setattr(gc, "grad", spy)
    assert dl.autograd.gradgradcheck(fn, (x,), **kw)
    return seen[0]


@pytest.mark.parametrize("noncontig", [False, True])
def test_gradgradcheck_draws_grad_outputs_from_torch_s_generator(monkeypatch, noncontig):
    def fn(L):
        return lambda x: (x ** 3, (x * 2).sin().reshape(3, 1) * x)
    dl.manual_seed(7)
    x = dl.tensor([0.3, -0.7, 1.1], dtype=dl.float64, requires_grad=True)
    seen = _seen_grad_outputs(monkeypatch, fn(dl), x, gen_non_contig_grad_outputs=noncontig)
    after = dl.rand(3).numpy()
    torch.manual_seed(7)
    want = [torch.testing.make_tensor(s, dtype=torch.float64, device="cpu", low=-1, high=1,
                                      noncontiguous=noncontig).numpy() for s in ((3,), (3, 3))]
    for a, b in zip(seen, want):
        np.testing.assert_array_equal(a, b)
    xt = torch.tensor([0.3, -0.7, 1.1], dtype=torch.float64, requires_grad=True)
    torch.manual_seed(7)
    assert torch.autograd.gradgradcheck(fn(torch), (xt,),
                                        gen_non_contig_grad_outputs=noncontig)
    np.testing.assert_array_equal(after, torch.rand(3).numpy())   # (the same draws consumed)


def test_gradgradcheck_outputs_without_grad_get_no_draw(monkeypatch):
    """An output that needs no gradient gets no grad_output (torch's _differentiable_outputs),
    so the generator moves as torch's."""
    def fn(L):
        return lambda x: (x.exp(), L.ones(2))
    dl.manual_seed(3)
    x = dl.tensor([0.2, 0.4], dtype=dl.float64, requires_grad=True)
    seen = _seen_grad_outputs(monkeypatch, fn(dl), x)
    torch.manual_seed(3)
    want = torch.testing.make_tensor((2,), dtype=torch.float64, device="cpu", low=-1, high=1)
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], want.numpy())
    np.testing.assert_array_equal(dl.rand(2).numpy(), torch.rand(2).numpy())
