"""Gradients at the edges where dlcore's composites gave NaN or a different split than
PyTorch's dedicated backward formulas, found by a fuzz of values at zero: ``std`` (and
``std_mean``) of a constant slice (PyTorch's std_backward masks a zero deviation: 0, not NaN),
``atan2`` at the origin (0), ``renorm`` of a zero slice (the identity), ``triplet_margin_loss``
with ``swap`` at a tie of the two negative distances (half and half, torch.min's rule), and the
class-weight dtype refusals of nll_loss, cross_entropy and multi_margin_loss, and ``median()``
of every element sharing its gradient among ties."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _grads(fn, *arrays):
    out = []
    for L in (dt, torch):
        ts = [L.tensor(a, requires_grad=True) for a in arrays]
        y = fn(L, *ts)
        gs = L.autograd.grad(y.sum(), ts, create_graph=True)
        hs = L.autograd.grad(sum((g * g).sum() for g in gs), ts, allow_unused=True)
        out.append([y.detach().numpy()] + [g.detach().numpy() for g in gs] +
                   [None if h is None else h.numpy() for h in hs])
    return out


def _same(got, want, rtol=1e-10):
    for g, w in zip(got, want):
        if g is None or w is None:
            assert g is None and w is None or np.all(np.asarray(g if w is None else w) == 0)
            continue
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-12, equal_nan=True)
        assert np.array_equal(np.isnan(g), np.isnan(w))


X = np.random.default_rng(0).standard_normal((4, 5))
X[0] = 0.0                                    # (a zero slice)
X[1] = 2.5                                    # (a constant one)


@pytest.mark.parametrize("case", ["std", "std_keepdim", "std_mean", "std_all"])
def test_std_of_a_constant_slice(case):
    fn = {"std": lambda L, x: x.std(1), "std_keepdim": lambda L, x: x.std(1, keepdim=True),
          "std_mean": lambda L, x: L.std_mean(x, 1)[0],
          "std_all": lambda L, x: x[:2].std()}[case]
    got, want = _grads(fn, X)
    _same(got[:2], want[:2], rtol=1e-12)
    assert not np.isnan(got[1]).any()


def test_atan2_at_the_origin():
    a, b = X.copy(), X[::-1].copy() * 0.5
    b[0, :2] = [0.0, -0.0]
    got, want = _grads(lambda L, p, q: L.atan2(p, q), a, b)
    _same(got, want)
    assert np.array_equal(np.signbit(got[2][0]), np.signbit(want[2][0]))


@pytest.mark.parametrize("p", [2, 1, 3.0, float("inf")])
def test_renorm_of_a_zero_slice(p):
    got, want = _grads(lambda L, x: x.renorm(p, 0, 1.0) * 1.5, X)
    _same(got[:2], want[:2])


@pytest.mark.parametrize("fn", ["F", "with_distance"])
def test_triplet_swap_at_a_tie_splits_the_gradient(fn):
    a = np.zeros((2, 5))
    a[1] = np.arange(5.0)

    def loss(L, x, p, n):
        F = L.nn.functional
        if fn == "F":
            return F.triplet_margin_loss(x, p, n, swap=True, reduction="none")
        return F.triplet_margin_with_distance_loss(x, p, n, swap=True, reduction="none")
    got, want = _grads(loss, a, a * 0.5, a * 2)
    _same(got[:4], want[:4])


@pytest.mark.parametrize("call", [
    lambda L, x, t, w: L.nn.functional.nll_loss(x, t, weight=w),
    lambda L, x, t, w: L.nn.functional.cross_entropy(x, t, weight=w),
    lambda L, x, t, w: L.nn.functional.multi_margin_loss(x, t, weight=w),
    lambda L, x, t, w: L.nn.CrossEntropyLoss(weight=w)(x, t)])
@pytest.mark.parametrize("dtypes", [("float64", "float32"), ("float32", "float64"),
                                    ("float32", "float16")])
def test_a_class_weight_of_another_dtype_is_refused(call, dtypes):
    outcomes = []
    for L in (dt, torch):
        x = L.tensor(X, dtype=getattr(L, dtypes[0]))
        try:
            call(L, x, L.tensor([0, 1, 2, 3]), L.ones(5, dtype=getattr(L, dtypes[1])))
            outcomes.append("ok")
        except RuntimeError as e:
            outcomes.append(str(e))
    assert outcomes[0] == outcomes[1] and outcomes[0].startswith("expected scalar type")


def test_class_probabilities_and_matching_weights_are_taken():
    for L in (dt, torch):
        x = L.tensor(X)
        p = L.softmax(L.tensor(X * 2, dtype=L.float32), 1)
        assert L.nn.functional.cross_entropy(x, p.double(), weight=L.ones(5)).dtype == L.float64
        assert L.nn.functional.nll_loss(x, L.tensor([0, 1, 2, 3]),
                                        weight=L.ones(5, dtype=L.float64)).dtype == L.float64


@pytest.mark.parametrize("values", [[[0.0, 0, 0], [1, 2, 0]], [1.0, 2, 2, 3],
                                    [3.0, 1, np.nan, 2, np.nan], [0.1, 0.1, 0.1, 0.2, 0.05],
                                    [5.0]])
def test_median_of_every_element_shares_its_gradient_among_ties(values):
    """(PyTorch's evenly_distribute_backward: the elements equal to the median, or the NaNs
    of a NaN median, share the cotangent; it went to one of them)"""
    out = []
    for L in (dt, torch):
        x = L.tensor(np.array(values), requires_grad=True)
        m = x.median()
        m.backward()
        out.append((m.item(), x.grad.numpy(), type(m.grad_fn).__name__))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
    assert out[0][2] == out[1][2] == "MedianBackward0"


@pytest.mark.parametrize("call", [
    lambda L, x, i, s: L.index_add(x, 0, i, s), lambda L, x, i, s: x.index_add(0, i, s),
    lambda L, x, i, s: x.clone().index_add_(0, i, s),
    lambda L, x, i, s: x.index_add(0, i, source=s),
    lambda L, x, i, s: x.scatter_add(0, i.view(2, 1).expand(2, 5), s),
    lambda L, x, i, s: x.clone().scatter_add_(0, i.view(2, 1).expand(2, 5), s),
    lambda L, x, i, s: L.scatter_add(x, 0, i.view(2, 1).expand(2, 5), s)])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float32", "int32"),
                                    ("int32", "float32"), ("float32", "float32")])
def test_a_source_of_another_dtype_is_refused(call, dtypes):
    outcomes = []
    for L in (dt, torch):
        x = L.zeros(3, 5, dtype=getattr(L, dtypes[0]))
        s = L.ones(2, 5, dtype=getattr(L, dtypes[1]))
        try:
            outcomes.append(("ok", str(call(L, x, L.tensor([0, 2]), s).dtype)))
        except RuntimeError as e:
            outcomes.append(("error", str(e)))
    assert outcomes[0] == outcomes[1]


def test_vector_norm_of_order_zero_requires_grad_and_adds_nothing():
    """(PyTorch's count of nonzeros requires grad with a zero gradient; dlcore's did not, so
    backward() through it raised.  PyTorch leaves ``x.grad`` None where only it was used;
    dlcore gives zeros.)"""
    out = []
    for L in (dt, torch):
        x = L.tensor([[0.0, 1, np.inf], [0, 0, np.nan], [2, 3, 4]], requires_grad=True)
        y = L.linalg.vector_norm(x, ord=0, dim=1)
        (y + x.nan_to_num(posinf=0.0).sum(1)).sum().backward()
        out.append((y.tolist(), y.requires_grad, x.grad.tolist()))
    assert out[0] == out[1]


def test_lerp_takes_pytorchs_two_forms_and_heaviside_of_nan_is_0():
    start = np.array([0.4, 1.0, -1.0, 2.0], np.float32)
    end = np.array([np.inf, 3.0, np.inf, -np.inf], np.float32)
    weight = np.array([-2.0, 0.9, 0.25, 0.7], np.float32)
    out = []
    for L in (dt, torch):
        out.append((L.lerp(L.tensor(start), L.tensor(end), L.tensor(weight)).numpy(),
                    L.lerp(L.tensor(start), L.tensor(end), 0.75).numpy(),
                    L.heaviside(L.tensor([np.nan, 0.0, -1.0, 2.0]), L.tensor(0.5)).numpy()))
    for u, w in zip(*out):
        np.testing.assert_array_equal(u, w)


def _outcome(fn, L):
    try:
        out = fn(L)
    except RuntimeError as e:
        return "error", str(e)
    return "ok", str(out.dtype), out.float().detach().numpy().round(5).tolist()


@pytest.mark.parametrize("case", range(8))
def test_batch_norm_dtypes_as_torch(case):
    """ATen's mixed-dtype rule (float32 parameters only, for a 16-bit or float32 input) and a
    16-bit input's output in its dtype, computed in float32 (training and eval)."""
    def fn(L):
        x = L.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
        F = L.nn.functional
        return [lambda: F.batch_norm(x, L.zeros(3), L.ones(3)),
                lambda: F.batch_norm(x, L.zeros(3, dtype=L.float64),
                                     L.ones(3, dtype=L.float64), L.ones(3)),
                lambda: F.batch_norm(x, None, None, L.ones(3), training=True),
                lambda: F.batch_norm(x.float(), L.zeros(3, dtype=L.float64),
                                     L.ones(3, dtype=L.float64)),
                lambda: F.batch_norm(x.bfloat16(), L.zeros(3), L.ones(3)),
                lambda: L.nn.BatchNorm1d(3)(x.bfloat16()),
                lambda: L.nn.BatchNorm1d(3)(x.half()),
                lambda: L.nn.BatchNorm1d(3).double()(x)][case]()
    assert _outcome(fn, dt) == _outcome(fn, torch)


@pytest.mark.parametrize("psw_dtype", ["float32", "float64"])
def test_embedding_bag_per_sample_weights_dtype_as_torch(psw_dtype):
    def fn(L):
        return L.nn.functional.embedding_bag(
            L.tensor([0, 2, 0, 1, 2]), L.ones(3, 4, dtype=L.float64), L.tensor([0, 2]),
            mode="sum", per_sample_weights=L.ones(5, dtype=getattr(L, psw_dtype)))
    assert _outcome(fn, dt) == _outcome(fn, torch)
