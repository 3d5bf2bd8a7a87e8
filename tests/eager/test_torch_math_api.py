"""PyTorch's elementwise math names on dlcore_eager (issue 13), against real PyTorch: values,
gradients, integer behaviour, keyword names (``input=``, ``other=``, ``out=``) and methods."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
REAL = RNG.standard_normal((3, 4))
SYM = RNG.uniform(-0.9, 0.9, (3, 4))
POS = RNG.uniform(0.5, 2.0, (3, 4))
GT1 = RNG.uniform(1.2, 3.0, (3, 4))
OFFINT = np.array([[-2.7, -1.5, -0.5, 0.3], [0.5, 1.5, 2.5, 3.6], [-3.2, 4.4, -0.1, 7.5]])

UNARY = [("sin", REAL), ("cos", REAL), ("tan", SYM), ("asin", SYM), ("acos", SYM),
         ("atan", REAL), ("sinh", REAL), ("cosh", REAL), ("asinh", REAL), ("acosh", GT1),
         ("atanh", SYM), ("erf", REAL), ("erfc", REAL), ("erfinv", SYM), ("log1p", POS),
         ("expm1", REAL), ("log2", POS), ("log10", POS), ("exp2", REAL), ("floor", OFFINT),
         ("ceil", OFFINT), ("trunc", OFFINT), ("round", OFFINT), ("frac", OFFINT),
         ("reciprocal", POS), ("rsqrt", POS), ("arcsin", SYM), ("fix", OFFINT)]


def _pair(values, requires_grad=False):
    a = dt.tensor(values, dtype=dt.float64, requires_grad=requires_grad)
    b = torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad)
    return a, b


@pytest.mark.parametrize("name,values", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_gradients_match_torch(name, values):
    a, b = _pair(values, True)
    ya, yb = getattr(dt, name)(a), getattr(torch, name)(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(values.shape)
    ya.backward(dt.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    # the method, and the float32 result dtype
    m = getattr(dt.tensor(values, dtype=dt.float32), name)()
    assert m.dtype == dt.float32


def test_special_namespace_and_int_input_computes_in_default_float():
    x = dt.tensor([0, 1, 2])
    y = dt.sin(x)
    assert y.dtype == dt.float32
    np.testing.assert_allclose(y.numpy(), np.sin([0, 1, 2]), rtol=1e-6)
    np.testing.assert_allclose(dt.special.erf(dt.tensor([0.5])).numpy(),
                               torch.special.erf(torch.tensor([0.5])).numpy(), rtol=1e-6)


BINARY = ["atan2", "hypot", "logaddexp", "fmod", "remainder"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_values_gradients_and_broadcasting(name):
    xa, xb = _pair(OFFINT, True)
    ya, yb = _pair(GT1[0], True)
    oa, ob = getattr(dt, name)(xa, ya), getattr(torch, name)(xb, yb)
    np.testing.assert_allclose(oa.detach().numpy(), ob.detach().numpy(), rtol=1e-10)
    g = RNG.standard_normal(OFFINT.shape)
    oa.backward(dt.tensor(g))
    ob.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ya.grad.numpy(), yb.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", ["fmod", "remainder", "floor_divide", "bitwise_and",
                                  "bitwise_or", "bitwise_xor"])
def test_integer_ops_stay_integer_and_match_torch(name):
    a = np.array([[-7, -3, 0, 5], [9, -8, 6, 1]])
    b = np.array([3, -2, 4, 5])
    got = getattr(dt, name)(dt.tensor(a), dt.tensor(b))
    want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert got.dtype == dt.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_operators_mod_floordiv_and_bitwise():
    a, b = dt.tensor([-7, 7, 5]), dt.tensor([2, -2, 3])
    ta, tb = torch.tensor([-7, 7, 5]), torch.tensor([2, -2, 3])
    np.testing.assert_array_equal((a % b).numpy(), (ta % tb).numpy())
    np.testing.assert_array_equal((a // b).numpy(), (ta // tb).numpy())
    np.testing.assert_array_equal((a & b).numpy(), (ta & tb).numpy())
    np.testing.assert_array_equal((a | b).numpy(), (ta | tb).numpy())
    np.testing.assert_array_equal((a ^ b).numpy(), (ta ^ tb).numpy())
    np.testing.assert_array_equal((~a).numpy(), (~ta).numpy())
    m = dt.tensor([True, False])
    np.testing.assert_array_equal((~m).numpy(), [False, True])
    np.testing.assert_allclose((dt.tensor([-1.5, 2.5]) % 2).numpy(), [0.5, 0.5])


def test_bitwise_rejects_floats_with_a_clear_error():
    with pytest.raises(Exception, match="bitwise_and"):
        dt.bitwise_and(dt.tensor([1.0]), dt.tensor([2.0]))


def test_classification_logical_and_nan_to_num():
    v = [1.0, float("nan"), float("inf"), -float("inf"), -0.5]
    a, b = dt.tensor(v), torch.tensor(v)
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(getattr(dt, name)(a).numpy(), getattr(torch, name)(b))
        assert getattr(a, name)().dtype == dt.bool
    np.testing.assert_array_equal(dt.isfinite(dt.tensor([1, 2])).numpy(), [True, True])
    np.testing.assert_allclose(dt.nan_to_num(a).numpy(), torch.nan_to_num(b).numpy())
    np.testing.assert_allclose(a.nan_to_num(nan=2.0, posinf=9.0, neginf=-9.0).numpy(),
                               b.nan_to_num(nan=2.0, posinf=9.0, neginf=-9.0).numpy())
    x, y = [0, 1, 2, 0], [True, False, True, False]
    for name in ("logical_and", "logical_or", "logical_xor"):
        got = getattr(dt, name)(dt.tensor(x), dt.tensor(y))
        assert got.dtype == dt.bool
        np.testing.assert_array_equal(got.numpy(), getattr(torch, name)(torch.tensor(x),
                                                                          torch.tensor(y)))
    np.testing.assert_array_equal(dt.logical_not(dt.tensor(x)).numpy(),
                                  torch.logical_not(torch.tensor(x)).numpy())


def test_round_decimals_lerp_and_keywords_and_out():
    v = [0.125, 1.25, -2.5, 3.14159]
    np.testing.assert_allclose(dt.round(dt.tensor(v), decimals=2).numpy(),
                               torch.round(torch.tensor(v), decimals=2).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(dt.round(dt.tensor([1, 2])).numpy(), [1, 2])
    s, e = dt.tensor([0.0, 1.0]), dt.tensor([10.0, 3.0])
    np.testing.assert_allclose(dt.lerp(s, e, 0.25).numpy(), [2.5, 1.5])
    np.testing.assert_allclose(s.lerp(e, dt.tensor([0.5, 1.0])).numpy(), [5.0, 3.0])
    out = dt.empty(2)
    r = dt.atan2(input=s, other=e, out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), np.arctan2([0.0, 1.0], [10.0, 3.0]), rtol=1e-6)
    out2 = dt.empty(2)
    dt.sin(input=s, out=out2)
    np.testing.assert_allclose(out2.numpy(), np.sin([0.0, 1.0]), rtol=1e-6)


def test_inplace_variants():
    x = dt.tensor([0.5, 1.0])
    x.sin_()
    np.testing.assert_allclose(x.numpy(), np.sin([0.5, 1.0]), rtol=1e-6)
    y = dt.tensor([1.7, -1.2])
    y.floor_()
    np.testing.assert_allclose(y.numpy(), [1.0, -2.0])
