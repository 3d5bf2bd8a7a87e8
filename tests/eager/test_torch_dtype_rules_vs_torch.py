"""PyTorch 2.13's dtype rules where dlcore's primitives differ (dlcore_eager/_dtype_guards.py,
the softmax adapter, max/min of bools): each call raises what torch raises (type and words)
or returns what torch returns (dtype and values).  Helper-F's refusal checks are in
test_dtype_refusals_vs_torch.py."""

from __future__ import annotations

import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")

B = [[True, False], [False, True]]
I = [[1, 2], [3, 4]]


def _outcome(lib, call):
    try:
        r = call(lib)
    except Exception as e:                  # noqa: BLE001 - the outcome is compared
        return type(e), str(e)
    if isinstance(r, tuple):
        return tuple((str(v.dtype), v.tolist()) for v in r)
    return str(r.dtype), r.tolist()


def _same(call):
    want, got = _outcome(T, call), _outcome(D, call)
    if isinstance(want, tuple) and len(want) == 2 and isinstance(want[0], type):
        assert isinstance(got[0], type) and issubclass(got[0], want[0]), (want, got)
        assert got[1] == want[1]
    else:
        assert got == want


def _b(L):
    return L.tensor(B)


def _i(L, dtype="int64"):
    return L.tensor(I, dtype=getattr(L, dtype))


REFUSED = {
    "floor bool": lambda L: L.floor(_b(L)), "ceil method": lambda L: _b(L).ceil(),
    "trunc_ bool": lambda L: _b(L).clone().trunc_(), "fix bool": lambda L: L.fix(_b(L)),
    "round bool": lambda L: L.round(_b(L)), "round int decimals": lambda L: L.round(_i(L),
                                                                                  decimals=1),
    "frac int32": lambda L: L.frac(_i(L, "int32")), "frac bool": lambda L: _b(L).frac(),
    "hypot int": lambda L: L.hypot(_i(L), _i(L)), "hypot int32": lambda L: L.hypot(
        _i(L, "int32"), _i(L, "int32")),
    "fmod bools": lambda L: L.fmod(_b(L), _b(L)), "% bools": lambda L: _b(L) % _b(L),
    "remainder bool, True": lambda L: L.remainder(_b(L), True),
    "logcumsumexp int": lambda L: _i(L).logcumsumexp(0),
    "logcumsumexp bool": lambda L: L.logcumsumexp(_b(L), 1),
    "topk bool": lambda L: _b(L).topk(1)[0], "kthvalue bool": lambda L: _b(L).kthvalue(1)[0],
    "median bool": lambda L: _b(L).median(), "median bool dim": lambda L: _b(L).median(0)[0],
    "trace bool": lambda L: _b(L).trace(),
    "var int": lambda L: _i(L).var(), "std bool": lambda L: L.std(_b(L), 0),
    "var_mean int": lambda L: L.var_mean(_i(L)), "std_mean int32": lambda L: L.std_mean(
        _i(L, "int32")),
    "lerp int weight": lambda L: L.lerp(L.ones(2), L.ones(2), L.tensor([1, 1])),
    "lerp double weight": lambda L: L.ones(2).lerp(L.ones(2), L.ones(2, dtype=L.float64)),
    "lerp int end": lambda L: L.lerp(L.ones(2), L.tensor([1, 2]), 0.5),
    "lerp int start": lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), 0.5),
    "lerp all int": lambda L: L.lerp(_i(L), _i(L), _i(L)),
    "softmax int last": lambda L: L.softmax(_i(L), 1),
    "softmax int dim 0": lambda L: _i(L).softmax(0),
    "log_softmax int32": lambda L: L.nn.functional.log_softmax(_i(L, "int32"), 0),
    "softmax bool": lambda L: L.nn.functional.softmax(_b(L), -1),
    "softmax dtype int": lambda L: L.softmax(L.ones(2), 0, dtype=L.int64),
    "softmin int": lambda L: L.nn.functional.softmin(_i(L), 1),
    "argmax bool": lambda L: _b(L).argmax(), "argmin bool": lambda L: L.argmin(_b(L), 0),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_as_torch(name):
    with pytest.raises(RuntimeError):       # (NotImplementedError is a RuntimeError)
        REFUSED[name](T)
    _same(REFUSED[name])


