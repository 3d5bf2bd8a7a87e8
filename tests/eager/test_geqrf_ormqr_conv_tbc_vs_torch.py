"""torch.geqrf, torch.ormqr (and their methods), torch.conv_tbc, and the autocast classes of
the long-tail ops added with them (addbmm, addmv, addr, conv_tbc, geqrf, ormqr, orgqr), against
real PyTorch 2.13: values, dtypes, errors by type and message, gradients against
torch.autograd and float64 finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

_R = np.random.default_rng(11)
A = _R.standard_normal((5, 3))
C = _R.standard_normal((5, 2))
CR = _R.standard_normal((2, 5))
QA, TAU = (v.numpy() for v in torch.geqrf(torch.tensor(A)))
W35 = _R.standard_normal((2, 3, 5)).astype(np.float32)
X = _R.standard_normal((5, 2, 3)).astype(np.float32)
WK = _R.standard_normal((3, 3, 4)).astype(np.float32)
BK = _R.standard_normal(4).astype(np.float32)
K7 = _R.standard_normal((7, 3, 4)).astype(np.float32)
I64, F32, F64 = np.int64, np.float32, np.float64
S2 = np.stack

CASES = {
    "geqrf": lambda L, T: L.geqrf(T(A)),
    "geqrf_f32_wide_batch": lambda L, T: L.geqrf(T(W35)),
    "geqrf_1d": lambda L, T: L.geqrf(T(A[0])),
    "geqrf_long": lambda L, T: L.geqrf(T(A.astype(I64))),
    "geqrf_empty": lambda L, T: L.geqrf(T(A[:0])),
    "geqrf_method": lambda L, T: T(A).geqrf(),
    "geqrf_reduced_column": lambda L, T: L.geqrf(T(np.array([[1.0, 2], [0, 3], [0, 4]]))),
    "ormqr_transpose_kw": lambda L, T: T(QA).ormqr(T(TAU), T(C), transpose=True),
    "ormqr_square": lambda L, T: L.ormqr(T(QA[:3]), T(TAU), T(C[:3])),
    "ormqr_batch": lambda L, T: L.ormqr(T(S2([QA, QA])), T(S2([TAU, TAU])), T(S2([C, C]))),
    "ormqr_short_tau": lambda L, T: L.ormqr(T(QA), T(TAU[:2]), T(C)),
    "ormqr_wrong_side": lambda L, T: L.ormqr(T(QA), T(TAU), T(C), left=False),
    "ormqr_rows": lambda L, T: L.ormqr(T(QA), T(TAU), T(C[:4])),
    "ormqr_dtype_other": lambda L, T: L.ormqr(T(QA), T(TAU), T(C.astype(F32))),
    "ormqr_dtype_tau": lambda L, T: L.ormqr(T(QA), T(TAU.astype(F32)), T(C)),
    "ormqr_1d": lambda L, T: L.ormqr(T(QA[0]), T(TAU), T(C)),
    "ormqr_tau_2d": lambda L, T: L.ormqr(T(QA), T(TAU[None]), T(C)),
    "ormqr_tau_4": lambda L, T: L.ormqr(T(QA), T(np.ones(4)), T(C)),
    "ormqr_other_1d": lambda L, T: L.ormqr(T(QA), T(TAU), T(C[:, 0])),
    "ormqr_other_3d": lambda L, T: L.ormqr(T(QA), T(TAU), T(C[None])),
    "ormqr_batch_tau": lambda L, T: L.ormqr(T(S2([QA, QA])), T(S2([TAU] * 3)), T(S2([C, C]))),
    "ormqr_batch_other": lambda L, T: L.ormqr(T(S2([QA, QA])), T(S2([TAU] * 2)), T(S2([C] * 3))),
    "ormqr_long": lambda L, T: L.ormqr(T(QA.astype(I64)), T(TAU.astype(I64)), T(C.astype(I64))),
    "conv_tbc": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK)),
    "conv_tbc_pad1": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK), 1),
    "conv_tbc_pad2_kw": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK), pad=2),
    "conv_tbc_crop": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK), -1),
    "conv_tbc_to_empty": lambda L, T: L.conv_tbc(T(X), T(np.ones((6, 3, 4), F32)), T(BK)),
    "conv_tbc_negative_length": lambda L, T: L.conv_tbc(T(X), T(K7), T(BK)),
    "conv_tbc_bias_size": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK[:3])),
    "conv_tbc_channels": lambda L, T: L.conv_tbc(T(X), T(WK[:, :2]), T(BK)),
    "conv_tbc_input_2d": lambda L, T: L.conv_tbc(T(X[0]), T(WK), T(BK)),
    "conv_tbc_weight_2d": lambda L, T: L.conv_tbc(T(X), T(WK[0]), T(BK)),
    "conv_tbc_bias_2d": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK[None])),
    "conv_tbc_bias_f64": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK.astype(F64))),
    "conv_tbc_input_f64": lambda L, T: L.conv_tbc(T(X.astype(F64)), T(WK), T(BK)),
    "conv_tbc_weight_f64": lambda L, T: L.conv_tbc(T(X), T(WK.astype(F64)), T(BK)),
    "conv_tbc_pad_float": lambda L, T: L.conv_tbc(T(X), T(WK), T(BK), pad=1.5),
    "conv_tbc_f64": lambda L, T: L.conv_tbc(T(X.astype(F64)), T(WK.astype(F64)),
                                            T(BK.astype(F64)), 1),
}
for _left in (True, False):
    for _tp in (True, False):
        CASES[f"ormqr_left{_left}_transpose{_tp}"] = (
            lambda L, T, left=_left, tp=_tp: L.ormqr(T(QA), T(TAU), T(C if left else CR),
                                                     left=left, transpose=tp))


def _run(lib, case):
    try:
        r = CASES[case](lib, lib.tensor)
    except Exception as e:          # noqa: BLE001 - the error itself is compared
        return "err", type(e).__name__, str(e)
    rs = tuple(r) if isinstance(r, tuple) else (r,)
    return ("ok", [(str(v.dtype).split(".")[-1], tuple(v.shape)) for v in rs],
            [v.detach().numpy() if lib is torch else v.numpy() for v in rs])


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_dtypes_and_errors_match_torch(case):
    want, got = _run(torch, case), _run(dt, case)
    assert got[:2] == want[:2]
    if want[0] == "ok":
        for g, w in zip(got[2], want[2]):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_geqrf_result_and_backward_refusal():
    x = dt.tensor(A, requires_grad=True)
    res = dt.geqrf(x)
    assert res._fields == ("a", "tau") and res.a.requires_grad
    with pytest.raises(NotImplementedError, match="^the derivative for 'geqrf' is not "
                                                  "implemented.$"):
        res.a.sum().backward()
    q = dt.linalg.householder_product(*dt.geqrf(dt.tensor(A)))       # orgqr(geqrf(A)) = Q
    np.testing.assert_allclose(q.numpy(), np.linalg.qr(A)[0] * np.sign(
        np.diag(np.linalg.qr(A)[1])[None] * np.diag(QA)[None]), rtol=1e-10, atol=1e-12)


def _grads_match(f, xs, eps=1e-6):
    """dlcore's gradients = central finite differences (float64, random cotangent) = torch's."""
    ts = [dt.tensor(x, requires_grad=True) for x in xs]
    y = f(dt, ts)
    g = _R.standard_normal(tuple(y.shape))
    (y * dt.tensor(g)).sum().backward()
    for k, (t, x) in enumerate(zip(ts, xs)):
        num = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            hi, lo = [v.copy() for v in xs], [v.copy() for v in xs]
            hi[k][i] += eps
            lo[k][i] -= eps
            diff = f(dt, [dt.tensor(v) for v in hi]).numpy() - f(dt, [dt.tensor(v) for v in lo]
                                                                  ).numpy()
            num[i] = (diff * g).sum() / (2 * eps)
        np.testing.assert_allclose(t.grad.numpy(), num, rtol=1e-6, atol=1e-7)
    tt = [torch.tensor(x, requires_grad=True) for x in xs]
    torch.autograd.backward(f(torch, tt), torch.tensor(g))
    for t, u in zip(ts, tt):
        np.testing.assert_allclose(t.grad.numpy(), u.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("left,transpose", [(True, False), (False, True)])
def test_ormqr_gradients(left, transpose):
    c = _R.standard_normal((4, 2) if left else (2, 4))
    _grads_match(lambda L, t: L.ormqr(t[0], t[1], t[2], left=left, transpose=transpose),
                 [_R.standard_normal((4, 3)), _R.standard_normal(3), c])


@pytest.mark.parametrize("pad", [0, 1, -1])
def test_conv_tbc_gradients(pad):
    _grads_match(lambda L, t: L.conv_tbc(t[0], t[1], t[2], pad),
                 [_R.standard_normal((4, 2, 2)), _R.standard_normal((2, 2, 3)),
                  _R.standard_normal(3)])


def _autocast_dtypes(L):
    bf = L.bfloat16
    m, b1, b2 = L.ones(3, 4), L.ones(2, 3, 5), L.ones(2, 5, 4)
    a = L.tensor(A.astype(F32))
    q, t = L.geqrf(a)
    with L.autocast("cpu"):
        out = [L.addbmm(m, b1, b2), m.addbmm(b1, b2), L.addmv(L.ones(3), L.ones(3, 4), L.ones(4)),
               L.ones(3).addmv(L.ones(3, 4), L.ones(4)), L.addr(m, L.ones(3), L.ones(4)),
               m.addr(L.ones(3), L.ones(4)),
               L.addmv(L.ones(3, dtype=bf), L.ones(3, 4, dtype=bf), L.ones(4, dtype=bf)),
               L.conv_tbc(L.ones(5, 2, 3), L.ones(3, 3, 4), L.ones(4)),
               L.geqrf(a.to(bf))[0], a.to(bf).geqrf()[1],
               L.ormqr(q.to(bf), t.to(bf), L.ones(5, 2, dtype=bf)),
               q.to(bf).ormqr(t.to(bf), L.ones(5, 2, dtype=bf)), q.to(bf).orgqr(t.to(bf)),
               L.orgqr(q.to(bf), t.to(bf)), m.clone().addbmm_(b1, b2),
               m.clone().addr_(L.ones(3), L.ones(4))]
    return [str(v.dtype).split(".")[-1] for v in out]


def test_autocast_classes_match_torch():
    assert _autocast_dtypes(dt) == _autocast_dtypes(torch)


def _keyword_calls(L):
    """PyTorch's keyword names (torch.ormqr's are input, input2, input3 in 2.13)."""
    m, b1, b2 = L.ones(3, 4), L.ones(2, 3, 5), L.ones(2, 5, 4)
    q, t = L.geqrf(input=L.tensor(np.eye(4, 3) * 2 + 0.1))
    c42, c24 = L.ones(4, 2, dtype=q.dtype), L.ones(2, 4, dtype=q.dtype)
    out = [L.addbmm(m, batch1=b1, batch2=b2, beta=2), L.addbmm(input=m, batch1=b1, batch2=b2),
           L.addmv(L.ones(3), mat=L.ones(3, 4), vec=L.ones(4)),
           L.addr(m, vec1=L.ones(3), vec2=L.ones(4)), m.addbmm(batch1=b1, batch2=b2),
           L.ones(3).addmv(mat=L.ones(3, 4), vec=L.ones(4)),
           m.clone().addr_(vec1=L.ones(3), vec2=L.ones(4)),
           L.ormqr(input=q, input2=t, input3=c42, left=True, transpose=True),
           q.ormqr(input2=t, input3=c24, left=False),
           L.conv_tbc(input=L.ones(5, 2, 3), weight=L.ones(3, 3, 4), bias=L.ones(4), pad=1)]
    return [v.detach().numpy() if L is torch else v.numpy() for v in out]


def test_keyword_arguments_match_torch():
    for got, want in zip(_keyword_calls(dt), _keyword_calls(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
