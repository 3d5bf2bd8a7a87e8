"""torch.promote_types/can_cast/result_type, addcmul/addcdiv, chain_matmul, lu, ravel/flipud/
fliplr, is_nonzero, as_strided/empty_strided/frombuffer/storage_offset and torch.strided,
against real PyTorch (values, gradients, errors by type and message)."""

# ruff: noqa: B023  (each lambda is called inside its own loop iteration)
import itertools
import warnings

import numpy as np
import pytest
from error_of import error_of as _err

import dlcore_eager as dt

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"] + \
    [n for n in ("bfloat16", "complex64", "complex128") if hasattr(dt, n)]


def test_promote_types_and_can_cast_every_pair():
    for a, b in itertools.product(NAMES, NAMES):
        da, db, ta, tb = getattr(dt, a), getattr(dt, b), getattr(torch, a), getattr(torch, b)
        assert repr(dt.promote_types(da, db)) == repr(torch.promote_types(ta, tb)), (a, b)
        assert dt.can_cast(da, db) == torch.can_cast(ta, tb), (a, b)
    assert _err(lambda: dt.promote_types(dt.uint8, 2)) == \
        _err(lambda: torch.promote_types(torch.uint8, 2))
    assert _err(lambda: dt.can_cast(dt.int64, "x")) == _err(lambda: torch.can_cast(torch.int64, "x"))


def _pair(lib, spec):
    kind, dtype = spec
    if kind == "num":
        return dtype
    shape = (2,) if kind == "dim" else ()
    return lib.ones(shape, dtype=getattr(lib, dtype))


SPECS = [("dim", "int8"), ("dim", "float16"), ("zero", "int64"), ("zero", "float64"),
         ("zero", "bool"), ("dim", "bool"), ("num", 3), ("num", 2.5), ("num", True),
         ("dim", "uint8"), ("zero", "int32")] + \
    ([("num", 1 + 2j), ("zero", "complex128"), ("dim", "complex64")]
     if hasattr(dt, "complex64") else [])


def test_result_type_tiers():
    for s1, s2 in itertools.product(SPECS, SPECS):
        a, b = _pair(dt, s1), _pair(dt, s2)
        ta, tb = _pair(torch, s1), _pair(torch, s2)
        want = repr(torch.result_type(ta, tb))
        if want == "torch.complex32":          # dlcore has no complex32: complex64 instead
            want = "torch.complex64"
        assert repr(dt.result_type(a, b)) == want, (s1, s2)
    err = _err(lambda: dt.result_type("a", dt.ones(1)))
    assert err[0] is TypeError and err[1].startswith(
        "result_type() received an invalid combination of arguments - got (str, Tensor)")


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_values_grads_and_inplace(name):
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s) for s in [(2, 3), (3,), (2, 1)]]
    arrs[2] = np.abs(arrs[2]) + 0.5
    xs = [dt.tensor(a, requires_grad=True) for a in arrs]
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    got = getattr(dt, name)(*xs, value=0.7)
    want = getattr(torch, name)(*ts, value=0.7)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal((2, 3))
    got.backward(dt.tensor(g))
    want.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    # method, in place, out=, promotion (float32 input, float64 factors)
    a = dt.ones(3)
    b = torch.ones(3)
    m = getattr(a, name)(dt.full((3,), 2.0), dt.full((3,), 4.0), value=2)
    assert m.tolist() == getattr(b, name)(torch.full((3,), 2.0), torch.full((3,), 4.0),
                                          value=2).tolist()
    r = getattr(a, name + "_")(dt.full((3,), 2.0), dt.full((3,), 4.0), value=2)
    getattr(b, name + "_")(torch.full((3,), 2.0), torch.full((3,), 4.0), value=2)
    assert r is a and a.tolist() == b.tolist()
    o = dt.empty(3, dtype=dt.float64)
    f = getattr(dt, name)(dt.ones(3), dt.ones(3, dtype=dt.float64), dt.ones(3), out=o)
    assert f is o and o.dtype == dt.float64
    assert repr(getattr(dt, name)(dt.ones(2), dt.ones(2, dtype=dt.int64),
                                  dt.ones(2, dtype=dt.float64)).dtype) == repr(
        getattr(torch, name)(torch.ones(2), torch.ones(2, dtype=torch.int64),
                             torch.ones(2, dtype=torch.float64)).dtype)


def test_addcmul_integer_and_errors():
    i, ti = dt.ones(2, dtype=dt.int64), torch.ones(2, dtype=torch.int64)
    assert dt.addcmul(i, i, i, value=0.5).tolist() == torch.addcmul(ti, ti, ti, value=0.5).tolist()
    assert dt.addcmul(i, i, i, value=3).dtype == dt.int64
    assert _err(lambda: dt.addcdiv(i, i, i)) == _err(lambda: torch.addcdiv(ti, ti, ti))
    x, tx = dt.ones(3), torch.ones(3)
    assert _err(lambda: x.addcmul(x, x, 2))[0] is _err(lambda: tx.addcmul(tx, tx, 2))[0] is \
        TypeError
    assert _err(lambda: dt.addcmul(x, dt.ones(2), x))[0] is RuntimeError