COMPUTED = {
    "max bool": lambda L: _b(L).max(), "min bool": lambda L: L.min(_b(L)),
    "max bool dim": lambda L: tuple(_b(L).max(0)), "min bool dim": lambda L: tuple(
        L.min(_b(L), 1, keepdim=True)),
    "amax bool": lambda L: L.amax(_b(L), 0), "amin bool": lambda L: _b(L).amin(),
    "aminmax bool": lambda L: tuple(L.aminmax(_b(L))),
    "sign bool": lambda L: L.sign(_b(L)), "sgn bool": lambda L: _b(L).sgn(),
    "round int": lambda L: L.round(_i(L)), "round int32 method": lambda L: _i(L, "int32").round(),
    "trace uint8": lambda L: _i(L, "uint8").trace(), "trace int32": lambda L: L.trace(
        _i(L, "int32")),
    "softmax int with dtype": lambda L: L.softmax(_i(L), 1, dtype=L.float64),
    "softmin float64 dtype": lambda L: L.nn.functional.softmin(L.ones(2, 2), 1,
                                                                dtype=L.float64),
    "lerp int scalar weight": lambda L: L.lerp(L.ones(2), L.zeros(2), 1),
    "hypot int, float": lambda L: L.hypot(_i(L), L.ones(2)),
    "% bool, int": lambda L: _b(L) % 2,
}


@pytest.mark.parametrize("name", list(COMPUTED))
def test_computed_as_torch(name):
    _same(COMPUTED[name])


def test_round_of_an_integer_tensor_is_a_copy():
    x = D.tensor([1, 2])
    for r in (D.round(x), x.round()):
        assert r is not x and r.tolist() == [1, 2]
        r[0] = 5
        assert x.tolist() == [1, 2]


HALF_REFUSED = {
    "linalg.lu_factor": lambda L, A: L.linalg.lu_factor(A),
    "det": lambda L, A: L.det(A), "Tensor.det": lambda L, A: A.det(),
    "linalg.solve": lambda L, A: L.linalg.solve(A, A),
    "linalg.slogdet": lambda L, A: L.linalg.slogdet(A), "logdet": lambda L, A: L.logdet(A),
    "linalg.cholesky": lambda L, A: L.linalg.cholesky(A),
    "linalg.inv": lambda L, A: L.linalg.inv(A), "inverse": lambda L, A: L.inverse(A),
    "linalg.qr": lambda L, A: L.linalg.qr(A), "linalg.svd": lambda L, A: L.linalg.svd(A),
    "linalg.eigh": lambda L, A: L.linalg.eigh(A), "linalg.eig": lambda L, A: L.linalg.eig(A),
    "linalg.pinv": lambda L, A: L.linalg.pinv(A),
    "linalg.matrix_rank": lambda L, A: L.linalg.matrix_rank(A),
    "linalg.solve_triangular": lambda L, A: L.linalg.solve_triangular(A, A, upper=True),
    "cholesky_inverse": lambda L, A: L.cholesky_inverse(A),
    "linalg.householder_product": lambda L, A: L.linalg.householder_product(A, A[0, :2]),
    "cdist": lambda L, A: L.cdist(A[None], A[None]), "pdist": lambda L, A: L.pdist(A),
    "F.pdist": lambda L, A: L.nn.functional.pdist(A),
    "ctc_loss": lambda L, A: L.nn.functional.ctc_loss(
        A[None].transpose(0, 1), L.tensor([[1]]), L.tensor([3]), L.tensor([1])),
    "local_response_norm 2-d": lambda L, A: L.nn.functional.local_response_norm(A[None, None],
                                                                               2),
    "avg_pool3d": lambda L, A: L.nn.functional.avg_pool3d(A[None, None, None], 1),
}


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", list(HALF_REFUSED))
def test_half_precision_refused_as_torch(name, dtype):
    def call(L):
        return HALF_REFUSED[name](L, (L.eye(3) * 2 + 1).to(getattr(L, dtype)))
    _same(call)


