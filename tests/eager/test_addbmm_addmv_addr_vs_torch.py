"""torch.addbmm / addmv / addr (and their methods and in-place forms) and the mixed-dtype rule
of F.layer_norm / F.group_norm, against real PyTorch 2.13: values, dtypes, errors by type and
message, gradients against torch.autograd and float64 finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn.functional as DF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_R = np.random.default_rng(7)
M = _R.standard_normal((3, 4)).astype(np.float32)
B1 = _R.standard_normal((2, 3, 5)).astype(np.float32)
B2 = _R.standard_normal((2, 5, 4)).astype(np.float32)
A = _R.standard_normal((3, 4)).astype(np.float32)
V = _R.standard_normal(4).astype(np.float32)
U = _R.standard_normal(3).astype(np.float32)
NAN = np.full((3, 4), np.nan, np.float32)
I64 = np.int64

CASES = {
    "addbmm": lambda L, T: L.addbmm(T(M), T(B1), T(B2)),
    "addbmm_ab": lambda L, T: L.addbmm(T(M), T(B1), T(B2), beta=0.5, alpha=2),
    "addbmm_nan_beta0": lambda L, T: L.addbmm(T(NAN), T(B1), T(B2), beta=0),
    "addbmm_bcast": lambda L, T: L.addbmm(T(M[0]), T(B1), T(B2)),
    "addbmm_bad_input": lambda L, T: L.addbmm(T(M[:2]), T(B1), T(B2)),
    "addbmm_3d_input": lambda L, T: L.addbmm(T(M[..., None]), T(B1), T(B2)),
    "addbmm_2d_batch": lambda L, T: L.addbmm(T(M), T(B1[0]), T(B2)),
    "addbmm_1d": lambda L, T: L.addbmm(T(M), T(B1), T(V)),
    "addbmm_batches": lambda L, T: L.addbmm(T(M), T(B1), T(np.concatenate([B2, B2]))),
    "addbmm_inner": lambda L, T: L.addbmm(T(M), T(B1), T(B2[:, :4])),
    "addbmm_dtype_self": lambda L, T: L.addbmm(T(M.astype(np.float64)), T(B1), T(B2)),
    "addbmm_dtype_mat": lambda L, T: L.addbmm(T(M), T(B1.astype(np.float64)), T(B2)),
    "addbmm_int": lambda L, T: L.addbmm(T(M.astype(I64)), T(B1.astype(I64)), T(B2.astype(I64))),
    "addbmm_empty": lambda L, T: L.addbmm(T(M), T(B1[:0]), T(B2[:0]), beta=2),
    "addbmm_": lambda L, T: T(M).addbmm_(T(B1), T(B2), alpha=3),
    "addbmm_method": lambda L, T: T(M).addbmm(T(B1), T(B2), beta=2),
    "addmv": lambda L, T: L.addmv(T(U), T(A), T(V)),
    "addmv_0d": lambda L, T: L.addmv(T(np.float32(2)), T(A), T(V), beta=3),
    "addmv_size1": lambda L, T: L.addmv(T(U[:1]), T(A), T(V), alpha=2),
    "addmv_nan_beta0": lambda L, T: L.addmv(T(NAN[0, :3]), T(A), T(V), beta=0),
    "addmv_bad_input": lambda L, T: L.addmv(T(V), T(A), T(V)),
    "addmv_bad_vec": lambda L, T: L.addmv(T(U), T(A), T(U)),
    "addmv_2d_input": lambda L, T: L.addmv(T(M), T(A), T(V)),
    "addmv_0d_vec": lambda L, T: L.addmv(T(U), T(A), T(np.float32(1))),
    "addmv_dtype": lambda L, T: L.addmv(T(U), T(A), T(V.astype(np.float64))),
    "addmv_0d_input_bad": lambda L, T: L.addmv(T(np.float32(2)), T(A), T(U)),
    "addmv_": lambda L, T: T(U).addmv_(T(A), T(V), beta=0.5),
    "addr": lambda L, T: L.addr(T(M), T(U), T(V)),
    "addr_ab": lambda L, T: L.addr(T(M), T(U), T(V), beta=-1, alpha=0.5),
    "addr_nan_beta0": lambda L, T: L.addr(T(NAN), T(U), T(V), beta=0),
    "addr_bcast": lambda L, T: L.addr(T(V), T(U), T(V)),
    "addr_bad_input": lambda L, T: L.addr(T(M[:2]), T(U), T(V)),
    "addr_3d_input": lambda L, T: L.addr(T(M[None]), T(U), T(V)),
    "addr_2d_vec": lambda L, T: L.addr(T(M), T(U[None]), T(V)),
    "addr_f64_input": lambda L, T: L.addr(T(M.astype(np.float64)), T(U), T(V)),
    "addr_int_vecs": lambda L, T: L.addr(T(M), T(U.astype(I64)), T(V.astype(I64))),
    "addr_int_alpha_float": lambda L, T: L.addr(T(M.astype(I64)), T(U.astype(I64)),
                                                T(V.astype(I64)), alpha=0.5),
    "addr_int": lambda L, T: L.addr(T(M.astype(I64)), T(U.astype(I64)), T(V.astype(I64)),
                                    alpha=2, beta=3),
    "addr_bool_beta_float": lambda L, T: L.addr(T(M), T(U), T(V), beta=True),
    "addr_bool": lambda L, T: L.addr(T(M > 0), T(U > 0), T(V > 0)),
    "addr_bool_flags": lambda L, T: L.addr(T(M > 0), T(U > 0), T(V > 0), beta=False, alpha=True),
    "addr_bool_float_beta": lambda L, T: L.addr(T(M > 0), T(U > 0), T(V > 0), beta=0.5),
    "addr_": lambda L, T: T(M).addr_(T(U), T(V), alpha=2),
}


def _run(lib, case):
    try:
        r = CASES[case](lib, lib.tensor)
    except Exception as e:          # noqa: BLE001 - the error itself is compared
        return "err", type(e).__name__, str(e)
    arr = r.detach().numpy() if lib is torch else r.numpy()
    return "ok", str(r.dtype).split(".")[-1], tuple(r.shape), arr


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_dtypes_and_errors_match_torch(case):
    want, got = _run(torch, case), _run(dt, case)
    assert got[:3] == want[:3]
    if want[0] == "ok":
        np.testing.assert_allclose(got[3].astype(np.float64), want[3].astype(np.float64),
                                   rtol=1e-5, atol=1e-5)


def _fd_check(f, xs, eps=1e-6):
    """Central finite differences in float64 with a random cotangent."""
    ts = [dt.tensor(x, requires_grad=True) for x in xs]
    y = f(dt, ts)
    g = _R.standard_normal(tuple(y.shape))
    (y * dt.tensor(g)).sum().backward()
    for t, x in zip(ts, xs):
        num = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            xp, xm = [v.copy() for v in xs], [v.copy() for v in xs]
            k = next(j for j, v in enumerate(xs) if v is x)
            xp[k][i] += eps
            xm[k][i] -= eps
            fp = f(dt, [dt.tensor(v) for v in xp]).numpy()
            fm = f(dt, [dt.tensor(v) for v in xm]).numpy()
            num[i] = ((fp - fm) * g).sum() / (2 * eps)
        np.testing.assert_allclose(t.grad.numpy(), num, rtol=1e-6, atol=1e-7)
    tt = [torch.tensor(x, requires_grad=True) for x in xs]
    torch.autograd.backward(f(torch, tt), torch.tensor(g))
    for t, u in zip(ts, tt):
        np.testing.assert_allclose(t.grad.numpy(), u.grad.numpy(), rtol=1e-10, atol=1e-12)


GRADS = {
    "addbmm": (lambda L, t: L.addbmm(t[0], t[1], t[2], beta=0.5, alpha=-2),
               [(4,), (2, 3, 2), (2, 2, 4)]),
    "addmv": (lambda L, t: L.addmv(t[0], t[1], t[2], beta=2, alpha=0.5), [(1,), (3, 2), (2,)]),
    "addr": (lambda L, t: L.addr(t[0], t[1], t[2], beta=-1, alpha=3), [(3, 1), (3,), (2,)]),
}


@pytest.mark.parametrize("op", ["addbmm", "addmv", "addr"])
def test_gradients_finite_differences_and_torch(op):
    f, shapes = GRADS[op]
    _fd_check(f, [_R.standard_normal(s) for s in shapes])


# ----------------------------------------------------------------------------- norms' dtypes
BF = "bfloat16"
XN = _R.standard_normal((2, 4, 3)).astype(np.float32)


def _norm_call(lib, fn, xdt, wdt, bdt):
    F = TF if lib is torch else DF
    x = lib.tensor(XN).to(getattr(lib, xdt))
    w = None if wdt is None else lib.ones(4, dtype=getattr(lib, wdt))
    b = None if bdt is None else lib.zeros(4, dtype=getattr(lib, bdt))
    if fn == "layer_norm":
        x = x.reshape(6, 4)
        return F.layer_norm(x, (4,), w, b)
    return F.group_norm(x, 2, w, b)


MIXES = [(BF, "float32", "float32"), (BF, "float32", None), (BF, None, "float32"),
         ("float16", "float32", "float32"), (BF, BF, "float32"), (BF, "float64", "float64"),
         ("float32", BF, BF), ("float64", "float32", "float32"), (BF, "float16", "float16"),
         (BF, BF, BF), ("float64", "float64", None)]


@pytest.mark.parametrize("fn", ["layer_norm", "group_norm"])
@pytest.mark.parametrize("mix", MIXES, ids=lambda m: "-".join(map(str, m)))
def test_norm_mixed_dtypes_match_torch(fn, mix):
    try:
        want = _norm_call(torch, fn, *mix)
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as got:
            _norm_call(dt, fn, *mix)
        assert str(got.value) == str(e)
        return
    got = _norm_call(dt, fn, *mix)
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=1e-2, atol=1e-2)


def test_norm_modules_bf16_input_keep_dtype_and_grads():
    x = dt.randn(2, 4, 3).to(dt.bfloat16).requires_grad_()
    for m in (dt.nn.LayerNorm(3), dt.nn.GroupNorm(2, 4)):
        y = m(x)
        assert y.dtype == dt.bfloat16
        y.float().sum().backward()
        assert x.grad.dtype == dt.bfloat16 and m.weight.grad.dtype == dt.float32
        x.grad = None