def test_chain_matmul_and_lu():
    rng = np.random.default_rng(1)
    ms = [rng.standard_normal(s) for s in [(2, 3), (3, 4), (4, 2)]]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = dt.chain_matmul(*[dt.tensor(m) for m in ms])
        torch.chain_matmul(torch.ones(2, 2))
    assert "torch.chain_matmul is deprecated" in str(w[0].message)
    np.testing.assert_allclose(got.numpy(), ms[0] @ ms[1] @ ms[2], rtol=1e-12)
    one = dt.tensor(ms[0])
    assert np.array_equal(dt.chain_matmul(one).numpy(), ms[0])
    for bad in [(), (dt.ones(2, 2, 2),)]:
        tb = tuple(torch.ones(2, 2, 2) for _ in bad)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert _err(lambda: dt.chain_matmul(*bad)) == _err(lambda: torch.chain_matmul(*tb))
    A = [[1.0, 2.0], [3.0, 4.0]]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        lu, piv = dt.lu(dt.tensor(A))
        tlu, tpiv = torch.lu(torch.tensor(A))
        _, _, info = dt.lu(dt.tensor(A), get_infos=True)
    assert str(w[0].message).startswith("torch.lu is deprecated in favor of torch.linalg.lu_factor")
    np.testing.assert_allclose(lu.numpy(), tlu.numpy(), rtol=1e-6)
    assert piv.tolist() == tpiv.tolist() and piv.dtype == dt.int32 and info.item() == 0


def test_ravel_flip_is_nonzero():
    x = dt.arange(6.0).reshape(2, 3)
    tx = torch.arange(6.0).reshape(2, 3)
    assert dt.ravel(x).tolist() == torch.ravel(tx).tolist()
    assert x.t().ravel().tolist() == tx.t().ravel().tolist()
    assert dt.flipud(x).tolist() == torch.flipud(tx).tolist()
    assert x.fliplr().tolist() == tx.fliplr().tolist()
    assert _err(lambda: dt.flipud(dt.tensor(1.0))) == _err(lambda: torch.flipud(torch.tensor(1.0)))
    assert _err(lambda: dt.fliplr(dt.ones(3))) == _err(lambda: torch.fliplr(torch.ones(3)))
    for vals in ([0.0], [2], [True], [1.0, 2.0], []):
        assert _err(lambda: dt.is_nonzero(dt.tensor(vals))) == \
            _err(lambda: torch.is_nonzero(torch.tensor(vals)))
    assert dt.is_nonzero(dt.tensor([3])) is True and dt.tensor(0.0).is_nonzero() is False


def test_as_strided_view_values_grad_and_errors():
    base = dt.arange(12.0)
    tb = torch.arange(12.0)
    for args in [((3, 3), (2, 1)), ((2, 2), (1, 3), 1), ((4,), (0,), 5)]:
        assert dt.as_strided(base, *args).tolist() == torch.as_strided(tb, *args).tolist()
    v = base[2:].as_strided((2, 2), (3, 1))       # the storage offset of the slice: 2
    assert v.tolist() == tb[2:].as_strided((2, 2), (3, 1)).tolist()
    assert base[2:].storage_offset() == 2 and v.stride() == (3, 1)
    tt = dt.arange(6.0).reshape(2, 3).t()
    assert dt.as_strided(tt, (3,), (1,), 1).tolist() == \
        torch.as_strided(torch.arange(6.0).reshape(2, 3).t(), (3,), (1,), 1).tolist()
    v[0, 0] = 100.0                                 # a view: writes reach the base
    assert base[2].item() == 100.0
    # gradient: overlapping windows sum, as in PyTorch
    a = np.random.default_rng(2).standard_normal(8)
    x, tx = dt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = np.random.default_rng(3).standard_normal((3, 3))
    dt.as_strided(x, (3, 3), (2, 1), 1).backward(dt.tensor(g))
    torch.as_strided(tx, (3, 3), (2, 1), 1).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    six, tsix = dt.ones(6), torch.ones(6)
    for args in [((10,), (1,)), ((2, 2), (1,)), ((2,), (-1,)), ((2,), (1,), 5)]:
        assert _err(lambda: dt.as_strided(six, *args)) == \
            _err(lambda: torch.as_strided(tsix, *args)), args


def test_empty_strided_frombuffer_layout():
    e = dt.empty_strided((2, 3), (1, 2))
    assert e.stride() == (1, 2) and e.shape == (2, 3) and e.layout is dt.strided
    assert _err(lambda: dt.empty_strided((2, 3), (1,))) == \
        _err(lambda: torch.empty_strided((2, 3), (1,)))
    assert repr(dt.strided) == "torch.strided" and isinstance(dt.strided, dt.layout)
    buf = bytearray(np.arange(4, dtype=np.int32).tobytes())
    t = dt.frombuffer(buf, dtype=dt.int32, count=2, offset=4)
    assert t.tolist() == torch.frombuffer(buf, dtype=torch.int32, count=2, offset=4).tolist()
    t[0] = 7                                          # shares memory with the buffer
    assert np.frombuffer(buf, np.int32)[1] == 7
    for kw in [{"dtype": "float64"}, {"dtype": "int32", "count": 3},
               {"dtype": "int32", "offset": 9}, {"dtype": "int32", "offset": 2}]:
        d = {**kw, "dtype": getattr(dt, kw["dtype"])}
        td = {**kw, "dtype": getattr(torch, kw["dtype"])}
        assert _err(lambda: dt.frombuffer(bytearray(8), **d)) == \
            _err(lambda: torch.frombuffer(bytearray(8), **td)), kw
    assert _err(lambda: dt.frombuffer(bytearray(0), dtype=dt.int32)) == \
        _err(lambda: torch.frombuffer(bytearray(0), dtype=torch.int32))
    with pytest.warns(UserWarning, match="The given buffer is not writable"):
        assert dt.frombuffer(b"abcd", dtype=dt.uint8).tolist() == [97, 98, 99, 100]