@pytest.mark.parametrize("name", ["matrix_exp", "matrix_norm", "lrn 1-d"])
def test_half_precision_still_computed_where_torch_computes(name):
    def call(L):
        A = (L.eye(3) * 2).to(L.bfloat16)
        if name == "lrn 1-d":
            return L.nn.functional.local_response_norm(A[None], 2)
        return getattr(L.linalg, name)(A)
    want, got = _outcome(T, call), _outcome(D, call)
    assert want[0] == got[0] == "torch.bfloat16"


def test_half_refusals_leave_autocast_casting_first():
    for lib in (T, D):
        x = lib.ones(2, 3, dtype=lib.bfloat16)
        with lib.autocast("cpu", dtype=lib.bfloat16):
            assert lib.cdist(x, x).dtype == lib.float32            # autocast's float32 list


def test_argmin_of_unsigned_integers_as_torch():
    # argmin was argmax of the negation, which wraps for uint8 (-1 is 255): [3, 0, 1, 0] gave 2
    for call in (lambda L: L.argmin(L.tensor([3, 0, 1, 0], dtype=L.uint8)),
                 lambda L: tuple(L.tensor([[3, 0], [1, 2]], dtype=L.uint8).min(1))):
        _same(call)


MATMUL = {
    "3-d inner": lambda L: L.matmul(L.ones(2, 3, 4), L.ones(2, 5, 6)),
    "bmm inner": lambda L: L.bmm(L.ones(2, 3, 4), L.ones(2, 5, 6)),
    "bmm batch": lambda L: L.bmm(L.ones(2, 3, 4), L.ones(3, 4, 6)),
    "bmm 2-d": lambda L: L.bmm(L.ones(3, 4), L.ones(4, 5)),
    "bmm 2-d mat2": lambda L: L.ones(2, 3, 4).bmm(L.ones(4, 5)),
    "batch broadcast": lambda L: L.matmul(L.ones(2, 3, 4), L.ones(3, 4, 6)),
    "broadcast then inner": lambda L: L.ones(2, 3, 4) @ L.ones(1, 5, 6),
    "4-d folded": lambda L: L.matmul(L.ones(3, 2, 3, 4), L.ones(2, 5, 6)),
    "1-d @ 3-d": lambda L: L.matmul(L.ones(4), L.ones(2, 5, 6)),
    "2-d @ 3-d": lambda L: L.matmul(L.ones(3, 4), L.ones(2, 5, 6)),
    "3-d @ 1-d": lambda L: L.matmul(L.ones(2, 3, 4), L.ones(5)),
    "2-d @ 1-d": lambda L: L.ones(3, 4) @ L.ones(5),
    "1-d @ 2-d": lambda L: L.matmul(L.ones(4), L.ones(5, 6)),
    "3-d @ 2-d": lambda L: L.ones(2, 3, 4) @ L.ones(5, 6),
}


@pytest.mark.parametrize("name", list(MATMUL))
def test_matmul_shape_errors_in_torch_words(name):
    with pytest.raises(RuntimeError):
        MATMUL[name](T)
    _same(MATMUL[name])


def test_matmul_that_fits_is_unchanged():
    a, b = D.ones(2, 3, 4, requires_grad=True), D.ones(1, 4, 6)
    (a @ b).sum().backward()
    assert (a @ b).shape == (2, 3, 6) and a.grad.tolist() == T.full((2, 3, 4), 6.0).tolist()


POOL = {
    "max_pool2d": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 8, 8), 2, padding=2),
    "dilated": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 8, 8), 2, padding=2,
                                                    dilation=3),
    "dilated k3": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 9, 9), 3, padding=2,
                                                       dilation=2),
    "width only": lambda L: L.nn.MaxPool2d(2, padding=(0, 2))(L.ones(1, 1, 8, 8)),
    "max_pool1d": lambda L: L.nn.functional.max_pool1d(L.ones(1, 1, 8), 2, padding=2),
    "max_pool1d indices": lambda L: L.nn.functional.max_pool1d(L.ones(1, 1, 8), 2, padding=2,
                                                               return_indices=True)[0],
    "max_pool3d dilated": lambda L: L.nn.functional.max_pool3d(L.ones(1, 1, 8, 8, 8), 2,
                                                               padding=2, dilation=3),
    "avg_pool2d": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 8, 8), 2, padding=2),
}


@pytest.mark.parametrize("name", list(POOL))
def test_pool_padding_errors_in_torch_words(name):
    with pytest.raises(RuntimeError):
        POOL[name](T)
    _same(POOL[name])
    with pytest.raises(ValueError):          # (TensorFlow's argument errors)
        POOL[name](D)


def test_dilated_pool_with_padding_within_half_the_kernel_runs():
    def call(L):
        return L.nn.functional.max_pool2d(L.arange(64.).view(1, 1, 8, 8), 3, padding=1,
                                          dilation=2)
    _same(call)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_bce_gradients_are_torchs_at_and_near_0_and_1(dt):
    # torch: dx = g (x - y) / max(x (1 - x), 1e-12), dy = g (log(1 - x) - log x); the clipped
    # formula's own derivative was 0 at x = 0 or 1 (a saturated sigmoid learned nothing)
    import numpy as np
    x0 = [0.0, 0.5, 1.0, 1e-30, 0.999, 1e-13, 0.25, 1 - 1e-13]
    y0 = [1.0, 0.0, 1.0, 1.0, 0.0, 0.3, 0.7, 0.2]
    got = []
    for L in (T, D):
        x = L.tensor(x0, dtype=getattr(L, dt), requires_grad=True)
        y = L.tensor(y0, dtype=getattr(L, dt), requires_grad=True)
        w = L.tensor([1.0, 2, 0.5, 1, 1, 3, 1, 1], dtype=getattr(L, dt))
        loss = L.nn.functional.binary_cross_entropy(x, y, weight=w)
        gx, gy = L.autograd.grad(loss, (x, y), create_graph=True)
        (ggx,) = L.autograd.grad((gx * L.arange(8, dtype=getattr(L, dt))).sum(), (x,))
        got.append([v.detach().double().numpy() for v in (loss, gx, gy, ggx)])
    rtol = 1e-6 if dt == "float32" else 1e-12
    for a, b in zip(got[0][:3], got[1][:3]):
        np.testing.assert_allclose(b, a, rtol=rtol)
    # double backward: torch's own formula adds 1e-12 inside; equal away from 0 and 1
    inner = [1, 4, 6]
    np.testing.assert_allclose(got[1][3][inner], got[0][3][inner], rtol=1e-5)


@pytest.mark.parametrize("call", [
    lambda L: L.mv(L.ones(3, 4), L.ones(5)), lambda L: L.ones(3, 4, 1).mv(L.ones(4)),
    lambda L: L.baddbmm(L.ones(2, 3, 6), L.ones(2, 3, 4), L.ones(2, 5, 6)),
    lambda L: L.baddbmm(L.ones(2, 3, 6), L.ones(2, 3, 4), L.ones(3, 4, 6))])
def test_mv_and_baddbmm_shape_errors_in_torch_words(call):
    _same(call)


def test_aminmax_returns_torchs_named_pair():
    for lib in (T, D):
        r = lib.aminmax(lib.tensor([[1.0, 5.0], [-2.0, 3.0]]), dim=1)
        assert r.min.tolist() == [1.0, -2.0] and r.max.tolist() == [5.0, 3.0]
        lo, hi = lib.tensor([True, False]).aminmax()
        assert (lo.item(), hi.item()) == (False, True) and lo.dtype == lib.bool
